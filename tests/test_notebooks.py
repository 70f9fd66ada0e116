"""The notebooks as stored in git: numbered, without outputs, one `parameters` cell, logic left to the library."""

import json
import subprocess
import sys

import pytest

from villenum import paths
from villenum.pipeline.notebooks import read_notebook

NOTEBOOKS = sorted(paths.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def test_notebooks_are_numbered_in_reading_order():
    numbers = [int(p.name[:2]) for p in NOTEBOOKS]
    assert numbers == list(range(1, len(NOTEBOOKS) + 1))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_without_outputs_with_one_parameters_cell(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), \
        "strip the outputs: `make strip` (`make lab` and the pre-commit hook strip on save and commit)"
    tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    assert nb["cells"][0]["cell_type"] == "markdown", "start with the published statement"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_only_call_the_library(path):
    """No function or class is defined in a notebook: logic lives in src/villenum/."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    source = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert "\ndef " not in "\n" + source and "\nclass " not in "\n" + source


def test_a_kernel_imports_no_notebook_machinery():
    """What the notebooks import stays light in every kernel: not nbformat, papermill or jsonschema (whose format
    checker compiles dozens of grammars at import, ~1 CPU-s per kernel): those belong to the runner's process."""
    imports = sorted({m for p in NOTEBOOKS for m in read_notebook(p).imports})
    code = ("import importlib, sys\n"
            f"for m in {imports!r}:\n"
            "    try:\n        importlib.import_module(m)\n    except ImportError:\n        pass\n"
            "print(sorted(m for m in ('jsonschema', 'nbformat', 'papermill', 'nbclient', 'nbconvert') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=paths.ROOT, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]", f"a notebook's imports load {done.stdout.strip()}"
