"""Speed benchmarks of villenum, run on demand (`make benchmark`), never by pytest.

Every figure is a ratio against a baseline measured in the same run on the same machine:

a. full reproduction of wave 2013: `python -m villenum reproduce --force --jobs 2` (validation, notebooks in
   parallel, HTML report) vs the naive baseline, the `papermill` command line once per notebook, in sequence,
   and the same reproduction with VILLENUM_FORKSERVER=0 (every kernel launched afresh), interleaved over
   `--repeat` repetitions (median and min-max spread): the fork server is kept only while it saves a clear share;
b. re-runs: nothing changed (twice: right after the full run, when the report's per-notebook status changes from
   "ran" to "cached", then in the steady state), and after one project's status changed in a copy of the
   survey, each compared with the full run;
c. cleaning and scoring at scale: generated record-level surveys of 10^3, 10^4 and 3.4x10^4 collectivités (~47
   projects each), timing `load_survey` (read, clean, validate) and the scoring functions in a fresh process per
   size (peak memory = that process's max RSS), against a naive row-by-row implementation (iterrows and dict
   loops) written here, timed on the smaller sizes and extrapolated linearly beyond.

Results are printed as tables and written to benchmarks/results/latest.json.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
RESULTS = ROOT / "benchmarks" / "results" / "latest.json"
SIZES = (1_000, 10_000, 34_000)
PROJECTS_PER_COLLECTIVITE = 47


def _spellings(field: str) -> dict[str, list[str]]:
    """Messy spellings, as hand-typed files have them: every spelling of the 2013 questionnaire, by code."""
    from villenum.questionnaire import load_questionnaire

    table = load_questionnaire("2013").table.query("field == @field")
    return {code: list(rows["spelling"]) for code, rows in table.groupby("code", sort=False)}


DOMAINS, STATUSES, OBJECTIVES, KINDS = (_spellings(f) for f in ("domain", "status", "objective", "kind"))



# ------------------------------------------------------------------------------------------------- machine
def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")).split()[1])
        mem = f"{kb / 2**20:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    return {"cores": os.cpu_count(), "cpu": model or platform.processor(), "memory": mem,
            "python": platform.python_version(), "platform": platform.platform(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}


def timed(cmd: list[str], **kw) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, **kw)
    elapsed = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(cmd)}\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return elapsed


# --------------------------------------------------------------------------------------- a, b: notebooks
def bench_notebooks(tmp: Path, repeat: int) -> dict:
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    papermill = str(Path(PY).with_name("papermill"))
    out, rep = tmp / "run" / "out", tmp / "run" / "report"
    reproduce = [PY, "-m", "villenum", "reproduce", "--wave", "2013", "--output-dir", str(out), "--report-dir",
                 str(rep), "--quiet"]
    print("a. warming up (one untimed runner pass: survey validation stamp, reconstruction check, disk cache)")
    timed(reproduce + ["--force", "--jobs", "2"])

    naive_times, runner_times, plain_times = [], [], []
    for i in range(repeat):  # interleaved, so that a change of the machine's load affects all three alike
        naive = tmp / f"naive{i}"
        naive.mkdir(parents=True)
        t0 = time.perf_counter()
        for nb in notebooks:
            timed([papermill, str(nb), str(naive / nb.name), "-k", "villenum", "-p", "output_dir",
                   str(naive / "out"), "-p", "figure_dir", str(naive / "figures")])
        naive_times.append(time.perf_counter() - t0)
        runner_times.append(timed(reproduce + ["--force", "--jobs", "2"]))
        plain_times.append(timed(reproduce + ["--force", "--jobs", "2"], env={**os.environ, "VILLENUM_FORKSERVER": "0"}))
        print(f"   naive papermill x{len(notebooks)}: {naive_times[-1]:.2f} s   runner --force --jobs 2: "
              f"{runner_times[-1]:.2f} s   same without the fork server: {plain_times[-1]:.2f} s")
    naive_s, full_s, plain_s = (statistics.median(x) for x in (naive_times, runner_times, plain_times))

    print("b. re-runs")
    no_change_first = timed(reproduce + ["--jobs", "2"])  # statuses ran -> cached: the report is rebuilt
    no_change = [timed(reproduce + ["--jobs", "2"]) for _ in range(5)]
    survey = tmp / "survey"
    shutil.copytree(ROOT / "data" / "processed" / "2013" / "survey", survey, ignore=shutil.ignore_patterns(".*"))
    with_survey = reproduce + ["--jobs", "2", "--survey-dir", str(survey)]
    timed(with_survey)  # the cache of this survey directory
    timed(with_survey)
    change_status(survey / "projects.csv")
    one_input = timed(with_survey)
    return {
        "notebooks": [nb.name for nb in notebooks],
        "naive_papermill_cli_s": round(naive_s, 3), "runner_full_s": round(full_s, 3),
        "naive_runs_s": [round(x, 3) for x in naive_times], "runner_runs_s": [round(x, 3) for x in runner_times],
        "speedup_naive_over_runner": round(naive_s / full_s, 2),
        "runner_without_forkserver_s": round(plain_s, 3), "plain_runs_s": [round(x, 3) for x in plain_times],
        "forkserver_saving_share": round(1 - full_s / plain_s, 3),
        "spread_s": {k: [round(min(v), 3), round(max(v), 3)] for k, v in
                     (("naive", naive_times), ("runner", runner_times), ("without_forkserver", plain_times))},
        "no_change_first_s": round(no_change_first, 3),
        "no_change_s": round(min(no_change), 3), "no_change_runs_s": [round(x, 3) for x in no_change],
        "one_input_changed_s": round(one_input, 3),
        "ratio_no_change_first_to_full": round(no_change_first / full_s, 3),
        "ratio_no_change_to_full": round(min(no_change) / full_s, 3),
        "ratio_one_input_to_full": round(one_input / full_s, 3),
    }


def change_status(projects: Path) -> None:
    """Rewrite projects.csv with the first 'a_l_etude' project now 'realise'."""
    with projects.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    col = rows[0].index("status")
    row = next(r for r in rows[1:] if r[col] == "a_l_etude")
    row[col] = "realise"
    with projects.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


# ------------------------------------------------------------------------------------ c: data generation
def generate_survey(directory: Path, n: int, seed: int = 2013) -> tuple[int, int]:
    """Write collectivites/objectives/projects.csv of `n` collectivités in the codebook format; return the
    number of projects and of distinct labels."""
    import numpy as np

    rng = np.random.default_rng(seed)
    directory.mkdir(parents=True, exist_ok=True)
    ids = np.array([f"c{i:06d}" for i in range(n)], dtype=object)
    kinds = rng.choice(["commune", "intercommunalite", "joint"], size=n, p=[0.6, 0.3, 0.1])
    with (directory / "collectivites.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["collectivite_id", "name", "kind", "insee_code", "epci_siren", "population"])
        place = rng.choice(95 * 998, size=n, replace=False)  # one place is one collectivité: codes are distinct
        dept, commune = place // 998 + 1, place % 998 + 1
        siren = rng.choice(50_000_000, size=n, replace=False) + 200_000_000
        pop = rng.integers(50_000, 2_000_000, size=n)
        spell = {k: rng.choice(v, size=n) for k, v in KINDS.items()}
        for i in range(n):
            k = kinds[i]
            insee = f"{dept[i]:02d}{commune[i]:03d}" if k != "intercommunalite" else ""
            if insee.startswith("0") and i % 3 == 0:
                insee = insee.lstrip("0")  # a spreadsheet lost the leading zero
            p = f"{pop[i]:,}".replace(",", " ") if i % 4 == 0 else str(pop[i])  # French thousands separator
            w.writerow([ids[i], f"Collectivité {i}", spell[k][i], insee,
                        str(siren[i]) if k != "commune" else "", p])
    with (directory / "objectives.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["collectivite_id", "objective", "rank", "cited"])
        codes = list(OBJECTIVES)
        perms = np.argsort(rng.random((n, 4)), axis=1) + 1
        # each collectivité ranks its k first objectives 1..k (no gap: a gap is an input error), ~14 % unranked
        n_ranked = rng.choice([1, 2, 3, 4], size=n, p=[0.05, 0.10, 0.20, 0.65])
        unranked = perms > n_ranked[:, None]
        for i in range(n):
            for j, code in enumerate(codes):
                spelling = OBJECTIVES[code][(i + j) % len(OBJECTIVES[code])]
                rank = "" if unranked[i, j] else str(perms[i, j])
                w.writerow([ids[i], spelling, rank, "oui" if rank or i % 2 else "non"])
    # projects: labels drawn from the 2013 reconstruction (realistic wording for classification), with its
    # domain; the labels that name their collectivité (~10 %) name the generated one, so they stay distinct
    survey_2013 = ROOT / "data" / "processed" / "2013" / "survey"
    with (survey_2013 / "collectivites.csv").open(encoding="utf-8") as fh:
        names = {r["collectivite_id"]: r["name"] for r in csv.DictReader(fh)}
    with (survey_2013 / "projects.csv").open(encoding="utf-8") as fh:
        source = [(r["label"], r["domain"], names.get(r["collectivite_id"], "")) for r in csv.DictReader(fh)]
    counts = np.clip(rng.poisson(PROJECTS_PER_COLLECTIVITE, size=n), 1, None)
    total = int(counts.sum())
    pick = rng.integers(0, len(source), size=total)
    status_code = rng.choice(list(STATUSES), size=total, p=[0.35, 0.35, 0.30])
    missing = rng.random(total) < 0.03
    variant = rng.integers(0, 4, size=total)
    with (directory / "projects.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["project_id", "collectivite_id", "label", "domain", "status"])
        k = 0
        distinct = set()
        for i in range(n):
            for j in range(counts[i]):
                label, domain, named = source[pick[k]]
                if named and named in label:
                    label = label.replace(named, f"Collectivité {i}")
                distinct.add(label)
                d = DOMAINS[domain]
                s = STATUSES[status_code[k]]
                w.writerow([f"{ids[i]}-P{j + 1:03d}", ids[i], label, d[variant[k] % len(d)],
                            "" if missing[k] else s[variant[k] % len(s)]])
                k += 1
    return total, len(distinct)


# ------------------------------------------------------------------------------- c: library, in a worker
def library_worker(directory: str) -> dict:
    """Time load_survey and the scoring functions on one survey; runs in its own process (peak RSS)."""
    import warnings

    warnings.simplefilter("ignore")
    from villenum import domains, flagship, objectives, realisation
    from villenum.survey import load_survey

    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    catalogue = flagship.load_catalogue()
    t = {}
    t0, cpu0 = time.perf_counter(), time.process_time()
    survey = load_survey(directory)
    t["load_survey"] = time.perf_counter() - t0
    steps = {
        "domain_counts": lambda: domains.domain_counts(survey.projects, survey.questionnaire),
        "realisation_ratios": lambda: realisation.realisation_ratios(survey.projects, survey.questionnaire),
        "status_counts": lambda: realisation.status_counts(survey.projects, survey.questionnaire),
        "objective_rank_scores": lambda: objectives.score_objectives(survey.objectives),
        "classify_projects": lambda: flagship.classify_projects(survey.projects, catalogue),
    }
    for name, fn in steps.items():
        t0 = time.perf_counter()
        fn()
        t[name] = time.perf_counter() - t0
    t["scoring"] = sum(t[k] for k in steps)
    t["total"] = t["load_survey"] + t["scoring"]
    t["cpu_total"] = time.process_time() - cpu0  # CPU seconds: less moved by the other users of the machine
    return {"seconds": {k: round(v, 3) for k, v in t.items()}, "n_projects": len(survey.projects),
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "rss_after_imports_mib": round(base_rss / 1024, 1)}


def profile_worker(directory: str, out: str) -> None:
    """cProfile of load_survey + scoring, top functions by cumulative and own time written to `out`."""
    import cProfile
    import io
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    library_worker(directory)
    prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(40)
    Path(out).write_text(buf.getvalue())


# -------------------------------------------------------------------------- c: naive row-by-row version
def naive_worker(directory: str) -> dict:
    """The same cleaning, validation and scoring, row by row (iterrows and dict loops), including the check of
    every cell for a spreadsheet error value or formula that load_survey makes (since 2026-11-30)."""
    import re
    import unicodedata

    import pandas as pd

    from villenum.codebook import _FORMULA, _SPREADSHEET_ERROR
    from villenum.questionnaire import load_questionnaire

    tax = load_questionnaire("2013").table.rename(columns={"label_fr": "canonical_fr"})

    def norm(label: str) -> str:
        s = re.sub(r"[’'`´ʼ_\-\u2010-\u2013]", " ", label)
        s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode("ascii").lower()
        s = re.sub(r"\s*([/+&,])\s*", r"\1", re.sub(r"[’'`´ʼ_\-]", " ", s))
        return re.sub(r"\s+", " ", s).strip()

    mapping: dict[str, dict[str, str]] = {}
    for _, r in tax.iterrows():
        for text in (r["spelling"], r["canonical_fr"], r["code"]):
            mapping.setdefault(r["field"], {})[norm(text)] = r["code"]
    t0, cpu0 = time.perf_counter(), time.process_time()
    problems = []
    # the library's check of every cell for a spreadsheet error value or formula (same regexes), cell by cell
    error_rx = re.compile(_SPREADSHEET_ERROR.pattern, re.IGNORECASE)
    signed_rx = re.compile(r"[+-][\d\s\u00a0\u202f.,%]+")

    def spreadsheet_cells(i, row, ints=()):
        for name, value in row.items():
            v = value.strip()
            if error_rx.fullmatch(v) or (_FORMULA.match(v) and not (name in ints and signed_rx.fullmatch(v))):
                problems.append((i, name))

    def number(text: str):
        s = re.sub(r"[ \u00a0\u202f]", "", text).replace(",", ".")
        return float(s)

    coll = pd.read_csv(Path(directory) / "collectivites.csv", dtype=str, keep_default_na=False)
    ids = set()
    clean_coll = []
    for i, row in coll.iterrows():
        spreadsheet_cells(i, row, ("population",))
        kind = mapping["kind"].get(norm(row["kind"]))
        insee = row["insee_code"].strip().upper()
        if insee.isdigit():
            insee = insee.zfill(5)
        if kind in ("commune", "joint") and not re.fullmatch(r"(\d{2}|2A|2B)\d{3}", insee):
            problems.append((i, "insee_code"))
        if kind in ("intercommunalite", "joint") and not re.fullmatch(r"\d{9}", row["epci_siren"].strip()):
            problems.append((i, "epci_siren"))
        if kind is None:
            problems.append((i, "kind"))
        if row["collectivite_id"] in ids:
            problems.append((i, "duplicate"))
        ids.add(row["collectivite_id"])
        clean_coll.append({"collectivite_id": row["collectivite_id"], "kind": kind, "insee_code": insee,
                           "population": int(number(row["population"]))})
    obj = pd.read_csv(Path(directory) / "objectives.csv", dtype=str, keep_default_na=False)
    clean_obj, seen_rank = [], set()
    for i, row in obj.iterrows():
        spreadsheet_cells(i, row, ("rank",))
        code = mapping["objective"].get(norm(row["objective"]))
        rank = int(number(row["rank"])) if row["rank"].strip() else None
        if code is None or row["collectivite_id"] not in ids:
            problems.append((i, "objective"))
        if rank is not None:
            if not 1 <= rank <= 4 or (row["collectivite_id"], rank) in seen_rank:
                problems.append((i, "rank"))
            seen_rank.add((row["collectivite_id"], rank))
        clean_obj.append({"collectivite_id": row["collectivite_id"], "objective": code, "rank": rank})
    proj = pd.read_csv(Path(directory) / "projects.csv", dtype=str, keep_default_na=False)
    clean_proj, pids = [], set()
    for i, row in proj.iterrows():
        spreadsheet_cells(i, row)
        domain = mapping["domain"].get(norm(row["domain"]))
        status = mapping["status"].get(norm(row["status"])) if row["status"].strip() else None
        if domain is None or (row["status"].strip() and status is None) or row["collectivite_id"] not in ids \
                or row["project_id"] in pids:
            problems.append((i, "project"))
        pids.add(row["project_id"])
        clean_proj.append({"collectivite_id": row["collectivite_id"], "label": row["label"], "domain": domain,
                           "status": status})
    t_clean = time.perf_counter() - t0

    t0 = time.perf_counter()
    per_domain: dict[str, int] = {}
    status_counts: dict[tuple, int] = {}
    for p in clean_proj:
        per_domain[p["domain"]] = per_domain.get(p["domain"], 0) + 1
        key = (p["domain"], p["status"] or "inconnu")
        status_counts[key] = status_counts.get(key, 0) + 1
    total = sum(per_domain.values())
    shares = {d: 100 * n / total for d, n in per_domain.items()}
    ratios = {}
    for d in per_domain:
        done = status_counts.get((d, "realise"), 0)
        known = sum(status_counts.get((d, s), 0) for s in ("realise", "en_cours", "a_l_etude"))
        ratios[d] = done / known if known else float("nan")
    ranks: dict[str, dict[str, int]] = {}
    for o in clean_obj:
        if o["rank"] is not None:
            ranks.setdefault(o["collectivite_id"], {})[o["objective"]] = o["rank"]
    first, borda, mean = {}, {}, {}
    for given in ranks.values():
        for objective, r in given.items():
            first[objective] = first.get(objective, 0) + (r == 1)
            borda[objective] = borda.get(objective, 0) + 4 - r
            mean.setdefault(objective, []).append(r)
    mean = {k: sum(v) / len(v) for k, v in mean.items()}
    catalogue = pd.read_csv(ROOT / "src" / "villenum" / "data" / "project_types.csv", dtype=str,
                            keep_default_na=False)
    patterns = [(r["project_type"], re.compile(r["keywords"]), r["domain"]) for _, r in catalogue.iterrows()
                if r["keywords"].strip()]
    classified = []
    for p in clean_proj:
        label = norm(p["label"])
        hit = next((t for t, rx, d in patterns if (not d or d == p["domain"]) and rx.search(label)), "autre")
        classified.append(hit)
    t_score = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    return {"seconds": {"clean": round(t_clean, 3), "scoring": round(t_score, 3), "total": round(t_clean + t_score, 3),
                        "cpu_total": round(cpu, 3)},
            "n_projects": len(clean_proj), "problems": len(problems), "shares": len(shares), "ratios": len(ratios),
            "first": len(first), "borda": len(borda), "mean": len(mean), "classified": len(classified)}


def in_subprocess(kind: str, directory: Path, timeout: int = 1800) -> dict:
    done = subprocess.run([PY, __file__, f"--{kind}-worker", str(directory)], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout)
    if done.returncode != 0:
        raise SystemExit(f"{kind} worker failed on {directory}:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_scale(tmp: Path, sizes: list[int], naive_sizes: list[int], profile: bool) -> dict:
    rows = []
    for n in sizes:
        d = tmp / f"survey-{n}"
        t0 = time.perf_counter()
        n_projects, n_labels = generate_survey(d, n)
        gen = time.perf_counter() - t0
        size_mb = sum(p.stat().st_size for p in d.iterdir()) / 2**20
        print(f"c. {n} collectivités, {n_projects} projects, {n_labels} distinct labels ({size_mb:.0f} MiB of CSV, "
              f"generated in {gen:.1f} s)")
        lib = in_subprocess("library", d)
        row = {"collectivites": n, "projects": n_projects, "distinct_labels": n_labels, "csv_mib": round(size_mb, 1),
               "library": lib}
        print(f"   library: load_survey {lib['seconds']['load_survey']:.2f} s, scoring {lib['seconds']['scoring']:.2f} s,"
              f" peak RSS {lib['peak_rss_mib']:.0f} MiB")
        if n in naive_sizes:
            naive = in_subprocess("naive", d)
            row["naive"] = naive
            row["naive_measured"] = True
            print(f"   naive row-by-row: clean {naive['seconds']['clean']:.2f} s, scoring "
                  f"{naive['seconds']['scoring']:.2f} s")
        if profile and n == max(sizes):
            out = tmp / "profile.txt"
            subprocess.run([PY, __file__, "--profile-worker", str(d), str(out)], cwd=ROOT, check=True, timeout=3600)
            prof = ROOT / "benchmarks" / "results" / f"profile-{n}.txt"
            prof.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(out, prof)
            row["profile"] = str(prof.relative_to(ROOT))
        rows.append(row)
        shutil.rmtree(d, ignore_errors=True)
    measured = [r for r in rows if r.get("naive_measured")]
    if measured:
        ref = max(measured, key=lambda r: r["projects"])
        per_project = {k: v / ref["projects"] for k, v in ref["naive"]["seconds"].items()}
        for r in rows:
            if not r.get("naive_measured"):
                r["naive"] = {"seconds": {k: round(v * r["projects"], 3) for k, v in per_project.items()},
                              "extrapolated_from": ref["projects"]}
                r["naive_measured"] = False
    for r in rows:
        if "naive" in r:
            lib, naive = r["library"]["seconds"], r["naive"]["seconds"]
            r["speedup_clean"] = round(naive["clean"] / lib["load_survey"], 2)
            r["speedup_scoring"] = round(naive["scoring"] / lib["scoring"], 2)
            r["speedup_total"] = round(naive["total"] / lib["total"], 2)
            r["speedup_cpu"] = round(naive["cpu_total"] / lib["cpu_total"], 2)
    return {"rows": rows}


# ---------------------------------------------------------------------------------------------- report
def print_tables(results: dict) -> None:
    m = results["machine"]
    print(f"\nmachine: {m['cores']} cores, {m['cpu']}, {m['memory']}, Python {m['python']}; load average "
          f"{m['load_average_at_start']} at start, {m.get('load_average_at_end')} at end")
    nb = results.get("notebooks")
    if nb:
        print("\nnotebooks (wave 2013)                      seconds   ratio")
        print(f"naive: papermill CLI per notebook, serial   {nb['naive_papermill_cli_s']:7.2f}   baseline")
        print(f"runner: reproduce --force --jobs 2          {nb['runner_full_s']:7.2f}   "
              f"{nb['speedup_naive_over_runner']:.2f}x faster (target >= 2.5)")
        if "runner_without_forkserver_s" in nb:
            print(f"runner without the fork server              {nb['runner_without_forkserver_s']:7.2f}   "
                  f"{nb['naive_papermill_cli_s'] / nb['runner_without_forkserver_s']:.2f}x faster; the fork server "
                  f"saves {100 * nb['forkserver_saving_share']:.0f}% of the runner's time")
            print("  (medians of the repetitions; spread min-max in s: " + ", ".join(
                f"{k} {lo:.2f}-{hi:.2f}" for k, (lo, hi) in nb["spread_s"].items()) + ")")
        print(f"no change, 1st re-run (report rebuilt)      {nb['no_change_first_s']:7.2f}   "
              f"{nb['ratio_no_change_first_to_full']:.3f} of full")
        print(f"no change, steady state                     {nb['no_change_s']:7.2f}   "
              f"{nb['ratio_no_change_to_full']:.3f} of full (target < 1.5 s)")
        print(f"one project's status changed                {nb['one_input_changed_s']:7.2f}   "
              f"{nb['ratio_one_input_to_full']:.3f} of full")
    sc = results.get("scale")
    if sc:
        print("\ncollectivités  projects  load_survey  scoring  total    peak RSS  naive total       speed-up  "
              "(CPU seconds: library, naive, ratio)")
        for r in sc["rows"]:
            lib = r["library"]
            naive = r.get("naive", {}).get("seconds", {}).get("total")
            how = "measured" if r.get("naive_measured") else "extrapolated"
            print(f"{r['collectivites']:>13}  {r['projects']:>8}  {lib['seconds']['load_survey']:>10.2f}s "
                  f"{lib['seconds']['scoring']:>7.2f}s {lib['seconds']['total']:>6.2f}s {lib['peak_rss_mib']:>7.0f}MiB"
                  f"  {naive if naive is not None else float('nan'):>8.1f}s {how:<12} "
                  f"{r.get('speedup_total', float('nan')):>5.1f}x   ({lib['seconds']['cpu_total']:.2f}, "
                  f"{r.get('naive', {}).get('seconds', {}).get('cpu_total', float('nan')):.1f}, "
                  f"{r.get('speedup_cpu', float('nan')):.1f}x)")
        big = max(sc["rows"], key=lambda r: r["projects"])
        print("\nscoring detail at the largest size (s): " + ", ".join(
            f"{k} {v:.2f}" for k, v in big["library"]["seconds"].items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="collectivités per survey")
    parser.add_argument("--naive-sizes", type=int, nargs="+", default=[1_000, 10_000],
                        help="sizes where the row-by-row baseline is measured (others are extrapolated)")
    parser.add_argument("--repeat", type=int, default=5, help="full runs of each kind in part a (median is kept)")
    parser.add_argument("--skip-notebooks", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--profile", action="store_true", help="cProfile the largest size (benchmarks/results/)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--library-worker", help=argparse.SUPPRESS)
    parser.add_argument("--naive-worker", help=argparse.SUPPRESS)
    parser.add_argument("--profile-worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.library_worker:
        print(json.dumps(library_worker(args.library_worker)))
        return 0
    if args.naive_worker:
        print(json.dumps(naive_worker(args.naive_worker)))
        return 0
    if args.profile_worker:
        profile_worker(*args.profile_worker)
        return 0

    results: dict = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "machine": machine()}
    with tempfile.TemporaryDirectory(prefix="villenum-bench-") as tmp:
        if not args.skip_notebooks:
            results["notebooks"] = bench_notebooks(Path(tmp), args.repeat)
        if not args.skip_scale:
            results["scale"] = bench_scale(Path(tmp), args.sizes, args.naive_sizes, args.profile)
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print_tables(results)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    print(f"\nwrote {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
