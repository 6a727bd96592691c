"""Instructor command line: `python -m autograder <command>`."""

import argparse
import sys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    rel = commands.add_parser("release", help="write the student version of assignments into course/")
    rel.add_argument("assignments", nargs="*", help="assignment folders in solutions/ (default: all)")
    args = parser.parse_args(argv)
    if args.command == "release":
        from .release import ReleaseError, release

        try:
            for path in release(args.assignments or None):
                print(f"released {path}")
        except ReleaseError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
