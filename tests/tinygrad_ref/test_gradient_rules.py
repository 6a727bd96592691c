"""Every op is a Function in tinygrad_ref.ops, and its docstring gives both maths for the gradient table."""

import importlib
import pkgutil
from pathlib import Path

import pytest

import tinygrad_ref
from tinygrad_ref import ops
from tinygrad_ref.autograd import Function

ROOT = Path(__file__).resolve().parents[2]


def all_library_functions():
    """Every Function subclass defined anywhere in tinygrad_ref (every submodule imported first)."""
    for info in pkgutil.walk_packages(tinygrad_ref.__path__, "tinygrad_ref."):
        importlib.import_module(info.name)
    found, todo = set(), [Function]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub.__module__.startswith("tinygrad_ref.") and sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


def test_every_function_lives_in_the_ops_package_and_has_a_rule():
    functions = all_library_functions()
    assert len(functions) >= 40
    outside = sorted(f"{f.__module__}.{f.__name__}" for f in functions
                     if not f.__module__.startswith("tinygrad_ref.ops."))
    assert outside == [], "Functions outside tinygrad_ref/ops/"
    rules = ops.gradient_rules()
    assert sorted(r["op"] for r in rules) == sorted(f.__name__ for f in functions)
    assert len({r["op"] for r in rules}) == len(rules), "one name per op"
    assert sorted(ops.__all__) == sorted([f.__name__ for f in functions] + ["functions", "gradient_rule",
                                                                           "gradient_rules"])


@pytest.mark.parametrize("rule", ops.gradient_rules(), ids=lambda r: r["op"])
def test_rule_has_both_maths_and_points_at_the_class(rule):
    assert set(rule) == {"op", "forward", "backward", "module", "path", "line"}
    for side in ("forward", "backward"):
        latex = rule[side]
        assert latex.strip() and "$" not in latex and "\n" not in latex
        assert latex.count("{") == latex.count("}"), f"unbalanced braces in {side}: {latex}"
    assert rule["module"] == getattr(ops, rule["op"]).__module__
    assert rule["path"] == rule["module"].replace(".", "/") + ".py"
    lines = (ROOT / rule["path"]).read_text().splitlines()
    assert lines[rule["line"] - 1].startswith(f"class {rule['op']}(")


def test_a_docstring_without_the_two_lines_is_refused():
    class Undocumented(Function):
        """Doubles its input."""

    with pytest.raises(ValueError, match="Forward: \\$...\\$"):
        ops.gradient_rule(Undocumented)


def test_rules_read_the_math_of_the_docstring():
    rule = ops.gradient_rule(ops.Mul)
    assert rule["forward"] == r"z = x\, y"
    assert rule["backward"] == r"\bar x = \bar z\, y,\quad \bar y = \bar z\, x"
    assert rule["module"] == "tinygrad_ref.ops.elementwise"
    assert rule["path"] == "tinygrad_ref/ops/elementwise.py"
