"""`python -m autograder exercises`: the table of graded cells, kinds, points and enforced rules."""

from autograder import notebooks as nbs
from autograder.__main__ import main
from autograder.course import SOLUTIONS, notebook_path
from autograder.exercises import exercise_rows, markdown_table, rule_words


def test_rows_cover_every_graded_cell_with_its_points_and_kind():
    rows = exercise_rows(assignments=["01-tensors", "12-capstone"])
    for name in ("01-tensors", "12-capstone"):
        nb = nbs.read(notebook_path(SOLUTIONS, name))
        graded = [c for c in nb.cells if nbs.nbgrader_meta(c).get("grade")]
        mine = [r for r in rows if r["assignment"] == name]
        assert [r["grade_id"] for r in mine] == [nbs.grade_id(c) for c in graded]
        assert sum(r["points"] for r in mine) == sum(nbs.points(c) for c in graded)
    glyph = next(r for r in rows if r["grade_id"] == "test-predict_glyphs")
    assert glyph["kind"] == "open" and glyph["points"] == 8
    broadcast = next(r for r in rows if r["grade_id"] == "test-broadcast_shape")
    assert broadcast["rules"] and "forbids numpy" in broadcast["rules"][0]


def test_rule_words_name_each_rule():
    call = {"answer": "f", "forbid": ["numpy.broadcast_shapes"], "loops": False, "mutate_args": False}
    assert rule_words(call) == "f: forbids numpy.broadcast_shapes; no loops; arguments unchanged"
    assert rule_words({"answer": "g", "forbid": [], "loops": True, "mutate_args": True}) == "g: no rule"


def test_table_gives_the_thinking_share(capsys):
    row = {"assignment": "a", "title": "X", "rules": []}
    rows = [{**row, "grade_id": "test-x", "kind": "compute", "points": 3.0},
            {**row, "grade_id": "test-y", "kind": "build", "points": 1.0}]
    assert "### a: 4 points (build 1, compute 3; thinking 25%)" in markdown_table(rows)
    assert main(["exercises", "00-welcome"]) == 0
    assert "### 00-welcome" in capsys.readouterr().out
    assert main(["exercises", "99-nothing"]) == 1
    assert "no assignment 99-nothing" in capsys.readouterr().err
