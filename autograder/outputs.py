"""What grading produces for people: feedback for students, CSV export, plots, and the status table.

Everything here reads the trusted result files (grading/results/) and the gradebook (for scores given by
hand in formgrader). Feedback is built from the student's own answers and the reports the trusted
side wrote; it never contains test-cell source, hidden tests or solution code.
"""

from __future__ import annotations

import csv
import html
import shutil
from collections import Counter
from pathlib import Path
from typing import NamedTuple

from .config import Course
from .grading import result_key, result_path
from .results import NotebookResult, Result, load_result


def _results(course: Course, students=None, assignments=None) -> list[Result]:
    """The stored results (one damaged by hand or by a crash is skipped, not fatal)."""
    out = []
    if not course.results.is_dir():
        return out
    for folder in sorted(course.results.iterdir()):
        if students and folder.name not in students:
            continue
        for path in sorted(folder.glob("*.json")):
            if assignments and path.stem not in assignments:
                continue
            result = load_result(path)
            if result is not None:
                out.append(result)
    return out


def _manual_grades(course: Course) -> dict:
    """{(student, assignment, notebook, grade_id): (manual_score, manual_comment)} from the gradebook."""
    from nbgrader.api import Gradebook

    found = {}
    if not course.db_path.exists():
        return found
    with Gradebook(course.db_url) as gb:
        for assignment in gb.assignments:
            for submission in assignment.submissions:
                for notebook in submission.notebooks:
                    comments = {c.name: c.manual_comment for c in notebook.comments}
                    for grade in notebook.grades:
                        if grade.manual_score is not None:
                            found[(submission.student.id, assignment.name, notebook.name, grade.name)] = (
                                float(grade.manual_score),
                                comments.get(grade.name),
                            )
    return found


def cell_rows(course: Course, students=None, assignments=None) -> list[dict]:
    """One row per (student, assignment, notebook, graded cell), manual scores included."""
    manual = _manual_grades(course)
    rows = []
    for result in _results(course, students, assignments):
        for nb_name, nb in result.notebooks.items():
            for gid, cell in nb.in_order():
                score, reason, status = cell.score, cell.reason, None
                override = manual.get((result.student, result.assignment, nb_name, gid))
                if override is not None:
                    score, status = override[0], "graded by hand"
                    if score == 0:
                        reason = "graded 0 by hand" + (f": {override[1]}" if override[1] else "")
                elif cell.kind == "manual":
                    if nb.status == "graded":
                        status, reason = "awaiting manual grading", "not graded by hand yet (formgrader)"
                    else:
                        status, score = "zero", 0.0
                else:
                    status = "passed" if cell.passed else "failed"
                if score == 0 and not reason:
                    reason = nb.reason or "no answer"
                rows.append(
                    {
                        "student": result.student,
                        "assignment": result.assignment,
                        "notebook": nb_name,
                        "exercise": cell.title,
                        "grade_id": gid,
                        "kind": cell.kind,
                        "max_points": cell.points,
                        "score": score,
                        "status": status,
                        "reason": reason or "",
                    }
                )
    return rows


# ---------------------------------------------------------------- export


class Total(NamedTuple):
    """One student's total for one assignment."""

    score: float
    max_points: float
    awaiting: int  # cells still awaiting manual grading (scored 0 until graded)


def totals(course: Course, rows: list[dict] | None = None) -> dict[tuple[str, str], Total]:
    """{(student, assignment): Total} over the cells of :func:`cell_rows` (given as ``rows`` when already
    read): the rows of totals.csv and the grades of the LMS import files."""
    sums: dict[tuple[str, str], list] = {}
    for row in cell_rows(course) if rows is None else rows:
        entry = sums.setdefault((row["student"], row["assignment"]), [0.0, 0.0, 0])
        entry[0] += row["score"] or 0
        entry[1] += row["max_points"]
        entry[2] += row["status"] == "awaiting manual grading"
    return {key: Total(*entry) for key, entry in sums.items()}


def export(
    course: Course, dest: Path | None = None, lms_name: str | None = None, log=None
) -> tuple[Path, ...]:
    """grades.csv (one row per student, assignment and exercise, with the reason for every zero) and
    totals.csv (one row per student and assignment); with ``lms_name`` ("canvas" or "moodle") also the
    file(s) that LMS imports (autograder/lms.py)."""
    dest = Path(dest or course.exports)
    dest.mkdir(parents=True, exist_ok=True)
    rows = cell_rows(course)
    cells_csv, totals_csv = dest / "grades.csv", dest / "totals.csv"
    fields = [
        "student",
        "assignment",
        "notebook",
        "exercise",
        "grade_id",
        "kind",
        "max_points",
        "score",
        "status",
        "reason",
    ]
    with open(cells_csv, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    sums = totals(course, rows)
    with open(totals_csv, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "assignment", "score", "max_points", "cells_awaiting_manual_grading"])
        for (student, assignment), total in sorted(sums.items()):
            writer.writerow([student, assignment, f"{total.score:g}", f"{total.max_points:g}",
                             total.awaiting])
    if not lms_name:
        return cells_csv, totals_csv
    from . import lms

    written, left_out = lms.write_import(course, lms_name, dest, sums)
    if left_out and log:
        log(f"warning: not in the {lms_name} file (collected without a {lms_name} id in the file name): "
            + ", ".join(left_out))
    return (cells_csv, totals_csv, *written)


# ---------------------------------------------------------------- feedback

_CSS = """body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
pre{background:#f6f8fa;padding:.6rem;border-radius:4px;overflow-x:auto;white-space:pre-wrap}
.pass{color:#1a7f37}.fail{color:#cf222e}.manual{color:#9a6700}.cell{border-top:1px solid #ddd;padding:.5rem 0}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}"""


def feedback(course: Course, students=None, assignments=None) -> list[Path]:
    """grading/feedback/<student>/<assignment>/<notebook>.html for every graded submission (the layout
    nbgrader's exchange uses to release feedback)."""
    manual = _manual_grades(course)
    written = []
    for result in _results(course, students, assignments):
        for nb_name, nb in result.notebooks.items():
            page = _feedback_page(result, nb_name, nb, manual)
            dest = course.feedback / result.student / result.assignment / f"{nb_name}.html"
            dest.parent.mkdir(parents=True, exist_ok=True)
            tmp = dest.with_name(f".{dest.name}.tmp")
            tmp.write_text(page, encoding="utf-8")
            tmp.replace(dest)
            written.append(dest)
        _copy_exchange_files(course, result.student, result.assignment)
    return written


# Written by nbgrader's exchange into each submission: `nbgrader release_feedback` reads them next to the
# feedback to name the file only that submission's student can find (a hash keyed by the secret).
EXCHANGE_FILES = ("timestamp.txt", "submission_secret.txt")


def _copy_exchange_files(course: Course, student: str, assignment: str) -> None:
    for name in EXCHANGE_FILES:
        src = course.submitted / student / assignment / name
        if src.is_file() and not src.is_symlink():
            shutil.copyfile(src, course.feedback / student / assignment / name)


def _feedback_page(result: Result, nb_name: str, nb: NotebookResult, manual) -> str:
    e = html.escape
    student, assignment = result.student, result.assignment
    total, maximum, waiting = 0.0, 0.0, 0
    parts = []
    for gid, cell in nb.in_order():
        maximum += cell.points
        override = manual.get((student, assignment, nb_name, gid))
        score = override[0] if override else cell.score
        exercise = gid.split("-", 1)[1] if "-" in gid else gid
        answer = nb.answers.get(f"ex-{exercise}") if cell.kind == "auto" else nb.answers.get(gid)
        block = [f'<div class="cell"><h3>{e(cell.title)}: ']
        if score is None:
            waiting += 1
            block.append(
                f'<span class="manual">awaiting grading by hand ({cell.points:g} points)</span></h3>'
            )
        else:
            total += score
            css = "pass" if score >= cell.points else "fail"
            block.append(f'<span class="{css}">{score:g} / {cell.points:g}</span></h3>')
        if answer is not None:
            block.append(f"<p>Your answer:</p><pre>{e(answer)}</pre>")
        if cell.reports:
            block.append(f"<p>Checks:</p><pre>{e(chr(10).join(cell.reports))}</pre>")
        reason = cell.reason or (nb.reason if score == 0 else None)
        if override and override[1]:
            block.append(f"<p>Grader's comment: {e(override[1])}</p>")
        elif score == 0 and reason:
            block.append(f'<p class="fail">Why 0: {e(reason)}</p>')
        elif cell.metric is not None and cell.reason:  # graded by accuracy: the band explains the score
            block.append(f"<p>{e(cell.reason)}</p>")
        block.append("</div>")
        parts.append("".join(block))
    faults = "".join(f"<li>{e(f.cell)}: {e(f.reason)}</li>" for f in nb.faults)
    notes = "".join(f"<li>{e(n)}</li>" for n in nb.notes)
    head = (
        f"<h1>{e(assignment)}: feedback for {e(student)}</h1>"
        f"<p><b>Score: {total:g} / {maximum:g}</b>"
        + (f" ({waiting} written answer(s) still to be graded by hand)" if waiting else "")
        + "</p>"
    )
    if nb.status != "graded":
        head += f'<p class="fail">{e(nb.reason or "")}</p>'
    if faults:
        head += f"<p>Cells stopped while grading (they score 0):</p><ul>{faults}</ul>"
    if notes:
        head += f"<ul>{notes}</ul>"
    head += (
        "<p>Only your answer cells are graded; every other cell, the tests included, comes from the "
        "course's own copy of the notebook.</p>"
    )
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{e(assignment)} feedback</title>"
        f"<style>{_CSS}</style></head><body>{head}{''.join(parts)}</body></html>\n"
    )


# ---------------------------------------------------------------- report


def report(course: Course, dest: Path | None = None) -> Path:
    """PNG plots (per-exercise score distribution, hardest exercises, total scores) and index.html."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dest = Path(dest or course.reports)
    dest.mkdir(parents=True, exist_ok=True)
    rows = [r for r in cell_rows(course) if r["score"] is not None and r["max_points"] > 0]
    exercises: dict[tuple[str, str], list[float]] = {}
    totals: dict[str, dict[str, float]] = {}
    for row in rows:
        exercises.setdefault((row["assignment"], row["exercise"]), []).append(
            row["score"] / row["max_points"]
        )
        totals.setdefault(row["assignment"], {}).setdefault(row["student"], 0.0)
        totals[row["assignment"]][row["student"]] += row["score"]
    images = []
    if exercises:
        labels = [f"{a}/{x}" for a, x in exercises]
        fig, ax = plt.subplots(figsize=(8, 0.4 * len(labels) + 1.5))
        ax.boxplot(list(exercises.values()), orientation="horizontal", tick_labels=labels)
        means = [sum(v) / len(v) for v in exercises.values()]
        ax.scatter(means, range(1, len(means) + 1), marker="D", color="C1", label="mean", zorder=3)
        ax.set_xlabel("fraction of the exercise's points")
        ax.set_title("Score distribution per exercise")
        ax.legend(loc="lower right")
        fig.tight_layout()
        fig.savefig(dest / "score_distribution.png", dpi=100)
        plt.close(fig)
        hardest = sorted(zip(means, labels, [len(v) for v in exercises.values()]))[:15]
        fig, ax = plt.subplots(figsize=(8, 0.4 * len(hardest) + 1.5))
        ax.barh([h[1] for h in hardest][::-1], [h[0] for h in hardest][::-1], color="C3")
        ax.set_xlim(0, 1)
        ax.set_xlabel("mean fraction of points (lower is harder)")
        ax.set_title("Hardest exercises")
        fig.tight_layout()
        fig.savefig(dest / "hardest_exercises.png", dpi=100)
        plt.close(fig)
        fig, axes = plt.subplots(1, len(totals), figsize=(4 * len(totals), 3), squeeze=False)
        for ax, (assignment, by_student) in zip(axes[0], sorted(totals.items())):
            ax.hist(list(by_student.values()), bins=10, color="C0")
            ax.set_title(assignment)
            ax.set_xlabel("total score")
        axes[0][0].set_ylabel("students")
        fig.tight_layout()
        fig.savefig(dest / "total_scores.png", dpi=100)
        plt.close(fig)
        images = ["score_distribution.png", "hardest_exercises.png", "total_scores.png"]
        table = "".join(
            f"<tr><td>{html.escape(label)}</td><td>{mean:.2f}</td><td>{n}</td></tr>"
            for mean, label, n in sorted(zip(means, labels, [len(v) for v in exercises.values()]))
        )
    else:
        table = ""
    body = (
        "".join(f'<p><img src="{name}" alt="{name}"></p>' for name in images) or "<p>Nothing graded yet.</p>"
    )
    boards = leaderboards(course)
    per_assignment = Counter(board["assignment"] for board in boards)
    boards = "".join(_leaderboard_html(board, dest, plt, per_assignment[board["assignment"]] > 1)
                     for board in boards)
    page = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Grading report</title><style>{_CSS}"
        f"</style></head><body><h1>Grading report</h1>{body}<h2>Exercises, hardest first</h2><table><tr>"
        f"<th>exercise</th><th>mean fraction</th><th>students</th></tr>{table}</table>{boards}"
        "</body></html>\n"
    )
    (dest / "index.html").write_text(page, encoding="utf-8")
    return dest / "index.html"


# ---------------------------------------------------------------- leaderboards


def leaderboards(course: Course) -> list[dict]:
    """One class leaderboard per test cell graded by accuracy on a hidden split (autograder/capstone.py):
    {"assignment", "grade_id", "title", "bands", "rows": [{"rank", "student", "accuracy", "band", "score",
    "points"}]}, best accuracy first (ties share a rank, then by name); every student of the class
    without an accuracy next (nothing to score), rank and accuracy empty, and those who submitted
    nothing (no result, or no submission folder) last, as "not submitted"."""
    results = _results(course)
    students = sorted(set(course.students()) | {r.student for r in results})
    found: dict[tuple[str, str], dict] = {}
    for result in results:
        for nb in result.notebooks.values():
            for gid, cell in nb.cells.items():
                if cell.metric is not None:
                    found.setdefault((result.assignment, gid), {"title": cell.title, "cells": {}})
    for result in results:
        for nb in result.notebooks.values():
            for gid, cell in nb.cells.items():
                if (result.assignment, gid) in found:
                    found[(result.assignment, gid)]["cells"][result.student] = cell
    boards = []
    for (assignment, gid), entry in sorted(found.items()):
        cells = entry["cells"]
        points = max(c.points for c in cells.values())
        measured = sorted(((c.metric["accuracy"], s) for s, c in cells.items() if c.metric is not None),
                          key=lambda item: (-item[0], item[1]))
        rows, rank = [], 0
        for position, (accuracy, student) in enumerate(measured, 1):
            if not rows or accuracy < rows[-1]["accuracy"]:
                rank = position
            metric = cells[student].metric
            rows.append({"rank": rank, "student": student, "accuracy": accuracy, "band": metric["band"],
                         "score": cells[student].score or 0.0, "points": points})
        unmeasured = []
        for student in students:
            if student not in {row["student"] for row in rows}:
                cell = cells.get(student)
                submitted = cell is not None and (course.submitted / student / assignment).is_dir()
                band = (cell.reason or "no hidden-test accuracy")[:160] if submitted else "not submitted"
                unmeasured.append({"rank": None, "student": student, "accuracy": None, "band": band,
                                   "score": (cell.score or 0.0) if cell else 0.0, "points": points})
        rows += sorted(unmeasured, key=lambda row: row["band"] == "not submitted")  # stable: by name
        bands = next((c.metric["bands"] for c in cells.values() if c.metric and c.metric["bands"]), [])
        boards.append({"assignment": assignment, "grade_id": gid, "title": entry["title"], "bands": bands,
                       "rows": rows})
    return boards


def _band_text(band) -> str:
    return f"≥ {band:.2f}" if isinstance(band, float) else "below every band" if band is None else band


def _leaderboard_html(board: dict, dest: Path, plt, several: bool) -> str:
    """Write the board's CSV (leaderboard-<assignment>.csv, or -<grade id> when the assignment has
    ``several``) and figure beside the report; its HTML section."""
    stem = f"leaderboard-{board['assignment']}" + (f"-{board['grade_id']}" if several else "")
    with open(dest / f"{stem}.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["rank", "student", "hidden_test_accuracy", "band", "score", "max_points"])
        for row in board["rows"]:
            writer.writerow([row["rank"] or "", row["student"],
                             "" if row["accuracy"] is None else f"{row['accuracy']:.4f}",
                             _band_text(row["band"]), f"{row['score']:g}", f"{row['points']:g}"])
    measured = [row for row in board["rows"] if row["accuracy"] is not None]
    image = ""
    if measured:
        fig, ax = plt.subplots(figsize=(8, 0.3 * len(measured) + 1.8))
        ax.barh([row["student"] for row in measured][::-1], [row["accuracy"] for row in measured][::-1],
                color="C0")
        for band, _ in board["bands"]:
            ax.axvline(band, color="C3", linestyle="--", linewidth=1)
        top = ax.secondary_xaxis("top")  # each band's threshold and share of the points, above the plot
        top.set_xticks([band for band, _ in board["bands"]],
                       labels=[f"{fraction * 100:g} %" for _, fraction in board["bands"]],
                       color="C3", fontsize=8)
        ax.set_xlim(0, 1)
        ax.set_xlabel("accuracy on the hidden test split (dashed: the bands and their share of the points)")
        ax.set_title(f"{board['assignment']}: {board['title']}")
        fig.tight_layout()
        fig.savefig(dest / f"{stem}.png", dpi=100)
        plt.close(fig)
        image = f'<p><img src="{stem}.png" alt="leaderboard of {html.escape(board["title"])}"></p>'
    e = html.escape
    rows = "".join(
        f"<tr><td>{row['rank'] or ''}</td><td>{e(row['student'])}</td>"
        f"<td>{'' if row['accuracy'] is None else format(row['accuracy'], '.3f')}</td>"
        f"<td>{e(_band_text(row['band']))}</td><td>{row['score']:g} / {row['points']:g}</td></tr>"
        for row in board["rows"]
    )
    return (f"<h2>Leaderboard: {e(board['assignment'])}, {e(board['title'])}</h2>{image}"
            f'<p><a href="{stem}.csv">{stem}.csv</a></p><table><tr><th>rank</th><th>student</th>'
            f"<th>hidden-test accuracy</th><th>band</th><th>points</th></tr>{rows}</table>")


# ---------------------------------------------------------------- status


def status(course: Course) -> list[dict]:
    """Per assignment: submissions collected, graded (current), out of date, not graded, fed back."""
    out = []
    students = course.students()
    for assignment in course.assignments():
        row = {
            "assignment": assignment,
            "collected": 0,
            "graded": 0,
            "outdated": 0,
            "not_graded": 0,
            "feedback": 0,
        }
        for student in students:
            if not (course.submitted / student / assignment).is_dir():
                continue
            row["collected"] += 1
            path = result_path(course, student, assignment)
            result = load_result(path)
            if result is None:
                row["not_graded"] += 1
                continue
            if result.key == result_key(course, student, assignment):
                row["graded"] += 1
            else:
                row["outdated"] += 1
            pages = [course.feedback / student / assignment / f"{nb}.html" for nb in result.notebooks]
            if pages and all(p.exists() and p.stat().st_mtime >= path.stat().st_mtime for p in pages):
                row["feedback"] += 1
        out.append(row)
    return out


def status_table(rows: list[dict]) -> str:
    head = (f"{'assignment':<24} {'collected':>9} {'graded':>6} {'outdated':>8} {'not graded':>10} "
            f"{'feedback':>8}")
    lines = [head]
    for r in rows:
        lines.append(
            f"{r['assignment']:<24} {r['collected']:>9} {r['graded']:>6} {r['outdated']:>8} "
            f"{r['not_graded']:>10} {r['feedback']:>8}"
        )
    return "\n".join(lines)

