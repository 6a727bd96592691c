"""``check_rules`` in the student's kernel: the answer's cells found through the live objects.

IPython keeps every cell's source in ``linecache``; a function's code object names its cell's file, so
the cells of the answer and of the functions and classes it uses are read from there and checked with
:func:`.analyser.analyse`. Inside the grading sandbox (record mode) ``check_rules`` does nothing.
"""

from __future__ import annotations

import ast
import inspect
import linecache
import os
import re

from ..checks import RECORD_ENV, CheckFailed
from .analyser import analyse, describe, report, validate
from .syntax import parse_cell


def _unwrap(obj):
    """The Python function a decorator wraps (``tf.function``'s ``python_function``, ``functools.wraps``'
    ``__wrapped__``), or ``obj`` itself: the source to read is the function the student wrote."""
    for _ in range(20):  # a wrapper of a wrapper ..., never forever (an object may make new ones)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            break
        try:
            inner = getattr(obj, "python_function", None) or getattr(obj, "__wrapped__", None)
        except Exception:  # any object of the kernel: its attribute lookup may raise anything
            return obj
        if inner is None:
            break
        obj = inner
    return obj


def _cell_file(obj) -> str | None:
    """The linecache file name of the cell that defined a function or class (None when not a cell)."""
    codes = []
    obj = _unwrap(obj)
    if inspect.isfunction(obj):
        codes.append(obj.__code__)
    elif inspect.isclass(obj):
        for value in vars(obj).values():
            value = _unwrap(getattr(value, "__func__", value))
            if inspect.isfunction(value):
                codes.append(value.__code__)
            elif isinstance(value, property) and value.fget is not None:
                codes.append(getattr(value.fget, "__code__", None))
    for code in codes:
        if code is None:
            continue
        filename = code.co_filename
        if filename in linecache.cache or filename.startswith("<ipython-input"):
            if _is_cell_file(filename):
                return filename
    return None


def _is_cell_file(filename: str) -> bool:
    """A file name IPython gives a cell (ipykernel's /tmp/ipykernel_<pid>/<hash>.py, IPython's
    <ipython-input-N-hash>), as opposed to a module on disk."""
    return bool(re.search(r"ipykernel_\d+[/\\]\d+\.py$", filename) or filename.startswith("<ipython-input")
                or (filename.startswith("<") and filename.endswith(">") and filename in linecache.cache))


def _cell_source(filename: str) -> str:
    return "".join(linecache.getlines(filename))


def _cell_label(source: str, namespace: dict, fallback: str) -> str:
    history = namespace.get("In") or namespace.get("_ih") or []
    for number in range(len(history) - 1, 0, -1):
        if isinstance(history[number], str) and history[number].strip() == source.strip():
            return f"cell [{number}]"
    return fallback


def kernel_cells(answer, namespace: dict) -> tuple[dict[str, str], str]:
    """The cells to check in a live kernel: the answer's cell and the cells of the functions and
    classes it uses, found through the objects in ``namespace``. Returns ({label: source}, name)."""
    answer = _unwrap(answer)
    name = getattr(answer, "__name__", None)
    filename = _cell_file(answer)
    if not name or filename is None:
        kind = type(answer).__name__
        raise CheckFailed(f"✗ check_rules: the answer must be a function or class defined in a notebook "
                          f"cell, got {kind} {getattr(answer, '__name__', '')!s}".rstrip())
    files: dict[str, str] = {}
    todo = [(filename, name)]
    while todo:
        path, defined = todo.pop(0)
        if path in files.values():
            continue
        source = _cell_source(path)
        label = _cell_label(source, namespace, f"the cell defining {defined}")
        files[label] = path
        try:
            tree = parse_cell(source)
        except SyntaxError:
            continue
        loaded = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        for used in sorted(loaded):
            other = _cell_file(namespace.get(used))
            if other and other not in files.values() and not _is_test_cell(_cell_source(other)):
                todo.append((other, used))
    return {label: _cell_source(path) for label, path in files.items()}, name


def _is_test_cell(source: str) -> bool:
    """A cell that calls check() or check_rules(): an instructor's test cell, whose helpers are not the
    student's (the grader checks answer cells only)."""
    try:
        tree = parse_cell(source)
    except SyntaxError:
        return False
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
               and n.func.id in ("check", "check_rules") for n in ast.walk(tree))


def kernel_aliases(namespace: dict) -> dict[str, str]:
    """The modules and imported functions the kernel's global names stand for."""
    found = {}
    for key, value in list(namespace.items()):
        if key.startswith("_") or not isinstance(key, str):
            continue
        if inspect.ismodule(value):
            found[key] = value.__name__
    return found


def check_rules(name: str, answer, *, forbid=(), loops: bool = True, mutate_args: bool = True) -> None:
    """Check that an answer follows the exercise's rules, by reading its source (see module docstring).

    Args:
        name: names the rule set in reports; unique in the notebook, like a check's name.
        answer: the student's function or class, written as a plain name.
        forbid: fully qualified names the answer may not use (``"numpy.broadcast_shapes"``,
            ``"torch.nn.functional.unfold"``, ``"sorted"``); a name forbids everything below it. Non-empty
            ``forbid`` also forbids indirect access (``getattr`` with a computed name, ``eval``, ...).
        loops: False forbids ``for``, ``while``, comprehensions and generator expressions.
        mutate_args: False forbids changing an argument (item or attribute assignment, in-place methods,
            ``out=``).

    In the student's kernel: prints ``✓ name: follows the rules (...)`` or raises ``CheckFailed`` with
    one line per break. Inside the grading sandbox it does nothing: the trusted grader checks the rules
    from the test cell's source.
    """
    name, forbid, loops, mutate_args = validate(name, forbid, loops, mutate_args)
    if os.environ.get(RECORD_ENV):
        return
    frame = inspect.currentframe().f_back
    namespace = dict(frame.f_globals) if frame is not None else {}
    cells, answer_name = kernel_cells(answer, namespace)
    aliases = kernel_aliases(namespace)
    breaks = analyse(cells, answer_name, forbid=forbid, loops=loops, mutate_args=mutate_args,
                     aliases=aliases)
    if breaks:
        raise CheckFailed(report(name, breaks))
    print(f"✓ {name}: follows the rules ({describe(forbid, loops, mutate_args)})")
