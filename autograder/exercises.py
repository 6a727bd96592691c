"""The course's exercises as a table (`python -m autograder exercises`): for each assignment, every graded
cell with its exercise title, kind (docs/authoring.md, "Exercise kinds"), points and the rules its test
cell enforces (`check_rules`), and each assignment's share of points that ask for thinking (build, reason,
open, written) rather than computing."""

from __future__ import annotations

from . import notebooks as nbs
from . import rules
from .config import Course
from .course import assignments as course_assignments
from .course import notebook_path

THINKING = ("build", "reason", "open", "written")


def rule_words(call: dict) -> str:
    """One check_rules call in words: what it forbids, and whether loops and changed arguments are."""
    parts = [f"forbids {', '.join(call['forbid'])}"] if call.get("forbid") else []
    if call.get("loops") is False:
        parts.append("no loops")
    if call.get("mutate_args") is False:
        parts.append("arguments unchanged")
    return f"{call['answer']}: " + "; ".join(parts) if parts else f"{call['answer']}: no rule"


def exercise_rows(course: Course | None = None, assignments=None) -> list[dict]:
    """One row per graded cell, in course order: {"assignment", "grade_id", "title", "kind", "points",
    "rules": [str, ...]}."""
    course = course or Course()
    rows = []
    for assignment in assignments or course_assignments(course.solutions):
        nb = nbs.read(notebook_path(course.solutions, assignment))
        titles = nbs.cell_titles(nb)
        calls = rules.notebook_rules(nb)
        for cell in nb.cells:
            if not nbs.nbgrader_meta(cell).get("grade"):
                continue
            gid = nbs.grade_id(cell)
            rows.append({
                "assignment": assignment, "grade_id": gid, "title": titles.get(gid, gid),
                "kind": cell.metadata.get("exercise", {}).get("kind", "compute"),
                "points": nbs.points(cell), "rules": [rule_words(c) for c in calls.get(gid, [])],
            })
    return rows


def markdown_table(rows: list[dict]) -> str:
    """The rows as markdown: one table per assignment, with its points per kind and its thinking share."""
    out = []
    for assignment in dict.fromkeys(r["assignment"] for r in rows):
        mine = [r for r in rows if r["assignment"] == assignment]
        total = sum(r["points"] for r in mine)
        by_kind = {}
        for r in mine:
            by_kind[r["kind"]] = by_kind.get(r["kind"], 0) + r["points"]
        thinking = sum(v for k, v in by_kind.items() if k in THINKING)
        kinds = ", ".join(f"{k} {v:g}" for k, v in sorted(by_kind.items()))
        share = f"{thinking / total:.0%}" if total else "n/a"
        out += [f"### {assignment}: {total:g} points ({kinds}; thinking {share})", "",
                "| exercise | graded cell | kind | points | rules enforced |",
                "| --- | --- | --- | --- | --- |"]
        out += [f"| {r['title']} | `{r['grade_id']}` | {r['kind']} | {r['points']:g} | "
                f"{'<br>'.join(r['rules']) or '—'} |" for r in mine]
        out.append("")
    return "\n".join(out)
