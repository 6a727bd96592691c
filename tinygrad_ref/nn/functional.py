r"""Stateless neural-network functions: activations, losses, ``linear``, ``conv2d``, pooling, dropout.

Ops whose fused gradient is simpler or more stable than the chain rule through their parts
(``linear``, ``log_softmax``, ``cross_entropy``, ``conv2d``, ...) are written as ``Function``\s with
forward and backward side by side; the rest are compositions of Tensor ops (autograd derives their
gradients). Shapes follow PyTorch: ``(N, C)`` logits, ``(N, C, H, W)`` images, ``(out, in)`` weights.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..backend import xp_of
from ..tensor import Tensor, rng, where


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
def _check_class_targets(name, logits, target):
    target = _as_tensor(target, logits)
    if target.data.dtype.kind not in "iu":
        raise TypeError(f"{name}: target must hold integer class indices (dtype int64), got dtype "
                        f"{target.data.dtype}; convert with y.astype(np.int64) (class probabilities are "
                        "not supported)")
    if logits.ndim != 2 or target.ndim != 1 or target.shape[0] != logits.shape[0]:
        raise ValueError(f"{name}: expected input (N, C) and target (N,), got input {tuple(logits.shape)} "
                         f"and target {tuple(target.shape)}")
    t = target.data
    if t.size and (int(t.min()) < 0 or int(t.max()) >= logits.shape[1]):
        raise IndexError(f"{name}: target values must lie in [0, {logits.shape[1] - 1}] (C = "
                         f"{logits.shape[1]} classes), got values from {int(t.min())} to {int(t.max())}")
    return target


class CrossEntropyFn(Function):
    r"""Softmax cross-entropy from logits $z$ $(N, C)$ and class indices $t$ $(N,)$, fused.

    With $p = \mathrm{softmax}(z)$ and target distribution $q = (1-\varepsilon)\,\mathrm{onehot}(t) +
    \varepsilon/C$ (label smoothing $\varepsilon$): $\ell_n = -\sum_c q_{nc}\log p_{nc}$ and
    $\partial\ell_n/\partial z_n = p_n - q_n$ — the gradient never forms $1/p$, which is why frameworks fuse
    the two. ``reduction="mean"`` divides by $N$."""

    @staticmethod
    def forward(ctx, z, t, reduction="mean", label_smoothing=0.0):
        xp = xp_of(z)
        n, c = z.shape
        logp = LogSoftmax.forward(ctx, z, axis=1)
        loss = -logp[xp.arange(n), t]
        if label_smoothing:
            loss = (1 - label_smoothing) * loss - label_smoothing / c * logp.sum(axis=1)
        ctx.save_for_backward(logp, t)
        ctx.reduction, ctx.eps = reduction, label_smoothing
        if reduction == "none":
            return loss
        return loss.sum() / n if reduction == "mean" else loss.sum()

    @staticmethod
    def backward(ctx, grad):
        logp, t = ctx.saved_tensors
        xp = xp_of(logp)
        n, c = logp.shape
        dz = xp.exp(logp)
        dz[xp.arange(n), t] -= 1 - ctx.eps
        if ctx.eps:
            dz -= ctx.eps / c
        if ctx.reduction == "none":
            return dz * grad[:, None], None
        return dz * (grad / n if ctx.reduction == "mean" else grad), None


def cross_entropy(input: Tensor, target, reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy between logits ``input`` (N, C) and integer class ``target`` (N,), like
    ``torch.nn.functional.cross_entropy`` (Keras: ``SparseCategoricalCrossentropy(from_logits=True)``)."""
    target = _check_class_targets("cross_entropy", input, target)
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f'cross_entropy: reduction must be "mean", "sum" or "none", got {reduction!r}')
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    return CrossEntropyFn.apply(input, target, reduction=reduction, label_smoothing=float(label_smoothing))


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


# ---------------------------------------------------------------------------------- convolution, pooling
def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _out_size(size, k, s, p):
    return (size + 2 * p - k) // s + 1


class Conv2dFn(Function):
    r"""2-D cross-correlation, NCHW, by im2col + one matrix product.

    im2col gathers every $k_h\times k_w$ patch into a column: ``cols`` has shape $(C k_h k_w,\, N O_h O_w)$.
    Then $Y = W_{mat}\,\text{cols}$ with $W_{mat}$ the weight reshaped to $(O, C k_h k_w)$.
    Backward: $\bar W_{mat} = \bar Y\,\text{cols}^\top$ and $\overline{\text{cols}} = W_{mat}^\top \bar Y$,
    which col2im scatters (adds) back onto the input positions each patch came from."""

    @staticmethod
    def forward(ctx, x, w, stride=(1, 1), padding=(0, 0)):
        xp = xp_of(x)
        (n, c, h, wd), (o, _, kh, kw), (sh, sw), (ph, pw) = x.shape, w.shape, stride, padding
        oh, ow = _out_size(h, kh, sh, ph), _out_size(wd, kw, sw, pw)
        xpad = xp.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))) if ph or pw else x
        cols = xp.empty((c, kh, kw, n, oh, ow), dtype=x.dtype)
        for i in range(kh):
            for j in range(kw):
                cols[:, i, j] = xpad[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw].transpose(1, 0, 2, 3)
        cols = cols.reshape(c * kh * kw, n * oh * ow)
        ctx.save_for_backward(cols, w)
        ctx.geometry = (x.shape, xpad.shape, oh, ow, stride, padding)
        y = w.reshape(o, -1) @ cols  # (O, N*OH*OW)
        return y.reshape(o, n, oh, ow).transpose(1, 0, 2, 3)

    @staticmethod
    def backward(ctx, grad):
        cols, w = ctx.saved_tensors
        xp = xp_of(w)
        (n, c, h, wd), pad_shape, oh, ow, (sh, sw), (ph, pw) = ctx.geometry
        o, _, kh, kw = w.shape
        g = grad.transpose(1, 0, 2, 3).reshape(o, -1)  # (O, N*OH*OW)
        gw = (g @ cols.T).reshape(w.shape)
        gcols = (w.reshape(o, -1).T @ g).reshape(c, kh, kw, n, oh, ow)
        gx = xp.zeros(pad_shape, dtype=grad.dtype)
        for i in range(kh):
            for j in range(kw):
                gx[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw] += gcols[:, i, j].transpose(1, 0, 2, 3)
        return gx[:, :, ph:ph + h, pw:pw + wd], gw


def conv2d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0) -> Tensor:
    """2-D convolution (cross-correlation) of ``x`` (N, C, H, W) with ``weight`` (O, C, kh, kw)."""
    stride, padding = _pair(stride), _pair(padding)
    if x.ndim != 4 or weight.ndim != 4 or x.shape[1] != weight.shape[1]:
        raise ValueError(f"conv2d: expected input (N, C, H, W) and weight (O, C, kh, kw) with the same C, "
                         f"got input {tuple(x.shape)} and weight {tuple(weight.shape)}")
    if any(_out_size(x.shape[2 + d], weight.shape[2 + d], stride[d], padding[d]) < 1 for d in (0, 1)):
        raise ValueError(f"conv2d: kernel {tuple(weight.shape[2:])} is larger than the padded input "
                         f"{tuple(x.shape[2:])} + padding {padding}")
    y = Conv2dFn.apply(x, weight, stride=stride, padding=padding)
    return y if bias is None else y + bias.reshape(1, -1, 1, 1)


class MaxPool2dFn(Function):
    r"""Max over each $k_h \times k_w$ window (stride $s$, padding with $-\infty$): a running
    ``maximum`` over the $k_h k_w$ shifted views of the input. The gradient goes to the first position
    (in row-major window order, as in torch) that holds the window's maximum:
    $\bar x_{\arg\max} \mathrel{+}= \bar y$."""

    @staticmethod
    def forward(ctx, x, kernel_size=(2, 2), stride=(2, 2), padding=(0, 0)):
        xp = xp_of(x)
        (h, w), (kh, kw), (sh, sw), (ph, pw) = x.shape[2:], kernel_size, stride, padding
        oh, ow = _out_size(h, kh, sh, ph), _out_size(w, kw, sw, pw)
        xpad = xp.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf) if ph or pw else x
        views = [(i, j) for i in range(kh) for j in range(kw)]
        out = xpad[:, :, 0:sh * oh:sh, 0:sw * ow:sw].copy()
        for i, j in views[1:]:
            xp.maximum(out, xpad[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw], out=out)
        ctx.save_for_backward(xpad, out)
        ctx.geometry = (x.shape, views, stride, padding, oh, ow)
        return out

    @staticmethod
    def backward(ctx, grad):
        xpad, out = ctx.saved_tensors
        (n, c, h, w), views, (sh, sw), (ph, pw), oh, ow = ctx.geometry
        xp = xp_of(grad)
        gx = xp.zeros(xpad.shape, dtype=grad.dtype)
        taken = xp.zeros(out.shape, dtype=bool)  # windows whose maximum already got the gradient
        for i, j in views:
            first = (xpad[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw] == out) & ~taken
            gx[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw] += grad * first
            taken |= first
        return (gx[:, :, ph:ph + h, pw:pw + w],)


def max_pool2d(x: Tensor, kernel_size, stride=None, padding=0) -> Tensor:
    """Max pooling over (N, C, H, W); ``stride`` defaults to ``kernel_size`` as in torch."""
    kernel_size = _pair(kernel_size)
    stride, padding = _pair(kernel_size if stride is None else stride), _pair(padding)
    if x.ndim != 4:
        raise ValueError(f"max_pool2d: expected input (N, C, H, W), got shape {tuple(x.shape)}")
    if any(2 * p > k for p, k in zip(padding, kernel_size)):
        raise ValueError(f"max_pool2d: padding {padding} must be at most half the kernel {kernel_size}")
    return MaxPool2dFn.apply(x, kernel_size=kernel_size, stride=stride, padding=padding)


def flatten(x: Tensor, start_dim: int = 1) -> Tensor:
    return x.flatten(start_dim)


__all__ = ["relu", "softmax", "log_softmax", "logsumexp", "linear", "cross_entropy",
           "nll_loss", "mse_loss", "l1_loss", "huber_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "dropout", "conv2d", "max_pool2d", "flatten"]
