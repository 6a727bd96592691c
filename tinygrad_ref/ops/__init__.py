r"""Every differentiable op of tinygrad_ref, as a ``Function``: forward and backward side by side.

Each op's docstring has one form: a sentence in words, then the math on two lines,

    Forward: $z = x\, y$
    Backward: $\bar x = \bar z\, y,\quad \bar y = \bar z\, x$

($\bar z = \partial L / \partial z$ arrives from the loss $L$, $\bar x$ is what the op sends back), so that
``gradient_rules()`` can list every op's rule (the site's gradient table is made from it). Modules:
``elementwise`` (arithmetic, comparisons, activations, casts), ``linalg`` (``MatMul``, ``Linear``),
``reduce`` (``Sum``, ``Mean``, ``Max``, ``Min``, ``Argmax``, ``LogSoftmax``), ``movement`` (reshape,
indexing, stack, cat, pad, embedding), ``conv`` (convolution and pooling), ``normalization``, ``loss``,
``recurrent`` (a whole ``LSTM`` layer).
"""

import importlib
import inspect
import re
from pathlib import Path

from ..autograd import Function
from .conv import AvgPool2d, Conv2d, MaxPool2d
from .elementwise import (
    Abs,
    Add,
    Cast,
    Clip,
    Compare,
    Div,
    Exp,
    Gelu,
    Log,
    Maximum,
    Mul,
    Neg,
    Pow,
    Relu,
    Sigmoid,
    Sqrt,
    Sub,
    Tanh,
    ToDevice,
    Where,
)
from .linalg import Linear, MatMul
from .loss import BinaryCrossEntropy, BinaryCrossEntropyWithLogits, CrossEntropy
from .movement import Cat, Embedding, Getitem, Pad, Permute, Reshape, Stack
from .normalization import Normalize
from .recurrent import LSTM
from .reduce import Argmax, LogSoftmax, Max, Mean, Min, Sum

MODULES = ("elementwise", "linalg", "reduce", "movement", "conv", "normalization", "loss", "recurrent")
_RULE = re.compile(r"^Forward:\s*\$(?P<forward>[^$]+)\$\s*\nBackward:\s*\$(?P<backward>[^$]+)\$",
                   re.MULTILINE)
_ROOT = Path(__file__).resolve().parents[2]  # the repository (paths in gradient_rules are relative to it)


def functions():
    """Every ``Function`` subclass defined in this package, in module order, then source order."""
    found = []
    for name in MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        classes = [c for c in vars(module).values()
                   if inspect.isclass(c) and issubclass(c, Function) and c.__module__ == module.__name__]
        found += sorted(classes, key=lambda c: inspect.getsourcelines(c)[1])
    return found


def gradient_rule(fn):
    """``{"op", "forward", "backward", "module", "path", "line"}`` of one Function: its name, the LaTeX (no
    ``$``) of its two math lines, where it is defined. Raises ValueError if the docstring lacks them."""
    doc = inspect.cleandoc(fn.__doc__ or "")
    match = _RULE.search(doc)
    if match is None:
        raise ValueError(f"{fn.__module__}.{fn.__qualname__}: the docstring needs the two lines "
                         "'Forward: $...$' and 'Backward: $...$' (see tinygrad_ref.ops)")
    path = Path(inspect.getsourcefile(fn)).resolve()
    return {
        "op": fn.__name__,
        "forward": " ".join(match["forward"].split()),
        "backward": " ".join(match["backward"].split()),
        "module": fn.__module__,
        "path": path.relative_to(_ROOT).as_posix() if path.is_relative_to(_ROOT) else path.as_posix(),
        "line": inspect.getsourcelines(fn)[1],
    }


def gradient_rules():
    """The gradient rule of every op (``gradient_rule`` of each of ``functions()``): the gradient table."""
    return [gradient_rule(fn) for fn in functions()]


__all__ = [
    "Abs", "Add", "Argmax", "AvgPool2d", "BinaryCrossEntropy", "BinaryCrossEntropyWithLogits", "Cast", "Cat",
    "Clip", "Compare", "Conv2d", "CrossEntropy", "Div", "Embedding", "Exp", "Gelu", "Getitem", "LSTM",
    "Linear", "Log", "LogSoftmax", "MatMul", "Max", "MaxPool2d", "Maximum", "Mean", "Min", "Mul", "Neg",
    "Normalize", "Pad", "Permute", "Pow", "Relu", "Reshape", "Sigmoid", "Sqrt", "Stack", "Sub", "Sum", "Tanh",
    "ToDevice", "Where",
    "functions", "gradient_rule", "gradient_rules",
]
