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
    ],
    "pairwise_torch": [
        "def pairwise_torch(X, Y):\n    return ((X[:, None, :] - Y[None, :, :]) ** 2).sum(dim=-1)\n",
        # sums over the wrong axis: shape (n, d)
        "def pairwise_torch(X, Y):\n    return ((X[:, None, :] - Y[None, :, :]) ** 2).sum(dim=1).sqrt()\n",
        # the matrix-product expansion without clamping, in float64
        "def pairwise_torch(X, Y):\n"
        "    X, Y = X.double(), Y.double()\n"
        "    return ((X ** 2).sum(1)[:, None] + (Y ** 2).sum(1)[None] - 2 * X @ Y.T).sqrt()\n",
    ],
    "pairwise_tf": [
        "def pairwise_tf(X, Y):\n"
        "    return tf.reduce_sum((X[:, tf.newaxis, :] - Y[tf.newaxis, :, :]) ** 2, axis=-1)\n",
        # mean instead of sum of squares
        "def pairwise_tf(X, Y):\n"
        "    return tf.sqrt(tf.reduce_mean((X[:, tf.newaxis, :] - Y[tf.newaxis, :, :]) ** 2, axis=-1))\n",
        # elementwise difference without the new axes: wrong shape / error
        "def pairwise_tf(X, Y):\n    return tf.sqrt(tf.reduce_sum((X - Y) ** 2, axis=-1))\n",
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
    ],
    "pick_scores": [
        # every row with every label: (n, n)
        "def pick_scores(scores, labels):\n    return scores[:, labels]\n",
        # gathers along the wrong dimension
        "def pick_scores(scores, labels):\n    return scores.gather(0, labels[None, :])[0]\n",
        # the row maximum instead of the labelled score
        "def pick_scores(scores, labels):\n    return scores.amax(dim=1)\n",
    ],
    "row_normalize": [
        # no keepdims: the (n,) sums broadcast along the columns
        "def row_normalize(x):\n    return x / tf.reduce_sum(x, axis=1)\n",
        # column sums
        "def row_normalize(x):\n    return x / tf.reduce_sum(x, axis=0, keepdims=True)\n",
        # divides by the row maximum
        "def row_normalize(x):\n    return x / tf.reduce_max(x, axis=1, keepdims=True)\n",
    ],
    "view_predictions": [
        # thinks every slice is a copy
        "answer_numpy = [0, 1, 2, 3, 4, 5]\n"
        "answer_torch = [0.0, 0.0, 0.0, 0.0]\n"
        'answer_tf = {"w": [1.0, 2.0, 3.0], "c": [1.0, 2.0, 3.0]}\n',
        # thinks every index is a view
        "answer_numpy = [-1, 100, 2, 30, 40, 0]\n"
        "answer_torch = [1.0, 2.0, 3.0, 3.0]\n"
        'answer_tf = {"w": [10.0, 3.0, 4.0], "c": [10.0, 3.0, 4.0]}\n',
        # NumPy right, but believes torch.tensor(n) and clone() share memory
        "answer_numpy = [0, 100, 2, 30, 40, 50]\n"
        "answer_torch = [0.0, 0.0, 0.0, 0.0]\n"
        'answer_tf = {"w": [10.0, 3.0, 4.0], "c": [1.0, 2.0, 3.0]}\n',
        # NumPy and torch right, but w = v copied the Variable
        "answer_numpy = [0, 100, 2, 30, 40, 50]\n"
        "answer_torch = [1.0, 0.0, 3.0, 3.0]\n"
        'answer_tf = {"w": [1.0, 2.0, 3.0], "c": [1.0, 2.0, 3.0]}\n',
    ],
}
