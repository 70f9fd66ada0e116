"""French typography for figures: decimal comma, thin space before %, whole-number ticks, wrapped labels."""

from __future__ import annotations

import textwrap

import pandas as pd
from matplotlib.axis import Axis
from matplotlib.ticker import FuncFormatter, MaxNLocator

THIN_NBSP = "\u202f"  # narrow no-break space, before % and as thousands separator (French typography)


def fr_number(value: float, decimals: int = 1, fixed: bool = False) -> str:
    """`value` written the French way: at most `decimals` decimals (trailing zeros dropped; exactly `decimals` if
    `fixed`, as in a table column), decimal comma, narrow no-break space between thousands, true minus sign
    (e.g. 12 500,5 ; −0,5). A value that rounds to zero is written without sign."""
    text = f"{value:,.{decimals}f}" if decimals else f"{value:,.0f}"
    if text.lstrip("-").strip("0.,") == "":
        text = text.lstrip("-")
    if "." in text and not fixed:
        text = text.rstrip("0").rstrip(".")
    text = text.replace(",", THIN_NBSP).replace(".", ",")
    return "0" if text in ("-0", "") else text.replace("-", "\u2212")


def fr_percent(value: float, decimals: int = 0) -> str:
    """A percentage on the 0–100 scale written the French way (e.g. 12,5 %), with a narrow no-break space."""
    return f"{fr_number(value, decimals)}{THIN_NBSP}%"


def french_ticks(axis: Axis, percent: bool = False, integer: bool = False, decimals: int = 1) -> None:
    """Format the tick labels of `axis` in French (percent: values on 0–100 with « % »); integer: only
    whole-number ticks (counts never get 0,2 steps)."""
    if integer:
        axis.set_major_locator(MaxNLocator(integer=True))
    fmt = (lambda v, _pos: fr_percent(v, decimals)) if percent else (lambda v, _pos: fr_number(v, decimals))
    axis.set_major_formatter(FuncFormatter(fmt))


def wrap(labels: pd.Series | list[str], width: int = 28) -> list[str]:
    """Long labels wrapped on word boundaries at about `width` characters, never cut."""
    return [textwrap.fill(str(label), width=width, break_long_words=False) for label in labels]


def level(confidence: float) -> str:
    """The interval level as a French reader reads it (0.95 -> « 95 % », 0.9 -> « 90 % »)."""
    return fr_percent(100 * confidence, 1)
