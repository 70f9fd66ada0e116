"""Write the bad-input corpus: one folder per case, each a small survey as a student would bring it.

Run once after editing (`python tests/bad_inputs/make_corpus.py`); the folders are committed and the tests
only read them. Every case is a few lines over a valid base; `expected.json` is written by hand here, never
computed by the library: either {"loads": true, ...checks} or {"exit_code": 2, "problems": [...]} listing
every problem (file, row = line in the file with the header on line 1, column, value as written).
"""

from __future__ import annotations

import codecs
import copy
import csv
import io
import json
import shutil
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = {"collectivites": "collectivites.csv", "objectives": "objectives.csv", "projects": "projects.csv"}
COLL, OBJ, PROJ = FILES.values()

# The valid base: line 1 is the header, so BASE[table][n - 1] is line n of the file.
BASE = {
    "collectivites": [
        ["collectivite_id", "name", "kind", "insee_code", "epci_siren", "population"],
        ["c01", "Lyon", "commune", "69123", "", "522250"],
        ["c02", "Rennes Métropole", "intercommunalité", "", "243500139", "451762"],
        ["c03", "Bourg-en-Bresse", "commune", "01053", "", "41365"],
        ["c04", "Angers", "commune + intercommunalité", "49007", "244900015", "157175"],
    ],
    "objectives": [
        ["collectivite_id", "objective", "rank", "cited"],
        ["c01", "qualité de service aux administrés", "1", "oui"],
        ["c01", "bonne gestion", "2", "oui"],
        ["c01", "attractivité", "3", "oui"],
        ["c02", "développement durable", "1", "oui"],
        ["c02", "bonne gestion", "2", "oui"],
        ["c03", "qualité de service aux administrés", "1", "oui"],
        ["c03", "attractivité", "", "oui"],
        ["c04", "bonne gestion", "1", "oui"],
        ["c04", "développement durable", "2", "oui"],
    ],
    "projects": [
        ["project_id", "collectivite_id", "label", "domain", "status"],
        ["p01", "c01", "Vélos en libre-service connectés", "Transports et mobilité", "réalisé"],
        ["p02", "c01", "Portail citoyen de démarches en ligne", "E-citoyen/e-gouvernement", "en cours"],
        ["p03", "c02", "Éclairage public intelligent", "Énergie", "à l'étude"],
        ["p04", "c02", "Wifi public dans les médiathèques", "Loisirs/culture", "réalisé"],
        ["p05", "c03", "Télégestion des bâtiments communaux", "Bâtiment/urbanisme/logement", "en cours"],
        ["p06", "c03", "Vidéoprotection du centre-ville", "Sécurité/sûreté/protection des citoyens", "réalisé"],
        ["p07", "c04", "Espace numérique de travail des écoles", "Éducation", "en cours"],
        ["p08", "c04", "Téléassistance des personnes âgées", "Santé/social", "à l'étude"],
    ],
}
COUNTS = {"collectivites": 4, "objectives": 9, "projects": 8}


def base() -> dict[str, list[list[str]]]:
    """A fresh copy of the valid base tables."""
    return copy.deepcopy(BASE)


def put(t: dict, table: str, line: int, column: str, value: str) -> None:
    """Set the cell of `column` on file line `line` (header = 1)."""
    t[table][line - 1][t[table][0].index(column)] = value


def csv_text(rows: list[list[str]], sep: str = ",", eol: str = "\n") -> str:
    """Rows as CSV text, quoting only when needed."""
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator=eol).writerows(rows)
    return buf.getvalue()


def utf8(rows: list[list[str]], sep: str = ",") -> bytes:
    """Rows as UTF-8 CSV bytes."""
    return csv_text(rows, sep).encode("utf-8")


def fails(*problems: tuple) -> dict:
    """expected.json of a case that must fail: (file, row, column, value, allowed_contains) per problem."""
    keys = ("file", "row", "column", "value", "allowed_contains")
    return {"exit_code": 2, "problems": [dict(zip(keys, p)) for p in problems]}


def loads(why: str, counts: dict | None = None, values: list | None = None, **extra) -> dict:
    """expected.json of a case that must load; `values` are (table, where, column, expected value).

    Optional: `notebooks_warn=True` (a notebook states a DegenerateDataWarning or InputWarning) and
    `cannot_compute=[claim_id, ...]` (at least these scorecard claims say « cannot compute » with the reason;
    on this small base, rank spreads and Spearman's rho are unknown in every case).
    """
    checks = [{"table": t, "where": w, "column": c, "value": v} for t, w, c, v in values or []]
    return {"loads": True, "why": why, "counts": counts or COUNTS, "values": checks, **extra}


def write(name: str, t: dict | None, expected: dict, files: dict[str, bytes | None] | None = None) -> None:
    """Write one case folder: the three files (from `t`, unless overridden in `files`; None = absent)."""
    folder = HERE / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    t = t or base()
    files = files or {}
    for table, fname in FILES.items():
        data = files.get(fname, utf8(t[table]))
        if data is not None:
            (folder / fname).write_bytes(data)
    (folder / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def fake_xlsx() -> bytes:
    """A small zip shaped like an .xlsx workbook (what Excel writes when one forgets 'Save as CSV')."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, body in (("[Content_Types].xml", "<Types/>"), ("xl/workbook.xml", "<workbook/>")):
            z.writestr(zipfile.ZipInfo(name, date_time=(2015, 6, 1, 0, 0, 0)), body)
    return buf.getvalue()


def main() -> None:
    """Regenerate every case folder."""
    for old in HERE.glob("[0-9][0-9]_*"):
        shutil.rmtree(old)
    COLS = "collectivite_id, name, kind, insee_code, epci_siren, population"
    DOMAINS = "loisirs_culture (Loisirs/culture)"

    # --- structure of the files ---------------------------------------------------------------------
    write("01_missing_file", None, fails((OBJ, None, None, None, "an existing CSV file")), {OBJ: None})

    t = base()
    t["projects"] = [r[:4] for r in t["projects"]]
    write("02_missing_column", t, fails((PROJ, 1, "status", None, "project_id, collectivite_id, label, domain, status")))

    t = base()
    for row, note in zip(t["collectivites"], ["commentaire", "ville-centre", "métropole", "préfecture", ""]):
        row.append(note)
    write("03_extra_unknown_column", t, fails((COLL, 1, "commentaire", None, COLS)))

    write("04_empty_file", None, fails((PROJ, None, None, None, "a header line and data rows")), {PROJ: b""})

    t = base()
    t["collectivites"] = t["collectivites"][:1]
    write("05_header_only_collectivites", t, fails((COLL, 2, None, None, "at least one data row")))

    t = base()
    write("06_pipe_separator", t, fails((COLL, 1, None, "|".join(BASE["collectivites"][0]), COLS)),
          {COLL: csv_text(t["collectivites"], "|").encode("utf-8")})

    rows = BASE["objectives"]
    mixed = csv_text(rows[:6], ";") + csv_text(rows[6:], ",")  # lines 7-10 typed by hand with commas
    write("07_commas_in_semicolon_file", None, fails(
        *[(OBJ, n, None, ",".join(rows[n - 1]), "4 fields separated by semicolon ';'") for n in range(7, 11)]),
        {OBJ: mixed.encode("utf-8")})

    t = base()
    for line, pop in zip(range(2, 6), ["522\u00a0250", "451\u00a0762", "41365,0", "157\u00a0175,00"]):
        put(t, "collectivites", line, "population", pop)
    for line in range(2, 11):
        rank = t["objectives"][line - 1][2]
        put(t, "objectives", line, "rank", f"{rank},0" if rank else "")
    put(t, "projects", 4, "status", "à l’étude")
    write("08_cp1252_semicolons_decimal_comma", t, loads(
        "Excel (French locale) export: Windows-1252, ';', CRLF, no-break-space thousands and decimal commas",
        values=[("collectivites", {"collectivite_id": "c01"}, "population", 522250),
                ("collectivites", {"collectivite_id": "c03"}, "population", 41365),
                ("collectivites", {"collectivite_id": "c04"}, "population", 157175),
                ("collectivites", {"collectivite_id": "c02"}, "name", "Rennes Métropole"),
                ("objectives", {"collectivite_id": "c01", "objective": "bonne_gestion"}, "rank", 2),
                ("projects", {"project_id": "p03"}, "status", "a_l_etude"),
                ("projects", {"project_id": "p03"}, "label", "Éclairage public intelligent")]),
        {FILES[k]: csv_text(t[k], ";", "\r\n").encode("cp1252") for k in FILES})

    write("09_utf8_bom", None, loads(
        "UTF-8 with a byte-order mark (Excel 'CSV UTF-8'): the BOM must not stick to the first column name",
        values=[("collectivites", {"collectivite_id": "c03"}, "insee_code", "01053"),
                ("projects", {"project_id": "p05"}, "domain", "batiment")]),
        {FILES[k]: codecs.BOM_UTF8 + utf8(BASE[k]) for k in FILES})

    write("10_utf16_file", None, fails((PROJ, None, None, None, "CSV UTF-8")),
          {PROJ: csv_text(BASE["projects"], "\t", "\r\n").encode("utf-16")})

    write("11_excel_workbook_renamed", None, fails((COLL, None, None, None, "CSV UTF-8")), {COLL: fake_xlsx()})

    # --- labels outside the taxonomy ----------------------------------------------------------------
    t = base()
    put(t, "projects", 5, "domain", "Culturre")
    put(t, "projects", 8, "domain", "Numérique éducatif")
    write("12_unknown_domain_label", t, fails((PROJ, 5, "domain", "Culturre", DOMAINS),
                                              (PROJ, 8, "domain", "Numérique éducatif", "education (Éducation)")))

    t = base()
    put(t, "projects", 3, "status", "en attente")
    write("13_unknown_status_label", t, fails((PROJ, 3, "status", "en attente", "a_l_etude (à l'étude)")))

    t = base()
    put(t, "objectives", 6, "objective", "gouvernance")
    write("14_unknown_objective_label", t, fails((OBJ, 6, "objective", "gouvernance", "bonne_gestion (bonne gestion)")))

    t = base()
    put(t, "collectivites", 3, "kind", "département")
    write("15_unknown_kind_label", t, fails((COLL, 3, "kind", "département", "intercommunalite (intercommunalité)")))

    # --- keys and cross-table references ------------------------------------------------------------
    t = base()
    t["collectivites"].append(["c04", "Angers Loire Métropole", "intercommunalité", "", "244900015", "305000"])
    write("16_duplicate_collectivite_id", t, fails((COLL, 6, "collectivite_id", "c04", "each collectivite_id once"),
                                                   (COLL, 6, "epci_siren", "244900015", "each place once")))

    t = base()
    put(t, "projects", 9, "project_id", "p07")
    write("17_duplicate_project_id", t, fails((PROJ, 9, "project_id", "p07", "each project_id once")))

    t = base()
    put(t, "projects", 6, "collectivite_id", "c05")
    write("18_project_unknown_collectivite", t, fails((PROJ, 6, "collectivite_id", "c05", "an id of collectivites.csv")))

    t = base()
    put(t, "objectives", 8, "collectivite_id", "c3")
    write("19_objective_unknown_collectivite", t, fails((OBJ, 8, "collectivite_id", "c3", "an id of collectivites.csv")))

    t = base()
    put(t, "objectives", 2, "rank", "0")
    put(t, "objectives", 6, "rank", "5")
    write("20_rank_out_of_range", t, fails((OBJ, 2, "rank", "0", "a whole number >= 1 and <= 4"),
                                           (OBJ, 6, "rank", "5", "a whole number >= 1 and <= 4")))

    t = base()
    put(t, "objectives", 4, "rank", "2")
    write("21_rank_repeated", t, fails((OBJ, 4, "rank", "2", "each rank 1..4 once per collectivité")))

    # --- numbers and codes --------------------------------------------------------------------------
    t = base()
    put(t, "collectivites", 4, "population", "-41365")
    write("22_negative_population", t, fails((COLL, 4, "population", "-41365", "a whole number >= 0")))

    t = base()
    put(t, "collectivites", 2, "population", "environ 500 000")
    put(t, "collectivites", 5, "population", "157175 hab.")
    write("23_non_numeric_population", t, fails((COLL, 2, "population", "environ 500 000", "a whole number >= 0"),
                                                (COLL, 5, "population", "157175 hab.", "a whole number >= 0")))

    t = base()
    t["collectivites"][3] = ["c03", "Villeurbanne", "commune", "69266", "", "101 500"]
    put(t, "collectivites", 2, "population", "522\u202f250")
    write("24_population_thousands_space", t, loads(
        "French thousands separators (space, narrow no-break space) are read as numbers",
        values=[("collectivites", {"collectivite_id": "c03"}, "population", 101500),
                ("collectivites", {"collectivite_id": "c01"}, "population", 522250)]))

    t = base()
    put(t, "collectivites", 2, "insee_code", "6912A")
    put(t, "collectivites", 5, "insee_code", "49 007")
    write("25_malformed_insee_code", t, fails((COLL, 2, "insee_code", "6912A", "INSEE code"),
                                              (COLL, 5, "insee_code", "49 007", "INSEE code")))

    t = base()
    put(t, "collectivites", 4, "insee_code", "")
    write("26_commune_without_insee", t, fails((COLL, 4, "insee_code", None, "insee_code")))

    # --- several problems at once -------------------------------------------------------------------
    t = base()
    put(t, "projects", 3, "domain", "Sport")
    put(t, "projects", 4, "status", "abandonné")
    put(t, "projects", 5, "label", "")
    put(t, "projects", 7, "collectivite_id", "c09")
    put(t, "projects", 9, "project_id", "p01")
    write("27_several_problems_one_file", t, fails(
        (PROJ, 3, "domain", "Sport", DOMAINS),
        (PROJ, 4, "status", "abandonné", "realise (réalisé)"),
        (PROJ, 5, "label", None, "a non-empty value"),
        (PROJ, 7, "collectivite_id", "c09", "an id of collectivites.csv"),
        (PROJ, 9, "project_id", "p01", "each project_id once")))

    # --- awkward but valid --------------------------------------------------------------------------
    t = base()
    t["projects"] = t["projects"][:1]
    write("28_zero_projects", t, loads(
        "a wave may have no projects: projects.csv with a header only loads, with a warning",
        counts={**COUNTS, "projects": 0}, warning_contains="no projects", notebooks_warn=True,
        cannot_compute=["realisation_small_domains_higher", "realisation_loisirs_ecitoyen_good"]))

    t = base()
    for line, domain in zip(range(2, 10), ["Transports", "e-citoyenneté", "Transports", "Éducation",
                                           "E-citoyenneté", "Transports", "Éducation", "Éducation"]):
        put(t, "projects", line, "domain", domain)
    write("29_domain_with_zero_projects", t, loads(
        "six of the nine domains have no project: that is data, not an error",
        values=[("projects", {"project_id": "p02"}, "domain", "e_citoyennete"),
                ("projects", {"project_id": "p08"}, "domain", "education")]))

    t = base()
    t = {k: [r for r in rows if r[0] in ("collectivite_id", "project_id", "c01") or r[1] == "c01"] for k, rows in t.items()}
    write("30_single_collectivite", t, loads(
        "a survey of one collectivité is valid", counts={"collectivites": 1, "objectives": 3, "projects": 2},
        values=[("collectivites", {"collectivite_id": "c01"}, "kind", "commune")], notebooks_warn=True))

    t = base()
    for line, kind in zip(range(2, 6), ["Commune", "EPCI", " commune ", "Commune+Intercommunalité"]):
        put(t, "collectivites", line, "kind", kind)
    for line, (objective, cited) in zip(range(2, 11), [
            ("Qualité de service", "Oui"), ("BONNE GESTION", "x"), ("attractivite", "OUI"),
            ("Developpement  durable", "1"), ("Bonne  gestion ", "vrai"), ("qualite de service aux administres", "oui"),
            ("Attractivité du territoire", "O"), ("bonne-gestion", "yes"), ("DD", "true")]):
        put(t, "objectives", line, "objective", objective)
        put(t, "objectives", line, "cited", cited)
    for line, (domain, status) in zip(range(2, 10), [
            ("  transports ", "Réalisé "), ("e-Citoyenneté", "EN COURS"), ("energie", "A l’étude"),
            ("LOISIRS / CULTURE", "realise"), ("batiment", "en cours de realisation"), ("Securite", "Terminé"),
            ("education", "En-cours"), ("Santé - social", "a l'etude")]):
        put(t, "projects", line, "domain", domain)
        put(t, "projects", line, "status", status)
    write("31_hand_typed_labels", t, loads(
        "case, missing accents, extra spaces, typographic apostrophes and hyphens are folded before lookup",
        values=[("collectivites", {"collectivite_id": "c02"}, "kind", "intercommunalite"),
                ("collectivites", {"collectivite_id": "c04"}, "kind", "joint"),
                ("objectives", {"collectivite_id": "c02", "rank": 1}, "objective", "developpement_durable"),
                ("objectives", {"collectivite_id": "c04", "rank": 2}, "objective", "developpement_durable"),
                ("objectives", {"collectivite_id": "c01", "rank": 2}, "cited", True),
                ("projects", {"project_id": "p02"}, "domain", "e_citoyennete"),
                ("projects", {"project_id": "p03"}, "status", "a_l_etude"),
                ("projects", {"project_id": "p04"}, "domain", "loisirs_culture"),
                ("projects", {"project_id": "p08"}, "domain", "sante_social"),
                ("projects", {"project_id": "p08"}, "status", "a_l_etude")]))

    # --- more structure -----------------------------------------------------------------------------
    line5 = "p04,c02,Wifi public, gratuit, dans les médiathèques,Loisirs/culture,réalisé"
    lines = utf8(BASE["projects"]).decode("utf-8").splitlines()
    lines[4] = line5
    write("32_unquoted_comma_in_label", None, fails((PROJ, 5, None, line5, "5 fields separated by comma ','")),
          {PROJ: ("\n".join(lines) + "\n").encode("utf-8")})

    t = base()
    for row, pop in zip(t["collectivites"], ["population", "513275", "443192", "40834", "151689"]):
        row.append(pop)  # 2012 and 2015 populations, both headed 'population'
    write("33_duplicate_column", t, fails((COLL, 1, "population", None, COLS)))

    trailing = {FILES[k]: csv_text([r + [""] for r in BASE[k]] + [[""] * (len(BASE[k][0]) + 1)] * 3, ";").encode("utf-8")
                for k in FILES}
    write("34_excel_trailing_empty_rows", None, loads(
        "spreadsheet exports add trailing separators and rows of empty cells: they are ignored", ), trailing)

    text = csv_text(BASE["projects"][:3], ";") + "\n;;;;\n" + csv_text(BASE["projects"][3:], ";")
    text = text.replace("Wifi public dans les médiathèques;Loisirs/culture", "Wifi public dans les médiathèques;Sports et loisirs")
    write("35_blank_lines_keep_row_numbers", None, fails((PROJ, 7, "domain", "Sports et loisirs", DOMAINS)),
          {PROJ: text.encode("utf-8")})

    t = base()
    put(t, "collectivites", 4, "insee_code", "1053")
    write("36_insee_leading_zero_lost", t, loads(
        "a spreadsheet drops the leading zero of INSEE codes of departments 01-09: 1053 is read as 01053",
        values=[("collectivites", {"collectivite_id": "c03"}, "insee_code", "01053")]))

    t = base()
    t["collectivites"][0] = ["Collectivité_ID", "Name", "Kind", "INSEE code", "EPCI SIREN", "Population "]
    t["projects"][0] = ["Project ID", "collectivite-id", "Label", "Domain", "Status"]
    write("37_header_variants", t, loads(
        "column names typed with capitals, accents, spaces or hyphens are matched to the codebook's",
        values=[("collectivites", {"collectivite_id": "c04"}, "epci_siren", "244900015"),
                ("projects", {"project_id": "p01"}, "status", "realise")]))

    t = base()
    put(t, "collectivites", 3, "kind", "syndicat mixte")
    put(t, "objectives", 5, "rank", "premier")
    put(t, "projects", 4, "status", "suspendu")
    write("38_problems_in_every_file", t, fails(
        (COLL, 3, "kind", "syndicat mixte", "commune (commune)"),
        (OBJ, 5, "rank", "premier", "a whole number >= 1 and <= 4"),
        (PROJ, 4, "status", "suspendu", "en_cours (en cours)")))

    t = base()
    put(t, "projects", 4, "status", "")
    put(t, "projects", 9, "status", "")
    put(t, "objectives", 10, "rank", "")
    put(t, "objectives", 10, "cited", "")
    write("39_missing_status_set_aside", t, loads(
        "a missing status or an unranked objective is not an error: the rows are set aside and counted",
        set_aside={"status missing": 2, "neither ranked nor cited": 1, "cited but not ranked": 1}))

    t = base()
    put(t, "objectives", 4, "objective", "Gestion")
    write("40_duplicate_objective", t, fails((OBJ, 4, "objective", "Gestion", "each collectivite_id + objective once")))

    t = base()
    put(t, "collectivites", 3, "epci_siren", "")
    put(t, "collectivites", 5, "insee_code", "")
    write("41_codes_missing_for_kind", t, fails((COLL, 3, "epci_siren", None, "epci_siren"),
                                                (COLL, 5, "insee_code", None, "insee_code")))

    t = base()
    put(t, "collectivites", 4, "name", "")
    put(t, "objectives", 3, "objective", "")
    put(t, "projects", 2, "collectivite_id", "")
    write("42_empty_required_values", t, fails((COLL, 4, "name", None, "a non-empty value"),
                                               (OBJ, 3, "objective", None, "a non-empty value"),
                                               (PROJ, 2, "collectivite_id", None, "a non-empty value")))

    write("43_tab_separated", None, loads(
        "tab-separated text (copy-paste from a spreadsheet) is accepted",
        values=[("projects", {"project_id": "p06"}, "domain", "securite")]),
        {FILES[k]: utf8(BASE[k], "\t") for k in FILES})

    t = base()
    put(t, "objectives", 5, "cited", "peut-être")
    write("44_bad_yes_no", t, fails((OBJ, 5, "cited", "peut-être", "oui/non")))

    t = base()
    put(t, "projects", 5, "label", "Wifi public, gratuit, dans les médiathèques")
    write("45_semicolon_file_with_commas_in_values", None, loads(
        "commas inside values of a ';' file are text, not separators",
        values=[("projects", {"project_id": "p04"}, "label", "Wifi public, gratuit, dans les médiathèques")]),
        {FILES[k]: utf8(t[k], ";") for k in FILES})

    t = base()
    t["projects"][0][3] = "domaine"
    t["objectives"][0][2] = "rang"
    write("46_french_column_names", t, loads(
        "French headers of the schema (x-aliases: rang, domaine) are read as the codebook's columns"))

    # --- issue 13: numbers read only when unambiguous ------------------------------------------------
    t = base()
    put(t, "collectivites", 3, "population", "451.762")
    put(t, "collectivites", 5, "population", "157,175")
    write("47_thousands_dot_or_comma", t, fails(
        (COLL, 3, "population", "451.762", "a whole number >= 0"),
        (COLL, 5, "population", "157,175", "a whole number >= 0")))

    t = base()
    put(t, "collectivites", 2, "population", "5,22E+05")
    put(t, "collectivites", 3, "population", "1e30")
    write("48_scientific_notation", t, fails(
        (COLL, 2, "population", "5,22E+05", "a whole number >= 0"),
        (COLL, 3, "population", "1e30", "a whole number >= 0")))

    t = base()
    put(t, "collectivites", 2, "population", "21681500 %")
    write("49_percent_as_population", t, fails((COLL, 2, "population", "21681500 %", "a whole number >= 0")))

    t = base()
    put(t, "collectivites", 2, "population", "99999999999999999999")
    write("50_population_too_large", t, fails((COLL, 2, "population", "99999999999999999999", "a whole number >= 0")))

    t = base()
    put(t, "collectivites", 2, "population", "1.513.275")
    put(t, "collectivites", 3, "population", "451,762,000")
    write("51_thousands_grouped_by_dots", t, fails(
        (COLL, 2, "population", "1.513.275", "a whole number >= 0"),
        (COLL, 3, "population", "451,762,000", "a whole number >= 0")))

    # --- a cell is what its column claims: no spreadsheet error value, no formula --------------------
    t = base()
    put(t, "projects", 3, "domain", "#N/A")
    put(t, "collectivites", 4, "name", "#REF!")
    put(t, "projects", 6, "status", "#VALEUR!")
    put(t, "objectives", 5, "collectivite_id", "#N/A")
    write("52_spreadsheet_error_values", t, fails(
        (COLL, 4, "name", "#REF!", "text"),
        (OBJ, 5, "collectivite_id", "#N/A", "id"),
        (PROJ, 3, "domain", "#N/A", "a domain label"),
        (PROJ, 6, "status", "#VALEUR!", "a status label")))

    t = base()
    put(t, "projects", 4, "project_id", "=A3+1")
    put(t, "projects", 7, "label", '=HYPERLINK("https://example.org";"Vidéoprotection")')
    put(t, "projects", 9, "label", "@SOMME(A2:A5)")
    write("53_spreadsheet_formulas", t, fails(
        (PROJ, 4, "project_id", "=A3+1", "id"),
        (PROJ, 7, "label", '=HYPERLINK("https://example.org";"Vidéoprotection")', "text"),
        (PROJ, 9, "label", "@SOMME(A2:A5)", "text")))

    t = base()
    put(t, "projects", 2, "label", "- Vélos en libre-service (+ de 300 stations)")
    put(t, "projects", 3, "label", "+ de démarches en ligne")
    put(t, "projects", 4, "label", "-20 % d'énergie pour l'éclairage")
    write("54_labels_starting_with_signs", t, loads(
        "a label may start with '-', '+' or a number: text, not a formula",
        values=[("projects", {"project_id": "p03"}, "label", "-20 % d'énergie pour l'éclairage")]))

    # --- folding never deletes what it does not understand --------------------------------------------
    t = base()
    put(t, "projects", 2, "status", "réalisé ❌")
    put(t, "projects", 5, "status", "réalisé ✓")
    put(t, "collectivites", 4, "kind", "commune 🏛")
    write("55_symbols_in_labels", t, fails(
        (COLL, 4, "kind", "commune 🏛", "commune (commune)"),
        (PROJ, 2, "status", "réalisé ❌", "realise (réalisé)"),
        (PROJ, 5, "status", "réalisé ✓", "realise (réalisé)")))

    t = base()
    put(t, "projects", 2, "domain", "Transports 🚲")
    put(t, "projects", 4, "domain", "Énergie ⚡")
    put(t, "projects", 5, "domain", "Loisirs/culture")
    write("56_emoji_in_domain", t, fails((PROJ, 2, "domain", "Transports 🚲", DOMAINS),
                                         (PROJ, 4, "domain", "Énergie ⚡", DOMAINS)))

    # --- one place is one identity --------------------------------------------------------------------
    t = base()
    t["collectivites"].append(["C01", "Lyon", "commune", "69123", "", "522250"])
    write("57_same_commune_two_ids", t, fails(
        (COLL, 6, "collectivite_id", "C01", "each place once"),
        (COLL, 6, "insee_code", "69123", "each place once")))

    t = base()
    t["collectivites"].append(["c05", "Rennes Métropole (EPCI)", "intercommunalité", "", "243500139", "451762"])
    write("58_same_epci_two_ids", t, fails((COLL, 6, "epci_siren", "243500139", "each place once")))

    t = base()
    put(t, "objectives", 2, "cited", "non")
    write("59_ranked_but_not_cited", t, fails((OBJ, 2, "cited", "non", "cited = oui")))

    # --- structural problems: reported once, where they start -----------------------------------------
    lines = utf8(BASE["projects"]).decode("utf-8").splitlines()
    lines[4] = 'p04,c02,"Wifi public dans les médiathèques,Loisirs/culture,réalisé'
    lines[6] = 'p06,c03,Vidéoprotection du "centre-ville",Sécurité/sûreté/protection des citoyens,réalisé'
    write("60_stray_quote_merges_lines", None, fails((PROJ, 5, None, lines[4], "balanced double quotes")),
          {PROJ: ("\n".join(lines) + "\n").encode("utf-8")})

    title = "Baromètre Ville numérique 2013 - panel,,,,,\n"
    write("61_title_row_above_header", None, fails(
        (COLL, 1, None, title.strip(), "the header on line 1")),
        {COLL: (title + csv_text(BASE["collectivites"])).encode("utf-8")})

    write("62_excel_sep_line", None, fails((PROJ, 1, None, "sep=;", "the header on line 1")),
          {PROJ: ("sep=;\r\n" + csv_text(BASE["projects"], ";", "\r\n")).encode("cp1252")})

    two = "Enquête 2013\n\nRéponses des collectivités\n"
    write("63_two_title_rows_and_blank_line", None, fails((OBJ, 1, None, "Enquête 2013", "the header on line 1")),
          {OBJ: (two + csv_text(BASE["objectives"])).encode("utf-8")})

    rows = BASE["projects"]
    pasted = codecs.BOM_UTF8 + csv_text(rows[:5]).encode("utf-8") + csv_text(rows[5:]).encode("cp1252")
    write("64_utf8_then_cp1252", None, fails((PROJ, 6, None, ",".join(rows[5]), "CSV UTF-8")), {PROJ: pasted})

    rows = BASE["objectives"]
    pasted = csv_text(rows[:4]).encode("utf-8") + csv_text(rows[4:]).encode("cp1252")
    write("65_utf8_then_cp1252_without_bom", None, fails((OBJ, 5, None, ",".join(rows[4]), "CSV UTF-8")),
          {OBJ: pasted})

    text = 'project_id,collectivite_id,label,domain,status\np01,c01,"Vélos en libre-service,\nconnectés",Transports,réalisé\n'
    text += csv_text(BASE["projects"][2:])
    write("66_quoted_line_break_is_text", None, loads(
        "a quoted value may hold a line break and commas: one record over two lines, not a stray quote",
        values=[("projects", {"project_id": "p01"}, "label", "Vélos en libre-service,\nconnectés")]),
        {PROJ: text.encode("utf-8")})

    # --- column names ----------------------------------------------------------------------------------
    t = base()
    t["collectivites"][0][0] = "id"
    t["projects"][0][1] = "city_id"
    write("67_english_column_names", t, fails(
        (COLL, 1, "id", None, COLS), (COLL, 1, "collectivite_id", None, COLS),
        (PROJ, 1, "city_id", None, "project_id, collectivite_id"),
        (PROJ, 1, "collectivite_id", None, "project_id, collectivite_id")))

    t = base()
    t["collectivites"][0] = ["collectivite_id", "Nom", "Type", "Code INSEE", "SIREN EPCI", "Population"]
    write("68_french_headers_collectivites", t, loads(
        "Nom, Type, Code INSEE, SIREN EPCI are the schema's French headers of collectivites.csv"))

    t = base()
    t["projects"][0][3] = "Type"  # in projects.csv 'Type' could be the domain or the catalogue type: suggested only
    write("68b_ambiguous_french_header_suggested", t, fails(
        (PROJ, 1, "Type", None, "project_id, collectivite_id"), (PROJ, 1, "domain", None, "project_id, collectivite_id")))

    # --- many rows with the same problem: grouped, and the other problem still visible ----------------
    t = base()
    t["projects"] = [t["projects"][0]] + [
        [f"p{n:02d}", "c0" + str(1 + n % 4), f"Projet touristique n° {n}", "Tourisme", "en cours"] for n in range(1, 61)]
    t["projects"].append(["p61", "c01", "", "Transports", "réalisé"])
    write("69_same_unknown_label_sixty_rows", t, fails(
        *[(PROJ, n + 1, "domain", "Tourisme", DOMAINS) for n in range(1, 61)],
        (PROJ, 62, "label", None, "a non-empty value")))

    # --- numbers that are unambiguous load --------------------------------------------------------------
    t = base()
    for line, pop in zip(range(2, 6), ["522 250,000", "0451762", "+41365", "157175.0"]):
        put(t, "collectivites", line, "population", pop)
    write("70_unambiguous_numbers", t, loads(
        "a grouped French number with decimals, a leading zero, a plus sign and a '.0' are unambiguous",
        values=[("collectivites", {"collectivite_id": "c01"}, "population", 522250),
                ("collectivites", {"collectivite_id": "c02"}, "population", 451762),
                ("collectivites", {"collectivite_id": "c03"}, "population", 41365),
                ("collectivites", {"collectivite_id": "c04"}, "population", 157175)]))

    # --- valid data with degenerate results: a figure and a sentence, never a crash -------------------
    t = base()
    for line in range(2, 10):
        put(t, "projects", line, "domain", "Transports" if line < 6 else "Énergie")
        put(t, "projects", line, "status", "réalisé" if line < 6 else "en cours")
    write("71_ratios_zero_and_one", t, loads(
        "every transport project realised (4 of 4), no énergie project realised (0 of 4): ratios 1 and 0",
        values=[("projects", {"project_id": "p08"}, "status", "en_cours")], notebooks_warn=True,
        cannot_compute=["realisation_small_domains_higher", "realisation_loisirs_ecitoyen_good"]))

    t = base()
    for line in range(2, 11):
        put(t, "objectives", line, "rank", "")
    write("72_no_objective_ranked", t, loads(
        "a wave may only ask which objectives are cited (as 2015 published them): nothing is ranked",
        set_aside={"cited but not ranked": 9}, notebooks_warn=True,
        cannot_compute=["objectives_top_two", "objectives_order", "objectives_fluctuating"]))

    t = base()
    for line in range(2, 10):
        put(t, "projects", line, "status", "")
    write("73_no_status_known", t, loads(
        "no project has a known status: every realisation ratio is unknown, not a crash",
        set_aside={"status missing": 8}, notebooks_warn=True,
        cannot_compute=["realisation_small_domains_higher", "realisation_loisirs_ecitoyen_good"]))

    t = base()
    put(t, "objectives", 2, "cited", "non")
    put(t, "objectives", 2, "rank", "")
    put(t, "objectives", 3, "cited", "")
    put(t, "objectives", 3, "rank", "1")  # ranks still run 1, 2 without a gap (a gap is an error: case 75)
    put(t, "objectives", 4, "rank", "2")
    write("74_not_cited_and_not_ranked", t, loads(
        "not cited and not ranked is a valid answer, and so is a rank with 'cited' left empty",
        set_aside={"not cited and not ranked": 1}))

    t = base()
    put(t, "objectives", 2, "rank", "")  # c01 ranks bonne gestion 2nd and attractivité 3rd, with no 1st
    write("75_rank_gap", t, fails((OBJ, 4, "rank", "3", "ranks 1..2 for the 2 objective(s) c01 ranked")))


if __name__ == "__main__":
    main()
    print(f"wrote {len(list(HERE.glob('[0-9][0-9]_*')))} cases in {HERE}")
