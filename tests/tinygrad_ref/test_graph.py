"""Graph listing, drawing, DOT export and trace() replay."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

import tinygrad_ref as tg


def small_graph():
    x = tg.tensor([[1.0, 2.0]], requires_grad=True)
    w = tg.tensor([[0.5], [-1.0]], requires_grad=True)
    return x, w, ((x @ w).tanh() * 2.0).sum()


def test_nodes_in_topological_order():
    x, w, y = small_graph()
    nodes = tg.nodes(y)
    assert [n.op for n in nodes] == [None, None, "MatMul", "Tanh", None, "Mul", "Sum"]
    for n in nodes:
        assert all(p < n.index for p in n.parents)
    matmul = nodes[2]
    assert matmul.shape == (1, 1) and matmul.dtype == np.float32 and matmul.parents == (0, 1)
    assert nodes[0].shape == (1, 2) and nodes[0].kind == "leaf" and nodes[0].requires_grad
    assert nodes[-1].attrs == {"dim": None, "keepdim": False}


def test_to_dot():
    *_, y = small_graph()
    dot = y.to_dot()
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")
    assert 'label="MatMul\\n(1, 1) float32"' in dot
    assert "n0 -> n2;" in dot and "n1 -> n2;" in dot and "n5 -> n6;" in dot
    assert tg.to_dot(y) == dot


def test_draw_returns_figure():
    *_, y = small_graph()
    fig = y.draw()
    assert isinstance(fig, plt.Figure)
    texts = [t.get_text() for t in fig.axes[0].texts if t.get_text()]  # arrows are empty annotations
    assert any(t.startswith("MatMul") for t in texts) and len(texts) == 7
    plt.close(fig)


# ---------------------------------------------------------------- trace


def mlp_setup():
    tg.manual_seed(0)
    w1 = tg.randn(4, 8, requires_grad=True)
    b1 = tg.zeros(8, requires_grad=True)
    w2 = tg.randn(8, 3, requires_grad=True)
    return w1, b1, w2


def test_trace_replays_without_running_python_and_matches_eager():
    w1, b1, w2 = mlp_setup()
    calls = []

    def model(x, y):
        calls.append(1)
        print("tracing")
        h = (x @ w1 + b1).relu()
        out = h @ w2
        return ((out - y) ** 2).mean(), out

    x0, y0 = tg.randn(5, 4), tg.randn(5, 3)
    graph = tg.trace(model, x0, y0)
    assert calls == [1]

    x1, y1 = tg.randn(5, 4), tg.randn(5, 3)
    loss, out = graph(x1, y1)
    assert calls == [1]  # fn's Python did not run again
    loss.backward()
    replay_grads = [p.grad.numpy().copy() for p in (w1, b1, w2)]
    for p in (w1, b1, w2):
        p.grad = None

    eager_loss, eager_out = model(x1, y1)
    eager_loss.backward()
    np.testing.assert_allclose(loss.numpy(), eager_loss.numpy(), rtol=1e-6)
    np.testing.assert_allclose(out.numpy(), eager_out.numpy(), rtol=1e-6)
    for got, p in zip(replay_grads, (w1, b1, w2)):
        np.testing.assert_allclose(got, p.grad.numpy(), rtol=1e-5)


def test_trace_gradients_match_torch():
    a = np.random.default_rng(1).standard_normal((3, 4))

    def f(x):
        return (x.exp() * x).sum(axis=1).max()

    graph = tg.trace(f, tg.zeros(3, 4, dtype="float64"))
    x = tg.tensor(a, requires_grad=True)
    graph(x).backward()
    xt = torch.tensor(a, requires_grad=True)
    (xt.exp() * xt).sum(dim=1).amax().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-10)


def test_trace_captures_parameters_by_reference():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    graph = tg.trace(lambda x: x * w, tg.ones(2))
    with tg.no_grad():
        w.data[...] = [10.0, 20.0]  # an optimizer step changes the parameter in place
    np.testing.assert_allclose(graph(tg.tensor([1.0, 1.0])).numpy(), [10.0, 20.0])
    w.data = np.array([3.0, 4.0], dtype=np.float32)  # even a replaced array is seen (by reference)
    np.testing.assert_allclose(graph(tg.tensor([1.0, 1.0])).numpy(), [3.0, 4.0])


def test_trace_records_masks_and_index_tensors_from_inputs():
    graph = tg.trace(lambda x: tg.where(x > 0, x, 0.0).sum() + x[x < 0].sum(), tg.ones(4))
    x = tg.tensor([1.0, -2.0, 3.0, -4.0])
    assert graph(x).item() == 4.0 - 6.0


def test_trace_without_grad_inputs_and_python_control_flow_frozen():
    def f(x):
        return x * 2 if x.sum().item() > 0 else x * -1  # the branch taken at trace time is kept

    graph = tg.trace(f, tg.ones(3))
    np.testing.assert_allclose(graph(tg.tensor([-1.0, -1.0, -1.0])).numpy(), [-2.0, -2.0, -2.0])


def test_trace_nodes_listing_and_drawing():
    w1, b1, w2 = mlp_setup()
    graph = tg.trace(lambda x: (x @ w1 + b1).relu() @ w2, tg.randn(5, 4))
    ops = [n.op for n in graph.nodes if n.kind == "op"]
    assert ops == ["MatMul", "Add", "Relu", "MatMul"]
    kinds = [n.kind for n in graph.nodes]
    assert kinds.count("input 0") == 1 and kinds.count("captured") == 3
    for n in graph.nodes:
        assert all(p < n.index for p in n.parents)
    assert graph.nodes[-1].shape == (5, 3)
    text = str(graph)
    assert "input 0" in text and "MatMul(" in text and "(5, 3) float32" in text and "return %" in text
    assert "digraph" in graph.to_dot()
    fig = graph.draw()
    assert isinstance(fig, plt.Figure)
    plt.close(fig)


def test_trace_wrong_inputs_say_what_was_expected():
    graph = tg.trace(lambda x, y: x + y, tg.ones(2, 3), tg.ones(3))
    with pytest.raises(ValueError, match=r"expects 2 input\(s\) of shapes \(2, 3\), \(3,\).*got 1"):
        graph(tg.ones(2, 3))
    with pytest.raises(ValueError, match=r"expects 2 input.*got 2 of shapes \(4, 3\), \(3,\)"):
        graph(tg.ones(4, 3), tg.ones(3))


def test_trace_returns_input_and_accepts_numpy():
    graph = tg.trace(lambda x: (x, x * 2), tg.ones(2))
    a, b = graph(np.array([1.0, 2.0], dtype=np.float32))
    assert a.tolist() == [1.0, 2.0] and b.tolist() == [2.0, 4.0]
