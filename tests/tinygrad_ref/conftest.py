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
