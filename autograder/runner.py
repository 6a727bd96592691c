"""Runs a notebook's code cells one by one inside the grading sandbox (never in the trusted process).

``python -m autograder.runner STATUS`` receives the cells from the trusted process on standard input, one
at a time: the trusted side hands over a cell (a length line, then ``[index, source]`` as JSON) followed by
a one-time token, and hands over the next cell only when it reads, in the sandbox's own output stream, the
end marker of the current cell carrying that token. The runner reads the token from the pipe only after the
cell has run, so while a cell runs the token is not in the process's memory: the trusted side's clock for
a cell starts at its hand-over and cannot be reset by the code inside, and all output between two markers
belongs to exactly one cell. Cells execute in one IPython InteractiveShell (so magics work); standard input
is /dev/null for them, as in a kernel without a front end.

STATUS gets one JSON line when a cell starts and one when it ends (its error, the size of the record file).
The trusted grader reads it to word reasons and, for the instructor's own solution run, to know which
checks each test cell recorded; student code can write to it too, and nothing it writes there can raise a
score or move a limit.
"""

from __future__ import annotations

import json
import os
import sys

END_MARK = b"\x1e\x1fautograder-cell-end "
READY = END_MARK + b"ready\n"
TOKEN_BYTES = 33  # 32 hex digits and a newline


def _read_line(fd: int, limit: int = 32) -> bytes:
    line = b""
    while not line.endswith(b"\n") and len(line) < limit:
        byte = os.read(fd, 1)
        if not byte:
            break
        line += byte
    return line.strip()


def _read_exact(fd: int, size: int) -> bytes:
    chunks, left = [], size
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def main(argv: list[str]) -> int:
    status_path = argv[0]
    control = os.dup(0)  # the hand-over pipe; the cells' own stdin is /dev/null
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
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
    os.write(1, READY)
    while True:
        header = _read_line(control)
        if not header.isdigit():
            break  # b"done", or the pipe was closed
        index, source = json.loads(_read_exact(control, int(header)))
        note(start=int(index))
        result = shell.run_cell(source, store_history=True)
        error = result.error_before_exec or result.error_in_exec
        note(end=int(index), error=None if error is None else f"{type(error).__name__}: {error}"[:500])
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # the cell may have replaced or closed them
                pass
        token = _read_exact(control, TOKEN_BYTES)
        os.write(1, END_MARK + str(int(index)).encode() + b" " + token)
    note(done=True)
    return 0


if __name__ == "__main__":
    os._exit(main(sys.argv[1:]))
