"""``Tensor``: an array (NumPy or CuPy) plus what autograd needs; creation functions; the random generator.

Every method that computes something calls ``SomeOp.apply`` from ops/, which records the graph.
Reductions take PyTorch's ``dim`` and ``keepdim``; NumPy's ``axis`` and ``keepdims`` are accepted as aliases.
"""

import numpy as np

from . import autograd, backend, ops
from .autograd import enable_grad, is_grad_enabled, no_grad  # noqa: F401  (re-exported)

_rng = np.random.default_rng()


def manual_seed(seed):
    """Seed the one global generator used by rand/randn, nn.init, dropout and DataLoader shuffling."""
    global _rng
    _rng = np.random.default_rng(seed)


def rng():
    """The global ``np.random.Generator`` (call it each time: ``manual_seed`` replaces it)."""
    return _rng


def _shape(shape):
    """``f(2, 3)`` and ``f((2, 3))`` both mean the shape (or axes) ``(2, 3)``, as in torch."""
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape


def dim_args(name, dim=None, keepdim=None, axis=None, keepdims=None, default=None):
    """``(dim, keepdim)`` from PyTorch's names or their NumPy aliases ``axis`` and ``keepdims`` (not both).
    A list of dims becomes a tuple; a missing ``dim`` is ``default``, a missing ``keepdim`` False."""
    for torch_name, value, numpy_name, alias in (("dim", dim, "axis", axis), ("keepdim", keepdim, "keepdims",
                                                                               keepdims)):
        if value is not None and alias is not None:
            raise TypeError(f"{name}() got both {torch_name}={value!r} and {numpy_name}={alias!r}; pass one "
                            f"({numpy_name} is NumPy's name for PyTorch's {torch_name})")
    dim = axis if dim is None else dim
    dim = default if dim is None else tuple(dim) if isinstance(dim, list) else dim
    return dim, bool(keepdims if keepdim is None else keepdim)


class Tensor(autograd.TensorBase):
    """An n-dimensional array that can record the ops applied to it and backpropagate through them.

    ``Tensor(data, requires_grad=False, dtype=None, device=None)``: ``data`` is a number, a (nested)
    list, a NumPy/CuPy array or a Tensor, always copied. Python floats become float32 and ints int64
    (like torch); NumPy arrays keep their dtype unless ``dtype`` ("float64", np.float32, ...) is given.
    ``device`` is "cpu" or "cuda" (default: where ``data`` is, so "cpu" for Python and NumPy data).
    """

    __slots__ = ()  # the fields are autograd.TensorBase's
    __hash__ = object.__hash__  # == is elementwise, but tensors can still be dict keys and set members

    def __init__(self, data, requires_grad=False, dtype=None, device=None):
        if isinstance(data, Tensor):
            data = data.data
        if device is None:
            device = backend.device_of(data)
        self.data = backend.as_array(data, device, dtype, copy=True)
        self.grad, self._fn, self._ctx, self._parents, self._attrs, self._retains_grad = (
            None, None, None, (), None, False)
        self.requires_grad = requires_grad

    @classmethod
    def _make(cls, data, requires_grad):
        """Wrap an array without copying or checks (used by ops and creation functions)."""
        t = object.__new__(Tensor)
        t.data, t.grad, t._requires_grad, t._fn, t._ctx, t._parents, t._attrs, t._retains_grad = (
            data, None, requires_grad, None, None, (), None, False)
        return t

    # ------------------------------------------------------------ properties and conversion
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        if flag and self.data.dtype.kind != "f":
            raise RuntimeError(
                f"only floating-point tensors can require gradients, but this one is {self.data.dtype}; "
                "make it float first, e.g. Tensor(data, dtype='float32', requires_grad=True) or x.float()"
            )
        self._requires_grad = bool(flag)

    def requires_grad_(self, flag=True):
        self.requires_grad = flag
        return self

    shape = property(lambda self: tuple(self.data.shape))
    dtype = property(lambda self: self.data.dtype, doc="a NumPy dtype")
    ndim = property(lambda self: self.data.ndim)
    device = property(lambda self: backend.device_of(self.data), doc='"cpu" or "cuda"')
    op = property(lambda self: self._fn.__name__ if self._fn is not None else None,
                  doc="name of the Function that made this tensor; None for a leaf")
    parents = property(lambda self: tuple(self._parents), doc="the input tensors of that Function")
    is_leaf = property(lambda self: self._fn is None)
    T = property(lambda self: self.permute(*reversed(range(self.ndim))), doc="all axes reversed")

    def numel(self):
        return int(self.data.size)

    def size(self, dim=None):
        return self.shape if dim is None else self.shape[dim]

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def numpy(self):
        """The values as a NumPy array (shares memory on the CPU; copied from a GPU)."""
        return backend.to_numpy(self.data)

    def __array__(self, dtype=None, copy=None):
        return self.numpy() if dtype is None else self.numpy().astype(dtype)

    def item(self):
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with exactly one element, but this one has {self.shape}")
        return self.data.item()

    def tolist(self):
        return self.data.tolist()

    __float__ = lambda self: float(self.item())
    __int__ = lambda self: int(self.item())
    __bool__ = lambda self: bool(self.item())

    def __repr__(self):
        a = self.numpy()
        integral = a.dtype.kind != "f" or bool(np.all(a == np.round(a)))  # torch: 1. but 1.5000
        body = np.array2string(a, separator=", ", prefix="tensor(", precision=4,
                               floatmode="maxprec" if integral else "fixed")
        extras = [] if self.dtype in (np.float32, np.int64, np.bool_) else [f"dtype={self.dtype}"]
        if self.device != "cpu":
            extras.append(f"device='{self.device}'")
        if self.requires_grad:
            extras.append("requires_grad=True")
        if self._fn is not None:
            extras.append(f"op={self.op}")
        return "tensor(" + ", ".join([body, *extras]) + ")"

    def detach(self):
        """The same data, cut from the graph (no copy)."""
        return Tensor._make(self.data, False)

    def astype(self, dtype):
        dtype = np.dtype(dtype)
        return self if dtype == self.dtype else ops.Cast.apply(self, dtype=dtype)

    def float(self):
        return self.astype(np.float32)

    def double(self):
        return self.astype(np.float64)

    def long(self):
        return self.astype(np.int64)

    def to(self, device_or_dtype):
        """``.to("cuda")``/``.to("cpu")`` moves the data; ``.to("float64")``/``.to(np.float32)`` casts.
        Both are ops, so gradients flow back through them."""
        if isinstance(device_or_dtype, str) and device_or_dtype in backend.DEVICES:
            device = backend.check_device(device_or_dtype)
            return self if device == self.device else ops.ToDevice.apply(self, device=device)
        if isinstance(device_or_dtype, str) and device_or_dtype.startswith("cuda"):
            backend.check_device(device_or_dtype)  # unknown device: say so (not "unknown dtype")
        return self.astype(device_or_dtype)

    # ------------------------------------------------------------ autograd
    def backward(self, grad=None, retain_graph=False):
        """Backpropagate from this tensor: add d(self)/d(leaf) (times ``grad``) to every leaf's ``.grad``.
        Needs ``grad`` unless self has one element. Frees the graph's saved arrays unless ``retain_graph``."""
        autograd.backward(self, grad, retain_graph)

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf tensor too (leaves always keep theirs)."""
        self._retains_grad = True

    def draw(self, **kwargs):
        """Draw the graph that produced this tensor with matplotlib (see graph.draw)."""
        from . import graph
        return graph.draw(self, **kwargs)

    def to_dot(self):
        """The graph that produced this tensor as Graphviz DOT source (see graph.to_dot)."""
        from . import graph
        return graph.to_dot(self)

    # ------------------------------------------------------------ operators (each one Function)
    __add__ = lambda self, other: ops.Add.apply(self, other)
    __radd__ = lambda self, other: ops.Add.apply(other, self)
    __sub__ = lambda self, other: ops.Sub.apply(self, other)
    __rsub__ = lambda self, other: ops.Sub.apply(other, self)
    __mul__ = lambda self, other: ops.Mul.apply(self, other)
    __rmul__ = lambda self, other: ops.Mul.apply(other, self)
    __truediv__ = lambda self, other: ops.Div.apply(self, other)
    __rtruediv__ = lambda self, other: ops.Div.apply(other, self)
    __pow__ = lambda self, other: ops.Pow.apply(self, other)
    __rpow__ = lambda self, other: ops.Pow.apply(other, self)
    __matmul__ = lambda self, other: ops.MatMul.apply(self, other)
    __rmatmul__ = lambda self, other: ops.MatMul.apply(other, self)
    __neg__ = lambda self: ops.Neg.apply(self)
    __lt__ = lambda self, other: ops.Compare.apply(self, other, op="lt")
    __le__ = lambda self, other: ops.Compare.apply(self, other, op="le")
    __gt__ = lambda self, other: ops.Compare.apply(self, other, op="gt")
    __ge__ = lambda self, other: ops.Compare.apply(self, other, op="ge")
    __eq__ = lambda self, other: False if other is None else ops.Compare.apply(self, other, op="eq")
    __ne__ = lambda self, other: True if other is None else ops.Compare.apply(self, other, op="ne")

    def __getitem__(self, index):
        # Index tensors may live on the CPU while ``self`` is on the GPU, as PyTorch allows: they are
        # integers or masks, never differentiated, so moving them is always safe.
        if isinstance(index, Tensor):  # an index tensor is an input of the op (see ops.Getitem)
            return ops.Getitem.apply(self, index.to(self.device))
        if isinstance(index, tuple):
            index = tuple(
                backend.to_device(i.data, self.device) if isinstance(i, Tensor) else i for i in index
            )
        return ops.Getitem.apply(self, index=index)

    # ------------------------------------------------------------ methods
    exp = lambda self: ops.Exp.apply(self)
    log = lambda self: ops.Log.apply(self)
    sqrt = lambda self: ops.Sqrt.apply(self)
    tanh = lambda self: ops.Tanh.apply(self)
    sigmoid = lambda self: ops.Sigmoid.apply(self)
    relu = lambda self: ops.Relu.apply(self)
    abs = __abs__ = lambda self: ops.Abs.apply(self)
    clip = clamp = lambda self, min=None, max=None: ops.Clip.apply(self, min=min, max=max)

    # reductions: dim is None (all), an int or a tuple (axis/keepdims accepted too); max and min are like
    # torch.amax/amin (ties share the gradient evenly), not torch.max(x, dim), which also returns indices
    def _reduce(self, op, dim, keepdim, axis, keepdims):
        dim, keepdim = dim_args(op.__name__.lower(), dim, keepdim, axis, keepdims)
        return op.apply(self, dim=dim, keepdim=keepdim)

    def sum(self, dim=None, keepdim=None, *, axis=None, keepdims=None):
        return self._reduce(ops.Sum, dim, keepdim, axis, keepdims)

    def mean(self, dim=None, keepdim=None, *, axis=None, keepdims=None):
        return self._reduce(ops.Mean, dim, keepdim, axis, keepdims)

    def max(self, dim=None, keepdim=None, *, axis=None, keepdims=None):
        return self._reduce(ops.Max, dim, keepdim, axis, keepdims)

    def min(self, dim=None, keepdim=None, *, axis=None, keepdims=None):
        return self._reduce(ops.Min, dim, keepdim, axis, keepdims)

    def argmax(self, dim=None, keepdim=None, *, axis=None, keepdims=None):
        return self._reduce(ops.Argmax, dim, keepdim, axis, keepdims)

    def reshape(self, *shape):
        return ops.Reshape.apply(self, shape=_shape(shape))

    def flatten(self, start_dim=0):
        return self.reshape(*self.shape[:start_dim], -1)

    def unsqueeze(self, dim):
        dim = dim % (self.ndim + 1)
        return self.reshape(*self.shape[:dim], 1, *self.shape[dim:])

    def squeeze(self, dim=None):
        keep = [n for i, n in enumerate(self.shape) if n != 1 or (dim is not None and i != dim % self.ndim)]
        return self.reshape(*keep)

    def permute(self, *dims):
        return ops.Permute.apply(self, dims=tuple(d % self.ndim for d in _shape(dims)))

    def transpose(self, dim0, dim1):
        dims = list(range(self.ndim))
        dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
        return self.permute(*dims)


# ---------------------------------------------------------------- creation functions
def tensor(data, requires_grad=False, dtype=None, device=None):
    """Same as ``Tensor(data, ...)``."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, device=device)


def _new(array, requires_grad, device):
    t = Tensor._make(backend.to_device(array, device), False)
    t.requires_grad = requires_grad
    return t


def zeros(*shape, dtype="float32", device="cpu", requires_grad=False):
    return _new(np.zeros(_shape(shape), dtype), requires_grad, device)


def ones(*shape, dtype="float32", device="cpu", requires_grad=False):
    return _new(np.ones(_shape(shape), dtype), requires_grad, device)


def full(shape, value, dtype="float32", device="cpu", requires_grad=False):
    return _new(np.full(shape, value, dtype), requires_grad, device)


def zeros_like(t, dtype=None, device=None, requires_grad=False):
    return zeros(t.shape, dtype=dtype or t.dtype, device=device or t.device, requires_grad=requires_grad)


def ones_like(t, dtype=None, device=None, requires_grad=False):
    return ones(t.shape, dtype=dtype or t.dtype, device=device or t.device, requires_grad=requires_grad)


def rand(*shape, dtype="float32", device="cpu", requires_grad=False):
    """Uniform on [0, 1) from the global generator (drawn on the CPU: every device gets the same values)."""
    return _new(_rng.random(_shape(shape), dtype=np.dtype(dtype)), requires_grad, device)


def randn(*shape, dtype="float32", device="cpu", requires_grad=False):
    """Standard normal, drawn from the global generator."""
    return _new(_rng.standard_normal(_shape(shape), dtype=np.dtype(dtype)), requires_grad, device)


def arange(start, stop=None, step=1, dtype=None, device="cpu", requires_grad=False):
    """Like torch.arange: int64 for integer arguments, float32 otherwise."""
    array = np.arange(start, stop, step) if stop is not None else np.arange(start)
    return _new(array.astype(dtype or backend.default_dtype(array)), requires_grad, device)


def stack(tensors, dim=None, *, axis=None):
    """The tensors stacked along a new axis ``dim`` (default 0; ``axis`` is accepted too)."""
    return ops.Stack.apply(*tensors, dim=dim_args("stack", dim, axis=axis, default=0)[0])


def cat(tensors, dim=None, *, axis=None):
    """The tensors joined along the existing axis ``dim`` (default 0; ``axis`` is accepted too)."""
    return ops.Cat.apply(*tensors, dim=dim_args("cat", dim, axis=axis, default=0)[0])


def _some_tensor(first, *others):
    """``first`` as a Tensor unless another argument is one (an op needs one tensor to know the device)."""
    return first if any(isinstance(t, Tensor) for t in (first, *others)) else Tensor(first)


def where(condition, x, y):
    """``x`` where ``condition`` is true, else ``y`` (numbers allowed for x and y)."""
    return ops.Where.apply(_some_tensor(condition, x, y), x, y)


def maximum(x, y):
    """Elementwise max; at ties each input gets half the gradient (like torch.maximum)."""
    return ops.Maximum.apply(_some_tensor(x, y), y)
