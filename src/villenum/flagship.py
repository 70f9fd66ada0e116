"""Flagship projects: classify free-text labels into catalogue types, then status and reach of each type."""

from __future__ import annotations

import re
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
    with files("villenum.data").joinpath(CATALOGUE_FILE).open(encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype="string", keep_default_na=False)


def _compile(pattern: object, project_type: str) -> re.Pattern | None:
    """The compiled keywords regex of a type (None for an empty pattern, which matches nothing)."""
    if pd.isna(pattern) or not str(pattern).strip():
        return None
    try:
        return re.compile(str(pattern))
    except re.error as err:
        raise ValueError(f"{CATALOGUE_FILE}: keywords of {project_type!r} are not a valid regex: {err}") from err


def _required_literals(rx: re.Pattern) -> list[str] | None:
    """Strings one of which every match of `rx` contains, or None if unsure (then every label is searched).

    E.g. r"\bvelos?\b|\bcyclables?\b" -> ["velo", "cyclable"]: from runs of plain literal characters, through
    groups, alternatives and repeats of at least one; case-insensitive patterns -> None.
    """
    if rx.flags & re.IGNORECASE:
        return None
    try:
        from re import _parser
        return _literals_of(_parser.parse(rx.pattern, rx.flags), _parser)
    except Exception:  # noqa: BLE001 - an unexpected parse tree: no shortcut
        return None


def _literals_of(sequence, sre) -> list[str] | None:
    """`_required_literals` of a parsed sequence: the best requirement among its items (all must match)."""
    options, run = [], ""
    for op, av in sequence:
        if op is sre.LITERAL:
            run += chr(av)
            continue
        if run:
            options.append([run])
            run = ""
        if op is sre.BRANCH:
            alternatives = [_literals_of(alt, sre) for alt in av[1]]
            if alternatives and all(a is not None for a in alternatives):
                options.append([x for a in alternatives for x in a])
        elif op is sre.SUBPATTERN and not av[1] and not av[2]:  # a group without inline flags
            options.append(_literals_of(av[3], sre))
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and av[0] >= 1:
            options.append(_literals_of(av[2], sre))
    if run:
        options.append([run])
    options = [o for o in options if o]
    return max(options, key=lambda o: min(len(x) for x in o)) if options else None


class _Labels:
    """Distinct normalised labels, also joined by line breaks (found in no label) for one-scan literal search."""

    def __init__(self, labels: pd.Series):
        self.texts = labels.to_numpy(dtype=object)
        is_text = np.fromiter((isinstance(x, str) for x in self.texts), dtype=bool, count=len(self.texts))
        self.present = np.flatnonzero(is_text)
        present = self.texts[self.present]
        self.joined = None
        if not any("\n" in x for x in present):
            self.joined = "\n".join(present)
            lengths = np.fromiter((len(x) + 1 for x in present), dtype=np.int64, count=len(present))
            self.starts = np.cumsum(lengths) - lengths

    def containing(self, literals: list[str]) -> np.ndarray:
        """Positions of the labels that contain at least one of `literals`."""
        found = [np.fromiter((m.start() for m in re.finditer(re.escape(x), self.joined)), dtype=np.int64)
                 for x in dict.fromkeys(literals)]
        hits = np.concatenate(found) if found else np.zeros(0, dtype=np.int64)
        return self.present[np.unique(np.searchsorted(self.starts, hits, side="right") - 1)]


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
    wide = projects.groupby([kind, status]).size().unstack(fill_value=0)
    known = wide.sum(axis=1) - wide.get(UNKNOWN, 0)
    by_role = {role: wide.get(q.status(role), pd.Series(0, index=wide.index)) for role in ROLES}
    return pd.DataFrame({"n_projects": wide.sum(axis=1), "n_status_known": known,
                         "n_a_l_etude": by_role["under_study"],
                         "share_a_l_etude": 100 * by_role["under_study"].div(known.where(known > 0)),
                         "n_realise": by_role["realised"], "n_en_cours": by_role["in_progress"],
                         "n_collectivites": projects.groupby(kind)["collectivite_id"].nunique()}).reset_index()


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
    n = (projects[doing].groupby(kind[doing])["collectivite_id"].nunique()
         .reindex(kind.unique(), fill_value=0).rename_axis("project_type"))
    total = collectivites["collectivite_id"].nunique()
    out = pd.DataFrame({"n_collectivites_undertaking": n, "share_of_collectivites": 100 * safe_divide(n, total)})
    return out.reset_index().sort_values(["n_collectivites_undertaking", "project_type"],
                                         ascending=[False, True], kind="stable").reset_index(drop=True)
