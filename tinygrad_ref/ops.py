r"""Every differentiable op, as a ``Function``: forward and backward side by side, the math in the docstring.

Notation: $z$ is the output, $\bar z = \partial L / \partial z$ the gradient arriving from the loss $L$,
and $\bar x$ the gradient the op sends to its input $x$. Products are elementwise unless written $@$.
Arrays are NumPy or CuPy; ``xp`` is the matching module (``backend.xp_of``). Gradients of broadcast
inputs may be returned in the broadcast shape: the engine sums them back (autograd.unbroadcast).
"""

import operator

import numpy as np

from . import backend
from .autograd import Function, ShapeError


def _kept_shape(shape, axis):
    """The shape of a reduction over ``axis`` with keepdims=True (reduced axes become 1)."""
    if axis is None:
        return (1,) * len(shape)
    axes = [a % len(shape) for a in (axis if isinstance(axis, tuple) else (axis,))]
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


# ---------------------------------------------------------------- elementwise, two inputs
class Add(Function):
    r"""$z = x + y$.  Backward: $\bar x = \bar z$, $\bar y = \bar z$."""

    @staticmethod
    def forward(ctx, x, y):
        return x + y

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(Function):
    r"""$z = x - y$.  Backward: $\bar x = \bar z$, $\bar y = -\bar z$."""

    @staticmethod
    def forward(ctx, x, y):
        return x - y

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class Mul(Function):
    r"""$z = x y$.  Backward: $\bar x = \bar z\, y$, $\bar y = \bar z\, x$."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x * y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        gx, gy = ctx.needs_input_grad
        return (grad * y if gx else None), (grad * x if gy else None)


class Div(Function):
    r"""$z = x / y$.  Backward: $\bar x = \bar z / y$, $\bar y = -\bar z\, x / y^2 = -\bar x\, z$.

    Integer / integer gives float32 (like torch), not NumPy's float64."""

    @staticmethod
    def forward(ctx, x, y):
        z = x / y
        if x.dtype.kind in "biu" and y.dtype.kind in "biu":
            z = z.astype(np.float32)
        ctx.save_for_backward(y, z)
        return z

    @staticmethod
    def backward(ctx, grad):
        y, z = ctx.saved_tensors
        gx = grad / y
        return gx, (-gx * z if ctx.needs_input_grad[1] else None)


class Pow(Function):
    r"""$z = x^y$.  Backward: $\bar x = \bar z\, y\, x^{y-1}$, $\bar y = \bar z\, z \ln x$
    ($\bar y$ only when $y$ requires grad, so ``x ** 2`` never takes the log of a negative $x$)."""

    @staticmethod
    def forward(ctx, x, y):
        z = x**y
        ctx.save_for_backward(x, y, z)
        return z

    @staticmethod
    def backward(ctx, grad):
        x, y, z = ctx.saved_tensors
        gx, gy = ctx.needs_input_grad
        xp = backend.xp_of(grad)
        return (grad * y * x ** (y - 1) if gx else None), (grad * z * xp.log(x) if gy else None)


class Maximum(Function):
    r"""$z = \max(x, y)$.  Backward: $\bar x = \bar z\, [x > y]$, $\bar y = \bar z\, [y > x]$; at ties
    ($x = y$) each gets $\bar z / 2$ (torch.maximum does the same)."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return backend.xp_of(x).maximum(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        half = (x == y) * grad.dtype.type(0.5)
        return grad * ((x > y) + half), grad * ((y > x) + half)


class MatMul(Function):
    r"""$z = x \mathbin{@} y$ (NumPy/torch ``matmul``: batch dimensions broadcast, a 1-D operand is a
    vector).  Backward: $\bar x = \bar z \mathbin{@} y^\top$, $\bar y = x^\top \mathbin{@} \bar z$
    ($^\top$ swaps the last two axes; the engine sums broadcast batch axes)."""

    @staticmethod
    def forward(ctx, x, y):
        if x.ndim == 0 or y.ndim == 0 or x.shape[-1] != y.shape[-2 if y.ndim > 1 else 0]:
            raise ShapeError(
                f"MatMul: cannot multiply shapes {x.shape} @ {y.shape}: the last dimension of the left "
                "operand must equal the first (1-D) or second-to-last dimension of the right operand"
            )
        ctx.save_for_backward(x, y)
        try:
            return x @ y
        except ValueError:
            raise ShapeError(
                f"MatMul: batch dimensions of {x.shape} @ {y.shape} cannot broadcast "
                f"({x.shape[:-2]} with {y.shape[:-2]})"
            ) from None

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        gx, gy = ctx.needs_input_grad
        # a 1-D operand acts as a matrix with one row (left) or one column (right); put that axis back
        if y.ndim == 1:
            y, grad = y[:, None], grad[..., None]
        if x.ndim == 1:
            x, grad = x[None, :], grad[..., None, :]
        dx = grad @ y.swapaxes(-1, -2) if gx else None
        dy = x.swapaxes(-1, -2) @ grad if gy else None
        if gx and ctx.saved_tensors[0].ndim == 1:
            dx = dx[..., 0, :]
        if gy and ctx.saved_tensors[1].ndim == 1:
            dy = dy[..., 0]
        return dx, dy


class Compare(Function):
    r"""$z = [x \mathrel{op} y]$ for op in lt, le, gt, ge, eq, ne: a bool tensor, no gradient.
    A Function (not a plain method) only so that graphs and ``trace`` record it."""

    @staticmethod
    def forward(ctx, x, y, op):
        return getattr(operator, op)(x, y)


class Where(Function):
    r"""$z = c\,?\,x : y$ elementwise.
    Backward: $\bar c$ none, $\bar x = \bar z\,[c]$, $\bar y = \bar z\,[\lnot c]$."""

    @staticmethod
    def forward(ctx, cond, x, y):
        cond = cond.astype(bool, copy=False)
        ctx.save_for_backward(cond)
        return backend.xp_of(x).where(cond, x, y)

    @staticmethod
    def backward(ctx, grad):
        (cond,) = ctx.saved_tensors
        xp = backend.xp_of(grad)
        return None, xp.where(cond, grad, 0), xp.where(cond, 0, grad)


# ---------------------------------------------------------------- elementwise, one input
class Neg(Function):
    r"""$z = -x$.  Backward: $\bar x = -\bar z$."""

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Exp(Function):
    r"""$z = e^x$.  Backward: $\bar x = \bar z\, z$."""

    @staticmethod
    def forward(ctx, x):
        z = backend.xp_of(x).exp(x)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.saved_tensors[0]


class Log(Function):
    r"""$z = \ln x$.  Backward: $\bar x = \bar z / x$."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return backend.xp_of(x).log(x)

    @staticmethod
    def backward(ctx, grad):
        return grad / ctx.saved_tensors[0]


class Sqrt(Function):
    r"""$z = \sqrt x$.  Backward: $\bar x = \bar z / (2 z)$."""

    @staticmethod
    def forward(ctx, x):
        z = backend.xp_of(x).sqrt(x)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx, grad):
        return grad / (2 * ctx.saved_tensors[0])


class Tanh(Function):
    r"""$z = \tanh x$.  Backward: $\bar x = \bar z\, (1 - z^2)$."""

    @staticmethod
    def forward(ctx, x):
        z = backend.xp_of(x).tanh(x)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx, grad):
        z = ctx.saved_tensors[0]
        return grad * (1 - z * z)


class Sigmoid(Function):
    r"""$z = \sigma(x) = 1 / (1 + e^{-x})$.  Backward: $\bar x = \bar z\, z (1 - z)$.

    Computed as $1/(1+e^{-|x|})$ for $x \ge 0$ and $e^{-|x|}/(1+e^{-|x|})$ for $x < 0$: no overflow."""

    @staticmethod
    def forward(ctx, x):
        xp = backend.xp_of(x)
        e = xp.exp(-xp.abs(x))
        z = xp.where(x >= 0, 1, e) / (1 + e)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx, grad):
        z = ctx.saved_tensors[0]
        return grad * z * (1 - z)


class Relu(Function):
    r"""$z = \max(x, 0)$.  Backward: $\bar x = \bar z\, [x > 0]$ (0 at $x = 0$, like torch)."""

    @staticmethod
    def forward(ctx, x):
        z = backend.xp_of(x).maximum(x, 0)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx, grad):
        return grad * (ctx.saved_tensors[0] > 0)


class Abs(Function):
    r"""$z = |x|$.  Backward: $\bar x = \bar z\, \mathrm{sign}(x)$ (0 at $x = 0$, like torch)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return abs(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * backend.xp_of(grad).sign(ctx.saved_tensors[0])


class Clip(Function):
    r"""$z = \min(\max(x, a), b)$.  Backward: $\bar x = \bar z\, [a \le x \le b]$ (like torch.clamp)."""

    @staticmethod
    def forward(ctx, x, min=None, max=None):
        ctx.save_for_backward(x)
        ctx.bounds = min, max
        return backend.xp_of(x).clip(x, min, max)

    @staticmethod
    def backward(ctx, grad):
        (x,), (lo, hi) = ctx.saved_tensors, ctx.bounds
        return grad * ((True if lo is None else x >= lo) & (True if hi is None else x <= hi))


class Cast(Function):
    r"""$z = x$ stored as ``dtype``.  Backward: $\bar x = \bar z$ cast back to $x$'s dtype."""

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.astype(ctx.dtype)


class ToDevice(Function):
    r"""$z = x$ copied to another device ("cpu" or "cuda").  Backward: $\bar x = \bar z$ copied back."""

    @staticmethod
    def forward(ctx, x, device):
        ctx.device = backend.device_of(x)
        return backend.to_device(x, device)

    @staticmethod
    def backward(ctx, grad):
        return backend.to_device(grad, ctx.device)


# ---------------------------------------------------------------- reductions
class Sum(Function):
    r"""$z = \sum_{i \in \text{axis}} x_i$.  Backward: $\bar x_i = \bar z$ (broadcast back over the axis)."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.shape, ctx.kept = x.shape, _kept_shape(x.shape, axis)
        return x.sum(axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        return backend.xp_of(grad).broadcast_to(grad.reshape(ctx.kept), ctx.shape)


class Mean(Function):
    r"""$z = \frac1n \sum_{i \in \text{axis}} x_i$.  Backward: $\bar x_i = \bar z / n$."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        z = x.mean(axis=axis, keepdims=keepdims)
        ctx.shape, ctx.kept, ctx.n = x.shape, _kept_shape(x.shape, axis), x.size // max(z.size, 1)
        return z

    @staticmethod
    def backward(ctx, grad):
        return backend.xp_of(grad).broadcast_to(grad.reshape(ctx.kept) / ctx.n, ctx.shape)


class Max(Function):
    r"""$z = \max_{i \in \text{axis}} x_i$.  Backward: $\bar x_i = \bar z\, [x_i = z] / k$ where $k$ is the
    number of maxima: ties share the gradient evenly, like ``torch.amax`` (``torch.max(x, dim)``
    instead gives it all to one index)."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        z = x.max(axis=axis, keepdims=keepdims)
        ctx.save_for_backward(x, z.reshape(_kept_shape(x.shape, axis)))
        ctx.axis = axis
        return z

    @staticmethod
    def backward(ctx, grad):
        x, z = ctx.saved_tensors
        mask = x == z
        return grad.reshape(z.shape) * mask / mask.sum(axis=ctx.axis, keepdims=True, dtype=grad.dtype)


class Min(Max):
    r"""$z = \min_{i \in \text{axis}} x_i$.  Backward as for ``Max``: ties share the gradient evenly."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        z = x.min(axis=axis, keepdims=keepdims)
        ctx.save_for_backward(x, z.reshape(_kept_shape(x.shape, axis)))
        ctx.axis = axis
        return z


class Argmax(Function):
    r"""$z = \arg\max_{i \in \text{axis}} x_i$: int64 indices, no gradient."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        return x.argmax(axis=axis, keepdims=keepdims)


# ---------------------------------------------------------------- shapes and indexing
class Reshape(Function):
    r"""$z$ = the elements of $x$ in a new shape.  Backward: $\bar x = \bar z$ in $x$'s shape."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape)


class Permute(Function):
    r"""$z_{i_{p_0} \dots i_{p_{n-1}}} = x_{i_0 \dots i_{n-1}}$: axis $k$ of $z$ is axis $p_k$ of $x$.
    Backward: $\bar x$ = $\bar z$ permuted by the inverse permutation."""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.inverse = tuple(np.argsort(dims))
        return x.transpose(dims)

    @staticmethod
    def backward(ctx, grad):
        return grad.transpose(ctx.inverse)


def _is_basic(index):
    """True for indices made only of ints, slices, None and Ellipsis (each element picked at most once)."""
    return all(isinstance(i, (int, np.integer, slice, type(None), type(Ellipsis))) and not isinstance(i, bool)
               for i in (index if isinstance(index, tuple) else (index,)))


class Getitem(Function):
    r"""$z = x[\text{index}]$ (slices, integer arrays, boolean masks).  Backward: $\bar x$ is zero except
    $\bar x[\text{index}] \mathrel{+}= \bar z$; repeated indices add up (``np.add.at``).

    The index is the attribute ``index``, or a second input (an index tensor), so that a traced graph
    uses the new mask or indices when it is replayed."""

    @staticmethod
    def forward(ctx, x, *index_tensor, index=None):
        index = index_tensor[0] if index_tensor else index
        ctx.shape, ctx.index, ctx.n_index = x.shape, index, len(index_tensor)
        return x[index]

    @staticmethod
    def backward(ctx, grad):
        out = backend.xp_of(grad).zeros(ctx.shape, dtype=grad.dtype)
        if _is_basic(ctx.index):
            out[ctx.index] = grad
        else:
            backend.scatter_add(out, ctx.index, grad)
        return (out,) + (None,) * ctx.n_index


class Stack(Function):
    r"""$z = [x_0, x_1, \dots]$ along a new ``axis``.
    Backward: $\bar x_k = \bar z$ at position $k$ of that axis."""

    @staticmethod
    def forward(ctx, *xs, axis=0):
        ctx.axis = axis
        return backend.xp_of(xs[0]).stack(xs, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        return tuple(backend.xp_of(grad).moveaxis(grad, ctx.axis, 0))


class Cat(Function):
    r"""$z$ = the $x_k$ joined along an existing ``axis``.  Backward: $\bar x_k$ = the slice of $\bar z$ that
    $x_k$ filled."""

    @staticmethod
    def forward(ctx, *xs, axis=0):
        ctx.axis, ctx.splits = axis, np.cumsum([x.shape[axis] for x in xs])[:-1].tolist()
        return backend.xp_of(xs[0]).concatenate(xs, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        return tuple(backend.xp_of(grad).split(grad, ctx.splits, axis=ctx.axis))
