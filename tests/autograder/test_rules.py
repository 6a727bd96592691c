"""The rule analyser (autograder/rules/): forbidden names through aliases and imports, indirect
access, loops, mutated arguments, helper cells, and check_rules in a real kernel."""

from __future__ import annotations

import keyword
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.checks import RECORD_ENV, CheckFailed
from autograder.rules import RuleError, analyse, check_rules

BROADCAST = ["numpy.broadcast_shapes"]


def breaks(source: str, answer: str = "f", cells: dict | None = None, **rules):
    cells = {"ex-a": textwrap.dedent(source), **(cells or {})}
    return analyse(cells, answer, **rules)


def rules_broken(source: str, **kw) -> list[tuple[str, int]]:
    return [(b.rule, b.line) for b in breaks(source, **kw)]


# ---------------------------------------------------------------- forbid: names through aliases


@pytest.mark.parametrize("source", [
    "import numpy as np\ndef f(a, b):\n    return np.broadcast_shapes(a, b)",
    "def f(a, b):\n    return np.broadcast_shapes(a, b)",  # the notebook's standard alias
    "import numpy\ndef f(a, b):\n    return numpy.broadcast_shapes(a, b)",
    "import numpy as xp\ndef f(a, b):\n    m = xp\n    return m.broadcast_shapes(a, b)",
    "def f(a, b):\n    import numpy as q\n    return q.broadcast_shapes(a, b)",
    "bs = np.broadcast_shapes\ndef f(a, b):\n    return bs(a, b)",
])
def test_forbidden_name_is_found_through_any_alias(source):
    found = breaks(source, forbid=BROADCAST)
    assert found and all(b.rule == "forbid" for b in found)
    assert any("numpy.broadcast_shapes" in b.message for b in found)


def test_from_import_with_alias_is_reported_at_the_import_and_each_use():
    found = breaks("from numpy import broadcast_shapes as bs\ndef f(a, b):\n    return bs(a, b)\n",
                   forbid=BROADCAST)
    assert [(b.rule, b.used, b.line) for b in found] == [
        ("forbid", "numpy.broadcast_shapes", 1), ("forbid", "bs", 3)]


def test_submodule_alias_and_forbidden_prefix():
    source = "from torch.nn import functional as G\ndef f(x):\n    return G.unfold(x, 3)\n"
    assert rules_broken(source, forbid=["torch.nn.functional.unfold"]) == [("forbid", 3)]
    assert rules_broken(source, forbid=["torch.nn"]) == [("forbid", 1), ("forbid", 3)]
    assert rules_broken("def f(x):\n    return F.unfold(x, 3)", forbid=["torch"]) == [("forbid", 2)]
    # a prefix of a name is not the name: numpy.broadcast forbids numpy.broadcast.x, not broadcast_to
    assert breaks("def f(x):\n    return np.broadcast_to(x, (2, 2))", forbid=["numpy.broadcast"]) == []


def test_attribute_chains_and_names_that_only_look_alike():
    assert rules_broken("def f(x):\n    return np.linalg.norm(x)", forbid=["numpy.linalg.norm"]) == [
        ("forbid", 2)]
    clean = "def f(x, broadcast_shapes):\n    y = x.broadcast_shapes\n    return broadcast_shapes(y)"
    assert breaks(clean, forbid=BROADCAST) == []


def test_a_student_variable_shadows_a_standard_alias():
    assert breaks("def f(F):\n    return F.unfold(3)", forbid=["torch"]) == []
    assert breaks("F = 3\ndef f(x):\n    return F + x", forbid=["torch"]) == []


def test_builtins_can_be_forbidden():
    assert rules_broken("def f(x):\n    return sorted(x)", forbid=["sorted"]) == [("forbid", 2)]
    assert rules_broken("def f(x):\n    return sorted(x)", forbid=["builtins.sorted"]) == [("forbid", 2)]
    assert breaks("def f(x, sorted):\n    return sorted(x)", forbid=["sorted"]) == []


def test_star_import_from_a_forbidden_module_is_a_break():
    assert rules_broken("from numpy import *\ndef f(a):\n    return a", forbid=BROADCAST) == [("forbid", 1)]


# ---------------------------------------------------------------- forbid: indirect access


@pytest.mark.parametrize("source", [
    "def f(x):\n    return getattr(np, 'broadcast_' + 'shapes')(x)",
    "def f(x):\n    return getattr(np, 'broadcast_shapes')(x)",
    "def f(x, name):\n    return getattr(x, name)",
    "def f(x):\n    g = getattr\n    return g(np, 'sum')(x)",
    "def f(x):\n    return __import__('numpy').sum(x)",
    "import importlib\ndef f(x):\n    return x",
    "def f(x):\n    return importlib.import_module('numpy').sum(x)",
    "def f(x):\n    return eval('np.sum')(x)",
    "def f(x):\n    exec('y = 1')\n    return x",
    "def f(x):\n    return compile('1', 's', 'eval')",
    "def f(x):\n    return globals()['np'].sum(x)",
    "def f(x):\n    return vars(np)['sum'](x)",
    "def f(x):\n    return np.__dict__['sum'](x)",
    "import sys\ndef f(x):\n    return sys.modules['numpy'].sum(x)",
    "import operator\ndef f(x):\n    return operator.attrgetter('sum')(np)(x)",
    "from operator import methodcaller\ndef f(x):\n    return methodcaller('sum')(x)",
    "def f(x):\n    return __builtins__",
])
def test_indirect_access_breaks_a_forbid_rule(source):
    found = breaks(source, forbid=BROADCAST)
    assert found and all(b.rule == "forbid" for b in found), found


def test_harmless_getattr_is_allowed():
    assert breaks("def f(x):\n    return getattr(x, 'shape')", forbid=BROADCAST) == []
    assert breaks("def f(x):\n    return getattr(x, 'shape')", loops=False, mutate_args=False) == []


@pytest.mark.parametrize("cell", [
    "exec('def f(x):\\n    return sorted(x)')",
    "globals()['f'] = lambda x: [v for v in x]",
    "g = eval('lambda x: x')",
    "import builtins\nbuiltins.len = lambda x: 0",
    "np.sum = lambda x: 0",
    "setattr(np, 'sum', lambda x: 0)",
    "from numpy import *",
    "%run other.py",
])
def test_a_cell_that_can_rebind_names_out_of_sight_is_a_break_under_any_rule(cell):
    # the answer's own cell is clean, but another answer cell could replace what it uses
    cells = {"ex-a": "def f(x):\n    return np.sum(x)", "ex-b": cell}
    for rules in ({"loops": False}, {"mutate_args": False}, {"forbid": BROADCAST}):
        found = analyse(cells, "f", **rules)
        assert found and {b.cell for b in found} == {"ex-b"}, (rules, found)
    assert analyse({"ex-a": "def f(x):\n    return np.sum(x)", "ex-b": "y = 2"}, "f", loops=False) == []


def test_timed_code_is_checked_and_harmless_magics_are_allowed():
    cells = {"ex-a": "%%time\ndef f(x):\n    return [v for v in x]"}
    assert [(b.rule, b.line) for b in analyse(cells, "f", loops=False)] == [("loops", 3)]
    cells = {"ex-a": "%matplotlib inline\n%time h = np.broadcast_shapes\ndef f(x):\n    return h(x)"}
    assert [(b.rule, b.line) for b in analyse(cells, "f", forbid=BROADCAST)] == [("forbid", 2), ("forbid", 4)]
    cells = {"ex-a": "%timeit -n 1 -r 1 [v for v in range(3)]\ndef f(x):\n    return x"}
    assert [(b.rule, b.line) for b in analyse(cells, "f", loops=False)] == [("loops", 1)]


# ---------------------------------------------------------------- loops


@pytest.mark.parametrize("source, line", [
    ("def f(x):\n    s = 0\n    for v in x:\n        s += v\n    return s", 3),
    ("def f(x):\n    while x:\n        x = x[1:]\n    return x", 2),
    ("def f(x):\n    return [v * 2 for v in x]", 2),
    ("def f(x):\n    return {v for v in x}", 2),
    ("def f(x):\n    return {v: v for v in x}", 2),
    ("def f(x):\n    return sum(v for v in x)", 2),
    ("def f(x):\n    return list(map(abs, x))", 2),
    ("def f(x):\n    return np.vectorize(abs)(x)", 2),
    ("async def f(x):\n    async for v in x:\n        pass", 2),
])
def test_every_kind_of_loop_breaks_loops_false(source, line):
    assert ("loops", line) in rules_broken(source, loops=False)
    assert breaks(source) == []  # loops are allowed by default


# ---------------------------------------------------------------- mutated arguments


@pytest.mark.parametrize("statement", [
    "x[0] = 1", "x[0] += 1", "x.data = 1", "x += 1", "del x[0]", "x.sort()", "x.append(1)", "x.fill(0)",
    "x.add_(1)", "x.zero_()", "d.update(a=1)", "np.add(x, 1, out=x)", "np.copyto(x, 0)", "np.add.at(x, 0, 1)",
    "y = x\n    y[0] = 1", "y = x.reshape(-1)\n    y[0] = 1", "y = x[1:]\n    y[:] = 0",
    "y = np.asarray(x)\n    y[0] = 1",
    "for g in d.values():\n        g *= 2", "for g in x:\n        g[0] = 1",
    "torch.nn.init.zeros_(x)", "def inner():\n        x[0] = 1\n    inner()",
])
def test_changing_an_argument_breaks_mutate_args_false(statement):
    source = f"def f(x, d):\n    {statement}\n    return x"
    found = breaks(source, mutate_args=False)
    assert found and all(b.rule == "mutate_args" for b in found), (statement, found)
    assert breaks(source) == []


@pytest.mark.parametrize("statement", [
    "x = x.copy()\n    x[0] = 1", "y = x * 2\n    y[0] = 1", "y = np.array(x)\n    y += 1",
    "z = {}\n    z['a'] = 1",
    "out = np.empty(3)\n    np.add(x, 1, out=out)", "lst = []\n    lst.append(x)", "y = x.sum()",
])
def test_new_objects_may_change(statement):
    assert breaks(f"def f(x, d):\n    {statement}\n    return x", mutate_args=False) == []


def test_a_function_subclass_may_store_on_ctx_but_not_change_its_inputs():
    op = """\
    class Square(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            ctx.scale = 2
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            grad *= 2 * x
            return grad
    """
    assert rules_broken(op, answer="Square", mutate_args=False) == [("mutate_args", 11)]
    assert rules_broken(op, answer="Square", loops=False, forbid=["torch"]) == []


# ---------------------------------------------------------------- helper cells, transitively


def test_rules_follow_helpers_in_other_answer_cells_transitively():
    cells = {
        "ex-a": "def f(a, b):\n    return g(a, b)",
        "ex-b": "def g(a, b):\n    return h(a)",
        "ex-c": "h = lambda a: np.broadcast_shapes(a)",
        "ex-d": "def unrelated():\n    return np.broadcast_shapes((1,), (2,))",
    }
    found = analyse(cells, "f", forbid=BROADCAST)
    assert [(b.cell, b.line) for b in found] == [("ex-c", 1)]


def test_nested_definitions_and_a_later_redefinition_are_checked():
    nested = "def f(x):\n    def inner(y):\n        return [v for v in y]\n    return inner(x)"
    assert rules_broken(nested, loops=False) == [("loops", 3)]
    found = analyse({"ex-a": "def f(x):\n    return x", "ex-b": "def f(x):\n    return sorted(x)"}, "f",
                    forbid=["sorted"])
    assert [(b.cell, b.line) for b in found] == [("ex-b", 2)]


def test_a_cell_that_does_not_parse_is_a_clear_break_not_a_crash():
    found = analyse({"ex-a": "def f(x):\n    return (x"}, "f", forbid=BROADCAST)
    assert [b.rule for b in found] == ["source", "source"]
    assert "does not parse" in found[0].message and "no answer cell defines `f`" in found[1].message
    assert (found[0].cell, found[0].line) == ("ex-a", 2)
    # a helper cell that does not parse defines nothing (the answer then fails on its values)
    helper_broken = {"ex-a": "def f(x):\n    return g(x)", "ex-b": "def g(x:\n  pass"}
    assert analyse(helper_broken, "f", forbid=BROADCAST) == []
    assert analyse({"ex-a": "x = 1"}, "f", loops=False)[0].rule == "source"  # f is defined nowhere
    assert analyse({"ex-a": "def f(x):\n    return x\0"}, "f", loops=False)[0].rule == "source"


def test_ipython_magics_parse():
    assert rules_broken("%time y = 1\ndef f(x):\n    return [v for v in x]", loops=False) == [("loops", 3)]


@pytest.mark.parametrize("bad", [
    {"forbid": "numpy.sum"}, {"forbid": ["numpy sum"]}, {"forbid": [3]}, {"loops": 0}, {"mutate_args": None},
])
def test_instructor_mistakes_in_the_arguments_are_named(bad):
    with pytest.raises(RuleError):
        analyse({"ex-a": "def f(x):\n    return x"}, "f", **bad)


def test_check_rules_does_nothing_when_recording(monkeypatch, tmp_path):
    monkeypatch.setenv(RECORD_ENV, str(tmp_path / "records"))
    check_rules("r", print, forbid=["sorted"])  # not a cell function: would fail interactively
    monkeypatch.delenv(RECORD_ENV)
    with pytest.raises(CheckFailed, match="defined in a notebook cell"):
        check_rules("r", print, forbid=["sorted"])


# ---------------------------------------------------------------- in a real kernel

KERNEL_CELLS = [
    "import numpy as np\nfrom autograder import check_rules",
    "def helper(a):\n    return np.broadcast_shapes(a, a)",
    "def shape_of(a, b):\n    return helper(a)",
    "check_rules('shape_of_rules', shape_of, forbid=['numpy.broadcast_shapes'])",
    "def clean(a):\n    return a\n"
    "check_rules('clean_rules', clean, forbid=['numpy'], loops=False, mutate_args=False)",
    "class Op:\n    @staticmethod\n    def forward(ctx, x):\n        return [v for v in x]",
    "check_rules('op_rules', Op, loops=False)",
    "def helper(a):\n    return a",  # the student fixes the helper: the live object's cell counts
    "check_rules('shape_of_rules', shape_of, forbid=['numpy.broadcast_shapes'])",
    # a function of an instructor's test cell is not the student's
    "def reference(a):\n    return np.broadcast_shapes(a)\ncheck_rules('x_rules', print, forbid=[])",
    "def uses_reference(a):\n    return reference(a)",
    "check_rules('uses_reference_rules', uses_reference, forbid=['numpy.broadcast_shapes'])",
]


def _run_in_kernel(cells: list[str]):
    import nbclient
    import nbformat

    from autograder.config import ROOT

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbclient.NotebookClient(nb, timeout=120, allow_errors=True,
                            resources={"metadata": {"path": str(ROOT)}}).execute()
    return nb


def _output(nb, i: int) -> str:
    return "".join(o.get("text", "") + "\n".join(o.get("traceback", [])) for o in nb.cells[i].outputs)


def test_check_rules_in_a_kernel_reads_the_cells_of_the_live_objects():
    nb = _run_in_kernel(KERNEL_CELLS)

    def output(i):
        return _output(nb, i)

    assert "✗ shape_of_rules: 1 rule break(s)" in output(3)
    assert "numpy.broadcast_shapes" in output(3) and "line 2 of cell [2]" in output(3)
    assert nb.cells[3].outputs[0].get("ename") == "CheckFailed"
    assert output(4).startswith("✓ clean_rules: follows the rules")
    assert "loops: a list comprehension" in output(6) and "line 4 of cell [6]" in output(6)
    assert output(8).startswith("✓ shape_of_rules")
    assert "defined in a notebook cell" in output(9)  # print is not a cell's function
    assert output(11).startswith("✓ uses_reference_rules")


TF_FORBID = "forbid=['tensorflow.reduce_logsumexp', 'tensorflow.math.reduce_logsumexp']"
TF_KERNEL_CELLS = [
    "import tensorflow as tf\nfrom autograder import check_rules",
    "@tf.function\ndef lse(x):\n    return tf.reduce_logsumexp(x)",
    f"check_rules('lse_rules', lse, {TF_FORBID})",
    "@tf.function\ndef lse(x):\n    m = tf.reduce_max(x)\n"
    "    return m + tf.math.log(tf.reduce_sum(tf.exp(x - m)))",
    f"check_rules('lse_rules', lse, {TF_FORBID})",
    "class Model(tf.Module):\n    @tf.function\n    def __call__(self, x):\n        return helper(x)",
    "@tf.function\ndef helper(x):\n    return tf.math.reduce_logsumexp(x)",
    f"check_rules('model_rules', Model, {TF_FORBID})",
]


def test_check_rules_in_a_kernel_reads_tf_function_answers():
    """A ``@tf.function`` (a wrapper object, not a function) is checked on the function it decorates, as
    are tf.function methods and helpers."""
    nb = _run_in_kernel(TF_KERNEL_CELLS)
    assert "✗ lse_rules: 1 rule break(s)" in _output(nb, 2), _output(nb, 2)
    assert "tensorflow.reduce_logsumexp" in _output(nb, 2) and "line 3 of cell [2]" in _output(nb, 2)
    assert _output(nb, 4).startswith("✓ lse_rules"), _output(nb, 4)
    assert "tensorflow.math.reduce_logsumexp" in _output(nb, 7) and "line 3 of cell [7]" in _output(nb, 7)


# ---------------------------------------------------------------- properties

IDENTIFIERS = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True).filter(
    lambda s: not keyword.iskeyword(s) and s not in ("f", "x", "np", "numpy") and not s.startswith("__"))
COMPONENTS = st.lists(st.from_regex(r"[a-z][a-z0-9]{0,5}", fullmatch=True).filter(
    lambda s: not keyword.iskeyword(s)), min_size=1, max_size=3)


@settings(max_examples=30, deadline=None)
@given(alias=IDENTIFIERS)
def test_any_alias_of_a_forbidden_module_is_seen_and_a_parameter_of_that_name_is_not(alias):
    imported = f"import numpy as {alias}\ndef f(x):\n    return {alias}.broadcast_shapes(x)"
    assert [(b.rule, b.line) for b in breaks(imported, forbid=BROADCAST)] == [("forbid", 3)]
    shadowed = f"def f(x, {alias}):\n    return {alias}.broadcast_shapes(x)"
    assert breaks(shadowed, forbid=BROADCAST) == []


@settings(max_examples=30, deadline=None)
@given(module=COMPONENTS, rest=COMPONENTS, cut=st.integers(0, 5))
def test_a_forbidden_name_forbids_exactly_the_names_below_it(module, rest, cut):
    full = ".".join(["numpy", *module, *rest])
    written = "np." + ".".join([*module, *rest])
    parts = full.split(".")
    prefix = ".".join(parts[:max(1, len(parts) - cut)])
    source = f"def f(x):\n    return {written}(x)"
    assert breaks(source, forbid=[prefix])  # the name itself or a name above it
    assert breaks(source, forbid=[full + "x"]) == []  # a longer name is another name
    assert breaks(source, forbid=[full + ".deeper"]) == []  # a name below it is not used


@settings(max_examples=80, deadline=None)
@given(text=st.text(max_size=200))
def test_the_analyser_never_crashes_on_arbitrary_text(text):
    found = analyse({"ex-a": text, "ex-b": "def f(x):\n    return x"}, "f", forbid=BROADCAST, loops=False,
                    mutate_args=False)
    assert all(b.rule in ("forbid", "loops", "mutate_args", "source") for b in found)
