"""environment.yml (conda) and pyproject.toml (pip) must describe the same environment."""

import re
import tomllib

from villenum import paths


def _pyproject_pins() -> dict[str, str]:
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]
    deps = project["dependencies"] + [d for group in project["optional-dependencies"].values() for d in group]
    return dict(re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)", d).groups() for d in deps)


def _conda_pins() -> dict[str, str]:
    pins = {}
    for line in (paths.ROOT / "environment.yml").read_text().splitlines():
        m = re.fullmatch(r"\s+-\s+([A-Za-z0-9_.-]+)==(\S+)", line)
        if m:
            pins[m.group(1)] = m.group(2)
    return pins


def test_every_dependency_is_pinned_exactly():
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]
    for dep in project["dependencies"]:
        assert re.fullmatch(r"[A-Za-z0-9_.-]+==\S+", dep), f"{dep} is not pinned with =="


def test_environment_yml_matches_pyproject():
    assert _conda_pins() == _pyproject_pins()
