"""Interactive work: notebooks under notebooks/ are stored without outputs, whoever saves them.

`make lab` starts JupyterLab with `.jupyter/jupyter_server_config.py`, which installs `pre_save_hook`: a
notebook of notebooks/ saved from JupyterLab is written stripped (outputs, execution counts and run metadata
removed, cell ids kept), exactly as the nbstripout pre-commit hook strips it at commit and `make strip` by
hand. A notebook run by hand and saved unchanged is therefore byte-identical to the committed one, and the
runner's cache (keyed on the notebook's bytes) does not re-run it. The stripping is nbstripout's; only the
list of metadata keys is ours.
"""

from __future__ import annotations

import sys
from pathlib import Path, PurePosixPath
from typing import Any

# nbstripout's own defaults (its command line adds them; its function does not), and the run-dependent parts
# of language_info that a kernel writes: the stored notebooks keep only language_info.name.
EXTRA_KEYS = (
    "metadata.signature", "metadata.widgets", "cell.metadata.collapsed", "cell.metadata.ExecuteTime",
    "cell.metadata.execution", "cell.metadata.heading_collapsed", "cell.metadata.hidden", "cell.metadata.scrolled",
    "metadata.language_info.codemirror_mode", "metadata.language_info.file_extension",
    "metadata.language_info.mimetype", "metadata.language_info.nbconvert_exporter",
    "metadata.language_info.pygments_lexer", "metadata.language_info.version", "metadata.papermill",
    "cell.metadata.papermill",
)
STRIPPED_FOLDER = "notebooks"


def strip_notebook(nb: dict[str, Any]) -> dict[str, Any]:
    """The notebook without outputs, execution counts and run metadata (a new nbformat NotebookNode)."""
    import nbformat
    from nbstripout import strip_output

    node = nbformat.from_dict(nb)
    return strip_output(node, keep_output=False, keep_count=False, keep_id=True, extra_keys=list(EXTRA_KEYS))


def pre_save_hook(model: dict[str, Any], path: str, **kwargs: Any) -> None:
    """Jupyter server hook: strip a notebook of notebooks/ in place before it is written; leave others alone."""
    parts = PurePosixPath(path.lstrip("/")).parts
    if model.get("type") == "notebook" and len(parts) == 2 and parts[0] == STRIPPED_FOLDER:
        model["content"] = strip_notebook(model["content"])


def strip_files(files: list[Path]) -> list[Path]:
    """Strip notebook files in place (atomically); return those that changed."""
    import nbformat

    from villenum.io import write_atomic

    changed = []
    for file in files:
        before = file.read_bytes()
        after = (nbformat.writes(strip_notebook(nbformat.reads(before.decode("utf-8"), as_version=4))) + "\n").encode()
        if after != before:
            write_atomic(file, after)
            changed.append(file)
    return changed


if __name__ == "__main__":  # `make strip`: python -m villenum.lab notebooks/*.ipynb
    for path in strip_files([Path(a) for a in sys.argv[1:]]):
        print(f"stripped {path}")
