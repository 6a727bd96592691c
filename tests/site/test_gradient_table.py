"""The gradient table page: generated from a list of gradient rules (a fixture list of real ops here; the
built page in the fixture site comes from tinygrad_ref.ops.gradient_rules())."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from sitebuild import BuildError
from sitebuild.gradients import gradient_page, source_url

from .conftest import ROOT

REPO, BRANCH = "https://github.com/example/course", "main"


def _rule(cls, forward: str, backward: str) -> dict:
    """A rule for a real class, its place found by inspect (as gradient_rules() reports it)."""
    path = inspect.getsourcefile(cls)
    return {
        "op": cls.__name__,
        "forward": forward,
        "backward": backward,
        "module": cls.__module__,
        "path": Path(path).resolve().relative_to(ROOT).as_posix(),
        "line": inspect.getsourcelines(cls)[1],
    }


@pytest.fixture
def rules():
    from tinygrad_ref import ops

    return [
        _rule(ops.Mul, r"z = x y", r"\bar x = \bar z\, y,\quad \bar y = \bar z\, x"),
        _rule(ops.Abs, r"z = |x|", r"\bar x = \bar z\, \operatorname{sign}(x)"),
        _rule(ops.Sum, r"z = \sum_i x_i", r"\bar x_i = \bar z"),
    ]


def _rows(page: str) -> list[list[str]]:
    """The list-table's rows, each a list of its cells' sources (the header first)."""
    table = page.split("```{list-table}", 1)[1].split("```", 1)[0]
    rows = []
    for line in table.splitlines():
        if line.startswith("* - "):
            rows.append([line[4:]])
        elif line.startswith("  - "):
            rows[-1].append(line[4:])
    return rows


def test_one_row_per_op_with_forward_and_backward_as_math(rules):
    rows = _rows(gradient_page(rules, REPO, BRANCH))
    assert rows[0] == ["Op", "Forward", "Backward", "Source"]
    assert len(rows) == 1 + len(rules)
    for row, rule in zip(rows[1:], rules):
        op, forward, backward, _ = row
        assert op == f"{{py:class}}`{rule['op']} <{rule['module']}.{rule['op']}>`"
        assert forward == f"${rule['forward']}$" and backward == f"${rule['backward']}$"
    assert "$z = |x|$" in rows[2]  # a bar inside a formula does not split the table (list-table, not pipes)


def test_source_links_point_at_the_class_statement(rules):
    rows = _rows(gradient_page(rules, REPO, BRANCH))
    for row, rule in zip(rows[1:], rules):
        m = re.fullmatch(r"\[(\S+):(\d+)\]\((\S+)\)", row[3])
        assert m, row[3]
        url = m.group(3)
        assert url == source_url(REPO, BRANCH, rule["path"], rule["line"])
        path, line = re.fullmatch(rf"{REPO}/blob/{BRANCH}/(\S+)#L(\d+)", url).groups()
        source = (ROOT / path).read_text().splitlines()
        assert source[int(line) - 1].startswith(f"class {rule['op']}(")


def test_bad_rules_are_refused_naming_the_op(rules):
    broken = dict(rules[0])
    del broken["backward"]
    with pytest.raises(BuildError, match=r"Mul.*lacks backward"):
        gradient_page([broken], REPO, BRANCH)
    dollars = dict(rules[0], forward="$z = x y$")
    with pytest.raises(BuildError, match=r"Mul: give the LaTeX without \$"):
        gradient_page([dollars], REPO, BRANCH)
