"""Flagship projects: classify free-text labels into catalogue types, then status and reach of each type."""

from __future__ import annotations

import io
import re
from functools import lru_cache
from importlib.resources import files

import numpy as np
import pandas as pd

from villenum.questionnaire import ROLES, Questionnaire
from villenum.realisation import UNKNOWN
from villenum.stats import safe_divide, top_k
from villenum.taxonomy import normalise_text

CATALOGUE_FILE = "project_types.csv"
UNMATCHED = "autre"
UNDERTAKING = ("realised", "in_progress")  # status roles that count as a project undertaken


def load_catalogue() -> pd.DataFrame:
    """The project-type catalogue shipped with the package (villenum.data/project_types.csv): one row per type,
    every column a string; an empty cell is the empty string (nothing is read as missing, "NA" stays "NA")."""
    return _parse_catalogue(files("villenum.data").joinpath(CATALOGUE_FILE).read_text(encoding="utf-8")).copy()


@lru_cache(maxsize=4)
def _parse_catalogue(text: str) -> pd.DataFrame:
    """The catalogue parsed from its text, once per distinct text (the scorecard reads it on every resample);
    `load_catalogue` hands out copies, so no caller changes the cached frame."""
    return pd.read_csv(io.StringIO(text), dtype="string", keep_default_na=False)


def _compile(pattern: object, project_type: str) -> re.Pattern | None:
    """The compiled keywords regex of a type (None for an empty pattern, which matches nothing)."""
    if pd.isna(pattern) or not str(pattern).strip():
        return None
    try:
        return re.compile(str(pattern))
    except re.error as err:
        raise ValueError(f"{CATALOGUE_FILE}: keywords of {project_type!r} are not a valid regex: {err}") from err


_SPECIAL = set("\\.^$*+?{}[]|()")


def _required_literals(rx: re.Pattern) -> list[str] | None:
    """Strings one of which every match of `rx` contains, or None if unsure (then every label is searched).

    E.g. r"\bvelos?\b|\bcyclables?\b" -> ["velo", "cyclable"]. Written by hand for the catalogue's small
    grammar (plain characters, `\b`, `?`, `|`, `(?:...)`) because the standard library's regex parser is
    private (`re._parser`); any other construct, or a flag, gives None.
    """
    if rx.flags & (re.IGNORECASE | re.VERBOSE) or not isinstance(rx.pattern, str):
        return None
    try:
        literals, end = _alternatives(rx.pattern, 0)
    except ValueError:
        return None
    return literals if end == len(rx.pattern) else None


def _alternatives(pattern: str, i: int) -> tuple[list[str] | None, int]:
    """Required literals of the alternatives from `pattern[i]` up to a ')' or the end, and where they stop."""
    branches = []
    while True:
        literals, i = _sequence(pattern, i)
        branches.append(literals)
        if i < len(pattern) and pattern[i] == "|":
            i += 1
            continue
        if any(b is None for b in branches):
            return None, i
        return [x for b in branches for x in b], i


def _sequence(pattern: str, i: int) -> tuple[list[str] | None, int]:
    """The best requirement of one alternative (all its items must match): the one with the longest shortest
    string, from runs of plain characters and non-optional groups. Raises ValueError on a construct it does not
    read."""
    options, run = [], ""
    while i < len(pattern) and pattern[i] not in "|)":
        group = pattern.startswith("(?:", i)
        if group:
            item, i = _alternatives(pattern, i + 3)
            if not pattern.startswith(")", i):
                raise ValueError("unclosed group")
            i += 1
        elif pattern.startswith("\\b", i):
            item, i = None, i + 2
        elif pattern[i] in _SPECIAL:
            raise ValueError(pattern[i])
        else:
            item, i = pattern[i], i + 1
        optional = pattern.startswith("?", i)
        i += optional
        if not group and item is not None and not optional:
            run += item
            continue
        if run:
            options.append([run])
            run = ""
        if group and item and not optional:
            options.append(item)
    if run:
        options.append([run])
    return (max(options, key=lambda o: min(len(x) for x in o)) if options else None), i


class _Labels:
    """Distinct normalised labels, also joined by line breaks (found in no label) for one-scan literal search."""

    def __init__(self, labels: pd.Series):
        self.texts = labels.to_numpy(dtype=object)
        is_text = np.fromiter((isinstance(x, str) for x in self.texts), dtype=bool, count=len(self.texts))
        self.present = np.flatnonzero(is_text)
        present = self.texts[self.present]
        self.joined = None
        self.found: dict[str, np.ndarray] = {}
        if not any("\n" in x for x in present):
            self.joined = "\n".join(present)
            lengths = np.fromiter((len(x) + 1 for x in present), dtype=np.int64, count=len(present))
            self.starts = np.cumsum(lengths) - lengths

    def containing(self, literals: list[str]) -> np.ndarray:
        """Positions of the labels that contain at least one of `literals`."""
        found = [self._with(x) for x in dict.fromkeys(literals)]
        return self.present[np.unique(np.concatenate(found))] if found else self.present[:0]

    def _with(self, literal: str) -> np.ndarray:
        """Which labels (positions in `present`) contain `literal`, found once per literal (types share some)."""
        if literal not in self.found:
            pieces = self.joined.split(literal)  # its occurrences, from the lengths of the pieces between them
            lengths = np.fromiter(map(len, pieces[:-1]), dtype=np.int64, count=len(pieces) - 1) + len(literal)
            at = np.cumsum(lengths) - len(literal)
            self.found[literal] = np.unique(np.searchsorted(self.starts, at, side="right") - 1)
        return self.found[literal]


def _contains(labels: pd.Series | _Labels, pattern: object, project_type: str) -> np.ndarray:
    """Where the regex `pattern` matches the normalised labels (an empty pattern matches nothing).

    Labels that cannot match (they contain none of the pattern's required literal strings, found by scanning
    all the labels joined at once) are not searched one by one.
    """
    labels = labels if isinstance(labels, _Labels) else _Labels(labels)
    out = np.zeros(len(labels.texts), dtype=bool)
    rx = _compile(pattern, project_type)
    if rx is None or not len(labels.present):
        return out
    literals = _required_literals(rx) if labels.joined is not None else None
    candidates = labels.present if literals is None else labels.containing(literals)
    search = rx.search
    out[candidates] = np.fromiter((search(x) is not None for x in labels.texts[candidates]), dtype=bool,
                                  count=len(candidates))
    return out


def classify_projects(projects: pd.DataFrame, catalogue: pd.DataFrame, match_domain: bool = True) -> pd.DataFrame:
    """Add project_type_classified (first matching catalogue type, else 'autre') and n_type_matches to projects.

    A type matches when its `keywords` regex is found in the normalise_text-ed label and, if match_domain, the
    type's domain is empty or the project's domain. attrs["n_unmatched"] and attrs["n_ambiguous"] (labels
    matching more than one type) summarise n_type_matches.

    Labels repeat: the regexes run once per distinct normalised label, the domain test once per distinct
    domain, and the result of each distinct (label, domain) pair is mapped back onto the projects.
    """
    types = catalogue["project_type"].astype("string").to_numpy()
    n = len(projects)
    raw_codes, raw_uniques = pd.factorize(projects["label"].astype("string"), use_na_sentinel=True)
    norm_codes, norm_uniques = pd.factorize(normalise_text(pd.Series(raw_uniques, dtype="string")),
                                            use_na_sentinel=True)
    label_codes = np.where(raw_codes >= 0, norm_codes[np.maximum(raw_codes, 0)] if len(norm_codes) else -1, -1)
    unique_labels = _Labels(pd.Series(norm_uniques, dtype="string"))
    label_hits = np.zeros((len(norm_uniques) + 1, len(types)), dtype=bool)  # last row: missing label
    for j, (pattern, project_type) in enumerate(zip(catalogue["keywords"], types)):
        label_hits[:-1, j] = _contains(unique_labels, pattern, project_type)
    label_codes = np.where(label_codes < 0, len(norm_uniques), label_codes)
    if match_domain:
        type_domain = catalogue["domain"].astype("string").fillna("").to_numpy(dtype=object)
        dom_codes, dom_uniques = pd.factorize(projects["domain"].astype("string").fillna(""))
        own = np.asarray(dom_uniques, dtype=object)
        domain_ok = (type_domain == "")[None, :] | (own[:, None] == type_domain[None, :])
        pair_codes, pairs = pd.factorize(label_codes.astype(np.int64) * max(len(own), 1) + dom_codes)
        pairs = np.asarray(pairs, dtype=np.int64)
        hits = label_hits[pairs // max(len(own), 1)] & domain_ok[pairs % max(len(own), 1)]
    else:
        pair_codes, hits = label_codes, label_hits
    pair_matches = hits.sum(axis=1)
    pair_first = types[hits.argmax(axis=1)] if len(types) else np.full(len(hits), UNMATCHED, dtype=object)
    pair_type = np.where(pair_matches > 0, pair_first, UNMATCHED).astype(object)
    n_matches = pair_matches[pair_codes] if n else np.zeros(0, dtype=pair_matches.dtype)
    classified = pair_type[pair_codes] if n else np.zeros(0, dtype=object)
    out = projects.assign(project_type_classified=pd.array(classified, dtype="string"), n_type_matches=n_matches)
    out.attrs.update(n_unmatched=int((n_matches == 0).sum()), n_ambiguous=int((n_matches > 1).sum()))
    return out


def status_by_type(projects: pd.DataFrame, q: Questionnaire, type_col: str = "project_type_classified") -> pd.DataFrame:
    """Per project type (missing type = 'autre'): projects, statuses (by role), percent under study.

    Columns: project_type, n_projects, n_status_known, n_a_l_etude (role under_study), share_a_l_etude (percent
    0-100 of known statuses), n_realise (role realised), n_en_cours (role in_progress), n_collectivites.
    """
    kind = projects[type_col].astype("string").fillna(UNMATCHED).rename("project_type")
    status = projects["status"].astype("string").fillna(UNKNOWN).rename("status")
    # Grouping one column (not the whole frame) gives the same counts and sets, at a fraction of the cost: the
    # scorecard recomputes this table on every cluster resample.
    wide = kind.groupby([kind, status]).size().unstack(fill_value=0)
    known = wide.sum(axis=1) - wide.get(UNKNOWN, 0)
    by_role = {role: wide.get(q.status(role), pd.Series(0, index=wide.index)) for role in ROLES}
    return pd.DataFrame({"n_projects": wide.sum(axis=1), "n_status_known": known,
                         "n_a_l_etude": by_role["under_study"],
                         "share_a_l_etude": 100 * by_role["under_study"].div(known.where(known > 0)),
                         "n_realise": by_role["realised"], "n_en_cours": by_role["in_progress"],
                         "n_collectivites": projects["collectivite_id"].groupby(kind).nunique()}).reset_index()


def leading_under_study(by_type: pd.DataFrame, k: int = 5, by: str = "n_a_l_etude",
                        exclude: tuple[str, ...] = (UNMATCHED,)) -> pd.DataFrame:
    """The k types most often under study (ties broken by input order and flagged, see stats.top_k)."""
    return top_k(by_type[~by_type["project_type"].isin(exclude)], by, k, ascending=False)


def widely_undertaken(projects: pd.DataFrame, type_col: str, collectivites: pd.DataFrame,
                      q: Questionnaire) -> pd.DataFrame:
    """Per type: collectivités with a project realised or in progress (by role), and their percent of all.

    Columns: project_type, n_collectivites_undertaking, share_of_collectivites (percent 0-100).
    """
    kind = projects[type_col].astype("string").fillna(UNMATCHED).rename("project_type")
    undertaking = [q.status(role) for role in UNDERTAKING if q.status(role)]
    doing = projects["status"].isin(undertaking).fillna(False).to_numpy(dtype=bool)
    n = (projects["collectivite_id"][doing].groupby(kind[doing]).nunique()  # one column, not the frame, is filtered
         .reindex(kind.unique(), fill_value=0).rename_axis("project_type"))
    total = collectivites["collectivite_id"].nunique()
    out = pd.DataFrame({"n_collectivites_undertaking": n, "share_of_collectivites": 100 * safe_divide(n, total)})
    return out.reset_index().sort_values(["n_collectivites_undertaking", "project_type"],
                                         ascending=[False, True], kind="stable").reset_index(drop=True)
