"""nn: Module API, layers against torch.nn with the same weights, init statistics against torch's formulas."""

import math

import numpy as np
import pytest
import torch

import tinygrad_ref as tg
from tinygrad_ref import nn
from tinygrad_ref.nn import init

rng = np.random.default_rng(0)


def _copy_from_torch(ours, theirs):
    """Load the torch module's weights (and buffers) into ours, in float64."""
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


def _grads_match(ours, theirs, rtol=1e-10, atol=1e-12):
    named = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), named[name].grad.numpy(), rtol=rtol, atol=atol,
                                   err_msg=name)


# ------------------------------------------------------------------------------------------- Module API


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 3))
        self.norm = nn.BatchNorm1d(3)
        self.scale = nn.Parameter(tg.ones(3))
        self.not_a_param = tg.ones(2)  # a plain tensor attribute is not registered

    def forward(self, x):
        return self.norm(self.body(x)) * self.scale


def test_registration_and_traversal():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["scale", "body.0.weight", "body.0.bias", "body.3.weight", "body.3.bias",
                     "norm.weight", "norm.bias"]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in net.parameters())
    assert [n for n, _ in net.named_children()] == ["body", "norm"]
    assert len(list(net.modules())) == 7
    assert [n for n, _ in net.named_buffers()] == ["norm.running_mean", "norm.running_var",
                                                   "norm.num_batches_tracked"]
    net.body = nn.Linear(4, 3)  # re-assigning replaces the registration
    assert [n for n, _ in net.named_parameters()][:3] == ["scale", "body.weight", "body.bias"]
    del net.scale
    assert "scale" not in dict(net.named_parameters())


def test_module_list_registers_its_modules():
    class Tower(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList([nn.Linear(3, 3) for _ in range(2)])
            self.hidden = [nn.Linear(3, 3)]  # a plain list: invisible, as in torch

        def forward(self, x):
            for block in self.blocks:
                x = block(x)
            return x

    tower = Tower()
    assert [n for n, _ in tower.named_parameters()] == ["blocks.0.weight", "blocks.0.bias",
                                                        "blocks.1.weight", "blocks.1.bias"]
    assert len(tower.blocks) == 2 and tower(tg.ones(1, 3)).shape == (1, 3)


def test_shared_parameters_listed_once():
    lin = nn.Linear(3, 3)
    model = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(model.parameters())) == 2


def test_train_eval_propagate():
    net = Net()
    assert net.training and net.body[2].training
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_state_dict_roundtrip_and_names_match_torch():
    net, other = Net(), Net()
    x = tg.tensor(rng.standard_normal((6, 4)), dtype="float32")
    net.train()
    net(x)  # moves the running statistics
    state = net.state_dict()
    other.load_state_dict(state)
    net.eval()
    other.eval()
    np.testing.assert_array_equal(net(x).numpy(), other(x).numpy())
    state["scale"].data[...] = 7  # state_dict holds copies
    assert not np.any(net.scale.numpy() == 7)
    torch_seq = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.BatchNorm1d(8))
    ours = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.BatchNorm1d(8))
    assert list(ours.state_dict()) == list(torch_seq.state_dict())


def test_load_state_dict_errors():
    net = nn.Sequential(nn.Linear(3, 4))
    good = net.state_dict()
    with pytest.raises(RuntimeError, match=r"missing key\(s\).*'0.bias'"):
        net.load_state_dict({"0.weight": good["0.weight"]})
    with pytest.raises(RuntimeError, match=r"unexpected key\(s\).*'extra'"):
        net.load_state_dict({**good, "extra": np.zeros(1)})
    with pytest.raises(RuntimeError, match=r"size mismatch for '0.weight'.*\(3, 4\).*\(4, 3\)"):
        net.load_state_dict({**good, "0.weight": np.zeros((3, 4))})
    result = net.load_state_dict({"0.weight": np.ones((4, 3)), "extra": 1}, strict=False)
    assert result.missing_keys == ["0.bias"] and result.unexpected_keys == ["extra"]
    assert np.all(net[0].weight.numpy() == 1)


def test_zero_grad_and_repr():
    net = Net()
    net(tg.tensor(rng.standard_normal((5, 4)), dtype="float32")).sum().backward()
    assert net.body[0].weight.grad is not None
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    text = repr(net)
    assert "(body): Sequential(" in text and "(0): Linear(in_features=4, out_features=8, bias=True)" in text
    assert "Dropout(p=0.5)" in text and "BatchNorm1d(3" in text


def test_module_misuse_errors():
    class Forgot(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(tg.ones(2))

    with pytest.raises(AttributeError, match="super"):
        Forgot()
    with pytest.raises(TypeError, match="not a Module"):
        nn.Sequential(nn.Linear(2, 2), lambda x: x)
    with pytest.raises(ValueError, match=r"Linear\(in_features=3, out_features=4.*\(2, 5\)"):
        nn.Linear(3, 4)(tg.ones(2, 5))
    with pytest.raises(ValueError, match=r"Conv2d.*\(N, 3, H, W\).*\(1, 2, 5, 5\)"):
        nn.Conv2d(3, 4, 3)(tg.ones(1, 2, 5, 5))


# ----------------------------------------------------------------------------------- layers vs torch


def test_linear_matches_torch():
    theirs = torch.nn.Linear(5, 3).double()
    ours = nn.Linear(5, 3, dtype=np.float64)
    _copy_from_torch(ours, theirs)
    x = rng.standard_normal((4, 5))
    out, ref = ours(tg.tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-12)
    (out ** 2).sum().backward()
    (ref ** 2).sum().backward()
    _grads_match(ours, theirs)
    assert nn.Linear(5, 3, bias=False).bias is None


@pytest.mark.parametrize("stride,padding", [(1, 0), (2, 1)])
def test_conv2d_and_pool_stack_matches_torch(stride, padding):
    theirs = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, stride=stride, padding=padding), torch.nn.ReLU(),
                                 torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.LazyLinear(2)).double()
    x = rng.standard_normal((2, 3, 9, 9))
    theirs(torch.tensor(x))  # materialise LazyLinear
    n_flat = theirs[4].in_features
    ours = nn.Sequential(nn.Conv2d(3, 4, 3, stride=stride, padding=padding, dtype=np.float64), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(n_flat, 2, dtype=np.float64))
    _copy_from_torch(ours, theirs)
    out, ref = ours(tg.tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-10)
    (out ** 2).sum().backward()
    (ref ** 2).sum().backward()
    _grads_match(ours, theirs)


@pytest.mark.parametrize("shape", [(8, 3), (6, 3, 5)])
def test_batchnorm1d_train_and_eval_match_torch(shape):
    theirs = torch.nn.BatchNorm1d(3, momentum=0.2).double()
    ours = nn.BatchNorm1d(3, momentum=0.2, dtype=np.float64)
    with torch.no_grad():
        theirs.weight.uniform_(0.5, 1.5)
        theirs.bias.uniform_(-0.5, 0.5)
    _copy_from_torch(ours, theirs)
    for step in range(3):  # training: batch statistics; running stats updated (unbiased variance)
        x = rng.standard_normal(shape) * 2 + 1
        out, ref = ours(tg.tensor(x)), theirs(torch.tensor(x))
        np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-12)
        if step == 0:
            w = rng.standard_normal(shape)
            (out * tg.tensor(w)).sum().backward()
            (ref * torch.tensor(w)).sum().backward()
            _grads_match(ours, theirs)
    for name in ("running_mean", "running_var"):
        np.testing.assert_allclose(getattr(ours, name).numpy(), getattr(theirs, name).numpy(), rtol=1e-12)
    assert int(ours.num_batches_tracked.item()) == 3
    ours.eval()
    theirs.eval()
    x = rng.standard_normal(shape)
    np.testing.assert_allclose(ours(tg.tensor(x)).numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="more than 1 value"):
        nn.BatchNorm1d(3).train()(tg.ones(1, 3))


def test_dropout_module_train_and_eval():
    drop = nn.Dropout(0.25)
    x = tg.ones(400, 250)
    y = drop(x).numpy()
    assert abs((y == 0).mean() - 0.25) < 0.01
    np.testing.assert_allclose(y[y != 0], 1 / 0.75)
    drop.eval()
    np.testing.assert_array_equal(drop(x).numpy(), x.numpy())


def test_default_init_follows_torch_bounds():
    tg.manual_seed(0)
    lin = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)  # kaiming_uniform(a=sqrt(5)) and the bias rule both give 1/sqrt(fan_in)
    for p in (lin.weight, lin.bias):
        assert np.abs(p.numpy()).max() <= bound and np.abs(p.numpy()).max() > 0.99 * bound
    np.testing.assert_allclose(lin.weight.numpy().std(), bound / math.sqrt(3), rtol=0.01)
    conv = nn.Conv2d(8, 16, 3)
    assert np.abs(conv.weight.numpy()).max() <= 1 / math.sqrt(8 * 9)
    assert lin.weight.dtype == np.float32 and lin.weight.shape == (300, 400)


# ------------------------------------------------------------------------------------------------- init

INIT_CASES = [  # our call, expected (distribution, scale) from torch's formulas
    ("xavier_uniform_", dict(gain=2.0), "uniform", lambda fi, fo: 2.0 * math.sqrt(6 / (fi + fo))),
    ("xavier_normal_", dict(gain=0.5), "normal", lambda fi, fo: 0.5 * math.sqrt(2 / (fi + fo))),
    ("kaiming_uniform_", dict(nonlinearity="relu"), "uniform", lambda fi, fo: math.sqrt(6 / fi)),
    ("kaiming_uniform_", dict(a=math.sqrt(5)), "uniform", lambda fi, fo: 1 / math.sqrt(fi)),
    ("kaiming_normal_", dict(mode="fan_out", nonlinearity="relu"), "normal",
     lambda fi, fo: math.sqrt(2 / fo)),
    ("kaiming_normal_", dict(a=0.2), "normal", lambda fi, fo: math.sqrt(2 / (1 + 0.04)) / math.sqrt(fi)),
]


@pytest.mark.parametrize("name,kwargs,dist,scale", INIT_CASES, ids=[f"{c[0]}-{c[1]}" for c in INIT_CASES])
def test_init_statistics(name, kwargs, dist, scale):
    shape = (64, 32, 3, 3)  # fan_in = 288, fan_out = 576
    t = tg.zeros(*shape)
    getattr(init, name)(t, **kwargs)
    expected = scale(32 * 9, 64 * 9)
    values = t.numpy()
    if dist == "uniform":
        assert np.abs(values).max() <= expected * (1 + 1e-6)
        np.testing.assert_allclose(np.abs(values).max(), expected, rtol=0.01)
        np.testing.assert_allclose(values.std(), expected / math.sqrt(3), rtol=0.02)
    else:
        np.testing.assert_allclose(values.std(), expected, rtol=0.02)
    # the same statistic from torch's own init
    ref = torch.empty(shape)
    getattr(torch.nn.init, name)(ref, **kwargs)
    np.testing.assert_allclose(values.std(), ref.std().item(), rtol=0.03)


def test_simple_inits_and_gain():
    t = tg.zeros(3, 4)
    assert np.all(init.ones_(t).numpy() == 1) and np.all(init.zeros_(t).numpy() == 0)
    init.uniform_(t, -2, -1)
    assert t.numpy().min() >= -2 and t.numpy().max() <= -1
    init.normal_(tg.zeros(10000), 3.0, 0.5)
    big = init.normal_(tg.zeros(100000), 3.0, 0.5).numpy()
    assert abs(big.mean() - 3) < 0.01 and abs(big.std() - 0.5) < 0.01
    for args in [("linear",), ("conv2d",), ("sigmoid",), ("tanh",), ("relu",), ("leaky_relu",),
                 ("leaky_relu", 0.2), ("selu",)]:
        assert init.calculate_gain(*args) == pytest.approx(torch.nn.init.calculate_gain(*args))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.xavier_uniform_(tg.zeros(5))
    tg.manual_seed(3)
    a = init.normal_(tg.zeros(5)).numpy()
    tg.manual_seed(3)
    np.testing.assert_array_equal(a, init.normal_(tg.zeros(5)).numpy())
