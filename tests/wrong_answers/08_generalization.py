"""Plausible wrong answers for 08-generalization; each must fail its exercise's tests."""

WRONG_ANSWERS = {
    "penalties": [
        # textbook lambda/2 convention for L2
        "def l2_penalty(params, lam):\n"
        "    return lam / 2 * sum((p * p).sum() for p in params)\n"
        "def l1_penalty(params, lam):\n"
        "    return lam * sum(p.abs().sum() for p in params)\n",
        # L1 without the absolute value
        "def l2_penalty(params, lam):\n"
        "    return lam * sum((p * p).sum() for p in params)\n"
        "def l1_penalty(params, lam):\n"
        "    return lam * sum(p.sum() for p in params)\n",
        # norm instead of squared norm
        "def l2_penalty(params, lam):\n"
        "    return lam * sum((p * p).sum().sqrt() for p in params)\n"
        "def l1_penalty(params, lam):\n"
        "    return lam * sum(p.abs().sum() for p in params)\n",
    ],
    "dropout_forward": [
        # forgets to rescale the survivors
        "def dropout_forward(x, p, training, rng):\n"
        "    if not training:\n"
        "        return x\n"
        "    return (x * (rng.random(x.shape) >= p)).astype(np.float32)\n",
        # keeps with probability p instead of dropping with probability p
        "def dropout_forward(x, p, training, rng):\n"
        "    if not training:\n"
        "        return x\n"
        "    return (x * (rng.random(x.shape) < p) / p).astype(np.float32)\n",
        # scales in evaluation mode instead (non-inverted dropout at eval time)
        "def dropout_forward(x, p, training, rng):\n"
        "    if not training:\n"
        "        return (x * (1 - p)).astype(np.float32)\n"
        "    return (x * (rng.random(x.shape) >= p) / (1 - p)).astype(np.float32)\n",
    ],
    "batchnorm_forward": [
        # Keras momentum convention
        "def batchnorm_forward(x, gamma, beta, running_mean, running_var, momentum, eps, training):\n"
        "    if training:\n"
        "        n = x.shape[0]\n"
        "        mean, var = x.mean(axis=0), x.var(axis=0)\n"
        "        new_mean = momentum * running_mean + (1 - momentum) * mean\n"
        "        new_var = momentum * running_var + (1 - momentum) * var * n / (n - 1)\n"
        "    else:\n"
        "        mean, var, new_mean, new_var = running_mean, running_var, running_mean, running_var\n"
        "    out = gamma * (x - mean) / np.sqrt(var + eps) + beta\n"
        "    return out.astype(np.float32), new_mean.astype(np.float32), new_var.astype(np.float32)\n",
        # biased variance in the running statistics
        "def batchnorm_forward(x, gamma, beta, running_mean, running_var, momentum, eps, training):\n"
        "    if training:\n"
        "        mean, var = x.mean(axis=0), x.var(axis=0)\n"
        "        new_mean = (1 - momentum) * running_mean + momentum * mean\n"
        "        new_var = (1 - momentum) * running_var + momentum * var\n"
        "    else:\n"
        "        mean, var, new_mean, new_var = running_mean, running_var, running_mean, running_var\n"
        "    out = gamma * (x - mean) / np.sqrt(var + eps) + beta\n"
        "    return out.astype(np.float32), new_mean.astype(np.float32), new_var.astype(np.float32)\n",
        # batch statistics also in evaluation mode
        "def batchnorm_forward(x, gamma, beta, running_mean, running_var, momentum, eps, training):\n"
        "    n = x.shape[0]\n"
        "    mean, var = x.mean(axis=0), x.var(axis=0)\n"
        "    new_mean = (1 - momentum) * running_mean + momentum * mean\n"
        "    new_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)\n"
        "    out = gamma * (x - mean) / np.sqrt(var + eps) + beta\n"
        "    return out.astype(np.float32), new_mean.astype(np.float32), new_var.astype(np.float32)\n",
    ],
    "early_stopping_epoch": [
        # off by one: stops one epoch late
        "def early_stopping_epoch(val_losses, patience, min_delta):\n"
        "    best, best_epoch = None, 0\n"
        "    for epoch, loss in enumerate(val_losses):\n"
        "        if best is None or loss < best - min_delta:\n"
        "            best, best_epoch = loss, epoch\n"
        "        elif epoch - best_epoch > patience:\n"
        "            return epoch, best_epoch\n"
        "    return None, best_epoch\n",
        # ignores min_delta
        "def early_stopping_epoch(val_losses, patience, min_delta):\n"
        "    best, best_epoch = None, 0\n"
        "    for epoch, loss in enumerate(val_losses):\n"
        "        if best is None or loss < best:\n"
        "            best, best_epoch = loss, epoch\n"
        "        elif epoch - best_epoch >= patience:\n"
        "            return epoch, best_epoch\n"
        "    return None, best_epoch\n",
        # returns the last epoch instead of None when patience never runs out
        "def early_stopping_epoch(val_losses, patience, min_delta):\n"
        "    best, best_epoch = None, 0\n"
        "    for epoch, loss in enumerate(val_losses):\n"
        "        if best is None or loss < best - min_delta:\n"
        "            best, best_epoch = loss, epoch\n"
        "        elif epoch - best_epoch >= patience:\n"
        "            return epoch, best_epoch\n"
        "    return len(val_losses) - 1, best_epoch\n",
    ],
    "train_val_split": [
        # validation taken from the end of the permutation
        "def train_val_split(X, y, val_fraction, seed):\n"
        "    perm = np.random.default_rng(seed).permutation(len(X))\n"
        "    n_train = len(X) - int(len(X) * val_fraction)\n"
        "    return X[perm[:n_train]], y[perm[:n_train]], X[perm[n_train:]], y[perm[n_train:]]\n",
        # X and y permuted independently
        "def train_val_split(X, y, val_fraction, seed):\n"
        "    g = np.random.default_rng(seed)\n"
        "    px, py = g.permutation(len(X)), g.permutation(len(X))\n"
        "    n = int(len(X) * val_fraction)\n"
        "    return X[px[n:]], y[py[n:]], X[px[:n]], y[py[:n]]\n",
        # rounds instead of truncating
        "def train_val_split(X, y, val_fraction, seed):\n"
        "    perm = np.random.default_rng(seed).permutation(len(X))\n"
        "    n = int(round(len(X) * val_fraction + 0.5))\n"
        "    return X[perm[n:]], y[perm[n:]], X[perm[:n]], y[perm[:n]]\n",
    ],
}
