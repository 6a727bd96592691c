r"""Reverse-mode automatic differentiation: ``Function``, ``Context``, the backward engine, ``no_grad``.

Every op is a ``Function`` subclass with a ``forward`` and a ``backward`` on raw arrays (see ops/).
``Function.apply`` runs ``forward`` and, when a gradient will be needed, records on the output tensor
the function, its parent tensors and its keyword attributes. That record *is* the graph.

``backward(root)`` walks the graph once in reverse topological order. For a node $z = f(x, y)$ it
receives $\bar z = \partial L / \partial z$ and calls ``f.backward`` to get $\bar x$, $\bar y$
(the chain rule, $\bar x = \bar z \, \partial z / \partial x$). Gradients from several paths add up.
An op whose inputs were broadcast returns gradients in the broadcast shape; the engine sums them back to
each input's shape (``unbroadcast``), once, for every op.
"""

import contextlib

from . import backend

_grad_enabled = True  # switched off by no_grad()
_recorder = None  # a list while graph.trace() runs: every op output is appended to it


class no_grad(contextlib.ContextDecorator):
    """Context manager and decorator: ops inside record no graph (evaluation, optimizer updates)."""

    inside = False  # the grad mode inside the block

    def __init__(self):
        self.saved = []  # a stack, so that a decorated function may call itself

    def __enter__(self):
        global _grad_enabled
        self.saved.append(_grad_enabled)
        _grad_enabled = self.inside

    def __exit__(self, *exc):
        global _grad_enabled
        _grad_enabled = self.saved.pop()


class enable_grad(no_grad):
    """The opposite of no_grad: record the graph again inside a no_grad region."""

    inside = True


def is_grad_enabled():
    return _grad_enabled


class Context:
    """Scratch space shared by one call's forward and backward (``ctx`` in every op)."""

    def save_for_backward(self, *arrays):
        self.saved_tensors = arrays


class ShapeError(ValueError):
    """Raised by an op whose inputs have incompatible shapes, with a message that names both."""


class TensorBase:
    """What the engine reads and writes on a tensor: its array ``data``, ``grad``, whether it requires grad,
    and the node that made it (``_fn``, ``_ctx``, ``_parents``, ``_attrs``). ``tensor.Tensor`` is the one
    subclass. This module cannot import it (tensor.py imports the ops, and they import this module), so
    the engine makes new tensors with ``_make`` of a tensor it was given."""

    __slots__ = ("data", "grad", "_requires_grad", "_fn", "_ctx", "_parents", "_attrs", "_retains_grad",
                 "__weakref__")

    @classmethod
    def _make(cls, data, requires_grad):
        """A tensor around ``data`` (no copy, no checks): defined by ``tensor.Tensor``."""
        raise NotImplementedError


class Function:
    """Base class of every op. Subclasses define two static methods on backend arrays:

    ``forward(ctx, *arrays, **attrs) -> array`` and ``backward(ctx, grad) -> one gradient per input``
    (a tuple, or a single array for one input; ``None`` for an input that needs no gradient).
    ``ctx.needs_input_grad[i]`` tells whether input ``i`` wants one. Outputs that are not floating point
    (comparisons, argmax) never require grad, so their ``backward`` is never called.
    """

    @staticmethod
    def forward(ctx, *args, **attrs):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs, **attrs):
        """Run the op on tensors (non-tensors become constants) and record it in the graph."""
        if not all(isinstance(x, TensorBase) for x in inputs):
            inputs = _constants_to_tensors(cls.__name__, inputs)
        arrays = [t.data for t in inputs]
        if any(type(a) is not type(arrays[0]) for a in arrays):  # NumPy and CuPy arrays mixed
            raise RuntimeError(f"{cls.__name__}: inputs are on different devices "
                               f"({', '.join(t.device for t in inputs)}); move them to one device with "
                               ".to(device) first")
        ctx = Context()
        ctx.needs_input_grad = tuple([t._requires_grad for t in inputs])
        try:
            out = cls.forward(ctx, *arrays, **attrs)
        except ShapeError:
            raise
        except ValueError as e:
            raise ValueError(_shape_error(cls.__name__, [t.shape for t in inputs], e)) from None
        out = backend.ensure_array(out)
        needs_grad = _grad_enabled and True in ctx.needs_input_grad and out.dtype.kind == "f"
        result = inputs[0]._make(out, needs_grad)
        if needs_grad or _recorder is not None:
            result._fn, result._ctx, result._parents, result._attrs = cls, ctx, inputs, attrs
            if _recorder is not None:
                _recorder.append(result)
        return result


def _constants_to_tensors(name, inputs):
    """Python numbers and arrays become constant tensors with the dtype of the tensor inputs, so that
    ``x * 2.0`` stays float32 (like torch: a Python scalar never changes a float tensor's dtype, and an
    integer tensor with a Python float gives float32). Lists and arrays keep torch's defaults (floats
    float32, integers int64, NumPy arrays their dtype), on the device of the tensor inputs."""
    tensors = [x for x in inputs if isinstance(x, TensorBase)]
    if not tensors:
        got = ", ".join(type(x).__name__ for x in inputs)
        raise TypeError(f"{name}.apply needs at least one Tensor input, got {got}; wrap one of them with "
                        "tinygrad_ref.tensor(...)")
    floats = [t for t in tensors if t.data.dtype.kind == "f"]
    if not floats and any(isinstance(x, float) for x in inputs):
        inputs = [x.float() if isinstance(x, TensorBase) else x for x in inputs]
        tensors = floats = [x for x in inputs if isinstance(x, TensorBase)]
    like = (floats or tensors)[0]
    out = []
    for x in inputs:
        if not isinstance(x, TensorBase):
            if isinstance(x, (bool, int, float)) and (like.data.dtype.kind != "b" or isinstance(x, bool)):
                x = like._make(backend.xp_of(like.data).asarray(x, like.data.dtype), False)
            else:
                x = like._make(backend.as_array(x, backend.device_of(like.data)), False)
        out.append(x)
    return tuple(out)


def _shape_error(name, shapes, error):
    shown = " and ".join(str(s) for s in shapes)
    if "broadcast" in str(error):
        return (f"{name}: cannot broadcast shapes {shown} (broadcasting aligns trailing dimensions; in each "
                "pair the sizes must be equal or one of them 1)")
    return f"{name} got inputs of shapes {shown}: {error}"


def unbroadcast(grad, shape):
    r"""Sum ``grad`` down to ``shape``: if $x$ was broadcast to $z$, $\bar x = \sum$ of $\bar z$ over the
    broadcast axes (leading axes that were added, and axes where $x$ had size 1)."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape)
                                      if n == 1 and grad.shape[lead + i] != 1)
    return grad.sum(axis=axes, keepdims=True).reshape(shape)


def topological_order(roots, grad_only=False, expand=None):
    """Tensors reachable from ``roots`` (through ``_parents``), every parent before its children.

    Iterative depth-first search, so a graph thousands of ops deep does not hit Python's recursion limit.
    With ``grad_only`` the walk skips tensors that do not require grad; with ``expand`` (a set of ids)
    it visits the parents of those tensors only.
    """
    order, seen = [], set()
    stack = [(t, False) for t in reversed(roots)]
    while stack:
        t, expanded = stack.pop()
        if expanded:
            order.append(t)
        elif id(t) not in seen:
            seen.add(id(t))
            stack.append((t, True))
            for p in reversed(t._parents) if expand is None or id(t) in expand else ():
                if id(p) not in seen and (p._requires_grad or not grad_only):
                    stack.append((p, False))
    return order


def backward(root, grad=None, retain_graph=False):
    r"""Add $\partial\, \mathrm{root} / \partial\, \mathrm{leaf}$ (times ``grad``) to every leaf's ``.grad``.

    Walks the nodes that require grad in reverse topological order, so each node's gradient is complete
    (summed over all its users) before its own ``backward`` runs."""
    if not root.requires_grad:
        raise RuntimeError("backward() on a tensor that does not require grad: no input of its graph has "
                           "requires_grad=True (or it was computed under no_grad())")
    if grad is None:
        if root.data.size != 1:
            raise RuntimeError(f"backward() without a gradient needs a scalar (one-element) tensor, but this "
                               f"one has shape {root.shape}; reduce it first (e.g. loss.sum() or "
                               "loss.mean()) or pass backward(grad=...) with the same shape")
        grad = backend.xp_of(root.data).ones_like(root.data)
    else:
        grad = grad.data if isinstance(grad, TensorBase) else grad
        grad = backend.to_device(grad, root.device, dtype=root.dtype)
        if grad.shape != root.shape:
            raise RuntimeError(f"backward(grad): grad has shape {grad.shape} but the tensor has {root.shape}")
        grad = grad.copy()  # never store the caller's array in a .grad
    grads = {id(root): grad}
    for t in reversed(topological_order([root], grad_only=True)):
        g = grads.pop(id(t), None)
        if g is None:
            continue
        if t._fn is None or t._retains_grad:  # a leaf (or retain_grad()): keep the gradient
            if t.grad is None:
                t.grad = t._make(g, False)
            else:
                t.grad.data = t.grad.data + g
            if t._fn is None:
                continue
        if t._ctx is None:
            raise RuntimeError(f"backward through the graph a second time: the arrays saved by "
                               f"{t._fn.__name__} were freed after the first backward(); call "
                               "backward(retain_graph=True) the first time if you need to backpropagate "
                               "twice")
        in_grads = t._fn.backward(t._ctx, g)
        if not isinstance(in_grads, tuple):
            in_grads = (in_grads,)
        if not retain_graph:
            t._ctx = None
        for p, pg in zip(t._parents, in_grads):
            if pg is None or not p._requires_grad:
                continue
            if pg.shape != p.shape:
                pg = unbroadcast(pg, p.shape)
            if pg.dtype != p.dtype:
                pg = pg.astype(p.dtype)
            elif p._fn is None and (pg is g or pg.base is not None):
                pg = pg.copy()  # a leaf's .grad must own its array (g may also go to another input)
            grads[id(p)] = grads[id(p)] + pg if id(p) in grads else pg
