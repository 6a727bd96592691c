"""Plausible wrong answers for 10-performance; each must fail its exercise's tests."""

WRONG_ANSWERS = {
    "median_time": [
        # mean instead of median
        "def median_time(fn, repeats, warmup, clock=time.perf_counter):\n"
        "    for _ in range(warmup):\n"
        "        fn()\n"
        "    durations = []\n"
        "    for _ in range(repeats):\n"
        "        start = clock()\n"
        "        fn()\n"
        "        durations.append(clock() - start)\n"
        "    return float(np.mean(durations))\n",
        # minimum instead of median
        "def median_time(fn, repeats, warmup, clock=time.perf_counter):\n"
        "    for _ in range(warmup):\n"
        "        fn()\n"
        "    durations = []\n"
        "    for _ in range(repeats):\n"
        "        start = clock()\n"
        "        fn()\n"
        "        durations.append(clock() - start)\n"
        "    return float(np.min(durations))\n",
        # times the warm-up calls too
        "def median_time(fn, repeats, warmup, clock=time.perf_counter):\n"
        "    durations = []\n"
        "    for _ in range(warmup + repeats):\n"
        "        start = clock()\n"
        "        fn()\n"
        "        durations.append(clock() - start)\n"
        "    return float(np.median(durations[warmup:]))\n",
        # skips the warm-up entirely
        "def median_time(fn, repeats, warmup, clock=time.perf_counter):\n"
        "    durations = []\n"
        "    for _ in range(repeats):\n"
        "        start = clock()\n"
        "        fn()\n"
        "        durations.append(clock() - start)\n"
        "    return float(np.median(durations))\n",
        # one clock for the whole loop, divided by the number of calls
        "def median_time(fn, repeats, warmup, clock=time.perf_counter):\n"
        "    for _ in range(warmup):\n"
        "        fn()\n"
        "    start = clock()\n"
        "    for _ in range(repeats):\n"
        "        fn()\n"
        "    return float((clock() - start) / repeats)\n",
    ],
    "pairwise_sq_dists_vectorized": [
        # Euclidean distance (square root) instead of its square
        "def pairwise_sq_dists_vectorized(X, Y):\n"
        "    return np.sqrt(((X[:, None, :] - Y[None, :, :]) ** 2).sum(axis=-1))\n",
        # transposed: (m, n)
        "def pairwise_sq_dists_vectorized(X, Y):\n"
        "    return ((Y[:, None, :] - X[None, :, :]) ** 2).sum(axis=-1)\n",
        # forgets the factor 2 in the expansion
        "def pairwise_sq_dists_vectorized(X, Y):\n"
        "    return (X ** 2).sum(axis=1)[:, None] + (Y ** 2).sum(axis=1)[None, :] - X @ Y.T\n",
        # computed in float32
        "def pairwise_sq_dists_vectorized(X, Y):\n"
        "    X, Y = X.astype(np.float32), Y.astype(np.float32)\n"
        "    return ((X[:, None, :] - Y[None, :, :]) ** 2).sum(axis=-1)\n",
    ],
    "quantize_int8": [
        # divides by 128: the largest weight maps to 127.x and is clipped, every code is off
        "def quantize_int8(w):\n"
        "    scale = float(np.abs(w).max()) / 128\n"
        "    return np.clip(np.round(w / scale), -128, 127).astype(np.int8), scale\n\n\n"
        "def dequantize_int8(q, scale):\n"
        "    return q.astype(np.float32) * np.float32(scale)\n",
        # truncates instead of rounding
        "def quantize_int8(w):\n"
        "    scale = float(np.abs(w).max()) / 127\n"
        "    return (w / scale).astype(np.int8), scale\n\n\n"
        "def dequantize_int8(q, scale):\n"
        "    return q.astype(np.float32) * np.float32(scale)\n",
        # asymmetric range (max - min) / 255 without a zero point
        "def quantize_int8(w):\n"
        "    scale = float(w.max() - w.min()) / 255\n"
        "    return np.clip(np.round(w / scale), -127, 127).astype(np.int8), scale\n\n\n"
        "def dequantize_int8(q, scale):\n"
        "    return q.astype(np.float32) * np.float32(scale)\n",
        # correct codes, but dequantize divides by the scale and returns float64
        "def quantize_int8(w):\n"
        "    scale = float(np.abs(w).max()) / 127\n"
        "    return np.clip(np.round(w / scale), -127, 127).astype(np.int8), scale\n\n\n"
        "def dequantize_int8(q, scale):\n"
        "    return q / scale\n",
        # int8 overflow: converts before clipping with a scale from the mean magnitude
        "def quantize_int8(w):\n"
        "    scale = float(np.abs(w).mean()) / 127\n"
        "    return np.round(w / scale).astype(np.int8), scale\n\n\n"
        "def dequantize_int8(q, scale):\n"
        "    return q.astype(np.float32) * np.float32(scale)\n",
    ],
    "magnitude_prune": [
        # int() truncates: one weight too few when sparsity * size ends in .5 or more
        "def magnitude_prune(w, sparsity):\n"
        "    k = int(sparsity * w.size)\n"
        "    flat = w.astype(np.float32).ravel().copy()\n"
        "    flat[np.argsort(np.abs(flat))[:k]] = 0.0\n"
        "    return flat.reshape(w.shape)\n",
        # smallest signed values instead of smallest magnitudes
        "def magnitude_prune(w, sparsity):\n"
        "    k = round(sparsity * w.size)\n"
        "    flat = w.astype(np.float32).ravel().copy()\n"
        "    flat[np.argsort(flat)[:k]] = 0.0\n"
        "    return flat.reshape(w.shape)\n",
        # prunes the largest magnitudes
        "def magnitude_prune(w, sparsity):\n"
        "    k = round(sparsity * w.size)\n"
        "    flat = w.astype(np.float32).ravel().copy()\n"
        "    if k:\n"
        "        flat[np.argsort(np.abs(flat))[-k:]] = 0.0\n"
        "    return flat.reshape(w.shape)\n",
        # returns the mask instead of the pruned weights
        "def magnitude_prune(w, sparsity):\n"
        "    k = round(sparsity * w.size)\n"
        "    mask = np.ones(w.size, np.float32)\n"
        "    mask[np.argsort(np.abs(w.ravel()))[:k]] = 0.0\n"
        "    return mask.reshape(w.shape)\n",
        # prunes in place (changes the caller's array)
        "def magnitude_prune(w, sparsity):\n"
        "    k = round(sparsity * w.size)\n"
        "    flat = w.reshape(-1)\n"
        "    flat[np.argsort(np.abs(flat))[:k]] = 0.0\n"
        "    return w\n",
    ],
    "param_stats": [
        # assumes 4 bytes per entry
        "def param_stats(state):\n"
        "    n = sum(v.size for v in state.values())\n"
        "    return {'num_params': int(n),\n"
        "            'num_nonzero': int(sum(np.count_nonzero(v) for v in state.values())),\n"
        "            'num_bytes': int(4 * n)}\n",
        # counts positive entries instead of nonzero ones
        "def param_stats(state):\n"
        "    return {'num_params': int(sum(v.size for v in state.values())),\n"
        "            'num_nonzero': int(sum((v > 0).sum() for v in state.values())),\n"
        "            'num_bytes': int(sum(v.nbytes for v in state.values()))}\n",
        # counts rows (len) instead of entries
        "def param_stats(state):\n"
        "    return {'num_params': int(sum(len(v) for v in state.values())),\n"
        "            'num_nonzero': int(sum(np.count_nonzero(v) for v in state.values())),\n"
        "            'num_bytes': int(sum(v.nbytes for v in state.values()))}\n",
    ],
}

# Right values, broken rules (or the memory limit the exercise states): each must fail.
WRONG_ANSWERS["pairwise_sq_dists_vectorized"] += [
    # the right values through the (n, m, d) intermediate the exercise rules out
    "def pairwise_sq_dists_vectorized(X, Y):\n"
    "    return ((X[:, None, :] - Y[None, :, :]) ** 2).sum(axis=-1)\n",
    # rule: a loop over the rows of X
    "def pairwise_sq_dists_vectorized(X, Y):\n"
    "    y2 = (Y ** 2).sum(axis=1)\n"
    "    return np.maximum(np.stack([(x @ x) + y2 - 2.0 * Y @ x for x in X]), 0.0)\n",
    # rule: torch.cdist
    "def pairwise_sq_dists_vectorized(X, Y):\n"
    "    return (torch.cdist(torch.from_numpy(X), torch.from_numpy(Y)) ** 2).numpy()\n",
]
WRONG_ANSWERS["quantize_int8"] += [
    # rule: the right codes from torch.quantize_per_tensor
    "def quantize_int8(w):\n"
    "    scale = float(np.abs(w).max()) / 127\n"
    "    q = torch.quantize_per_tensor(torch.from_numpy(w), scale, 0, torch.qint8)\n"
    "    return q.int_repr().numpy(), scale\n"
    "\n"
    "\n"
    "def dequantize_int8(q, scale):\n"
    "    return q.astype(np.float32) * np.float32(scale)\n",
]
WRONG_ANSWERS["magnitude_prune"] += [
    # rule: the right values, but w itself is zeroed through a view (and then copied)
    "def magnitude_prune(w, sparsity):\n"
    "    k = round(sparsity * w.size)\n"
    "    flat = w.reshape(-1)\n"
    "    flat[np.argsort(np.abs(flat))[:k]] = 0.0\n"
    "    return flat.reshape(w.shape).astype(np.float32).copy()\n",
    # rule: PyTorch's pruning
    "def magnitude_prune(w, sparsity):\n"
    "    t = torch.from_numpy(w.copy())\n"
    "    mask = torch.nn.utils.prune.L1Unstructured(amount=sparsity).compute_mask(t, torch.ones_like(t))\n"
    "    return (t * mask).numpy()\n",
]
WRONG_ANSWERS["float_format"] = [
    # u from the stored bits only (machine epsilon, twice too large)
    "def float_format(exponent_bits, mantissa_bits):\n"
    "    bias = 2 ** (exponent_bits - 1) - 1\n"
    "    return 2.0 ** -mantissa_bits, (2.0 - 2.0 ** -mantissa_bits) * 2.0 ** bias, 2.0 ** (1 - bias)\n",
    # largest value with the reserved all-ones exponent
    "def float_format(exponent_bits, mantissa_bits):\n"
    "    bias = 2 ** (exponent_bits - 1) - 1\n"
    "    return 2.0 ** -(mantissa_bits + 1), 2.0 ** (bias + 1), 2.0 ** (1 - bias)\n",
    # smallest normal taken as 2**-bias
    "def float_format(exponent_bits, mantissa_bits):\n"
    "    bias = 2 ** (exponent_bits - 1) - 1\n"
    "    return 2.0 ** -(mantissa_bits + 1), (2.0 - 2.0 ** -mantissa_bits) * 2.0 ** bias, 2.0 ** -bias\n",
    # a table of the visible formats only
    "def float_format(exponent_bits, mantissa_bits):\n"
    "    return {(5, 10): (2.0 ** -11, 65504.0, 2.0 ** -14),\n"
    "            (8, 7): (2.0 ** -8, 3.3895313892515355e38, 2.0 ** -126)}[exponent_bits, mantissa_bits]\n",
    # rule: the right values from torch.finfo
    "def float_format(exponent_bits, mantissa_bits):\n"
    "    dtype = {(5, 10): torch.float16, (8, 7): torch.bfloat16, (8, 23): torch.float32,\n"
    "             (11, 52): torch.float64, (5, 2): torch.float8_e5m2}[exponent_bits, mantissa_bits]\n"
    "    info = torch.finfo(dtype)\n"
    "    return info.eps / 2, info.max, info.tiny\n",
]
_COSTS = '''
def linear_stack_costs(sizes, batch, itemsize):
    pairs = list(zip(sizes[:-1], sizes[1:]))
    num_params = sum(a * b + b for a, b in pairs)
    forward = sum(2 * batch * a * b for a, b in pairs)
    first_input_grad = 2 * batch * sizes[0] * sizes[1]
    return {"num_params": num_params, "param_bytes": num_params * itemsize,
            "forward_flops": forward, "backward_flops": 2 * forward - first_input_grad}
'''
WRONG_ANSWERS["linear_stack_costs"] = [
    # backward = 2 x forward: also differentiates with respect to the input
    _COSTS.replace("2 * forward - first_input_grad", "2 * forward"),
    # a multiply-add counted as one FLOP
    _COSTS.replace("2 * batch * a * b", "batch * a * b").replace("2 * batch * sizes[0]", "batch * sizes[0]"),
    # forgets the biases
    _COSTS.replace("a * b + b", "a * b"),
    # bytes in bits
    _COSTS.replace("num_params * itemsize", "num_params * itemsize * 8"),
    # rule: the right counts, measured with PyTorch
    "def linear_stack_costs(sizes, batch, itemsize):\n"
    "    from torch.utils.flop_counter import FlopCounterMode\n"
    "    layers = []\n"
    "    for a, b in zip(sizes[:-1], sizes[1:]):\n"
    "        layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]\n"
    "    model = torch.nn.Sequential(*layers[:-1])\n"
    "    with FlopCounterMode(display=False) as counter:\n"
    "        out = model(torch.zeros(batch, sizes[0]))\n"
    "    forward = counter.get_total_flops()\n"
    "    with FlopCounterMode(display=False) as counter:\n"
    "        out.sum().backward()\n"
    "    n = sum(p.numel() for p in model.parameters())\n"
    "    return {'num_params': n, 'param_bytes': n * itemsize, 'forward_flops': forward,\n"
    "            'backward_flops': counter.get_total_flops()}\n",
]
