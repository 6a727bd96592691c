r"""Check analytic gradients (backward) against central differences, in float64.

For a scalar function $L(x)$,
$\partial L / \partial x_j \approx (L(x + \varepsilon e_j) - L(x - \varepsilon e_j)) / 2\varepsilon$,
with error $O(\varepsilon^2)$. ``fn`` may return any tensors; gradcheck turns them into one scalar
$L = \sum_k \sum (\text{out}_k \cdot r_k)$ with fixed random projections $r_k$ (standard normal). One
backward pass then checks the vector-Jacobian product $r^\top J$, which is what backward computes; a
wrong gradient goes unnoticed only if the error is orthogonal to the random $r$ (probability zero). That
is much cheaper than checking each output element separately (a full Jacobian).
"""

import numpy as np

from . import backend
from .autograd import no_grad
from .graph import _as_list
from .tensor import Tensor


class GradcheckError(AssertionError):
    """Raised by ``gradcheck`` when analytic and numeric gradients disagree."""


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """Return True if ``fn``'s gradients match finite differences for every element of every input that
    requires grad, else raise ``GradcheckError`` naming the input, the worst element and both values.

    ``inputs`` is a sequence of tensors (others are passed through). Floating inputs are copied to
    float64, so the check is not limited by float32 rounding. Uses its own random generator (``seed``).
    """
    inputs = [Tensor(x.data, dtype=np.float64, requires_grad=x.requires_grad)
              if isinstance(x, Tensor) and x.dtype.kind == "f" else x for x in inputs]
    outputs = _as_list(fn(*inputs))
    rng = np.random.default_rng(seed)
    weights = [backend.to_device(rng.standard_normal(o.shape), o.device, o.dtype) for o in outputs]
    projected = lambda outs: sum(o * w for o, w in zip(outs, weights)).sum()  # the scalar L
    loss = projected(outputs)
    for x in inputs:
        if isinstance(x, Tensor):
            x.grad = None
    loss.backward()

    for k, x in enumerate(inputs):
        if not (isinstance(x, Tensor) and x.requires_grad):
            continue
        analytic = backend.to_numpy(x.grad.data) if x.grad is not None else np.zeros(x.shape)
        numeric = np.zeros(x.shape)
        flat = x.data.reshape(-1)  # a view: changing it changes x
        with no_grad():
            for j in range(flat.size):
                old = flat[j].item()
                flat[j] = old + eps
                plus = projected(_as_list(fn(*inputs))).item()
                flat[j] = old - eps
                minus = projected(_as_list(fn(*inputs))).item()
                flat[j] = old
                numeric.reshape(-1)[j] = (plus - minus) / (2 * eps)
        excess = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
        if excess.size and excess.max() > 0:
            worst = np.unravel_index(np.argmax(excess), x.shape)
            a, n = analytic[worst], numeric[worst]
            raise GradcheckError(
                f"gradcheck failed for input {k} (shape {x.shape}): at element {tuple(map(int, worst))} the "
                f"analytic gradient is {a:.8g} but the numeric one is {n:.8g} (|difference| {abs(a - n):.3g}"
                f" > atol + rtol*|numeric| = {atol + rtol * abs(n):.3g}); "
                f"{int((excess > 0).sum())} of {excess.size} elements disagree"
            )
    return True
