#!/usr/bin/env python
"""Write examples/wave-2014-typed/: the 2014 reconstruction re-typed as a person types a survey in a spreadsheet.

Run ONCE to produce the committed example (it is never written at test time): it reads the committed 2014
reconstruction (data/processed/2014/survey/) and writes the same records with French headers, labels as people
type them (accents dropped, capitals, « Environnement », « Efficacite budgetaire », « Metropole »…), French
numbers (« 163 944 »), `;` separator, Windows-1252 encoding and CRLF line ends, and without the `reconstructed`,
`origin` and `project_type` columns. Spellings are drawn with a fixed seed: run it twice, get the same bytes.
Usage: python scripts/make_wave_2014_typed.py [--out examples/wave-2014-typed]
"""

from __future__ import annotations

import argparse
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from villenum import paths
from villenum.io import write_atomic

SEED = 2014
# How people type each code (every spelling must map to its code through data/raw/questionnaires/2014.toml).
TYPED = {
    "domain": {
        "transport": ["Transports", "TRANSPORT", "transport/mobilite", "Mobilite"],
        "education": ["Education", "EDUCATION", "e-education"],
        "e_citoyennete": ["E-citoyennete", "e-administration", "E-CITOYENNETE"],
        "environnement": ["Environnement", "ENVIRONNEMENT", "environnemental"],
        "loisirs_culture": ["Loisirs/Culture", "culture", "LOISIRS"],
        "batiment": ["Batiment", "urbanisme", "BATIMENT"],
        "sante_social": ["Sante/social", "Social", "sante"],
        "securite": ["Securite", "SECURITE", "surete"],
        "dev_economique": ["Developpement economique", "dev eco", "Economie"],
    },
    "status": {"realise": ["Realise", "REALISE", "termine"], "en_cours": ["En cours", "en cours"],
               "a_l_etude": ["A l'etude", "a l etude", "En projet"]},
    "objective": {"qualite_service": ["Qualite de service", "QUALITE DU SERVICE PUBLIC"],
                  "attractivite": ["Attractivite", "attractivite du territoire"],
                  "bonne_gestion": ["Efficacite budgetaire", "Bonne gestion"],
                  "objectif_4_non_nomme": ["Objectif 4 non nomme"],
                  "developpement_durable": ["Developpement durable", "DD"]},
    "kind": {"commune": ["Commune", "Ville"], "intercommunalite": ["Metropole", "Agglomeration", "EPCI"],
             "joint": ["Commune + EPCI", "conjointe"]},
}
HEADERS = {
    "collectivites.csv": {"collectivite_id": "Identifiant collectivité", "name": "Nom", "kind": "Type",
                          "insee_code": "Code INSEE", "epci_siren": "SIREN EPCI", "population": "Population"},
    "objectives.csv": {"collectivite_id": "Collectivité", "objective": "Objectif", "rank": "Rang", "cited": "Cité"},
    "projects.csv": {"project_id": "Identifiant projet", "collectivite_id": "Collectivité", "label": "Libellé",
                     "domain": "Domaine", "status": "Statut"},
}


def without_accents(text: str) -> str:
    """The text as typed on a keyboard without accents (« Régulation » -> « Regulation »)."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def typed(codes: pd.Series, field: str, rng: np.random.Generator) -> pd.Series:
    """Each code replaced by one of its typed spellings, drawn with `rng`."""
    options = TYPED[field]
    pick = rng.random(len(codes))
    return pd.Series([options[c][int(u * len(options[c]))] for c, u in zip(codes, pick)], index=codes.index)


def french_number(value: object) -> str:
    """163944 -> « 163 944 » (a space between thousands, as a French spreadsheet shows it)."""
    return f"{int(value):,}".replace(",", " ")


def tables(source: Path, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """The three tables of the reconstruction, re-typed, with French headers."""
    read = {name: pd.read_csv(source / name, dtype=str, keep_default_na=False) for name in HEADERS}
    coll = read["collectivites.csv"].assign(population=lambda t: t["population"].map(french_number))
    coll["kind"] = typed(coll["kind"], "kind", rng)
    coll["name"] = coll["name"].map(without_accents)
    obj = read["objectives.csv"]
    obj = obj.assign(objective=typed(obj["objective"], "objective", rng),
                     cited=obj["cited"].map({"true": "oui", "false": "non"}))
    proj = read["projects.csv"]
    proj = proj.assign(domain=typed(proj["domain"], "domain", rng), status=typed(proj["status"], "status", rng),
                       label=proj["label"].map(without_accents).where(rng.random(len(proj)) < 0.5, proj["label"]))
    return {name: frame[list(cols)].rename(columns=cols)
            for (name, cols), frame in zip(HEADERS.items(), (coll, obj, proj))}


def main() -> None:
    """Write the example folder."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=paths.ROOT / "examples" / "wave-2014-typed")
    args = parser.parse_args()
    rng = np.random.default_rng(SEED)
    for name, frame in tables(paths.survey_dir("2014"), rng).items():
        text = frame.to_csv(index=False, sep=";", lineterminator="\r\n")
        write_atomic(args.out / name, text.encode("cp1252"))
        print(f"wrote {args.out / name} ({len(frame)} rows)")


if __name__ == "__main__":
    main()
