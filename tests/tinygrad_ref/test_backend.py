"""The NumPy/CuPy backend and device handling, parametrized over the available devices."""

import sys

import numpy as np
import pytest

import tinygrad_ref as tg
from tinygrad_ref import backend


def test_available_devices():
    devices = tg.available_devices()
    assert devices[0] == "cpu" and set(devices) <= {"cpu", "cuda"}


def test_importing_tinygrad_ref_does_not_import_cupy():
    if "cuda" not in tg.available_devices():
        assert "cupy" not in sys.modules


def test_xp_for_and_xp_of(device):
    xp = backend.xp_for(device)
    a = xp.ones(3)
    assert backend.xp_of(a) is xp and backend.device_of(a) == device
    assert isinstance(backend.to_numpy(a), np.ndarray)


def test_to_device_copies_only_when_asked(device):
    a = np.arange(3.0)
    b = backend.to_device(a, device)
    if device == "cpu":
        assert b is a
    c = backend.to_device(a, device, dtype=np.float32, copy=True)
    assert c.dtype == np.float32 and backend.device_of(c) == device


def test_scatter_add_repeated_indices(device):
    out = backend.xp_for(device).zeros(4)
    backend.scatter_add(out, backend.to_device(np.array([1, 1, 3]), device), backend.xp_for(device).ones(3))
    np.testing.assert_array_equal(backend.to_numpy(out), [0, 2, 0, 1])


def test_tensors_stay_on_their_device(device):
    x = tg.randn(3, 4, device=device, requires_grad=True)
    y = (x @ tg.ones(4, 2, device=device)).relu().sum() * 2.0
    assert y.device == device
    y.backward()
    assert x.grad.device == device


def test_to_device_round_trip_keeps_gradient(device):
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x.to(device)
    assert y.device == device
    (y * y).sum().backward()
    assert x.grad.device == "cpu"
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])


def test_same_random_values_on_every_device(device):
    tg.manual_seed(5)
    a = tg.randn(3, device=device).numpy()
    tg.manual_seed(5)
    np.testing.assert_array_equal(a, tg.randn(3).numpy())


@pytest.mark.parametrize("name", ["tpu", "CUDA", "cuda:0", 0])
def test_unknown_devices(name):
    with pytest.raises(ValueError, match="unknown device"):
        backend.check_device(name)


_STEPS = """
import resource, sys
import numpy as np
import tinygrad_ref

def step():  # a training step's pattern: many temporaries of a few MiB, all freed at its end
    arrays = [np.ones(1 << 19, np.float32) for _ in range(8)]
    return sum(float(a[0]) for a in arrays)

step(), step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(10):
    step()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(not backend.keep_freed_memory(), reason="needs glibc's malloc (Linux)")
@pytest.mark.parametrize("keep_mib", ["0", "64"])
def test_freed_memory_is_reused_without_page_faults(keep_mib):
    """With keep_freed_memory (the default) ten steps that each allocate and free 16 MiB fault no pages
    back in; with it turned off glibc returns the memory and every step faults it in again (4 KiB a page)."""
    import os
    import subprocess

    env = {**os.environ, "TINYGRAD_REF_KEEP_FREED_MIB": keep_mib}
    faults = int(subprocess.run([sys.executable, "-c", _STEPS], env=env, capture_output=True, text=True,
                                check=True).stdout)
    if keep_mib == "0":
        assert faults > 10 * 2000  # most of each step's 4,096 pages
    else:
        assert faults < 500
