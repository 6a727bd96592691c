"""Looking at the graph behind a tensor (``nodes``, ``draw``, ``to_dot``) and replaying it (``trace``).

Each op output records ``(function, parents, attrs)`` (see autograd.Function.apply), so the graph is
already a program: ``trace(fn, *inputs)`` runs ``fn`` once, keeps the ops between the inputs and the
outputs, and replays those Functions on new inputs without running ``fn``'s Python again.
"""

from dataclasses import dataclass, field

import numpy as np

from . import autograd
from .tensor import Tensor


@dataclass
class Node:
    """One tensor of a graph. ``parents`` are indices into the same node list."""

    index: int
    op: str | None  # the Function's name; None for a leaf (an input, a parameter, a constant)
    shape: tuple
    dtype: np.dtype
    parents: tuple = ()
    kind: str = "op"  # "op", "leaf"; in a TracedGraph "input" or "captured"
    attrs: dict = field(default_factory=dict)
    requires_grad: bool = False

    @property
    def label(self):
        return self.op or self.kind

    def describe(self):
        """``Mul(%0, %1)`` / ``input 0`` / ``captured``, then shape and dtype."""
        args = [f"%{p}" for p in self.parents] + [f"{k}={v!r}" for k, v in self.attrs.items()]
        what = self.kind if self.op is None else f"{self.op}({', '.join(args)})"
        grad = " requires_grad" if self.requires_grad else ""
        return f"%{self.index} = {what:<40} {self.shape} {self.dtype}{grad}"


def _as_list(tensors):
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def nodes(tensor):
    """The graph that produced ``tensor`` (or a list of tensors) as ``Node``s in topological order."""
    order = autograd.topological_order(_as_list(tensor))
    index = {id(t): i for i, t in enumerate(order)}
    return [Node(i, t.op, t.shape, t.dtype, tuple(index[id(p)] for p in t._parents),
                 "leaf" if t._fn is None else "op", dict(t._attrs or {}), t.requires_grad)
            for i, t in enumerate(order)]


def _node_list(graph):
    return graph if isinstance(graph, list) else nodes(graph)


def _text(node):
    return f"{node.label}\n{node.shape} {node.dtype}"


def to_dot(graph):
    """Graphviz DOT source for a tensor's graph (or a node list); paste it into any DOT viewer."""
    lines = ["digraph tinygrad_ref {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];']
    for n in _node_list(graph):
        style = ', style=filled, fillcolor="#dde8f7"' if n.op is None else ""
        label = _text(n).replace('"', "'").replace("\n", "\\n")
        lines.append(f'  n{n.index} [label="{label}"{style}];')
        lines += [f"  n{p} -> n{n.index};" for p in n.parents]
    return "\n".join(lines + ["}"])


def draw(graph, ax=None):
    """Draw a tensor's graph (or a node list) with matplotlib: each op one column to the right of its
    deepest parent, each leaf one column left of its first user. Returns the Figure."""
    import matplotlib.pyplot as plt

    node_list = _node_list(graph)
    depth = {}
    for n in node_list:
        depth[n.index] = 1 + max((depth[p] for p in n.parents), default=-1)
    for n in reversed(node_list):  # a leaf sits just left of its first consumer
        users = [depth[m.index] for m in node_list if n.index in m.parents]
        if not n.parents and users:
            depth[n.index] = min(users) - 1
    columns = {}
    for n in node_list:
        columns.setdefault(depth[n.index], []).append(n.index)
    pos = {i: (d, -row + (len(col) - 1) / 2) for d, col in columns.items() for row, i in enumerate(col)}
    tallest = max((len(c) for c in columns.values()), default=1)
    if ax is None:
        _, ax = plt.subplots(figsize=(max(4, 2.4 * len(columns)), max(2.0, 1.1 * tallest)))
    for n in node_list:
        for p in n.parents:
            ax.annotate("", xy=pos[n.index], xytext=pos[p],
                        arrowprops=dict(arrowstyle="->", color="gray", shrinkA=22, shrinkB=22))
    for n in node_list:
        color = "#dde8f7" if n.op is None else "#fbe7c6"
        ax.text(*pos[n.index], _text(n), ha="center", va="center", fontsize=8,
                bbox=dict(boxstyle="round", fc=color, ec="gray"))
    ax.set_xlim(-0.7, len(columns) - 0.3)
    ax.set_ylim(-tallest / 2 - 0.2, tallest / 2 + 0.2)
    ax.axis("off")
    return ax.figure


def trace(fn, *example_inputs):
    """Run ``fn(*example_inputs)`` once, recording its ops, and return a ``TracedGraph`` that replays them.

    Python in ``fn`` (prints, appends, ifs, loops) runs only now: the replay sees only the recorded ops.
    Tensors that ``fn`` uses but did not compute from its inputs (parameters, constants) are captured by
    reference, so a replay uses their current values. Things that are not ops are frozen at trace time:
    random numbers drawn inside ``fn`` (e.g. a dropout mask), and anything computed on ``.data`` directly.
    """
    inputs = tuple(x if isinstance(x, Tensor) else Tensor(x) for x in example_inputs)
    recorded = []
    previous, autograd._recorder = autograd._recorder, recorded
    try:
        outputs = fn(*inputs)
    finally:
        autograd._recorder = previous
    return TracedGraph(fn, inputs, outputs, recorded)


class TracedGraph:
    """The ops of one call of ``fn``, replayable: ``graph(*new_inputs)`` (same number and shapes).

    ``.nodes`` lists inputs, captured tensors and ops in topological order; ``print(graph)`` shows them,
    ``.draw()`` and ``.to_dot()`` draw them. Replays build a normal graph, so ``backward`` works on them.
    """

    def __init__(self, fn, inputs, outputs, recorded):
        self.name = getattr(fn, "__name__", "fn")
        self._single = isinstance(outputs, Tensor)
        outputs = _as_list(outputs)
        self.input_shapes = [x.shape for x in inputs]
        made_here = {id(t) for t in recorded} - {id(x) for x in inputs}
        order = autograd.topological_order(outputs, expand=made_here)
        where = {id(x): i for i, x in enumerate(inputs)}  # id -> index into the replay's value list
        node_of = {}
        self.nodes, self._steps = [], []  # a step: (Function, args: value index or captured Tensor, attrs)
        for t in order:
            i = len(self.nodes)
            if id(t) in where and id(t) not in made_here:
                kind = f"input {where[id(t)]}"
            elif id(t) in made_here:
                kind = "op"
                args = [where.get(id(p), p) for p in t._parents]
                where[id(t)] = len(inputs) + len(self._steps)
                self._steps.append((t._fn, args, t._attrs))
            else:
                kind = "captured"
            parents = tuple(node_of[id(p)] for p in t._parents) if kind == "op" else ()
            self.nodes.append(Node(i, t.op if kind == "op" else None, t.shape, t.dtype, parents, kind,
                                   dict(t._attrs or {}) if kind == "op" else {}, t.requires_grad))
            node_of[id(t)] = i
        self._outputs = [where.get(id(t), t) for t in outputs]
        self._output_nodes = [node_of[id(t)] for t in outputs]

    def __call__(self, *inputs):
        shapes = [tuple(np.shape(x.data if isinstance(x, Tensor) else x)) for x in inputs]
        if shapes != self.input_shapes:
            expected, got = ", ".join(map(str, self.input_shapes)), ", ".join(map(str, shapes)) or "none"
            raise ValueError(f"traced graph {self.name!r} expects {len(self.input_shapes)} input(s) of "
                             f"shapes {expected}, but got {len(inputs)} of shapes {got}; trace it again for "
                             "other shapes")
        values = [x if isinstance(x, Tensor) else Tensor(x) for x in inputs]
        for fn, args, attrs in self._steps:
            values.append(fn.apply(*[values[a] if isinstance(a, int) else a for a in args], **attrs))
        outputs = [values[o] if isinstance(o, int) else o for o in self._outputs]
        return outputs[0] if self._single else tuple(outputs)

    def __str__(self):
        lines = [f"TracedGraph {self.name}: {len(self.input_shapes)} input(s), {len(self._steps)} op(s)"]
        lines += ["  " + n.describe() for n in self.nodes]
        lines.append("  return " + ", ".join(f"%{i}" for i in self._output_nodes))
        return "\n".join(lines)

    def __repr__(self):
        return f"<TracedGraph {self.name}: inputs {self.input_shapes}, {len(self._steps)} ops>"

    def draw(self, ax=None):
        return draw(self.nodes, ax=ax)

    def to_dot(self):
        return to_dot(self.nodes)
