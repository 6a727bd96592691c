"""Plausible wrong answers for 03-autodiff: each must fail its exercise's test cell."""

NUMERICAL_GRADIENT = '''
def numerical_gradient(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        f_plus = f(x)
        x[i] = old - eps
        f_minus = f(x)
        x[i] = old
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

VJP_UNARY = '''
def vjp_exp(x, grad_out):
    return grad_out * np.exp(x)


def vjp_log(x, grad_out):
    return grad_out / x


def vjp_relu(x, grad_out):
    return grad_out * (x > 0)


def vjp_softmax(x, grad_out):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    s = e / e.sum(axis=-1, keepdims=True)
    return s * (grad_out - (grad_out * s).sum(axis=-1, keepdims=True))
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
             "grad[i] = (f_plus - f(x)) / eps"),
        # central difference divided by eps instead of 2 eps
        _bug(NUMERICAL_GRADIENT, "/ (2 * eps)", "/ eps"),
        # the entry is never put back
        _bug(NUMERICAL_GRADIENT, "        x[i] = old\n", ""),
        # perturbs a float32 copy: rounding error dominates
        _bug(NUMERICAL_GRADIENT, "x = np.array(x, dtype=np.float64)", "x = np.array(x, dtype=np.float32)"),
        # only works for vectors: loops over the first axis
        _bug(NUMERICAL_GRADIENT, "for i in np.ndindex(x.shape):", "for i in range(len(x)):"),
    ],
    "vjp_matmul": [
        "def vjp_matmul(A, B, grad_out):\n    return grad_out @ B, A @ grad_out\n",
        "def vjp_matmul(A, B, grad_out):\n    return (A.T @ grad_out).T, (grad_out @ B.T).T\n",
        "def vjp_matmul(A, B, grad_out):\n    return grad_out @ B.T, grad_out.T @ A\n",
        "def vjp_matmul(A, B, grad_out):\n    return B.T @ grad_out.T, grad_out.T @ A.T\n",
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
    ],
    "vjp_unary": [
        # softmax: only the diagonal of the Jacobian
        _bug(VJP_UNARY, "return s * (grad_out - (grad_out * s).sum(axis=-1, keepdims=True))",
             "return grad_out * s * (1 - s)"),
        # softmax normalised over the wrong axis
        _bug(VJP_UNARY, "s = e / e.sum(axis=-1, keepdims=True)", "s = e / e.sum()"),
        # ReLU with derivative 1 at 0
        _bug(VJP_UNARY, "return grad_out * (x > 0)", "return grad_out * (x >= 0)"),
        # log: multiplied instead of divided
        _bug(VJP_UNARY, "return grad_out / x", "return grad_out * x"),
        # exp: forgot the upstream gradient
        _bug(VJP_UNARY, "return grad_out * np.exp(x)", "return np.exp(x)"),
    ],
    "value": [
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
