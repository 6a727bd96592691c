r"""Stateless neural-network functions: activations, losses, ``linear``, ``conv2d``, pooling, dropout.

Ops whose fused gradient is simpler or more stable than the chain rule through their parts
(``linear``, ``log_softmax``, ``cross_entropy``, ``conv2d``, ...) are written as ``Function``\s with
forward and backward side by side; the rest are compositions of Tensor ops (autograd derives their
gradients). Shapes follow PyTorch: ``(N, C)`` logits, ``(N, C, H, W)`` images, ``(out, in)`` weights.
"""

from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Function
from ..backend import xp_of
from ..tensor import Tensor, rng, where
from .conv import _pair, avg_pool2d, conv2d, max_pool2d, pad  # noqa: F401  (re-exported)
from .normalization import batch_norm, layer_norm  # noqa: F401  (re-exported)
from .sparse import embedding  # noqa: F401  (re-exported)


def _as_tensor(x, like: Tensor) -> Tensor:
    """``x`` as a Tensor on the device of ``like`` (targets given as NumPy arrays or lists)."""
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x), device=like.device)


def _reduce(loss: Tensor, reduction: str, name: str) -> Tensor:
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f'{name}: reduction must be "mean", "sum" or "none", got {reduction!r}')
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


def _same_shape_target(name, input, target) -> Tensor:
    """``target`` as a Tensor (see ``_as_tensor``) after checking that it has ``input``'s shape."""
    target = _as_tensor(target, input)
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(f"{name}: input shape {tuple(input.shape)} and target shape {tuple(target.shape)} "
                         "must be equal (broadcasting a loss is almost always a bug)")
    return target


# ------------------------------------------------------------------------------------------- activations
def relu(x: Tensor) -> Tensor:
    r"""$\max(x, 0)$."""
    return x.relu()


class GeluFn(Function):
    r"""$z = x\,\Phi(x)$ with $\Phi(x) = \tfrac12\big(1 + \mathrm{erf}(x/\sqrt2)\big)$ the standard normal
    CDF: $x$ weighted by the probability that a standard normal is below it.
    Backward: $\bar x = \bar z\,\big(\Phi(x) + x\,\varphi(x)\big)$, $\varphi(x) = e^{-x^2/2}/\sqrt{2\pi}$.

    ``approximate="tanh"``: $z = \tfrac12 x\,(1 + \tanh u)$, $u = \sqrt{2/\pi}\,(x + 0.044715\,x^3)$, and
    $\bar x = \bar z\,\big(\tfrac12(1 + \tanh u) + \tfrac12 x\,(1 - \tanh^2 u)\,\sqrt{2/\pi}\,
    (1 + 3 \cdot 0.044715\,x^2)\big)$."""

    @staticmethod
    def forward(ctx, x, approximate="none"):
        xp = xp_of(x)
        ctx.save_for_backward(x)
        ctx.approximate = approximate
        if approximate == "tanh":
            ctx.t = xp.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3))
            return 0.5 * x * (1 + ctx.t)
        ctx.cdf = 0.5 * (1 + backend.erf(x / np.sqrt(2)))
        return x * ctx.cdf

    @staticmethod
    def backward(ctx, grad):
        (x,), xp = ctx.saved_tensors, xp_of(grad)
        if ctx.approximate == "tanh":
            t = ctx.t
            du = np.sqrt(2 / np.pi) * (1 + 3 * 0.044715 * x * x)
            return grad * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du)
        return grad * (ctx.cdf + x * xp.exp(-0.5 * x * x) / np.sqrt(2 * np.pi))


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    r"""Gaussian error linear unit $x\,\Phi(x)$, like ``torch.nn.functional.gelu`` (Keras: ``gelu``, whose
    ``approximate`` is a bool)."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f'gelu: approximate must be "none" or "tanh", got {approximate!r}')
    return GeluFn.apply(x, approximate=approximate)


class LogSoftmax(Function):
    r"""$y_j = x_j - \log\sum_k e^{x_k}$, computed with $x - \max x$ (no overflow);
    $\bar x = \bar y - \mathrm{softmax}(x)\sum_k \bar y_k$."""

    @staticmethod
    def forward(ctx, x, axis=-1):
        xp = xp_of(x)
        shifted = x - x.max(axis=axis, keepdims=True)
        y = shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))
        ctx.save_for_backward(y)
        ctx.axis = axis
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return (grad - xp_of(y).exp(y) * grad.sum(axis=ctx.axis, keepdims=True),)


def log_softmax(x: Tensor, axis=-1) -> Tensor:
    return LogSoftmax.apply(x, axis=axis)


def softmax(x: Tensor, axis=-1) -> Tensor:
    r"""$e^{x_j} / \sum_k e^{x_k}$, as $\exp(\text{log\_softmax}(x))$ (stable for any logits)."""
    return log_softmax(x, axis).exp()


def logsumexp(x: Tensor, axis=-1, keepdims=False) -> Tensor:
    r"""$\log\sum_j e^{x_j} = m + \log\sum_j e^{x_j - m}$ with $m = \max_j x_j$: every exponent is
    $\le 0$, so nothing overflows. $m$ is a constant (``detach``): the identity holds for any $m$, so
    the gradient, $\mathrm{softmax}(x)$, does not flow through it."""
    m = x.max(axis=axis, keepdims=True).detach()
    out = m + (x - m).exp().sum(axis=axis, keepdims=True).log()
    return out if keepdims else out.squeeze(axis)


# ---------------------------------------------------------------------------------------- linear layers
class LinearFn(Function):
    r"""$Y = X W^\top + b$ for $X$ of shape $(\dots, in)$, $W$ $(out, in)$, $b$ $(out,)$.

    $\bar X = \bar Y W$, $\bar W = \bar Y^\top X$ (batch dimensions flattened), $\bar b = \sum_n \bar Y_n$."""

    @staticmethod
    def forward(ctx, x, w, b=None):
        ctx.save_for_backward(x, w)
        ctx.has_bias = b is not None
        return x @ w.T if b is None else x @ w.T + b

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        g2 = grad.reshape(-1, grad.shape[-1])
        grads = (grad @ w, g2.T @ x.reshape(-1, x.shape[-1]))
        return grads + (g2.sum(axis=0),) if ctx.has_bias else grads


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    r"""$x W^\top + b$ (PyTorch's weight layout ``(out_features, in_features)``)."""
    if x.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear: input of shape {tuple(x.shape)} does not fit weight of shape "
                         f"{tuple(weight.shape)}: the input's last dimension must be {weight.shape[1]}")
    return LinearFn.apply(x, weight) if bias is None else LinearFn.apply(x, weight, bias)


# ------------------------------------------------------------------------------------------------ losses
def _check_class_targets(name, logits, target, ignore_index=None):
    target = _as_tensor(target, logits)
    if target.data.dtype.kind not in "iu":
        raise TypeError(f"{name}: target must hold integer class indices (dtype int64), got dtype "
                        f"{target.data.dtype}; convert with y.astype(np.int64)"
                        + (" (class probabilities are accepted too, with the input's shape (N, C))"
                           if name == "cross_entropy" else ""))
    if logits.ndim != 2 or target.ndim != 1 or target.shape[0] != logits.shape[0]:
        raise ValueError(f"{name}: expected input (N, C) and target (N,), got input {tuple(logits.shape)} "
                         f"and target {tuple(target.shape)}")
    t = target.data if ignore_index is None else target.data[target.data != ignore_index]
    if t.size and (int(t.min()) < 0 or int(t.max()) >= logits.shape[1]):
        raise IndexError(f"{name}: target values must lie in [0, {logits.shape[1] - 1}] (C = "
                         f"{logits.shape[1]} classes) or equal ignore_index={ignore_index}, got values from "
                         f"{int(t.min())} to {int(t.max())}")
    return target


class CrossEntropyFn(Function):
    r"""Softmax cross-entropy from logits $z$ $(N, C)$ and a target distribution $q$ $(N, C)$, fused.

    $\ell_n = -\sum_c q_{nc}\log p_{nc}$ with $p_n = \mathrm{softmax}(z_n)$, and
    $\partial\ell_n/\partial z_n = p_n \sum_c q_{nc} - q_n$ ($= p_n - q_n$ when $q_n$ sums to 1): the
    gradient never forms $1/p$, which is why frameworks fuse the two. Every target form is one $q$:
    class indices $t$ give $q_n = \mathrm{onehot}(t_n)$; label smoothing $\varepsilon$ mixes in the uniform
    distribution, $q \leftarrow (1-\varepsilon)\,q + \varepsilon/C$; a row whose index is ``ignore_index``
    gets $q_n = 0$ (no loss, no gradient), and ``"mean"`` then divides by the number of rows kept instead of
    $N$. Probability targets are $q$ itself (before smoothing) and get a gradient too:
    $\bar q_n = -(1-\varepsilon)\,\bar\ell_n \log p_n$."""

    @staticmethod
    def forward(ctx, z, t, reduction="mean", label_smoothing=0.0, ignore_index=-100):
        xp = xp_of(z)
        n, c = z.shape
        logp = LogSoftmax.forward(ctx, z, axis=1)
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


def cross_entropy(input: Tensor, target, reduction: str = "mean", label_smoothing: float = 0.0,
                  ignore_index: int = -100) -> Tensor:
    """Cross-entropy between logits ``input`` (N, C) and ``target``: integer class indices (N,) (rows equal
    to ``ignore_index`` are left out) or class probabilities (N, C), like
    ``torch.nn.functional.cross_entropy`` (Keras: ``SparseCategoricalCrossentropy(from_logits=True)``, or
    ``CategoricalCrossentropy(from_logits=True)`` for probabilities)."""
    target = _as_tensor(target, input)
    if target.data.dtype.kind == "f" and target.ndim == input.ndim:
        if tuple(target.shape) != tuple(input.shape) or input.ndim != 2:
            raise ValueError("cross_entropy: class-probability targets must have the input's shape (N, C), "
                             f"got input {tuple(input.shape)} and target {tuple(target.shape)}")
    else:
        target = _check_class_targets("cross_entropy", input, target, ignore_index)
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f'cross_entropy: reduction must be "mean", "sum" or "none", got {reduction!r}')
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    return CrossEntropyFn.apply(input, target, reduction=reduction, label_smoothing=float(label_smoothing),
                                ignore_index=int(ignore_index))


def nll_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of integer ``target`` under log-probabilities ``input`` (N, C)."""
    target = _check_class_targets("nll_loss", input, target)
    rows = xp_of(input.data).arange(input.shape[0])
    return _reduce(-input[rows, target], reduction, "nll_loss")


def mse_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    r"""$(x - y)^2$, averaged (Keras: ``MeanSquaredError``)."""
    target = _same_shape_target("mse_loss", input, target)
    d = input - target
    return _reduce(d * d, reduction, "mse_loss")


def l1_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    r"""$|x - y|$, averaged (Keras: ``MeanAbsoluteError``)."""
    target = _same_shape_target("l1_loss", input, target)
    return _reduce((input - target).abs(), reduction, "l1_loss")


def huber_loss(input: Tensor, target, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    r"""$\tfrac12 d^2$ where $|d| \le \delta$, else $\delta(|d| - \tfrac12\delta)$, with $d = x - y$
    (quadratic near 0, linear in the tails; Keras: ``Huber(delta)``)."""
    target = _same_shape_target("huber_loss", input, target)
    d = input - target
    a = d.abs()
    return _reduce(where(a.data <= delta, 0.5 * d * d, delta * (a - 0.5 * delta)), reduction, "huber_loss")


class BCEFn(Function):
    r"""$\ell = -[y\log p + (1-y)\log(1-p)]$ with each log clamped at $-100$ (as torch does, so $p=0$ or $1$
    gives a finite loss); $\bar p = \bar\ell\,(p - y)/\max(p(1-p), 10^{-12})$, $\bar y = \bar\ell\,
    (\log(1-p) - \log p)$."""

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


def binary_cross_entropy(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of probabilities ``input`` in [0, 1] (Keras: ``BinaryCrossentropy()``)."""
    target = _same_shape_target("binary_cross_entropy", input, target)
    p = input.data
    if p.size and (float(p.min()) < 0 or float(p.max()) > 1):
        raise ValueError("binary_cross_entropy: input must be probabilities in [0, 1] (apply sigmoid "
                         "first, or use binary_cross_entropy_with_logits)")
    return _reduce(BCEFn.apply(input, target), reduction, "binary_cross_entropy")


class BCEWithLogitsFn(Function):
    r"""$\ell = \log(1 + e^{z}) - y z$, computed as $\max(z, 0) - y z + \log(1 + e^{-|z|})$ (no overflow,
    and no cancellation when $z \gg 0$); $\bar z = \bar\ell\,(\sigma(z) - y)$, $\bar y = -\bar\ell z$."""

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


def binary_cross_entropy_with_logits(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """Sigmoid + binary cross-entropy in one stable step (Keras: ``BinaryCrossentropy(from_logits=True)``)."""
    target = _same_shape_target("binary_cross_entropy_with_logits", input, target)
    return _reduce(BCEWithLogitsFn.apply(input, target), reduction, "binary_cross_entropy_with_logits")


# --------------------------------------------------------------------------------------------- dropout
def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    r"""Inverted dropout: each element is zeroed with probability $p$ and the survivors are scaled by
    $1/(1-p)$, so $\mathbb E[\text{output}] = x$ and evaluation needs no rescaling (identity when not
    training). The mask comes from the global generator (``tinygrad_ref.manual_seed``)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    keep = rng().random(tuple(x.shape)) >= p
    mask = xp_of(x.data).asarray(keep / (1.0 - p), dtype=x.data.dtype)
    return x * Tensor(mask)


# ------------------------------------------------------------------------------------------------ attention
def _attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, training=True):
    """Scaled dot-product attention returning ``(output, weights)`` (the weights for MultiheadAttention)."""
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise ValueError("scaled_dot_product_attention: expected query (..., L, E), key (..., S, E) and "
                         f"value (..., S, Ev), got {tuple(query.shape)}, {tuple(key.shape)} and "
                         f"{tuple(value.shape)}")
    if is_causal and attn_mask is not None:
        raise ValueError("scaled_dot_product_attention: pass either attn_mask or is_causal=True, not both")
    scale = 1 / np.sqrt(query.shape[-1]) if scale is None else scale
    scores = (query @ key.transpose(-2, -1)) * scale  # (..., L, S)
    if is_causal:  # query i may look at keys 0..i only
        attn_mask = np.tril(np.ones(scores.shape[-2:], dtype=bool))
    if attn_mask is not None:
        mask = attn_mask.data if isinstance(attn_mask, Tensor) else attn_mask
        mask = backend.to_device(mask, scores.device)
        scores = where(mask, scores, -np.inf) if mask.dtype == bool else scores + Tensor._make(mask, False)
    weights = softmax(scores, axis=-1)
    if dropout_p:
        weights = dropout(weights, dropout_p, training)
    return weights @ value, weights


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask=None,
                                 dropout_p: float = 0.0, is_causal: bool = False, scale=None) -> Tensor:
    r"""$\mathrm{softmax}\big(Q K^\top / \sqrt{E} + M\big)\, V$ for query $(\dots, L, E)$, key $(\dots, S, E)$
    and value $(\dots, S, E_v)$, like ``torch.nn.functional.scaled_dot_product_attention``.

    ``attn_mask`` broadcasts to $(\dots, L, S)$: a *bool* mask says which keys each query may attend to
    (``True`` = take part; the others get $-\infty$ before the softmax), a *float* mask is added to the
    scores. ``is_causal=True`` lets query $i$ see keys $0..i$ only. Composed from Tensor ops, so autograd
    derives the backward pass (notebook 13 writes it by hand)."""
    return _attention(query, key, value, attn_mask, dropout_p, is_causal, scale)[0]


# ------------------------------------------------------------------------------------------------ shapes
def flatten(x: Tensor, start_dim: int = 1) -> Tensor:
    return x.flatten(start_dim)


__all__ = ["relu", "gelu", "softmax", "log_softmax", "logsumexp", "linear", "cross_entropy", "nll_loss",
           "mse_loss", "l1_loss", "huber_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
           "dropout", "scaled_dot_product_attention", "layer_norm", "batch_norm", "embedding", "conv2d",
           "max_pool2d", "avg_pool2d", "pad", "flatten"]
