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

# Right values, broken rules: each stated rule has a variant that must fail.
WRONG_ANSWERS["huber"] += [
    # rule: PyTorch's loss
    "def huber(y_pred, y_true, delta=1.0):\n"
    "    return F.huber_loss(torch.from_numpy(y_pred), torch.from_numpy(y_true), delta=delta).item()\n",
    # rule: a Python loop over the elements
    "def huber(y_pred, y_true, delta=1.0):\n"
    "    d = np.abs(y_pred - y_true).ravel()\n"
    "    return float(np.mean([0.5 * a ** 2 if a <= delta else delta * (a - 0.5 * delta) for a in d]))\n",
]
WRONG_ANSWERS["bce_with_logits"] += [
    # rule: PyTorch's loss
    "def bce_with_logits(logits, targets):\n"
    "    z, y = torch.from_numpy(logits), torch.from_numpy(targets)\n"
    "    return F.binary_cross_entropy_with_logits(z, y).item()\n",
]
WRONG_ANSWERS["logsumexp"] += [
    # rule: torch.logsumexp
    "def logsumexp(x, axis=-1):\n"
    "    return torch.logsumexp(torch.from_numpy(x), dim=axis).numpy()\n",
    # rule: np.logaddexp does the stable pairwise sum
    "def logsumexp(x, axis=-1):\n"
    "    return np.logaddexp.reduce(x, axis=axis)\n",
    # rule: a loop over the slices
    "def logsumexp(x, axis=-1):\n"
    "    moved = np.moveaxis(x, axis, -1)\n"
    "    out = np.empty(moved.shape[:-1])\n"
    "    for i in np.ndindex(out.shape):\n"
    "        m = moved[i].max()\n"
    "        out[i] = m + np.log(np.exp(moved[i] - m).sum())\n"
    "    return out\n",
]
WRONG_ANSWERS["log_softmax"] += [
    # rule: torch.log_softmax
    "def log_softmax(x, axis=-1):\n"
    "    return torch.log_softmax(torch.from_numpy(x), dim=axis).numpy()\n",
]
WRONG_ANSWERS["cross_entropy"] += [
    # rule: F.one_hot builds the target
    "def cross_entropy_from_logits(logits, targets, label_smoothing=0.0):\n"
    "    shifted = logits - logits.max(axis=1, keepdims=True)\n"
    "    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))\n"
    "    c = logits.shape[1]\n"
    "    onehot = F.one_hot(torch.from_numpy(targets), c).numpy()\n"
    "    q = (1.0 - label_smoothing) * onehot + label_smoothing / c\n"
    "    return float(-(q * log_p).sum(axis=1).mean())\n",
    # rule: a loop over the batch
    "def cross_entropy_from_logits(logits, targets, label_smoothing=0.0):\n"
    "    total = 0.0\n"
    "    for z, t in zip(logits, targets):\n"
    "        log_p = z - z.max() - np.log(np.exp(z - z.max()).sum())\n"
    "        total += -(1 - label_smoothing) * log_p[t] - label_smoothing * log_p.mean()\n"
    "    return float(total / len(targets))\n",
]
WRONG_ANSWERS["keras_weighted_mse"] += [
    # rule: Keras itself
    "def keras_weighted_mse(y_true, y_pred, sample_weight):\n"
    "    loss = keras.losses.MeanSquaredError(dtype='float64')\n"
    "    return float(loss(y_true, y_pred, sample_weight=sample_weight))\n",
]
WRONG_ANSWERS["smoothed_ce_minimum"] = [
    # the unsmoothed minimum
    "def smoothed_ce_minimum(C, eps):\n"
    "    return 0.0\n",
    # the loss of a uniform prediction, log C, scaled by eps
    "def smoothed_ce_minimum(C, eps):\n"
    "    return eps * math.log(C)\n",
    # the true class's weight taken as 1 - eps (forgets its own eps / C)
    "def smoothed_ce_minimum(C, eps):\n"
    "    if eps == 0:\n"
    "        return 0.0\n"
    "    return float(-(1 - eps) * math.log(1 - eps) - eps * math.log(eps / (C - 1)))\n",
    # 0 log 0 left as nan at eps = 0
    "def smoothed_ce_minimum(C, eps):\n"
    "    q = np.full(C, eps / C)\n"
    "    q[0] += 1 - eps\n"
    "    with np.errstate(divide='ignore', invalid='ignore'):\n"
    "        return float(-(q * np.log(q)).sum())\n",
    # rule: the right value, found by a numerical minimisation in a loop
    "def smoothed_ce_minimum(C, eps):\n"
    "    q = np.full(C, eps / C)\n"
    "    q[0] += 1 - eps\n"
    "    z = np.zeros(C)\n"
    "    for _ in range(20000):\n"
    "        p = np.exp(z - z.max())\n"
    "        p /= p.sum()\n"
    "        z -= 5.0 * (p - q)\n"
    "    log_p = z - z.max() - np.log(np.exp(z - z.max()).sum())\n"
    "    return float(-(q * log_p).sum())\n",
    # rule: the right value from PyTorch
    "def smoothed_ce_minimum(C, eps):\n"
    "    q = torch.full((1, C), eps / C, dtype=torch.float64)\n"
    "    q[0, 0] += 1.0 - eps\n"
    "    logits = torch.log(q.clamp_min(1e-300))\n"
    "    return F.cross_entropy(logits, torch.tensor([0]), label_smoothing=eps).item()\n",
]

_SCE = '''
class SoftmaxCrossEntropy(tg.Function):
    @staticmethod
    def forward(ctx, logits, targets):
        n = logits.shape[0]
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        ctx.save_for_backward(np.exp(log_p), targets)
        return -log_p[np.arange(n), targets].mean()

    @staticmethod
    def backward(ctx, grad):
        probs, targets = ctx.saved_tensors
        n = probs.shape[0]
        grad_logits = probs.copy()
        grad_logits[np.arange(n), targets] -= 1.0
        return grad * grad_logits / n, None
'''


def _bug(source, old, new):
    assert old in source, old
    return source.replace(old, new)


WRONG_ANSWERS["softmax_cross_entropy_op"] = [
    # ignores the cotangent (right only when the loss is the end of the graph)
    _bug(_SCE, "return grad * grad_logits / n, None", "return grad_logits / n, None"),
    # forgets the 1/N of the mean
    _bug(_SCE, "return grad * grad_logits / n, None", "return grad * grad_logits, None"),
    # forgets the one-hot: the softmax alone
    _bug(_SCE, "        grad_logits[np.arange(n), targets] -= 1.0\n", ""),
    # no max shift: nan for large logits
    _bug(_SCE, "shifted = logits - logits.max(axis=1, keepdims=True)", "shifted = logits"),
    # sums the loss over the batch
    _bug(_SCE, "return -log_p[np.arange(n), targets].mean()", "return -log_p[np.arange(n), targets].sum()"),
    # rule: the right values from PyTorch inside the op
    _bug(_SCE, "        probs, targets = ctx.saved_tensors\n",
         "        probs, targets = ctx.saved_tensors\n"
         "        z = torch.log(torch.tensor(probs)).requires_grad_()\n"
         "        (g,) = torch.autograd.grad(F.cross_entropy(z, torch.tensor(targets)), z)\n"
         "        return grad * g.numpy(), None\n"),
    # rule: the right values, one example at a time in a Python loop
    _bug(_SCE, "        grad_logits[np.arange(n), targets] -= 1.0\n",
         "        for i in range(n):\n            grad_logits[i, targets[i]] -= 1.0\n"),
]
