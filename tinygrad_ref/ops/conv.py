r"""Convolution and pooling on images $(N, C, H, W)$ (PyTorch's layout), conv weights $(O, C/g, k_h, k_w)$
for $g$ groups. With dilation $d$ a kernel of size $k$ spans $d(k-1)+1$ pixels, so each spatial output
size is $\lfloor (H + 2p - d(k-1) - 1)/s \rfloor + 1$.
"""

import numpy as np

from ..autograd import Function
from ..backend import xp_of


def out_size(size, k, s, p, d=1):
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def _window(i, j, geometry):
    """The slice of the padded input that kernel tap ``(i, j)`` reads for every output pixel."""
    (sh, sw), (dh, dw), oh, ow = geometry
    rows, cols = slice(i * dh, i * dh + sh * oh, sh), slice(j * dw, j * dw + sw * ow, sw)
    return slice(None), slice(None), rows, cols


# ------------------------------------------------------------------------------------------ convolution
class _Taps:
    r"""Where each kernel tap $(i, j)$ reads the input, for im2col (gather) and col2im (scatter-add).

    The padded input is stored with each image's rows flattened, ``buf`` $(N, C, H_p W_p + \text{tail})$.
    In general tap $(i, j)$ reads, for output pixel $(r, q)$, the padded pixel
    $(i d_h + s_h r,\ j d_w + s_w q)$: a strided window. With stride 1 there is a much faster view: if
    each output row is computed as wide as a padded row ($W_p$ instead of $O_w$ columns), output position
    $p = r W_p + q$ reads flattened pixel $p + i d_h W_p + j d_w$, so each tap is one contiguous run per
    image. The extra $W_p - O_w$ columns are junk, cropped from $Y$ and given zero gradient (a few percent
    more arithmetic, but NumPy copies one long run much faster than many rows of $O_w$ pixels)."""

    def __init__(self, x_shape, kernel, stride, padding, dilation):
        (h, w), (kh, kw), (ph, pw), (dh, dw) = x_shape[2:], kernel, padding, dilation
        self.x_shape, self.padding, self.stride, self.dilation = x_shape, padding, stride, dilation
        self.hp, self.wp = h + 2 * ph, w + 2 * pw
        self.oh, self.ow = out_size(h, kh, stride[0], ph, dh), out_size(w, kw, stride[1], pw, dw)
        self.flat = stride == (1, 1)
        self.grid = (self.oh, self.wp) if self.flat else (self.oh, self.ow)  # per image, junk included
        self.tail = (kw - 1) * dw if self.flat else 0  # how far the last tap's run overhangs an image

    def buffer(self, xp, dtype):
        n, c = self.x_shape[:2]
        return xp.zeros((n, c, self.hp * self.wp + self.tail), dtype=dtype)

    def images(self, buf):
        """The padded images (N, C, Hp, Wp) inside ``buf``, and the index of the unpadded input in them."""
        (n, c, h, w), (ph, pw) = self.x_shape, self.padding
        images = buf[:, :, :self.hp * self.wp].reshape(n, c, self.hp, self.wp)
        return images, (slice(None), slice(None), slice(ph, ph + h), slice(pw, pw + w))

    def __call__(self, buf, i, j):
        """The view of ``buf`` that tap (i, j) reads, shaped (N, C, *grid)."""
        (n, c), (dh, dw), (sh, sw) = self.x_shape[:2], self.dilation, self.stride
        if self.flat:
            start = i * dh * self.wp + j * dw
            return buf[:, :, start:start + self.oh * self.wp].reshape(n, c, *self.grid)
        images = self.images(buf)[0]
        return images[:, :, i * dh:i * dh + sh * self.oh:sh, j * dw:j * dw + sw * self.ow:sw]


class Conv2d(Function):
    r"""2-D cross-correlation by im2col and one matrix product per image (and group). im2col copies, for
    every tap $(i, j)$ of the $k_h \times k_w$ kernel, the input pixels that tap meets at every output
    position into ``cols`` $(C k_h k_w,\ N,\ O_h O_w)$ (see ``_Taps``); $W_{mat}$ is the weight as a
    matrix $(O, C k_h k_w)$, and image $n$'s output is $W_{mat}\,\mathrm{cols}_n$, already in PyTorch's
    layout $(N, O, O_h, O_w)$. With $g$ groups, the rows of ``cols`` and of $W_{mat}$ split into $g$
    blocks and each block of outputs sees only its block of channels. col2im adds
    $\overline{\text{cols}}$ back onto the input positions each tap read (only when the input needs a
    gradient: a network's first layer does not).

    Forward: $Y = W_{mat}\,\mathrm{cols}(X) + b$
    Backward: $\bar W_{mat} = \bar Y\,\mathrm{cols}(X)^\top,\quad
    \bar X = \mathrm{col2im}(W_{mat}^\top \bar Y),\quad \bar b = \textstyle\sum_{n,h,w} \bar Y$
    """

    @staticmethod
    def forward(ctx, x, w, b=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1):
        xp = xp_of(x)
        (n, c), (o, cg, kh, kw) = x.shape[:2], w.shape
        taps = _Taps(x.shape, (kh, kw), stride, padding, dilation)
        buf = taps.buffer(xp, x.dtype)
        images, inside = taps.images(buf)
        images[inside] = x
        cols = xp.empty((c, kh, kw, n, *taps.grid), dtype=x.dtype)
        for i in range(kh):
            for j in range(kw):
                cols[:, i, j] = taps(buf, i, j).swapaxes(0, 1)
        cols = cols.reshape(groups, cg * kh * kw, n, -1)
        wmat = w.reshape(groups, o // groups, cg * kh * kw)
        y = wmat @ cols.transpose(2, 0, 1, 3)  # (N, g, O/g, grid): no copy back to NCHW needed
        if b is not None:
            y += b.reshape(groups, o // groups, 1)
        ctx.save_for_backward(cols, wmat)
        ctx.taps, ctx.w_shape, ctx.has_bias = taps, w.shape, b is not None
        return y.reshape(n, o, *taps.grid)[..., :taps.ow]  # crop the junk columns (a view)

    @staticmethod
    def backward(ctx, grad):
        (cols, wmat), taps, xp = ctx.saved_tensors, ctx.taps, xp_of(grad)
        (n, c), (kh, kw), (g, og, _) = taps.x_shape[:2], ctx.w_shape[2:], wmat.shape
        gy = grad
        if taps.grid[1] != taps.ow:  # junk positions get 0
            gy = xp.zeros((n, g * og, *taps.grid), dtype=grad.dtype)
            gy[..., :taps.ow] = grad
        gy = gy.reshape(n, g, og, -1)
        gw = None
        if ctx.needs_input_grad[1]:  # per image (N, g, O/g, C/g kh kw), then the sum over images
            gw = (gy @ cols.transpose(2, 0, 3, 1)).sum(axis=0).reshape(ctx.w_shape)
        gb = grad.sum(axis=(0, 2, 3)) if ctx.has_bias else None
        gx = None
        if ctx.needs_input_grad[0]:  # col2im one tap at a time: each tap's block of cols-bar stays small
            # (kh, kw, g, C/g, O/g), contiguous: a strided operand would make NumPy skip BLAS
            w_taps = xp.ascontiguousarray(wmat.reshape(g, og, -1, kh, kw).transpose(3, 4, 0, 2, 1))
            gbuf = taps.buffer(xp, grad.dtype)
            for i in range(kh):
                for j in range(kw):
                    taps(gbuf, i, j)[...] += (w_taps[i, j] @ gy).reshape(n, c, *taps.grid)
            images, inside = taps.images(gbuf)
            gx = images[inside]
        return (gx, gw, gb) if ctx.has_bias else (gx, gw)


class MaxPool2d(Function):
    r"""Max over each $k_h \times k_w$ window $w(r, q)$ (stride $s$, padding with $-\infty$): a running
    ``maximum`` over the $k_h k_w$ shifted views of the input. The gradient goes to the first position
    (in row-major window order, as in torch) that holds the window's maximum.

    Forward: $y_{rq} = \max_{(i, j) \in w(r, q)} x_{ij}$
    Backward: $\bar x_{\arg\max w(r, q)} \mathrel{+}= \bar y_{rq}$
    """

    @staticmethod
    def forward(ctx, x, kernel_size=(2, 2), stride=(2, 2), padding=(0, 0)):
        xp = xp_of(x)
        (h, w), (kh, kw), (ph, pw) = x.shape[2:], kernel_size, padding
        oh, ow = out_size(h, kh, stride[0], ph), out_size(w, kw, stride[1], pw)
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
        xp, (stride, _, oh, ow) = xp_of(grad), geometry
        disjoint = all(s >= k for s, k in zip(stride, (kh, kw)))  # each pixel in one window at most
        tiled = stride == (kh, kw) and xpad.shape[2:] == (oh * kh, ow * kw)  # ... and exactly one
        gpad = (xp.empty if tiled else xp.zeros)(xpad.shape, dtype=grad.dtype)
        taken = xp.zeros(out.shape, dtype=bool)  # windows whose maximum already got the gradient
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


class AvgPool2d(Function):
    r"""Mean over each $k_h \times k_w$ window $w(r, q)$ (zero padding), with $m = k_h k_w$, or with
    ``count_include_pad=False`` $m$ = the number of real (unpadded) pixels in the window.

    Forward: $y_{rq} = \frac1m \sum_{(i, j) \in w(r, q)} x_{ij}$
    Backward: $\bar x_{ij} \mathrel{+}= \bar y_{rq} / m \text{ for every window } w(r, q) \ni (i, j)$
    """

    @staticmethod
    def forward(ctx, x, kernel_size=(2, 2), stride=(2, 2), padding=(0, 0), count_include_pad=True):
        xp = xp_of(x)
        (h, w), (kh, kw), (ph, pw) = x.shape[2:], kernel_size, padding
        oh, ow = out_size(h, kh, stride[0], ph), out_size(w, kw, stride[1], pw)
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
