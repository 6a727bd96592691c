"""Array backends: NumPy for ``device="cpu"``, CuPy for ``device="cuda"``.

This is the only module that knows CuPy exists, and the only one that converts between Python data,
NumPy and CuPy arrays. CuPy is imported lazily, the first time a CUDA tensor is
asked for, so ``import tinygrad_ref`` never needs a GPU. Everything else asks this module for the array
module of a device (``xp_for``) or of an array (``xp_of``); NumPy and CuPy share one API, so an op written
with ``xp`` runs on both.
"""

import ctypes
import os

import numpy as np

DEVICES = ("cpu", "cuda")
_cupy = None  # the cupy module once loaded; see _load_cupy


def _load_cupy():
    """Import CuPy and check that a GPU is visible; raise a RuntimeError that says how to fix it."""
    global _cupy
    if _cupy is None:
        try:
            import cupy

            if cupy.cuda.runtime.getDeviceCount() < 1:
                raise RuntimeError("CuPy sees no GPU")
        except Exception as e:
            raise RuntimeError(
                f'device="cuda" needs CuPy and an NVIDIA GPU, but they are not usable here ({e}). '
                'To fix it, on a machine with an NVIDIA GPU run `pip install "cupy-cuda12x>=13"`; '
                'otherwise use device="cpu".'
            ) from None
        _cupy = cupy
    return _cupy


KEEP_FREED_MIB = 64  # what keep_freed_memory keeps by default; TINYGRAD_REF_KEEP_FREED_MIB overrides it
_M_TOP_PAD = -2  # mallopt's parameter number for M_TOP_PAD (glibc's malloc.h)


def keep_freed_memory(mib=None):
    """Ask the C allocator to keep up to ``mib`` MiB of freed memory for the next allocations instead of
    giving it back to the operating system; return whether it could (glibc only, so Linux; elsewhere
    nothing changes). Called once when tinygrad_ref is imported, with ``TINYGRAD_REF_KEEP_FREED_MIB``
    (0 turns it off) or ``KEEP_FREED_MIB``; it holds for the whole process.

    Why: every op allocates its output with ``malloc`` (NumPy caches only blocks under 1 KiB), and a
    training step frees nearly all of them when it ends. By default glibc then gives the memory back to
    the kernel (it unmaps large blocks and trims the free top of its heap beyond a threshold that starts
    at 128 KiB), so the next step gets fresh pages, and the kernel zero-fills each 4 KiB page when it is
    first touched: a page fault. For the small CNN of benchmarks/bench_frameworks.py that was about 3,600
    faults a step, half of its time. ``M_TOP_PAD`` makes glibc grow its heap in steps of at least ``mib``
    and keep that much free when it trims: the memory kept is at most what a step needed anyway."""
    if mib is None:
        mib = int(os.environ.get("TINYGRAD_REF_KEEP_FREED_MIB", KEEP_FREED_MIB))
    try:
        if mib <= 0 or not os.confstr("CS_GNU_LIBC_VERSION"):  # glibc names itself; others raise or say ""
            return False
        return ctypes.CDLL("libc.so.6").mallopt(_M_TOP_PAD, mib << 20) == 1
    except (ValueError, OSError, AttributeError):
        return False


def available_devices():
    """``["cpu"]``, plus ``"cuda"`` when CuPy and a GPU are usable."""
    try:
        _load_cupy()
        return ["cpu", "cuda"]
    except RuntimeError:
        return ["cpu"]


def check_device(device):
    """Return the device name, raising a clear error for unknown names or a missing GPU."""
    if device not in DEVICES:
        raise ValueError(f"unknown device {device!r}; tinygrad_ref knows the devices {list(DEVICES)}")
    if device == "cuda":
        _load_cupy()
    return device


def xp_for(device):
    """The array module (numpy or cupy) for a device name."""
    return np if check_device(device) == "cpu" else _cupy


def is_cuda_array(array):
    return type(array).__module__.startswith("cupy")


def device_of(array):
    return "cuda" if is_cuda_array(array) else "cpu"


def xp_of(array):
    """The array module (numpy or cupy) that owns ``array``."""
    return _cupy if is_cuda_array(array) else np


def to_numpy(array):
    """A NumPy array with the values of ``array`` (no copy for NumPy arrays)."""
    return array.get() if is_cuda_array(array) else np.asarray(array)


def to_device(array, device, dtype=None, copy=False):
    """``array`` (NumPy, CuPy, list or scalar) as an array of ``device``; copied if ``copy`` or needed."""
    if check_device(device) == "cpu":
        return (np.array if copy else np.asarray)(to_numpy(array), dtype=dtype)
    return (_cupy.array if copy else _cupy.asarray)(array, dtype=dtype)


def default_dtype(array):
    """torch's defaults for Python data: floats -> float32, ints -> int64 (NumPy would say float64, int64)."""
    return {"f": np.float32, "i": np.int64, "u": np.int64}.get(array.dtype.kind, array.dtype)


def as_array(data, device, dtype=None, copy=False):
    """``data`` (a number, a nested list, a NumPy or CuPy array) as an array of ``device``. Python data gets
    torch's default dtypes (``default_dtype``); arrays keep theirs unless ``dtype`` is given."""
    if dtype is not None:
        dtype = np.dtype(dtype)
    elif not hasattr(data, "dtype"):
        data = np.asarray(data)
        dtype = default_dtype(data)
    return to_device(data, device, dtype, copy=copy)


def ensure_array(value):
    """NumPy returns 0-d results of reductions as scalars (``np.float32``); make them 0-d arrays again."""
    return np.asarray(value) if isinstance(value, np.generic) else value


def scatter_add(out, index, values):
    """``out[index] += values`` where repeated indices add up: the ufunc's ``at`` (NumPy, and CuPy >= 13)."""
    xp_of(out).add.at(out, index, values)


def erf(array):
    """The error function elementwise (scipy.special.erf; cupyx.scipy.special.erf on GPU): NumPy has none."""
    if is_cuda_array(array):
        from cupyx.scipy.special import erf as cupy_erf

        return cupy_erf(array)
    from scipy.special import erf as scipy_erf

    return scipy_erf(array)


def expit(array):
    """The logistic sigmoid elementwise in one pass, without overflow (scipy.special.expit; CuPy's on GPU)."""
    if is_cuda_array(array):
        from cupyx.scipy.special import expit as cupy_expit

        return cupy_expit(array)
    from scipy.special import expit as scipy_expit

    return scipy_expit(array)


keep_freed_memory()
