"""The grading zygote (autograder/zygote.py): runs forked from one pre-imported interpreter leave no trace
for the next, get the same limits as a fresh sandbox, and a broken zygote is replaced, never trusted.

Real bubblewrap sandboxes, no mocks. Runs as root only (the zygote's precondition, as in CI).
"""

from __future__ import annotations

import dataclasses
import os
import signal
import tempfile
import time
from pathlib import Path

import pytest

from autograder import sandbox, zygote
from autograder.checks import parse_records
from autograder.sandbox import Limits, run_cells

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="the zygote serves runs only when grading as root"),
    pytest.mark.xdist_group("autograder-zygote"),
]

LIMITS = Limits(cell_timeout=60, notebook_timeout=120, memory=2 * 2**30, output=2**20)

# Every place a submission can write to; each line appends what it managed to leave behind.
WRITE_EVERYWHERE = r'''
import atexit, builtins, ctypes, os, resource, signal, socket, subprocess, sys, threading, time, types
import numpy, torch, autograder.checks
left = []
def attempt(name, action):
    try:
        action()
        left.append(name)
    except Exception as error:
        print("could not", name, error)
for path in ("/tmp/trace", "/dev/shm/trace", "/work/job/trace", os.path.expanduser("~/trace"),
             "/work/out/trace"):
    attempt(path, lambda path=path: open(path, "w").write("trace"))
attempt("mkdir /tmp/.ipython/trace", lambda: os.makedirs("/tmp/.ipython/trace"))
attempt("environ", lambda: os.environ.update(TRACE="1"))
attempt("putenv", lambda: os.putenv("TRACE_PUT", "1"))
attempt("sys.modules", lambda: sys.modules.update(trace_module=types.ModuleType("trace_module")))
attempt("sys.path", lambda: sys.path.insert(0, "/tmp/trace-path"))
attempt("builtins", lambda: setattr(builtins, "TRACE", 1))
attempt("numpy.sum", lambda: setattr(numpy, "sum", lambda *a, **k: "trace"))
attempt("numpy.ndarray", lambda: setattr(numpy, "TRACE", 1))
attempt("torch.ones", lambda: setattr(torch, "ones", lambda *a, **k: "trace"))
attempt("torch.manual_seed", lambda: torch.manual_seed(1234))
attempt("numpy.random", lambda: numpy.random.seed(1234))
attempt("checks.check", lambda: setattr(autograder.checks, "check", lambda *a, **k: "trace"))
attempt("atexit", lambda: atexit.register(lambda: open("/tmp/atexit", "w").write("trace")))
attempt("signal", lambda: signal.signal(signal.SIGTERM, lambda *a: None))
attempt("signal ignore", lambda: signal.signal(signal.SIGUSR1, signal.SIG_IGN))
attempt("rlimit", lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64)))
attempt("umask", lambda: os.umask(0o000))
attempt("chdir", lambda: os.chdir("/tmp"))
def loop():
    while True:
        time.sleep(0.05)
attempt("thread", lambda: threading.Thread(target=loop, daemon=True, name="trace-thread").start())
attempt("process", lambda: subprocess.Popen(
    ["python", "-c", "import time\nwhile True:\n    open('/dev/shm/live', 'w').write('x'); time.sleep(0.05)"],
    start_new_session=True))
def listen():
    server = socket.socket(socket.AF_UNIX)
    server.bind("\0autograder-trace")
    server.listen()
    tcp = socket.socket()
    tcp.bind(("127.0.0.1", 47123))
    tcp.listen()
    globals()["kept"] = (server, tcp)
attempt("sockets", listen)
libc = ctypes.CDLL(None, use_errno=True)
attempt("sysv shm", lambda: None if libc.shmget(0x7ace, 4096, 0o1666) >= 0 else 1 / 0)
time.sleep(0.5)
print("LEFT", sorted(left))
'''

LOOK_FOR_TRACES = r'''
import os, sys
preloaded = sorted(m for m in ("torch", "tensorflow", "numpy") if m in sys.modules)
import atexit, builtins, ctypes, resource, signal, socket, threading
import numpy, torch, autograder.checks
found = []
for path in ("/tmp/trace", "/dev/shm/trace", "/work/job/trace", os.path.expanduser("~/trace"),
             "/work/out/trace", "/tmp/.ipython/trace", "/tmp/atexit", "/dev/shm/live", "/tmp/trace-path"):
    if os.path.exists(path):
        found.append(path)
# anything in these folders is a trace, except the read-only mounts of the environment (a checkout or a
# virtual environment under /tmp is mounted there) and the folders that only lead to them
mounts = set(READONLY_UNDER_TMP)
for top in ("/tmp", "/dev/shm", "/work/job"):
    for root, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if os.path.join(root, d) not in mounts | {"/tmp/.ipython"}]
        leads = {d for d in dirs if any(m.startswith(os.path.join(root, d) + "/") for m in mounts)}
        stray = [n for n in files + dirs if n not in leads]
        if stray:
            found.append(f"listing {root}: {sorted(stray)[:5]}")
if "TRACE" in os.environ or "TRACE_PUT" in os.environ or os.getenv("TRACE_PUT"):
    found.append("environ")
if "trace_module" in sys.modules:
    found.append("sys.modules")
if "/tmp/trace-path" in sys.path:
    found.append("sys.path")
if hasattr(builtins, "TRACE"):
    found.append("builtins")
if numpy.sum([1, 2]) != 3 or hasattr(numpy, "TRACE"):
    found.append("numpy")
if not isinstance(torch.ones(2), torch.Tensor):
    found.append("torch.ones")
if autograder.checks.check.__module__ != "autograder.checks":
    found.append("checks.check")
if torch.initial_seed() == 1234:
    found.append("torch seed")
if any(signal.getsignal(s) is not signal.SIG_DFL for s in (signal.SIGTERM, signal.SIGUSR1)):
    found.append("signal")
if resource.getrlimit(resource.RLIMIT_NOFILE) != (1024, 1024):
    found.append(f"rlimit {resource.getrlimit(resource.RLIMIT_NOFILE)}")
mask = os.umask(0o022)
if mask != 0o022:
    found.append(f"umask {mask:o}")
if os.getcwd() != "/work/job":
    found.append("cwd")
if any(t.name == "trace-thread" for t in threading.enumerate()):
    found.append("thread")
others = [p for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, os.getpid())]  # 1: init
for pid in others:
    try:
        command = open(f"/proc/{pid}/cmdline", "rb").read()
    except OSError:
        continue
    found.append(f"process {pid} {command[:60]!r}")
for family, address in ((socket.AF_UNIX, "\0autograder-trace"), (socket.AF_INET, ("127.0.0.1", 47123))):
    try:
        socket.socket(family).connect(address)
        found.append(f"socket {address!r}")
    except OSError:
        pass
libc = ctypes.CDLL(None, use_errno=True)
if libc.shmget(0x7ace, 0, 0) >= 0:
    found.append("sysv shm")
if open("/proc/self/status").read().count("CapEff:\t0000000000000000") != 1:
    found.append("capabilities")
print("PRELOADED", preloaded)
print("FOUND", found)
'''


def _line(run, prefix: str) -> str:
    lines = [line for line in run.output_tail.splitlines() if line.startswith(prefix)]
    assert lines, run.output_tail
    return lines[-1][len(prefix) + 1:]


def _zygote() -> zygote.Zygote:
    assert zygote._ZYGOTE, "the run did not go through a zygote"
    return zygote._ZYGOTE[0]


def test_a_submission_that_writes_everywhere_leaves_nothing_for_the_next():
    first = run_cells([(0, WRITE_EVERYWHERE)], None, LIMITS)
    assert first.completed, first.output_tail
    left = _line(first, "LEFT")
    for trace in ("/tmp/trace", "/dev/shm/trace", "/work/job/trace", "environ", "sys.modules", "numpy.sum",
                  "torch.ones", "checks.check", "atexit", "signal", "rlimit", "thread", "process", "sockets",
                  "sysv shm", "umask"):
        assert f"'{trace}'" in left, f"the first submission could not leave {trace}: {first.output_tail}"
    server = _zygote()
    assert not sandbox._sandbox_pids(server.uid), "a process of the first run outlived it"
    under_tmp = [p for p in sandbox._readonly_paths() if p.startswith("/tmp/")]
    look = f"READONLY_UNDER_TMP = {under_tmp!r}\n" + LOOK_FOR_TRACES
    second = run_cells([(0, look)], None, LIMITS)
    assert second.completed, second.output_tail
    assert _zygote() is server, "both runs must come from the same zygote"
    assert _line(second, "PRELOADED") == "['numpy', 'tensorflow', 'torch']", "not forked from the zygote"
    assert _line(second, "FOUND") == "[]", second.output_tail


def test_the_runs_of_a_zygote_compute_what_a_fresh_sandbox_computes(monkeypatch):
    cells = [
        (0, "import numpy as np, torch, tensorflow as tf\nfrom autograder import check\n"
            "torch.manual_seed(0)\nx = torch.randn(8, 5)\n"
            "w = tf.random.stateless_normal((5, 3), seed=(1, 2))"),
        (1, "check('torch', lambda a: torch.nn.functional.softmax(a @ a.T, 1).numpy(), cases=[(x,)])"),
        (2, "check('tf', lambda b: tf.nn.relu(tf.matmul(tf.constant(b.numpy()), w)).numpy(), cases=[(x,)])"),
        (3, "from tinygrad_ref import Tensor\n"
            "check('tinygrad', lambda a: (Tensor(a.numpy()) ** 2).sum(1).numpy(), cases=[(x,)])"),
    ]
    forked = run_cells(cells, None, LIMITS)
    assert zygote._ZYGOTE
    monkeypatch.setenv("AUTOGRADER_ZYGOTE", "0")
    fresh = run_cells(cells, None, LIMITS)
    assert forked.completed and fresh.completed, (forked.output_tail, fresh.output_tail)
    assert forked.records_text == fresh.records_text
    assert len(parse_records(forked.records_text)) == 3


def test_a_run_killed_on_a_breach_leaves_the_zygote_serving():
    run_cells([], None, LIMITS)
    server = _zygote()
    # each process under the data rlimit, all together over the memory limit: the watchdog's kill
    bomb = ("import os, time\nfor _ in range(3):\n    if os.fork() == 0:\n"
            "        block = b'x' * (800 * 2**20)\n        time.sleep(60)\n        os._exit(0)\n"
            "time.sleep(60)")
    hog = run_cells([(0, bomb)], None, LIMITS)
    assert not hog.completed and "memory" in hog.fault, hog
    slow = run_cells([(0, "while True:\n    pass")], None, dataclasses.replace(LIMITS, cell_timeout=1))
    assert not slow.completed and "time limit" in slow.fault and slow.fault_cell == 0
    loud = run_cells([(0, "print('x' * 2**21)")], None, LIMITS)
    assert not loud.completed and "output" in loud.fault
    gone = run_cells([(0, "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")], None, LIMITS)
    assert not gone.completed and "signal 9" in gone.fault
    after = run_cells([(0, "print('still', 6 * 7)")], None, LIMITS)
    assert after.completed and "still 42" in after.output_tail
    assert _zygote() is server and server.alive()


def test_a_dead_zygote_is_replaced():
    run_cells([], None, LIMITS)
    server = _zygote()
    os.kill(server.proc.pid, signal.SIGKILL)
    server.proc.wait()
    run = run_cells([(0, "print('ran', 1 + 1)")], None, LIMITS)
    assert run.completed and "ran 2" in run.output_tail
    assert _zygote() is not server and _zygote().alive()


def test_a_zygote_that_does_not_start_leaves_runs_to_the_fresh_sandbox(monkeypatch, caplog):
    zygote.shutdown()
    monkeypatch.setattr(zygote, "START_TIMEOUT", 0.01)  # far too short for its imports
    limits = dataclasses.replace(LIMITS, open_files=1000)  # a key of its own, refused from now on
    runs = [run_cells([(0, "import sys\nprint('torch' in sys.modules)")], None, limits) for _ in range(2)]
    assert all(run.completed and "False" in run.output_tail for run in runs), runs
    assert not zygote._ZYGOTE and "did not start" in caplog.text
    assert not list(Path(tempfile.gettempdir()).glob(f"autograder-zygote-{os.getpid()}-*"))


def test_switched_off_no_zygote_is_started(monkeypatch):
    zygote.shutdown()
    monkeypatch.setenv("AUTOGRADER_ZYGOTE", "0")
    started = time.monotonic()
    run = run_cells([(0, "import sys\nprint('torch' in sys.modules)")], None, LIMITS)
    assert run.completed and "False" in run.output_tail and not zygote._ZYGOTE, time.monotonic() - started


@pytest.mark.slow
@pytest.mark.xdist_group("autograder-class")
def test_the_class_grades_the_same_through_the_zygote_as_in_fresh_sandboxes(graded_class, released, tmp_path,
                                                                             monkeypatch):
    from . import classroom, conftest
    from .test_class import FAULTS

    assert zygote.enabled(), "graded_class must have been graded through zygotes (the default as root)"
    monkeypatch.setenv("AUTOGRADER_ZYGOTE", "0")
    done = conftest._grade_class(tmp_path / "fresh", released)
    assert done["summary"]["failures"] == [] and done["connection"] is False
    fresh = {(r["student"], r["assignment"]): r for r in done["summary"]["results"]}
    forked = graded_class["results"]
    assert len(forked) >= 30 and set(fresh) == set(forked)
    for key in fresh:
        assert classroom.scores(fresh[key]) == classroom.scores(forked[key]), key
    # the reasons too (faults worded alike), but for those that depend on the load (test_class's pinned test)
    free = {s for s, words in FAULTS.items() if "|" in words} | {"attack_deep_json", "attack_patch_torch"}
    for key in sorted(k for k in fresh if k[0] not in free):
        assert _reasons(fresh[key]) == _reasons(forked[key]), key


def _reasons(result: dict) -> dict:
    return {(name, gid): cell["reason"] for name, nb in result["notebooks"].items()
            for gid, cell in nb["cells"].items()} | {name: [f["reason"] for f in nb["faults"]]
                                                     for name, nb in result["notebooks"].items()}
