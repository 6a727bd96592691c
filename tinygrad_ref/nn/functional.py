r"""Stateless neural-network functions: activations, losses, ``linear``, ``conv2d``, pooling, dropout.

Ops whose fused gradient is simpler or more stable than the chain rule through their parts
(``linear``, ``log_softmax``, ``cross_entropy``, ``conv2d``, ...) call a ``Function`` of
``tinygrad_ref.ops`` (forward and backward side by side there); the rest are compositions of Tensor ops
(autograd derives their gradients). Functions that reduce over an axis take ``dim`` (``axis`` too).
Shapes follow PyTorch: ``(N, C)`` logits, ``(N, C, H, W)`` images, ``(out, in)`` weights.
"""

from __future__ import annotations

import numpy as np

from .. import backend, ops
from ..backend import xp_of
from ..tensor import Tensor, dim_args, rng, where
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


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    r"""Gaussian error linear unit $x\,\Phi(x)$, like ``torch.nn.functional.gelu`` (Keras: ``gelu``, whose
    ``approximate`` is a bool)."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f'gelu: approximate must be "none" or "tanh", got {approximate!r}')
    return ops.Gelu.apply(x, approximate=approximate)


def log_softmax(x: Tensor, dim=None, *, axis=None) -> Tensor:
    r"""$x_j - \log\sum_k e^{x_k}$ along ``dim`` (default: the last axis)."""
    return ops.LogSoftmax.apply(x, dim=dim_args("log_softmax", dim, axis=axis, default=-1)[0])


def softmax(x: Tensor, dim=None, *, axis=None) -> Tensor:
    r"""$e^{x_j} / \sum_k e^{x_k}$ along ``dim`` (default: the last axis), as $\exp(\text{log\_softmax}(x))$
    (stable for any logits)."""
    return log_softmax(x, dim, axis=axis).exp()


def logsumexp(x: Tensor, dim=None, keepdim=None, *, axis=None, keepdims=None) -> Tensor:
    r"""$\log\sum_j e^{x_j} = m + \log\sum_j e^{x_j - m}$ with $m = \max_j x_j$: every exponent is
    $\le 0$, so nothing overflows. $m$ is a constant (``detach``): the identity holds for any $m$, so
    the gradient, $\mathrm{softmax}(x)$, does not flow through it."""
    dim, keepdim = dim_args("logsumexp", dim, keepdim, axis, keepdims, default=-1)
    m = x.max(dim, keepdim=True).detach()
    out = m + (x - m).exp().sum(dim, keepdim=True).log()
    return out if keepdim else out.squeeze(dim)


# ---------------------------------------------------------------------------------------- linear layers
def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    r"""$x W^\top + b$ (PyTorch's weight layout ``(out_features, in_features)``)."""
    if x.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear: input of shape {tuple(x.shape)} does not fit weight of shape "
                         f"{tuple(weight.shape)}: the input's last dimension must be {weight.shape[1]}")
    return ops.Linear.apply(x, weight) if bias is None else ops.Linear.apply(x, weight, bias)


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
    return ops.CrossEntropy.apply(input, target, reduction=reduction, label_smoothing=float(label_smoothing),
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


def binary_cross_entropy(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of probabilities ``input`` in [0, 1] (Keras: ``BinaryCrossentropy()``)."""
    target = _same_shape_target("binary_cross_entropy", input, target)
    p = input.data
    if p.size and (float(p.min()) < 0 or float(p.max()) > 1):
        raise ValueError("binary_cross_entropy: input must be probabilities in [0, 1] (apply sigmoid "
                         "first, or use binary_cross_entropy_with_logits)")
    return _reduce(ops.BinaryCrossEntropy.apply(input, target), reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """Sigmoid + binary cross-entropy in one stable step (Keras: ``BinaryCrossentropy(from_logits=True)``)."""
    target = _same_shape_target("binary_cross_entropy_with_logits", input, target)
    loss = ops.BinaryCrossEntropyWithLogits.apply(input, target)
    return _reduce(loss, reduction, "binary_cross_entropy_with_logits")


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
    weights = softmax(scores, dim=-1)
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
