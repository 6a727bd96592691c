"""Layers: ``Linear``, ``Conv2d``, ``Dropout``, pooling, activations, ``Flatten``.

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
    r"""2-D convolution over (N, C, H, W) inputs; weight ``(out_channels, in_channels / groups, kh, kw)``.

    Output size per spatial dimension: $\lfloor (H + 2p - d(k-1) - 1)/s \rfloor + 1$ (dilation $d$).
    ``groups`` $g$ splits the channels into $g$ independent convolutions ($g$ = ``in_channels``: a
    depthwise convolution). Initialisation as torch: weight ``kaiming_uniform_(a=sqrt(5))``, bias
    $U(-1/\sqrt{\text{fan\_in}}, 1/\sqrt{\text{fan\_in}})$ with $\text{fan\_in} = (C/g) k_h k_w$.
    (Keras ``Conv2D`` is NHWC by default, kernel ``(kh, kw, C, O)``.)"""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, dtype=np.float32):
        super().__init__()
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(f"Conv2d: groups={groups} must divide in_channels={in_channels} and "
                             f"out_channels={out_channels}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride, self.padding = F._pair(kernel_size), F._pair(stride), F._pair(padding)
        self.dilation = F._pair(dilation)
        self.weight = Parameter(np.zeros((out_channels, in_channels // groups, *self.kernel_size), dtype))
        self.register_parameter("bias", Parameter(np.zeros(out_channels, dtype)) if bias else None)
        self.reset_parameters()

    reset_parameters = Linear.reset_parameters

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"{self!r} expects inputs of shape (N, {self.in_channels}, H, W), got an input "
                             f"of shape {tuple(x.shape)}")
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self):
        extra = "".join([f", dilation={self.dilation}" if self.dilation != (1, 1) else "",
                         f", groups={self.groups}" if self.groups != 1 else ""])
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}{extra}, bias={self.bias is not None}")


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


class AvgPool2d(Module):
    """Mean over ``kernel_size`` windows of (N, C, H, W) inputs; ``stride`` defaults to ``kernel_size``."""

    def __init__(self, kernel_size, stride=None, padding=0, count_include_pad: bool = True):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.count_include_pad = count_include_pad

    def forward(self, x):
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.count_include_pad)

    extra_repr = MaxPool2d.extra_repr


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


class GELU(Module):
    r"""$x\,\Phi(x)$ ($\Phi$ the standard normal CDF), or its tanh approximation with
    ``approximate="tanh"``; see ``functional.gelu``."""

    def __init__(self, approximate: str = "none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, x):
        return F.gelu(x, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"
