"""Runs a notebook's code cells one by one inside the grading sandbox (never in the trusted process).

``python -m autograder.runner CELLS STATUS`` reads CELLS, a JSON list of ``[index, source]`` pairs, and
executes each source in one IPython InteractiveShell (so magics work), appending to STATUS one JSON line
when a cell starts and one when it ends, with the size of the record file at that point. The trusted
grader reads STATUS only to know which cell was running when it stopped the sandbox, and, for the
instructor's own solution run, which checks each test cell recorded. Student code can write to STATUS
too; nothing it writes there can raise a score (scores come only from comparing records).
"""

from __future__ import annotations

import json
import os
import sys


def main(argv: list[str]) -> int:
    cells_path, status_path = argv[0], argv[1]
    with open(cells_path, encoding="utf-8") as f:
        cells = json.load(f)
    records = os.environ.get("AUTOGRADER_RECORD", "")
    status = open(status_path, "a", encoding="utf-8", buffering=1)

    def note(**row):
        try:
            row["records"] = os.path.getsize(records) if records and os.path.exists(records) else 0
            status.write(json.dumps(row) + "\n")
            status.flush()
        except (OSError, ValueError):
            pass

    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance(colors="nocolor")
    for index, source in cells:
        note(start=int(index))
        result = shell.run_cell(source, store_history=True)
        error = result.error_before_exec or result.error_in_exec
        note(end=int(index), error=None if error is None else f"{type(error).__name__}: {error}"[:500])
    note(done=True)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    os._exit(main(sys.argv[1:]))
