"""Plausible wrong answers for 06-optimizers; each must fail its exercise's test cell."""

WRONG_ANSWERS = {
    "sgd_momentum": [
        # right values, breaks the rule: torch.optim.SGD does the update
        "def sgd_momentum_step(p, g, state, lr, momentum=0.0, dampening=0.0, nesterov=False):\n"
        "    if 'w' not in state:\n"
        "        state['w'] = torch.tensor(p, requires_grad=True)\n"
        "        state['opt'] = torch.optim.SGD([state['w']], lr=lr, momentum=momentum,\n"
        "                                       dampening=dampening, nesterov=nesterov)\n"
        "    state['opt'].param_groups[0]['lr'] = lr\n"
        "    state['w'].grad = torch.from_numpy(np.array(g))\n"
        "    state['opt'].step()\n"
        "    return state['w'].detach().numpy().copy()\n",
        # Keras' formulation: the learning rate inside the velocity (differs under a schedule)
        "def sgd_momentum_step(p, g, state, lr, momentum=0.0, dampening=0.0, nesterov=False):\n"
        "    v = state.get('v', np.zeros_like(p))\n"
        "    v = momentum * v - lr * g\n"
        "    state['v'] = v\n"
        "    return p + momentum * v - lr * g if nesterov else p + v\n",
        # buffer starts at zero, so the first step is damped
        "def sgd_momentum_step(p, g, state, lr, momentum=0.0, dampening=0.0, nesterov=False):\n"
        "    buf = state.get('buf', np.zeros_like(p))\n"
        "    buf = momentum * buf + (1 - dampening) * g\n"
        "    state['buf'] = buf\n"
        "    return p - lr * (g + momentum * buf if nesterov else buf)\n",
        # ignores Nesterov
        "def sgd_momentum_step(p, g, state, lr, momentum=0.0, dampening=0.0, nesterov=False):\n"
        "    if momentum != 0:\n"
        "        b = state.get('buf')\n"
        "        state['buf'] = g.copy() if b is None else momentum * b + (1 - dampening) * g\n"
        "        g = state['buf']\n"
        "    return p - lr * g\n",
        # Nesterov step without the current gradient
        "def sgd_momentum_step(p, g, state, lr, momentum=0.0, dampening=0.0, nesterov=False):\n"
        "    if momentum != 0:\n"
        "        b = state.get('buf')\n"
        "        state['buf'] = g.copy() if b is None else momentum * b + (1 - dampening) * g\n"
        "        g = momentum * state['buf'] if nesterov else state['buf']\n"
        "    return p - lr * g\n",
    ],
    "rmsprop": [
        # right values, breaks the rule: torch.optim.RMSprop does the update
        "def rmsprop_step(p, g, state, lr, alpha=0.99, eps=1e-8, momentum=0.0):\n"
        "    if 'w' not in state:\n"
        "        state['w'] = torch.tensor(p, requires_grad=True)\n"
        "        state['opt'] = torch.optim.RMSprop([state['w']], lr=lr, alpha=alpha, eps=eps,\n"
        "                                           momentum=momentum)\n"
        "    state['opt'].param_groups[0]['lr'] = lr\n"
        "    state['w'].grad = torch.from_numpy(np.array(g))\n"
        "    state['opt'].step()\n"
        "    return state['w'].detach().numpy().copy()\n",
        # Keras-style epsilon inside the square root
        "def rmsprop_step(p, g, state, lr, alpha=0.99, eps=1e-8, momentum=0.0):\n"
        "    v = alpha * state.get('v', np.zeros_like(p)) + (1 - alpha) * g * g\n"
        "    b = momentum * state.get('b', np.zeros_like(p)) + g / np.sqrt(v + eps)\n"
        "    state['v'], state['b'] = v, b\n"
        "    return p - lr * (b if momentum > 0 else g / np.sqrt(v + eps))\n",
        # alpha and 1 - alpha swapped
        "def rmsprop_step(p, g, state, lr, alpha=0.99, eps=1e-8, momentum=0.0):\n"
        "    v = (1 - alpha) * state.get('v', np.zeros_like(p)) + alpha * g * g\n"
        "    b = momentum * state.get('b', np.zeros_like(p)) + g / (np.sqrt(v) + eps)\n"
        "    state['v'], state['b'] = v, b\n"
        "    return p - lr * (b if momentum > 0 else g / (np.sqrt(v) + eps))\n",
        # Keras-style momentum buffer holding the learning rate
        "def rmsprop_step(p, g, state, lr, alpha=0.99, eps=1e-8, momentum=0.0):\n"
        "    v = alpha * state.get('v', np.zeros_like(p)) + (1 - alpha) * g * g\n"
        "    b = momentum * state.get('b', np.zeros_like(p)) + lr * g / (np.sqrt(v) + eps)\n"
        "    state['v'], state['b'] = v, b\n"
        "    return p - (b if momentum > 0 else lr * g / (np.sqrt(v) + eps))\n",
        # Adam-like bias correction of the average
        "def rmsprop_step(p, g, state, lr, alpha=0.99, eps=1e-8, momentum=0.0):\n"
        "    t = state.get('t', 0) + 1\n"
        "    v = alpha * state.get('v', np.zeros_like(p)) + (1 - alpha) * g * g\n"
        "    d = np.sqrt(v / (1 - alpha ** t)) + eps\n"
        "    b = momentum * state.get('b', np.zeros_like(p)) + g / d\n"
        "    state['t'], state['v'], state['b'] = t, v, b\n"
        "    return p - lr * (b if momentum > 0 else g / d)\n",
    ],
    "adam": [
        # right values, breaks the rule: torch.optim.Adam / AdamW do the update
        "def adam_step(p, g, state, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled=False):\n"
        "    if 'w' not in state:\n"
        "        state['w'] = torch.tensor(p, requires_grad=True)\n"
        "        cls = torch.optim.AdamW if decoupled else torch.optim.Adam\n"
        "        state['opt'] = cls([state['w']], lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)\n"
        "    state['opt'].param_groups[0]['lr'] = lr\n"
        "    state['w'].grad = torch.from_numpy(np.array(g))\n"
        "    state['opt'].step()\n"
        "    return state['w'].detach().numpy().copy()\n",
        # no bias correction
        "def adam_step(p, g, state, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled=False):\n"
        "    b1, b2 = betas\n"
        "    if weight_decay:\n"
        "        if decoupled:\n"
        "            p = p * (1 - lr * weight_decay)\n"
        "        else:\n"
        "            g = g + weight_decay * p\n"
        "    m = b1 * state.get('m', np.zeros_like(p)) + (1 - b1) * g\n"
        "    v = b2 * state.get('v', np.zeros_like(p)) + (1 - b2) * g * g\n"
        "    state['m'], state['v'] = m, v\n"
        "    return p - lr * m / (np.sqrt(v) + eps)\n",
        # epsilon inside the square root
        "def adam_step(p, g, state, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled=False):\n"
        "    b1, b2 = betas\n"
        "    t = state.get('t', 0) + 1\n"
        "    if weight_decay:\n"
        "        if decoupled:\n"
        "            p = p * (1 - lr * weight_decay)\n"
        "        else:\n"
        "            g = g + weight_decay * p\n"
        "    m = b1 * state.get('m', np.zeros_like(p)) + (1 - b1) * g\n"
        "    v = b2 * state.get('v', np.zeros_like(p)) + (1 - b2) * g * g\n"
        "    state['t'], state['m'], state['v'] = t, m, v\n"
        "    return p - lr * (m / (1 - b1 ** t)) / np.sqrt(v / (1 - b2 ** t) + eps)\n",
        # decoupled decay without the learning rate
        "def adam_step(p, g, state, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled=False):\n"
        "    b1, b2 = betas\n"
        "    t = state.get('t', 0) + 1\n"
        "    if weight_decay:\n"
        "        if decoupled:\n"
        "            p = p * (1 - weight_decay)\n"
        "        else:\n"
        "            g = g + weight_decay * p\n"
        "    m = b1 * state.get('m', np.zeros_like(p)) + (1 - b1) * g\n"
        "    v = b2 * state.get('v', np.zeros_like(p)) + (1 - b2) * g * g\n"
        "    state['t'], state['m'], state['v'] = t, m, v\n"
        "    return p - lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)\n",
        # always L2, ignores `decoupled`
        "def adam_step(p, g, state, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled=False):\n"
        "    b1, b2 = betas\n"
        "    t = state.get('t', 0) + 1\n"
        "    g = g + weight_decay * p\n"
        "    m = b1 * state.get('m', np.zeros_like(p)) + (1 - b1) * g\n"
        "    v = b2 * state.get('v', np.zeros_like(p)) + (1 - b2) * g * g\n"
        "    state['t'], state['m'], state['v'] = t, m, v\n"
        "    return p - lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)\n",
    ],
    "warmup_cosine": [
        # right values, breaks the rule: a Python loop over the steps
        "def warmup_cosine_lrs(n_steps, base_lr, warmup_steps, start_factor, eta_min):\n"
        "    lrs = []\n"
        "    for k in range(n_steps):\n"
        "        if k < warmup_steps:\n"
        "            lrs.append(base_lr * (start_factor + (1 - start_factor) * k / warmup_steps))\n"
        "        else:\n"
        "            T = n_steps - warmup_steps\n"
        "            cos = np.cos(np.pi * (k - warmup_steps) / T)\n"
        "            lrs.append(eta_min + 0.5 * (base_lr - eta_min) * (1 + cos))\n"
        "    return np.array(lrs)\n",
        # right values, breaks the rule: torch's schedulers produce the rates (and a loop)
        "def warmup_cosine_lrs(n_steps, base_lr, warmup_steps, start_factor, eta_min):\n"
        "    import warnings\n"
        "    p = torch.zeros(1, requires_grad=True)\n"
        "    opt = torch.optim.SGD([p], lr=base_lr)\n"
        "    s = torch.optim.lr_scheduler\n"
        "    warm = s.LinearLR(opt, start_factor=start_factor, total_iters=warmup_steps)\n"
        "    cos = s.CosineAnnealingLR(opt, T_max=n_steps - warmup_steps, eta_min=eta_min)\n"
        "    sched = s.SequentialLR(opt, [warm, cos], milestones=[warmup_steps])\n"
        "    lrs = []\n"
        "    with warnings.catch_warnings():\n"
        "        warnings.simplefilter('ignore')\n"
        "        while len(lrs) < n_steps:\n"
        "            lrs.append(opt.param_groups[0]['lr'])\n"
        "            opt.step()\n"
        "            sched.step()\n"
        "    return np.array(lrs)\n",
        # cosine measured from step 0 instead of from the end of the warm-up
        "def warmup_cosine_lrs(n_steps, base_lr, warmup_steps, start_factor, eta_min):\n"
        "    k = np.arange(n_steps, dtype=np.float64)\n"
        "    warm = base_lr * (start_factor + (1 - start_factor) * k / warmup_steps)\n"
        "    cos = eta_min + 0.5 * (base_lr - eta_min) * (1 + np.cos(np.pi * k / n_steps))\n"
        "    return np.where(k < warmup_steps, warm, cos)\n",
        # T = n_steps instead of n_steps - warmup_steps
        "def warmup_cosine_lrs(n_steps, base_lr, warmup_steps, start_factor, eta_min):\n"
        "    k = np.arange(n_steps, dtype=np.float64)\n"
        "    warm = base_lr * (start_factor + (1 - start_factor) * k / warmup_steps)\n"
        "    cos = eta_min + 0.5 * (base_lr - eta_min) * (1 + np.cos(np.pi * (k - warmup_steps) / n_steps))\n"
        "    return np.where(k < warmup_steps, warm, cos)\n",
        # warm-up one step ahead, (k + 1)/w
        "def warmup_cosine_lrs(n_steps, base_lr, warmup_steps, start_factor, eta_min):\n"
        "    k = np.arange(n_steps, dtype=np.float64)\n"
        "    warm = base_lr * (start_factor + (1 - start_factor) * (k + 1) / warmup_steps)\n"
        "    T = n_steps - warmup_steps\n"
        "    cos = eta_min + 0.5 * (base_lr - eta_min) * (1 + np.cos(np.pi * (k - warmup_steps) / T))\n"
        "    return np.where(k < warmup_steps, warm, cos)\n",
        # forgets eta_min
        "def warmup_cosine_lrs(n_steps, base_lr, warmup_steps, start_factor, eta_min):\n"
        "    k = np.arange(n_steps, dtype=np.float64)\n"
        "    warm = base_lr * (start_factor + (1 - start_factor) * k / warmup_steps)\n"
        "    cos = 0.5 * base_lr * (1 + np.cos(np.pi * (k - warmup_steps) / (n_steps - warmup_steps)))\n"
        "    return np.where(k < warmup_steps, warm, cos)\n",
    ],
    "keras_adam": [
        # right values, breaks the rule: keras.optimizers.Adam does the update
        "def keras_adam_step(p, g, state, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):\n"
        "    if 'w' not in state:\n"
        "        state['w'] = tf.Variable(np.array(p, dtype=np.float64))\n"
        "        state['opt'] = keras.optimizers.Adam(learning_rate=lr, beta_1=beta_1, beta_2=beta_2,\n"
        "                                             epsilon=epsilon)\n"
        "    state['opt'].apply_gradients([(tf.constant(g), state['w'])])\n"
        "    return state['w'].numpy().copy()\n",
        # PyTorch's rule with Keras' epsilon
        "def keras_adam_step(p, g, state, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):\n"
        "    t = state.get('t', 0) + 1\n"
        "    m = beta_1 * state.get('m', np.zeros_like(p)) + (1 - beta_1) * g\n"
        "    v = beta_2 * state.get('v', np.zeros_like(p)) + (1 - beta_2) * g * g\n"
        "    state['t'], state['m'], state['v'] = t, m, v\n"
        "    return p - lr * (m / (1 - beta_1 ** t)) / (np.sqrt(v / (1 - beta_2 ** t)) + epsilon)\n",
        # epsilon inside the root
        "def keras_adam_step(p, g, state, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):\n"
        "    t = state.get('t', 0) + 1\n"
        "    m = beta_1 * state.get('m', np.zeros_like(p)) + (1 - beta_1) * g\n"
        "    v = beta_2 * state.get('v', np.zeros_like(p)) + (1 - beta_2) * g * g\n"
        "    state['t'], state['m'], state['v'] = t, m, v\n"
        "    alpha = lr * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)\n"
        "    return p - alpha * m / np.sqrt(v + epsilon)\n",
        # no bias correction in the step size
        "def keras_adam_step(p, g, state, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):\n"
        "    m = beta_1 * state.get('m', np.zeros_like(p)) + (1 - beta_1) * g\n"
        "    v = beta_2 * state.get('v', np.zeros_like(p)) + (1 - beta_2) * g * g\n"
        "    state['m'], state['v'] = m, v\n"
        "    return p - lr * m / (np.sqrt(v) + epsilon)\n",
    ],
}
