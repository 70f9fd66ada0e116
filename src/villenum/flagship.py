"""Flagship projects: classify free-text labels into catalogue types, then status and reach of each type."""

from __future__ import annotations

import re
import warnings
from importlib.resources import files

import numpy as np
import pandas as pd

from villenum.realisation import UNKNOWN
from villenum.stats import safe_divide, top_k
from villenum.taxonomy import normalise_text

CATALOGUE_FILE = "project_types.csv"
UNMATCHED = "autre"
UNDERTAKING = ("realise", "en_cours")


def load_catalogue() -> pd.DataFrame:
    """Read the project-type catalogue shipped with the package (villenum.data/project_types.csv)."""
    with files("villenum.data").joinpath(CATALOGUE_FILE).open(encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype="string")


def _contains(labels: pd.Series, pattern: object, project_type: str) -> np.ndarray:
    """Where the regex `pattern` matches the normalised labels (an empty pattern matches nothing)."""
    if pd.isna(pattern) or not str(pattern).strip():
        return np.zeros(len(labels), dtype=bool)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "This pattern is interpreted as a regular expression", UserWarning)
            return labels.str.contains(str(pattern), regex=True).fillna(False).to_numpy(dtype=bool)
    except re.error as err:
        raise ValueError(f"{CATALOGUE_FILE}: keywords of {project_type!r} are not a valid regex: {err}") from err


def classify_projects(projects: pd.DataFrame, catalogue: pd.DataFrame, match_domain: bool = True) -> pd.DataFrame:
    """Add project_type_classified (first matching catalogue type, else 'autre') and n_type_matches to projects.

    A type matches when its `keywords` regex is found in the normalise_text-ed label and, if match_domain, the
    type's domain is empty or the project's domain. attrs["n_unmatched"] and attrs["n_ambiguous"] (labels
    matching more than one type) summarise n_type_matches.
    """
    labels = normalise_text(projects["label"].astype("string"))
    types = catalogue["project_type"].astype("string").to_numpy()
    hits = np.zeros((len(projects), len(types)), dtype=bool)
    for j, (pattern, project_type) in enumerate(zip(catalogue["keywords"], types)):
        hits[:, j] = _contains(labels, pattern, project_type)
    if match_domain:
        type_domain = catalogue["domain"].astype("string").fillna("").to_numpy(dtype=object)
        own = projects["domain"].astype("string").fillna("").to_numpy(dtype=object)
        hits &= (type_domain == "")[None, :] | (own[:, None] == type_domain[None, :])
    n_matches = hits.sum(axis=1)
    first = types[hits.argmax(axis=1)] if len(types) else np.full(len(projects), UNMATCHED, dtype=object)
    out = projects.assign(project_type_classified=pd.array(np.where(n_matches > 0, first, UNMATCHED), dtype="string"),
                          n_type_matches=n_matches)
    out.attrs.update(n_unmatched=int((n_matches == 0).sum()), n_ambiguous=int((n_matches > 1).sum()))
    return out


def status_by_type(projects: pd.DataFrame, type_col: str = "project_type_classified") -> pd.DataFrame:
    """Per project type (missing type = 'autre'): projects, statuses, percent under study among known statuses."""
    kind = projects[type_col].astype("string").fillna(UNMATCHED).rename("project_type")
    status = projects["status"].astype("string").fillna(UNKNOWN).rename("status")
    wide = (projects.groupby([kind, status]).size().unstack(fill_value=0)
            .reindex(columns=["realise", "en_cours", "a_l_etude", UNKNOWN], fill_value=0))
    known = wide.sum(axis=1) - wide[UNKNOWN]
    return pd.DataFrame({"n_projects": wide.sum(axis=1), "n_status_known": known, "n_a_l_etude": wide["a_l_etude"],
                         "share_a_l_etude": 100 * wide["a_l_etude"].div(known.where(known > 0)),
                         "n_realise": wide["realise"], "n_en_cours": wide["en_cours"],
                         "n_collectivites": projects.groupby(kind)["collectivite_id"].nunique()}).reset_index()


def leading_under_study(by_type: pd.DataFrame, k: int = 5, by: str = "n_a_l_etude",
                        exclude: tuple[str, ...] = (UNMATCHED,)) -> pd.DataFrame:
    """The k types most often under study (ties broken by input order and flagged, see stats.top_k)."""
    return top_k(by_type[~by_type["project_type"].isin(exclude)], by, k, ascending=False)


def widely_undertaken(projects: pd.DataFrame, type_col: str, collectivites: pd.DataFrame) -> pd.DataFrame:
    """Per type: collectivités with a project realised or in progress, and their percent of all collectivités."""
    kind = projects[type_col].astype("string").fillna(UNMATCHED).rename("project_type")
    doing = projects["status"].isin(UNDERTAKING).fillna(False).to_numpy(dtype=bool)
    n = (projects[doing].groupby(kind[doing])["collectivite_id"].nunique()
         .reindex(kind.unique(), fill_value=0).rename_axis("project_type"))
    total = collectivites["collectivite_id"].nunique()
    out = pd.DataFrame({"n_collectivites_undertaking": n, "share_of_collectivites": 100 * safe_divide(n, total)})
    return out.reset_index().sort_values(["n_collectivites_undertaking", "project_type"],
                                         ascending=[False, True], kind="stable").reset_index(drop=True)
