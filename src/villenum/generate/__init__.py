"""Deterministic record-level reconstruction of a wave whose survey records were never published (2013, 2014, 2015).

Inputs: the assumptions file (data/raw/assumptions/reconstruction-<wave>.toml: everything the sources do
not state), the published figures (data/raw/published/<wave>/*.csv: every target), the INSEE reference
(data/raw/reference) and the package's project-type catalogue (villenum/data/project_types.csv).
Output: the three codebook tables, every row flagged `reconstructed`, plus a MANIFEST.json.

Steps, each with its own random stream spawned from one seed (so that changing one assumption only
changes what depends on it): select the 24 collectivités (named ones, then a draw from the frame
conditioned on the published counts), spread the projects over them, deal the exact domain totals,
assign catalogue types, draw statuses (conditioned on the published à l'étude leaders), word the
labels, draw the objective rankings (conditioned on the published order and dispersion).

One responsibility per module:

- draws:         the error raised, printed rounding, exact integer splits, weighted draws, stable ids
- targets:       the assumptions, the published tables and reference, the published numbers to meet
- collectivites: the panel (named participants, the candidates of the frame, the conditioned draw)
- projects:      per collectivité, domains, types, statuses, labels, numbering
- rankings:      the objectives table (rankings around the published order, conditioned)
- acceptance:    the claims of `built_to_match`, judged by the scorecard's own evaluators on the result tables
                 the findings compute from the reconstruction (the build fails naming those not found)
- build:         the entry point: every step, the published check, the acceptance, the tables and MANIFEST.json

Each edition published different tables (2013 named participants and a share table, 2014 counts of three domains,
2015 percentages of villes citing objectives): what an edition did not publish comes from its assumptions file.
"""

from villenum.generate.acceptance import Judge, check_built_to_match, result_tables
from villenum.generate.build import (
    MANIFEST, STEPS, Reconstruction, check_published, main_generate, reconstruct, write_reconstruction,
)
from villenum.generate.collectivites import KINDS, candidate_pool, named_collectivites, select_collectivites
from villenum.generate.draws import (
    ReconstructionError, allocate_domain_counts, largest_remainder, round_half_up, slugify,
)
from villenum.generate.projects import (
    STATUS_ROLES, assign_types, deal_domains, draw_labels, draw_statuses, number_projects, spread_projects,
    status_codes, wave_catalogue,
)
from villenum.generate.rankings import draw_rankings, rank_statistics
from villenum.generate.targets import (
    DEFAULT_WAVE, PUBLISHED_TABLES, default_assumptions_path, input_files, load_assumptions, load_inputs,
    published_targets,
)

__all__ = [
    "DEFAULT_WAVE", "KINDS", "MANIFEST", "PUBLISHED_TABLES", "STATUS_ROLES", "STEPS",
    "Judge", "Reconstruction", "ReconstructionError",
    "allocate_domain_counts", "assign_types", "candidate_pool", "check_built_to_match", "check_published", "deal_domains",
    "default_assumptions_path", "draw_labels", "draw_rankings", "draw_statuses", "input_files",
    "largest_remainder", "load_assumptions", "load_inputs", "main_generate", "named_collectivites",
    "number_projects", "published_targets", "rank_statistics", "reconstruct", "result_tables", "round_half_up",
    "select_collectivites", "slugify", "spread_projects", "status_codes", "wave_catalogue", "write_reconstruction",
]
