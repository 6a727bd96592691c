"""Plausible wrong answers for 01-tensors; each must fail its exercise's test cell."""

WRONG_ANSWERS = {
    "broadcast_shape": [
        # aligns the shapes on the left instead of the right
        "def broadcast_shape(shape_a, shape_b):\n"
        "    k = max(len(shape_a), len(shape_b))\n"
        "    a = tuple(shape_a) + (1,) * (k - len(shape_a))\n"
        "    b = tuple(shape_b) + (1,) * (k - len(shape_b))\n"
        "    out = []\n"
        "    for x, y in zip(a, b):\n"
        "        if x != y and 1 not in (x, y):\n"
        "            raise ValueError('incompatible')\n"
        "        out.append(max(x, y))\n"
        "    return tuple(out)\n",
        # takes the larger size without checking compatibility
        "def broadcast_shape(shape_a, shape_b):\n"
        "    k = max(len(shape_a), len(shape_b))\n"
        "    a = (1,) * (k - len(shape_a)) + tuple(shape_a)\n"
        "    b = (1,) * (k - len(shape_b)) + tuple(shape_b)\n"
        "    return tuple(max(x, y) for x, y in zip(a, b))\n",
        # correct check, but max() turns a size 0 against a size 1 into 1
        "def broadcast_shape(shape_a, shape_b):\n"
        "    k = max(len(shape_a), len(shape_b))\n"
        "    a = (1,) * (k - len(shape_a)) + tuple(shape_a)\n"
        "    b = (1,) * (k - len(shape_b)) + tuple(shape_b)\n"
        "    out = []\n"
        "    for x, y in zip(a, b):\n"
        "        if x != y and 1 not in (x, y):\n"
        "            raise ValueError('incompatible')\n"
        "        out.append(max(x, y))\n"
        "    return tuple(out)\n",
        # zip without padding drops the extra leading dimensions
        "def broadcast_shape(shape_a, shape_b):\n"
        "    out = []\n"
        "    for x, y in zip(reversed(shape_a), reversed(shape_b)):\n"
        "        if x == y or y == 1:\n"
        "            out.append(x)\n"
        "        elif x == 1:\n"
        "            out.append(y)\n"
        "        else:\n"
        "            raise ValueError('incompatible')\n"
        "    return tuple(reversed(out))\n",
        # returns None instead of raising
        "def broadcast_shape(shape_a, shape_b):\n"
        "    try:\n"
        "        return tuple(np.broadcast_shapes(shape_a, shape_b))\n"
        "    except ValueError:\n"
        "        return None\n",
        # right values, breaks the rule: asks NumPy
        "def broadcast_shape(shape_a, shape_b):\n"
        "    return tuple(np.broadcast_shapes(shape_a, shape_b))\n",
        # right values, breaks the rule: builds two empty arrays and adds them
        "def broadcast_shape(shape_a, shape_b):\n"
        "    try:\n"
        "        return (np.empty(shape_a) + np.empty(shape_b)).shape\n"
        "    except ValueError:\n"
        "        raise ValueError(f'shapes {shape_a} and {shape_b} cannot be broadcast') from None\n",
        # right values, breaks the rule: PyTorch's version, through an alias
        "import torch as pt\n\n\n"
        "def broadcast_shape(shape_a, shape_b):\n"
        "    try:\n"
        "        return tuple(pt.broadcast_shapes(shape_a, shape_b))\n"
        "    except RuntimeError as error:\n"
        "        raise ValueError(str(error)) from None\n",
    ],
    "pairwise_np": [
        # squared distances (forgot the square root)
        "def pairwise_np(X, Y):\n    return ((X[:, None, :] - Y[None, :, :]) ** 2).sum(axis=-1)\n",
        # Manhattan distance
        "def pairwise_np(X, Y):\n    return np.abs(X[:, None, :] - Y[None, :, :]).sum(axis=-1)\n",
        # float64 result (np.linalg.norm on a float64 copy)
        "def pairwise_np(X, Y):\n"
        "    return np.linalg.norm(X[:, None, :].astype(np.float64) - Y[None, :, :], axis=-1)\n",
        # transposed result
        "def pairwise_np(X, Y):\n    return np.sqrt(((Y[:, None, :] - X[None, :, :]) ** 2).sum(axis=-1))\n",
        # right values, breaks "no Python loops"
        "def pairwise_np(X, Y):\n"
        "    return np.array([[np.sqrt(((x - y) ** 2).sum()) for y in Y] for x in X], dtype=np.float32)\n",
        # right values, breaks "its own framework": borrows torch.cdist
        "def pairwise_np(X, Y):\n"
        "    return torch.cdist(torch.from_numpy(X), torch.from_numpy(Y),\n"
        "                       compute_mode='donot_use_mm_for_euclid_dist').numpy()\n",
    ],
    "pairwise_torch": [
        "def pairwise_torch(X, Y):\n    return ((X[:, None, :] - Y[None, :, :]) ** 2).sum(dim=-1)\n",
        # sums over the wrong axis: shape (n, d)
        "def pairwise_torch(X, Y):\n    return ((X[:, None, :] - Y[None, :, :]) ** 2).sum(dim=1).sqrt()\n",
        # the matrix-product expansion without clamping, in float64
        "def pairwise_torch(X, Y):\n"
        "    X, Y = X.double(), Y.double()\n"
        "    return ((X ** 2).sum(1)[:, None] + (Y ** 2).sum(1)[None] - 2 * X @ Y.T).sqrt()\n",
        # right values, breaks "no ready-made distance function"
        "def pairwise_torch(X, Y):\n"
        "    return torch.cdist(X, Y, compute_mode='donot_use_mm_for_euclid_dist')\n",
        # right values, breaks "no Python loops"
        "def pairwise_torch(X, Y):\n"
        "    return torch.stack([((X - y) ** 2).sum(dim=1).sqrt() for y in Y], dim=1)\n",
    ],
    "pairwise_tf": [
        "def pairwise_tf(X, Y):\n"
        "    return tf.reduce_sum((X[:, tf.newaxis, :] - Y[tf.newaxis, :, :]) ** 2, axis=-1)\n",
        # mean instead of sum of squares
        "def pairwise_tf(X, Y):\n"
        "    return tf.sqrt(tf.reduce_mean((X[:, tf.newaxis, :] - Y[tf.newaxis, :, :]) ** 2, axis=-1))\n",
        # elementwise difference without the new axes: wrong shape / error
        "def pairwise_tf(X, Y):\n    return tf.sqrt(tf.reduce_sum((X - Y) ** 2, axis=-1))\n",
        # right values, breaks "no Python loops"
        "def pairwise_tf(X, Y):\n"
        "    columns = [tf.sqrt(tf.reduce_sum((X - y) ** 2, axis=1)) for y in tf.unstack(Y)]\n"
        "    return tf.stack(columns, axis=1)\n",
        # right values, breaks "its own framework": computes in NumPy
        "def pairwise_tf(X, Y):\n"
        "    diff = X.numpy()[:, None, :] - Y.numpy()[None, :, :]\n"
        "    return tf.constant(np.sqrt((diff ** 2).sum(axis=-1)))\n",
    ],
    "one_hot": [
        # float64 (np.eye)
        "def one_hot(labels, num_classes):\n    return np.eye(num_classes)[labels]\n",
        # infers the number of classes from the data
        "def one_hot(labels, num_classes):\n    return np.eye(labels.max() + 1, dtype=np.float32)[labels]\n",
        # transposed
        "def one_hot(labels, num_classes):\n    return np.eye(num_classes, dtype=np.float32)[labels].T\n",
        # integer dtype
        "def one_hot(labels, num_classes):\n"
        "    return (labels[:, None] == np.arange(num_classes)[None, :]).astype(np.int64)\n",
        # right values, breaks "no Python loops"
        "def one_hot(labels, num_classes):\n"
        "    out = np.zeros((len(labels), num_classes), dtype=np.float32)\n"
        "    for i, label in enumerate(labels):\n"
        "        out[i, label] = 1.0\n"
        "    return out\n",
        # right values, breaks "NumPy only": F.one_hot through PyTorch
        "def one_hot(labels, num_classes):\n"
        "    return torch.nn.functional.one_hot(torch.from_numpy(labels), num_classes).float().numpy()\n",
    ],
    "pick_scores": [
        # every row with every label: (n, n)
        "def pick_scores(scores, labels):\n    return scores[:, labels]\n",
        # gathers along the wrong dimension
        "def pick_scores(scores, labels):\n    return scores.gather(0, labels[None, :])[0]\n",
        # the row maximum instead of the labelled score
        "def pick_scores(scores, labels):\n    return scores.amax(dim=1)\n",
        # right values, breaks "no Python loops"
        "def pick_scores(scores, labels):\n"
        "    return torch.stack([scores[i, labels[i]] for i in range(len(labels))])\n",
    ],
    "row_normalize": [
        # no keepdims: the (n,) sums broadcast along the columns
        "def row_normalize(x):\n    return x / tf.reduce_sum(x, axis=1)\n",
        # column sums
        "def row_normalize(x):\n    return x / tf.reduce_sum(x, axis=0, keepdims=True)\n",
        # divides by the row maximum
        "def row_normalize(x):\n    return x / tf.reduce_max(x, axis=1, keepdims=True)\n",
        # right values, breaks "no Python loops"
        "def row_normalize(x):\n    return tf.stack([row / tf.reduce_sum(row) for row in tf.unstack(x)])\n",
        # right values, breaks "no ready-made normaliser"
        "def row_normalize(x):\n    return tf.linalg.normalize(x, ord=1, axis=1)[0]\n",
    ],
    "index_result": [
        # believes every index gives a view (forgets that integer arrays copy)
        "def index_result(shape, index):\n"
        "    result = []\n"
        "    for size, item in zip(shape, index):\n"
        "        if isinstance(item, slice):\n"
        "            result.append(len(range(*item.indices(size))))\n"
        "        elif isinstance(item, list):\n"
        "            result.append(len(item))\n"
        "    return tuple(result) + tuple(shape[len(index):]), True\n",
        # right about lists, but forgets that a single element is a NumPy scalar (a copy)
        "def index_result(shape, index):\n"
        "    result, copied = [], False\n"
        "    for size, item in zip(shape, index):\n"
        "        if isinstance(item, slice):\n"
        "            result.append(len(range(*item.indices(size))))\n"
        "        elif isinstance(item, list):\n"
        "            result.append(len(item))\n"
        "            copied = True\n"
        "    return tuple(result) + tuple(shape[len(index):]), not copied\n",
        # slice length as stop - start: ignores the step and negative bounds
        "def index_result(shape, index):\n"
        "    result, copied = [], False\n"
        "    for size, item in zip(shape, index):\n"
        "        if isinstance(item, slice):\n"
        "            start = item.start or 0\n"
        "            stop = size if item.stop is None else item.stop\n"
        "            result.append(stop - start)\n"
        "        elif isinstance(item, list):\n"
        "            result.append(len(item))\n"
        "            copied = True\n"
        "    if len(index) == len(shape) and all(isinstance(item, int) for item in index):\n"
        "        copied = True\n"
        "    return tuple(result) + tuple(shape[len(index):]), not copied\n",
        # treats a list like an int: drops the axis
        "def index_result(shape, index):\n"
        "    result, copied = [], False\n"
        "    for size, item in zip(shape, index):\n"
        "        if isinstance(item, slice):\n"
        "            result.append(len(range(*item.indices(size))))\n"
        "        elif isinstance(item, list):\n"
        "            copied = True\n"
        "    if len(index) == len(shape) and all(isinstance(item, int) for item in index):\n"
        "        copied = True\n"
        "    return tuple(result) + tuple(shape[len(index):]), not copied\n",
        # right values, breaks the rule: asks NumPy instead of predicting
        "def index_result(shape, index):\n"
        "    x = np.zeros(shape)\n"
        "    picked = x[index]\n"
        "    return tuple(np.shape(picked)), bool(np.shares_memory(x, picked))\n",
    ],
}
