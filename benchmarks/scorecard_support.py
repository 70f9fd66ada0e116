"""CPU of the scorecard's claim support (ctx.scorecard, wave 2013, 200 cluster resamples): this working tree
against a baseline git revision, measured in the same run, interleaved; on demand, never by pytest.

    .venv/bin/python benchmarks/scorecard_support.py                 # baseline: main
    .venv/bin/python benchmarks/scorecard_support.py --baseline HEAD~3 --repeat 5

The baseline's `src/` is extracted with `git archive` into a temporary folder and imported first (PYTHONPATH),
with the repository's data. Each run is a fresh process that times `ctx.scorecard` with time.process_time
(CPU seconds: the machine is shared, wall time is noisy) and saves the scorecard; the script fails if the two
scorecards differ (pandas.testing.assert_frame_equal, exact).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
RUN = """
import pickle, sys, time
from villenum.context import load_results, open_context
ctx = open_context("2013", "", "", sys.argv[1], sys.argv[2], notebook="06_scorecard", support_boot=200, seed=2013)
results = load_results(ctx.output_dir)
ctx.scorecard(results, n_boot=2, seed=1)  # imports and the survey, outside the timing
start = time.process_time()
card = ctx.scorecard(results, n_boot=200, seed=2013)
print(time.process_time() - start)
pickle.dump(card, open(sys.argv[3], "wb"))
"""


def baseline_source(revision: str, into: Path) -> Path:
    """The `src/` folder of `revision`, extracted into `into` (with links to the repository's data)."""
    archive = into / "src.tar"
    subprocess.run(["git", "archive", "-o", str(archive), revision, "src"], cwd=ROOT, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    for name in ("data", "notebooks", "tests"):  # villenum.paths finds these next to src/
        (into / name).symlink_to(ROOT / name)
    return into / "src"


def timed(src: Path | None, processed: Path, out: Path) -> float:
    """CPU seconds of one ctx.scorecard in a fresh process importing villenum from `src` (None: this tree)."""
    env = dict(os.environ, PYTHONPATH=str(src)) if src else dict(os.environ)
    done = subprocess.run([PY, "-c", RUN, str(processed), str(out.parent / "fig"), str(out)], env=env, cwd=ROOT,
                          capture_output=True, text=True, check=True)
    return float(done.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="main", help="git revision to compare with (default: main)")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved runs of each (default: 3)")
    args = parser.parse_args()
    import pandas as pd

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "base").mkdir()
        base_src = baseline_source(args.baseline, tmp / "base")
        processed = tmp / "processed"
        subprocess.run([PY, "-m", "villenum", "reproduce", "--quiet", "--force", "--wave", "2013", "--output-dir",
                        str(processed), "--report-dir", str(tmp / "reports")], cwd=ROOT, check=True)
        times: dict[str, list[float]] = {"baseline": [], "this tree": []}
        for _ in range(args.repeat):
            times["baseline"].append(timed(base_src, processed, tmp / "base.pkl"))
            times["this tree"].append(timed(None, processed, tmp / "new.pkl"))
        pd.testing.assert_frame_equal(pd.read_pickle(tmp / "base.pkl"), pd.read_pickle(tmp / "new.pkl"))
    medians = {k: statistics.median(v) for k, v in times.items()}
    for name, values in times.items():
        print(f"{name:10s} CPU s {', '.join(f'{v:.2f}' for v in values)}  (median {medians[name]:.2f})")
    print(f"identical scorecards; {medians['baseline'] / medians['this tree']:.2f}x less CPU than {args.baseline}"
          f" (load average now {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
