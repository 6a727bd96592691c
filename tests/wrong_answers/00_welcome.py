"""Plausible wrong answers for 00-welcome; each must fail its exercise's test cell."""

WRONG_ANSWERS = {
    "standardize": [
        # torch-style sample standard deviation (divides by n - 1)
        "def standardize(x):\n    return (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)\n",
        # standardises rows instead of columns
        "def standardize(x):\n"
        "    mu = x.mean(axis=1, keepdims=True)\n"
        "    sigma = x.std(axis=1, keepdims=True)\n"
        "    return (x - mu) / np.where(sigma == 0, 1.0, sigma)\n",
        # one mean and one std for the whole array
        "def standardize(x):\n    return (x - x.mean()) / x.std()\n",
        # forgets constant columns (nan)
        "def standardize(x):\n    return (x - x.mean(axis=0)) / x.std(axis=0)\n",
        # adds an epsilon everywhere instead of guarding sigma == 0
        "def standardize(x):\n    return (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-3)\n",
        # right values, breaks "no Python loops": one column at a time
        "def standardize(x):\n"
        "    out = np.zeros_like(x)\n"
        "    for j in range(x.shape[1]):\n"
        "        sigma = x[:, j].std()\n"
        "        out[:, j] = (x[:, j] - x[:, j].mean()) / (sigma if sigma > 0 else 1.0)\n"
        "    return out\n",
        # right values, breaks "do not change x": standardises x in place and returns it
        "def standardize(x):\n"
        "    sigma = x.std(axis=0)\n"
        "    x -= x.mean(axis=0)\n"
        "    x /= np.where(sigma == 0, 1.0, sigma)\n"
        "    return x\n",
    ],
    "default_dtypes": [
        # assumes every framework behaves like NumPy
        'default_float_dtypes = {"numpy": "float64", "pytorch": "float64", "tensorflow": "float64"}\n'
        'default_int_dtypes = {"numpy": "int64", "pytorch": "int64", "tensorflow": "int64"}\n',
        # right floats, TensorFlow's int32 default missed
        'default_float_dtypes = {"numpy": "float64", "pytorch": "float32", "tensorflow": "float32"}\n'
        'default_int_dtypes = {"numpy": "int64", "pytorch": "int64", "tensorflow": "int64"}\n',
        # framework-qualified names instead of plain dtype names
        'default_float_dtypes = {"numpy": "np.float64", "pytorch": "torch.float32",'
        ' "tensorflow": "tf.float32"}\n'
        'default_int_dtypes = {"numpy": "np.int64", "pytorch": "torch.int64", "tensorflow": "tf.int32"}\n',
    ],
}
