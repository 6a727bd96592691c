"""Shared fixtures for the tinygrad_ref core tests: the ``device`` parameter and torch comparisons.

PyTorch in float64 is the reference for every value and gradient (never tinygrad_ref itself).
"""

import matplotlib
import numpy as np
import pytest
import torch

import tinygrad_ref as tg

matplotlib.use("Agg")

DEVICES = tg.available_devices()


@pytest.fixture(params=["cpu", "cuda"])
def device(request):
    """Every device test runs on cpu and cuda; cuda is skipped cleanly without CuPy and a GPU."""
    if request.param not in DEVICES:
        pytest.skip("device 'cuda' is not available (needs CuPy and an NVIDIA GPU)")
    return request.param


def compare_with_torch(fn, torch_fn, *arrays, device="cpu", grad=True, atol=1e-10, rtol=1e-7, seed=0):
    """Run ``fn`` on tinygrad_ref tensors and ``torch_fn`` on torch tensors made from the same float64
    ``arrays``; check the outputs, then the gradients of sum(out * w) for a random w, input by input.
    Integer and bool arrays are passed without requires_grad."""
    wants = [grad and np.asarray(a).dtype.kind == "f" for a in arrays]
    ours = [tg.tensor(a, requires_grad=w, device=device) for a, w in zip(arrays, wants)]
    theirs = [torch.tensor(np.asarray(a), requires_grad=w) for a, w in zip(arrays, wants)]
    out, ref = fn(*ours), torch_fn(*theirs)
    assert out.shape == tuple(ref.shape), (out.shape, tuple(ref.shape))
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), atol=atol, rtol=rtol)
    if not any(wants):
        return out
    w = np.random.default_rng(seed).standard_normal(out.shape)
    (out * tg.tensor(w, device=device)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    for i, (a, b, want) in enumerate(zip(ours, theirs, wants)):
        if want:
            expected = np.zeros(a.shape) if b.grad is None else b.grad.numpy()
            got = np.zeros(a.shape) if a.grad is None else a.grad.numpy()
            assert got.shape == expected.shape, f"input {i}: grad shape {got.shape} vs {expected.shape}"
            np.testing.assert_allclose(got, expected, atol=atol, rtol=rtol, err_msg=f"gradient of input {i}")
    return out


@pytest.fixture
def compare(device):
    """``compare(fn, torch_fn, *float64_arrays, **options)`` on the test's device."""
    return lambda fn, torch_fn, *arrays, **kw: compare_with_torch(fn, torch_fn, *arrays, device=device, **kw)


def compare_modules(ours, theirs, *arrays, call=None, torch_call=None, device="cpu", atol=1e-10, rtol=1e-7,
                    seed=0):
    """Load ``theirs``' (a float64 torch module) state dict into ``ours`` as NumPy arrays, run both on the
    same float64 ``arrays`` (float ones require grad), and check every output, then the gradients of
    sum(out * w) for random cotangents w with respect to the float inputs and every parameter.
    ``call(module, *tensors)`` / ``torch_call`` run the module (default: ``module(*tensors)``); outputs may
    be nested tuples (as an LSTM's) and ``None`` entries are skipped."""
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    ours.to(device), ours.zero_grad(), theirs.zero_grad()
    wants = [np.asarray(a).dtype.kind == "f" for a in arrays]
    mine = [tg.tensor(a, requires_grad=w, device=device) for a, w in zip(arrays, wants)]
    ref = [torch.tensor(np.asarray(a), requires_grad=w) for a, w in zip(arrays, wants)]
    out = (call or (lambda m, *t: m(*t)))(ours, *mine)
    expected = (torch_call or call or (lambda m, *t: m(*t)))(theirs, *ref)
    flat = lambda o: [x for y in o for x in flat(y)] if isinstance(o, (tuple, list)) else [o]  # noqa: E731
    pairs = [(a, b) for a, b in zip(flat(out), flat(expected), strict=True) if b is not None]
    rng = np.random.default_rng(seed)
    loss_ours, loss_torch = 0.0, 0.0
    for i, (a, b) in enumerate(pairs):
        assert a.shape == tuple(b.shape), f"output {i}: shape {a.shape} vs {tuple(b.shape)}"
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), atol=atol, rtol=rtol, err_msg=f"output {i}")
        if b.requires_grad:
            w = rng.standard_normal(a.shape)
            loss_ours = loss_ours + (a * tg.tensor(w, device=device)).sum()
            loss_torch = loss_torch + (b * torch.tensor(w)).sum()
    loss_ours.backward()
    loss_torch.backward()
    theirs_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        g, ref_g = p.grad, theirs_params[name].grad
        np.testing.assert_allclose(np.zeros(p.shape) if g is None else g.numpy(),
                                   np.zeros(p.shape) if ref_g is None else ref_g.numpy(), atol=atol,
                                   rtol=rtol,
                                   err_msg=f"gradient of {name}")
    for i, (a, b) in enumerate(zip(mine, ref)):
        if b.requires_grad:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=atol, rtol=rtol,
                                       err_msg=f"gradient of input {i}")
    return out
