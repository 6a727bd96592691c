r"""Losses whose fused gradient is simpler or more stable than the chain rule through their parts."""

import numpy as np

from ..autograd import Function
from ..backend import xp_of
from .reduce import LogSoftmax


class CrossEntropy(Function):
    r"""Softmax cross-entropy from logits $z$ $(N, C)$ and a target distribution $q$ $(N, C)$, fused, with
    $p_n = \mathrm{softmax}(z_n)$: the gradient never forms $1/p$, which is why frameworks fuse the two.
    Every target form is one $q$: class indices $t$ give $q_n = \mathrm{onehot}(t_n)$; label smoothing
    $\varepsilon$ mixes in the uniform distribution, $q \leftarrow (1-\varepsilon)\,q + \varepsilon/C$; a
    row whose index is ``ignore_index`` gets $q_n = 0$ (no loss, no gradient), and ``"mean"`` then divides
    by the number of rows kept instead of $N$. Probability targets are $q$ itself (before smoothing) and
    get a gradient too. $\bar z_n = \bar\ell_n (p_n - q_n)$ when $q_n$ sums to 1.

    Forward: $\ell_n = -\sum_c q_{nc} \log p_{nc}$
    Backward: $\bar z_n = \bar\ell_n \big(p_n \textstyle\sum_c q_{nc} - q_n\big),\quad
    \bar q_n = -(1-\varepsilon)\,\bar\ell_n \log p_n$
    """

    @staticmethod
    def forward(ctx, z, t, reduction="mean", label_smoothing=0.0, ignore_index=-100):
        xp = xp_of(z)
        n, c = z.shape
        logp = LogSoftmax.forward(ctx, z, dim=1)
        if t.dtype.kind == "f":  # class probabilities
            q, kept, count = t, 1, n
        else:
            kept = t != ignore_index
            q = xp.zeros_like(logp)
            q[xp.arange(n)[kept], t[kept]] = 1
            count, kept = int(kept.sum()), kept[:, None]
        if label_smoothing:
            q = (1 - label_smoothing) * q + label_smoothing / c * kept
        loss = -(q * logp).sum(axis=1)
        ctx.save_for_backward(logp, q)
        ctx.reduction, ctx.eps, ctx.count = reduction, label_smoothing, count
        if reduction == "none":
            return loss
        return loss.sum() / loss.dtype.type(count) if reduction == "mean" else loss.sum()

    @staticmethod
    def backward(ctx, grad):
        logp, q = ctx.saved_tensors
        xp = xp_of(logp)
        if ctx.reduction == "none":
            grad = grad[:, None]
        elif ctx.reduction == "mean":
            grad = grad / ctx.count
        dz = (xp.exp(logp) * q.sum(axis=1, keepdims=True) - q) * grad
        dq = -(1 - ctx.eps) * logp * grad if ctx.needs_input_grad[1] else None
        return dz, dq


class BinaryCrossEntropy(Function):
    r"""Binary cross-entropy of probabilities $p$ against targets $y$, each log clamped at $-100$ (as torch
    does, so $p = 0$ or $1$ gives a finite loss); the denominator of $\bar p$ is at least $10^{-12}$.

    Forward: $\ell = -\big(y \log p + (1-y) \log(1-p)\big)$
    Backward: $\bar p = \bar\ell\,(p - y) / \big(p(1-p)\big),\quad
    \bar y = \bar\ell\,\big(\log(1-p) - \log p\big)$
    """

    @staticmethod
    def forward(ctx, p, y):
        xp = xp_of(p)
        with np.errstate(divide="ignore"):
            log_p, log_1mp = xp.maximum(xp.log(p), -100), xp.maximum(xp.log(1 - p), -100)
        ctx.save_for_backward(p, y, log_p, log_1mp)
        return -(y * log_p + (1 - y) * log_1mp)

    @staticmethod
    def backward(ctx, grad):
        p, y, log_p, log_1mp = ctx.saved_tensors
        return grad * (p - y) / xp_of(p).maximum(p * (1 - p), 1e-12), grad * (log_1mp - log_p)


class BinaryCrossEntropyWithLogits(Function):
    r"""Sigmoid and binary cross-entropy in one step, computed as $\max(z, 0) - y z + \log(1 + e^{-|z|})$:
    no overflow, and no cancellation when $z \gg 0$.

    Forward: $\ell = \log(1 + e^{z}) - y z$
    Backward: $\bar z = \bar\ell\,\big(\sigma(z) - y\big),\quad \bar y = -\bar\ell\, z$
    """

    @staticmethod
    def forward(ctx, z, y):
        xp = xp_of(z)
        ctx.save_for_backward(z, y)
        return xp.maximum(z, 0) - y * z + xp.log1p(xp.exp(-xp.abs(z)))

    @staticmethod
    def backward(ctx, grad):
        z, y = ctx.saved_tensors
        xp = xp_of(z)
        sig = xp.exp(-xp.logaddexp(0, -z))  # sigmoid without overflow
        return grad * (sig - y), -grad * z
