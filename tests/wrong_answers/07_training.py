"""Plausible wrong answers for 07-training; each must fail its exercise's tests."""

WRONG_ANSWERS = {
    "accuracy": [
        # counts instead of a fraction
        "def accuracy(logits, y):\n    return float(np.sum(np.argmax(logits, axis=1) == y))\n",
        # argmax over the wrong axis
        "def accuracy(logits, y):\n    return float(np.mean(np.argmax(logits, axis=0) == y))\n",
        # percentage instead of a fraction
        "def accuracy(logits, y):\n    return 100.0 * float(np.mean(np.argmax(logits, axis=1) == y))\n",
    ],
    "confusion_matrix": [
        # right values, breaks the rule: a Python loop over the examples
        "def confusion_matrix(y_true, y_pred, num_classes):\n"
        "    C = np.zeros((num_classes, num_classes), np.int64)\n"
        "    for t, p in zip(y_true, y_pred):\n"
        "        C[t, p] += 1\n"
        "    return C\n",
        # right values, breaks the rule: scikit-learn's confusion matrix
        "import sklearn.metrics\n"
        "def confusion_matrix(y_true, y_pred, num_classes):\n"
        "    return sklearn.metrics.confusion_matrix(y_true, y_pred, labels=np.arange(num_classes))\n",
        # right values, breaks the rule: TensorFlow's confusion matrix
        "def confusion_matrix(y_true, y_pred, num_classes):\n"
        "    counts = tf.math.confusion_matrix(y_true, y_pred, num_classes=num_classes, dtype=tf.int64)\n"
        "    return counts.numpy()\n",
        # fancy-index += does not accumulate repeated pairs
        "def confusion_matrix(y_true, y_pred, num_classes):\n"
        "    C = np.zeros((num_classes, num_classes), dtype=np.int64)\n"
        "    C[y_true, y_pred] += 1\n"
        "    return C\n",
        # rows and columns swapped
        "def confusion_matrix(y_true, y_pred, num_classes):\n"
        "    C = np.zeros((num_classes, num_classes), dtype=np.int64)\n"
        "    np.add.at(C, (y_pred, y_true), 1)\n"
        "    return C\n",
        # size taken from the data instead of num_classes
        "def confusion_matrix(y_true, y_pred, num_classes):\n"
        "    k = int(max(y_true.max(), y_pred.max())) + 1\n"
        "    C = np.zeros((k, k), dtype=np.int64)\n"
        "    np.add.at(C, (y_true, y_pred), 1)\n"
        "    return C\n",
    ],
    "make_batches": [
        # ignores drop_last
        "def make_batches(n, batch_size, shuffle=False, seed=0, drop_last=False):\n"
        "    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)\n"
        "    return [order[s:s + batch_size] for s in range(0, n, batch_size)]\n",
        # loses the last, smaller batch
        "def make_batches(n, batch_size, shuffle=False, seed=0, drop_last=False):\n"
        "    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)\n"
        "    return [order[s:s + batch_size] for s in range(0, n - batch_size + 1, batch_size)]\n",
        # uses the legacy global generator
        "def make_batches(n, batch_size, shuffle=False, seed=0, drop_last=False):\n"
        "    np.random.seed(seed)\n"
        "    order = np.random.permutation(n) if shuffle else np.arange(n)\n"
        "    stop = (n // batch_size) * batch_size if drop_last else n\n"
        "    return [order[s:s + batch_size] for s in range(0, stop, batch_size)]\n",
    ],
    "scaled_mlp": [
        # temperature stored as a plain tensor: not registered
        "class ScaledMLP(tg.nn.Module):\n"
        "    def __init__(self, n_in, n_hidden, n_out):\n"
        "        super().__init__()\n"
        "        self.fc1 = tg.nn.Linear(n_in, n_hidden)\n"
        "        self.fc2 = tg.nn.Linear(n_hidden, n_out)\n"
        "        self.temperature = tg.ones(1, requires_grad=True)\n"
        "    def forward(self, x):\n"
        "        return self.fc2(self.fc1(x).relu()) / self.temperature\n",
        # layers kept in a plain list: not registered
        "class ScaledMLP(tg.nn.Module):\n"
        "    def __init__(self, n_in, n_hidden, n_out):\n"
        "        super().__init__()\n"
        "        self.layers = [tg.nn.Linear(n_in, n_hidden), tg.nn.Linear(n_hidden, n_out)]\n"
        "        self.temperature = tg.nn.Parameter(tg.ones(1))\n"
        "    def forward(self, x):\n"
        "        return self.layers[1](self.layers[0](x).relu()) / self.temperature\n",
        # multiplies by the temperature
        "class ScaledMLP(tg.nn.Module):\n"
        "    def __init__(self, n_in, n_hidden, n_out):\n"
        "        super().__init__()\n"
        "        self.fc1 = tg.nn.Linear(n_in, n_hidden)\n"
        "        self.fc2 = tg.nn.Linear(n_hidden, n_out)\n"
        "        self.temperature = tg.nn.Parameter(tg.ones(1))\n"
        "    def forward(self, x):\n"
        "        return self.fc2(self.fc1(x).relu()) * self.temperature\n",
    ],
    "train_epoch": [
        # right losses, but leaves the model in whatever mode it was given (no model.train())
        "def train_epoch(model, loader, optimizer, accumulate=1):\n"
        "    batches = list(loader)\n"
        "    losses = []\n"
        "    for first in range(0, len(batches), accumulate):\n"
        "        group = batches[first:first + accumulate]\n"
        "        optimizer.zero_grad()\n"
        "        for xb, yb in group:\n"
        "            loss = tg.nn.functional.cross_entropy(model(xb), yb)\n"
        "            (loss / len(group)).backward()\n"
        "            losses.append(loss.item())\n"
        "        optimizer.step()\n"
        "    return losses\n",
        # clears the gradients before every batch: only the group's last batch counts
        "def train_epoch(model, loader, optimizer, accumulate=1):\n"
        "    model.train()\n"
        "    batches = list(loader)\n"
        "    losses = []\n"
        "    for first in range(0, len(batches), accumulate):\n"
        "        group = batches[first:first + accumulate]\n"
        "        for xb, yb in group:\n"
        "            optimizer.zero_grad()\n"
        "            loss = tg.nn.functional.cross_entropy(model(xb), yb)\n"
        "            (loss / len(group)).backward()\n"
        "            losses.append(loss.item())\n"
        "        optimizer.step()\n"
        "    return losses\n",
        # accumulates without scaling: the sum of the group's gradients
        "def train_epoch(model, loader, optimizer, accumulate=1):\n"
        "    model.train()\n"
        "    batches = list(loader)\n"
        "    losses = []\n"
        "    for first in range(0, len(batches), accumulate):\n"
        "        optimizer.zero_grad()\n"
        "        for xb, yb in batches[first:first + accumulate]:\n"
        "            loss = tg.nn.functional.cross_entropy(model(xb), yb)\n"
        "            loss.backward()\n"
        "            losses.append(loss.item())\n"
        "        optimizer.step()\n"
        "    return losses\n",
        # scales an incomplete last group by accumulate instead of its own size
        "def train_epoch(model, loader, optimizer, accumulate=1):\n"
        "    model.train()\n"
        "    batches = list(loader)\n"
        "    losses = []\n"
        "    for first in range(0, len(batches), accumulate):\n"
        "        optimizer.zero_grad()\n"
        "        for xb, yb in batches[first:first + accumulate]:\n"
        "            loss = tg.nn.functional.cross_entropy(model(xb), yb)\n"
        "            (loss / accumulate).backward()\n"
        "            losses.append(loss.item())\n"
        "        optimizer.step()\n"
        "    return losses\n",
        # ignores accumulate: one step per batch
        "def train_epoch(model, loader, optimizer, accumulate=1):\n"
        "    model.train()\n"
        "    losses = []\n"
        "    for xb, yb in loader:\n"
        "        loss = tg.nn.functional.cross_entropy(model(xb), yb)\n"
        "        optimizer.zero_grad()\n"
        "        loss.backward()\n"
        "        optimizer.step()\n"
        "        losses.append(loss.item())\n"
        "    return losses\n",
        # never clears the gradients
        "def train_epoch(model, loader, optimizer, accumulate=1):\n"
        "    model.train()\n"
        "    batches = list(loader)\n"
        "    losses = []\n"
        "    for first in range(0, len(batches), accumulate):\n"
        "        group = batches[first:first + accumulate]\n"
        "        for xb, yb in group:\n"
        "            loss = tg.nn.functional.cross_entropy(model(xb), yb)\n"
        "            (loss / len(group)).backward()\n"
        "            losses.append(loss.item())\n"
        "        optimizer.step()\n"
        "    return losses\n",
        # records the scaled losses
        "def train_epoch(model, loader, optimizer, accumulate=1):\n"
        "    model.train()\n"
        "    batches = list(loader)\n"
        "    losses = []\n"
        "    for first in range(0, len(batches), accumulate):\n"
        "        group = batches[first:first + accumulate]\n"
        "        optimizer.zero_grad()\n"
        "        for xb, yb in group:\n"
        "            loss = tg.nn.functional.cross_entropy(model(xb), yb) / len(group)\n"
        "            loss.backward()\n"
        "            losses.append(loss.item())\n"
        "        optimizer.step()\n"
        "    return losses\n",
    ],
    "fit": [
        # a new loader every epoch: every epoch repeats the first epoch's order
        "def fit(model, X, y, epochs, lr, batch_size, seed):\n"
        "    optimizer = tg.optim.Adam(model.parameters(), lr=lr)\n"
        "    means = []\n"
        "    for _ in range(epochs):\n"
        "        data = tg.data.TensorDataset(X, y)\n"
        "        loader = tg.data.DataLoader(data, batch_size=batch_size, shuffle=True, seed=seed)\n"
        "        means.append(float(np.mean(train_epoch(model, loader, optimizer))))\n"
        "    return means\n",
        # a new optimizer every epoch: Adam's moments restart
        "def fit(model, X, y, epochs, lr, batch_size, seed):\n"
        "    data = tg.data.TensorDataset(X, y)\n"
        "    loader = tg.data.DataLoader(data, batch_size=batch_size, shuffle=True, seed=seed)\n"
        "    means = []\n"
        "    for _ in range(epochs):\n"
        "        optimizer = tg.optim.Adam(model.parameters(), lr=lr)\n"
        "        means.append(float(np.mean(train_epoch(model, loader, optimizer))))\n"
        "    return means\n",
        # returns the last batch loss of each epoch
        "def fit(model, X, y, epochs, lr, batch_size, seed):\n"
        "    data = tg.data.TensorDataset(X, y)\n"
        "    loader = tg.data.DataLoader(data, batch_size=batch_size, shuffle=True, seed=seed)\n"
        "    optimizer = tg.optim.Adam(model.parameters(), lr=lr)\n"
        "    return [train_epoch(model, loader, optimizer)[-1] for _ in range(epochs)]\n",
    ],
}
