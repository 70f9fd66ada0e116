"""The record-level reconstruction, kept under its former name: every public name of `villenum.generate`,
where the code lives (one module per step, see its docstring). Import from `villenum.generate` in new code."""

from villenum import generate as _generate
from villenum.generate import *  # noqa: F403 - the facade re-exports the package's public names, listed once there

__all__ = list(_generate.__all__)
