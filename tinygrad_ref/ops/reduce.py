r"""Reductions over ``dim`` (None: every axis; an int or a tuple), with ``keepdim`` as in PyTorch.

``Max`` and ``Min`` are ``torch.amax``/``amin``: ties share the gradient evenly (``torch.max(x, dim)``
instead gives it all to one index). ``LogSoftmax`` reduces too (the normaliser $\log\sum e^x$).
"""

from .. import backend
from ..autograd import Function


def _kept_shape(shape, dim):
    """The shape of a reduction over ``dim`` with keepdim=True (reduced axes become 1)."""
    if dim is None:
        return (1,) * len(shape)
    dims = [d % len(shape) for d in (dim if isinstance(dim, tuple) else (dim,))]
    return tuple(1 if i in dims else n for i, n in enumerate(shape))


class Sum(Function):
    r"""Sum over ``dim``; the gradient is broadcast back over the reduced axes.

    Forward: $z = \sum_{i \in \mathrm{dim}} x_i$
    Backward: $\bar x_i = \bar z$
    """

    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False):
        ctx.shape, ctx.kept = x.shape, _kept_shape(x.shape, dim)
        return x.sum(axis=dim, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        return backend.xp_of(grad).broadcast_to(grad.reshape(ctx.kept), ctx.shape)


class Mean(Function):
    r"""Mean over ``dim`` ($n$ elements per output).

    Forward: $z = \frac1n \sum_{i \in \mathrm{dim}} x_i$
    Backward: $\bar x_i = \bar z / n$
    """

    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False):
        z = x.mean(axis=dim, keepdims=keepdim)
        ctx.shape, ctx.kept, ctx.n = x.shape, _kept_shape(x.shape, dim), x.size // max(z.size, 1)
        return z

    @staticmethod
    def backward(ctx, grad):
        return backend.xp_of(grad).broadcast_to(grad.reshape(ctx.kept) / ctx.n, ctx.shape)


class Max(Function):
    r"""Maximum over ``dim``; the $k$ maxima of a group share its gradient evenly, like ``torch.amax``.

    Forward: $z = \max_{i \in \mathrm{dim}} x_i$
    Backward: $\bar x_i = \bar z\, [x_i = z] / k$
    """

    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False):
        z = x.max(axis=dim, keepdims=keepdim)
        ctx.save_for_backward(x, z.reshape(_kept_shape(x.shape, dim)))
        ctx.dim = dim
        return z

    @staticmethod
    def backward(ctx, grad):
        x, z = ctx.saved_tensors
        mask = x == z
        return grad.reshape(z.shape) * mask / mask.sum(axis=ctx.dim, keepdims=True, dtype=grad.dtype)


class Min(Max):
    r"""Minimum over ``dim``; the backward is ``Max``'s: the $k$ minima share the gradient evenly.

    Forward: $z = \min_{i \in \mathrm{dim}} x_i$
    Backward: $\bar x_i = \bar z\, [x_i = z] / k$
    """

    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False):
        z = x.min(axis=dim, keepdims=keepdim)
        ctx.save_for_backward(x, z.reshape(_kept_shape(x.shape, dim)))
        ctx.dim = dim
        return z


class Argmax(Function):
    r"""Index of the maximum over ``dim``: int64 indices, so no gradient flows.

    Forward: $z = \arg\max_{i \in \mathrm{dim}} x_i$
    Backward: $\text{none (integer output)}$
    """

    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False):
        return x.argmax(axis=dim, keepdims=keepdim)


class LogSoftmax(Function):
    r"""Log of the softmax along ``dim``, computed with $x - \max x$ (no overflow).

    Forward: $y_j = x_j - \log\sum_k e^{x_k}$
    Backward: $\bar x = \bar y - \mathrm{softmax}(x) \sum_k \bar y_k$
    """

    @staticmethod
    def forward(ctx, x, dim=-1):
        xp = backend.xp_of(x)
        shifted = x - x.max(axis=dim, keepdims=True)
        y = shifted - xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True))
        ctx.save_for_backward(y)
        ctx.dim = dim
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad - backend.xp_of(y).exp(y) * grad.sum(axis=ctx.dim, keepdims=True)
