r"""Convolution, pooling and padding, each a ``Function`` (forward and backward side by side).

Shapes follow PyTorch: images $(N, C, H, W)$, conv weights $(O, C/g, k_h, k_w)$ for $g$ groups. With
dilation $d$ a kernel of size $k$ spans $d(k-1)+1$ pixels, so each spatial output size is
$\lfloor (H + 2p - d(k-1) - 1)/s \rfloor + 1$. ``nn.functional`` re-exports everything public here.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..backend import scatter_add, xp_of
from ..tensor import Tensor


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _out_size(size, k, s, p, d=1):
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def _window(i, j, geometry):
    """The slice of the padded input that kernel tap ``(i, j)`` reads for every output pixel."""
    (sh, sw), (dh, dw), oh, ow = geometry
    rows, cols = slice(i * dh, i * dh + sh * oh, sh), slice(j * dw, j * dw + sw * ow, sw)
    return slice(None), slice(None), rows, cols


# ------------------------------------------------------------------------------------------ convolution
class _Taps:
    r"""Where each kernel tap $(i, j)$ reads the input, for im2col (gather) and col2im (scatter-add).

    The padded input is stored channel-first with each image's rows flattened, ``buf``
    $(C, N, H_p W_p + \text{tail})$. In general tap $(i, j)$ reads, for output pixel $(r, q)$, the padded
    pixel $(i d_h + s_h r,\ j d_w + s_w q)$: a strided window. With stride 1 there is a much faster view: if
    each output row is computed as wide as a padded row ($W_p$ instead of $O_w$ columns), output position
    $p = r W_p + q$ reads flattened pixel $p + i d_h W_p + j d_w$, so each tap is one contiguous run per
    image. The extra $W_p - O_w$ columns are junk, cropped from $Y$ and given zero gradient (a few percent
    more arithmetic, but NumPy copies one long run much faster than many rows of $O_w$ pixels)."""

    def __init__(self, x_shape, kernel, stride, padding, dilation):
        (h, w), (kh, kw), (ph, pw), (dh, dw) = x_shape[2:], kernel, padding, dilation
        self.x_shape, self.padding, self.stride, self.dilation = x_shape, padding, stride, dilation
        self.hp, self.wp = h + 2 * ph, w + 2 * pw
        self.oh, self.ow = _out_size(h, kh, stride[0], ph, dh), _out_size(w, kw, stride[1], pw, dw)
        self.flat = stride == (1, 1)
        self.grid = (self.oh, self.wp) if self.flat else (self.oh, self.ow)  # per image, junk included
        self.tail = (kw - 1) * dw if self.flat else 0  # how far the last tap's run overhangs an image

    def buffer(self, xp, dtype):
        n, c = self.x_shape[:2]
        return xp.zeros((c, n, self.hp * self.wp + self.tail), dtype=dtype)

    def images(self, buf):
        """The padded images (C, N, Hp, Wp) inside ``buf``, and the index of the unpadded input in them."""
        (n, c, h, w), (ph, pw) = self.x_shape, self.padding
        images = buf[:, :, :self.hp * self.wp].reshape(c, n, self.hp, self.wp)
        return images, (slice(None), slice(None), slice(ph, ph + h), slice(pw, pw + w))

    def __call__(self, buf, i, j):
        """The view of ``buf`` that tap (i, j) reads, shaped (C, N, *grid)."""
        (n, c), (dh, dw), (sh, sw) = self.x_shape[:2], self.dilation, self.stride
        if self.flat:
            start = i * dh * self.wp + j * dw
            return buf[:, :, start:start + self.oh * self.wp].reshape(c, n, *self.grid)
        images = self.images(buf)[0]
        return images[:, :, i * dh:i * dh + sh * self.oh:sh, j * dw:j * dw + sw * self.ow:sw]


class Conv2dFn(Function):
    r"""2-D cross-correlation, NCHW, by im2col + one matrix product (per group).

    im2col copies, for every tap $(i, j)$ of the $k_h \times k_w$ kernel, the input pixels that tap meets
    at every output position into ``cols`` $(C k_h k_w,\ N O_h O_w)$ (see ``_Taps``). With the weight as
    $W_{mat}$ $(O, C k_h k_w)$: $Y = W_{mat}\,\text{cols} + b$. With $g$ groups, the rows of ``cols`` and
    of $W_{mat}$ split into $g$ blocks and each block of outputs sees only its block of channels.
    Backward: $\bar b = \sum_{n,h,w} \bar Y$, $\bar W_{mat} = \bar Y\,\text{cols}^\top$ and
    $\overline{\text{cols}} = W_{mat}^\top \bar Y$, which col2im adds back onto the input positions each
    tap read (only when the input needs a gradient: a network's first layer does not)."""

    @staticmethod
    def forward(ctx, x, w, b=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1):
        xp = xp_of(x)
        (n, c), (o, cg, kh, kw) = x.shape[:2], w.shape
        taps = _Taps(x.shape, (kh, kw), stride, padding, dilation)
        buf = taps.buffer(xp, x.dtype)
        images, inside = taps.images(buf)
        images[inside] = x.transpose(1, 0, 2, 3)  # channel-first, so that cols needs no transpose
        cols = xp.empty((c, kh, kw, n, *taps.grid), dtype=x.dtype)
        for i in range(kh):
            for j in range(kw):
                cols[:, i, j] = taps(buf, i, j)
        cols = cols.reshape(groups, cg * kh * kw, -1)
        wmat = w.reshape(groups, o // groups, cg * kh * kw)
        y = (wmat @ cols).reshape(o, n, *taps.grid)[:, :, :taps.oh, :taps.ow]  # crop the junk
        out = xp.empty((n, o, taps.oh, taps.ow), dtype=y.dtype)  # back to NCHW: one copy, plus the bias
        if b is None:
            out[...] = y.transpose(1, 0, 2, 3)
        else:
            xp.add(y.transpose(1, 0, 2, 3), b.reshape(1, o, 1, 1), out=out)
        ctx.save_for_backward(cols, wmat)
        ctx.taps, ctx.w_shape, ctx.has_bias = taps, w.shape, b is not None
        return out

    @staticmethod
    def backward(ctx, grad):
        (cols, wmat), taps, xp = ctx.saved_tensors, ctx.taps, xp_of(grad)
        (n, c), (kh, kw), (g, og, _) = taps.x_shape[:2], ctx.w_shape[2:], wmat.shape
        gy = xp.zeros((g * og, n, *taps.grid), dtype=grad.dtype)  # junk positions get 0
        gy[:, :, :taps.oh, :taps.ow] = grad.transpose(1, 0, 2, 3)
        gy = gy.reshape(g, og, -1)
        gw = (gy @ cols.swapaxes(-1, -2)).reshape(ctx.w_shape) if ctx.needs_input_grad[1] else None
        gb = grad.sum(axis=(0, 2, 3)) if ctx.has_bias else None
        gx = None
        if ctx.needs_input_grad[0]:  # col2im one tap at a time: each tap's block of cols-bar stays small
            # (kh, kw, g, C/g, O/g), contiguous: a strided operand would make NumPy skip BLAS
            w_taps = xp.ascontiguousarray(wmat.reshape(g, og, -1, kh, kw).transpose(3, 4, 0, 2, 1))
            gbuf = taps.buffer(xp, grad.dtype)
            for i in range(kh):
                for j in range(kw):
                    taps(gbuf, i, j)[...] += (w_taps[i, j] @ gy).reshape(c, n, *taps.grid)
            images, inside = taps.images(gbuf)
            gx = images[inside].transpose(1, 0, 2, 3)
        return (gx, gw, gb) if ctx.has_bias else (gx, gw)


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
    if any(_out_size(x.shape[2 + d], weight.shape[2 + d], stride[d], padding[d], dilation[d]) < 1
           for d in (0, 1)):
        raise ValueError(f"conv2d: kernel {tuple(weight.shape[2:])} with dilation {dilation} is larger than "
                         f"the padded input {tuple(x.shape[2:])} + padding {padding}")
    args = (x, weight) if bias is None else (x, weight, bias)
    return Conv2dFn.apply(*args, stride=stride, padding=padding, dilation=dilation, groups=groups)


# --------------------------------------------------------------------------------------------- pooling
class MaxPool2dFn(Function):
    r"""Max over each $k_h \times k_w$ window (stride $s$, padding with $-\infty$): a running ``maximum``
    over the $k_h k_w$ shifted views of the input. The gradient goes to the first position (in row-major
    window order, as in torch) that holds the window's maximum: $\bar x_{\arg\max} \mathrel{+}= \bar y$."""

    @staticmethod
    def forward(ctx, x, kernel_size=(2, 2), stride=(2, 2), padding=(0, 0)):
        xp = xp_of(x)
        (h, w), (kh, kw), (ph, pw) = x.shape[2:], kernel_size, padding
        oh, ow = _out_size(h, kh, stride[0], ph), _out_size(w, kw, stride[1], pw)
        geometry = (stride, (1, 1), oh, ow)
        xpad = xp.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf) if ph or pw else x
        out = xpad[_window(0, 0, geometry)].copy()
        for k in range(1, kh * kw):
            xp.maximum(out, xpad[_window(k // kw, k % kw, geometry)], out=out)
        ctx.save_for_backward(xpad, out)
        ctx.geometry, ctx.shapes = geometry, (x.shape, kernel_size)
        return out

    @staticmethod
    def backward(ctx, grad):
        (xpad, out), geometry = ctx.saved_tensors, ctx.geometry
        (n, c, h, w), (kh, kw) = ctx.shapes
        xp = xp_of(grad)
        gpad = xp.zeros(xpad.shape, dtype=grad.dtype)
        taken = xp.zeros(out.shape, dtype=bool)  # windows whose maximum already got the gradient
        disjoint = all(s >= k for s, k in zip(geometry[0], (kh, kw)))  # each pixel in one window at most
        for k in range(kh * kw):
            window = _window(k // kw, k % kw, geometry)
            first = xp.greater(xpad[window] == out, taken)  # a maximum, and the first one: m & ~taken
            if disjoint:
                xp.multiply(grad, first, out=gpad[window])
            else:
                gpad[window] += grad * first
            taken |= first
        ph, pw = (xpad.shape[2] - h) // 2, (xpad.shape[3] - w) // 2
        return gpad[:, :, ph:ph + h, pw:pw + w]


def max_pool2d(x: Tensor, kernel_size, stride=None, padding=0) -> Tensor:
    """Max pooling over (N, C, H, W); ``stride`` defaults to ``kernel_size`` as in torch."""
    kernel_size, stride, padding = _pool_args("max_pool2d", x, kernel_size, stride, padding)
    return MaxPool2dFn.apply(x, kernel_size=kernel_size, stride=stride, padding=padding)


class AvgPool2dFn(Function):
    r"""Mean over each $k_h \times k_w$ window (zero padding): $y = \frac1{m}\sum_{(i,j)} x_{\text{tap}(i,j)}$
    with $m = k_h k_w$, or with ``count_include_pad=False`` $m$ = the number of real (unpadded) pixels in
    the window. Backward: every tap of a window gets $\bar y / m$."""

    @staticmethod
    def forward(ctx, x, kernel_size=(2, 2), stride=(2, 2), padding=(0, 0), count_include_pad=True):
        xp = xp_of(x)
        (h, w), (kh, kw), (ph, pw) = x.shape[2:], kernel_size, padding
        oh, ow = _out_size(h, kh, stride[0], ph), _out_size(w, kw, stride[1], pw)
        geometry = (stride, (1, 1), oh, ow)
        xpad = xp.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))) if ph or pw else x
        total = xp.zeros((x.shape[0], x.shape[1], oh, ow), dtype=x.dtype)
        count = xp.zeros((1, 1, oh, ow), dtype=x.dtype)
        real = xp.pad(xp.ones((1, 1, h, w), dtype=x.dtype), ((0, 0), (0, 0), (ph, ph), (pw, pw)))
        for i in range(kh):
            for j in range(kw):
                total += xpad[_window(i, j, geometry)]
                count += real[_window(i, j, geometry)]
        ctx.divisor = kh * kw if count_include_pad else count
        ctx.geometry, ctx.shapes = geometry, (x.shape, xpad.shape, kernel_size)
        return total / ctx.divisor

    @staticmethod
    def backward(ctx, grad):
        (n, c, h, w), pad_shape, (kh, kw) = ctx.shapes
        share = grad / ctx.divisor
        gpad = xp_of(grad).zeros(pad_shape, dtype=grad.dtype)
        for i in range(kh):
            for j in range(kw):
                gpad[_window(i, j, ctx.geometry)] += share
        ph, pw = (pad_shape[2] - h) // 2, (pad_shape[3] - w) // 2
        return gpad[:, :, ph:ph + h, pw:pw + w]


def avg_pool2d(x: Tensor, kernel_size, stride=None, padding=0, count_include_pad: bool = True) -> Tensor:
    """Average pooling over (N, C, H, W), like ``torch.nn.functional.avg_pool2d`` (``ceil_mode=False``)."""
    kernel_size, stride, padding = _pool_args("avg_pool2d", x, kernel_size, stride, padding)
    return AvgPool2dFn.apply(x, kernel_size=kernel_size, stride=stride, padding=padding,
                             count_include_pad=bool(count_include_pad))


def _pool_args(name, x, kernel_size, stride, padding):
    kernel_size = _pair(kernel_size)
    stride, padding = _pair(kernel_size if stride is None else stride), _pair(padding)
    if x.ndim != 4:
        raise ValueError(f"{name}: expected input (N, C, H, W), got shape {tuple(x.shape)}")
    if any(2 * p > k for p, k in zip(padding, kernel_size)):
        raise ValueError(f"{name}: padding {padding} must be at most half the kernel {kernel_size}")
    if any(_out_size(x.shape[2 + d], kernel_size[d], stride[d], padding[d]) < 1 for d in (0, 1)):
        raise ValueError(f"{name}: kernel {kernel_size} is larger than the padded input {tuple(x.shape[2:])}")
    return kernel_size, stride, padding


# --------------------------------------------------------------------------------------------- padding
_NUMPY_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


class PadFn(Function):
    r"""$z$ = $x$ surrounded by ``widths[d] = (before, after)`` entries along each axis $d$.

    ``constant``: the new entries are ``value``, so $\bar x$ is the middle slice of $\bar z$. Other modes
    (``reflect``, ``replicate``, ``circular``) copy entries of $x$, so an entry of $x$ receives the sum of
    $\bar z$ over all its copies: pad an array of *indices* of $x$ with the same mode, then scatter-add
    $\bar z$ by those indices (repeated indices add up)."""

    @staticmethod
    def forward(ctx, x, widths=(), mode="constant", value=0.0):
        xp = xp_of(x)
        ctx.shape, ctx.widths, ctx.mode = x.shape, widths, mode
        if mode == "constant":
            return xp.pad(x, widths, constant_values=value)
        return xp.pad(x, widths, mode=_NUMPY_MODES[mode])

    @staticmethod
    def backward(ctx, grad):
        xp = xp_of(grad)
        if ctx.mode == "constant":
            return grad[tuple(slice(a, a + n) for (a, _), n in zip(ctx.widths, ctx.shape))]
        index = xp.pad(xp.arange(int(np.prod(ctx.shape))).reshape(ctx.shape), ctx.widths,
                       mode=_NUMPY_MODES[ctx.mode])
        gx = xp.zeros(int(np.prod(ctx.shape)), dtype=grad.dtype)
        scatter_add(gx, index.ravel(), grad.ravel())
        return gx.reshape(ctx.shape)


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
    if mode not in _NUMPY_MODES:
        raise ValueError(f"pad: mode must be one of {list(_NUMPY_MODES)}, got {mode!r}")
    pairs = [(pad[i], pad[i + 1]) for i in range(0, len(pad), 2)]
    widths = tuple([(0, 0)] * (input.ndim - len(pairs)) + pairs[::-1])
    if mode == "reflect" and any(max(w) >= n for w, n in zip(widths, input.shape)):
        raise ValueError(f"pad: reflect padding must be smaller than the padded axis, got {pad} for an "
                         f"input of shape {tuple(input.shape)}")
    return PadFn.apply(input, widths=widths, mode=mode, value=float(value))
