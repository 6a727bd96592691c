"""RNN, LSTM, GRU, scaled_dot_product_attention and MultiheadAttention against torch in float64:
outputs, gradients of inputs and parameters, and torch state dicts loaded as NumPy arrays."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tinygrad_ref as tg
import tinygrad_ref.nn.functional as F
from tinygrad_ref import nn

from .conftest import compare_modules, compare_with_torch

rng = np.random.default_rng(3)


def randn(*shape):
    return rng.standard_normal(shape)


# ------------------------------------------------------------------------------------------- recurrent
RECURRENT = {"RNN": (nn.RNN, torch.nn.RNN), "LSTM": (nn.LSTM, torch.nn.LSTM), "GRU": (nn.GRU, torch.nn.GRU)}


@pytest.mark.parametrize("kind", list(RECURRENT))
@pytest.mark.parametrize("batch_first,num_layers,bias",
                         [(False, 1, True), (True, 2, True), (False, 2, False)])
def test_recurrent_layers(device, kind, batch_first, num_layers, bias):
    ours_cls, torch_cls = RECURRENT[kind]
    kw = dict(num_layers=num_layers, bias=bias, batch_first=batch_first)
    theirs, ours = torch_cls(3, 5, **kw).double(), ours_cls(3, 5, **kw, dtype=np.float64)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    x = randn(2, 4, 3) if batch_first else randn(4, 2, 3)
    compare_modules(ours, theirs, x, device=device)


@pytest.mark.parametrize("kind", list(RECURRENT))
def test_recurrent_initial_state_and_unbatched_input(kind):
    ours_cls, torch_cls = RECURRENT[kind]
    theirs, ours = torch_cls(3, 4, num_layers=2).double(), ours_cls(3, 4, num_layers=2, dtype=np.float64)
    states = (randn(2, 2, 4), randn(2, 2, 4)) if kind == "LSTM" else (randn(2, 2, 4),)
    pack = (lambda s: tuple(s)) if kind == "LSTM" else (lambda s: s[0])
    compare_modules(ours, theirs, randn(5, 2, 3), *states, call=lambda m, x, *s: m(x, pack(s)))
    compare_modules(ours, theirs, randn(5, 3))  # (L, in): no batch axis; states (num_layers, H)


def test_rnn_relu_and_dropout_between_layers():
    theirs = torch.nn.RNN(3, 4, nonlinearity="relu").double()
    compare_modules(nn.RNN(3, 4, nonlinearity="relu", dtype=np.float64), theirs, randn(6, 2, 3))
    lstm = nn.LSTM(3, 4, num_layers=2, dropout=0.5)
    x = tg.tensor(randn(6, 2, 3).astype(np.float32))
    tg.manual_seed(0)
    a = lstm(x)[0].numpy()
    tg.manual_seed(1)
    assert not np.allclose(a, lstm(x)[0].numpy())  # training: the mask between the layers differs
    lstm.eval()
    np.testing.assert_array_equal(lstm(x)[0].numpy(), lstm(x)[0].numpy())


def test_recurrent_errors_and_init():
    with pytest.raises(ValueError, match="bidirectional"):
        nn.GRU(3, 4, bidirectional=True)
    with pytest.raises(ValueError, match=r"\(L, N, in\)"):
        nn.LSTM(3, 4)(tg.tensor(randn(5, 2, 4)))
    with pytest.raises(ValueError, match="2 initial state"):
        nn.LSTM(3, 4)(tg.tensor(randn(5, 2, 3)), tg.tensor(randn(1, 2, 4)))
    tg.manual_seed(0)
    w = nn.LSTM(3, 100).weight_hh_l0.numpy()
    assert w.shape == (400, 100) and 0.09 < np.abs(w).max() <= 0.1  # U(-1/sqrt(H), 1/sqrt(H))


def test_lstm_gradcheck():
    lstm = nn.LSTM(2, 3, dtype=np.float64)
    x = tg.tensor(randn(4, 1, 2), requires_grad=True)
    assert tg.gradcheck(lambda x, w: lstm(x)[0], (x, lstm.weight_hh_l0))


def torch_lstm_steps(u, h, c, w_hh, b_hh=None):
    """The reference of ``ops.LSTM``: torch's LSTM step composed from torch ops (autograd does the BPTT)."""
    out = []
    for u_t in u:
        a = u_t + h @ w_hh.T + (0 if b_hh is None else b_hh)
        i, f, g, o = a.chunk(4, dim=-1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        out.append(torch.stack((h, c)))
    return torch.stack(out)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(length=st.integers(1, 6), batch=st.sampled_from([(), (1,), (3,), (2, 2)]), hidden=st.integers(1, 4),
       bias=st.booleans())
def test_lstm_op_against_torch_steps(length, batch, hidden, bias):
    """The fused layer: h_t and c_t of every step, and the gradients of u, h_0, c_0, W_hh, b_hh (random
    cotangents on both h and c), equal torch's composed steps in float64, for any batch shape."""
    u, h0, c0 = randn(length, *batch, 4 * hidden), randn(*batch, hidden), randn(*batch, hidden)
    arrays = (u, h0, c0, randn(4 * hidden, hidden)) + ((randn(4 * hidden),) if bias else ())
    compare_with_torch(tg.ops.LSTM.apply, torch_lstm_steps, *arrays)


# --------------------------------------------------------------------------------------------- attention
def test_scaled_dot_product_attention(compare):
    q, k, v = randn(2, 3, 4, 5), randn(2, 3, 6, 5), randn(2, 3, 6, 7)
    compare(F.scaled_dot_product_attention, TF.scaled_dot_product_attention, q, k, v)
    compare(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, scale=0.3),
            lambda q, k, v: TF.scaled_dot_product_attention(q, k, v, scale=0.3), q, k, v)


@pytest.mark.parametrize("mask_kind", ["bool", "float", "causal"])
def test_scaled_dot_product_attention_masks(compare, mask_kind):
    q, k, v = randn(2, 5, 4), randn(2, 5, 4), randn(2, 5, 3)
    if mask_kind == "causal":
        compare(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
                lambda q, k, v: TF.scaled_dot_product_attention(q, k, v, is_causal=True), q, k, v)
        return
    mask = rng.random((2, 5, 5)) < 0.6
    mask[:, :, 0] = True  # every query keeps at least one key
    mask = mask if mask_kind == "bool" else randn(2, 5, 5)
    compare(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=mask),
            lambda q, k, v: TF.scaled_dot_product_attention(q, k, v, attn_mask=torch.tensor(mask)), q, k, v)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(st.integers(1, 3), max_size=2), length=st.integers(1, 5), source=st.integers(1, 5),
       e=st.integers(1, 4), ev=st.integers(1, 4))
def test_scaled_dot_product_attention_any_shape(batch, length, source, e, ev):
    q, k, v = randn(*batch, length, e), randn(*batch, source, e), randn(*batch, source, ev)
    compare_with_torch(F.scaled_dot_product_attention, TF.scaled_dot_product_attention, q, k, v)


def test_attention_gradcheck_and_errors():
    q, k, v = (tg.tensor(randn(2, 3, 4), requires_grad=True) for _ in range(3))
    assert tg.gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True), (q, k, v))
    with pytest.raises(ValueError, match="not both"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=np.ones((3, 3), bool), is_causal=True)
    with pytest.raises(ValueError, match=r"key \(\.\.\., S, E\)"):
        F.scaled_dot_product_attention(q, tg.tensor(randn(2, 3, 5)), v)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("bias", [True, False])
def test_multihead_self_attention(device, batch_first, bias):
    theirs = torch.nn.MultiheadAttention(8, 2, bias=bias, batch_first=batch_first).double()
    ours = nn.MultiheadAttention(8, 2, bias=bias, batch_first=batch_first, dtype=np.float64)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    x = randn(3, 5, 8)
    compare_modules(ours, theirs, x, call=lambda m, x: m(x, x, x), device=device)


def test_multihead_cross_attention_with_masks():
    theirs = torch.nn.MultiheadAttention(6, 3, batch_first=True).double()
    ours = nn.MultiheadAttention(6, 3, batch_first=True, dtype=np.float64)
    with torch.no_grad():
        theirs.in_proj_bias.normal_(), theirs.out_proj.bias.normal_()
    q, kv = randn(2, 4, 6), randn(2, 5, 6)
    padding = np.array([[False] * 5, [False, False, False, True, True]])  # True = a padding token: ignored
    causal = np.triu(np.ones((4, 5), dtype=bool), k=1)  # True = not allowed
    for kw in [dict(key_padding_mask=padding), dict(attn_mask=causal), dict(attn_mask=randn(4, 5)),
               dict(attn_mask=causal, key_padding_mask=padding, average_attn_weights=False),
               dict(attn_mask=randn(6, 4, 5), need_weights=False)]:
        def run(m, q, kv, kw=kw):
            masks = {k: (torch.tensor(v) if isinstance(m, torch.nn.Module) and not isinstance(v, bool) else v)
                     for k, v in kw.items()}
            return m(q, kv, kv, **masks)
        compare_modules(ours, theirs, q, kv, call=run)


def test_multihead_attention_unbatched_causal_and_errors():
    theirs = torch.nn.MultiheadAttention(4, 2).double()
    ours = nn.MultiheadAttention(4, 2, dtype=np.float64)
    compare_modules(ours, theirs, randn(5, 4), call=lambda m, x: m(x, x, x))  # (L, E)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=torch.float64)
    compare_modules(ours, theirs, randn(5, 2, 4), call=lambda m, x: m(x, x, x, is_causal=True),
                    torch_call=lambda m, x: m(x, x, x, attn_mask=mask, is_causal=True))
    with pytest.raises(ValueError, match="divisible"):
        nn.MultiheadAttention(6, 4)
    with pytest.raises(ValueError, match="E = 4"):
        ours(*(tg.tensor(randn(5, 2, 3)),) * 3)
