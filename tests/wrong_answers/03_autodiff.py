"""Plausible wrong answers for 03-autodiff: each must fail its exercise's test cell."""

NUMERICAL_GRADIENT = '''
def numerical_gradient(f, x, eps=1e-6):
    xc = np.array(x, dtype=np.float64)
    grad = np.zeros_like(xc)
    for i in np.ndindex(xc.shape):
        old = xc[i]
        xc[i] = old + eps
        f_plus = f(xc)
        xc[i] = old - eps
        f_minus = f(xc)
        xc[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad
'''

VJP_BROADCAST = '''
def unbroadcast(grad, shape):
    lead = grad.ndim - len(shape)
    grad = grad.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=axes, keepdims=True)


def vjp_sum(x, axis, grad_out):
    if axis is None:
        axis = tuple(range(x.ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    axes = tuple(a % x.ndim for a in axes)
    return np.broadcast_to(np.expand_dims(grad_out, axes), x.shape).copy()


def vjp_mul(x, y, grad_out):
    return unbroadcast(grad_out * y, x.shape), unbroadcast(grad_out * x, y.shape)


def vjp_div(x, y, grad_out):
    return unbroadcast(grad_out / y, x.shape), unbroadcast(-grad_out * x / y ** 2, y.shape)
'''

MATMUL = '''
class MatMul(tg.Function):
    @staticmethod
    def forward(ctx, A, B):
        ctx.save_for_backward(A, B)
        return A @ B

    @staticmethod
    def backward(ctx, grad):
        A, B = ctx.saved_tensors
        return grad @ B.T, A.T @ grad
'''

UNARY = '''
class Exp(tg.Function):
    @staticmethod
    def forward(ctx, x):
        z = np.exp(x)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx, grad):
        (z,) = ctx.saved_tensors
        return grad * z


class Log(tg.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / x


class ReLU(tg.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.maximum(x, 0.0)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (x > 0)


class Softmax(tg.Function):
    @staticmethod
    def forward(ctx, x):
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        s = e / e.sum(axis=-1, keepdims=True)
        ctx.save_for_backward(s)
        return s

    @staticmethod
    def backward(ctx, grad):
        (s,) = ctx.saved_tensors
        return s * (grad - (grad * s).sum(axis=-1, keepdims=True))
'''

VALUE = '''
import math


class Value:
    def __init__(self, data, parents=(), local_grads=()):
        self.data = float(data)
        self.grad = 0.0
        self.parents = parents
        self.local_grads = local_grads

    @staticmethod
    def _lift(other):
        return other if isinstance(other, Value) else Value(other)

    def __add__(self, other):
        other = self._lift(other)
        return Value(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        other = self._lift(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data))

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, (self,), (1 - t * t,))

    def exp(self):
        e = math.exp(self.data)
        return Value(e, (self,), (e,))

    def backward(self):
        order, seen = [], set()

        def visit(v):
            if id(v) not in seen:
                seen.add(id(v))
                for p in v.parents:
                    visit(p)
                order.append(v)

        visit(self)
        self.grad = 1.0
        for v in reversed(order):
            for p, local in zip(v.parents, v.local_grads):
                p.grad += v.grad * local

    __radd__ = __add__
    __rmul__ = __mul__

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-self._lift(other))

    def __rsub__(self, other):
        return self._lift(other) - self


def value_grads(expr, *numbers):
    inputs = [Value(a) for a in numbers]
    out = expr(*inputs)
    out.backward()
    return out.data, tuple(v.grad for v in inputs)
'''


def _bug(source, old, new):
    assert old in source, old
    return source.replace(old, new)


WRONG_ANSWERS = {
    "numerical_gradient": [
        # forward difference: O(eps) error
        _bug(NUMERICAL_GRADIENT, "grad[i] = (f_plus - f_minus) / (2 * eps)",
             "grad[i] = (f_plus - f(xc)) / eps"),
        # central difference divided by eps instead of 2 eps
        _bug(NUMERICAL_GRADIENT, "/ (2 * eps)", "/ eps"),
        # the entry is never put back
        _bug(NUMERICAL_GRADIENT, "        xc[i] = old\n", ""),
        # perturbs a float32 copy: rounding error dominates
        _bug(NUMERICAL_GRADIENT, "xc = np.array(x, dtype=np.float64)", "xc = np.array(x, dtype=np.float32)"),
        # only works for vectors: loops over the first axis
        _bug(NUMERICAL_GRADIENT, "for i in np.ndindex(xc.shape):", "for i in range(len(xc)):"),
        # rule: the right values, but perturbs (and restores) x itself instead of a copy
        _bug(NUMERICAL_GRADIENT, "xc = np.array(x, dtype=np.float64)", "xc = x"),
        # rule: the right values from PyTorch's autodiff instead of finite differences
        "def numerical_gradient(f, x, eps=1e-6):\n"
        "    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)\n"
        "    f(xt).backward()\n"
        "    return xt.grad.numpy()\n",
    ],
    "vjp_matmul": [
        # no transposes (fails on shapes)
        _bug(MATMUL, "return grad @ B.T, A.T @ grad", "return grad @ B, A @ grad"),
        # transposes on the wrong side (right shapes for square matrices only)
        _bug(MATMUL, "return grad @ B.T, A.T @ grad", "return B.T @ grad.T, grad.T @ A.T"),
        # the gradients in the wrong order
        _bug(MATMUL, "return grad @ B.T, A.T @ grad", "return A.T @ grad, grad @ B.T"),
        # forgot the upstream gradient in grad_B
        _bug(MATMUL, "return grad @ B.T, A.T @ grad", "return grad @ B.T, A.T @ np.ones_like(grad)"),
        # rule: the right values, from PyTorch's autograd inside backward
        _bug(MATMUL, "        A, B = ctx.saved_tensors\n        return grad @ B.T, A.T @ grad",
             "        A, B = (torch.tensor(a, requires_grad=True) for a in ctx.saved_tensors)\n"
             "        gA, gB = torch.autograd.grad(A @ B, (A, B), torch.tensor(grad))\n"
             "        return gA.numpy(), gB.numpy()"),
    ],
    "vjp_broadcast": [
        # forgets the axes where shape has size 1
        _bug(VJP_BROADCAST, "axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)",
             "axes = ()"),
        # drops the size-1 axes
        _bug(VJP_BROADCAST, "return grad.sum(axis=axes, keepdims=True)", "return grad.sum(axis=axes)"),
        # the quotient rule with the wrong sign
        _bug(VJP_BROADCAST, "unbroadcast(-grad_out * x / y ** 2, y.shape)",
             "unbroadcast(grad_out * x / y ** 2, y.shape)"),
        # swaps the factors of the product rule
        _bug(VJP_BROADCAST, "return unbroadcast(grad_out * y, x.shape), unbroadcast(grad_out * x, y.shape)",
             "return unbroadcast(grad_out * x, x.shape), unbroadcast(grad_out * y, y.shape)"),
        # the sum's gradient divided by the number of summed entries (the rule for mean)
        _bug(VJP_BROADCAST, "return np.broadcast_to(np.expand_dims(grad_out, axes), x.shape).copy()",
             "return np.broadcast_to(np.expand_dims(grad_out, axes), x.shape) * np.size(grad_out) / x.size"),
        # rule: the right values, from tinygrad_ref's own unbroadcast
        _bug(VJP_BROADCAST, """    lead = grad.ndim - len(shape)
    grad = grad.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=axes, keepdims=True)""", "    return tg.autograd.unbroadcast(grad, tuple(shape))"),
    ],
    "vjp_unary": [
        # softmax: only the diagonal of the Jacobian
        _bug(UNARY, "return s * (grad - (grad * s).sum(axis=-1, keepdims=True))",
             "return grad * s * (1 - s)"),
        # softmax normalised over the whole array
        _bug(UNARY, "s = e / e.sum(axis=-1, keepdims=True)", "s = e / e.sum()"),
        # softmax without the max shift: nan for large logits
        _bug(UNARY, "e = np.exp(x - x.max(axis=-1, keepdims=True))", "e = np.exp(x)"),
        # ReLU with derivative 1 at 0
        _bug(UNARY, "return grad * (x > 0)", "return grad * (x >= 0)"),
        # log: multiplied instead of divided
        _bug(UNARY, "return grad / x", "return grad * x"),
        # exp: forgot the upstream gradient
        _bug(UNARY, "        return grad * z\n", "        return z\n"),
        # rule: the right values, by handing the work back to PyTorch inside Softmax.backward
        _bug(UNARY, "        return s * (grad - (grad * s).sum(axis=-1, keepdims=True))",
             "        st = torch.tensor(s)\n"
             "        return torch._softmax_backward_data(torch.tensor(grad), st, -1, st.dtype).numpy()"),
    ],
    "value": [
        # rule: the right values, with tanh borrowed from PyTorch
        _bug(VALUE, "t = math.tanh(self.data)", "t = torch.tanh(torch.tensor(self.data)).item()"),
        # overwrites instead of accumulating
        _bug(VALUE, "p.grad += v.grad * local", "p.grad = v.grad * local"),
        # tanh' written as 1 - t
        _bug(VALUE, "return Value(t, (self,), (1 - t * t,))", "return Value(t, (self,), (1 - t,))"),
        # product rule with the factors swapped
        _bug(VALUE, "(other.data, self.data))", "(self.data, other.data))"),
        # recursion without a topological order: shared nodes pass on incomplete gradients
        _bug(VALUE, '''        order, seen = [], set()

        def visit(v):
            if id(v) not in seen:
                seen.add(id(v))
                for p in v.parents:
                    visit(p)
                order.append(v)

        visit(self)
        self.grad = 1.0
        for v in reversed(order):
            for p, local in zip(v.parents, v.local_grads):
                p.grad += v.grad * local
''', '''        if not self.parents and self.grad == 0.0:
            return
        if self.grad == 0.0:
            self.grad = 1.0
        for p, local in zip(self.parents, self.local_grads):
            p.grad += self.grad * local
            p.backward()
'''),
    ],
}
