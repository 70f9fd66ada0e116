"""The shape of the library's code (issue 15): short files and functions, typed and documented public functions,
no private API of another package. Read with `ast`, nothing is imported or run."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "villenum"
FILES = sorted(SRC.rglob("*.py"))
MAX_FILE_LINES = 300
MAX_FUNCTION_LINES = 50


def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def name(path: Path) -> str:
    return str(path.relative_to(SRC))


def public_functions(body: list[ast.stmt], prefix: str = ""):
    """Functions and methods reachable without a leading underscore (classes included), with their dotted name."""
    for node in body:
        if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            yield from public_functions(node.body, f"{prefix}{node.name}.")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_"):
            yield f"{prefix}{node.name}", node


@pytest.mark.parametrize("path", FILES, ids=name)
def test_file_is_short(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_FILE_LINES, "split it by responsibility"


@pytest.mark.parametrize("path", FILES, ids=name)
def test_functions_are_short(path):
    long = [f"{node.name} (line {node.lineno}): {node.end_lineno - node.lineno + 1} lines"
            for node in ast.walk(tree(path)) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES]
    assert not long


@pytest.mark.parametrize("path", FILES, ids=name)
def test_public_functions_are_typed_and_documented(path):
    faults = []
    for qualname, node in public_functions(tree(path).body):
        args = node.args
        every = [*args.posonlyargs, *args.args, *args.kwonlyargs, *(a for a in (args.vararg, args.kwarg) if a)]
        untyped = [a.arg for a in every if a.annotation is None and a.arg not in ("self", "cls")]
        if untyped or node.returns is None:
            faults.append(f"{qualname}: annotations missing ({', '.join(untyped) or 'return'})")
        if ast.get_docstring(node) is None:
            faults.append(f"{qualname}: no docstring")
    assert not faults


def _private_uses(module: ast.Module) -> list[str]:
    """`from pkg import _private`, and `mod._private` where `mod` was imported from another package."""
    foreign: set[str] = set()
    uses = []
    for node in ast.walk(module):
        if isinstance(node, ast.Import):
            foreign |= {(a.asname or a.name).split(".")[0] for a in node.names if not a.name.startswith("villenum")}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and not (node.module or "").startswith("villenum"):
            uses += [f"from {node.module} import {a.name}" for a in node.names if a.name.startswith("_")]
            foreign |= {a.asname or a.name for a in node.names}
    for node in ast.walk(module):
        if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                and isinstance(node.value, ast.Name) and node.value.id in foreign):
            uses.append(f"{node.value.id}.{node.attr} (line {node.lineno})")
    return uses


@pytest.mark.parametrize("path", FILES, ids=name)
def test_no_private_api_of_another_package(path):
    assert not _private_uses(tree(path))


def test_the_private_api_check_sees_what_it_should():
    code = ast.parse("import re\nimport argparse as ap\nfrom re import _parser\nfrom villenum.io import _decode\n"
                     "x = re._compile\ny: ap._SubParsersAction\nz = re.__name__\n")
    assert _private_uses(code) == ["from re import _parser", "re._compile (line 5)", "ap._SubParsersAction (line 6)"]
