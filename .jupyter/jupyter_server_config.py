# Read by `make lab` (JUPYTER_CONFIG_PATH) and copied by Binder's postBuild: notebooks of notebooks/ are
# saved without outputs (see src/villenum/lab.py), so a hand run never leaves outputs for git or the tests.
from villenum.lab import pre_save_hook

c.FileContentsManager.pre_save_hook = pre_save_hook  # noqa: F821 - `c` is given by Jupyter's config loader
