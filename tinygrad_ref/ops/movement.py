r"""Ops that move or pick elements without arithmetic: reshape, permute, indexing, stack, cat, pad and the
embedding lookup. Each backward sends every element of $\bar z$ back to the element of $x$ it came from
(adding where one element of $x$ went to several places)."""

import numpy as np

from .. import backend
from ..autograd import Function


class Reshape(Function):
    r"""The elements of $x$ in a new shape.

    Forward: $z = \mathrm{reshape}(x, \text{shape})$
    Backward: $\bar x = \mathrm{reshape}(\bar z, \text{shape of } x)$
    """

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape)


class Permute(Function):
    r"""Axes reordered: axis $k$ of $z$ is axis $p_k$ of $x$.

    Forward: $z_{i_{p_0} \dots i_{p_{n-1}}} = x_{i_0 \dots i_{n-1}}$
    Backward: $\bar x = \bar z \text{ permuted by } p^{-1}$
    """

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
    r"""Indexing (slices, integer arrays, boolean masks); repeated indices add up (``np.add.at``). The index
    is the attribute ``index``, or a second input (an index tensor), so that a traced graph uses the new
    mask or indices when it is replayed.

    Forward: $z = x[\text{index}]$
    Backward: $\bar x = 0 \text{ except } \bar x[\text{index}] \mathrel{+}= \bar z$
    """

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
    r"""The inputs stacked along a new axis ``dim``.

    Forward: $z = [x_0, x_1, \dots] \text{ along a new axis}$
    Backward: $\bar x_k = \bar z \text{ at position } k \text{ of that axis}$
    """

    @staticmethod
    def forward(ctx, *xs, dim=0):
        ctx.dim = dim
        return backend.xp_of(xs[0]).stack(xs, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        return tuple(backend.xp_of(grad).moveaxis(grad, ctx.dim, 0))


class Cat(Function):
    r"""The inputs joined along an existing axis ``dim``.

    Forward: $z = [x_0 \,|\, x_1 \,|\, \dots] \text{ along dim}$
    Backward: $\bar x_k = \text{the slice of } \bar z \text{ that } x_k \text{ filled}$
    """

    @staticmethod
    def forward(ctx, *xs, dim=0):
        ctx.dim, ctx.splits = dim, np.cumsum([x.shape[dim] for x in xs])[:-1].tolist()
        return backend.xp_of(xs[0]).concatenate(xs, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        return tuple(backend.xp_of(grad).split(grad, ctx.splits, axis=ctx.dim))


PAD_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


class Pad(Function):
    r"""$x$ surrounded by ``widths[d] = (before, after)`` entries along each axis $d$. ``constant``: the
    new entries are ``value``, so $\bar x$ is the middle slice of $\bar z$. Other modes (``reflect``,
    ``replicate``, ``circular``) copy entries of $x$, so an entry of $x$ receives the sum of $\bar z$ over
    all its copies: pad an array of *indices* of $x$ with the same mode, then scatter-add $\bar z$ by
    those indices (repeated indices add up).

    Forward: $z = \mathrm{pad}(x), \quad z_{\pi(j)} = x_j \text{ for every copy } \pi(j) \text{ of } x_j$
    Backward: $\bar x_j = \textstyle\sum_{\text{copies } \pi(j)} \bar z_{\pi(j)}$
    """

    @staticmethod
    def forward(ctx, x, widths=(), mode="constant", value=0.0):
        xp = backend.xp_of(x)
        ctx.shape, ctx.widths, ctx.mode = x.shape, widths, mode
        if mode == "constant":
            return xp.pad(x, widths, constant_values=value)
        return xp.pad(x, widths, mode=PAD_MODES[mode])

    @staticmethod
    def backward(ctx, grad):
        xp = backend.xp_of(grad)
        if ctx.mode == "constant":
            return grad[tuple(slice(a, a + n) for (a, _), n in zip(ctx.widths, ctx.shape))]
        index = xp.pad(xp.arange(int(np.prod(ctx.shape))).reshape(ctx.shape), ctx.widths,
                       mode=PAD_MODES[ctx.mode])
        gx = xp.zeros(int(np.prod(ctx.shape)), dtype=grad.dtype)
        backend.scatter_add(gx, index.ravel(), grad.ravel())
        return gx.reshape(ctx.shape)


class Embedding(Function):
    r"""Row $t$ of the table $W$ $(V, D)$ for every index $t$ of the (any-shaped) integer input: the product
    of a one-hot row with $W$, without building it. A token that appears several times collects every
    gradient (a scatter-add); the row ``padding_idx`` gets none, so it stays as it was.

    Forward: $z_{\dots} = W_{t_{\dots}}$
    Backward: $\bar W_v = \textstyle\sum_{\text{positions with } t = v} \bar z$
    """

    @staticmethod
    def forward(ctx, t, w, padding_idx=None):
        ctx.save_for_backward(t)
        ctx.weight_shape, ctx.padding_idx = w.shape, padding_idx
        return w[t]

    @staticmethod
    def backward(ctx, grad):
        (t,) = ctx.saved_tensors
        t, grad = t.reshape(-1), grad.reshape(-1, ctx.weight_shape[1])
        if ctx.padding_idx is not None:
            keep = t != ctx.padding_idx
            t, grad = t[keep], grad[keep]
        gw = backend.xp_of(grad).zeros(ctx.weight_shape, dtype=grad.dtype)
        backend.scatter_add(gw, t, grad)
        return None, gw
