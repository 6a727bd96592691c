"""Plausible wrong answers for 09-conv-and-sequence; each must fail its exercise's tests.

A variant marked "rule" computes the right values but breaks a rule the exercise states (check_rules)."""

# ruff: noqa: E501  (each answer is a cell a student could write, line lengths included)

WRONG_ANSWERS = {
    "describe_cnn": [
        # forgets the biases
        'def describe_cnn(input_shape, layers):\n'
        '    shape, rows = tuple(input_shape), []\n'
        '    for kind, *args in layers:\n'
        '        params = 0\n'
        '        if kind == "conv":\n'
        '            out_channels, k, stride, padding = args\n'
        '            c, h, w = shape\n'
        '            params = out_channels * c * k * k\n'
        '            shape = (out_channels, (h + 2 * padding - k) // stride + 1, (w + 2 * padding - k) // stride + 1)\n'
        '        elif kind == "maxpool":\n'
        '            k, stride = args\n'
        '            c, h, w = shape\n'
        '            shape = (c, (h - k) // stride + 1, (w - k) // stride + 1)\n'
        '        elif kind == "flatten":\n'
        '            shape = (shape[0] * shape[1] * shape[2],)\n'
        '        elif kind == "linear":\n'
        '            (out_features,) = args\n'
        '            params = out_features * shape[0]\n'
        '            shape = (out_features,)\n'
        '        rows.append((shape, params))\n'
        '    return rows\n',
        # pads only one side
        'def describe_cnn(input_shape, layers):\n'
        '    shape, rows = tuple(input_shape), []\n'
        '    for kind, *args in layers:\n'
        '        params = 0\n'
        '        if kind == "conv":\n'
        '            out_channels, k, stride, padding = args\n'
        '            c, h, w = shape\n'
        '            params = out_channels * c * k * k + out_channels\n'
        '            shape = (out_channels, (h + padding - k) // stride + 1, (w + padding - k) // stride + 1)\n'
        '        elif kind == "maxpool":\n'
        '            k, stride = args\n'
        '            c, h, w = shape\n'
        '            shape = (c, (h - k) // stride + 1, (w - k) // stride + 1)\n'
        '        elif kind == "flatten":\n'
        '            shape = (shape[0] * shape[1] * shape[2],)\n'
        '        elif kind == "linear":\n'
        '            (out_features,) = args\n'
        '            params = out_features * shape[0] + out_features\n'
        '            shape = (out_features,)\n'
        '        rows.append((shape, params))\n'
        '    return rows\n',
        # counts the weights of one input channel only
        'def describe_cnn(input_shape, layers):\n'
        '    shape, rows = tuple(input_shape), []\n'
        '    for kind, *args in layers:\n'
        '        params = 0\n'
        '        if kind == "conv":\n'
        '            out_channels, k, stride, padding = args\n'
        '            c, h, w = shape\n'
        '            params = out_channels * k * k + out_channels\n'
        '            shape = (out_channels, (h + 2 * padding - k) // stride + 1, (w + 2 * padding - k) // stride + 1)\n'
        '        elif kind == "maxpool":\n'
        '            k, stride = args\n'
        '            c, h, w = shape\n'
        '            shape = (c, (h - k) // stride + 1, (w - k) // stride + 1)\n'
        '        elif kind == "flatten":\n'
        '            shape = (shape[0] * shape[1] * shape[2],)\n'
        '        elif kind == "linear":\n'
        '            (out_features,) = args\n'
        '            params = out_features * shape[0] + out_features\n'
        '            shape = (out_features,)\n'
        '        rows.append((shape, params))\n'
        '    return rows\n',
        # rounds the output size up
        'def describe_cnn(input_shape, layers):\n'
        '    shape, rows = tuple(input_shape), []\n'
        '    for kind, *args in layers:\n'
        '        params = 0\n'
        '        if kind == "conv":\n'
        '            out_channels, k, stride, padding = args\n'
        '            c, h, w = shape\n'
        '            params = out_channels * c * k * k + out_channels\n'
        '            shape = (out_channels, -(-(h + 2 * padding - k) // stride) + 1, -(-(w + 2 * padding - k) // stride) + 1)\n'
        '        elif kind == "maxpool":\n'
        '            k, stride = args\n'
        '            c, h, w = shape\n'
        '            shape = (c, (h - k) // stride + 1, (w - k) // stride + 1)\n'
        '        elif kind == "flatten":\n'
        '            shape = (shape[0] * shape[1] * shape[2],)\n'
        '        elif kind == "linear":\n'
        '            (out_features,) = args\n'
        '            params = out_features * shape[0] + out_features\n'
        '            shape = (out_features,)\n'
        '        rows.append((shape, params))\n'
        '    return rows\n',
        # rule: runs the real PyTorch layers instead of predicting
        'def describe_cnn(input_shape, layers):\n'
        '    x, rows = torch.zeros(1, *input_shape), []\n'
        '    for kind, *args in layers:\n'
        '        if kind == "conv":\n'
        '            layer = torch.nn.Conv2d(x.shape[1], args[0], args[1], stride=args[2], padding=args[3])\n'
        '        elif kind == "maxpool":\n'
        '            layer = torch.nn.MaxPool2d(args[0], stride=args[1])\n'
        '        elif kind == "relu":\n'
        '            layer = torch.nn.ReLU()\n'
        '        elif kind == "flatten":\n'
        '            layer = torch.nn.Flatten()\n'
        '        else:\n'
        '            layer = torch.nn.Linear(x.shape[1], args[0])\n'
        '        x = layer(x)\n'
        '        rows.append((tuple(x.shape[1:]), sum(p.numel() for p in layer.parameters())))\n'
        '    return rows\n',
    ],
    "im2col": [
        # rows ordered (u, v, c) instead of (c, u, v)
        'def im2col(x, kh, kw, stride=1, padding=0):\n'
        '    n, c, h, w = x.shape\n'
        '    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))\n'
        '    oh = (h + 2 * padding - kh) // stride + 1\n'
        '    ow = (w + 2 * padding - kw) // stride + 1\n'
        '    cols = np.empty((n, kh, kw, c, oh, ow), dtype=x.dtype)\n'
        '    for u in range(kh):\n'
        '        for v in range(kw):\n'
        '            cols[:, u, v] = xp[:, :, u:u + stride * oh:stride, v:v + stride * ow:stride]\n'
        '    return cols.reshape(n, c * kh * kw, oh * ow)\n',
        # ignores the stride in the slices
        'def im2col(x, kh, kw, stride=1, padding=0):\n'
        '    n, c, h, w = x.shape\n'
        '    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))\n'
        '    oh = (h + 2 * padding - kh) // stride + 1\n'
        '    ow = (w + 2 * padding - kw) // stride + 1\n'
        '    cols = np.empty((n, c, kh, kw, oh, ow), dtype=x.dtype)\n'
        '    for u in range(kh):\n'
        '        for v in range(kw):\n'
        '            cols[:, :, u, v] = xp[:, :, u:u + oh, v:v + ow]\n'
        '    return cols.reshape(n, c * kh * kw, oh * ow)\n',
        # always float32 (the hidden float64 case loses precision)
        'def im2col(x, kh, kw, stride=1, padding=0):\n'
        '    n, c, h, w = x.shape\n'
        '    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))\n'
        '    oh = (h + 2 * padding - kh) // stride + 1\n'
        '    ow = (w + 2 * padding - kw) // stride + 1\n'
        '    cols = np.empty((n, c, kh, kw, oh, ow), dtype=np.float32)\n'
        '    for u in range(kh):\n'
        '        for v in range(kw):\n'
        '            cols[:, :, u, v] = xp[:, :, u:u + stride * oh:stride, v:v + stride * ow:stride]\n'
        '    return cols.reshape(n, c * kh * kw, oh * ow)\n',
        # rule: calls torch's unfold
        'def im2col(x, kh, kw, stride=1, padding=0):\n'
        '    return torch.nn.functional.unfold(torch.from_numpy(x), (kh, kw), stride=stride, padding=padding).numpy()\n',
        # rule: the same through an alias and getattr
        'import torch.nn.functional as tnf\n'
        'def im2col(x, kh, kw, stride=1, padding=0):\n'
        '    return getattr(tnf, "unfold")(torch.from_numpy(x), (kh, kw), stride=stride, padding=padding).numpy()\n',
    ],
    "col2im": [
        # assigns instead of adding: overlapping windows overwrite each other
        'def col2im(cols, x_shape, kh, kw, stride=1, padding=0):\n'
        '    n, c, h, w = x_shape\n'
        '    oh = (h + 2 * padding - kh) // stride + 1\n'
        '    ow = (w + 2 * padding - kw) // stride + 1\n'
        '    cols = cols.reshape(n, c, kh, kw, oh, ow)\n'
        '    x_padded = np.zeros((n, c, h + 2 * padding, w + 2 * padding), dtype=cols.dtype)\n'
        '    for u in range(kh):\n'
        '        for v in range(kw):\n'
        '            x_padded[:, :, u:u + stride * oh:stride, v:v + stride * ow:stride] = cols[:, :, u, v]\n'
        '    return x_padded[:, :, padding:padding + h, padding:padding + w]\n',
        # crops the padding from the wrong side
        'def col2im(cols, x_shape, kh, kw, stride=1, padding=0):\n'
        '    n, c, h, w = x_shape\n'
        '    oh = (h + 2 * padding - kh) // stride + 1\n'
        '    ow = (w + 2 * padding - kw) // stride + 1\n'
        '    cols = cols.reshape(n, c, kh, kw, oh, ow)\n'
        '    x_padded = np.zeros((n, c, h + 2 * padding, w + 2 * padding), dtype=cols.dtype)\n'
        '    for u in range(kh):\n'
        '        for v in range(kw):\n'
        '            x_padded[:, :, u:u + stride * oh:stride, v:v + stride * ow:stride] += cols[:, :, u, v]\n'
        '    return x_padded[:, :, :h, :w]\n',
        # rule: calls torch's fold
        'def col2im(cols, x_shape, kh, kw, stride=1, padding=0):\n'
        '    return torch.nn.functional.fold(torch.from_numpy(cols), x_shape[2:], (kh, kw), stride=stride,\n'
        '                                    padding=padding).numpy()\n',
    ],
    "conv2d": [
        # the bias gradient of the first image only
        'class Conv2d(tg.Function):\n'
        '    @staticmethod\n'
        '    def forward(ctx, x, w, b, stride=1, padding=0):\n'
        '        n, _, h, wd = x.shape\n'
        '        o, _, kh, kw = w.shape\n'
        '        oh = (h + 2 * padding - kh) // stride + 1\n'
        '        ow = (wd + 2 * padding - kw) // stride + 1\n'
        '        cols = im2col(x, kh, kw, stride, padding)\n'
        '        w_mat = w.reshape(o, -1)\n'
        '        ctx.save_for_backward(cols, w_mat)\n'
        '        ctx.shapes = (x.shape, w.shape, stride, padding)\n'
        '        return (w_mat @ cols + b[:, None]).reshape(n, o, oh, ow)\n'
        '\n'
        '    @staticmethod\n'
        '    def backward(ctx, grad):\n'
        '        cols, w_mat = ctx.saved_tensors\n'
        '        x_shape, w_shape, stride, padding = ctx.shapes\n'
        '        grad_y = grad.reshape(grad.shape[0], grad.shape[1], -1)\n'
        '        grad_b = grad_y.sum(axis=2)[0]\n'
        '        grad_w = np.einsum("nop,nkp->ok", grad_y, cols).reshape(w_shape)\n'
        '        grad_x = col2im(w_mat.T @ grad_y, x_shape, w_shape[2], w_shape[3], stride, padding)\n'
        '        return grad_x, grad_w, grad_b\n',
        # averages the weight gradient over the batch
        'class Conv2d(tg.Function):\n'
        '    @staticmethod\n'
        '    def forward(ctx, x, w, b, stride=1, padding=0):\n'
        '        n, _, h, wd = x.shape\n'
        '        o, _, kh, kw = w.shape\n'
        '        oh = (h + 2 * padding - kh) // stride + 1\n'
        '        ow = (wd + 2 * padding - kw) // stride + 1\n'
        '        cols = im2col(x, kh, kw, stride, padding)\n'
        '        w_mat = w.reshape(o, -1)\n'
        '        ctx.save_for_backward(cols, w_mat)\n'
        '        ctx.shapes = (x.shape, w.shape, stride, padding)\n'
        '        return (w_mat @ cols + b[:, None]).reshape(n, o, oh, ow)\n'
        '\n'
        '    @staticmethod\n'
        '    def backward(ctx, grad):\n'
        '        cols, w_mat = ctx.saved_tensors\n'
        '        x_shape, w_shape, stride, padding = ctx.shapes\n'
        '        grad_y = grad.reshape(grad.shape[0], grad.shape[1], -1)\n'
        '        grad_b = grad_y.sum(axis=(0, 2))\n'
        '        grad_w = np.einsum("nop,nkp->ok", grad_y, cols).reshape(w_shape) / grad.shape[0]\n'
        '        grad_x = col2im(w_mat.T @ grad_y, x_shape, w_shape[2], w_shape[3], stride, padding)\n'
        '        return grad_x, grad_w, grad_b\n',
        # col2im without the stride
        'class Conv2d(tg.Function):\n'
        '    @staticmethod\n'
        '    def forward(ctx, x, w, b, stride=1, padding=0):\n'
        '        n, _, h, wd = x.shape\n'
        '        o, _, kh, kw = w.shape\n'
        '        oh = (h + 2 * padding - kh) // stride + 1\n'
        '        ow = (wd + 2 * padding - kw) // stride + 1\n'
        '        cols = im2col(x, kh, kw, stride, padding)\n'
        '        w_mat = w.reshape(o, -1)\n'
        '        ctx.save_for_backward(cols, w_mat)\n'
        '        ctx.shapes = (x.shape, w.shape, stride, padding)\n'
        '        return (w_mat @ cols + b[:, None]).reshape(n, o, oh, ow)\n'
        '\n'
        '    @staticmethod\n'
        '    def backward(ctx, grad):\n'
        '        cols, w_mat = ctx.saved_tensors\n'
        '        x_shape, w_shape, stride, padding = ctx.shapes\n'
        '        grad_y = grad.reshape(grad.shape[0], grad.shape[1], -1)\n'
        '        grad_b = grad_y.sum(axis=(0, 2))\n'
        '        grad_w = np.einsum("nop,nkp->ok", grad_y, cols).reshape(w_shape)\n'
        '        grad_x = col2im(w_mat.T @ grad_y, x_shape, w_shape[2], w_shape[3], 1, padding)\n'
        '        return grad_x, grad_w, grad_b\n',
        # flips the kernel (a true convolution)
        'class Conv2d(tg.Function):\n'
        '    @staticmethod\n'
        '    def forward(ctx, x, w, b, stride=1, padding=0):\n'
        '        n, _, h, wd = x.shape\n'
        '        o, _, kh, kw = w.shape\n'
        '        oh = (h + 2 * padding - kh) // stride + 1\n'
        '        ow = (wd + 2 * padding - kw) // stride + 1\n'
        '        cols = im2col(x, kh, kw, stride, padding)\n'
        '        w_mat = w[:, :, ::-1, ::-1].reshape(o, -1)\n'
        '        ctx.save_for_backward(cols, w_mat)\n'
        '        ctx.shapes = (x.shape, w.shape, stride, padding)\n'
        '        return (w_mat @ cols + b[:, None]).reshape(n, o, oh, ow)\n'
        '\n'
        '    @staticmethod\n'
        '    def backward(ctx, grad):\n'
        '        cols, w_mat = ctx.saved_tensors\n'
        '        x_shape, w_shape, stride, padding = ctx.shapes\n'
        '        grad_y = grad.reshape(grad.shape[0], grad.shape[1], -1)\n'
        '        grad_b = grad_y.sum(axis=(0, 2))\n'
        '        grad_w = np.einsum("nop,nkp->ok", grad_y, cols).reshape(w_shape)\n'
        '        grad_x = col2im(w_mat.T @ grad_y, x_shape, w_shape[2], w_shape[3], stride, padding)\n'
        '        return grad_x, grad_w, grad_b\n',
        # casts to float32: gradcheck and the float64 tolerances fail
        'class Conv2d(tg.Function):\n'
        '    @staticmethod\n'
        '    def forward(ctx, x, w, b, stride=1, padding=0):\n'
        '        n, _, h, wd = x.shape\n'
        '        o, _, kh, kw = w.shape\n'
        '        oh = (h + 2 * padding - kh) // stride + 1\n'
        '        ow = (wd + 2 * padding - kw) // stride + 1\n'
        '        cols = im2col(x, kh, kw, stride, padding)\n'
        '        w_mat = w.reshape(o, -1)\n'
        '        ctx.save_for_backward(cols, w_mat)\n'
        '        ctx.shapes = (x.shape, w.shape, stride, padding)\n'
        '        return (w_mat @ cols + b[:, None]).reshape(n, o, oh, ow).astype(np.float32)\n'
        '\n'
        '    @staticmethod\n'
        '    def backward(ctx, grad):\n'
        '        cols, w_mat = ctx.saved_tensors\n'
        '        x_shape, w_shape, stride, padding = ctx.shapes\n'
        '        grad_y = grad.reshape(grad.shape[0], grad.shape[1], -1)\n'
        '        grad_b = grad_y.sum(axis=(0, 2))\n'
        '        grad_w = np.einsum("nop,nkp->ok", grad_y, cols).reshape(w_shape)\n'
        '        grad_x = col2im(w_mat.T @ grad_y, x_shape, w_shape[2], w_shape[3], stride, padding)\n'
        '        return grad_x, grad_w, grad_b\n',
        # rule: the input gradient from torch.nn.grad
        'class Conv2d(tg.Function):\n'
        '    @staticmethod\n'
        '    def forward(ctx, x, w, b, stride=1, padding=0):\n'
        '        n, _, h, wd = x.shape\n'
        '        o, _, kh, kw = w.shape\n'
        '        oh = (h + 2 * padding - kh) // stride + 1\n'
        '        ow = (wd + 2 * padding - kw) // stride + 1\n'
        '        cols = im2col(x, kh, kw, stride, padding)\n'
        '        w_mat = w.reshape(o, -1)\n'
        '        ctx.save_for_backward(cols, w_mat)\n'
        '        ctx.shapes = (x.shape, w.shape, stride, padding)\n'
        '        return (w_mat @ cols + b[:, None]).reshape(n, o, oh, ow)\n'
        '\n'
        '    @staticmethod\n'
        '    def backward(ctx, grad):\n'
        '        cols, w_mat = ctx.saved_tensors\n'
        '        x_shape, w_shape, stride, padding = ctx.shapes\n'
        '        gx, gw, gb = torch.nn.grad.conv2d_input(x_shape, torch.from_numpy(w_mat.reshape(w_shape)), torch.from_numpy(grad), stride=stride, padding=padding), None, None\n'
        '        grad_y = grad.reshape(grad.shape[0], grad.shape[1], -1)\n'
        '        grad_w = np.einsum("nop,nkp->ok", grad_y, cols).reshape(w_shape)\n'
        '        return gx.numpy(), grad_w, grad_y.sum(axis=(0, 2))\n',
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
        # assigns the gradient: overlapping windows overwrite each other
        'class MaxPool2d(tg.Function):\n'
        '    @staticmethod\n'
        '    def forward(ctx, x, kernel_size=2, stride=None):\n'
        '        k = kernel_size\n'
        '        s = k if stride is None else stride\n'
        '        n, c, h, w = x.shape\n'
        '        oh, ow = (h - k) // s + 1, (w - k) // s + 1\n'
        '        windows = np.empty((n, c, oh, ow, k * k), dtype=x.dtype)\n'
        '        for u in range(k):\n'
        '            for v in range(k):\n'
        '                windows[..., u * k + v] = x[:, :, u:u + s * oh:s, v:v + s * ow:s]\n'
        '        first = windows.argmax(axis=-1)\n'
        '        ctx.save_for_backward(first)\n'
        '        ctx.geometry = (x.shape, k, s)\n'
        '        return np.take_along_axis(windows, first[..., None], axis=-1)[..., 0]\n'
        '\n'
        '    @staticmethod\n'
        '    def backward(ctx, grad):\n'
        '        (first,) = ctx.saved_tensors\n'
        '        x_shape, k, s = ctx.geometry\n'
        '        oh, ow = grad.shape[2:]\n'
        '        grad_x = np.zeros(x_shape, dtype=grad.dtype)\n'
        '        for u in range(k):\n'
        '            for v in range(k):\n'
        '                grad_x[:, :, u:u + s * oh:s, v:v + s * ow:s] = np.where(first == u * k + v, grad, 0)\n'
        '        return grad_x\n',
        # ties go to the last maximum
        'class MaxPool2d(tg.Function):\n'
        '    @staticmethod\n'
        '    def forward(ctx, x, kernel_size=2, stride=None):\n'
        '        k = kernel_size\n'
        '        s = k if stride is None else stride\n'
        '        n, c, h, w = x.shape\n'
        '        oh, ow = (h - k) // s + 1, (w - k) // s + 1\n'
        '        windows = np.empty((n, c, oh, ow, k * k), dtype=x.dtype)\n'
        '        for u in range(k):\n'
        '            for v in range(k):\n'
        '                windows[..., u * k + v] = x[:, :, u:u + s * oh:s, v:v + s * ow:s]\n'
        '        first = (k * k - 1) - windows[..., ::-1].argmax(axis=-1)\n'
        '        ctx.save_for_backward(first)\n'
        '        ctx.geometry = (x.shape, k, s)\n'
        '        return np.take_along_axis(windows, first[..., None], axis=-1)[..., 0]\n'
        '\n'
        '    @staticmethod\n'
        '    def backward(ctx, grad):\n'
        '        (first,) = ctx.saved_tensors\n'
        '        x_shape, k, s = ctx.geometry\n'
        '        oh, ow = grad.shape[2:]\n'
        '        grad_x = np.zeros(x_shape, dtype=grad.dtype)\n'
        '        for u in range(k):\n'
        '            for v in range(k):\n'
        '                grad_x[:, :, u:u + s * oh:s, v:v + s * ow:s] += np.where(first == u * k + v, grad, 0)\n'
        '        return grad_x\n',
        # spreads the gradient like average pooling
        'class MaxPool2d(tg.Function):\n'
        '    @staticmethod\n'
        '    def forward(ctx, x, kernel_size=2, stride=None):\n'
        '        k = kernel_size\n'
        '        s = k if stride is None else stride\n'
        '        n, c, h, w = x.shape\n'
        '        oh, ow = (h - k) // s + 1, (w - k) // s + 1\n'
        '        windows = np.empty((n, c, oh, ow, k * k), dtype=x.dtype)\n'
        '        for u in range(k):\n'
        '            for v in range(k):\n'
        '                windows[..., u * k + v] = x[:, :, u:u + s * oh:s, v:v + s * ow:s]\n'
        '        first = windows.argmax(axis=-1)\n'
        '        ctx.save_for_backward(first)\n'
        '        ctx.geometry = (x.shape, k, s)\n'
        '        return np.take_along_axis(windows, first[..., None], axis=-1)[..., 0]\n'
        '\n'
        '    @staticmethod\n'
        '    def backward(ctx, grad):\n'
        '        (first,) = ctx.saved_tensors\n'
        '        x_shape, k, s = ctx.geometry\n'
        '        oh, ow = grad.shape[2:]\n'
        '        grad_x = np.zeros(x_shape, dtype=grad.dtype)\n'
        '        for u in range(k):\n'
        '            for v in range(k):\n'
        '                grad_x[:, :, u:u + s * oh:s, v:v + s * ow:s] += np.where(first == u * k + v, grad, 0) / (k * k)\n'
        '        return grad_x\n',
        # rule: the forward (and the argmax) from torch
        'class MaxPool2d(tg.Function):\n'
        '    @staticmethod\n'
        '    def forward(ctx, x, kernel_size=2, stride=None):\n'
        '        y = torch.nn.functional.max_pool2d(torch.from_numpy(x), kernel_size, stride=stride, return_indices=True)\n'
        '        ctx.save_for_backward(y[1].numpy())\n'
        '        ctx.shape = x.shape\n'
        '        return y[0].numpy()\n'
        '\n'
        '    @staticmethod\n'
        '    def backward(ctx, grad):\n'
        '        (index,) = ctx.saved_tensors\n'
        '        grad_x = np.zeros(ctx.shape, dtype=grad.dtype).reshape(ctx.shape[0], ctx.shape[1], -1)\n'
        '        np.add.at(grad_x, (np.arange(ctx.shape[0])[:, None, None], np.arange(ctx.shape[1])[None, :, None],\n'
        '                           index.reshape(ctx.shape[0], ctx.shape[1], -1)), grad.reshape(ctx.shape[0], ctx.shape[1], -1))\n'
        '        return grad_x.reshape(ctx.shape)\n',
    ],
    "rnn_cell": [
        # no gradient to the previous state: right for one step, wrong through time
        'class RNNCell(tg.Function):\n'
        '    @staticmethod\n'
        '    def forward(ctx, x_t, h_prev, W_xh, W_hh, b):\n'
        '        h_t = np.tanh(x_t @ W_xh.T + h_prev @ W_hh.T + b)\n'
        '        ctx.save_for_backward(x_t, h_prev, W_xh, W_hh, h_t)\n'
        '        return h_t\n'
        '\n'
        '    @staticmethod\n'
        '    def backward(ctx, grad):\n'
        '        x_t, h_prev, W_xh, W_hh, h_t = ctx.saved_tensors\n'
        '        grad_z = grad * (1 - h_t ** 2)\n'
        '        return grad_z @ W_xh, np.zeros_like(h_prev), grad_z.T @ x_t, grad_z.T @ h_prev, grad_z.sum(axis=0)\n',
        # the tanh derivative evaluated at the output
        'class RNNCell(tg.Function):\n'
        '    @staticmethod\n'
        '    def forward(ctx, x_t, h_prev, W_xh, W_hh, b):\n'
        '        h_t = np.tanh(x_t @ W_xh.T + h_prev @ W_hh.T + b)\n'
        '        ctx.save_for_backward(x_t, h_prev, W_xh, W_hh, h_t)\n'
        '        return h_t\n'
        '\n'
        '    @staticmethod\n'
        '    def backward(ctx, grad):\n'
        '        x_t, h_prev, W_xh, W_hh, h_t = ctx.saved_tensors\n'
        '        grad_z = grad * (1 - np.tanh(h_t) ** 2)\n'
        '        return grad_z @ W_xh, grad_z @ W_hh, grad_z.T @ x_t, grad_z.T @ h_prev, grad_z.sum(axis=0)\n',
        # the recurrent weights transposed in the state's gradient
        'class RNNCell(tg.Function):\n'
        '    @staticmethod\n'
        '    def forward(ctx, x_t, h_prev, W_xh, W_hh, b):\n'
        '        h_t = np.tanh(x_t @ W_xh.T + h_prev @ W_hh.T + b)\n'
        '        ctx.save_for_backward(x_t, h_prev, W_xh, W_hh, h_t)\n'
        '        return h_t\n'
        '\n'
        '    @staticmethod\n'
        '    def backward(ctx, grad):\n'
        '        x_t, h_prev, W_xh, W_hh, h_t = ctx.saved_tensors\n'
        '        grad_z = grad * (1 - h_t ** 2)\n'
        '        return grad_z @ W_xh, grad_z @ W_hh.T, grad_z.T @ x_t, grad_z.T @ h_prev, grad_z.sum(axis=0)\n',
        # the tanh forgotten in backward
        'class RNNCell(tg.Function):\n'
        '    @staticmethod\n'
        '    def forward(ctx, x_t, h_prev, W_xh, W_hh, b):\n'
        '        h_t = np.tanh(x_t @ W_xh.T + h_prev @ W_hh.T + b)\n'
        '        ctx.save_for_backward(x_t, h_prev, W_xh, W_hh, h_t)\n'
        '        return h_t\n'
        '\n'
        '    @staticmethod\n'
        '    def backward(ctx, grad):\n'
        '        x_t, h_prev, W_xh, W_hh, h_t = ctx.saved_tensors\n'
        '        grad_z = grad\n'
        '        return grad_z @ W_xh, grad_z @ W_hh, grad_z.T @ x_t, grad_z.T @ h_prev, grad_z.sum(axis=0)\n',
        # rule: the gradients from torch's autograd inside backward
        'class RNNCell(tg.Function):\n'
        '    @staticmethod\n'
        '    def forward(ctx, x_t, h_prev, W_xh, W_hh, b):\n'
        '        ctx.save_for_backward(x_t, h_prev, W_xh, W_hh, b)\n'
        '        return np.tanh(x_t @ W_xh.T + h_prev @ W_hh.T + b)\n'
        '\n'
        '    @staticmethod\n'
        '    def backward(ctx, grad):\n'
        '        inputs = [torch.tensor(a, requires_grad=True) for a in ctx.saved_tensors]\n'
        '        x_t, h_prev, W_xh, W_hh, b = inputs\n'
        '        h_t = torch.tanh(x_t @ W_xh.T + h_prev @ W_hh.T + b)\n'
        '        return tuple(g.numpy() for g in torch.autograd.grad(h_t, inputs, torch.from_numpy(grad)))\n',
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
