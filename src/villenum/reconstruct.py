"""The record-level reconstruction, kept under its former name: every public name of `villenum.generate`,
where the code lives (one module per step, see its docstring). Import from `villenum.generate` in new code."""

from villenum.generate import (
    DEFAULT_WAVE, KINDS, MANIFEST, PUBLISHED_TABLES, STATUS_ROLES, STEPS, Reconstruction, ReconstructionError,
    allocate_domain_counts, assign_types, candidate_pool, check_published, deal_domains, default_assumptions_path,
    draw_labels, draw_rankings, draw_statuses, input_files, largest_remainder, load_assumptions, load_inputs,
    main_generate, named_collectivites, number_projects, published_targets, rank_statistics, reconstruct,
    round_half_up, select_collectivites, slugify, spread_projects, status_codes, write_reconstruction,
)

__all__ = [
    "DEFAULT_WAVE", "KINDS", "MANIFEST", "PUBLISHED_TABLES", "STATUS_ROLES", "STEPS",
    "Reconstruction", "ReconstructionError",
    "allocate_domain_counts", "assign_types", "candidate_pool", "check_published", "deal_domains",
    "default_assumptions_path", "draw_labels", "draw_rankings", "draw_statuses", "input_files",
    "largest_remainder", "load_assumptions", "load_inputs", "main_generate", "named_collectivites",
    "number_projects", "published_targets", "rank_statistics", "reconstruct", "round_half_up",
    "select_collectivites", "slugify", "spread_projects", "status_codes", "write_reconstruction",
]
