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
