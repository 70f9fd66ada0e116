"""Interactive work: a notebook of notebooks/ saved from JupyterLab, by `make strip` or at commit is stripped,
the same way everywhere, so that a hand run never breaks tests/test_notebooks.py nor the runner's cache."""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.request

import nbformat
import pytest

from villenum import lab, paths

NOTEBOOK = paths.NOTEBOOKS / "03_domains.ipynb"


def hand_run(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """What running every cell in JupyterLab leaves in a notebook: outputs, counts, timings, language_info."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    nb.metadata.language_info.update({"version": "3.11.2", "mimetype": "text/x-python", "pygments_lexer": "ipython3",
                                      "codemirror_mode": {"name": "ipython", "version": 3}})
    for n, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        cell.execution_count = n + 1
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="42\n")]
        cell.metadata["execution"] = {"iopub.status.busy": "2026-11-30T00:00:00Z"}
    return nb


def test_a_hand_run_saved_through_the_hook_is_the_committed_notebook():
    committed = NOTEBOOK.read_text(encoding="utf-8")
    model = {"type": "notebook", "content": hand_run(nbformat.reads(committed, as_version=4))}
    lab.pre_save_hook(model, path="notebooks/03_domains.ipynb", contents_manager=None)
    assert nbformat.writes(model["content"]) + "\n" == committed


def test_the_hook_leaves_other_folders_and_files_alone():
    nb = hand_run(nbformat.read(NOTEBOOK, as_version=4))
    for path, kind in (("scratch/03_domains.ipynb", "notebook"), ("notebooks/sub/x.ipynb", "notebook"),
                       ("notebooks/notes.md", "file")):
        model = {"type": kind, "content": nb}
        lab.pre_save_hook(model, path=path, contents_manager=None)
        assert model["content"] is nb and nb.cells[1].outputs


def test_strip_files_strips_and_reports_only_what_changed(tmp_path):
    dirty, clean = tmp_path / "01_a.ipynb", tmp_path / "02_b.ipynb"
    nbformat.write(hand_run(nbformat.read(NOTEBOOK, as_version=4)), dirty)
    clean.write_bytes(NOTEBOOK.read_bytes())
    assert lab.strip_files([dirty, clean]) == [dirty]
    assert dirty.read_bytes() == NOTEBOOK.read_bytes() == clean.read_bytes()


def test_pre_commit_strips_like_the_hook_with_the_locked_versions():
    config = (paths.ROOT / ".pre-commit-config.yaml").read_text()
    entry = re.search(r"entry: (nbstripout .*)", config).group(1)
    args = shlex.split(entry)
    assert args[args.index("--extra-keys") + 1].split() == list(lab.EXTRA_KEYS) and "--keep-id" in args
    locked = dict(re.findall(r"^([a-z0-9-]+)==(\S+)", (paths.ROOT / "requirements.lock").read_text(), re.M))
    for name in ("ruff", "nbstripout"):
        assert f'"{name}=={locked[name]}"' in config, f"{name} in .pre-commit-config.yaml is not the locked version"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_saving_from_a_jupyter_server_started_like_make_lab_strips(tmp_path):
    """A real Jupyter server with the repository's .jupyter/ config: saving through its contents API strips."""
    (tmp_path / "notebooks").mkdir()
    port, token = _free_port(), "villenum-test"
    env = {**os.environ, "JUPYTER_CONFIG_PATH": str(paths.ROOT / ".jupyter"), "JUPYTER_RUNTIME_DIR": str(tmp_path)}
    server = subprocess.Popen([sys.executable, "-m", "jupyter_server", "--no-browser", f"--port={port}",
                               "--ip=127.0.0.1", "--allow-root", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp_path}"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        body = json.dumps({"type": "notebook", "format": "json",
                           "content": hand_run(nbformat.read(NOTEBOOK, as_version=4))}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/contents/notebooks/03_domains.ipynb",
                                         data=body, method="PUT", headers={"Authorization": f"token {token}"})
        for _ in range(120):
            try:
                urllib.request.urlopen(request, timeout=10).read()
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()[-2000:]
                time.sleep(0.25)
        saved = tmp_path / "notebooks" / "03_domains.ipynb"
        assert saved.read_bytes() == NOTEBOOK.read_bytes()
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_pre_commit_command_strips_a_hand_run_to_the_committed_notebook(tmp_path):
    entry = shlex.split(re.search(r"entry: (nbstripout .*)", (paths.ROOT / ".pre-commit-config.yaml").read_text()).group(1))
    dirty = tmp_path / "03_domains.ipynb"
    nbformat.write(hand_run(nbformat.read(NOTEBOOK, as_version=4)), dirty)
    done = subprocess.run([sys.executable, "-m", "nbstripout", *entry[1:], str(dirty)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert dirty.read_bytes() == NOTEBOOK.read_bytes()
