r"""Weight initialisation, in place, with ``torch.nn.init``'s formulas and names.

Fans: for a weight of shape $(out, in, k_1, k_2, \dots)$, $\text{fan\_in} = in \cdot \prod k$ and
$\text{fan\_out} = out \cdot \prod k$. Random numbers come from the global generator, so
``tinygrad_ref.manual_seed(s)`` makes every initialisation reproducible.
"""

from __future__ import annotations

import math

from ..backend import xp_of
from ..tensor import Tensor, rng


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    r"""The factor that keeps activations' variance stable through a nonlinearity: 1 for linear,
    convolutions and sigmoid, $5/3$ for tanh, $\sqrt 2$ for relu, $\sqrt{2/(1 + a^2)}$ for leaky_relu
    (slope $a$, default 0.01), $3/4$ for selu."""
    if nonlinearity in ("linear", "identity", "sigmoid") or nonlinearity.startswith("conv"):
        return 1.0
    if nonlinearity == "leaky_relu":
        return math.sqrt(2.0 / (1 + (0.01 if param is None else param) ** 2))
    gains = {"tanh": 5.0 / 3, "relu": math.sqrt(2.0), "selu": 3.0 / 4}
    if nonlinearity not in gains:
        raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")
    return gains[nonlinearity]


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    shape = tuple(tensor.shape)
    if len(shape) < 2:
        raise ValueError(f"fan in and fan out need a tensor with at least 2 dimensions, got shape {shape}")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f'mode must be "fan_in" or "fan_out", got {mode!r}')
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _fill(tensor: Tensor, values) -> Tensor:
    """Write NumPy ``values`` into the tensor's array in place (keeping its dtype and device)."""
    tensor.data[...] = xp_of(tensor.data).asarray(values, dtype=tensor.data.dtype)
    return tensor


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    r"""Fill with $U(a, b)$."""
    return _fill(tensor, rng().uniform(a, b, size=tuple(tensor.shape)))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    r"""Fill with $\mathcal N(\text{mean}, \text{std}^2)$."""
    return _fill(tensor, rng().normal(mean, std, size=tuple(tensor.shape)))


def constant_(tensor: Tensor, value: float) -> Tensor:
    tensor.data[...] = value
    return tensor


def zeros_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    r"""Glorot: $U(-a, a)$ with $a = \text{gain}\sqrt{6/(\text{fan\_in} + \text{fan\_out})}$
    (variance $\text{gain}^2 \cdot 2/(\text{fan\_in}+\text{fan\_out})$; Keras' default ``glorot_uniform``)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    a = math.sqrt(3.0) * gain * math.sqrt(2.0 / (fan_in + fan_out))
    return uniform_(tensor, -a, a)


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    r"""Glorot normal: $\mathcal N(0, \sigma^2)$,
    $\sigma = \text{gain}\sqrt{2/(\text{fan\_in}+\text{fan\_out})}$.
    (Keras' ``glorot_normal`` truncates at $2\sigma$ and rescales; torch does not.)"""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu") -> Tensor:
    r"""He: $U(-b, b)$ with $b = \sqrt3\,\text{gain}/\sqrt{\text{fan}}$, gain from
    ``calculate_gain(nonlinearity, a)``. ``nn.Linear`` uses $a = \sqrt5$, i.e.
    $b = 1/\sqrt{\text{fan\_in}}$."""
    bound = math.sqrt(3.0) * (calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode)))
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu") -> Tensor:
    r"""He normal: $\mathcal N(0, \sigma^2)$,
    $\sigma = \text{gain}/\sqrt{\text{fan}}$."""
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode)))
