"""Plausible wrong answers for 14-from-training-to-deployment; each must fail its exercise's tests."""

_FLAT_HEAD = "def flattened_features(in_channels, height, width, layers):\n"
_FLAT_LOOP = (
    "    channels, h, w = in_channels, height, width\n"
    "    for layer in layers:\n"
    "        if layer[0] == 'conv':\n"
    "            _, channels, k, s, p = layer\n"
)
_FLAT_POOL = (
    "        elif layer[0] == 'pool':\n"
    "            _, k, s = layer\n"
    "            h, w = (h - k) // s + 1, (w - k) // s + 1\n"
    "        else:\n"
    "            h, w = 1, 1\n"
)

_TF_HEAD = "def trainable_and_frozen(in_channels, layers, head_in, n_classes, n_frozen):\n"

_KD_HEAD = (
    "def distillation_loss_and_grad(student_logits, teacher_logits, labels, T, alpha):\n"
    "    def log_softmax(z):\n"
    "        shifted = z - z.max(axis=1, keepdims=True)\n"
    "        return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))\n"
    "    n = student_logits.shape[0]\n"
    "    log_ps_T = log_softmax(student_logits / T)\n"
    "    log_pt_T = log_softmax(teacher_logits / T)\n"
    "    log_ps = log_softmax(student_logits)\n"
    "    pt_T = np.exp(log_pt_T)\n"
    "    onehot = np.zeros_like(student_logits)\n"
    "    onehot[np.arange(n), labels] = 1.0\n"
    "    ce = -log_ps[np.arange(n), labels].sum() / n\n"
)
_KD_RIGHT_LOSS = "    loss = alpha * T ** 2 * (pt_T * (log_pt_T - log_ps_T)).sum() / n + (1 - alpha) * ce\n"
_KD_RIGHT_GRAD = (
    "    grad = alpha * T * (np.exp(log_ps_T) - pt_T) / n + (1 - alpha) * (np.exp(log_ps) - onehot) / n\n"
)

_PRF_HEAD = (
    "def precision_recall_f1(cm):\n"
    "    cm = np.asarray(cm, dtype=np.float64)\n"
    "    tp = np.diag(cm)\n"
)

_SHIFT_HEAD = "def shift_images(images, shifts):\n"

WRONG_ANSWERS = {
    "flattened_features": [
        # the seed's VGG16 mistake: the channels only
        _FLAT_HEAD + _FLAT_LOOP
        + "            h, w = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1\n"
        + _FLAT_POOL + "    return int(channels)\n",
        # conv output size without the + 1
        _FLAT_HEAD + _FLAT_LOOP
        + "            h, w = (h + 2 * p - k) // s, (w + 2 * p - k) // s\n"
        + _FLAT_POOL + "    return int(channels * h * w)\n",
        # rounding up instead of down
        _FLAT_HEAD + _FLAT_LOOP
        + "            h, w = -(-(h + 2 * p - k) // s) + 1, -(-(w + 2 * p - k) // s) + 1\n"
        + _FLAT_POOL.replace("(h - k) // s + 1, (w - k) // s + 1",
                             "-(-(h - k) // s) + 1, -(-(w - k) // s) + 1")
        + "    return int(channels * h * w)\n",
        # padding counted once, not on both sides
        _FLAT_HEAD + _FLAT_LOOP
        + "            h, w = (h + p - k) // s + 1, (w + p - k) // s + 1\n"
        + _FLAT_POOL + "    return int(channels * h * w)\n",
        # the right value, by running PyTorch on the meta device (breaks the rule)
        _FLAT_HEAD
        + "    mods, c = [], in_channels\n"
        + "    for layer in layers:\n"
        + "        if layer[0] == 'conv':\n"
        + "            mods.append(torch.nn.Conv2d(c, layer[1], layer[2], stride=layer[3],\n"
        + "                                        padding=layer[4]))\n"
        + "            c = layer[1]\n"
        + "        elif layer[0] == 'pool':\n"
        + "            mods.append(torch.nn.MaxPool2d(layer[1], layer[2]))\n"
        + "        else:\n"
        + "            mods.append(torch.nn.AdaptiveAvgPool2d(1))\n"
        + "    with torch.device('meta'):\n"
        + "        out = torch.nn.Sequential(*mods)(torch.empty(1, in_channels, height, width))\n"
        + "    return int(out[0].numel())\n",
        # the same, with the framework reached through __import__ (indirect access breaks the rule)
        _FLAT_HEAD
        + "    fw = __import__('torch')\n"
        + "    mods, c = [], in_channels\n"
        + "    for layer in layers:\n"
        + "        if layer[0] == 'conv':\n"
        + "            mods.append(fw.nn.Conv2d(c, layer[1], layer[2], stride=layer[3], padding=layer[4]))\n"
        + "            c = layer[1]\n"
        + "        elif layer[0] == 'pool':\n"
        + "            mods.append(fw.nn.MaxPool2d(layer[1], layer[2]))\n"
        + "        else:\n"
        + "            mods.append(fw.nn.AdaptiveAvgPool2d(1))\n"
        + "    with fw.device('meta'):\n"
        + "        out = fw.nn.Sequential(*mods)(fw.empty(1, in_channels, height, width))\n"
        + "    return int(out[0].numel())\n",
    ],
    "trainable_and_frozen": [
        # weights without the input channels
        _TF_HEAD
        + "    trainable = frozen = 0\n"
        + "    convs = [l for l in layers if l[0] == 'conv']\n"
        + "    for i, l in enumerate(convs):\n"
        + "        count = l[1] * l[2] * l[2] + l[1]\n"
        + "        if i < n_frozen:\n"
        + "            frozen += count\n"
        + "        else:\n"
        + "            trainable += count\n"
        + "    return trainable + head_in * n_classes + n_classes, frozen\n",
        # biases forgotten
        _TF_HEAD
        + "    trainable = frozen = 0\n"
        + "    c = in_channels\n"
        + "    for i, l in enumerate([l for l in layers if l[0] == 'conv']):\n"
        + "        count = l[1] * c * l[2] * l[2]\n"
        + "        c = l[1]\n"
        + "        if i < n_frozen:\n"
        + "            frozen += count\n"
        + "        else:\n"
        + "            trainable += count\n"
        + "    return trainable + head_in * n_classes, frozen\n",
        # the first n_frozen layers (pools included) are frozen
        _TF_HEAD
        + "    trainable = frozen = 0\n"
        + "    c = in_channels\n"
        + "    for i, l in enumerate(layers):\n"
        + "        if l[0] != 'conv':\n"
        + "            continue\n"
        + "        count = l[1] * c * l[2] * l[2] + l[1]\n"
        + "        c = l[1]\n"
        + "        if i < n_frozen:\n"
        + "            frozen += count\n"
        + "        else:\n"
        + "            trainable += count\n"
        + "    return trainable + head_in * n_classes + n_classes, frozen\n",
        # the head counted as frozen along with the backbone
        _TF_HEAD
        + "    trainable = frozen = 0\n"
        + "    c = in_channels\n"
        + "    for i, l in enumerate([l for l in layers if l[0] == 'conv']):\n"
        + "        count = l[1] * c * l[2] * l[2] + l[1]\n"
        + "        c = l[1]\n"
        + "        if i < n_frozen:\n"
        + "            frozen += count\n"
        + "        else:\n"
        + "            trainable += count\n"
        + "    head = head_in * n_classes + n_classes\n"
        + "    return (trainable, frozen + head) if n_frozen else (trainable + head, frozen)\n",
        # the right counts from a PyTorch model (breaks the rule)
        _TF_HEAD
        + "    mods, c = [], in_channels\n"
        + "    for l in layers:\n"
        + "        if l[0] == 'conv':\n"
        + "            mods.append(nn.Conv2d(c, l[1], l[2]))\n"
        + "            c = l[1]\n"
        + "    with torch.device('meta'):\n"
        + "        model = nn.Sequential(*mods, nn.Linear(head_in, n_classes))\n"
        + "    for conv in list(model)[:min(n_frozen, len(mods))]:\n"
        + "        conv.requires_grad_(False)\n"
        + "    return (sum(p.numel() for p in model.parameters() if p.requires_grad),\n"
        + "            sum(p.numel() for p in model.parameters() if not p.requires_grad))\n",
    ],
    "distillation_loss_and_grad": [
        # no T^2 factor (and so a gradient without the factor T)
        _KD_HEAD
        + "    loss = alpha * (pt_T * (log_pt_T - log_ps_T)).sum() / n + (1 - alpha) * ce\n"
        + "    grad = (alpha * (np.exp(log_ps_T) - pt_T) / (T * n)\n"
        + "            + (1 - alpha) * (np.exp(log_ps) - onehot) / n)\n"
        + "    return float(loss), grad\n",
        # right loss, gradient forgets the 1/T of the chain rule
        _KD_HEAD + _KD_RIGHT_LOSS
        + "    grad = (alpha * T ** 2 * (np.exp(log_ps_T) - pt_T) / n\n"
        + "            + (1 - alpha) * (np.exp(log_ps) - onehot) / n)\n"
        + "    return float(loss), grad\n",
        # KL in the other direction
        _KD_HEAD
        + "    ps_T = np.exp(log_ps_T)\n"
        + "    loss = alpha * T ** 2 * (ps_T * (log_ps_T - log_pt_T)).sum() / n + (1 - alpha) * ce\n"
        + _KD_RIGHT_GRAD
        + "    return float(loss), grad\n",
        # gradient summed over the batch instead of averaged
        _KD_HEAD + _KD_RIGHT_LOSS
        + "    grad = alpha * T * (np.exp(log_ps_T) - pt_T) + (1 - alpha) * (np.exp(log_ps) - onehot)\n"
        + "    return float(loss), grad\n",
        # a softmax without the max shift: overflows for large logits
        "def distillation_loss_and_grad(student_logits, teacher_logits, labels, T, alpha):\n"
        "    def softmax(z):\n"
        "        e = np.exp(z)\n"
        "        return e / e.sum(axis=1, keepdims=True)\n"
        "    n = student_logits.shape[0]\n"
        "    ps_T, pt_T = softmax(student_logits / T), softmax(teacher_logits / T)\n"
        "    ps = softmax(student_logits)\n"
        "    onehot = np.zeros_like(student_logits)\n"
        "    onehot[np.arange(n), labels] = 1.0\n"
        "    kl = (pt_T * (np.log(pt_T) - np.log(ps_T))).sum() / n\n"
        "    ce = -np.log(ps[np.arange(n), labels]).sum() / n\n"
        "    loss = alpha * T ** 2 * kl + (1 - alpha) * ce\n"
        "    grad = alpha * T * (ps_T - pt_T) / n + (1 - alpha) * (ps - onehot) / n\n"
        "    return float(loss), grad\n",
        # right values, gradient by PyTorch autograd (breaks the NumPy-only rule)
        "def distillation_loss_and_grad(student_logits, teacher_logits, labels, T, alpha):\n"
        "    s = torch.tensor(student_logits, requires_grad=True)\n"
        "    soft = F.kl_div(F.log_softmax(s / T, dim=1),\n"
        "                    F.log_softmax(torch.from_numpy(teacher_logits) / T, dim=1),\n"
        "                    reduction='batchmean', log_target=True)\n"
        "    loss = alpha * T ** 2 * soft + (1 - alpha) * F.cross_entropy(s, torch.from_numpy(labels))\n"
        "    loss.backward()\n"
        "    return float(loss.detach()), s.grad.numpy()\n",
    ],
    "combine_worker_grads": [
        # DDP's plain average: right only for equal shards
        "def combine_worker_grads(grads, shard_sizes):\n"
        "    return {name: sum(g[name] for g in grads) / len(grads) for name in grads[0]}\n",
        # the sum of the workers' gradients
        "def combine_worker_grads(grads, shard_sizes):\n"
        "    return {name: sum(g[name] for g in grads) for name in grads[0]}\n",
        # weighted by shard size, but not normalised
        "def combine_worker_grads(grads, shard_sizes):\n"
        "    return {name: sum(n * g[name] for n, g in zip(shard_sizes, grads)) / len(grads)\n"
        "            for name in grads[0]}\n",
        # weights 1/n_k instead of n_k
        "def combine_worker_grads(grads, shard_sizes):\n"
        "    w = [1.0 / n for n in shard_sizes]\n"
        "    return {name: sum(wk * g[name] for wk, g in zip(w, grads)) / sum(w) for name in grads[0]}\n",
        # right values, but the inputs are scaled in place
        "def combine_worker_grads(grads, shard_sizes):\n"
        "    total = float(sum(shard_sizes))\n"
        "    for n, g in zip(shard_sizes, grads):\n"
        "        for name in g:\n"
        "            g[name] *= n / total\n"
        "    return {name: sum(g[name] for g in grads) for name in grads[0]}\n",
    ],
    "precision_recall_f1": [
        # rows and columns swapped: precision and recall exchanged
        _PRF_HEAD
        + "    predicted, actual = cm.sum(axis=1), cm.sum(axis=0)\n"
        + "    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)\n"
        + "    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)\n"
        + "    d = precision + recall\n"
        + "    f1 = np.divide(2 * precision * recall, d, out=np.zeros_like(tp), where=d > 0)\n"
        + "    return {'precision': precision, 'recall': recall, 'f1': f1, 'macro_f1': float(f1.mean()),\n"
        + "            'accuracy': float(tp.sum() / cm.sum())}\n",
        # macro F1 as the harmonic mean of macro precision and macro recall
        _PRF_HEAD
        + "    predicted, actual = cm.sum(axis=0), cm.sum(axis=1)\n"
        + "    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)\n"
        + "    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)\n"
        + "    d = precision + recall\n"
        + "    f1 = np.divide(2 * precision * recall, d, out=np.zeros_like(tp), where=d > 0)\n"
        + "    P, R = precision.mean(), recall.mean()\n"
        + "    return {'precision': precision, 'recall': recall, 'f1': f1,\n"
        + "            'macro_f1': float(2 * P * R / (P + R)),\n"
        + "            'accuracy': float(tp.sum() / cm.sum())}\n",
        # 0/0 left as NaN
        _PRF_HEAD
        + "    with np.errstate(invalid='ignore', divide='ignore'):\n"
        + "        precision = tp / cm.sum(axis=0)\n"
        + "        recall = tp / cm.sum(axis=1)\n"
        + "        f1 = 2 * precision * recall / (precision + recall)\n"
        + "    return {'precision': precision, 'recall': recall, 'f1': f1,\n"
        + "            'macro_f1': float(np.nanmean(f1)),\n"
        + "            'accuracy': float(tp.sum() / cm.sum())}\n",
        # accuracy as the mean recall (balanced accuracy)
        _PRF_HEAD
        + "    predicted, actual = cm.sum(axis=0), cm.sum(axis=1)\n"
        + "    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)\n"
        + "    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)\n"
        + "    d = precision + recall\n"
        + "    f1 = np.divide(2 * precision * recall, d, out=np.zeros_like(tp), where=d > 0)\n"
        + "    return {'precision': precision, 'recall': recall, 'f1': f1, 'macro_f1': float(f1.mean()),\n"
        + "            'accuracy': float(recall.mean())}\n",
        # right values from scikit-learn (breaks the NumPy-only rule)
        "def precision_recall_f1(cm):\n"
        "    from sklearn.metrics import precision_recall_fscore_support as prf\n"
        "    cm = np.asarray(cm)\n"
        "    C = cm.shape[0]\n"
        "    true = np.repeat(np.repeat(np.arange(C), C), cm.ravel())\n"
        "    pred = np.repeat(np.tile(np.arange(C), C), cm.ravel())\n"
        "    p, r, f, _ = prf(true, pred, labels=np.arange(C), zero_division=0)\n"
        "    return {'precision': p, 'recall': r, 'f1': f, 'macro_f1': float(f.mean()),\n"
        "            'accuracy': float(np.trace(cm) / cm.sum())}\n",
    ],
    "shift_images": [
        # wraps around (a roll written by hand)
        _SHIFT_HEAD
        + "    n, h, w = images.shape\n"
        + "    out = np.empty_like(images)\n"
        + "    for i, (dy, dx) in enumerate(shifts):\n"
        + "        rows = (np.arange(h) - dy) % h\n"
        + "        cols = (np.arange(w) - dx) % w\n"
        + "        out[i] = images[i][rows][:, cols]\n"
        + "    return out\n",
        # rows and columns exchanged
        _SHIFT_HEAD
        + "    n, h, w = images.shape\n"
        + "    out = np.zeros_like(images)\n"
        + "    for i, (dx, dy) in enumerate(shifts):\n"
        + "        dy, dx = int(dy), int(dx)\n"
        + "        out[i, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \\\n"
        + "            images[i, max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]\n"
        + "    return out\n",
        # moves the wrong way
        _SHIFT_HEAD
        + "    n, h, w = images.shape\n"
        + "    out = np.zeros_like(images)\n"
        + "    for i, (dy, dx) in enumerate(shifts):\n"
        + "        dy, dx = -int(dy), -int(dx)\n"
        + "        out[i, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \\\n"
        + "            images[i, max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]\n"
        + "    return out\n",
        # right values with np.roll and a mask (breaks the rule)
        _SHIFT_HEAD
        + "    out = np.zeros_like(images)\n"
        + "    n, h, w = images.shape\n"
        + "    for i, (dy, dx) in enumerate(shifts):\n"
        + "        moved = np.roll(images[i], (int(dy), int(dx)), axis=(0, 1))\n"
        + "        keep = np.zeros((h, w), bool)\n"
        + "        keep[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = True\n"
        + "        out[i] = np.where(keep, moved, 0)\n"
        + "    return out\n",
        # right values with scipy (breaks the rule)
        _SHIFT_HEAD
        + "    return np.stack([scipy.ndimage.shift(img, s, order=0, cval=0.0)\n"
        + "                     for img, s in zip(images, shifts)])\n",
        # right values, but shifts the caller's array in place
        _SHIFT_HEAD
        + "    n, h, w = images.shape\n"
        + "    for i, (dy, dx) in enumerate(shifts):\n"
        + "        dy, dx = int(dy), int(dx)\n"
        + "        src = images[i, max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)].copy()\n"
        + "        images[i] = 0\n"
        + "        images[i, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = src\n"
        + "    return images\n",
    ],
}
