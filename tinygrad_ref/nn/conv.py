r"""Convolution, pooling and padding: argument checks, then the ``Function``\s ``ops.Conv2d``,
``ops.MaxPool2d``, ``ops.AvgPool2d`` and ``ops.Pad`` (forward and backward side by side there).

Shapes follow PyTorch: images $(N, C, H, W)$, conv weights $(O, C/g, k_h, k_w)$ for $g$ groups.
``nn.functional`` re-exports everything public here.
"""

from __future__ import annotations

from .. import ops
from ..ops.conv import out_size
from ..ops.movement import PAD_MODES
from ..tensor import Tensor


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def conv2d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation) of ``x`` (N, C, H, W) with ``weight`` (O, C/groups, kh, kw),
    like ``torch.nn.functional.conv2d``."""
    stride, padding, dilation = _pair(stride), _pair(padding), _pair(dilation)
    if x.ndim != 4 or weight.ndim != 4 or x.shape[1] != weight.shape[1] * groups:
        raise ValueError("conv2d: expected input (N, C, H, W) and weight (O, C/groups, kh, kw) with the "
                         f"same C (groups={groups}), got input {tuple(x.shape)} and weight "
                         f"{tuple(weight.shape)}")
    if groups < 1 or weight.shape[0] % groups:
        raise ValueError(f"conv2d: groups={groups} must be a positive divisor of both the input channels "
                         f"({x.shape[1]}) and the output channels ({weight.shape[0]})")
    if any(out_size(x.shape[2 + d], weight.shape[2 + d], stride[d], padding[d], dilation[d]) < 1
           for d in (0, 1)):
        raise ValueError(f"conv2d: kernel {tuple(weight.shape[2:])} with dilation {dilation} is larger than "
                         f"the padded input {tuple(x.shape[2:])} + padding {padding}")
    args = (x, weight) if bias is None else (x, weight, bias)
    return ops.Conv2d.apply(*args, stride=stride, padding=padding, dilation=dilation, groups=groups)


def max_pool2d(x: Tensor, kernel_size, stride=None, padding=0) -> Tensor:
    """Max pooling over (N, C, H, W); ``stride`` defaults to ``kernel_size`` as in torch."""
    kernel_size, stride, padding = _pool_args("max_pool2d", x, kernel_size, stride, padding)
    return ops.MaxPool2d.apply(x, kernel_size=kernel_size, stride=stride, padding=padding)


def avg_pool2d(x: Tensor, kernel_size, stride=None, padding=0, count_include_pad: bool = True) -> Tensor:
    """Average pooling over (N, C, H, W), like ``torch.nn.functional.avg_pool2d`` (``ceil_mode=False``)."""
    kernel_size, stride, padding = _pool_args("avg_pool2d", x, kernel_size, stride, padding)
    return ops.AvgPool2d.apply(x, kernel_size=kernel_size, stride=stride, padding=padding,
                             count_include_pad=bool(count_include_pad))


def _pool_args(name, x, kernel_size, stride, padding):
    kernel_size = _pair(kernel_size)
    stride, padding = _pair(kernel_size if stride is None else stride), _pair(padding)
    if x.ndim != 4:
        raise ValueError(f"{name}: expected input (N, C, H, W), got shape {tuple(x.shape)}")
    if any(2 * p > k for p, k in zip(padding, kernel_size)):
        raise ValueError(f"{name}: padding {padding} must be at most half the kernel {kernel_size}")
    if any(out_size(x.shape[2 + d], kernel_size[d], stride[d], padding[d]) < 1 for d in (0, 1)):
        raise ValueError(f"{name}: kernel {kernel_size} is larger than the padded input {tuple(x.shape[2:])}")
    return kernel_size, stride, padding


def pad(input: Tensor, pad, mode: str = "constant", value: float = 0.0) -> Tensor:
    """Pad like ``torch.nn.functional.pad``: ``pad`` lists (before, after) pairs starting from the
    *last* axis, e.g. ``(1, 1, 2, 0)`` pads the last axis by 1 on both sides and the one before it by 2
    at the start. Modes: ``constant`` (with ``value``), ``reflect``, ``replicate``, ``circular``."""
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ValueError(f"pad: expected an even number of widths, at most 2 per axis ({2 * input.ndim} for "
                         f"an input of shape {tuple(input.shape)}), got {pad}")
    if any(p < 0 for p in pad):
        raise ValueError(f"pad: negative widths (cropping) are not supported, got {pad}; slice the tensor "
                         "instead")
    if mode not in PAD_MODES:
        raise ValueError(f"pad: mode must be one of {list(PAD_MODES)}, got {mode!r}")
    pairs = [(pad[i], pad[i + 1]) for i in range(0, len(pad), 2)]
    widths = tuple([(0, 0)] * (input.ndim - len(pairs)) + pairs[::-1])
    if mode == "reflect" and any(max(w) >= n for w, n in zip(widths, input.shape)):
        raise ValueError(f"pad: reflect padding must be smaller than the padded axis, got {pad} for an "
                         f"input of shape {tuple(input.shape)}")
    return ops.Pad.apply(input, widths=widths, mode=mode, value=float(value))
