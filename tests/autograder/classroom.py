"""A fixture class for the grading tests: honest, blank and partial submissions and attacks.

Every submission is generated from the fixture course's release (tests/autograder/fixtures), so it
stays in sync with the notebooks. Each entry says which score every autograded test cell must get:
an attack must earn exactly what its honest part deserves, never more.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path

from autograder import notebooks as nbs
from autograder.config import ROOT, Course
from autograder.sandbox import Limits

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "solutions"
LIMITS = Limits(cell_timeout=6, notebook_timeout=40, memory=2**30, output=2**20, processes=64)
SECRET_ENV = "AUTOGRADER_TEST_SECRET"
SECRET_VALUE = "s3cr3t-token-do-not-leak"

ADD = "def add(a, b):\n    return a + b"
SQUARE = "def square(x):\n    return x * x"
SQUARE_WRONG = "def square(x):\n    return x * 2"
ANSWER = "answer = 42"
NORMALIZE = "def normalize(x):\n    return (x - x.mean()) / x.std()"
RELU = "def relu(x):\n    return np.maximum(x, 0)"

FULL_01 = {"test-add": 1, "test-square": 2, "test-answer": 1}
FULL_02 = {"test-normalize": 2, "test-relu": 1}
ZERO_01 = dict.fromkeys(FULL_01, 0)
ZERO_02 = dict.fromkeys(FULL_02, 0)
ONLY_ADD = {"test-add": 1, "test-square": 0, "test-answer": 0}
ADD_AND_ANSWER = {"test-add": 1, "test-square": 0, "test-answer": 1}


@dataclass
class Submission:
    student: str
    assignment: str
    answers: dict[str, str] = field(default_factory=dict)  # grade_id -> source of the answer cell
    expected: dict[str, float] = field(default_factory=dict)  # grade_id -> score
    transform: str | None = None  # name of a structural change to the notebook
    attack: str | None = None  # what the attack tries (None for honest work)
    leak_probe: bool = False  # the attack puts what it could read into `answer`; it must read nothing
    raw: bytes | None = None  # the file as submitted, when not a notebook
    filename: str | None = None


def _probe(code: str) -> str:
    """An answer cell that runs ``code`` (which appends what it got to ``found``) and submits the
    result as ``answer``; ``answer`` must come out as exactly "LEAK:"."""
    return "found = []\n" + code + "\nanswer = 'LEAK:' + '|'.join(str(x)[:40] for x in found)"


def secrets(course: Course) -> list[str]:
    """Paths a student must not be able to read or write."""
    return [
        str(course.solutions / "01-basics" / "01-basics.ipynb"),
        str(course.db_path),
        str(course.submitted / "honest" / "01-basics" / "01-basics.ipynb"),
        str(course.results / "honest" / "01-basics.json"),
        str(course.cache),
        str(ROOT / "solutions"),
        str(ROOT / "grading" / "gradebook.db"),
        str(ROOT / "tests"),
        "/root/.bash_history",
        "/root/.ssh/id_rsa",
        "/etc/shadow",
        str(Path(__file__).resolve()),
    ]


def submissions(course: Course, port: int) -> list[Submission]:
    s = []
    add = s.append
    # ---- honest work
    add(Submission("honest", "01-basics", {"ex-add": ADD, "ex-square": SQUARE, "ex-answer": ANSWER}, FULL_01))
    add(Submission("honest", "02-arrays", {"ex-normalize": NORMALIZE, "ex-relu": RELU}, FULL_02))
    add(Submission("blank", "01-basics", {}, ZERO_01))
    add(Submission("blank", "02-arrays", {}, ZERO_02))
    add(
        Submission(
            "partial_square",
            "01-basics",
            {"ex-add": ADD, "ex-square": SQUARE_WRONG, "ex-answer": ANSWER},
            ADD_AND_ANSWER,
        )
    )
    add(
        Submission(
            "partial_hidden",
            "01-basics",
            {
                "ex-add": "def add(a, b):\n    if getattr(a, 'size', 3) == 3:\n        return a + b\n"
                "    return a - b",
                "ex-square": SQUARE,
                "ex-answer": "answer = 41",
            },
            {"test-add": 0, "test-square": 2, "test-answer": 0},
        )
    )
    add(
        Submission(
            "partial_arrays",
            "02-arrays",
            {"ex-normalize": NORMALIZE, "ex-relu": "def relu(x):\n    return np.abs(x)"},
            {"test-normalize": 2, "test-relu": 0},
        )
    )
    add(
        Submission(
            "partial_ddof",
            "02-arrays",
            {"ex-normalize": "def normalize(x):\n    return (x - x.mean()) / x.std(ddof=1)", "ex-relu": RELU},
            {"test-normalize": 0, "test-relu": 1},
        )
    )

    def attack(name, square_cell, expected=ONLY_ADD, answer=None, **kw):
        answers = {"ex-add": ADD, "ex-square": square_cell}
        if answer is not None:
            answers["ex-answer"] = answer
        add(Submission(f"attack_{name}", "01-basics", answers, expected, attack=name, **kw))

    # ---- comparison tricks
    attack(
        "always_equal",
        "class Eq:\n    def __eq__(self, other):\n        return True\n"
        "    def __ne__(self, other):\n        return False\n    __hash__ = object.__hash__\n"
        "def square(x):\n    return Eq()\nanswer = Eq()",
    )
    attack(
        "patch_numpy",
        "import numpy as np\nimport numpy.testing\nnp.allclose = lambda *a, **k: True\n"
        "np.array_equal = lambda *a, **k: True\nnp.isclose = lambda a, b, **k: np.ones_like(a, dtype=bool)\n"
        "np.testing.assert_allclose = lambda *a, **k: None\n"
        "np.testing.assert_array_equal = lambda *a, **k: None\n"
        "def square(x):\n    return x + 1\nanswer = 41",
    )
    attack(
        "patch_torch",
        "try:\n    import torch\n    torch.allclose = lambda *a, **k: True\n"
        "    torch.equal = lambda *a, **k: True\n    torch.testing.assert_close = lambda *a, **k: None\n"
        "except Exception:\n    pass\ndef square(x):\n    return x\nanswer = 0",
    )
    attack(
        "patch_math",
        "import math\nmath.isclose = lambda *a, **k: True\nmath.isnan = lambda x: True\n"
        "math.isfinite = lambda x: True\ndef square(x):\n    return 0\nanswer = float('nan')",
    )
    attack(
        "patch_builtins",
        "import builtins, operator\nbuiltins.abs = lambda x: 0\nbuiltins.all = lambda *a: True\n"
        "builtins.any = lambda *a: False\noperator.eq = lambda a, b: True\n"
        "builtins.isinstance = lambda *a: True\n"
        "def square(x):\n    return 7",
    )
    attack(
        "patched_check",
        "import autograder, autograder.checks\n"
        "def check(*args, **kwargs):\n    print('✓ passed')\n"
        "autograder.check = check\nautograder.checks.check = check\n"
        "autograder.checks.compare = lambda *a, **k: None\n"
        "def square(x):\n    return x",
    )
    attack(
        "forged_records",
        "import json, os\npath = os.environ.get('AUTOGRADER_RECORD')\n"
        "tol = {'atol': 1e300, 'rtol': 1e300, 'check_dtype': False}\n"
        "with open(path, 'a') as f:\n"
        "    for name, n in [('square', 2), ('square_hidden', 1), ('answer', 1)]:\n"
        "        for case in range(n):\n"
        "            f.write(json.dumps({'check': name, 'case': case, 'status': 'ok', 'tolerance': tol, "
        "'value': 0}) + '\\n')\n"
        "def square(x):\n    return x * 3\nanswer = 0",
    )
    # ---- reaching the expected answers (issue 9, point 1): the grading sandbox must hold none
    attack(
        "rebind_check",
        "_real_check = check\n"
        "def check(name, answer, cases=None, *, reference=None, expected=None, **kw):\n"
        "    if reference is not None:\n        answer = reference\n"
        "    elif expected is not None:\n        answer = expected\n"
        "    return _real_check(name, answer, cases, reference=reference, expected=expected, **kw)\n"
        "def square(x):\n    return x * 2\nanswer = None",
    )
    attack(
        "patch_checks_module",
        "import sys\nimport autograder.checks as C\n_real_answer = C._answer\n"
        "def _stolen(func, case):\n    frame = sys._getframe(1)\n"
        "    ref, exp = frame.f_locals.get('reference'), frame.f_locals.get('expected')\n"
        "    if ref is not None:\n        func = ref\n"
        "    elif exp is not None:\n        func = exp\n"
        "    return _real_answer(func, case)\n"
        "C._answer = _stolen\nC.to_plain.__globals__['_answer'] = _stolen\n"
        "def square(x):\n    return x * 2\nanswer = None",
    )
    attack(
        "stack_walk",
        "import sys\n"
        "def _steal(name):\n    frame = sys._getframe(1)\n    while frame is not None:\n"
        "        if frame.f_locals.get(name) is not None:\n            return frame.f_locals[name]\n"
        "        frame = frame.f_back\n"
        "def square(x):\n    ref = _steal('reference')\n    return ref(x) if ref is not None else x * 2\n"
        "class Stolen:  # converted to plain data inside check(), where expected= is a local\n"
        "    __module__ = 'tinygrad_ref'\n    def numpy(self):\n        import numpy as np\n"
        "        return np.asarray(_steal('expected'))\n"
        "answer = Stolen()",
    )
    attack(
        "code_object",
        "import autograder.checks as C\n"
        "def _evil(name, answer, cases=None, *, reference=None, expected=None, atol=1e-6, rtol=1e-5,\n"
        "          check_dtype=False, hint=''):\n"
        "    import os\n"
        "    if reference is not None:\n        answer = reference\n"
        "    elif expected is not None:\n        answer = expected\n"
        "    tolerance = {'atol': float(atol), 'rtol': float(rtol), 'check_dtype': bool(check_dtype)}\n"
        "    for i, case in enumerate([_NO_CASE] if cases is None else cases):\n"
        "        _record(os.environ.get(RECORD_ENV), name, i, *_answer(answer, case), tolerance)\n"
        "C.check.__code__ = _evil.__code__\n"
        "def square(x):\n    return x * 2\nanswer = None",
    )
    add(
        Submission(
            "attack_gc_walk",
            "02-arrays",
            {
                "ex-normalize": NORMALIZE,
                "ex-relu": "import gc, types\n"
                "def relu(x):\n    for obj in gc.get_objects():\n"
                "        if isinstance(obj, types.FunctionType) and obj.__name__ == '<lambda>' \\\n"
                "                and 'where' in obj.__code__.co_names:\n"
                "            return obj(x)\n"
                "    return x",
            },
            {"test-normalize": 2, "test-relu": 0},
            attack="gc_walk",
        )
    )
    # ---- one submission must not stop the run (point 2)
    attack(
        "surrogate_error",
        "def square(x):\n    raise ValueError('bad \\ud800 value')",
        answer="answer = 'x\\udfff'",
    )
    add(
        Submission(
            "attack_surrogate_source",
            "01-basics",
            {"ex-add": ADD, "ex-square": SQUARE, "ex-answer": "answer = 6 * 7  # \ud800"},
            {"test-add": 1, "test-square": 2, "test-answer": 0},
            attack="lone surrogate in an answer cell's source",
        )
    )
    add(
        Submission(
            "attack_deep_json",
            "01-basics",
            expected=ZERO_01,
            raw=b'{"cells": [], "metadata": ' + b'{"a": [' * 50_000 + b"]}" * 50_000 + b"}",
            attack="deeply nested JSON",
        )
    )
    # ---- faults charged to the cell that caused them (points 3 and 4)
    add(
        Submission(
            "honest_big_print",
            "01-basics",
            {"ex-add": ADD + "\nprint('x' * (3 * 2**20))", "ex-square": SQUARE, "ex-answer": ANSWER},
            {"test-add": 0, "test-square": 2, "test-answer": 1},
        )
    )
    attack(
        "cell_time_forged_status",
        "import json, time\nstart, k = time.time(), 0\nwhile time.time() - start < 12:\n"
        "    k += 1\n    with open('/work/out/status.jsonl', 'a') as f:\n"
        "        f.write(json.dumps({'start': 1000 + k, 'records': 0}) + '\\n')\n"
        "    print(f'\\x1e\\x1fautograder-cell-end 6 {k:032x}')\n    time.sleep(0.2)\n"
        "def square(x):\n    return x * x",
        answer=ANSWER,
        expected=ADD_AND_ANSWER,
    )
    # ---- hiding failures from the kernel
    attack(
        "input_transformer",
        "get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])\n"
        "get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])",
    )
    attack(
        "ast_transformer",
        "import ast\nclass Drop(ast.NodeTransformer):\n    def visit_Module(self, node):\n"
        "        node.body = [ast.Pass()]\n        return node\n"
        "get_ipython().ast_transformers.append(Drop())",
    )
    attack(
        "showtraceback",
        "ip = get_ipython()\nip.showtraceback = lambda *a, **k: None\n"
        "ip.showsyntaxerror = lambda *a, **k: None\ndef square(x):\n    raise AssertionError('hidden')",
    )
    attack(
        "excepthook",
        "import sys\nsys.excepthook = lambda *a: None\nsys.displayhook = lambda *a: None\n"
        "def square(x):\n    raise AssertionError('hidden')",
    )
    attack(
        "fake_passed",
        "for name in ['add', 'square', 'answer']:\n    print(f'✓ {name}: 3 case(s) passed')\n"
        "print('All tests passed! Score 4/4')\ndef square(x):\n    return -x",
    )
    # ---- killing the kernel
    attack("sys_exit", "import sys\nsys.exit(0)")
    attack("os_exit", "import os\nos._exit(0)")
    attack("self_kill", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    attack("segfault", "import ctypes\nctypes.string_at(0)")
    attack(
        "forged_status",
        "import json, os\nwith open('/work/out/status.jsonl', 'a') as f:\n"
        "    f.write(json.dumps({'end': 7}) + '\\n' + json.dumps({'done': True}) + '\\n')\nos._exit(0)",
    )
    # ---- resources
    attack(
        "infinite_loop", "while True:\n    try:\n        pass\n    except KeyboardInterrupt:\n        pass"
    )
    attack("memory_bomb", "blocks = []\nwhile True:\n    blocks.append(b'x' * (64 * 2**20))")
    attack(
        "memory_bomb_forked",
        "import os, time\nfor _ in range(4):\n    if os.fork() == 0:\n"
        "        block = b'x' * (400 * 2**20)\n        time.sleep(60)\n        os._exit(0)\ntime.sleep(60)",
    )
    attack(
        "fork_bomb",
        "import os, time\nkids = 0\ntry:\n    while kids < 5000:\n        if os.fork() == 0:\n"
        "            time.sleep(30)\n            os._exit(0)\n        kids += 1\nexcept OSError:\n    pass\n"
        "def square(x):\n    return x + 1",
    )
    attack("giant_output", "while True:\n    print('x' * 100000)")
    # ---- changing the notebook around the answers
    add(
        Submission(
            "attack_deleted_tests",
            "01-basics",
            {"ex-add": ADD, "ex-square": SQUARE_WRONG, "ex-answer": ANSWER},
            ADD_AND_ANSWER,
            transform="delete_tests",
            attack="deleted test cells",
        )
    )
    add(
        Submission(
            "attack_edited_tests",
            "01-basics",
            {"ex-add": ADD, "ex-square": SQUARE_WRONG, "ex-answer": ANSWER},
            ADD_AND_ANSWER,
            transform="edit_tests",
            attack="edited test cells",
        )
    )
    add(
        Submission(
            "attack_reordered_tests",
            "01-basics",
            {"ex-add": ADD, "ex-square": SQUARE_WRONG, "ex-answer": ANSWER},
            ADD_AND_ANSWER,
            transform="reorder_tests",
            attack="reordered test cells",
        )
    )
    add(
        Submission(
            "attack_relabelled_tests",
            "01-basics",
            {"ex-add": ADD, "ex-square": SQUARE_WRONG, "ex-answer": ANSWER},
            ADD_AND_ANSWER,
            transform="relabel_tests",
            attack="re-labelled test cells",
        )
    )
    add(
        Submission(
            "attack_points_kernelspec",
            "01-basics",
            {"ex-add": ADD, "ex-square": SQUARE_WRONG},
            ONLY_ADD,
            transform="points_kernelspec",
            attack="changed points and kernelspec",
        )
    )
    # ---- reaching outside the sandbox
    paths = secrets(course)
    read = (
        f"import os\nfor p in {paths!r}:\n    try:\n        if os.path.isdir(p):\n"
        "            found.append(os.listdir(p))\n        else:\n"
        "            found.append(open(p, 'rb').read(40))\n"
        "    except Exception:\n        pass"
    )
    attack("read_secrets", SQUARE_WRONG, answer=_probe(read), leak_probe=True)
    write = (
        f"import os, sqlite3\nfor p in {paths!r}:\n    try:\n"
        "        with open(p if not os.path.isdir(p) else os.path.join(p, 'x'), 'a') as f:\n"
        "            f.write('pwned')\n        found.append('wrote ' + p)\n"
        "    except Exception:\n        pass\n"
        f"try:\n    db = sqlite3.connect({str(course.db_path)!r})\n"
        "    db.execute('update grade set manual_score = 100')\n    db.commit()\n    found.append('db')\n"
        "except Exception:\n    pass"
    )
    attack("write_gradebook", SQUARE_WRONG, answer=_probe(write), leak_probe=True)
    network = (
        f"import socket, urllib.request\nfor host, port in [('127.0.0.1', {port}), ('8.8.8.8', 53), "
        "('1.1.1.1', 443)]:\n    try:\n"
        "        socket.create_connection((host, port), timeout=1).send(b'hi')\n"
        "        found.append(host)\n    except Exception:\n        pass\ntry:\n"
        "    found.append(urllib.request.urlopen('http://example.com', timeout=1).read(10))\n"
        "except Exception:\n    pass"
    )
    attack("network", SQUARE_WRONG, answer=_probe(network), leak_probe=True)
    env = (
        f"import os, glob\nfound += [v for k, v in os.environ.items() if {SECRET_VALUE!r} in v]\n"
        "for p in glob.glob('/proc/*/environ'):\n    try:\n        data = open(p, 'rb').read()\n"
        f"        if {SECRET_VALUE.encode()!r} in data:\n            found.append(p)\n    except Exception:\n"
        "        pass"
    )
    attack("env_secrets", SQUARE_WRONG, answer=_probe(env), leak_probe=True)
    attack(
        "symlink_records",
        "import os\np = os.environ['AUTOGRADER_RECORD']\nos.remove(p)\n"
        "os.symlink('/root/.bash_history', p)\ndef square(x):\n    return x * x",
        expected=ZERO_01,
    )
    # ---- broken files
    add(
        Submission(
            "attack_invalid_json", "01-basics", expected=ZERO_01, raw=b'{"cells": [', attack="invalid JSON"
        )
    )
    add(
        Submission(
            "attack_renamed",
            "01-basics",
            {"ex-add": ADD, "ex-square": SQUARE, "ex-answer": ANSWER},
            ZERO_01,
            filename="01-basics-final.ipynb",
            attack="renamed notebook",
        )
    )
    return s


def _transform(nb, how: str):
    tests = [c for c in nb.cells if nbs.is_graded_test(c)]
    if how == "delete_tests":
        nb.cells = [c for c in nb.cells if not nbs.is_graded_test(c)]
    elif how == "edit_tests":
        for cell in tests:
            cell.source = "print('✓ all passed')"
    elif how == "reorder_tests":
        nb.cells = tests + [c for c in nb.cells if c not in tests]
    elif how == "relabel_tests":
        for cell in tests:
            cell.metadata.nbgrader.update(grade=False, solution=True, grade_id="ex-add", points=0)
            cell.source = "def add(a, b):\n    return 0"
    elif how == "points_kernelspec":
        for cell in tests:
            cell.metadata.nbgrader["points"] = 100
        nb.metadata.kernelspec = {"name": "evil", "display_name": "evil", "language": "python"}
    return nb


def write(course: Course, sub: Submission) -> None:
    folder = course.submitted / sub.student / sub.assignment
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (sub.filename or f"{sub.assignment}.ipynb")
    if sub.raw is not None:
        path.write_bytes(sub.raw)
        return
    nb = copy.deepcopy(nbs.read(course.release / sub.assignment / f"{sub.assignment}.ipynb"))
    for cell in nb.cells:
        gid = nbs.grade_id(cell)
        if gid in sub.answers and nbs.is_solution(cell):
            cell.source = sub.answers[gid]
    if sub.transform:
        nb = _transform(nb, sub.transform)
    path.write_text(json.dumps(nb, indent=1), encoding="ascii")  # JSON escapes carry lone surrogates


def expected_scores(subs: list[Submission]) -> dict[tuple[str, str], dict[str, float]]:
    return {(s.student, s.assignment): s.expected for s in subs}


def scores(result: dict) -> dict[str, float]:
    return {
        gid: c["score"]
        for nb in result["notebooks"].values()
        for gid, c in nb["cells"].items()
        if c["kind"] == "auto"
    }


def dump(result: dict) -> str:
    return json.dumps(result["notebooks"], indent=1)[:4000]
