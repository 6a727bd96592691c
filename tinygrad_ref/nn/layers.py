"""Layers: ``Linear``, ``Conv2d``, ``BatchNorm1d``, ``Dropout``, pooling, activations, ``Flatten``.

Weights are created with torch's default initialisation and layout, so a torch ``state_dict`` loads
directly (``model.load_state_dict(torch_model.state_dict())``) and the two give the same outputs.
"""

from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor
from . import functional as F
from . import init
from .modules import Module, Parameter


class Linear(Module):
    r"""$y = x W^\top + b$ with $W$ of shape ``(out_features, in_features)``.

    torch's default initialisation: ``kaiming_uniform_(W, a=sqrt(5))``, i.e.
    $W \sim U(-1/\sqrt{in}, 1/\sqrt{in})$,
    and $b \sim U(-1/\sqrt{in}, 1/\sqrt{in})$. (Keras ``Dense``: Glorot-uniform kernel of shape
    ``(in, out)``, zero bias.)"""

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype=np.float32):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(np.zeros((out_features, in_features), dtype))
        self.register_parameter("bias", Parameter(np.zeros(out_features, dtype)) if bias else None)
        self.reset_parameters()

    def reset_parameters(self):
        """torch's default initialisation (see the class docstring); ``Conv2d`` shares it."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(init._calculate_fan_in_and_fan_out(self.weight)[0])
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim < 1 or x.shape[-1] != self.in_features:
            raise ValueError(f"{self!r} expects inputs of shape (..., {self.in_features}), got an input of "
                             f"shape {tuple(x.shape)} (weight shape {tuple(self.weight.shape)})")
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self):
        bias = self.bias is not None
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={bias}"


class Conv2d(Module):
    r"""2-D convolution over (N, C, H, W) inputs; weight ``(out_channels, in_channels, kh, kw)``.

    Output size per spatial dimension: $\lfloor (H + 2p - k)/s \rfloor + 1$. Initialisation as torch:
    weight ``kaiming_uniform_(a=sqrt(5))``, bias $U(-1/\sqrt{\text{fan\_in}}, 1/\sqrt{\text{fan\_in}})$ with
    $\text{fan\_in} = C k_h k_w$. (Keras ``Conv2D`` is NHWC by default, kernel ``(kh, kw, C, O)``.)"""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 bias: bool = True, dtype=np.float32):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = F._pair(kernel_size), F._pair(stride), F._pair(padding)
        self.weight = Parameter(np.zeros((out_channels, in_channels, *self.kernel_size), dtype))
        self.register_parameter("bias", Parameter(np.zeros(out_channels, dtype)) if bias else None)
        self.reset_parameters()

    reset_parameters = Linear.reset_parameters

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"{self!r} expects inputs of shape (N, {self.in_channels}, H, W), got an input "
                             f"of shape {tuple(x.shape)}")
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding)

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}, bias={self.bias is not None}")


class BatchNorm1d(Module):
    r"""Batch normalisation over (N, C) or (N, C, L) inputs, per channel $c$.

    Training: $\hat x = (x - \mu_B)/\sqrt{\sigma_B^2 + \epsilon}$ with the batch mean and *biased*
    variance, output $\gamma \hat x + \beta$, and running statistics updated as
    $r \leftarrow (1 - m)\,r + m\,s$ with momentum $m$ (default 0.1) and the *unbiased* batch variance
    ($\times n/(n-1)$), as torch does. Evaluation normalises with the running statistics instead.
    (Keras ``BatchNormalization``: ``momentum=0.99`` weighs the *old* value, $r \leftarrow 0.99 r + 0.01 s$,
    ``epsilon=1e-3``, and it updates the moving variance with the biased batch variance.)"""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, affine: bool = True,
                 track_running_stats: bool = True, dtype=np.float32):
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
        if x.ndim not in (2, 3) or x.shape[1] != self.num_features:
            raise ValueError(f"{self!r} expects inputs of shape (N, {self.num_features}) or "
                             f"(N, {self.num_features}, L), got {tuple(x.shape)}")
        axes, shape = ((0,), (1, -1)) if x.ndim == 2 else ((0, 2), (1, -1, 1))  # reduce over all but C
        if self.training or not self.track_running_stats:
            n = x.data.size // self.num_features
            if n < 2 and self.training:
                raise ValueError(f"{self!r}: expected more than 1 value per channel when training, got input "
                                 f"of shape {tuple(x.shape)}")
            mean = x.mean(axis=axes, keepdims=True)
            centered = x - mean
            var = (centered * centered).mean(axis=axes, keepdims=True)  # biased: normalises the batch
            if self.training and self.track_running_stats:
                m = self.momentum
                self.running_mean.data[...] = (1 - m) * self.running_mean.data + m * mean.data.reshape(-1)
                unbiased = var.data.reshape(-1) * (n / (n - 1))
                self.running_var.data[...] = (1 - m) * self.running_var.data + m * unbiased
                self.num_batches_tracked.data[...] += 1
            x_hat = centered / (var + self.eps).sqrt()
        else:
            std = (self.running_var.reshape(shape) + self.eps).sqrt()
            x_hat = (x - self.running_mean.reshape(shape)) / std
        return x_hat * self.weight.reshape(shape) + self.bias.reshape(shape) if self.affine else x_hat

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}"


class Dropout(Module):
    r"""During training, zero each element with probability $p$ and scale the rest by $1/(1-p)$;
    in ``eval()`` mode, the identity. (Keras ``Dropout(rate)``: the same inverted dropout.)"""

    def __init__(self, p: float = 0.5):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability must be in [0, 1], got {p}")
        self.p = p

    def forward(self, x):
        return F.dropout(x, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"


class MaxPool2d(Module):
    """Max over ``kernel_size`` windows of (N, C, H, W) inputs; ``stride`` defaults to ``kernel_size``."""

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, x):
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding)

    def extra_repr(self):
        stride = self.kernel_size if self.stride is None else self.stride
        return f"kernel_size={self.kernel_size}, stride={stride}, padding={self.padding}"


class Flatten(Module):
    """(N, d1, d2, ...) -> (N, d1*d2*...)."""

    def __init__(self, start_dim: int = 1):
        super().__init__()
        self.start_dim = start_dim

    def forward(self, x):
        return F.flatten(x, self.start_dim)


class ReLU(Module):
    r"""$\max(x, 0)$."""

    def forward(self, x):
        return x.relu()


class Tanh(Module):
    r"""$\tanh x$."""

    def forward(self, x):
        return x.tanh()


class Sigmoid(Module):
    r"""$1/(1 + e^{-x})$."""

    def forward(self, x):
        return x.sigmoid()
