"""A pre-imported interpreter per grading worker, forked into a fresh sandbox for every notebook run.

Importing PyTorch and TensorFlow costs most of a real notebook's grading time (10-20 s on 2 cores). The
zygote pays it once per grading worker process:

* The trusted worker starts the zygote in its own bubblewrap sandbox (:func:`sandbox.bwrap_command` with
  ``zygote_jobs``: the same read-only code, cleared environment, no network, private /tmp and /dev/shm as
  every sandbox), as root of the machine's user namespace but with only the capabilities it needs to
  build a sandbox per run (``CAP_SYS_ADMIN`` for mounts and namespaces, ``CAP_SETUID``/``CAP_SETGID``,
  ``CAP_NET_ADMIN`` for the run's loopback). It imports the course's heavy modules (:data:`PRELOAD`), runs
  no operation of theirs (so neither has started a thread: a fork copies only the calling thread) and
  never runs any cell: it has never seen student code.
* For each run the worker sends it a request over a Unix socket with the run's two pipes (cells in,
  output out). The zygote forks a *keeper*, which enters new mount, PID, IPC, UTS and network namespaces,
  mounts a fresh tmpfs on /tmp and /dev/shm, binds the job's own folders at /work/job and /work/out and
  detaches the folder of all jobs, then forks the *runner*: PID 1 of the new PID namespace, with a fresh
  /proc. The runner sets the run's rlimits, takes the run's unprivileged user id (``setresuid`` from root
  clears every capability), enters a user namespace of its own in which no further user namespace may be
  created (what ``bwrap --disable-userns`` does today), drops that namespace's capabilities, closes every
  file descriptor but its two pipes, and calls :func:`autograder.runner.main` unchanged. The keeper only
  waits for it and reports how it ended.

What a run cannot see of earlier runs: another process's memory (each run is a separate fork of the
untouched zygote: modules, monkey-patches, environment, atexit hooks, signal handlers, threads and
rlimits die with the run's processes), files (/tmp and /dev/shm are tmpfs mounts of its own mount
namespace, freed with it; /work/job and /work/out are the job's own folders, removed by the worker),
processes (its own PID namespace; every process of the run's user id is killed after the run, as
today), System V IPC and sockets (its own IPC and network namespaces). What it shares with the zygote:
read-only copy-on-write memory pages of the imported modules (a write copies the page into the run) and
the read-only code mounts. The trusted watchdog in :mod:`autograder.sandbox` is unchanged: it finds the
run's processes by user id, charges their proportional set size (a page shared with the zygote counts
1/n), their cell and notebook times and their output, and kills every process of the user id on a
breach; the zygote and the keeper run as root, are not the run's user, are outside its PID namespace, and
survive it.

Only when grading as root (bubblewrap without a user namespace of its own) and with ``AUTOGRADER_ZYGOTE``
unset or not ``0``. A zygote that does not start, dies or answers nonsense is replaced by the fresh
sandbox of :mod:`autograder.sandbox` for the runs that follow (with a logged note), never by anything
unsandboxed.
"""

from __future__ import annotations

import ctypes
import fcntl
import importlib
import json
import logging
import os
import re
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

log = logging.getLogger("autograder")

PRELOAD = (
    "numpy",
    "scipy",
    "torch",
    "tensorflow",
    "keras",
    "matplotlib.pyplot",
    "IPython.core.interactiveshell",
    "autograder.checks",
    "autograder.runner",
    "tinygrad_ref",
)
INSIDE_JOBS = "/work/jobs"  # where the zygote sees the worker's job folders (hidden from each run)
START_TIMEOUT = 600.0  # seconds the worker waits for the zygote's imports before giving up on it

# ---------------------------------------------------------------- the trusted side (grading worker)


def enabled() -> bool:
    """The zygote serves runs when grading as root and ``AUTOGRADER_ZYGOTE`` is not ``0``."""
    return os.environ.get("AUTOGRADER_ZYGOTE", "1") != "0" and os.geteuid() == 0


class ZygoteRun:
    """One run in a forked child, shaped like the ``subprocess.Popen`` the watchdog expects."""

    pid = 0  # no process group of its own to kill: the watchdog kills the run's user id

    def __init__(self, zygote: Zygote, stdin_fd: int, stdout_fd: int):
        self.zygote = zygote
        self.stdin = os.fdopen(stdin_fd, "wb", buffering=0)
        self.stdout = os.fdopen(stdout_fd, "rb", buffering=0)
        self.returncode: int | None = None

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self.returncode = self.zygote.wait_exit(timeout)
        return self.returncode


class Zygote:
    """The trusted handle of one zygote: its bubblewrap process and the socket to it."""

    def __init__(self, uid: int, limits, python: str):
        from . import sandbox

        self.uid, self.python, self.key = uid, python, _key(limits, python)
        self.base = Path(tempfile.mkdtemp(prefix=f"autograder-zygote-{os.getpid()}-"))
        os.chmod(self.base, 0o700)
        self.jobs = self.base / "jobs"
        self.jobs.mkdir(mode=0o700)
        for name, text in (("passwd", "root:x:0:0::/root:/bin/sh\n"), ("group", "root:x:0:\n")):
            (self.base / name).write_text(text)
            os.chmod(self.base / name, 0o644)
        self.sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.log_path = self.base / "zygote.log"
        with open(self.log_path, "wb") as log_file:
            self.proc = subprocess.Popen(
                sandbox.bwrap_command(self.base, uid, limits, python, zygote_fd=theirs.fileno()),
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                preexec_fn=sandbox._set_limits(limits),
                pass_fds=(theirs.fileno(),),
            )
        theirs.close()
        self.ready = False
        self.busy = False

    def start(self) -> bool:
        """Wait until the zygote has imported :data:`PRELOAD`; False if it did not."""
        message = self._receive(START_TIMEOUT)
        self.ready = bool(message and message.get("ready"))
        return self.ready

    def _receive(self, timeout: float | None) -> dict | None:
        """The zygote's next message; None after ``timeout`` seconds; {"dead": ...} when it is gone."""
        ready, _, _ = select.select([self.sock], [], [], timeout)
        if not ready:
            return None
        try:
            data = self.sock.recv(65536)
            message = json.loads(data) if data else {"dead": "the zygote closed its socket"}
        except (OSError, ValueError) as error:
            message = {"dead": f"the zygote's answer was unreadable ({error})"}
        return message if isinstance(message, dict) else {"dead": "the zygote's answer was not an object"}

    def alive(self) -> bool:
        return self.ready and self.proc.poll() is None

    def run(self, job: Path, limits) -> ZygoteRun | None:
        """Start a run of the job folder ``job`` (under :attr:`jobs`); None if the zygote refused."""
        cells_r, cells_w = os.pipe()
        out_r, out_w = os.pipe()
        request = {
            "job": job.name,
            "uid": self.uid,
            "tmp_size": int(limits.tmp_size),
            "shm_size": int(min(limits.tmp_size, 64 * 2**20)),
            "rlimits": _rlimits(limits),
        }
        try:
            socket.send_fds(self.sock, [json.dumps(request).encode()], [cells_r, out_w])
            answer = self._receive(60.0)
        except OSError as error:
            answer = {"dead": str(error)}
        finally:
            os.close(cells_r)
            os.close(out_w)
        if not answer or not answer.get("started"):
            self.busy = False
            os.close(cells_w)
            os.close(out_r)
            self.fail(f"it did not start a run ({answer})")
            return None
        return ZygoteRun(self, cells_w, out_r)

    def wait_exit(self, timeout: float | None) -> int:
        message = self._receive(timeout)
        if message is None:
            raise subprocess.TimeoutExpired("zygote run", timeout)
        self.busy = False
        code = message.get("returncode")
        if isinstance(code, int) and not isinstance(code, bool):
            return code
        self.fail(f"it lost the run ({message})")
        return -9

    def release(self) -> None:
        """After a run: a zygote whose run did not end as the protocol says is not used again, and the
        folder of one that failed goes once its last run is over."""
        if self.busy:
            self.fail("a run ended without its exit status")
        if not self.ready:
            shutil.rmtree(self.base, ignore_errors=True)

    def fail(self, why: str) -> None:
        log.warning("the grading zygote is replaced by a fresh sandbox per run: %s; its log:\n%s", why,
                    self.log_tail())
        self.ready = False
        self.close(keep_jobs=True)  # the run that found it broken still uses its job folder

    def log_tail(self) -> str:
        try:
            return self.log_path.read_bytes()[-2000:].decode("utf-8", "replace")
        except OSError:
            return ""

    def close(self, keep_jobs: bool = False) -> None:
        try:
            self.sock.close()
        except OSError:
            pass
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if not keep_jobs:
            shutil.rmtree(self.base, ignore_errors=True)


def _key(limits, python: str) -> tuple:
    """What a zygote cannot change per run: the rlimits it started under (a run may only lower them), the
    Python and the code it imported (the grader's packages as mounted now: a copy of the checkout gets
    its own zygote)."""
    from . import sandbox

    return tuple(sorted(_rlimits(limits).items())), python, tuple(sandbox._mounts(python))


def _rlimits(limits) -> dict[str, int]:
    return {
        "RLIMIT_NPROC": int(limits.processes),
        "RLIMIT_FSIZE": int(limits.file_size),
        "RLIMIT_CORE": 0,
        "RLIMIT_DATA": int(limits.memory),
        "RLIMIT_NOFILE": int(limits.open_files),
    }


_ZYGOTE: list[Zygote] = []  # this worker process's zygote (at most one)
_REFUSED: set[tuple] = set()  # keys (Python, code, rlimits) whose zygote did not start in this worker
_LOCK = threading.Lock()


def _forget_after_fork() -> None:
    """A forked worker (the grading pool forks) starts its own zygote: its parent's stays the parent's."""
    while _ZYGOTE:
        try:
            _ZYGOTE.pop().sock.close()
        except OSError:
            pass


os.register_at_fork(after_in_child=_forget_after_fork)


def for_run(uid: int, limits, python: str) -> Zygote | None:
    """This worker's live zygote for runs under ``limits`` (started on first use); None to run in a fresh
    sandbox instead (zygote disabled, not root, busy, or one for this Python, code and limits failed to
    start in this worker)."""
    if not enabled() or _key(limits, python) in _REFUSED:
        return None
    with _LOCK:
        if _ZYGOTE and _ZYGOTE[0].busy:
            return None  # one run at a time per zygote: a concurrent one (threads) gets a fresh sandbox
        server = _live(uid, limits, python)
        if server is not None:
            server.busy = True
        return server


def _live(uid: int, limits, python: str) -> Zygote | None:
    current = _ZYGOTE[0] if _ZYGOTE else None
    if current and (not current.alive() or current.key != _key(limits, python) or current.uid != uid):
        _ZYGOTE.pop().close()
    if not _ZYGOTE:
        zygote = Zygote(uid, limits, python)
        if not zygote.start():
            log.warning("the grading zygote did not start; grading in a fresh sandbox per run. Its log:\n%s",
                        zygote.log_tail())
            zygote.close()
            _REFUSED.add(zygote.key)
            return None
        _ZYGOTE.append(zygote)
    return _ZYGOTE[0]


def shutdown() -> None:
    while _ZYGOTE:
        _ZYGOTE.pop().close()


# ---------------------------------------------------------------- inside the zygote's sandbox

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_MOVE, MS_REC, MS_PRIVATE = 32, 4096, 8192, 16384, 1 << 18
MNT_DETACH = 2
PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS = 4, 38

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(_libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None,
                       ctypes.c_ulong(flags), data.encode() if data else None), f"mount {target}")


def _umount(target: str) -> None:
    _check(_libc.umount2(target.encode(), MNT_DETACH), f"umount {target}")


def _unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


def _drop_capabilities() -> None:
    header = struct.pack("Ii", 0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this thread
    data = ctypes.create_string_buffer(24)  # two zeroed __user_cap_data_struct: no capability at all
    _check(_libc.capset(ctypes.c_char_p(header), data), "capset")


def _loopback_up() -> None:
    """``ip link set lo up`` in the run's network namespace (as bubblewrap does)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        request = struct.pack("16sH14s", b"lo", 0, b"")
        flags = struct.unpack("16sH14s", fcntl.ioctl(s, 0x8913, request))[1]  # SIOCGIFFLAGS
        fcntl.ioctl(s, 0x8914, struct.pack("16sH14s", b"lo", flags | 0x1 | 0x40, b""))  # SIOCSIFFLAGS


def _mount_points() -> list[str]:
    with open("/proc/self/mountinfo") as f:
        points = [line.split()[4] for line in f]
    return [re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), p) for p in points]


def _fresh_tmpfs(target: str, size: int, scratch: str) -> None:
    """A new empty tmpfs on ``target``, keeping the read-only mounts that lie below it (an environment
    under /tmp, as bubblewrap mounts it over its own /tmp): the tmpfs is made on the empty mount point
    ``scratch``, those mounts are moved into it, and it is moved onto ``target``."""
    _mount("tmpfs", scratch, "tmpfs", MS_NOSUID | MS_NODEV, f"mode=1777,size={size}")
    below = sorted({p for p in _mount_points() if p.startswith(target + "/")})
    outermost = [p for p in below if not any(p.startswith(q + "/") for q in below)]
    for point in outermost:
        inside = scratch + point[len(target):]
        os.makedirs(inside, mode=0o755, exist_ok=True)
        _mount(point, inside, None, MS_MOVE)
    _mount(scratch, target, None, MS_MOVE)


def _enter_run_namespaces(request: dict) -> None:
    """In the keeper: a mount namespace with the run's own folders and temporary file systems, and new
    PID (for its children), IPC, UTS and network namespaces."""
    _unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET)
    _mount("none", "/", None, MS_REC | MS_PRIVATE)
    job = f"{INSIDE_JOBS}/{os.path.basename(request['job'])}"
    for target, size in (("/tmp", request["tmp_size"]), ("/dev/shm", request["shm_size"])):
        _fresh_tmpfs(target, int(size), scratch="/work/out")
    for source, target, flags in (
        (f"{job}/work", "/work/job", MS_NOSUID | MS_NODEV),
        (f"{job}/out", "/work/out", MS_NOSUID | MS_NODEV),
        (f"{job}/passwd", "/etc/passwd", MS_RDONLY | MS_NOSUID | MS_NODEV),
        (f"{job}/group", "/etc/group", MS_RDONLY | MS_NOSUID | MS_NODEV),
    ):
        _mount(source, target, None, MS_BIND)
        _mount("none", target, None, MS_REMOUNT | MS_BIND | flags)
    _umount(INSIDE_JOBS)
    _loopback_up()


def _become_run(request: dict, keep: tuple[int, int, int]) -> None:
    """In the runner (PID 1 of the new PID namespace): fresh /proc, the run's rlimits and user id, a user
    namespace that forbids new ones, no capabilities, no file descriptor of the zygote."""
    import resource

    _umount("/proc")
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    for part in ("sys", "sysrq-trigger", "irq", "bus"):  # as bubblewrap leaves them: read-only
        if os.path.exists(f"/proc/{part}"):
            _mount(f"/proc/{part}", f"/proc/{part}", None, MS_BIND | MS_REC)
            _mount("none", f"/proc/{part}", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
    # a second /proc, detached at once, through which the user namespace's limit is written below
    os.makedirs("/tmp/.proc", exist_ok=True)
    _mount("proc", "/tmp/.proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    private_proc = os.open("/tmp/.proc", os.O_DIRECTORY | os.O_RDONLY)
    _umount("/tmp/.proc")
    os.rmdir("/tmp/.proc")

    cells, out, report = keep
    os.dup2(cells, 0)
    os.dup2(out, 1)
    os.dup2(out, 2)
    for low, high in _gaps(sorted({2, private_proc, report, 1 << 16})):
        os.closerange(low, high)  # every descriptor of the zygote but these
    os.setsid()
    os.chdir("/work/job")
    for name, value in request["rlimits"].items():
        resource.setrlimit(getattr(resource, name), (value, value))
    uid = int(request["uid"])
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)  # from root to a user id that is not: every capability is cleared
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    _check(_libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), "dumpable")  # its own /proc/self, as after exec
    _unshare(CLONE_NEWUSER)
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{uid} {uid} 1")):
        with open(f"/proc/self/{name}", "w") as f:
            f.write(text)
    fd = os.open("sys/user/max_user_namespaces", os.O_WRONLY, dir_fd=private_proc)
    try:
        os.write(fd, b"0")
    finally:
        os.close(fd)
        os.close(private_proc)
    _drop_capabilities()


def _gaps(kept: list[int]) -> list[tuple[int, int]]:
    return [(a + 1, b) for a, b in zip(kept, kept[1:]) if b > a + 1]


def _init(runner_pid: int, report: int) -> None:
    """PID 1 of the run's PID namespace, as bubblewrap's own init: reap orphans, and when the runner
    ends, report how and exit (which ends every process left in the namespace). The runner is not PID 1
    itself: the kernel would shield it from its own signals (a ``kill -9`` of itself would be ignored)."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)  # so that the output pipe ends when the runner's processes end
    os.close(devnull)
    while True:
        try:
            pid, wait_status = os.wait()
        except ChildProcessError:
            os._exit(0)
        except InterruptedError:
            continue
        if pid == runner_pid:
            code = os.waitstatus_to_exitcode(wait_status)
            code = 128 - code if code < 0 else code  # a signal, worded as bubblewrap's init words it
            os.write(report, str(code).encode())
            os._exit(0)


def _run_in_namespace(request: dict, fds: list[int], report: int) -> None:
    """In the forked child that is PID 1 of the run's namespace: become the run, fork the runner."""
    try:
        _become_run(request, (fds[0], fds[1], report))
        runner_pid = os.fork()
    except BaseException as error:  # noqa: BLE001 - no cell has run: the run ends here, reported
        try:
            os.write(2, f"the sandbox could not start the run: {type(error).__name__}: {error}\n".encode())
        finally:
            os._exit(111)
    if runner_pid != 0:
        _init(runner_pid, report)
    os.close(report)
    from autograder import runner

    sys.argv = [runner.__file__, "/work/out/status.jsonl"]
    try:
        code = runner.main(sys.argv[1:])
    except SystemExit as stop:  # what ``python -m autograder.runner`` would exit with
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:  # noqa: BLE001 - as Python ends on an uncaught exception: traceback, status 1
        code = 1
        try:
            import traceback

            traceback.print_exc()
            sys.stderr.flush()
        except BaseException:  # noqa: BLE001 - the code inside may have broken printing too
            pass
    os._exit(code)


def _serve_run(request: dict, fds: list[int], control: socket.socket) -> None:
    """In the keeper (a fork of the zygote): build the run's sandbox, fork its init, report its end."""
    try:
        _enter_run_namespaces(request)
        report_r, report_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            control.close()
            os.close(report_r)
            _run_in_namespace(request, fds, report_w)
        for fd in fds + [report_w]:
            os.close(fd)
        control.send(json.dumps({"started": True}).encode())
        _, wait_status = os.waitpid(pid, 0)
        reported = os.read(report_r, 64)
        status = int(reported) if reported else os.waitstatus_to_exitcode(wait_status)
    except BaseException as error:  # noqa: BLE001
        try:
            control.send(json.dumps({"started": False, "error": f"{type(error).__name__}: {error}"}).encode())
        except OSError:
            pass
        status = 127
    try:
        control.send(json.dumps({"returncode": status}).encode())
    finally:
        os._exit(0)


def serve(control_fd: int) -> int:
    """The zygote's loop: import :data:`PRELOAD`, then one run per request, one at a time."""
    control = socket.socket(fileno=control_fd)
    loaded = []
    for name in PRELOAD:
        try:
            importlib.import_module(name)
            loaded.append(name)
        except Exception as error:  # noqa: BLE001 - a missing optional library is imported by the run
            print(f"zygote: {name} not preloaded: {type(error).__name__}: {error}", flush=True)
    threads = len(os.listdir("/proc/self/task"))
    if threads != 1:
        control.send(json.dumps({"ready": False, "threads": threads}).encode())
        return 1
    control.send(json.dumps({"ready": True, "modules": loaded}).encode())
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 65536, 2)
        except OSError:
            return 0
        if not message:
            return 0  # the worker is gone
        try:
            request = json.loads(message)
            if len(fds) != 2:
                raise ValueError("a run needs two pipes")
        except ValueError as error:
            for fd in fds:
                os.close(fd)
            control.send(json.dumps({"started": False, "error": str(error)}).encode())
            continue
        keeper = os.fork()
        if keeper == 0:
            _serve_run(request, fds, control)
        for fd in fds:
            os.close(fd)
        os.waitpid(keeper, 0)


if __name__ == "__main__":
    sys.exit(serve(int(sys.argv[1])))
