"""One environment, written three ways: pyproject.toml (ranges), requirements.lock (exact, hashed) and
environment.yml (conda and Binder). They must agree, and `make install` must use the lock."""

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from villenum import paths

LOCK = paths.ROOT / "requirements.lock"


def _requirements() -> list[Requirement]:
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]
    deps = project["dependencies"] + [d for group in project["optional-dependencies"].values() for d in group]
    return [Requirement(d) for d in deps]


def _locked() -> dict[str, str]:
    text = LOCK.read_text()
    return {canonicalize_name(n): v for n, v in re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;]+)", text, re.M)}


def _conda_pins() -> dict[str, str]:
    pins = {}
    for line in (paths.ROOT / "environment.yml").read_text().splitlines():
        m = re.fullmatch(r"\s+-\s+([A-Za-z0-9_.-]+)==(\S+)", line)
        if m:
            pins[canonicalize_name(m.group(1))] = m.group(2)
    return pins


def test_pyproject_states_ranges_not_pins():
    for req in _requirements():
        ops = {s.operator for s in req.specifier}
        assert "==" not in ops, f"{req}: an exact pin belongs in requirements.lock, not pyproject.toml"
        assert ">=" in ops, f"{req}: state the oldest version known to work"


def test_lock_has_a_hash_for_every_package_and_satisfies_the_ranges():
    blocks = re.split(r"\n(?=[A-Za-z0-9])", LOCK.read_text().split("\n", 2)[2])
    assert all("--hash=sha256:" in b for b in blocks if b.strip()), "every locked package needs its hashes"
    locked = _locked()
    for req in _requirements():
        name = canonicalize_name(req.name)
        assert name in locked, f"{req.name} is in pyproject.toml but not in requirements.lock: run `make lock`"
        assert req.specifier.contains(locked[name], prereleases=True), f"lock has {name}=={locked[name]}, not {req}"


def test_environment_yml_matches_the_lock():
    locked = _locked()
    expected = {canonicalize_name(r.name): locked[canonicalize_name(r.name)] for r in _requirements()}
    assert _conda_pins() == expected


def test_make_install_uses_the_hashed_lock():
    makefile = (paths.ROOT / "Makefile").read_text()
    assert "--require-hashes -r $(LOCK)" in makefile and "LOCK := requirements.lock" in makefile
    assert "--generate-hashes" in makefile.split("\nlock:", 1)[1].split("\n\n", 1)[0]


def test_binder_registers_the_kernel_the_notebooks_name():
    kernels = {re.search(r'"name": "(\w+)"', p.read_text().split('"kernelspec"', 1)[1]).group(1)
               for p in paths.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")}
    assert kernels == {"villenum"}
    assert "ipykernel install --user --name villenum" in (paths.ROOT / "postBuild").read_text()
