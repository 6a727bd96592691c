r"""Recurrent layers ``RNN``, ``LSTM`` and ``GRU`` with torch's names, shapes and gate order.

RNN and GRU are a loop over time of a *cell* composed from Tensor ops (autograd derives backpropagation
through time); an LSTM layer is one op, ``ops.LSTM``, whose backward is backpropagation through time by
hand. The input half of every gate, $W_{ih} x_t + b_{ih}$, does not depend on the state, so each layer
computes it for all time steps in one matrix product before the loop.
For layer $k$ the parameters are ``weight_ih_l{k}`` $(G H, \text{in})$, ``weight_hh_l{k}``
$(G H, H)$, ``bias_ih_l{k}`` and ``bias_hh_l{k}`` $(G H)$, where $G$ is the number of gate blocks stacked
in one matrix (RNN 1; LSTM 4 in the order $i, f, g, o$; GRU 3 in the order $r, z, n$), all initialised
$U(-1/\sqrt H, 1/\sqrt H)$. So a torch ``state_dict`` loads directly.

Inputs are $(L, N, \text{in})$, or $(N, L, \text{in})$ with ``batch_first=True``, or unbatched
$(L, \text{in})$; states are $(\text{num\_layers}, N, H)$ (``batch_first`` never changes them).
(Keras ``LSTM``/``GRU``: kernels stored transposed, ``(in, G H)``; GRU ``reset_after=True`` matches
torch's placement of $r$.)
"""

from __future__ import annotations

import math

import numpy as np

from .. import ops
from ..tensor import Tensor, stack, zeros
from . import functional as F
from . import init
from .modules import Module, Parameter


class _RNNBase(Module):
    gate_blocks = 1  # G

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 dtype=np.float32):
        super().__init__()
        if bidirectional:
            raise ValueError(f"{type(self).__name__}: bidirectional=True is not supported; run a second "
                             "layer on the reversed sequence (x[::-1]) and concatenate the outputs instead")
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{type(self).__name__}: dropout must be in [0, 1], got {dropout}")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, dropout
        gh = self.gate_blocks * hidden_size
        for k in range(num_layers):
            fan = input_size if k == 0 else hidden_size
            setattr(self, f"weight_ih_l{k}", Parameter(np.zeros((gh, fan), dtype)))
            setattr(self, f"weight_hh_l{k}", Parameter(np.zeros((gh, hidden_size), dtype)))
            if bias:
                setattr(self, f"bias_ih_l{k}", Parameter(np.zeros(gh, dtype)))
                setattr(self, f"bias_hh_l{k}", Parameter(np.zeros(gh, dtype)))
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _layer(self, k):
        """The four parameters of layer ``k`` (biases ``None`` when ``bias=False``)."""
        get = lambda name: getattr(self, f"{name}_l{k}", None)  # noqa: E731
        return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh")

    def _initial_states(self, hx, batch_shape, like):
        """The state(s) of every layer at time 0: zeros, or the given ``hx`` split by layer."""
        shape = (self.num_layers, *batch_shape, self.hidden_size)
        given = (None,) * self.state_count if hx is None else hx if isinstance(hx, tuple) else (hx,)
        if len(given) != self.state_count:
            raise ValueError(f"{type(self).__name__}: expected {self.state_count} initial state(s), got "
                             f"{len(given)}")
        states = []
        for h in given:
            if h is not None and tuple(h.shape) != shape:
                raise ValueError(f"{type(self).__name__}: expected initial states of shape {shape}, got "
                                 f"{tuple(h.shape)}")
            states.append(zeros(shape, dtype=like.dtype, device=like.device) if h is None else h)
        return [tuple(s[k] for s in states) for k in range(self.num_layers)]

    state_count = 1  # LSTM: 2 (h and c)

    def forward(self, input: Tensor, hx=None):
        batched = input.ndim == 3
        if input.ndim not in (2, 3) or input.shape[-1] != self.input_size:
            order = "(N, L, in)" if self.batch_first else "(L, N, in)"
            raise ValueError(f"{self!r} expects inputs of shape {order} or (L, in) with in = "
                             f"{self.input_size}, got {tuple(input.shape)}")
        x = input.transpose(0, 1) if batched and self.batch_first else input  # time first
        finals = []
        for k, state in enumerate(self._initial_states(hx, x.shape[1:-1], x)):
            w_ih, w_hh, b_ih, b_hh = self._layer(k)
            xw = F.linear(x, w_ih, b_ih)  # W_ih x_t + b_ih of every step in one product: it needs no h
            x, state = self._layer_over_time(xw, state, w_hh, b_hh)
            finals.append(state)
            if self.dropout and self.training and k < self.num_layers - 1:
                x = F.dropout(x, self.dropout)
        output = x
        output = output.transpose(0, 1) if batched and self.batch_first else output
        states = tuple(stack([f[i] for f in finals], dim=0) for i in range(self.state_count))
        return output, states if self.state_count > 1 else states[0]

    def _layer_over_time(self, xw, state, w_hh, b_hh):
        """One layer over the sequence: every step's output (L, ..., H) and the last state."""
        outputs = []
        for t in range(xw.shape[0]):
            state = self.cell(xw[t], state, w_hh, b_hh)
            outputs.append(state[0])
        return stack(outputs, dim=0), state

    def extra_repr(self):
        extra = "".join([f", num_layers={self.num_layers}" if self.num_layers != 1 else "",
                         ", batch_first=True" if self.batch_first else "",
                         "" if self.bias else ", bias=False",
                         f", dropout={self.dropout}" if self.dropout else ""])
        return f"{self.input_size}, {self.hidden_size}{extra}"


class RNN(_RNNBase):
    r"""Elman RNN: $h_t = \tanh(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})$ (``nonlinearity="relu"``:
    $\max(\cdot, 0)$). Returns ``(output, h_n)``: every $h_t$ of the last layer, and the last state of
    every layer. (Keras: ``SimpleRNN``.)"""

    def __init__(self, *args, nonlinearity: str = "tanh", **kwargs):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f'RNN: nonlinearity must be "tanh" or "relu", got {nonlinearity!r}')
        super().__init__(*args, **kwargs)
        self.nonlinearity = nonlinearity

    def cell(self, xw, state, w_hh, b_hh):
        pre = xw + F.linear(state[0], w_hh, b_hh)
        return (pre.tanh() if self.nonlinearity == "tanh" else pre.relu(),)


class LSTM(_RNNBase):
    r"""Long short-term memory. With gate pre-activations $a = W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh}$
    split into four blocks of size $H$:
    $i = \sigma(a_i)$, $f = \sigma(a_f)$, $g = \tanh(a_g)$, $o = \sigma(a_o)$,
    $c_t = f \odot c_{t-1} + i \odot g$, $h_t = o \odot \tanh(c_t)$.
    The cell state $c$ is updated by addition, so its gradient $\bar c_{t-1} = f \odot \bar c_t$ is not
    squashed at every step: that is what lets gradients survive long sequences.
    ``forward(x, (h_0, c_0))`` returns ``(output, (h_n, c_n))``. Unlike RNN's and GRU's cells, each layer
    is one op, ``ops.LSTM``, with backpropagation through time written out by hand (the same arithmetic
    as the composed cell, without its fifteen small ops per step)."""

    gate_blocks, state_count = 4, 2

    def _layer_over_time(self, xw, state, w_hh, b_hh):
        args = (xw, *state, w_hh) if b_hh is None else (xw, *state, w_hh, b_hh)
        hc = ops.LSTM.apply(*args)  # (L, 2, ..., H): h_t and c_t of every step
        return hc[:, 0], (hc[-1, 0], hc[-1, 1])


class GRU(_RNNBase):
    r"""Gated recurrent unit. With $a = W_{ih} x_t + b_{ih}$ and $b = W_{hh} h_{t-1} + b_{hh}$, each split
    into blocks $r, z, n$:
    $r = \sigma(a_r + b_r)$, $z = \sigma(a_z + b_z)$, $n = \tanh(a_n + r \odot b_n)$,
    $h_t = (1 - z) \odot n + z \odot h_{t-1}$ (torch's form: $r$ multiplies $W_{hn} h + b_{hn}$).
    Returns ``(output, h_n)``."""

    gate_blocks = 3

    def cell(self, xw, state, w_hh, b_hh):
        (h,), hw, n = state, F.linear(state[0], w_hh, b_hh), self.hidden_size
        r = (xw[..., :n] + hw[..., :n]).sigmoid()
        z = (xw[..., n:2 * n] + hw[..., n:2 * n]).sigmoid()
        candidate = (xw[..., 2 * n:] + r * hw[..., 2 * n:]).tanh()
        return ((1 - z) * candidate + z * h,)
