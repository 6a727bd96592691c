r"""Normalisation: ``layer_norm``, ``batch_norm`` (functional), ``LayerNorm``, ``BatchNorm1d`` and ``2d``.

Both normalise $x$ to zero mean and unit variance over some axes and then apply a learned per-feature
scale $\gamma$ and shift $\beta$; they differ only in the axes. LayerNorm: the last dimensions of each
sample (every token on its own, so it behaves the same in training and evaluation). BatchNorm: every
axis except the channel axis 1, i.e. over the batch, so evaluation needs running statistics.
"""

from __future__ import annotations

import numpy as np

from .. import ops
from ..autograd import no_grad
from ..tensor import Tensor
from .modules import Module, Parameter


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    r"""$\gamma \odot (x - \mu)/\sqrt{\sigma^2 + \epsilon} + \beta$ over the last ``len(normalized_shape)``
    axes, like ``torch.nn.functional.layer_norm``."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(input.shape[input.ndim - len(shape):]) != shape or input.ndim < len(shape):
        raise ValueError(f"layer_norm: the input's last dimensions must be normalized_shape {shape}, got an "
                         f"input of shape {tuple(input.shape)}")
    y = ops.Normalize.apply(input, dim=tuple(range(-len(shape), 0)), eps=float(eps))
    y = y if weight is None else y * weight
    return y if bias is None else y + bias


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    r"""Batch normalisation over every axis but the channel axis 1, like ``torch.nn.functional.batch_norm``.

    Training: normalise with the batch mean and *biased* variance and, if running statistics are given,
    update them in place, $r \leftarrow (1 - m)\,r + m\,s$, with the *unbiased* batch variance
    ($\times n/(n-1)$). Evaluation: normalise with the running statistics."""
    axes = (0,) + tuple(range(2, input.ndim))
    shape = (1, -1) + (1,) * (input.ndim - 2)
    if training:
        n = input.data.size // input.shape[1]
        if n < 2:
            raise ValueError("batch_norm: expected more than 1 value per channel when training, got input "
                             f"of shape {tuple(input.shape)}")
        y = ops.Normalize.apply(input, dim=axes, eps=float(eps))
        if running_mean is not None:
            with no_grad():
                x = input.data
                mean, var = x.mean(axis=axes), x.var(axis=axes) * (n / (n - 1))
                running_mean.data[...] = (1 - momentum) * running_mean.data + momentum * mean
                running_var.data[...] = (1 - momentum) * running_var.data + momentum * var
    else:
        y = (input - running_mean.reshape(shape)) / (running_var.reshape(shape) + eps).sqrt()
    y = y if weight is None else y * weight.reshape(shape)
    return y if bias is None else y + bias.reshape(shape)


class LayerNorm(Module):
    r"""Layer normalisation over the last dimensions ``normalized_shape`` of each sample; parameters
    ``weight`` (ones) and ``bias`` (zeros) of that shape, as in torch. (Keras ``LayerNormalization``:
    ``epsilon=1e-3``, parameters ``gamma`` and ``beta``.)"""

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, dtype=np.float32):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        self.register_parameter("weight", Parameter(np.ones(shape, dtype)) if elementwise_affine else None)
        with_bias = elementwise_affine and bias
        self.register_parameter("bias", Parameter(np.zeros(shape, dtype)) if with_bias else None)

    def forward(self, x: Tensor) -> Tensor:
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


_SPATIAL = {2: "", 3: ", L", 4: ", H, W"}


class _BatchNorm(Module):
    r"""Batch normalisation per channel $c$ (axis 1), see ``batch_norm``. ``momentum=None`` makes the running
    statistics a cumulative average (factor $1/t$ at batch $t$), as in torch. (Keras
    ``BatchNormalization``: ``momentum=0.99`` weighs the *old* value, $r \leftarrow 0.99 r + 0.01 s$,
    ``epsilon=1e-3``, and it updates the moving variance with the biased batch variance.)"""

    input_dims = ()  # the input ndims a subclass accepts

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, dtype=np.float32):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype=dtype))
            self.bias = Parameter(np.zeros(num_features, dtype=dtype))
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype=dtype)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, dtype=dtype)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in self.input_dims or x.shape[1] != self.num_features:
            shapes = " or ".join(f"(N, {self.num_features}{_SPATIAL[d]})" for d in self.input_dims)
            raise ValueError(f"{self!r} expects inputs of shape {shapes}, got {tuple(x.shape)}")
        batch_stats = self.training or not self.track_running_stats
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data[...] += 1
            if self.momentum is None:
                momentum = 1.0 / int(self.num_batches_tracked.item())
        tracked = self.training and self.track_running_stats
        return batch_norm(x, self.running_mean if tracked or not batch_stats else None,
                          self.running_var if tracked or not batch_stats else None,
                          self.weight if self.affine else None, self.bias if self.affine else None,
                          training=batch_stats, momentum=momentum, eps=self.eps)

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}"


class BatchNorm1d(_BatchNorm):
    """Batch normalisation over (N, C) or (N, C, L) inputs."""

    input_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation over (N, C, H, W) inputs (per channel, over the batch and both spatial axes)."""

    input_dims = (4,)
