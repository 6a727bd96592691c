r"""A whole LSTM layer as one op: the loop over time, forward and backpropagation through time by hand.

Composed from Tensor ops, an LSTM step is about fifteen small ops, and each costs more in Python
bookkeeping than in arithmetic; one ``Function`` per layer keeps the same arithmetic and drops the
bookkeeping (tests/tinygrad_ref/test_sequence.py checks it against torch.nn.LSTM in float64).
"""

import numpy as np

from ..autograd import Function
from ..backend import xp_of


class LSTM(Function):
    r"""One LSTM layer over a whole sequence, from the input projections $u_t = W_{ih} x_t + b_{ih}$ of every
    step $t = 1..L$ (computed before, in one product), the initial states $h_0, c_0$ and the recurrent
    weights $W_{hh}$ $(4H, H)$, $b_{hh}$, in torch's gate order $i, f, g, o$:
    $a_t = u_t + W_{hh} h_{t-1} + b_{hh}$, $i, f, o = \sigma(a_{i,f,o})$, $g = \tanh a_g$. The output
    stacks $h_t$ and $c_t$ of every step, shape $(L, 2, \dots, H)$. Backward runs the steps in reverse: the
    gradients $\bar h_t$, $\bar c_t$ that reach a step are the output's plus what step $t+1$ sent back,
    and $\bar a_t$ is at once the gradient of $u_t$; $\bar W_{hh} = \sum_t \bar a_t^\top h_{t-1}$,
    $\bar b_{hh} = \sum_t \bar a_t$ are one product and one sum after the loop.

    Forward: $c_t = f \odot c_{t-1} + i \odot g,\quad h_t = o \odot \tanh c_t$
    Backward: $\bar c_t \mathrel{+}= \bar h_t \odot o \odot (1 - \tanh^2 c_t),\quad
    \bar a_t = \big(\bar c_t g\, i(1-i),\ \bar c_t c_{t-1} f(1-f),\ \bar c_t i\,(1-g^2),\
    \bar h_t \tanh c_t\, o(1-o)\big),\quad \bar h_{t-1} = \bar a_t W_{hh},\quad \bar c_{t-1} = \bar c_t f$
    """

    @staticmethod
    def forward(ctx, u, h0, c0, w_hh, b_hh=None):
        xp, n = xp_of(u), h0.shape[-1]
        a_in = u if b_hh is None else u + b_hh  # the parts of a_t that do not depend on h_{t-1}
        gates = xp.empty_like(a_in)  # i, f, g, o of every step, after their activations
        h = xp.empty((len(u) + 1, *h0.shape), dtype=u.dtype)  # h_0 .. h_L
        c = xp.empty_like(h)
        h[0], c[0] = h0, c0
        for t in range(len(u)):
            a = a_in[t] + h[t] @ w_hh.T
            gate = gates[t]
            with np.errstate(over="ignore"):  # sigma = 1 / (1 + e^{-a}) in place: e^{-a} = inf gives 0
                xp.exp(-a, out=gate)  # (also over the g block, overwritten next: one call, not three)
            gate += 1
            xp.reciprocal(gate, out=gate)
            gate[..., 2 * n:3 * n] = xp.tanh(a[..., 2 * n:3 * n])
            i, f, g, o = (gate[..., k * n:(k + 1) * n] for k in range(4))
            c[t + 1] = f * c[t] + i * g
            h[t + 1] = o * xp.tanh(c[t + 1])
        ctx.save_for_backward(gates, h, c, w_hh)
        ctx.has_bias = b_hh is not None
        return xp.stack((h[1:], c[1:]), axis=1)

    @staticmethod
    def backward(ctx, grad):
        gates, h, c, w_hh = ctx.saved_tensors
        xp, n = xp_of(grad), h.shape[-1]
        i, f, g, o = (gates[..., k * n:(k + 1) * n] for k in range(4))
        tanh_c = xp.tanh(c[1:])
        slope = gates * (1 - gates)  # sigma' = sigma (1 - sigma) for i, f, o ...
        slope[..., 2 * n:3 * n] = 1 - g * g  # ... and tanh' = 1 - tanh^2 for g
        # every factor that does not depend on the incoming gradients, for all steps at once:
        # a_i, a_f, a_g get c-bar times these, a_o gets h-bar times that, c gets h-bar times h_to_c
        from_c = (xp.concatenate((g, c[:-1], i), axis=-1) * slope[..., :3 * n]).reshape(*g.shape[:-1], 3, n)
        from_h, h_to_c = tanh_c * slope[..., 3 * n:], o * (1 - tanh_c * tanh_c)
        da = xp.empty_like(gates)  # the gradient of every a_t (and of u_t)
        dh, dc = xp.zeros_like(h[0]), xp.zeros_like(c[0])  # what step t+1 sends back to step t
        for t in reversed(range(len(gates))):
            dh = dh + grad[t, 0]
            dc = dc + grad[t, 1] + dh * h_to_c[t]
            da[t, ..., :3 * n] = (from_c[t] * dc[..., None, :]).reshape(*dc.shape[:-1], 3 * n)
            da[t, ..., 3 * n:] = dh * from_h[t]
            dh, dc = da[t] @ w_hh, dc * f[t]
        flat = da.reshape(-1, da.shape[-1])
        dw = flat.T @ h[:-1].reshape(-1, n)
        return (da, dh, dc, dw, flat.sum(axis=0)) if ctx.has_bias else (da, dh, dc, dw)
