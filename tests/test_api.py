"""The front door: `import villenum` is cheap, lists its entry points, and documents their columns truly."""

from __future__ import annotations

import pydoc
import re
import subprocess
import sys
import tomllib

import pytest
import yaml

import villenum
from villenum import paths, reference

DEMO = paths.ROOT / "examples" / "wave-demo"
ENTRY = re.compile(r"^  (\w+)\(.*?\) -> one row[^:]*:\s*(.*)$")


def documented_columns() -> dict[str, tuple[list[str], bool]]:
    """{function: (columns, exact)} from the module docstring; `exact` is False for 'the projects' columns +'."""
    entries: dict[str, list[str]] = {}
    current = None
    for line in villenum.__doc__.splitlines():
        m = ENTRY.match(line)
        if m:
            current = m.group(1)
            entries[current] = [m.group(2)] if m.group(2) else []
        elif current and line.startswith("      "):
            entries[current].append(line.strip())
        else:
            current = None
    out = {}
    for name, parts in entries.items():
        text = " ".join(parts)
        exact = "+" not in text
        out[name] = ([c.strip() for c in text.split("+")[-1].split(",")], exact)
    return out


@pytest.fixture(scope="module")
def tables() -> dict:
    """Every documented function called on the demo wave, as a student's script would."""
    survey = villenum.load_survey(DEMO)
    coll, obj, proj = survey.collectivites, survey.objectives, survey.projects
    communes = reference.load_communes()
    classified = villenum.classify_projects(proj, villenum.load_catalogue())
    q = survey.questionnaire
    ratios = villenum.realisation_ratios(proj, q)
    return {
        "panel_counts": villenum.panel_counts(coll),
        "compare_with_frame": villenum.compare_with_frame(coll, reference.frame_communes(communes), communes),
        "panel_points": villenum.panel_points(coll, communes),
        "score_objectives": villenum.score_objectives(obj),
        "score_intervals": villenum.score_intervals(obj, n_boot=20, seed=1),
        "agreement_tests": villenum.agreement_tests(obj),
        "rank_dispersion": villenum.rank_dispersion(obj),
        "cited_shares": villenum.cited_shares(obj),
        "domain_counts": villenum.domain_counts(proj, q),
        "projects_per_collectivite": villenum.projects_per_collectivite(proj, coll, q),
        "status_counts": villenum.status_counts(proj, q),
        "realisation_ratios": ratios,
        "independence_test": villenum.independence_test(proj, q),
        "volume_ratio_association": villenum.volume_ratio_association(ratios),
        "domain_groups_compare": villenum.domain_groups_compare(ratios, ["dev_economique", "securite"]),
        "classify_projects": classified,
        "status_by_type": villenum.status_by_type(classified, q),
        "widely_undertaken": villenum.widely_undertaken(classified, "project_type_classified", coll, q),
    }


def test_every_documented_function_is_called(tables):
    assert set(documented_columns()) == set(tables)


@pytest.mark.parametrize("name", sorted(documented_columns()))
def test_documented_columns_are_the_real_ones(name, tables):
    columns, exact = documented_columns()[name]
    got = list(tables[name].columns)
    if exact:
        assert got == columns, f"{name}: documented {columns}, returns {got}"
    else:
        assert got[-len(columns):] == columns, f"{name}: documented ... + {columns}, returns {got}"


def test_entry_points_are_exported_and_shown_by_help():
    text = pydoc.render_doc(villenum, renderer=pydoc.plaintext)
    for name in villenum.__all__:
        assert hasattr(villenum, name), name
    for name in ("load_wave", "load_survey", "domain_counts", "realisation_ratios", "status_by_type"):
        assert f"\n    {name}(" in text, f"help(villenum) does not show {name}"
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        villenum.nope  # noqa: B018 - the attribute access is the test


def test_load_wave_is_the_default_survey_of_the_wave():
    wave = villenum.load_wave("2013")
    same = villenum.load_survey(paths.survey_dir("2013"))
    assert wave.projects.equals(same.projects) and len(wave.collectivites) == 24


def test_version_has_one_source():
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]
    assert villenum.__version__ == project["version"]
    source = (paths.ROOT / "src" / "villenum" / "__init__.py").read_text()
    assert project["version"] not in source, "the version is written in pyproject.toml only"


def test_citation_cites_this_version_and_the_study():
    citation = yaml.safe_load((paths.ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]
    assert citation["cff-version"] == "1.2.0" and citation["type"] == "software"
    assert str(citation["version"]) == project["version"], "update CITATION.cff when the version changes"
    assert citation["license"] == "MIT" and (paths.ROOT / "LICENSE").read_text().startswith("MIT License")
    titles = " ".join(r["title"] for r in citation["references"])
    assert "Baromètre Ville numérique 2013" in titles and "Lu pour vous" in titles


def test_importing_villenum_imports_no_heavy_module():
    code = "import sys, villenum; print(sorted(m for m in ('pandas', 'numpy', 'scipy') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stderr
