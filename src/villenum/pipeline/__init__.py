"""Running the findings' notebooks: a small package, one responsibility per module.

- notebooks:   discovery, and what a notebook declares (stage, parameters, imports, findings, figures)
- parameters:  strict parameters (declared names, types of the defaults, literals only)
- fingerprint: content hashes of files, the library and the environment
- cache:       one cache record format for notebooks, reconstruction, validation and report; why work re-runs
- stamps:      the work around the notebooks (reconstruction, validation, report), through that cache
- transaction: previous outputs set aside and restored on failure; recovery after a hard kill; the run lock
- forkserver, zygote: kernels forked from a process that imported the kernel machinery once (one per
               process, reused by its runs)
- kernels:     the stop signal (Ctrl-C), the kernel manager, pre-imports
- sync:        slots and gates between workers
- execute:     one notebook through papermill, in its transaction
- schedule:    stages, jobs, longest first, early kernels
- guard:       comparison with the reference result tables, and their one update command
"""

from villenum.pipeline.cache import CACHE
from villenum.pipeline.notebooks import discover, finding_notebooks, read_notebook
from villenum.pipeline.outcome import Outcome, RunError
from villenum.pipeline.parameters import changed_parameters, check_parameters, split_assignment
from villenum.pipeline.schedule import run
from villenum.pipeline.stamps import generate, report, validate

__all__ = ["CACHE", "Outcome", "RunError", "changed_parameters", "check_parameters", "discover",
           "finding_notebooks", "generate", "read_notebook", "report", "run", "split_assignment", "validate"]
