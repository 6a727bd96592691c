"""Plausible wrong answers for 04-backprop: each must fail its exercise's test cell."""

SOFTMAX_CE = '''
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(n), y].mean()
    grad = np.exp(log_p)
    grad[np.arange(n), y] -= 1.0
    return float(loss), grad / n
'''

MLP_FORWARD = '''
def mlp_forward(params, X):
    Z1 = X @ params["W1"] + params["b1"]
    H = np.maximum(Z1, 0.0)
    logits = H @ params["W2"] + params["b2"]
    return logits, {"X": X, "Z1": Z1, "H": H}
'''

MLP_BACKWARD = '''
def mlp_backward(params, cache, grad_logits):
    dZ2 = grad_logits
    dH = dZ2 @ params["W2"].T
    dZ1 = dH * (cache["Z1"] > 0)
    return {"dW1": cache["X"].T @ dZ1, "db1": dZ1.sum(axis=0),
            "dW2": cache["H"].T @ dZ2, "db2": dZ2.sum(axis=0)}
'''

MLP_BACKWARD_LOOP = '''
def mlp_backward(params, cache, grad_logits):
    dZ2 = grad_logits
    dH = dZ2 @ params["W2"].T
    dZ1 = dH * (cache["Z1"] > 0)
    out = {"dW1": 0.0, "db1": 0.0, "dW2": 0.0, "db2": 0.0}
    for n in range(len(dZ2)):
        out["dW1"] = out["dW1"] + np.outer(cache["X"][n], dZ1[n])
        out["db1"] = out["db1"] + dZ1[n]
        out["dW2"] = out["dW2"] + np.outer(cache["H"][n], dZ2[n])
        out["db2"] = out["db2"] + dZ2[n]
    return out
'''

MLP_BACKWARD_TORCH = '''
def mlp_backward(params, cache, grad_logits):
    p = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    z1 = torch.tensor(cache["X"]) @ p["W1"] + p["b1"]
    logits = torch.relu(z1) @ p["W2"] + p["b2"]
    logits.backward(torch.tensor(grad_logits))
    return {"d" + k: t.grad.numpy() for k, t in p.items()}
'''

SGD_TRAIN = '''
def sgd_train(params, X, y, grad_fn, lr, steps):
    current = {k: v.copy() for k, v in params.items()}
    losses = []
    for _ in range(steps):
        loss, grads = grad_fn(current, X, y)
        losses.append(loss)
        current = {k: v - lr * grads["d" + k] for k, v in current.items()}
    return np.array(losses), current
'''

SGD_TRAIN_IN_PLACE = '''
def sgd_train(params, X, y, grad_fn, lr, steps):
    losses = []
    for _ in range(steps):
        loss, grads = grad_fn(params, X, y)
        losses.append(loss)
        for k in params:
            params[k] -= lr * grads["d" + k]
    return np.array(losses), dict(params)
'''

SOFTMAX_CE_TORCH = '''
def softmax_cross_entropy(logits, y):
    z = torch.tensor(logits, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(z, torch.tensor(y))
    loss.backward()
    return loss.item(), z.grad.numpy()
'''

GRAD_NORMS_TORCH = '''
def gradient_norms_per_layer(weights, X, activation):
    ws = [torch.tensor(w, requires_grad=True) for w in weights]
    h = torch.tensor(X)
    for w in ws:
        h = torch.tanh(h @ w) if activation == "tanh" else torch.relu(h @ w)
    (h.sum() / X.shape[0]).backward()
    return np.array([torch.linalg.norm(w.grad).item() for w in ws])
'''

INIT_SCALE = '''
def init_scale(fan_in, fan_out, scheme, nonlinearity):
    gain = {"linear": 1.0, "sigmoid": 1.0, "tanh": 5.0 / 3, "relu": math.sqrt(2.0)}[nonlinearity]
    if scheme == "xavier":
        std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    else:
        std = gain / math.sqrt(fan_in)
    return std, math.sqrt(3.0) * std
'''

GRAD_NORMS = '''
def gradient_norms_per_layer(weights, X, activation):
    hs, zs = [X], []
    for W in weights:
        z = hs[-1] @ W
        zs.append(z)
        hs.append(np.tanh(z) if activation == "tanh" else np.maximum(z, 0.0))
    grad_h = np.full_like(hs[-1], 1.0 / X.shape[0])
    norms = []
    for layer in reversed(range(len(weights))):
        if activation == "tanh":
            grad_z = grad_h * (1 - hs[layer + 1] ** 2)
        else:
            grad_z = grad_h * (zs[layer] > 0)
        norms.append(np.linalg.norm(hs[layer].T @ grad_z))
        grad_h = grad_z @ weights[layer].T
    return np.array(norms[::-1])
'''




def _bug(source, old, new):
    assert old in source, old
    return source.replace(old, new)


WRONG_ANSWERS = {
    "softmax_cross_entropy": [
        # no max subtraction: overflows on large logits
        _bug(SOFTMAX_CE, "shifted = logits - logits.max(axis=1, keepdims=True)", "shifted = logits"),
        # gradient of the summed (not mean) loss
        _bug(SOFTMAX_CE, "return float(loss), grad / n", "return float(loss), grad"),
        # sum instead of mean in the loss
        _bug(SOFTMAX_CE, "loss = -log_p[np.arange(n), y].mean()", "loss = -log_p[np.arange(n), y].sum()"),
        # gradient is the softmax only (forgot the one-hot)
        _bug(SOFTMAX_CE, "    grad[np.arange(n), y] -= 1.0\n", ""),
        # picks the labels with y as a column index for every row (wrong fancy indexing)
        _bug(SOFTMAX_CE, "loss = -log_p[np.arange(n), y].mean()", "loss = -log_p[:, y].mean()"),
        # rule: the right values, one example at a time in a Python loop
        _bug(SOFTMAX_CE, "loss = -log_p[np.arange(n), y].mean()",
             "loss = -np.mean([log_p[i, y[i]] for i in range(n)])"),
        # rule: the right values, from PyTorch
        SOFTMAX_CE_TORCH,
    ],
    "mlp_forward": [
        # ReLU applied to the logits too
        _bug(MLP_FORWARD, 'logits = H @ params["W2"] + params["b2"]',
             'logits = np.maximum(H @ params["W2"] + params["b2"], 0.0)'),
        # forgot the second bias
        _bug(MLP_FORWARD, 'logits = H @ params["W2"] + params["b2"]', 'logits = H @ params["W2"]'),
        # cache holds the pre-activation under "H"
        _bug(MLP_FORWARD, 'return logits, {"X": X, "Z1": Z1, "H": H}',
             'return logits, {"X": X, "Z1": Z1, "H": Z1}'),
        # returns probabilities instead of logits
        _bug(MLP_FORWARD, "    return logits, ",
             "    logits = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)\n    return logits, "),
        # rule: the right values, row by row in a Python loop
        _bug(MLP_FORWARD, 'Z1 = X @ params["W1"] + params["b1"]',
             'Z1 = np.stack([x @ params["W1"] + params["b1"] for x in X])'),
    ],
    "mlp_backward": [
        # divides the cotangent by the batch size again (it already holds the 1/N of the mean loss)
        _bug(MLP_BACKWARD, "dZ2 = grad_logits", "dZ2 = grad_logits / grad_logits.shape[0]"),
        # no ReLU mask
        _bug(MLP_BACKWARD, 'dZ1 = dH * (cache["Z1"] > 0)', "dZ1 = dH"),
        # bias gradient averaged instead of summed over the batch
        _bug(MLP_BACKWARD, '"db2": dZ2.sum(axis=0)', '"db2": dZ2.mean(axis=0)'),
        # dW2 from the pre-activations instead of the ReLU outputs
        _bug(MLP_BACKWARD, '"dW2": cache["H"].T @ dZ2', '"dW2": cache["Z1"].T @ dZ2'),
        # ignores the cotangent it was given and uses the cross-entropy rule on it as if it were logits
        _bug(MLP_BACKWARD, "    dZ2 = grad_logits\n",
             "    P = np.exp(grad_logits - grad_logits.max(axis=1, keepdims=True))\n"
             "    dZ2 = P / P.sum(axis=1, keepdims=True) / len(P)\n"),
        # rule: the right values, one example at a time in a Python loop
        MLP_BACKWARD_LOOP,
        # rule: the right values, from torch.autograd
        MLP_BACKWARD_TORCH,
        # rule: the right values, but the ReLU mask is written into the cache in place
        _bug(MLP_BACKWARD, '    dZ1 = dH * (cache["Z1"] > 0)\n',
             '    cache["Z1"][cache["Z1"] <= 0] = 0.0\n    dZ1 = dH * (cache["Z1"] > 0)\n'),
    ],
    "sgd_train": [
        # gradient ascent
        _bug(SGD_TRAIN, 'v - lr * grads["d" + k]', 'v + lr * grads["d" + k]'),
        # gradients computed once, before the loop
        _bug(SGD_TRAIN, "    for _ in range(steps):\n        loss, grads = grad_fn(current, X, y)\n",
             "    loss, grads = grad_fn(current, X, y)\n    for _ in range(steps):\n"),
        # records the loss after the update
        _bug(SGD_TRAIN,
             "        losses.append(loss)\n"
             "        current = {k: v - lr * grads[\"d\" + k] for k, v in current.items()}\n",
             "        current = {k: v - lr * grads[\"d\" + k] for k, v in current.items()}\n"
             "        losses.append(grad_fn(current, X, y)[0])\n"),
        # one step too few
        _bug(SGD_TRAIN, "for _ in range(steps):", "for _ in range(steps - 1):"),
        # rule: the right values, but the caller's arrays are updated in place
        SGD_TRAIN_IN_PLACE,
    ],
    "init_scale": [
        # He with fan_in + fan_out
        _bug(INIT_SCALE, "std = gain / math.sqrt(fan_in)",
             "std = gain * math.sqrt(2.0 / (fan_in + fan_out))"),
        # forgot the gain
        _bug(INIT_SCALE, '[nonlinearity]\n', '[nonlinearity] * 0 + 1.0\n'),
        # uniform bound with sqrt(6)
        _bug(INIT_SCALE, "math.sqrt(3.0) * std", "math.sqrt(6.0) * std"),
        # He with fan_out
        _bug(INIT_SCALE, "std = gain / math.sqrt(fan_in)", "std = gain / math.sqrt(fan_out)"),
        # tanh gain taken as sqrt(2)
        _bug(INIT_SCALE, '"tanh": 5.0 / 3', '"tanh": math.sqrt(2.0)'),
    ],
    "gradient_norms_per_layer": [
        # last layer first
        _bug(GRAD_NORMS, "return np.array(norms[::-1])", "return np.array(norms)"),
        # tanh derivative from the pre-activation
        _bug(GRAD_NORMS, "grad_z = grad_h * (1 - hs[layer + 1] ** 2)",
             "grad_z = grad_h * (1 - zs[layer] ** 2)"),
        # weight gradient taken before the activation's derivative
        _bug(GRAD_NORMS, "norms.append(np.linalg.norm(hs[layer].T @ grad_z))",
             "norms.append(np.linalg.norm(hs[layer].T @ grad_h))"),
        # upstream gradient 1 instead of 1/N
        _bug(GRAD_NORMS, "np.full_like(hs[-1], 1.0 / X.shape[0])", "np.ones_like(hs[-1])"),
        # the output of layer l instead of its input
        _bug(GRAD_NORMS, "hs[layer].T @ grad_z", "hs[layer + 1].T @ grad_z"),
        # rule: the right values, from torch.autograd
        GRAD_NORMS_TORCH,
    ],
}
