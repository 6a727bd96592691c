"""Plausible wrong answers for 05-losses; each must fail its exercise's test cell."""

WRONG_ANSWERS = {
    "huber": [
        # forgets the factor delta on the linear part
        "def huber(y_pred, y_true, delta=1.0):\n"
        "    d = np.abs(y_pred - y_true)\n"
        "    return float(np.mean(np.where(d <= delta, 0.5 * d ** 2, d - 0.5 * delta)))\n",
        # smooth L1 (Huber divided by delta)
        "def huber(y_pred, y_true, delta=1.0):\n"
        "    d = np.abs(y_pred - y_true)\n"
        "    return float(np.mean(np.where(d <= delta, 0.5 * d ** 2 / delta, d - 0.5 * delta)))\n",
        # no 1/2 on the quadratic part
        "def huber(y_pred, y_true, delta=1.0):\n"
        "    d = np.abs(y_pred - y_true)\n"
        "    return float(np.mean(np.where(d <= delta, d ** 2, delta * (d - 0.5 * delta))))\n",
        # sum instead of mean
        "def huber(y_pred, y_true, delta=1.0):\n"
        "    d = np.abs(y_pred - y_true)\n"
        "    return float(np.sum(np.where(d <= delta, 0.5 * d ** 2, delta * (d - 0.5 * delta))))\n",
    ],
    "bce_with_logits": [
        # naive: through the sigmoid, overflows / log(0)
        "def bce_with_logits(logits, targets):\n"
        "    p = 1 / (1 + np.exp(-logits))\n"
        "    return float(np.mean(-(targets * np.log(p) + (1 - targets) * np.log(1 - p))))\n",
        # softplus without the stable rewrite: exp(1000) overflows
        "def bce_with_logits(logits, targets):\n"
        "    return float(np.mean(np.log1p(np.exp(logits)) - targets * logits))\n",
        # sign slip: log1p(exp(-z)) instead of log1p(exp(-|z|))
        "def bce_with_logits(logits, targets):\n"
        "    z, y = logits, targets\n"
        "    return float(np.mean(np.maximum(z, 0) - y * z + np.log1p(np.exp(-z))))\n",
        # clipped probabilities as Keras does: inaccurate for large logits
        "def bce_with_logits(logits, targets):\n"
        "    p = np.clip(1 / (1 + np.exp(-np.clip(logits, -50, 50))), 1e-7, 1 - 1e-7)\n"
        "    return float(np.mean(-(targets * np.log(p) + (1 - targets) * np.log(1 - p))))\n",
    ],
    "logsumexp": [
        # naive
        "def logsumexp(x, axis=-1):\n"
        "    return np.log(np.sum(np.exp(x), axis=axis))\n",
        # shifts by the global maximum instead of each slice's
        "def logsumexp(x, axis=-1):\n"
        "    m = np.max(x)\n"
        "    return m + np.log(np.sum(np.exp(x - m), axis=axis))\n",
        # keeps the reduced axis
        "def logsumexp(x, axis=-1):\n"
        "    m = np.max(x, axis=axis, keepdims=True)\n"
        "    return m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))\n",
        # always reduces the last axis
        "def logsumexp(x, axis=-1):\n"
        "    m = np.max(x, axis=-1, keepdims=True)\n"
        "    return (m + np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True)))[..., 0]\n",
    ],
    "log_softmax": [
        # log of a (stable) softmax: -inf where softmax underflows
        "def log_softmax(x, axis=-1):\n"
        "    e = np.exp(x - np.max(x, axis=axis, keepdims=True))\n"
        "    return np.log(e / e.sum(axis=axis, keepdims=True))\n",
        # naive
        "def log_softmax(x, axis=-1):\n"
        "    return x - np.log(np.exp(x).sum(axis=axis, keepdims=True))\n",
        # forgets to add the max back (returns x - max - log sum exp(x - max) but subtracts max twice)
        "def log_softmax(x, axis=-1):\n"
        "    m = np.max(x, axis=axis, keepdims=True)\n"
        "    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True)) - m\n",
    ],
    "cross_entropy": [
        # smoothing mass eps/(C-1) spread over the wrong classes only
        "def cross_entropy_from_logits(logits, targets, label_smoothing=0.0):\n"
        "    shifted = logits - logits.max(axis=1, keepdims=True)\n"
        "    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))\n"
        "    n, c = logits.shape\n"
        "    q = np.full((n, c), label_smoothing / (c - 1))\n"
        "    q[np.arange(n), targets] = 1.0 - label_smoothing\n"
        "    return float(-(q * log_p).sum(axis=1).mean())\n",
        # ignores label smoothing
        "def cross_entropy_from_logits(logits, targets, label_smoothing=0.0):\n"
        "    shifted = logits - logits.max(axis=1, keepdims=True)\n"
        "    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))\n"
        "    return float(-log_p[np.arange(len(targets)), targets].mean())\n",
        # naive softmax then log: nan/inf for large logits
        "def cross_entropy_from_logits(logits, targets, label_smoothing=0.0):\n"
        "    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)\n"
        "    n, c = logits.shape\n"
        "    q = np.full((n, c), label_smoothing / c)\n"
        "    q[np.arange(n), targets] += 1.0 - label_smoothing\n"
        "    return float(-(q * np.log(p)).sum(axis=1).mean())\n",
        # sums over the batch instead of averaging
        "def cross_entropy_from_logits(logits, targets, label_smoothing=0.0):\n"
        "    shifted = logits - logits.max(axis=1, keepdims=True)\n"
        "    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))\n"
        "    n, c = logits.shape\n"
        "    q = np.full((n, c), label_smoothing / c)\n"
        "    q[np.arange(n), targets] += 1.0 - label_smoothing\n"
        "    return float(-(q * log_p).sum())\n",
    ],
    "keras_weighted_mse": [
        # a true weighted average (divides by the weights' sum)
        "def keras_weighted_mse(y_true, y_pred, sample_weight):\n"
        "    per_example = ((y_pred - y_true) ** 2).mean(axis=-1)\n"
        "    return float((sample_weight * per_example).sum() / sample_weight.sum())\n",
        # ignores the weights
        "def keras_weighted_mse(y_true, y_pred, sample_weight):\n"
        "    return float(((y_pred - y_true) ** 2).mean())\n",
        # sums over the last axis instead of averaging
        "def keras_weighted_mse(y_true, y_pred, sample_weight):\n"
        "    per_example = ((y_pred - y_true) ** 2).sum(axis=-1)\n"
        "    return float((sample_weight * per_example).sum() / len(per_example))\n",
    ],
}
