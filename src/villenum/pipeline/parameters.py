"""Strict notebook parameters: only names a notebook declares, with the type of its default, injected as literals."""

from __future__ import annotations

import ast
from pathlib import Path

from villenum.pipeline.notebooks import declared_parameters
from villenum.pipeline.outcome import RunError

_LITERALS = (str, int, float, bool, type(None))


def check_parameters(notebooks: list[Path], common: dict, extra: dict) -> dict[Path, dict]:
    """Parameters for each notebook: the common ones it declares plus user ones, type-checked; unknown names fail."""
    declared = {nb: declared_parameters(nb) for nb in notebooks}
    names = set().union(*declared.values()) if declared else set()
    unknown = sorted(set(extra) - names)
    if unknown:
        raise RunError(f"unknown parameter(s) {', '.join(unknown)}: no selected notebook declares them "
                       f"(declared: {', '.join(sorted(names))})")
    for key, value in extra.items():
        _check_injectable(key, value)
    chosen = {}
    for nb, params in declared.items():
        values = {k: v for k, v in {**common, **extra}.items() if k in params}
        for key, value in values.items():
            default = params[key]
            if default is not None and not _same_type(default, value):
                raise RunError(f"parameter {key}={value!r} has type {type(value).__name__}, but {nb.name} "
                               f"expects {type(default).__name__} (default {default!r})")
        chosen[nb] = values
    return chosen


def changed_parameters(notebooks: list[Path], extra: dict) -> dict[str, object]:
    """The user parameters whose value differs from the default of a selected notebook declaring them."""
    declared = [declared_parameters(nb) for nb in notebooks]
    return {k: v for k, v in sorted(extra.items())
            if any(k in d and (d[k] != v or type(d[k]) is not type(v)) for d in declared)}


def _same_type(default: object, value: object) -> bool:
    """Accept ints for floats, nothing else looser."""
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    return isinstance(value, type(default))


def _literal(value: object) -> bool:
    """True for str, numbers, bool, None and lists/dicts of them."""
    if isinstance(value, _LITERALS):
        return True
    if isinstance(value, (list, tuple)):
        return all(_literal(x) for x in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _literal(x) for k, x in value.items())
    return False


def _check_injectable(name: str, value: object) -> None:
    """A parameter must be a plain Python literal: it is injected into the notebook as that literal, never as code."""
    if not name.isidentifier():
        raise RunError(f"parameter name {name!r} is not a Python identifier")
    if not _literal(value):
        raise RunError(f"parameter {name}={value!r}: only str, int, float, bool, None and lists/dicts of them")


def verify_injection(params: dict, kernel: str = "villenum") -> None:
    """Check that papermill's injected cell evaluates back to exactly `params` (assignments of literals only)."""
    from papermill.translators import translate_parameters

    source = translate_parameters(kernel, "python", params, "Parameters")
    for node in ast.parse(source).body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            raise RunError(f"parameters cannot be injected safely: {ast.unparse(node)[:80]!r}")
        name = node.targets[0].id
        try:
            value = ast.literal_eval(node.value)
        except ValueError:
            raise RunError(f"parameter {name} cannot be injected as a literal") from None
        if name not in params or value != params[name] or type(value) is not type(params[name]):
            raise RunError(f"parameter {name} would not reach the notebook unchanged")


def parse_cli_value(text: str) -> object:
    """`-p name=value` values: Python literals (numbers, True, quoted strings), else the raw string."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text


def split_assignment(text: str) -> tuple[str, object]:
    """`name=value` -> (name, literal value); RunError if there is no `=`."""
    if "=" not in text:
        raise RunError(f"parameter {text!r} is not NAME=VALUE")
    name, value = text.split("=", 1)
    return name.strip(), parse_cli_value(value)
