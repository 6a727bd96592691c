"""Reading the nbgrader structure of a course notebook: solution regions, hidden tests, graded cells."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat

SOLUTION_REGION = re.compile(r"^[ \t]*### BEGIN SOLUTION[^\n]*\n(.*?)^[ \t]*### END SOLUTION", re.S | re.M)
HIDDEN_REGION = re.compile(
    r"^[ \t]*### BEGIN HIDDEN TESTS[^\n]*\n(.*?)^[ \t]*### END HIDDEN TESTS", re.S | re.M)


def read(path: Path | str) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def is_solution(cell) -> bool:
    return bool(nbgrader_meta(cell).get("solution"))


def is_graded_test(cell) -> bool:
    """An autograded test cell: graded, code, not a solution cell."""
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and not meta.get("solution") and cell.cell_type == "code"


def grade_id(cell) -> str | None:
    return nbgrader_meta(cell).get("grade_id")


def secret_text(cell) -> list[str]:
    """The parts of a source cell that students must never see: solution regions (a whole solution
    cell when it has no region, as nbgrader does for markdown answers) and hidden tests."""
    parts = HIDDEN_REGION.findall(cell.source)
    if is_solution(cell):
        regions = SOLUTION_REGION.findall(cell.source)
        parts += regions if regions or cell.cell_type == "code" else [cell.source]
    return parts


def public_text(nb) -> str:
    """Everything in a source notebook outside the secret parts (what a student may see)."""
    chunks = []
    for cell in nb.cells:
        text = cell.source
        for secret in secret_text(cell):
            text = text.replace(secret, "")
        chunks.append(text)
    return "\n".join(chunks)


# "(3 points)", "(written, 2 points)", "(5 points, build)": a parenthesis that states points, anywhere
_POINTS_NOTE = re.compile(r"\s*\([^()]*?\b\d+(?:\.\d+)?\s+points?\b[^()]*\)")
# markdown emphasis and code marks; an underscore inside a name (`confusion_matrix`) is part of it
_MARKUP = re.compile(r"[`*]|(?<!\w)_+|_+(?!\w)")


def heading_title(markdown: str) -> str | None:
    """The last heading of a markdown cell, as plain text without its "(N points)"."""
    headings = [line for line in markdown.splitlines() if re.match(r"^#{1,6}\s", line)]
    if not headings:
        return None
    text = _MARKUP.sub("", headings[-1].lstrip("#").strip())
    return _POINTS_NOTE.sub("", text).strip() or None


def cell_titles(nb) -> dict[str, str]:
    """{grade_id: title} for every graded cell: the heading of the exercise it belongs to (the last
    markdown heading above it); a second graded cell under the same heading gets "(part 2)", and so on.
    Cells without a heading above them keep their grade id."""
    titles: dict[str, str] = {}
    heading, seen = None, {}
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            found = heading_title(cell.source)
            if found and not nbgrader_meta(cell).get("grade"):
                heading = found
        gid = grade_id(cell)
        if not gid or not nbgrader_meta(cell).get("grade"):
            continue
        if heading is None:
            titles[gid] = gid
            continue
        seen[heading] = seen.get(heading, 0) + 1
        titles[gid] = heading if seen[heading] == 1 else f"{heading} (part {seen[heading]})"
    return titles


def exercises(nb) -> dict[str, dict]:
    """Autograded exercises by name: {name: {"solution": cell, "tests": [test cells]}}.

    An exercise ``name`` has a solution cell ``ex-<name>`` and test cells whose grade_id starts with
    ``test-<name>``.
    """
    found: dict[str, dict] = {}
    for cell in nb.cells:
        gid = grade_id(cell) or ""
        if is_solution(cell) and cell.cell_type == "code" and gid.startswith("ex-"):
            found.setdefault(gid[3:], {"solution": None, "tests": []})["solution"] = cell
    for cell in nb.cells:
        gid = grade_id(cell) or ""
        if is_graded_test(cell) and gid.startswith("test-"):
            names = (n for n in found if gid[5:] == n or gid[5:].startswith(n + "-"))
            name = max(names, key=len, default=None)
            if name:
                found[name]["tests"].append(cell)
    return found


def test_cell_calls(nb, read, error: type[Exception], what: str) -> dict[str, list[dict]]:
    """{grade_id: read(source)} for every autograded test cell where ``read`` (the instructor's calls of
    one helper, read from the source as literals: ``rules.rule_calls``, ``capstone.accuracy_calls``) finds
    some. An ``error`` raised by ``read``, or a call name (``what``) used in two cells, is raised again as
    ``error`` naming the cell."""
    found, names = {}, {}
    for index, cell in enumerate(nb.cells):
        if not is_graded_test(cell):
            continue
        gid = grade_id(cell)
        try:
            calls = read(cell.source)
        except error as exc:
            raise error(f"cell {index + 1} ({gid}): {exc}") from None
        for call in calls:
            if names.setdefault(call["name"], gid) != gid:
                raise error(f"cell {index + 1} ({gid}): the {what} {call['name']!r} is also used in "
                            f"{names[call['name']]}; give each its own name")
        if calls:
            found[gid] = calls
    return found


def is_manual(cell) -> bool:
    """A cell graded by hand in formgrader (a written answer): graded and a solution cell."""
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and bool(meta.get("solution"))


def points(cell) -> float:
    try:
        return float(nbgrader_meta(cell).get("points", 0) or 0)
    except (TypeError, ValueError):
        return 0.0


def source_text(cell) -> str:
    """A cell's source as one string, whatever a submitted notebook holds there (a list, or garbage)."""
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(str(s) for s in source)
    return source if isinstance(source, str) else ""


# ---------------------------------------------------------------- what the grading sandbox runs

EXPECTATION_KEYWORDS = ("reference", "expected")  # check() arguments that hold or compute the answer
SANDBOX_CHECK_ARGUMENTS = ("name", "answer", "cases")  # all check() gets in the grading sandbox


class SandboxRewriteError(ValueError):
    """A test cell calls check() in a way the grader cannot strip of its expected answers."""


def _is_check_call(node) -> bool:
    func = node.func
    return isinstance(node, ast.Call) and (
        (isinstance(func, ast.Name) and func.id == "check")
        or (isinstance(func, ast.Attribute) and func.attr == "check")
    )


class _StripChecks(ast.NodeTransformer):
    def __init__(self):
        self.changed = False

    def visit_Call(self, node):
        self.generic_visit(node)
        if not _is_check_call(node):
            return node
        if any(k.arg is None for k in node.keywords) or any(isinstance(a, ast.Starred) for a in node.args):
            raise SandboxRewriteError(
                f"check(...) on line {node.lineno} passes *args or **kwargs; write its arguments out "
                "(name, answer, cases=..., reference=... or expected=...) so the grader can remove the "
                "expected answers from what the student's code runs with"
            )
        args = node.args[:3]
        keywords = [k for k in node.keywords if k.arg in SANDBOX_CHECK_ARGUMENTS]
        if len(args) != len(node.args) or len(keywords) != len(node.keywords):
            node.args, node.keywords, self.changed = args, keywords, True
        return node


def _parse_cell(source: str):
    try:
        return ast.parse(source)
    except SyntaxError:
        pass
    try:  # IPython syntax (magics): the sandbox runs cells in IPython, which transforms them the same way
        from IPython.core.inputtransformer2 import TransformerManager

        return ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError:
        return None  # a cell that does not parse runs nothing in the sandbox either


def _bound(stmt) -> set[str] | None:
    """Names a removable top-level statement binds (definitions and plain assignments), else None."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {stmt.name}
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target] if isinstance(
        stmt, ast.AnnAssign) and stmt.value is not None else None
    if targets is None:
        return None
    names = set()
    for target in targets:
        for node in ast.walk(target):
            if isinstance(node, ast.Name):
                names.add(node.id)
            elif not isinstance(node, (ast.Tuple, ast.List, ast.Store)):
                return None  # an attribute or item assignment changes an object: keep it
    return names


def _loads(node) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _dead(statements: list, always_used: set[str]) -> set[int]:
    """Indexes of removable statements whose names nothing else uses (repeated until nothing changes)."""
    dead: set[int] = set()
    bound = [_bound(s) for s in statements]
    loads = [_loads(s) - (b or set()) for s, b in zip(statements, bound)]
    while True:
        used = set(always_used)
        for i, names in enumerate(loads):
            if i not in dead:
                used |= names
        found = {i for i, b in enumerate(bound) if b and i not in dead and not b & used}
        if not found:
            return dead
        dead |= found


def sandbox_sources(source_nb) -> dict[int, str]:
    """The instructor's code cells as the grading sandbox runs them: {cell index: source}.

    Every ``check(...)`` keeps only the check's name, the answer and the cases: ``reference=`` and
    ``expected=`` (and the tolerance and hint, which the trusted side takes from the solution's run) are
    removed, and so is every top-level definition or assignment that only served them (a helper that
    computes the reference, a variable holding an expected value). The student's code therefore runs
    in a process that holds nothing that contains or computes an expected answer; the trusted grader
    compares its records with the solution's, recorded by the same cells. Solution cells are the
    student's and are not included. Raises :class:`SandboxRewriteError` for a check it cannot strip.
    """
    cells = [(i, c) for i, c in enumerate(source_nb.cells) if c.cell_type == "code"]
    solution_loads: set[str] = set()
    trees: dict[int, ast.Module] = {}
    for index, cell in cells:
        tree = _parse_cell(cell.source)
        if is_solution(cell):
            solution_loads |= _loads(tree) if tree else set(re.findall(r"\w+", cell.source))
        elif tree is not None:
            trees[index] = tree
        else:
            solution_loads |= set(re.findall(r"\w+", cell.source))  # conservative: keep what it names
    statements = [(i, s) for i, tree in trees.items() for s in tree.body]
    before = _dead([s for _, s in statements], solution_loads)
    changed = set()
    for index, tree in trees.items():
        strip = _StripChecks()
        try:
            strip.visit(tree)
        except SandboxRewriteError as exc:
            where = f"cell {index + 1} ({grade_id(source_nb.cells[index])})"
            raise SandboxRewriteError(f"{where}: {exc}") from None
        if strip.changed:
            changed.add(index)
    after = _dead([s for _, s in statements], solution_loads) - before
    removed = {id(statements[k][1]) for k in after}
    out = {}
    for index, tree in trees.items():
        kept = [s for s in tree.body if id(s) not in removed]
        if len(kept) != len(tree.body):
            changed.add(index)
        if index in changed:
            tree.body = kept
            out[index] = ast.unparse(tree) if kept else "pass"
        else:
            out[index] = source_nb.cells[index].source
    for index, cell in cells:
        if not is_solution(cell) and index not in out:
            out[index] = cell.source
    return out


def _is_any_check_call(node) -> bool:
    """check(...) or check_accuracy(...) (autograder/capstone.py): the calls that run the student's code."""
    func = node.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
    return name in ("check", "check_accuracy")


class _SkipChecks(ast.NodeTransformer):
    def visit_Call(self, node):
        self.generic_visit(node)
        if _is_any_check_call(node):
            node.func = ast.parse("lambda *args, **kwargs: None", mode="eval").body
        return node


def skip_checks(source: str) -> str:
    """A test cell that evaluates its checks' arguments (the same inputs, the same random draws) but
    calls no check, so the student's code is not run; "pass" when the cell does not parse."""
    tree = _parse_cell(source)
    if tree is None:
        return "pass"
    return ast.unparse(ast.fix_missing_locations(_SkipChecks().visit(tree)))
