"""Instructor command line: `python -m autograder <command>` (see docs/instructor-guide.md).

release   write the student version of assignments into course/
collect   import submissions from a folder (<student>/<assignment>/*.ipynb) or an LMS zip
grade     autograde submissions in a sandbox and write the gradebook
feedback  write per-student HTML feedback
export    write CSV files of scores, with the reason for every zero (--lms canvas|moodle: the LMS's import)
gradescope  build the autograder zip Gradescope runs for one assignment
report    write plots and an HTML page for the instructor
status    show what has been collected, graded and fed back
exercises list every graded cell: kind, points and the rules its test enforces
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m autograder", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--solutions", type=Path, help="instructor notebooks (default: solutions/)")
    parser.add_argument("--release-dir", type=Path, help="student release (default: course/)")
    parser.add_argument("--grading", type=Path, help="grading workspace (default: grading/)")
    commands = parser.add_subparsers(dest="command", required=True)
    rel = commands.add_parser("release", help="write the student version of assignments into course/")
    rel.add_argument("assignments", nargs="*", help="assignment folders in solutions/ (default: all)")
    col = commands.add_parser("collect", help="import submissions from a folder or an LMS zip")
    col.add_argument("source", type=Path, help="folder <student>/<assignment>/*.ipynb, or a zip file")
    col.add_argument("--assignment", action="append", help="only this assignment (repeatable)")
    gra = commands.add_parser("grade", help="autograde submissions (sandboxed) and write the gradebook")
    gra.add_argument("--student", action="append", help="only this student (repeatable)")
    gra.add_argument("--assignment", action="append", help="only this assignment (repeatable)")
    gra.add_argument("--workers", type=int, default=2, help="notebooks graded in parallel (default 2)")
    gra.add_argument("--scheduler", metavar="ADDRESS",
                     help="grade on the workers of this Dask cluster (tcp://HOST:8786) instead of locally")
    gra.add_argument("--no-progress", action="store_true", help="no progress bar")
    gra.add_argument("--force", action="store_true", help="regrade even submissions graded before")
    _limit_args(gra)
    fee = commands.add_parser("feedback", help="write HTML feedback per student and assignment")
    fee.add_argument("--student", action="append")
    fee.add_argument("--assignment", action="append")
    exp = commands.add_parser("export", help="CSV of scores per student, assignment and exercise")
    exp.add_argument("--to", type=Path, help="folder for grades.csv and totals.csv (default grading/export)")
    exp.add_argument("--lms", choices=("canvas", "moodle"),
                     help="also write the gradebook file this LMS imports (students matched by the ids "
                          "`collect` read from the LMS's file names)")
    rep = commands.add_parser("report", help="plots and an HTML page for the instructor")
    rep.add_argument("--to", type=Path, help="folder (default grading/report)")
    gsc = commands.add_parser("gradescope", help="build the autograder zip Gradescope runs for an assignment")
    gsc.add_argument("assignment", help="assignment folder in solutions/")
    gsc.add_argument("--to", type=Path, help="folder for the zip (default grading/export)")
    commands.add_parser("status", help="what has been collected, graded and fed back")
    exe = commands.add_parser("exercises", help="every graded cell: kind, points, rules (markdown)")
    exe.add_argument("assignments", nargs="*", help="assignment folders in solutions/ (default: all)")
    return parser


def _limit_args(parser) -> None:
    from .sandbox import Limits

    d = Limits()
    parser.add_argument("--cell-timeout", type=float, default=d.cell_timeout, help="seconds per cell")
    parser.add_argument(
        "--notebook-timeout", type=float, default=d.notebook_timeout, help="seconds per notebook"
    )
    parser.add_argument("--memory-mb", type=int, default=d.memory // 2**20, help="memory per notebook (MiB)")
    parser.add_argument(
        "--max-output-mb", type=float, default=d.output / 2**20, help="output per notebook (MiB)"
    )


def _limits(args):
    from .sandbox import Limits

    return Limits(
        cell_timeout=args.cell_timeout,
        notebook_timeout=args.notebook_timeout,
        memory=args.memory_mb * 2**20,
        output=int(args.max_output_mb * 2**20),
    )


def _course(args):
    from .config import Course

    kwargs = {}
    if args.solutions:
        kwargs["solutions"] = args.solutions.resolve()
    if args.release_dir:
        kwargs["release"] = args.release_dir.resolve()
    if args.grading:
        kwargs["grading"] = args.grading.resolve()
    return Course(**kwargs)


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    course = _course(args)
    from .collect import CollectError
    from .course import UnknownAssignment
    from .distributed import ClusterError
    from .grading import GradingError
    from .release import ReleaseError
    from .sandbox import SandboxUnavailable

    try:
        return _run(args, course)
    except (ReleaseError, GradingError, CollectError, SandboxUnavailable, UnknownAssignment,
            ClusterError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _run(args, course) -> int:
    if args.command == "release":
        from .release import release

        for path in release(args.assignments or None, course=course):
            print(f"released {path}")
    elif args.command == "collect":
        from .collect import collect, report_table

        entries = collect(course, args.source, args.assignment)
        print(report_table(entries))
        print(f"submissions are in {course.submitted}; next: python -m autograder grade")
    elif args.command == "grade":
        from .pipeline import grade, summary_table

        summary = grade(
            course,
            args.student,
            args.assignment,
            workers=args.workers,
            limits=_limits(args),
            progress=not args.no_progress,
            force=args.force,
            scheduler=args.scheduler,
        )
        if summary["failures"]:
            return 1
        print(summary_table(summary))
        print(
            f"gradebook: {course.db_path}; next: manual grading in formgrader, then "
            "python -m autograder feedback / export"
        )
    elif args.command == "feedback":
        from .outputs import feedback

        pages = feedback(course, args.student, args.assignment)
        print(f"wrote {len(pages)} feedback page(s) under {course.feedback}")
    elif args.command == "export":
        from .outputs import export

        for path in export(course, args.to, args.lms, log=lambda msg: print(msg, file=sys.stderr)):
            print(f"wrote {path}")
    elif args.command == "report":
        from .outputs import report

        print(f"wrote {report(course, args.to)}")
    elif args.command == "gradescope":
        from .gradescope import build_bundle

        print(f"wrote {build_bundle(course, args.assignment, args.to)}; upload it as the assignment's "
              "autograder in Gradescope (docs/instructor-guide.md, section 7)")
    elif args.command == "status":
        from .outputs import status, status_table

        print(status_table(status(course)))
    elif args.command == "exercises":
        from .course import require_assignment
        from .exercises import exercise_rows, markdown_table

        for name in args.assignments:
            require_assignment(course.solutions, name)
        print(markdown_table(exercise_rows(course, args.assignments or None)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
