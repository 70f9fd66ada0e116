"""The reconstruction's code as a small package: `villenum.reconstruct` is only a facade over `villenum.generate`,
and every module of the package stays small, with short, typed functions (issue 15).

Byte identity of what it writes is tested in tests/test_reconstruct.py (the committed survey, regenerated).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import villenum.generate as generate
import villenum.reconstruct as facade

PACKAGE = Path(generate.__file__).parent
MODULES = sorted(PACKAGE.glob("*.py")) + [Path(facade.__file__)]
MAX_FILE_LINES, MAX_FUNCTION_LINES = 300, 50


def _functions(path: Path) -> list[ast.FunctionDef]:
    """Every function and method defined in a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def test_facade_re_exports_every_public_name_of_the_package():
    assert sorted(facade.__all__) == sorted(generate.__all__)
    for name in facade.__all__:
        assert getattr(facade, name) is getattr(generate, name), name


def test_facade_defines_nothing_of_its_own():
    tree = ast.parse(Path(facade.__file__).read_text(encoding="utf-8"))
    assert not [n for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_module_is_small(path):
    n_lines = len(path.read_text(encoding="utf-8").splitlines())
    assert n_lines <= MAX_FILE_LINES, f"{path.name}: {n_lines} lines"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_functions_are_short_typed_and_documented(path):
    problems = []
    for fn in _functions(path):
        length = fn.end_lineno - fn.lineno + 1
        if length > MAX_FUNCTION_LINES:
            problems.append(f"{fn.name}: {length} lines")
        params = fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs
        untyped = [a.arg for a in params if a.annotation is None and a.arg not in ("self", "cls")]
        if untyped or fn.returns is None:
            problems.append(f"{fn.name}: untyped {untyped or 'return'}")
        if not ast.get_docstring(fn):
            problems.append(f"{fn.name}: no docstring")
    assert not problems, f"{path.name}: {problems}"
