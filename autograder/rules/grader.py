"""The rules in the trusted grader, outside the sandbox: the instructor's ``check_rules`` calls read as
literals (:func:`rule_calls`, :func:`notebook_rules`), then judged on a student's rebuilt answer cells
(:func:`verdicts`) or on the solution (:func:`solution_problems`). Nothing here runs a notebook.
"""

from __future__ import annotations

import ast

from .analyser import Break, RuleError, analyse, describe, report, validate
from .syntax import import_aliases, parse_cell

RULE_ARGUMENTS = ("name", "answer", "forbid", "loops", "mutate_args")
MAX_CHECKED_CHARS = 500_000  # a larger answer cell is not parsed (it cannot pass a rule)


def _is_rule_call(node) -> bool:
    func = node.func
    return isinstance(node, ast.Call) and (
        (isinstance(func, ast.Name) and func.id == "check_rules")
        or (isinstance(func, ast.Attribute) and func.attr == "check_rules"))


def rule_calls(source: str) -> list[dict]:
    """The ``check_rules(...)`` calls of an instructor's test cell, as plain data: [{"name", "answer",
    "forbid", "loops", "mutate_args", "line"}]. Every argument must be a literal (the answer a plain
    name), so the grader can read them without running anything; :class:`RuleError` otherwise."""
    try:
        tree = parse_cell(source)
    except SyntaxError:
        return []  # the cell fails in the solution's run, which reports it
    calls = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and _is_rule_call(node)):
            continue
        where = f"check_rules(...) on line {node.lineno}"
        if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
            raise RuleError(f"{where} passes *args or **kwargs; write its arguments out")
        if len(node.args) > 2:
            raise RuleError(f"{where}: give forbid=, loops= and mutate_args= as keywords")
        given = dict(zip(RULE_ARGUMENTS, node.args))
        for keyword in node.keywords:
            if keyword.arg not in RULE_ARGUMENTS:
                raise RuleError(f"{where}: unknown argument {keyword.arg}= (it takes "
                                f"{', '.join(RULE_ARGUMENTS)})")
            if keyword.arg in given:
                raise RuleError(f"{where}: {keyword.arg} is given twice")
            given[keyword.arg] = keyword.value
        if "name" not in given or "answer" not in given:
            raise RuleError(f"{where}: give the rule set's name and the answer")
        answer = given["answer"]
        if not isinstance(answer, ast.Name):
            raise RuleError(f"{where}: the answer must be a plain name (the student's function or class), "
                            f"not `{ast.unparse(answer)[:60]}`")
        values = {"loops": True, "mutate_args": True}
        for key in ("name", "forbid", "loops", "mutate_args"):
            if key not in given:
                continue
            try:
                values[key] = ast.literal_eval(given[key])
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                written = ast.unparse(given[key])[:60]
                raise RuleError(f"{where}: {key} must be written as a literal (the trusted grader reads it "
                                f"without running the notebook), not `{written}`") from None
        name, forbid, loops, mutate_args = validate(values["name"], values.get("forbid", ()),
                                                    values["loops"], values["mutate_args"])
        calls.append({"name": name, "answer": answer.id, "forbid": list(forbid), "loops": loops,
                      "mutate_args": mutate_args, "line": node.lineno})
    return calls


def notebook_rules(nb) -> dict[str, list[dict]]:
    """{grade_id: check_rules calls} for every autograded test cell that has some; :class:`RuleError`
    naming the cell for a call the grader cannot read, or a rule set name used twice."""
    from .. import notebooks as nbs

    return nbs.test_cell_calls(nb, rule_calls, RuleError, "rule set name")


def answer_sources(nb) -> dict[str, str]:
    """The code answer cells of a (rebuilt) notebook, in order: {"answer cell <grade_id>": source}."""
    from .. import notebooks as nbs

    return {f"answer cell {nbs.grade_id(c)}": c.source for c in nb.cells
            if c.cell_type == "code" and nbs.is_solution(c)}


def trusted_aliases(nb) -> dict[str, str]:
    """The imports of the instructor's code cells (everything but answer cells)."""
    from .. import notebooks as nbs

    return import_aliases(c.source for c in nb.cells if c.cell_type == "code" and not nbs.is_solution(c))


def breaks_in(nb, call: dict, context: tuple | None = None) -> list[Break]:
    """One ``check_rules`` call checked on a notebook's answer cells (``context``: the notebook's
    ``(answer_sources, trusted_aliases)`` when already computed). Never raises for anything in the
    answers: what cannot be checked is a break of rule "source"."""
    cells, aliases = context or (answer_sources(nb), trusted_aliases(nb))
    for label, source in cells.items():
        if len(source) > MAX_CHECKED_CHARS:
            return [Break("source", call["answer"], 0, label,
                          f"the cell has {len(source)} characters, more than the {MAX_CHECKED_CHARS} "
                          "the grader reads; the rules cannot be checked")]
    try:
        return analyse(cells, call["answer"], forbid=call["forbid"], loops=call["loops"],
                       mutate_args=call["mutate_args"], aliases=aliases)
    except Exception as exc:  # the student's code can be anything; it must not stop the grader
        return [Break("source", call["answer"], 0, "the answer cells",
                      f"the grader could not read them ({type(exc).__name__}); the rules cannot be checked")]


def solution_problems(nb, rules: dict[str, list[dict]]) -> list[str]:
    """The rules the solution notebook itself breaks (an instructor must fix them)."""
    problems = []
    context = (answer_sources(nb), trusted_aliases(nb)) if rules else None
    for gid, calls in rules.items():
        for call in calls:
            for found in breaks_in(nb, call, context):
                problems.append(f"{gid}: the solution breaks its own rule {call['name']}: {found}")
    return problems


def verdicts(rules: dict[str, list[dict]], rebuilt) -> dict[str, list[tuple[str, str | None]]]:
    """{test cell grade id: [(report, reason)]}, one pair per ``check_rules`` call of that cell, judged
    on the student's answer cells of ``rebuilt``: the report a student reads (a ✓ line, or a header and
    one line per break) and, for a broken rule set, the reason that scores the cell 0 (else None)."""
    out: dict[str, list[tuple[str, str | None]]] = {}
    for gid, calls in rules.items():
        for call in calls:
            found = breaks_in(rebuilt, call)
            if found:
                out.setdefault(gid, []).append((report(call["name"], found),
                                                f"rule {call['name']} broken: {found[0]}"))
            else:
                described = describe(call["forbid"], call["loops"], call["mutate_args"])
                out.setdefault(gid, []).append((f"✓ {call['name']}: follows the rules ({described})", None))
    return out
