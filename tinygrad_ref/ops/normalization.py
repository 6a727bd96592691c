r"""The normalisation shared by LayerNorm and BatchNorm (they differ only in the axes ``dim``)."""

from .. import backend
from ..autograd import Function


class Normalize(Function):
    r"""Zero mean and unit variance over ``dim`` ($n$ elements per group; biased variance, plus
    $\epsilon$). The backward is the chain rule through $\mu$ and $\sigma$, simplified (means over the
    same axes): the two subtracted terms remove the parts of $\bar{\hat x}$ that a shift or a rescaling of
    $x$ could not change.

    Forward: $\hat x = (x - \mu)/\sigma,\quad \sigma = \sqrt{\mathrm{var}(x) + \epsilon}$
    Backward: $\bar x = \frac1\sigma\big(\bar{\hat x} - \mathrm{mean}(\bar{\hat x})
    - \hat x\,\mathrm{mean}(\bar{\hat x}\,\hat x)\big)$
    """

    @staticmethod
    def forward(ctx, x, dim=(-1,), eps=1e-5):
        xp = backend.xp_of(x)
        centered = x - x.mean(axis=dim, keepdims=True)
        inv_std = 1 / xp.sqrt((centered * centered).mean(axis=dim, keepdims=True) + eps)
        x_hat = centered * inv_std
        ctx.save_for_backward(x_hat, inv_std)
        ctx.dim = dim
        return x_hat

    @staticmethod
    def backward(ctx, grad):
        x_hat, inv_std = ctx.saved_tensors
        mean = lambda a: a.mean(axis=ctx.dim, keepdims=True)  # noqa: E731
        return inv_std * (grad - mean(grad) - x_hat * mean(grad * x_hat))
