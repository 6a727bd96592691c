"""Convolution with dilation and groups, average pooling and padding against torch in float64."""

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

rng = np.random.default_rng(1)


def randn(*shape):
    return rng.standard_normal(shape)


# (input shape, out channels, kernel, stride, padding, dilation, groups)
CONV_CASES = [
    ((2, 4, 7, 7), 6, (3, 3), 1, 1, 2, 1),
    ((2, 4, 9, 8), 4, (3, 2), (2, 1), (2, 1), (2, 3), 2),
    ((1, 6, 6, 6), 6, (3, 3), 1, 1, 1, 6),  # depthwise
    ((2, 6, 5, 5), 9, (1, 1), 1, 0, 1, 3),
]


@pytest.mark.parametrize("shape,out,kernel,stride,padding,dilation,groups", CONV_CASES)
def test_conv2d_dilation_and_groups(compare, shape, out, kernel, stride, padding, dilation, groups):
    x, w, b = randn(*shape), randn(out, shape[1] // groups, *kernel), randn(out)
    kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    compare(lambda x, w, b: F.conv2d(x, w, b, **kw), lambda x, w, b: TF.conv2d(x, w, b, **kw), x, w, b)
    compare(lambda x, w: F.conv2d(x, w, **kw), lambda x, w: TF.conv2d(x, w, **kw), x, w)


def test_conv2d_module_loads_torch_state_dict(device):
    theirs = torch.nn.Conv2d(4, 6, 3, stride=2, padding=2, dilation=2, groups=2).double()
    ours = nn.Conv2d(4, 6, 3, stride=2, padding=2, dilation=2, groups=2, dtype=np.float64)
    assert ours.weight.shape == tuple(theirs.weight.shape) == (6, 2, 3, 3)
    compare_modules(ours, theirs, randn(2, 4, 9, 9), device=device)
    assert "dilation=(2, 2), groups=2" in repr(ours)


def test_first_layer_skips_the_input_gradient():
    """A convolution whose input needs no gradient computes none (the network's first layer)."""
    x = tg.tensor(randn(2, 3, 5, 5))
    w = tg.tensor(randn(4, 3, 3, 3), requires_grad=True)
    y = F.conv2d(x, w)
    assert y._fn.backward(y._ctx, np.ones(y.shape))[0] is None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(1, 2), groups=st.sampled_from([1, 2]), cin=st.integers(1, 2), cout=st.integers(1, 2),
       size=st.integers(3, 7), k=st.integers(1, 3), stride=st.integers(1, 2), padding=st.integers(0, 2),
       dilation=st.integers(1, 2))
def test_conv2d_any_geometry(n, groups, cin, cout, size, k, stride, padding, dilation):
    if size + 2 * padding < dilation * (k - 1) + 1:
        return  # kernel larger than the padded input: an error, tested below
    x, w, b = randn(n, cin * groups, size, size), randn(cout * groups, cin, k, k), randn(cout * groups)
    kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    compare_with_torch(lambda x, w, b: F.conv2d(x, w, b, **kw), lambda x, w, b: TF.conv2d(x, w, b, **kw),
                       x, w, b)


def test_conv2d_errors_name_the_problem():
    with pytest.raises(ValueError, match="groups"):
        F.conv2d(tg.tensor(randn(1, 4, 5, 5)), tg.tensor(randn(3, 2, 3, 3)), groups=2)
    with pytest.raises(ValueError, match="dilation"):
        F.conv2d(tg.tensor(randn(1, 1, 4, 4)), tg.tensor(randn(1, 1, 3, 3)), dilation=2)
    with pytest.raises(ValueError, match="groups=3"):
        nn.Conv2d(4, 6, 3, groups=3)


# --------------------------------------------------------------------------------------------- pooling
@pytest.mark.parametrize("kernel,stride,padding",
                         [(2, None, 0), (3, 1, 1), (3, 2, 1), ((2, 3), (1, 2), (1, 0))])
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool2d(compare, kernel, stride, padding, count_include_pad):
    x = randn(2, 3, 7, 6)
    compare(lambda t: F.avg_pool2d(t, kernel, stride, padding, count_include_pad=count_include_pad),
            lambda t: TF.avg_pool2d(t, kernel, stride, padding, count_include_pad=count_include_pad), x)


def test_pooling_modules(compare):
    x = randn(2, 3, 6, 6)
    compare(nn.AvgPool2d(3, 2, 1), torch.nn.AvgPool2d(3, 2, 1), x)
    compare(nn.MaxPool2d(3, 2, 1), torch.nn.MaxPool2d(3, 2, 1), x)
    with pytest.raises(ValueError, match="at most half"):
        F.avg_pool2d(tg.tensor(x), 2, padding=2)


# --------------------------------------------------------------------------------------------- padding
@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape,widths", [((2, 3, 5), (1, 2)), ((2, 3, 4, 5), (2, 1, 0, 2))])
def test_pad(compare, mode, shape, widths):
    x = randn(*shape)
    kw = dict(value=1.5) if mode == "constant" else {}
    compare(lambda t: F.pad(t, widths, mode=mode, **kw), lambda t: TF.pad(t, widths, mode=mode, **kw), x)


def test_pad_constant_on_any_axis_and_errors(compare):
    x = randn(2, 3, 4)
    compare(lambda t: F.pad(t, (0, 1, 2, 0, 1, 1)), lambda t: TF.pad(t, (0, 1, 2, 0, 1, 1)), x)
    with pytest.raises(ValueError, match="even number"):
        F.pad(tg.tensor(x), (1, 2, 3))
    with pytest.raises(ValueError, match="mode"):
        F.pad(tg.tensor(x), (1, 1), mode="edge")
    with pytest.raises(ValueError, match="negative"):
        F.pad(tg.tensor(x), (-1, 1))
    with pytest.raises(ValueError, match="smaller"):
        F.pad(tg.tensor(x), (4, 0), mode="reflect")


def test_gradcheck_conv_pool_pad():
    x, w = tg.tensor(randn(1, 4, 5, 5), requires_grad=True), tg.tensor(randn(4, 2, 2, 2), requires_grad=True)
    assert tg.gradcheck(lambda x, w: F.conv2d(x, w, padding=1, dilation=2, groups=2), (x, w))
    assert tg.gradcheck(lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False), (x,))
    assert tg.gradcheck(lambda x: F.pad(x, (1, 2, 2, 1), mode="reflect"), (x,))
