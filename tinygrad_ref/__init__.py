"""tinygrad_ref: a small PyTorch-shaped deep-learning framework on NumPy (CuPy for device="cuda").

    import tinygrad_ref as tg
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    x.grad            # tensor([2., 4., 6.])

Read in this order: autograd.py (Function and the backward engine), ops/ (every op), tensor.py.
"""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

from . import backend, data, nn, optim
from .autograd import Function, enable_grad, is_grad_enabled, no_grad
from .backend import available_devices
from .gradcheck import GradcheckError, gradcheck
from .graph import TracedGraph, draw, nodes, to_dot, trace
from .tensor import (
    Tensor,
    arange,
    cat,
    full,
    manual_seed,
    maximum,
    ones,
    ones_like,
    rand,
    randn,
    rng,
    stack,
    tensor,
    where,
    zeros,
    zeros_like,
)

__all__ = [
    "Function", "GradcheckError", "Tensor", "TracedGraph", "arange", "available_devices", "backend", "cat",
    "data", "draw", "enable_grad", "full", "gradcheck", "is_grad_enabled", "manual_seed", "maximum", "nn",
    "no_grad", "nodes", "ones", "ones_like", "optim", "rand", "randn", "rng", "stack", "tensor", "to_dot",
    "trace", "where", "zeros", "zeros_like",
]

try:
    __version__ = _version("dl-course")
except PackageNotFoundError:  # imported from a source tree that was not pip-installed
    __version__ = "0+unknown"
