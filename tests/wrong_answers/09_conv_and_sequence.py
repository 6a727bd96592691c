"""Plausible wrong answers for 09-conv-and-sequence; each must fail its exercise's tests."""

WRONG_ANSWERS = {
    "conv_output_size": [
        # forgets the dilation
        "def conv_output_size(n, k, padding=0, stride=1, dilation=1):\n"
        "    return (n + 2 * padding - k) // stride + 1\n",
        # pads only one side
        "def conv_output_size(n, k, padding=0, stride=1, dilation=1):\n"
        "    return (n + padding - dilation * (k - 1) - 1) // stride + 1\n",
        # true division rounded up
        "import math\n"
        "def conv_output_size(n, k, padding=0, stride=1, dilation=1):\n"
        "    return math.ceil((n + 2 * padding - dilation * (k - 1) - 1) / stride) + 1\n",
    ],
    "im2col": [
        # rows ordered (u, v, c) instead of (c, u, v)
        "def im2col(x, kh, kw, stride=1, padding=0):\n"
        "    n, c, h, w = x.shape\n"
        "    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))\n"
        "    oh, ow = (h + 2 * padding - kh) // stride + 1, (w + 2 * padding - kw) // stride + 1\n"
        "    cols = np.empty((n, kh, kw, c, oh, ow), dtype=x.dtype)\n"
        "    for u in range(kh):\n"
        "        for v in range(kw):\n"
        "            cols[:, u, v] = xp[:, :, u:u + stride * oh:stride, v:v + stride * ow:stride]\n"
        "    return cols.reshape(n, c * kh * kw, oh * ow)\n",
        # ignores the stride in the slices
        "def im2col(x, kh, kw, stride=1, padding=0):\n"
        "    n, c, h, w = x.shape\n"
        "    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))\n"
        "    oh, ow = (h + 2 * padding - kh) // stride + 1, (w + 2 * padding - kw) // stride + 1\n"
        "    cols = np.empty((n, c, kh, kw, oh, ow), dtype=x.dtype)\n"
        "    for u in range(kh):\n"
        "        for v in range(kw):\n"
        "            cols[:, :, u, v] = xp[:, :, u:u + oh, v:v + ow]\n"
        "    return cols.reshape(n, c * kh * kw, oh * ow)\n",
    ],
    "conv2d_im2col": [
        # flips the kernel (true convolution instead of cross-correlation)
        "def conv2d_im2col(x, w, b, stride=1, padding=0):\n"
        "    n, _, h, wd = x.shape\n"
        "    o, _, kh, kw = w.shape\n"
        "    oh, ow = (h + 2 * padding - kh) // stride + 1, (wd + 2 * padding - kw) // stride + 1\n"
        "    y = w[:, :, ::-1, ::-1].reshape(o, -1) @ im2col(x, kh, kw, stride, padding) + b[:, None]\n"
        "    return y.reshape(n, o, oh, ow).astype(np.float32)\n",
        # forgets the bias
        "def conv2d_im2col(x, w, b, stride=1, padding=0):\n"
        "    n, _, h, wd = x.shape\n"
        "    o, _, kh, kw = w.shape\n"
        "    oh, ow = (h + 2 * padding - kh) // stride + 1, (wd + 2 * padding - kw) // stride + 1\n"
        "    y = w.reshape(o, -1) @ im2col(x, kh, kw, stride, padding)\n"
        "    return y.reshape(n, o, oh, ow).astype(np.float32)\n",
        # reshapes (OH*OW, O) into (O, OH, OW) without transposing
        "def conv2d_im2col(x, w, b, stride=1, padding=0):\n"
        "    n, _, h, wd = x.shape\n"
        "    o, _, kh, kw = w.shape\n"
        "    oh, ow = (h + 2 * padding - kh) // stride + 1, (wd + 2 * padding - kw) // stride + 1\n"
        "    y = im2col(x, kh, kw, stride, padding).transpose(0, 2, 1) @ w.reshape(o, -1).T + b\n"
        "    return y.reshape(n, o, oh, ow).astype(np.float32)\n",
    ],
    "layouts": [
        # reshape instead of transpose
        "def nchw_to_nhwc(x):\n"
        "    n, c, h, w = x.shape\n"
        "    return x.reshape(n, h, w, c)\n"
        "def oihw_to_hwio(w):\n"
        "    o, i, kh, kw = w.shape\n"
        "    return w.reshape(kh, kw, i, o)\n",
        # weights with I and O swapped
        "def nchw_to_nhwc(x):\n"
        "    return np.transpose(x, (0, 2, 3, 1))\n"
        "def oihw_to_hwio(w):\n"
        "    return np.transpose(w, (2, 3, 0, 1))\n",
        # H and W swapped
        "def nchw_to_nhwc(x):\n"
        "    return np.transpose(x, (0, 3, 2, 1))\n"
        "def oihw_to_hwio(w):\n"
        "    return np.transpose(w, (3, 2, 1, 0))\n",
    ],
    "max_pool2d": [
        # stride ignored (always 1)
        "def max_pool2d(x, k, stride=None):\n"
        "    n, c, h, w = x.shape\n"
        "    oh, ow = h - k + 1, w - k + 1\n"
        "    out = np.full((n, c, oh, ow), -np.inf, dtype=x.dtype)\n"
        "    for u in range(k):\n"
        "        for v in range(k):\n"
        "            out = np.maximum(out, x[:, :, u:u + oh, v:v + ow])\n"
        "    return out\n",
        # starts from zero instead of -inf
        "def max_pool2d(x, k, stride=None):\n"
        "    s = k if stride is None else stride\n"
        "    n, c, h, w = x.shape\n"
        "    oh, ow = (h - k) // s + 1, (w - k) // s + 1\n"
        "    out = np.zeros((n, c, oh, ow), dtype=x.dtype)\n"
        "    for u in range(k):\n"
        "        for v in range(k):\n"
        "            out = np.maximum(out, x[:, :, u:u + s * oh:s, v:v + s * ow:s])\n"
        "    return out\n",
    ],
    "rnn_forward": [
        # weights not transposed (fails for non-square weights)
        "def rnn_forward(x, h0, W_xh, W_hh, b):\n"
        "    h, states = h0, []\n"
        "    for x_t in x:\n"
        "        h = np.tanh(x_t @ W_xh.T + h @ W_hh + b)\n"
        "        states.append(h)\n"
        "    return np.stack(states).astype(np.float32), h.astype(np.float32)\n",
        # includes h0 in the states and drops h_T
        "def rnn_forward(x, h0, W_xh, W_hh, b):\n"
        "    h, states = h0, []\n"
        "    for x_t in x:\n"
        "        states.append(h)\n"
        "        h = np.tanh(x_t @ W_xh.T + h @ W_hh.T + b)\n"
        "    return np.stack(states).astype(np.float32), h.astype(np.float32)\n",
        # tanh forgotten on the recurrence (applied to the input only)
        "def rnn_forward(x, h0, W_xh, W_hh, b):\n"
        "    h, states = h0, []\n"
        "    for x_t in x:\n"
        "        h = np.tanh(x_t @ W_xh.T + b) + h @ W_hh.T\n"
        "        states.append(h)\n"
        "    return np.stack(states).astype(np.float32), h.astype(np.float32)\n",
    ],
    "gru_to_keras": [
        # transposed and both biases kept, but the gate blocks left in PyTorch's order (r, z, n)
        "def gru_weights_torch_to_keras(weight_ih, weight_hh, bias_ih, bias_hh):\n"
        "    return [weight_ih.T.copy(), weight_hh.T.copy(), np.stack([bias_ih, bias_hh])]\n",
        # reordered and transposed, but the two biases merged as for an LSTM
        "def gru_weights_torch_to_keras(weight_ih, weight_hh, bias_ih, bias_hh):\n"
        "    H = weight_hh.shape[1]\n"
        "    order = lambda a: np.concatenate([a[H:2 * H], a[:H], a[2 * H:]], axis=0)\n"
        "    merged = order(bias_ih + bias_hh)\n"
        "    return [order(weight_ih).T.copy(), order(weight_hh).T.copy(),\n"
        "            np.stack([merged, np.zeros_like(merged)])]\n",
        # reordered, but reshaped instead of transposed
        "def gru_weights_torch_to_keras(weight_ih, weight_hh, bias_ih, bias_hh):\n"
        "    H, D = weight_hh.shape[1], weight_ih.shape[1]\n"
        "    order = lambda a: np.concatenate([a[H:2 * H], a[:H], a[2 * H:]], axis=0)\n"
        "    return [order(weight_ih).reshape(D, 3 * H), order(weight_hh).reshape(H, 3 * H),\n"
        "            np.stack([order(bias_ih), order(bias_hh)])]\n",
        # the bias rows swapped (recurrent first)
        "def gru_weights_torch_to_keras(weight_ih, weight_hh, bias_ih, bias_hh):\n"
        "    H = weight_hh.shape[1]\n"
        "    order = lambda a: np.concatenate([a[H:2 * H], a[:H], a[2 * H:]], axis=0)\n"
        "    return [order(weight_ih).T.copy(), order(weight_hh).T.copy(),\n"
        "            np.stack([order(bias_hh), order(bias_ih)])]\n",
    ],
}
