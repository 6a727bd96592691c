"""Tensor API, creation functions, the backward engine and error messages."""

import numpy as np
import pytest
import torch

import tinygrad_ref as tg
from tinygrad_ref.tensor import Tensor

# ---------------------------------------------------------------- construction and properties


def test_default_dtypes_like_torch():
    assert tg.tensor(1.5).dtype == np.float32 == torch.tensor(1.5).numpy().dtype
    assert tg.tensor([1, 2]).dtype == np.int64
    assert tg.tensor([True, False]).dtype == np.bool_
    assert tg.tensor(np.zeros(2)).dtype == np.float64  # NumPy arrays keep their dtype
    assert tg.tensor([1, 2], dtype="float64").dtype == np.float64
    assert tg.tensor([1, 2], dtype=np.float32).dtype == np.float32
    assert isinstance(tg.tensor([1.0]).dtype, np.dtype)


def test_properties(device):
    x = tg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True, device=device)
    assert x.shape == (2, 3) and x.ndim == 2 and len(x) == 2 and x.device == device
    assert x.requires_grad and x.is_leaf and x.op is None and x.parents == () and x.grad is None
    np.testing.assert_array_equal(x.numpy(), [[1, 2, 3], [4, 5, 6]])
    assert isinstance(x.numpy(), np.ndarray)
    assert x[1, 2].item() == 6.0 and x.numel() == 6 and x.size(1) == 3
    assert [row.shape for row in x] == [(3,), (3,)]
    assert x.tolist() == [[1, 2, 3], [4, 5, 6]]


def test_data_is_copied_on_construction():
    a = np.ones(3, dtype=np.float32)
    x = tg.tensor(a)
    x.data[0] = 5
    assert a[0] == 1


def test_graph_inspection():
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([3.0, 4.0], requires_grad=True)
    c = a * b
    d = c.sum()
    assert c.op == "Mul" and c.parents == (a, b) and not c.is_leaf
    assert d.op == "Sum" and d.parents[0] is c
    assert c.requires_grad and d.requires_grad


def test_repr():
    assert repr(tg.tensor([1.0, 2.0], requires_grad=True)) == "tensor([1., 2.], requires_grad=True)"
    assert repr(tg.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(tg.tensor([1.0], dtype="float64")) == "tensor([1.], dtype=float64)"
    x = tg.tensor([1.0, 2.0], requires_grad=True) * 2
    assert repr(x) == "tensor([2., 4.], requires_grad=True, op=Mul)"


def test_detach_astype_to():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d.is_leaf and d.data is x.data
    y = x.to("float64")
    assert y.dtype == np.float64 and y.op == "Cast"
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])
    assert x.to("cpu") is x
    assert x.to(np.float32) is x and x.float() is x
    assert tg.tensor([1.7]).long().dtype == np.int64


def test_creation_functions(device):
    assert tg.zeros(2, 3, device=device).shape == (2, 3)
    assert tg.zeros((2, 3)).dtype == np.float32
    assert tg.ones(4, dtype="float64").dtype == np.float64
    x = tg.randn(3, 2, device=device)
    assert tg.zeros_like(x).shape == (3, 2) and tg.ones_like(x).numpy().sum() == 6
    assert tg.zeros_like(x).device == device
    assert tg.full((2,), 7.0).tolist() == [7.0, 7.0]
    np.testing.assert_array_equal(tg.arange(5).numpy(), np.arange(5))
    assert tg.arange(5).dtype == np.int64 and tg.arange(0, 1, 0.25).dtype == np.float32
    assert tg.arange(2, 8, 2).tolist() == [2, 4, 6]
    r = tg.rand(1000)
    assert r.dtype == np.float32 and 0 <= r.numpy().min() and r.numpy().max() < 1
    w = tg.randn(2, 2, requires_grad=True)
    assert w.requires_grad and w.is_leaf


def test_manual_seed_reproducible():
    tg.manual_seed(3)
    a = tg.randn(4).numpy().copy()
    u = tg.rng().random()
    tg.manual_seed(3)
    np.testing.assert_array_equal(tg.randn(4).numpy(), a)
    assert tg.rng().random() == u


# ---------------------------------------------------------------- backward engine


def test_gradients_accumulate_across_backward_calls():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3 + 2, 3 + 4])


def test_non_leaf_grads_not_kept_unless_retained():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    k = x * 3
    k.retain_grad()
    (h * k).sum().backward()
    assert h.grad is None
    np.testing.assert_allclose(k.grad.numpy(), [2.0, 4.0])


def test_backward_with_explicit_gradient():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    g = np.array([1.0, 0.0, -1.0], dtype=np.float32)
    (x * x).backward(g)
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 0.0, -6.0])
    g[0] = 100  # the caller's array is not stored
    assert x.grad.numpy()[0] == 2.0


def test_leaf_grads_do_not_share_memory():
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([1.0, 2.0], requires_grad=True)
    (a + b).sum().backward()
    a.grad.data *= 5
    np.testing.assert_allclose(b.grad.numpy(), [1.0, 1.0])


def test_graph_freed_after_backward_and_second_backward_errors():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])


def test_deep_graph_has_no_recursion_limit():
    x = tg.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(1500):  # 3000 nodes, beyond Python's default recursion limit of 1000
        y = y * 1.0 + 0.001
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0])


def test_diamond_graph_gradient():
    x = tg.tensor(2.0, requires_grad=True)
    a = x * 3
    b = a.exp()
    c = a * a
    (b + c).backward()
    xt = torch.tensor(2.0, requires_grad=True)
    at = xt * 3
    (at.exp() + at * at).backward()
    np.testing.assert_allclose(x.grad.item(), xt.grad.item(), rtol=1e-5)


def test_no_grad_context_and_decorator():
    x = tg.tensor([1.0], requires_grad=True)
    assert tg.is_grad_enabled()
    with tg.no_grad():
        assert not tg.is_grad_enabled()
        y = x * 2
        with tg.enable_grad():
            assert (x * 2).requires_grad
    assert tg.is_grad_enabled() and not y.requires_grad and y.is_leaf

    @tg.no_grad()
    def f(t):
        return t * 2

    assert not f(x).requires_grad and tg.is_grad_enabled()

    @tg.no_grad()
    def recursive(n):
        return x * 2 if n == 0 else recursive(n - 1)

    assert not recursive(3).requires_grad and tg.is_grad_enabled()


def test_comparison_results_are_not_differentiable():
    x = tg.tensor([1.0, -1.0], requires_grad=True)
    m = x > 0
    assert m.dtype == np.bool_ and not m.requires_grad
    assert (x == None) is False and (x != None) is True  # noqa: E711
    assert {x: 1}[x] == 1  # tensors stay hashable


# ---------------------------------------------------------------- error messages


def test_shape_mismatch_broadcast_message():
    with pytest.raises(ValueError, match=r"Add: cannot broadcast shapes \(3,\) and \(4,\)"):
        tg.ones(3) + tg.ones(4)
    with pytest.raises(ValueError, match=r"Mul.*\(2, 3\) and \(2,\)"):
        tg.ones(2, 3) * tg.ones(2)


def test_matmul_shape_message():
    with pytest.raises(ValueError, match=r"MatMul.*\(2, 3\) @ \(4, 5\)"):
        tg.ones(2, 3) @ tg.ones(4, 5)
    with pytest.raises(ValueError, match=r"MatMul: batch dimensions.*\(2,\) with \(3,\)"):
        tg.ones(2, 3, 4) @ tg.ones(3, 4, 5)


def test_other_shape_errors_name_op_and_shapes():
    with pytest.raises(ValueError, match=r"Cat got inputs of shapes \(2, 3\) and \(2, 4\)"):
        tg.cat([tg.ones(2, 3), tg.ones(2, 4)])
    with pytest.raises(ValueError, match=r"Reshape got inputs of shapes \(6,\)"):
        tg.ones(6).reshape(4, 2)


def test_backward_non_scalar_needs_gradient():
    x = tg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"scalar.*shape \(3,\).*\.sum\(\)"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="does not require grad"):
        tg.ones(3).sum().backward()
    with pytest.raises(RuntimeError, match=r"grad has shape \(2,\)"):
        (x * 2).backward(np.ones(2))


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_integer_tensors_cannot_require_grad(dtype):
    with pytest.raises(RuntimeError, match=f"only floating-point.*{dtype}"):
        tg.tensor([1, 0], dtype=dtype, requires_grad=True)
    with pytest.raises(RuntimeError, match="only floating-point"):
        tg.arange(3).requires_grad_()


def test_item_needs_one_element():
    with pytest.raises(ValueError, match=r"item\(\).*\(2,\)"):
        tg.ones(2).item()


def test_unknown_device_message():
    with pytest.raises(ValueError, match=r"unknown device 'tpu'.*'cpu', 'cuda'"):
        tg.ones(2, device="tpu")
    with pytest.raises(ValueError, match="unknown device"):
        Tensor([1.0], device="gpu")


@pytest.mark.skipif("cuda" in tg.available_devices(), reason="a GPU is available here")
def test_cuda_without_gpu_says_how_to_fix():
    with pytest.raises(RuntimeError, match=r'device="cuda".*cupy-cuda12x.*device="cpu"'):
        tg.tensor([1.0], device="cuda")
    with pytest.raises(RuntimeError, match="cupy-cuda12x"):
        tg.ones(2).to("cuda")


@pytest.mark.skipif("cuda" not in tg.available_devices(), reason="needs CuPy and a GPU")
def test_mixing_devices_is_an_error():
    with pytest.raises(RuntimeError, match=r"Add: inputs are on different devices \(cpu, cuda\)"):
        tg.ones(2) + tg.ones(2, device="cuda")


def test_mixing_devices_message_without_a_gpu(monkeypatch):
    class FakeGpuArray(np.ndarray):
        pass

    monkeypatch.setattr(tg.backend, "is_cuda_array", lambda a: isinstance(a, FakeGpuArray))
    on_gpu = Tensor._make(np.ones(2).view(FakeGpuArray), False)
    assert on_gpu.device == "cuda"
    message = r"Add: inputs are on different devices \(cpu, cuda\).*\.to\(device\)"
    with pytest.raises(RuntimeError, match=message):
        tg.ones(2) + on_gpu
