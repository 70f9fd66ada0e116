"""villenum.errors: repeated problems are grouped in the message, every problem is kept in `problems`."""

from __future__ import annotations

from villenum.errors import InputError, group_problems, problem

ALLOWED = "energie (Énergie), transport (Transports et mobilité), batiment (Bâtiment/urbanisme/logement)"


def sixty_and_one() -> list:
    """The same unknown label on 60 rows, then one problem of another kind."""
    same = [problem("projects.csv", "unknown domain label", row=r, column="domain", value="Tourisme", allowed=ALLOWED)
            for r in range(2, 62)]
    return same + [problem("projects.csv", "empty value", row=62, column="label", allowed="a non-empty value")]


def test_repeated_problems_are_one_line_and_the_other_problem_is_visible():
    err = InputError(sixty_and_one())
    lines = str(err).splitlines()
    assert lines[0] == "61 problem(s) in the input (2 distinct):"
    assert lines[1].startswith("  projects.csv, rows 2, 3, 4, 5, 6, ... (60 rows), column 'domain': value 'Tourisme'")
    assert lines[2] == "  projects.csv, row 62, column 'label': empty value (allowed: a non-empty value)"
    assert len(lines) == 3 and len(err.problems) == 61


def test_a_long_allowed_list_is_printed_once():
    ps = [problem("c.csv", "unknown column", row=1, column=c, allowed=ALLOWED) for c in ("id", "Nom", "Type")]
    text = str(InputError(ps))
    assert text.count(ALLOWED) == 1 and text.count("(allowed: as above)") == 2


def test_groups_keep_order_of_first_problem_and_distinguish_values():
    ps = [problem("p.csv", "m", row=3, column="d", value="B", allowed="x"),
          problem("p.csv", "m", row=2, column="d", value="A", allowed="x"),
          problem("p.csv", "m", row=4, column="d", value="B", allowed="x")]
    assert [[p.row for p in g] for g in group_problems(ps)] == [[3, 4], [2]]


def test_single_problem_prints_as_before():
    p = problem("p.csv", "out of range", row=7, column="rank", value="5", allowed="a whole number")
    assert str(InputError([p])).splitlines()[1] == "  " + str(p)
