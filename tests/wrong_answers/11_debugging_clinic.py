"""Plausible wrong answers for 11-debugging-clinic; each must fail its exercise's test cell."""

# ruff: noqa: E501  (each answer is a cell a student could write, line lengths included)

WRONG_ANSWERS = {
    "fixed_classifier": [
        # the broken code itself: plain tensors, nothing registered
        "class FixedClassifier(torch.nn.Module):\n"
        "    def __init__(self, n_in, n_out):\n"
        "        super().__init__()\n"
        "        self.weight = torch.randn(n_out, n_in, requires_grad=True) * 0.1\n"
        "        self.bias = torch.zeros(n_out, requires_grad=True)\n"
        "        self.log_temperature = torch.zeros(1, requires_grad=True)\n"
        "\n"
        "    def forward(self, x):\n"
        "        return (x @ self.weight.T + self.bias) / self.log_temperature.exp()\n",
        # registers weight and bias but forgets the temperature
        "class FixedClassifier(torch.nn.Module):\n"
        "    def __init__(self, n_in, n_out):\n"
        "        super().__init__()\n"
        "        self.weight = torch.nn.Parameter(torch.randn(n_out, n_in) * 0.1)\n"
        "        self.bias = torch.nn.Parameter(torch.zeros(n_out))\n"
        "        self.log_temperature = torch.zeros(1)\n"
        "\n"
        "    def forward(self, x):\n"
        "        return (x @ self.weight.T + self.bias) / self.log_temperature.exp()\n",
        # weight stored in the Keras layout (in, out)
        "class FixedClassifier(torch.nn.Module):\n"
        "    def __init__(self, n_in, n_out):\n"
        "        super().__init__()\n"
        "        self.weight = torch.nn.Parameter(torch.randn(n_in, n_out) * 0.1)\n"
        "        self.bias = torch.nn.Parameter(torch.zeros(n_out))\n"
        "        self.log_temperature = torch.nn.Parameter(torch.zeros(1))\n"
        "\n"
        "    def forward(self, x):\n"
        "        return (x @ self.weight + self.bias) / self.log_temperature.exp()\n",
        # multiplies by the temperature instead of dividing
        "class FixedClassifier(torch.nn.Module):\n"
        "    def __init__(self, n_in, n_out):\n"
        "        super().__init__()\n"
        "        self.weight = torch.nn.Parameter(torch.randn(n_out, n_in) * 0.1)\n"
        "        self.bias = torch.nn.Parameter(torch.zeros(n_out))\n"
        "        self.log_temperature = torch.nn.Parameter(torch.zeros(1))\n"
        "\n"
        "    def forward(self, x):\n"
        "        return (x @ self.weight.T + self.bias) * self.log_temperature.exp()\n",
    ],
    "train_steps": [
        # the broken loop: gradients accumulate
        "def train_steps(model, X, y, steps, lr):\n"
        "    optimizer = tg.optim.SGD(model.parameters(), lr=lr, momentum=0.9)\n"
        "    losses = []\n"
        "    for _ in range(steps):\n"
        "        loss = tg.nn.functional.cross_entropy(model(tg.tensor(X)), tg.tensor(y))\n"
        "        loss.backward()\n"
        "        optimizer.step()\n"
        "        losses.append(loss.item())\n"
        "    return losses\n",
        # zero_grad in the wrong place: between backward and step (the step sees no gradient)
        "def train_steps(model, X, y, steps, lr):\n"
        "    optimizer = tg.optim.SGD(model.parameters(), lr=lr, momentum=0.9)\n"
        "    losses = []\n"
        "    for _ in range(steps):\n"
        "        loss = tg.nn.functional.cross_entropy(model(tg.tensor(X)), tg.tensor(y))\n"
        "        loss.backward()\n"
        "        optimizer.zero_grad()\n"
        "        optimizer.step()\n"
        "        losses.append(loss.item())\n"
        "    return losses\n",
        # a new optimizer every step: the momentum buffer is lost
        "def train_steps(model, X, y, steps, lr):\n"
        "    losses = []\n"
        "    for _ in range(steps):\n"
        "        optimizer = tg.optim.SGD(model.parameters(), lr=lr, momentum=0.9)\n"
        "        loss = tg.nn.functional.cross_entropy(model(tg.tensor(X)), tg.tensor(y))\n"
        "        optimizer.zero_grad()\n"
        "        loss.backward()\n"
        "        optimizer.step()\n"
        "        losses.append(loss.item())\n"
        "    return losses\n",
        # records the loss after the update
        "def train_steps(model, X, y, steps, lr):\n"
        "    optimizer = tg.optim.SGD(model.parameters(), lr=lr, momentum=0.9)\n"
        "    losses = []\n"
        "    for _ in range(steps):\n"
        "        loss = tg.nn.functional.cross_entropy(model(tg.tensor(X)), tg.tensor(y))\n"
        "        optimizer.zero_grad()\n"
        "        loss.backward()\n"
        "        optimizer.step()\n"
        "        losses.append(tg.nn.functional.cross_entropy(model(tg.tensor(X)), tg.tensor(y)).item())\n"
        "    return losses\n",
    ],
    "tf_train": [
        # the broken snippet: loss outside the tape (gradients are None)
        "def tf_train(W0, b0, X, y, steps, lr):\n"
        "    W, b = tf.Variable(W0), tf.Variable(b0)\n"
        "    optimizer = keras.optimizers.SGD(learning_rate=lr)\n"
        "    losses = []\n"
        "    for _ in range(steps):\n"
        "        with tf.GradientTape() as tape:\n"
        "            logits = X @ W + b\n"
        "        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y, logits)\n"
        "        grads = tape.gradient(loss, [W, b])\n"
        "        optimizer.apply_gradients(zip(grads, [W, b]))\n"
        "        losses.append(float(loss))\n"
        "    return np.array(losses, dtype=np.float32)\n",
        # skips the None gradients instead of fixing the tape: nothing trains
        "def tf_train(W0, b0, X, y, steps, lr):\n"
        "    W, b = tf.Variable(W0), tf.Variable(b0)\n"
        "    losses = []\n"
        "    for _ in range(steps):\n"
        "        with tf.GradientTape() as tape:\n"
        "            logits = X @ W + b\n"
        "        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y, logits)\n"
        "        for v, g in zip([W, b], tape.gradient(loss, [W, b])):\n"
        "            if g is not None:\n"
        "                v.assign_sub(lr * g)\n"
        "        losses.append(float(loss))\n"
        "    return np.array(losses, dtype=np.float32)\n",
        # summed instead of mean cross-entropy
        "def tf_train(W0, b0, X, y, steps, lr):\n"
        "    W, b = tf.Variable(W0), tf.Variable(b0)\n"
        "    losses = []\n"
        "    for _ in range(steps):\n"
        "        with tf.GradientTape() as tape:\n"
        "            logits = X @ W + b\n"
        "            per_example = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)\n"
        "            loss = tf.reduce_sum(per_example)\n"
        "        gW, gb = tape.gradient(loss, [W, b])\n"
        "        W.assign_sub(lr * gW)\n"
        "        b.assign_sub(lr * gb)\n"
        "        losses.append(float(loss))\n"
        "    return np.array(losses, dtype=np.float32)\n",
        # the model ends in a softmax, then from_logits=True
        "def tf_train(W0, b0, X, y, steps, lr):\n"
        "    W, b = tf.Variable(W0), tf.Variable(b0)\n"
        "    optimizer = keras.optimizers.SGD(learning_rate=lr)\n"
        "    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)\n"
        "    losses = []\n"
        "    for _ in range(steps):\n"
        "        with tf.GradientTape() as tape:\n"
        "            loss = loss_fn(y, tf.nn.softmax(X @ W + b))\n"
        "        grads = tape.gradient(loss, [W, b])\n"
        "        optimizer.apply_gradients(zip(grads, [W, b]))\n"
        "        losses.append(float(loss))\n"
        "    return np.array(losses, dtype=np.float32)\n",
    ],
    "classification_loss": [
        # softmax before cross-entropy
        "def classification_loss(logits, targets):\n"
        "    probs = torch.softmax(torch.from_numpy(logits), dim=1)\n"
        "    return torch.nn.functional.cross_entropy(probs, torch.from_numpy(targets)).item()\n",
        # the tutorial's BCE on one-hot targets
        "def classification_loss(logits, targets):\n"
        "    probs = torch.softmax(torch.from_numpy(logits), dim=1)\n"
        "    onehot = torch.nn.functional.one_hot(torch.from_numpy(targets), logits.shape[1]).float()\n"
        "    return torch.nn.BCELoss()(probs, onehot).item()\n",
        # sigmoid per class with BCE on logits
        "def classification_loss(logits, targets):\n"
        "    onehot = torch.nn.functional.one_hot(torch.from_numpy(targets), logits.shape[1]).float()\n"
        "    loss = torch.nn.functional.binary_cross_entropy_with_logits(torch.from_numpy(logits), onehot)\n"
        "    return loss.item()\n",
        # naive log of softmax: inf/nan for large logits
        "def classification_loss(logits, targets):\n"
        "    e = np.exp(logits)\n"
        "    p = e / e.sum(axis=1, keepdims=True)\n"
        "    return float(-np.log(p[np.arange(len(targets)), targets]).mean())\n",
        # rule: the right value, but a softmax is computed (and only printed)
        "def classification_loss(logits, targets):\n"
        "    z = torch.from_numpy(logits)\n"
        "    print('probabilities', torch.nn.functional.softmax(z, dim=1)[0])\n"
        "    return torch.nn.functional.cross_entropy(z, torch.from_numpy(targets)).item()\n",
    ],
    "predict_one": [
        # the broken code: no batch axis, training mode
        "def predict_one(model, x):\n"
        "    return torch.softmax(model(torch.from_numpy(x)), dim=0).detach().numpy()\n",
        # batch axis added, but still in training mode (batch norm on one sample fails, dropout is on)
        "def predict_one(model, x):\n"
        "    with torch.no_grad():\n"
        "        return torch.softmax(model(torch.from_numpy(x)[None]), dim=1)[0].numpy()\n",
        # eval mode but returns the (1, C) row
        "def predict_one(model, x):\n"
        "    model.eval()\n"
        "    with torch.no_grad():\n"
        "        return torch.softmax(model(torch.from_numpy(x)[None]), dim=1).numpy()\n",
        # eval mode but softmax over the batch axis
        "def predict_one(model, x):\n"
        "    model.eval()\n"
        "    with torch.no_grad():\n"
        "        return torch.softmax(model(torch.from_numpy(x)[None]), dim=0)[0].numpy()\n",
    ],
    "evaluate": [
        # the broken helper: dropout still on
        "def evaluate(model, X, y):\n"
        "    logits = model(tg.tensor(X)).numpy()\n"
        "    return {'accuracy': float((logits.argmax(axis=1) == y).mean()), 'logits': logits}\n",
        # no_grad alone does not switch dropout off
        "def evaluate(model, X, y):\n"
        "    with tg.no_grad():\n"
        "        logits = model(tg.tensor(X)).numpy()\n"
        "    return {'accuracy': float((logits.argmax(axis=1) == y).mean()), 'logits': logits}\n",
        # returns probabilities instead of logits
        "def evaluate(model, X, y):\n"
        "    model.eval()\n"
        "    with tg.no_grad():\n"
        "        probs = tg.nn.functional.softmax(model(tg.tensor(X)), axis=1).numpy()\n"
        "    return {'accuracy': float((probs.argmax(axis=1) == y).mean()), 'logits': probs}\n",
        # counts correct predictions instead of the fraction
        "def evaluate(model, X, y):\n"
        "    model.eval()\n"
        "    with tg.no_grad():\n"
        "        logits = model(tg.tensor(X)).numpy()\n"
        "    return {'accuracy': float((logits.argmax(axis=1) == y).sum()), 'logits': logits}\n",
    ],
    "diagnose": [
        # rule: the right labels, but it reseeds torch's global generator
        'DIAGNOSIS_LABELS = ("ok", "no_graph", "no_update", "gradient_ascent", "softmax_before_loss", "no_zero_grad",\n'
        '                    "stale_loss")\n'
        '\n'
        '\n'
        'def diagnose(train_fn):\n'
        '    """The label from DIAGNOSIS_LABELS that describes train_fn (see the table above)."""\n'
        '    torch.manual_seed(0)\n'
        '    X = torch.randn(40, 6) * 2\n'
        '    y = torch.randint(0, 4, (40,))\n'
        '    start = {"weight": torch.randn(4, 6), "bias": torch.randn(4)}\n'
        '    lr = 0.1\n'
        '\n'
        '    def loss_and_grads(state, probabilities=False):\n'
        '        # our own loss and gradient at the parameters `state` (the bug-free reference, or its softmax variant)\n'
        '        w, b = state["weight"].clone().requires_grad_(), state["bias"].clone().requires_grad_()\n'
        '        logits = X @ w.T + b\n'
        '        loss = torch.nn.functional.cross_entropy(torch.softmax(logits, dim=1) if probabilities else logits, y)\n'
        '        gw, gb = torch.autograd.grad(loss, [w, b])\n'
        '        return loss.item(), {"weight": gw, "bias": gb}\n'
        '\n'
        '    def step(state, grads, sign=-1.0):\n'
        '        return {k: state[k] + sign * lr * grads[k] for k in state}\n'
        '\n'
        '    def same(a, b):\n'
        '        return all(torch.allclose(a[k], b[k], atol=1e-5, rtol=1e-4) for k in a)\n'
        '\n'
        '    def run(steps):\n'
        '        # the function under test, on a fresh model at `start`: (losses, parameters after), or None if it raises\n'
        '        model = torch.nn.Linear(6, 4)\n'
        '        model.load_state_dict({k: v.clone() for k, v in start.items()})\n'
        '        try:\n'
        '            losses = train_fn(model, X.clone(), y.clone(), steps, lr)\n'
        '        except RuntimeError:\n'
        '            return None\n'
        '        return [float(v) for v in losses], {k: v.detach().clone() for k, v in model.state_dict().items()}\n'
        '\n'
        '    one = run(1)\n'
        '    if one is None:\n'
        '        return "no_graph"\n'
        '    loss0, grads0 = loss_and_grads(start)\n'
        '    if same(one[1], start):\n'
        '        return "no_update"\n'
        '    if same(one[1], step(start, grads0, +1.0)):\n'
        '        return "gradient_ascent"\n'
        '    if same(one[1], step(start, loss_and_grads(start, probabilities=True)[1])):\n'
        '        return "softmax_before_loss"\n'
        '    theta1 = step(start, grads0)\n'
        '    loss1, grads1 = loss_and_grads(theta1)\n'
        '    losses, after2 = run(2)\n'
        '    if same(after2, step(theta1, {k: grads0[k] + grads1[k] for k in grads0})):\n'
        '        return "no_zero_grad"\n'
        '    if not np.allclose(losses, [loss0, loss1], atol=1e-5, rtol=1e-4):\n'
        '        return "stale_loss"\n'
        '    return "ok"\n',
        # always answers "ok"
        "def diagnose(train_fn):\n"
        "    return 'ok'\n",
        # judges from the returned losses only: a crash, a rising loss, a flat loss, else ok
        "def diagnose(train_fn):\n"
        "    gen = torch.Generator().manual_seed(0)\n"
        "    X, y = torch.randn(40, 6, generator=gen), torch.randint(0, 4, (40,), generator=gen)\n"
        "    try:\n"
        "        losses = train_fn(torch.nn.Linear(6, 4), X, y, 5, 0.1)\n"
        "    except RuntimeError:\n"
        "        return 'no_graph'\n"
        "    if losses[-1] > losses[0]:\n"
        "        return 'gradient_ascent'\n"
        "    if abs(losses[-1] - losses[0]) < 1e-7:\n"
        "        return 'no_update'\n"
        "    return 'ok'\n",
        # reads the source text instead of the behaviour
        "import inspect\n"
        "def diagnose(train_fn):\n"
        "    source = inspect.getsource(train_fn)\n"
        "    if 'softmax' in source:\n"
        "        return 'softmax_before_loss'\n"
        "    if 'detach' in source or 'no_grad' in source:\n"
        "        return 'no_graph'\n"
        "    if 'zero_grad' not in source:\n"
        "        return 'no_zero_grad'\n"
        "    if '.step()' not in source:\n"
        "        return 'no_update'\n"
        "    return 'ok'\n",
        # compares one step only: accumulation and the returned losses are never checked
        "def diagnose(train_fn):\n"
        "    gen = torch.Generator().manual_seed(0)\n"
        "    X, y = torch.randn(40, 6, generator=gen) * 2, torch.randint(0, 4, (40,), generator=gen)\n"
        "    model = torch.nn.Linear(6, 4)\n"
        "    start = [p.detach().clone() for p in model.parameters()]\n"
        "    loss = torch.nn.functional.cross_entropy(model(X), y)\n"
        "    grads = torch.autograd.grad(loss, list(model.parameters()))\n"
        "    try:\n"
        "        train_fn(model, X, y, 1, 0.1)\n"
        "    except RuntimeError:\n"
        "        return 'no_graph'\n"
        "    after = [p.detach() for p in model.parameters()]\n"
        "    if all(torch.equal(a, s) for a, s in zip(after, start)):\n"
        "        return 'no_update'\n"
        "    if all(torch.allclose(a, s + 0.1 * g, atol=1e-5) for a, s, g in zip(after, start, grads)):\n"
        "        return 'gradient_ascent'\n"
        "    if all(torch.allclose(a, s - 0.1 * g, atol=1e-5) for a, s, g in zip(after, start, grads)):\n"
        "        return 'ok'\n"
        "    return 'softmax_before_loss'\n",
    ],
}
