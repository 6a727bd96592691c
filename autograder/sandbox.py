"""Running untrusted notebook code in a bubblewrap sandbox, watched by the trusted process.

What the code inside sees (:func:`bwrap_command`):

* read-only: /usr, the Python installation and the virtual environment (mounted at the path it is used
  under and at its real path), the ``autograder`` and ``tinygrad_ref`` packages this process imported
  (under ``/work/code``, first on PYTHONPATH), and a few files of /etc;
* read-write: ``/work/job`` (its own copy of the assignment folder, the working directory), ``/work/out``
  (where checks append records) a private, size-limited ``/tmp`` and ``/dev/shm``;
* nothing else: not solutions/, not grading/ (gradebook, other students), not the home directory;
* no network (its own network namespace with only a loopback), its own PID, IPC and UTS namespaces, a
  cleared environment, a new session (no terminal), no capabilities, an unprivileged user id of its
  own (so the process limit counts only its processes), and no new user namespaces (bubblewrap >= 0.8).

The cells arrive one at a time over standard input (see :mod:`autograder.runner`): the trusted side
knows which cell runs, since when, and which cell printed each byte, without trusting anything the code
inside writes. Limits (:class:`Limits`): kernel rlimits set before bubblewrap starts (processes, file
size, data segment per process, open files, no core dumps), and a watchdog in the trusted process that
every 50 ms checks the time of the current cell and of the notebook and the bytes of output, every
100 ms (less often while measuring is slow) the memory all the sandbox's processes really use and, for a
notebook with a CPU budget, the CPU time they used (read again at each cell's hand-over), and kills
every process of the sandbox on a breach, recording why and in which cell.

When grading as root, a run is not a new bubblewrap process but a fork of this worker's zygote
(:mod:`autograder.zygote`: an interpreter in a sandbox like this one, with PyTorch and TensorFlow already
imported) that enters namespaces, mounts, user id and rlimits of its own as above; the watchdog is the
same. ``AUTOGRADER_ZYGOTE=0`` starts every run as a new bubblewrap process.
"""

from __future__ import annotations

import json
import os
import resource
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import runner
from .course import HIDDEN_DIR

BWRAP = shutil.which("bwrap") or "/usr/bin/bwrap"
SETPRIV = shutil.which("setpriv") or "/usr/bin/setpriv"
MiB = 2**20
GiB = 2**30
UID_BASE = 300_000  # sandbox user ids are UID_BASE + the worker's pid: unique among live processes
INSIDE_JOB, INSIDE_OUT = "/work/job", "/work/out"
RECORDS_NAME, STATUS_NAME = "records.jsonl", "status.jsonl"


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create namespaces here; grading refuses to run unsandboxed."""


@dataclass(frozen=True)
class Limits:
    """Per-notebook limits. Defaults suit the course (a solution runs in well under 60 s)."""

    cell_timeout: float = 120.0  # seconds of wall-clock time for one cell
    notebook_timeout: float = 600.0  # seconds for the whole notebook, all cells together
    memory: int = 2 * GiB  # bytes of memory for all processes of the sandbox together
    processes: int = 128  # processes and threads of the sandbox's user
    file_size: int = 64 * MiB  # bytes of the largest file it may write
    output: int = 4 * MiB  # bytes written to stdout and stderr together
    tmp_size: int = 256 * MiB  # size of the private /tmp
    open_files: int = 1024
    # the notebook's CPU budget (seconds of user + system time of all the sandbox's processes) for the
    # cells in budget_cells (every code cell of a course notebook: capstone.budget_cells); 0: none
    cpu_budget: float = 0.0
    budget_cells: tuple[int, ...] = ()

    def describe(self) -> str:
        return (
            f"{self.cell_timeout:g} s per cell, {self.notebook_timeout:g} s per notebook, "
            f"{self.memory / GiB:g} GiB memory, {self.processes} processes, "
            f"{self.file_size / MiB:g} MiB per file, {self.output / MiB:g} MiB of output"
        )


@dataclass
class RunResult:
    """What the trusted watchdog saw. ``fault_cell`` is the cell the trusted side had handed over when
    the fault happened (for output, the cell that printed the byte over the limit). ``cell_errors`` and
    ``cell_records`` come from the status file, which the code inside can write: use them to word
    reasons (and, for the instructor's solution, to map records to cells), never to score."""

    completed: bool
    fault: str | None = None
    fault_cell: int | None = None
    cell_errors: dict[int, str] = field(default_factory=dict)
    cell_records: dict[int, tuple[int, int]] = field(
        default_factory=dict
    )  # cell -> record bytes before, after
    records_text: str = ""
    output_tail: str = ""
    elapsed: float = 0.0
    returncode: int | None = None


# ---------------------------------------------------------------- reading what the sandbox wrote


def read_untrusted(path: Path, limit: int) -> bytes:
    """Read at most ``limit`` bytes of a file the sandbox may have replaced: never follow a symlink,
    never block on a FIFO, only read regular files."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return b""
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return b""
        chunks, left = [], limit
        while left > 0:
            chunk = os.read(fd, min(left, MiB))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def parse_status(text: str) -> dict:
    """Status lines -> last started cell, finished cells' errors and record offsets, done flag."""
    started, finished, errors, records, done = None, set(), {}, {}, False
    last_size = 0
    for line in text.splitlines():
        try:
            row = json.loads(line)
            size = int(row.get("records", 0))
        except (ValueError, TypeError, AttributeError):
            continue
        if "start" in row and isinstance(row["start"], int):
            started, last_size = row["start"], size
        elif "end" in row and isinstance(row["end"], int):
            finished.add(row["end"])
            if row.get("error"):
                errors[row["end"]] = str(row["error"])[:500]
            records[row["end"]] = (last_size, size)
        elif row.get("done") is True:
            done = True
    running = started if started is not None and started not in finished else None
    return {"running": running, "errors": errors, "records": records, "done": done}


# ---------------------------------------------------------------- the command


CODE_DIR = "/work/code"  # where the packages the grader imported are mounted (first on PYTHONPATH)
CODE_PACKAGES = ("autograder", "tinygrad_ref")


def _package_dir(name: str) -> str | None:
    """The folder the package ``name`` is imported from in this (trusted) process, symlinks resolved."""
    import importlib.util

    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return os.path.realpath(list(spec.submodule_search_locations)[0])


def _environment(python: str) -> str:
    """The Python environment (virtual environment or installation) that ``python`` belongs to."""
    venv = Path(os.path.abspath(python)).parent.parent
    return str(venv) if (venv / "pyvenv.cfg").is_file() else sys.prefix


def _mounts(python: str) -> list[tuple[str, str]]:
    """(source, path inside) of the read-only mounts for Python: the environment at the path it is used
    under and at its real path (a symlinked .venv works), the base installation, and the code of
    :data:`CODE_PACKAGES` as this process imported it, under :data:`CODE_DIR`."""
    out: list[tuple[str, str]] = []
    for used in (_environment(python), sys.base_prefix):
        used = os.path.abspath(used)
        real = os.path.realpath(used)
        for inside in (used, real):
            if inside == "/usr" or inside.startswith("/usr/") or (real, inside) in out:
                continue
            out.append((real, inside))
    for package in CODE_PACKAGES:
        found = _package_dir(package)
        if found:
            out.append((found, f"{CODE_DIR}/{package}"))
    return out


def _readonly_paths(python: str = sys.executable) -> list[str]:
    return [inside for _, inside in _mounts(python)]


def _parents(path: str) -> list[str]:
    parts = Path(path).parts[1:-1]
    return ["/" + "/".join(parts[: i + 1]) for i in range(len(parts))]


def bwrap_command(
    job: Path, uid: int, limits: Limits, python: str = sys.executable, zygote_fd: int | None = None
) -> list[str]:
    """The bubblewrap command line that runs the in-sandbox runner on ``job``'s cells; with ``zygote_fd``,
    the one that runs a zygote (:mod:`autograder.zygote`) over the job folders under ``job``/jobs, talking
    over that file descriptor."""
    cmd = [
        BWRAP,
        "--unshare-ipc",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--die-with-parent",
        "--new-session",
        "--clearenv",
        "--ro-bind",
        "/usr",
        "/usr",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--perms",
        "1777",
        "--size",
        str(limits.tmp_size),
        "--tmpfs",
        "/tmp",
        # bubblewrap's /dev/shm would be an unlimited tmpfs: memory the watchdog does not see
        "--perms",
        "1777",
        "--size",
        str(min(limits.tmp_size, 64 * MiB)),
        "--tmpfs",
        "/dev/shm",
    ]
    for name in ("bin", "lib", "lib64", "sbin", "lib32"):
        link = Path("/") / name
        if link.is_symlink():
            cmd += ["--symlink", os.readlink(link), str(link)]
        elif link.is_dir():
            cmd += ["--ro-bind", str(link), str(link)]
    for etc in ("/etc/ld.so.cache", "/etc/localtime", "/etc/fonts", "/etc/alternatives", "/etc/matplotlibrc"):
        if os.path.exists(etc):
            cmd += ["--ro-bind", etc, etc]
    cmd += ["--ro-bind", str(job / "passwd"), "/etc/passwd", "--ro-bind", str(job / "group"), "/etc/group"]
    made = {"/usr", "/tmp", "/proc", "/dev"}
    mounts = _mounts(python)
    for path in [inside for _, inside in mounts] + [INSIDE_JOB, INSIDE_OUT]:
        for parent in _parents(path):
            if parent not in made:
                cmd += ["--perms", "0755", "--dir", parent]
                made.add(parent)
    for source, inside in mounts:
        cmd += ["--ro-bind", source, inside]
    if zygote_fd is not None:  # each run binds its own folders over these (autograder/zygote.py)
        cmd += ["--dir", INSIDE_JOB, "--dir", INSIDE_OUT, "--bind", str(job / "jobs"), "/work/jobs"]
    else:
        cmd += ["--bind", str(job / "work"), INSIDE_JOB, "--bind", str(job / "out"), INSIDE_OUT]
    cmd += ["--chdir", INSIDE_JOB]
    env = {
        "PATH": f"{os.path.dirname(python)}:/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp",
        "USER": "student",
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": "/tmp/.matplotlib",
        "IPYTHONDIR": "/tmp/.ipython",
        "XDG_CACHE_HOME": "/tmp/.cache",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "TF_NUM_INTRAOP_THREADS": "1",
        "TF_NUM_INTEROP_THREADS": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "AUTOGRADER_RECORD": f"{INSIDE_OUT}/{RECORDS_NAME}",
        "PYTHONPATH": CODE_DIR,
    }
    for key, value in env.items():
        cmd += ["--setenv", key, value]
    if zygote_fd is not None:
        # root of the machine's user namespace with only what building a sandbox per run takes; each run
        # gives up all of it before its first cell (autograder/zygote.py)
        for cap in ("CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID", "CAP_NET_ADMIN"):
            cmd += ["--cap-add", cap]
        return cmd + ["--", python, "-s", "-P", "-m", "autograder.zygote", str(zygote_fd)]
    # bubblewrap runs as root here (no user namespace, so the user id below is a real, unprivileged one
    # that owns nothing but the job's folders); it keeps only the right to change user ids, which setpriv
    # uses once and drops with every other capability before Python starts.
    if os.geteuid() == 0:
        cmd += [
            "--cap-add",
            "CAP_SETUID",
            "--cap-add",
            "CAP_SETGID",
            "--",
            SETPRIV,
            f"--reuid={uid}",
            f"--regid={uid}",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
        ]
        if disable_userns_supported():
            # no user namespace here to put the limit in: a second bubblewrap, as the unprivileged user,
            # makes one whose children may not create more (bubblewrap >= 0.8)
            cmd += [BWRAP, "--dev-bind", "/", "/", "--unshare-user", "--disable-userns", "--uid", str(uid),
                    "--gid", str(uid), "--die-with-parent", "--"]
    else:
        cmd += ["--unshare-user", "--uid", str(uid), "--gid", str(uid)]
        cmd += ["--disable-userns"] if disable_userns_supported() else []
        cmd += ["--"]
    cmd += [python, "-s", "-P", "-m", "autograder.runner", f"{INSIDE_OUT}/{STATUS_NAME}"]
    return cmd


def bwrap_version() -> tuple[int, ...]:
    try:
        out = subprocess.run([BWRAP, "--version"], capture_output=True, text=True, timeout=10).stdout
        return tuple(int(n) for n in out.split()[-1].split("."))
    except (OSError, ValueError, IndexError, subprocess.SubprocessError):
        return ()


_USERNS: list[bool] = []


def disable_userns_supported() -> bool:
    """bubblewrap >= 0.8 can forbid new user namespaces inside the sandbox (``--disable-userns``)."""
    if not _USERNS:
        _USERNS.append(bwrap_version() >= (0, 8))
    return _USERNS[0]


def sandbox_notes() -> list[str]:
    """What the sandbox cannot enforce on this machine, for the instructor (empty when all is enforced)."""
    if disable_userns_supported():
        return []
    version = ".".join(map(str, bwrap_version())) or "unknown"
    return [
        f"bubblewrap {version} has no --disable-userns (needs >= 0.8): student code may create user "
        "namespaces inside the sandbox (it stays confined to the sandbox's files and has no network); "
        "upgrade bubblewrap to close this"
    ]


def _set_limits(limits: Limits):
    # RLIMIT_NPROC counts every process of a user id: only meaningful when the sandbox has a user id of
    # its own (grading as root); otherwise the watchdog counts the sandbox's processes.
    nproc = limits.processes if os.geteuid() == 0 else resource.RLIM_INFINITY

    def apply():
        os.setsid()
        for kind, value in (
            (resource.RLIMIT_NPROC, nproc),
            (resource.RLIMIT_FSIZE, limits.file_size),
            (resource.RLIMIT_CORE, 0),
            (resource.RLIMIT_DATA, limits.memory),
            (resource.RLIMIT_NOFILE, limits.open_files),
        ):
            resource.setrlimit(kind, (value, value))

    return apply


def check_available() -> None:
    """Raise SandboxUnavailable with what to do when bubblewrap cannot run here."""
    if not os.path.exists(BWRAP):
        raise SandboxUnavailable(
            "bubblewrap (bwrap) is not installed; run `make system-deps` "
            "(apt-get install bubblewrap) and grade again"
        )
    probe = subprocess.run(
        [BWRAP, "--unshare-pid", "--unshare-net", "--die-with-parent", "--ro-bind", "/", "/", "true"],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        raise SandboxUnavailable(
            f"bubblewrap cannot create namespaces here ({probe.stderr.strip()}); grade as "
            "root or enable unprivileged user namespaces (see docs/instructor-guide.md)"
        )
    check_python()


def check_python(python: str = sys.executable) -> None:
    """Raise SandboxUnavailable naming what is wrong when the sandbox's Python cannot import the grader's
    code (a moved or symlinked environment, an editable install of another checkout, ...)."""
    for package in CODE_PACKAGES:
        if _package_dir(package) is None:
            raise SandboxUnavailable(f"the package {package} cannot be imported here; run `make install`")
    run = run_cells([], None, Limits(cell_timeout=60, notebook_timeout=60), python=python)
    if not run.completed:
        mounts = "; ".join(f"{src} at {inside}" if src != inside else src for src, inside in _mounts(python))
        raise SandboxUnavailable(
            f"the sandbox's Python ({python}) does not start the grader's runner ({run.fault}); it was "
            f"given, read-only: {mounts}. Last output:\n{run.output_tail[-1500:]}\nFix the environment "
            "(re-create .venv with `make install`, not as a symlink to a folder that moves) and grade again"
        )


# ---------------------------------------------------------------- watching


def _sandbox_pids(uid: int, root_pid: int | None = None) -> list[int]:
    """The processes of the sandbox: those of its own user id when grading as root, else the
    descendants of ``root_pid`` (bubblewrap)."""
    if os.geteuid() != 0 and root_pid is not None:
        return _descendants(root_pid)
    pids = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if os.stat(f"/proc/{name}").st_uid == uid:
                    pids.append(int(name))
            except OSError:
                pass
    return pids


def _descendants(root_pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(name))
    found, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        for child in children.get(pid, []):
            found.append(child)
            todo.append(child)
    return found


def _memory(pids: list[int], limit: int) -> int:
    """Memory the processes really use, as far as it matters for ``limit``.

    First the sum of their resident sizes (cheap, and never less than what they really use): at or
    under the limit, that is the answer. Over it, the sum of their proportional set sizes from
    /proc/PID/smaps_rollup (a page shared by n processes counts 1/n in each, so the copy-on-write pages
    of forked children count once in all); reading that walks each process's page tables, which takes
    tens of milliseconds for a kernel with PyTorch and TensorFlow loaded, so it is done only then. Where
    smaps_rollup cannot be read: resident minus file-backed shared memory per process, plus the largest
    shared part.
    """
    page = os.sysconf("SC_PAGE_SIZE")
    statm = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm") as f:
                fields = f.read().split()
            statm[pid] = (int(fields[1]), int(fields[2]))
        except (OSError, ValueError, IndexError):
            continue
    resident = sum(r for r, _ in statm.values()) * page
    if resident <= limit:
        return resident
    total, private, shared = 0, 0, 0
    for pid, (rss, share) in statm.items():
        try:
            with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
                total += next(int(line.split()[1]) * 1024 for line in f if line.startswith(b"Pss:"))
        except PermissionError:
            private += max(rss - share, 0)
            shared = max(shared, share)
        except (OSError, ValueError, IndexError, StopIteration):
            continue  # it exited meanwhile: it uses nothing now
    return total + (private + shared) * page


def _cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system) the processes used, with their ended children's (reaped, so counted in
    the parent's cutime and cstime, and no longer a process of their own: nothing is counted twice)."""
    ticks = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ticks += sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
        except (OSError, ValueError, IndexError):
            continue  # it ended meanwhile
    return ticks / os.sysconf("SC_CLK_TCK")


class _CpuBudget:
    """The notebook's CPU budget, on the trusted side: the sandbox's CPU time is read when each cell is
    handed over (:class:`_Cells` calls :meth:`switch`) and in the watchdog's loop; only the time spent
    while a cell of ``limits.budget_cells`` runs counts."""

    def __init__(self, limits: Limits, uid: int, root_pid: int):
        self.seconds, self.cells = limits.cpu_budget, set(limits.budget_cells)
        self.uid, self.root_pid = uid, root_pid
        self.used, self.mark = 0.0, None  # counted so far; the CPU time when the counted cell started
        self.counting: int | None = None  # the counted cell running
        self.breach: int | None = None  # the counted cell that ended over the budget

    def switch(self, following: int | None) -> None:
        now = _cpu_seconds(_sandbox_pids(self.uid, self.root_pid))
        if self.mark is not None:
            self.used += max(now - self.mark, 0.0)
            if self.used > self.seconds and self.breach is None:
                self.breach = self.counting
        counted = following in self.cells
        self.counting, self.mark = (following, now) if counted else (None, None)

    def spent(self, pids: list[int]) -> float:
        mark = self.mark
        return self.used + (max(_cpu_seconds(pids) - mark, 0.0) if mark is not None else 0.0)

    def fault(self) -> str:
        return (f"the notebook used more than {self.seconds:g} s of CPU time (its CPU budget, every cell "
                "counted); this cell was running when the budget ran out")


class _Cells(threading.Thread):
    """Hands the cells to the runner one at a time and reads the sandbox's output (stdout and stderr).

    The runner asks for the first cell with a ready marker and ends each cell with a marker carrying the
    one-time token handed over with it (see :mod:`autograder.runner`). This thread, on the trusted side,
    therefore knows which cell is running (``current``), since when (``since``), and which cell produced
    every byte of output: ``breach`` is the cell whose output crossed the output limit. It keeps the
    last 16 KiB of output for reports.
    """

    def __init__(self, proc: subprocess.Popen, cells: list[tuple[int, str]], output_limit: int):
        super().__init__(daemon=True)
        self.proc, self.cells, self.output_limit = proc, cells, output_limit
        self.position = -1  # -1: the runner is starting; len(cells): every cell has ended
        self.current: int | None = None
        self.since = time.monotonic()
        self.token = b""
        self.total, self.tail, self.pending = 0, b"", b""
        self.breach: int | None = None
        self.finished = False
        self.started = False
        self.on_hand_over = None  # called with the next cell's index (None at the end) before it starts

    def _send(self, data: bytes) -> None:
        try:
            fd = self.proc.stdin.fileno()
            while data:
                data = data[os.write(fd, data):]
        except (OSError, ValueError):
            pass  # the sandbox is gone; the watchdog reports why

    def _hand_over(self) -> None:
        if self.on_hand_over is not None:
            following = self.position + 1
            self.on_hand_over(self.cells[following][0] if following < len(self.cells) else None)
        self.position += 1
        self.since = time.monotonic()
        if self.position >= len(self.cells):
            self.current, self.finished = None, True
            self._send(b"done\n")
            return
        index, source = self.cells[self.position]
        self.current = index
        self.token = secrets.token_hex(16).encode()
        payload = json.dumps([int(index), source]).encode()
        # written by another thread, so that a big cell never blocks this reader; the runner reads the
        # payload at once and the token only after the cell has run
        threading.Thread(
            target=self._send, args=(str(len(payload)).encode() + b"\n" + payload + self.token + b"\n",),
            daemon=True,
        ).start()

    def _marker(self, text: bytes) -> bool:
        if text == b"ready" and self.position == -1:
            self.started = True
            self._hand_over()
            return True
        parts = text.split()
        if (
            len(parts) == 2
            and self.current is not None
            and parts[0] == str(self.current).encode()
            and secrets.compare_digest(parts[1], self.token)
        ):
            self._hand_over()
            return True
        return False

    def _count(self, data: bytes) -> None:
        if not data:
            return
        self.total += len(data)
        self.tail = (self.tail + data)[-16384:]
        if self.total > self.output_limit and self.breach is None:
            self.breach = self.current if self.current is not None else self._last_cell()

    def _last_cell(self) -> int | None:
        return self.cells[min(max(self.position, 0), len(self.cells) - 1)][0] if self.cells else None

    def feed(self, chunk: bytes) -> None:
        data = self.pending + chunk
        self.pending = b""
        mark = runner.END_MARK
        while data:
            at = data.find(mark)
            if at < 0:
                sizes = range(min(len(mark) - 1, len(data)), 0, -1)
                keep = next((k for k in sizes if data.endswith(mark[:k])), 0)
                self._count(data[: len(data) - keep])
                self.pending = data[len(data) - keep:]
                return
            self._count(data[:at])
            end = data.find(b"\n", at)
            if end < 0:
                if len(data) - at <= len(mark) + 64:
                    self.pending = data[at:]
                    return
                end = at + len(mark) + 64  # too long for a marker: plain output
            if not self._marker(data[at + len(mark): end]):
                self._count(data[at: end + 1])
            data = data[end + 1:]

    def run(self):
        fd = self.proc.stdout.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            self.feed(chunk)
        self._count(self.pending)


def run_cells(
    cells: list[tuple[int, str]],
    files,
    limits: Limits,
    workdir: Path | None = None,
    python: str = sys.executable,
) -> RunResult:
    """Run ``cells`` (``(index, source)`` pairs) in a fresh sandbox whose working directory starts as a
    copy of the regular files of ``files`` (a folder or a list of folders, later ones overriding earlier
    ones; notebooks left out: the cells are what runs). Returns what happened; never raises for anything
    the code inside does."""
    from . import zygote as zygotes

    uid = UID_BASE + os.getpid()
    server = zygotes.for_run(uid, limits, python)
    where = server.jobs if server is not None else workdir  # a zygote sees only its own jobs folder
    base = Path(tempfile.mkdtemp(prefix=f"autograder-job-{os.getpid()}-", dir=where))
    os.chmod(base, 0o700)
    try:
        return _run(base, uid, cells, files, limits, python, server)
    finally:
        _kill_uid(uid)
        if server is not None:
            server.release()
        shutil.rmtree(base, ignore_errors=True)


def _run(base: Path, uid: int, cells, files, limits: Limits, python: str, server=None) -> RunResult:
    (base / "work").mkdir()
    (base / "out").mkdir()
    copy_inputs(files, base / "work")
    (base / "passwd").write_text(f"root:x:0:0::/root:/bin/sh\nstudent:x:{uid}:{uid}::/tmp:/bin/sh\n")
    (base / "group").write_text(f"root:x:0:\nstudent:x:{uid}:\n")
    for path in (base / "passwd", base / "group"):
        os.chmod(path, 0o644)
    for root, dirs, names in os.walk(base / "work"):
        for name in dirs + names:
            os.chown(os.path.join(root, name), uid, uid, follow_symlinks=False)
    for path in (base / "work", base / "out"):
        os.chown(path, uid, uid)
        os.chmod(path, 0o700)
    _kill_uid(uid)  # a leftover of an earlier job with the same id (the pid was reused) must not count

    status_path = base / "out" / STATUS_NAME
    start = time.monotonic()
    proc = server.run(base, limits) if server is not None else None  # None: it failed, and is replaced
    proc = proc or subprocess.Popen(
        bwrap_command(base, uid, limits, python),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        preexec_fn=_set_limits(limits),
        close_fds=True,
    )
    stream = _Cells(proc, [(int(i), s) for i, s in cells], limits.output)
    budget = _CpuBudget(limits, uid, proc.pid) if limits.cpu_budget > 0 else None
    stream.on_hand_over = budget.switch if budget else None
    stream.start()
    fault, fault_cell, last_scan, scan_every = None, None, 0.0, 0.1
    while True:
        try:
            proc.wait(timeout=0.05)
            break
        except subprocess.TimeoutExpired:
            pass
        now = time.monotonic()
        running = stream.current
        if stream.breach is not None:
            fault, fault_cell = f"printed more than {limits.output / MiB:g} MiB of output", stream.breach
        elif now - start > limits.notebook_timeout:
            fault = f"the notebook ran longer than its time limit of {limits.notebook_timeout:g} s"
        elif running is not None and now - stream.since > limits.cell_timeout:
            fault = f"the cell ran longer than its time limit of {limits.cell_timeout:g} s"
        elif budget and budget.breach is not None:
            fault, fault_cell = budget.fault(), budget.breach
        elif now - last_scan > scan_every:
            pids = _sandbox_pids(uid, proc.pid)
            used = _memory(pids, limits.memory)
            last_scan = time.monotonic()
            scan_every = max(0.1, 4 * (last_scan - now))  # the watchdog must not slow the notebook down
            if used > limits.memory:
                fault = f"used more than {limits.memory / GiB:g} GiB of memory"
            elif len(pids) > limits.processes + 3:  # + bubblewrap's own processes
                fault = f"started more than {limits.processes} processes"
            elif budget and budget.spent(pids) > limits.cpu_budget:
                fault = budget.fault()
        if fault:
            fault_cell = fault_cell if fault_cell is not None else running
            _kill(proc, uid)
            break
    proc.wait()
    stream.join(timeout=2)
    try:
        proc.stdin.close()
    except OSError:
        pass
    elapsed = time.monotonic() - start
    if fault is None and stream.breach is not None:  # the last bytes arrived as the process ended
        fault, fault_cell = f"printed more than {limits.output / MiB:g} MiB of output", stream.breach
    if fault is None and budget and budget.breach is not None:  # the last counted cell went over it
        fault, fault_cell = budget.fault(), budget.breach
    status = parse_status(read_untrusted(status_path, 8 * MiB).decode("utf-8", "replace"))
    completed = fault is None and stream.finished and proc.returncode == 0
    if fault is None and not completed:
        code = proc.returncode
        how = f"was killed by signal {-code}" if code < 0 else f"exited with status {code}"
        if code >= 128:
            how += f" (signal {code - 128}: {_signal_name(code - 128)})"
        fault, fault_cell = f"the Python process running the notebook {how}", stream.current
        if not stream.started:
            fault = f"the sandbox's Python did not start ({how})"
        elif limits.memory and "MemoryError" in status["errors"].get(fault_cell, ""):
            fault += " after running out of memory"
    records = read_untrusted(base / "out" / RECORDS_NAME, limits.file_size + MiB).decode("utf-8", "replace")
    return RunResult(
        completed=completed,
        fault=fault,
        fault_cell=fault_cell,
        cell_errors=status["errors"],
        cell_records=status["records"],
        records_text=records,
        output_tail=stream.tail.decode("utf-8", "replace"),
        elapsed=elapsed,
        returncode=proc.returncode,
    )


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return "unknown"


def _kill(proc: subprocess.Popen, uid: int) -> None:
    try:
        if proc.pid > 0:  # a zygote's run (pid 0) has no process group here: its user id is killed
            os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass
    _kill_uid(uid)


def _kill_uid(uid: int) -> None:
    """Kill every process of the sandbox's user id (a few rounds: a fork bomb keeps making more)."""
    for _ in range(5):
        pids = _sandbox_pids(uid)
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.02)


def input_files(files, max_bytes: int = 256 * MiB) -> dict[str, Path]:
    """What a job's working folder starts with, as {relative posix path: source file}: each entry of
    ``files`` (a folder, or a list of folders and files) in order, later ones replacing earlier ones; a
    folder's files as :func:`start_files` chooses them, a single file (a hidden split's images,
    autograder/capstone.py) by its name at the top. A later entry replaces an earlier file or folder of
    the same path whole (a submitted folder named like the grader's file cannot survive beside it)."""
    out: dict[str, Path] = {}
    for entry in [files] if isinstance(files, (str, Path)) else files or []:
        entry = Path(entry)
        if entry.is_dir():
            found = start_files(entry, max_bytes)
        elif entry.is_file() and not entry.is_symlink():
            found = [(entry.name, entry)]
        else:
            continue
        for rel, path in found:
            parents = {"/".join(rel.split("/")[:k]) for k in range(1, rel.count("/") + 1)}
            for old in [o for o in out if o in parents or o.startswith(rel + "/")]:
                del out[old]
            out[rel] = path
    return out


def copy_inputs(files, dest: Path) -> None:
    """Copy :func:`input_files` of ``files`` into ``dest`` (a sandbox's working folder)."""
    for rel, path in input_files(files).items():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest / rel, follow_symlinks=False)


def copy_tree(src: Path, dest: Path, max_bytes: int = 256 * MiB) -> None:
    """Copy the files of :func:`start_files` (a sandbox's starting files) from ``src`` into ``dest``."""
    for rel, path in start_files(src, max_bytes):
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest / rel, follow_symlinks=False)


def start_files(src: Path, max_bytes: int = 256 * MiB) -> list[tuple[str, Path]]:
    """The files of ``src`` a sandbox starts with, as (relative posix path, path): regular files only
    (no symlinks, devices or FIFOs), up to ``max_bytes`` in all; no notebooks (the solution's would hold
    the answers), no timestamp.txt, no dot-folders or bytecode caches, and no ``hidden/`` folder (the
    hidden test splits: the labels never enter a sandbox)."""
    total, out = 0, []
    for root, dirs, names in os.walk(src, followlinks=False):
        rel = Path(root).relative_to(src)
        dirs[:] = [
            d
            for d in dirs
            if not d.startswith(".") and d not in ("__pycache__", HIDDEN_DIR)
            and not os.path.islink(os.path.join(root, d))
        ]
        for name in names:
            path = Path(root) / name
            try:
                info = path.lstat()
            except OSError:
                continue
            if not stat.S_ISREG(info.st_mode) or total + info.st_size > max_bytes:
                continue
            if name.endswith(".ipynb") or name == "timestamp.txt":
                continue
            total += info.st_size
            out.append(((rel / name).as_posix(), path))
    return out
