r"""Elementwise ops: arithmetic, comparisons, ``where``, activations, dtype and device casts.

Notation (every op module): $z$ is the output, $\bar z = \partial L / \partial z$ the gradient arriving
from the loss $L$, $\bar x$ the gradient the op sends to its input $x$. Products are elementwise unless
written $@$. Gradients of broadcast inputs may be returned in the broadcast shape: the engine sums them
back (autograd.unbroadcast).
"""

import operator

import numpy as np

from .. import backend
from ..autograd import Function


# ---------------------------------------------------------------- two inputs
class Add(Function):
    r"""Sum.

    Forward: $z = x + y$
    Backward: $\bar x = \bar z,\quad \bar y = \bar z$
    """

    @staticmethod
    def forward(ctx, x, y):
        return x + y

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(Function):
    r"""Difference.

    Forward: $z = x - y$
    Backward: $\bar x = \bar z,\quad \bar y = -\bar z$
    """

    @staticmethod
    def forward(ctx, x, y):
        return x - y

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class Mul(Function):
    r"""Product.

    Forward: $z = x\, y$
    Backward: $\bar x = \bar z\, y,\quad \bar y = \bar z\, x$
    """

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x * y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        gx, gy = ctx.needs_input_grad
        return (grad * y if gx else None), (grad * x if gy else None)


class Div(Function):
    r"""Quotient; integer / integer gives float32 (like torch), not NumPy's float64.

    Forward: $z = x / y$
    Backward: $\bar x = \bar z / y,\quad \bar y = -\bar z\, x / y^2 = -\bar x\, z$
    """

    @staticmethod
    def forward(ctx, x, y):
        z = x / y
        if x.dtype.kind in "biu" and y.dtype.kind in "biu":
            z = z.astype(np.float32)
        ctx.save_for_backward(y, z)
        return z

    @staticmethod
    def backward(ctx, grad):
        y, z = ctx.saved_tensors
        gx = grad / y
        return gx, (-gx * z if ctx.needs_input_grad[1] else None)


class Pow(Function):
    r"""Power. $\bar y$ is computed only when $y$ requires grad, so ``x ** 2`` never takes the log of a
    negative $x$.

    Forward: $z = x^y$
    Backward: $\bar x = \bar z\, y\, x^{y-1},\quad \bar y = \bar z\, z \ln x$
    """

    @staticmethod
    def forward(ctx, x, y):
        z = x**y
        ctx.save_for_backward(x, y, z)
        return z

    @staticmethod
    def backward(ctx, grad):
        x, y, z = ctx.saved_tensors
        gx, gy = ctx.needs_input_grad
        xp = backend.xp_of(grad)
        return (grad * y * x ** (y - 1) if gx else None), (grad * z * xp.log(x) if gy else None)


class Maximum(Function):
    r"""Elementwise maximum; at ties each input gets half the gradient (torch.maximum does the same).

    Forward: $z = \max(x, y)$
    Backward: $\bar x = \bar z\,\big([x > y] + \tfrac12 [x = y]\big),\quad
    \bar y = \bar z\,\big([y > x] + \tfrac12 [x = y]\big)$
    """

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return backend.xp_of(x).maximum(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        half = (x == y) * grad.dtype.type(0.5)
        return grad * ((x > y) + half), grad * ((y > x) + half)


class Compare(Function):
    r"""Comparison ``op`` (lt, le, gt, ge, eq, ne): a bool tensor, so no gradient flows. A Function (not a
    plain method) only so that graphs and ``trace`` record it.

    Forward: $z = [x \mathrel{\mathrm{op}} y]$
    Backward: $\text{none (a bool output is constant almost everywhere: } \bar x = \bar y = 0)$
    """

    @staticmethod
    def forward(ctx, x, y, op):
        return getattr(operator, op)(x, y)


class Where(Function):
    r"""Pick from $x$ where the condition $c$ holds, else from $y$.

    Forward: $z = c\;?\;x : y$
    Backward: $\bar c\ \text{none},\quad \bar x = \bar z\,[c],\quad \bar y = \bar z\,[\lnot c]$
    """

    @staticmethod
    def forward(ctx, cond, x, y):
        cond = cond.astype(bool, copy=False)
        ctx.save_for_backward(cond)
        return backend.xp_of(x).where(cond, x, y)

    @staticmethod
    def backward(ctx, grad):
        (cond,) = ctx.saved_tensors
        xp = backend.xp_of(grad)
        return None, xp.where(cond, grad, 0), xp.where(cond, 0, grad)


# ---------------------------------------------------------------- one input
class Neg(Function):
    r"""Negation.

    Forward: $z = -x$
    Backward: $\bar x = -\bar z$
    """

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Exp(Function):
    r"""Exponential.

    Forward: $z = e^x$
    Backward: $\bar x = \bar z\, z$
    """

    @staticmethod
    def forward(ctx, x):
        z = backend.xp_of(x).exp(x)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.saved_tensors[0]


class Log(Function):
    r"""Natural logarithm.

    Forward: $z = \ln x$
    Backward: $\bar x = \bar z / x$
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return backend.xp_of(x).log(x)

    @staticmethod
    def backward(ctx, grad):
        return grad / ctx.saved_tensors[0]


class Sqrt(Function):
    r"""Square root.

    Forward: $z = \sqrt x$
    Backward: $\bar x = \bar z / (2 z)$
    """

    @staticmethod
    def forward(ctx, x):
        z = backend.xp_of(x).sqrt(x)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx, grad):
        return grad / (2 * ctx.saved_tensors[0])


class Tanh(Function):
    r"""Hyperbolic tangent.

    Forward: $z = \tanh x$
    Backward: $\bar x = \bar z\, (1 - z^2)$
    """

    @staticmethod
    def forward(ctx, x):
        z = backend.xp_of(x).tanh(x)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx, grad):
        z = ctx.saved_tensors[0]
        return grad * (1 - z * z)


class Sigmoid(Function):
    r"""Logistic sigmoid, computed by ``backend.expit`` (SciPy's, which never overflows: for $x < 0$ it
    uses $e^{x}/(1+e^{x})$).

    Forward: $z = \sigma(x) = 1 / (1 + e^{-x})$
    Backward: $\bar x = \bar z\, z\, (1 - z)$
    """

    @staticmethod
    def forward(ctx, x):
        z = backend.expit(x)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx, grad):
        z = ctx.saved_tensors[0]
        return grad * z * (1 - z)


class Relu(Function):
    r"""Rectified linear unit; the gradient at $x = 0$ is 0, like torch.

    Forward: $z = \max(x, 0)$
    Backward: $\bar x = \bar z\, [x > 0]$
    """

    @staticmethod
    def forward(ctx, x):
        z = backend.xp_of(x).maximum(x, 0)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx, grad):
        return grad * (ctx.saved_tensors[0] > 0)


class Gelu(Function):
    r"""Gaussian error linear unit: $x$ weighted by the probability $\Phi(x)$ that a standard normal is
    below it ($\Phi(x) = \tfrac12(1 + \mathrm{erf}(x/\sqrt2))$, $\varphi = \Phi'$ the normal density).
    ``approximate="tanh"``: $z = \tfrac12 x\,(1 + \tanh u)$ with $u = \sqrt{2/\pi}\,(x + 0.044715\,x^3)$,
    and $\bar x = \bar z\,\big(\tfrac12(1 + \tanh u) + \tfrac12 x\,(1 - \tanh^2 u)\,\sqrt{2/\pi}\,
    (1 + 3 \cdot 0.044715\,x^2)\big)$.

    Forward: $z = x\,\Phi(x)$
    Backward: $\bar x = \bar z\,\big(\Phi(x) + x\,\varphi(x)\big),\quad \varphi(x) = e^{-x^2/2}/\sqrt{2\pi}$
    """

    @staticmethod
    def forward(ctx, x, approximate="none"):
        xp = backend.xp_of(x)
        ctx.save_for_backward(x)
        ctx.approximate = approximate
        if approximate == "tanh":
            ctx.t = xp.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3))
            return 0.5 * x * (1 + ctx.t)
        ctx.cdf = 0.5 * (1 + backend.erf(x / np.sqrt(2)))
        return x * ctx.cdf

    @staticmethod
    def backward(ctx, grad):
        (x,), xp = ctx.saved_tensors, backend.xp_of(grad)
        if ctx.approximate == "tanh":
            t = ctx.t
            du = np.sqrt(2 / np.pi) * (1 + 3 * 0.044715 * x * x)
            return grad * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du)
        return grad * (ctx.cdf + x * xp.exp(-0.5 * x * x) / np.sqrt(2 * np.pi))


class Abs(Function):
    r"""Absolute value; the gradient at $x = 0$ is 0, like torch.

    Forward: $z = |x|$
    Backward: $\bar x = \bar z\, \mathrm{sign}(x)$
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return abs(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * backend.xp_of(grad).sign(ctx.saved_tensors[0])


class Clip(Function):
    r"""Clamp to $[a, b]$ (either bound may be missing), like torch.clamp.

    Forward: $z = \min(\max(x, a), b)$
    Backward: $\bar x = \bar z\, [a \le x \le b]$
    """

    @staticmethod
    def forward(ctx, x, min=None, max=None):
        ctx.save_for_backward(x)
        ctx.bounds = min, max
        return backend.xp_of(x).clip(x, min, max)

    @staticmethod
    def backward(ctx, grad):
        (x,), (lo, hi) = ctx.saved_tensors, ctx.bounds
        return grad * ((True if lo is None else x >= lo) & (True if hi is None else x <= hi))


class Cast(Function):
    r"""The same values stored as ``dtype``.

    Forward: $z = x \text{ as dtype}$
    Backward: $\bar x = \bar z \text{ cast back to the dtype of } x$
    """

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.astype(ctx.dtype)


class ToDevice(Function):
    r"""The same values copied to another device ("cpu" or "cuda").

    Forward: $z = x \text{ on the new device}$
    Backward: $\bar x = \bar z \text{ copied back to the device of } x$
    """

    @staticmethod
    def forward(ctx, x, device):
        ctx.device = backend.device_of(x)
        return backend.to_device(x, device)

    @staticmethod
    def backward(ctx, grad):
        return backend.to_device(grad, ctx.device)
