"""Plausible wrong answers for 13-attention-and-transformers; each must fail its exercise's tests."""

_ATTENTION_HEAD = '''
class Attention(tg.Function):
    @staticmethod
    def forward(ctx, q, k, v, mask=None):
'''

# A correct forward (float32 stays float32, stable softmax), used by the backward-only mistakes below.
_GOOD_FORWARD = '''
        scale = 1.0 / math.sqrt(q.shape[-1])
        scores = (q @ np.swapaxes(k, -1, -2)) * scale
        if mask is not None:
            scores = np.where(mask, scores, -np.inf).astype(q.dtype)
        p = np.exp(scores - scores.max(axis=-1, keepdims=True))
        p /= p.sum(axis=-1, keepdims=True)
        ctx.save_for_backward(q, k, v, p)
        ctx.scale = scale
        return p @ v
'''

_GOOD_BACKWARD = '''
    @staticmethod
    def backward(ctx, grad):
        q, k, v, p = ctx.saved_tensors
        grad_v = np.swapaxes(p, -1, -2) @ grad
        grad_p = grad @ np.swapaxes(v, -1, -2)
        grad_s = p * (grad_p - (p * grad_p).sum(axis=-1, keepdims=True))
        return (grad_s @ k) * ctx.scale, (np.swapaxes(grad_s, -1, -2) @ q) * ctx.scale, grad_v
'''


def _attention(forward=_GOOD_FORWARD, backward=_GOOD_BACKWARD):
    return _ATTENTION_HEAD + forward + backward


def _attention_backward(body):
    return _attention(backward='''
    @staticmethod
    def backward(ctx, grad):
        q, k, v, p = ctx.saved_tensors
        grad_v = np.swapaxes(p, -1, -2) @ grad
        grad_p = grad @ np.swapaxes(v, -1, -2)
''' + body)


_LAYER_NORM_HEAD = '''
class LayerNormFn(tg.Function):
    @staticmethod
    def forward(ctx, x, weight, bias, eps=1e-5):
'''

_LAYER_NORM_GOOD_FORWARD = '''
        centred = x - x.mean(axis=-1, keepdims=True)
        inv_std = 1.0 / np.sqrt((centred * centred).mean(axis=-1, keepdims=True) + eps)
        x_hat = centred * inv_std
        ctx.save_for_backward(x_hat, inv_std, weight)
        return (x_hat * weight + bias).astype(x.dtype)
'''

_LAYER_NORM_GOOD_BACKWARD = '''
    @staticmethod
    def backward(ctx, grad):
        x_hat, inv_std, weight = ctx.saved_tensors
        g = grad * weight
        grad_x = inv_std * (g - g.mean(axis=-1, keepdims=True)
                            - x_hat * (g * x_hat).mean(axis=-1, keepdims=True))
        return grad_x, grad * x_hat, grad
'''


def _layer_norm(forward=_LAYER_NORM_GOOD_FORWARD, backward=_LAYER_NORM_GOOD_BACKWARD):
    return _LAYER_NORM_HEAD + forward + backward


_MHA_SIGNATURE = ("def torch_mha_to_keras(in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias,"
                  " num_heads):\n")


def _mha(body):
    return (_MHA_SIGNATURE +
            "    d = out_proj_weight.shape[0]\n"
            "    hd = d // num_heads\n"
            "    wq, wk, wv = in_proj_weight[:d], in_proj_weight[d:2 * d], in_proj_weight[2 * d:]\n"
            "    bq, bk, bv = in_proj_bias[:d], in_proj_bias[d:2 * d], in_proj_bias[2 * d:]\n" + body)


def _count(body):
    return ("def transformer_param_count(vocab, d_model, num_heads, d_ff, num_layers):\n"
            "    d = d_model\n" + body)


# Right values (the rules forbid them): the framework computes the op and its gradient.
_TORCH_ATTENTION = '''
        tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
        attn_mask = None if mask is None else torch.from_numpy(np.asarray(mask))
        out = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, attn_mask=attn_mask)
        ctx.save_for_backward(tq, tk, tv, out)
        return out.detach().numpy()

    @staticmethod
    def backward(ctx, grad):
        tq, tk, tv, out = ctx.saved_tensors
        grads = torch.autograd.grad(out, (tq, tk, tv), torch.from_numpy(grad))
        return tuple(g.numpy() for g in grads)
'''

_ENGINE_ATTENTION = '''
        inputs = [tg.tensor(a, requires_grad=True) for a in (q, k, v)]
        with tg.enable_grad():
            out = tg.nn.functional.scaled_dot_product_attention(*inputs, attn_mask=mask)
        ctx.save_for_backward(out, *inputs)
        return out.numpy()

    @staticmethod
    def backward(ctx, grad):
        out, *inputs = ctx.saved_tensors
        out.backward(grad)
        return tuple(t.grad.numpy() for t in inputs)
'''

_TORCH_LAYER_NORM = '''
        tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, weight, bias))
        y = torch.nn.functional.layer_norm(tx, tx.shape[-1:], tw, tb, eps=eps)
        ctx.save_for_backward(tx, tw, tb, y)
        return y.detach().numpy()

    @staticmethod
    def backward(ctx, grad):
        tx, tw, tb, y = ctx.saved_tensors
        return tuple(g.numpy() for g in torch.autograd.grad(y, (tx, tw, tb), torch.from_numpy(grad)))
'''


WRONG_ANSWERS = {
    "attention_mask": [
        # the causal triangle the wrong way round (keys in the future allowed, the past blocked)
        "def attention_mask(lengths, T, causal):\n"
        "    pos = np.arange(T)\n"
        "    mask = np.broadcast_to(pos[None, None, :] < lengths[:, None, None], (len(lengths), T, T))\n"
        "    if causal:\n"
        "        mask = mask & (pos[None, :, None] <= pos[None, None, :])\n"
        "    return np.array(mask)\n",
        # pads the queries (rows) instead of the keys (columns)
        "def attention_mask(lengths, T, causal):\n"
        "    pos = np.arange(T)\n"
        "    mask = np.broadcast_to(pos[None, :, None] < lengths[:, None, None], (len(lengths), T, T))\n"
        "    if causal:\n"
        "        mask = mask & (pos[None, :, None] >= pos[None, None, :])\n"
        "    return np.array(mask)\n",
        # off by one: the last real token counted as padding
        "def attention_mask(lengths, T, causal):\n"
        "    pos = np.arange(T)\n"
        "    mask = np.broadcast_to(pos[None, None, :] < lengths[:, None, None] - 1, (len(lengths), T, T))\n"
        "    if causal:\n"
        "        mask = mask & np.tril(np.ones((T, T), dtype=bool))\n"
        "    return np.array(mask)\n",
        # PyTorch nn.MultiheadAttention's convention (True = blocked)
        "def attention_mask(lengths, T, causal):\n"
        "    pos = np.arange(T)\n"
        "    mask = np.broadcast_to(pos[None, None, :] < lengths[:, None, None], (len(lengths), T, T))\n"
        "    if causal:\n"
        "        mask = mask & np.tril(np.ones((T, T), dtype=bool))\n"
        "    return ~mask\n",
        # right pattern as 0/1 integers, not booleans
        "def attention_mask(lengths, T, causal):\n"
        "    pos = np.arange(T)\n"
        "    mask = np.broadcast_to(pos[None, None, :] < lengths[:, None, None], (len(lengths), T, T))\n"
        "    if causal:\n"
        "        mask = mask & np.tril(np.ones((T, T), dtype=bool))\n"
        "    return mask.astype(np.int64)\n",
    ],
    "attention": [
        # forgets the 1/sqrt(d) scale
        _attention(forward=_GOOD_FORWARD.replace("1.0 / math.sqrt(q.shape[-1])", "1.0")),
        # scales by 1/d instead of 1/sqrt(d)
        _attention(forward=_GOOD_FORWARD.replace("math.sqrt(q.shape[-1])", "q.shape[-1]")),
        # softmax over the query axis
        _attention(forward=_GOOD_FORWARD.replace("scores.max(axis=-1, keepdims=True)",
                                                 "scores.max(axis=-2, keepdims=True)")
                   .replace("p.sum(axis=-1, keepdims=True)", "p.sum(axis=-2, keepdims=True)")),
        # masks by multiplying the scores by the mask (a score of 0 still gets weight)
        _attention(forward=_GOOD_FORWARD.replace("np.where(mask, scores, -np.inf).astype(q.dtype)",
                                                 "(scores * mask).astype(q.dtype)")),
        # masks after the softmax, without renormalising
        _attention(forward='''
        scale = 1.0 / math.sqrt(q.shape[-1])
        scores = (q @ np.swapaxes(k, -1, -2)) * scale
        p = np.exp(scores - scores.max(axis=-1, keepdims=True))
        p /= p.sum(axis=-1, keepdims=True)
        if mask is not None:
            p = (p * mask).astype(q.dtype)
        ctx.save_for_backward(q, k, v, p)
        ctx.scale = scale
        return p @ v
'''),
        # backward: treats the softmax as elementwise, dS = P * dP (drops the row-sum term)
        _attention_backward('''
        grad_s = p * grad_p
        return (grad_s @ k) * ctx.scale, (np.swapaxes(grad_s, -1, -2) @ q) * ctx.scale, grad_v
'''),
        # backward: dK = dS Q instead of dS^T Q (right shape whenever Tq == Tk)
        _attention_backward('''
        grad_s = p * (grad_p - (p * grad_p).sum(axis=-1, keepdims=True))
        return (grad_s @ k) * ctx.scale, (grad_s @ q) * ctx.scale, grad_v
'''),
        # backward: forgets the scale in dQ and dK
        _attention_backward('''
        grad_s = p * (grad_p - (p * grad_p).sum(axis=-1, keepdims=True))
        return grad_s @ k, np.swapaxes(grad_s, -1, -2) @ q, grad_v
'''),
        # rule: right values, but a NumPy float64 scale turns float32 inputs into float64 outputs
        _attention(forward=_GOOD_FORWARD.replace("1.0 / math.sqrt(q.shape[-1])",
                                                 "1.0 / np.sqrt(q.shape[-1])")),
        # rule: a softmax that exponentiates the raw scores (overflows for large scores)
        _attention(forward=_GOOD_FORWARD.replace("np.exp(scores - scores.max(axis=-1, keepdims=True))",
                                                 "np.exp(scores)")),
        # rule: returns tinygrad_ref tensors from forward and backward instead of arrays
        _attention(forward=_GOOD_FORWARD.replace("return p @ v", "return tg.tensor(p @ v)"),
                   backward=_GOOD_BACKWARD.replace(
                       "return (grad_s @ k) * ctx.scale, (np.swapaxes(grad_s, -1, -2) @ q) * ctx.scale, "
                       "grad_v",
                       "return (tg.tensor((grad_s @ k) * ctx.scale), "
                       "tg.tensor((np.swapaxes(grad_s, -1, -2) @ q) * ctx.scale), tg.tensor(grad_v))")),
        # rule: right values and dtypes, but PyTorch computes the forward and the backward
        _ATTENTION_HEAD + _TORCH_ATTENTION,
        # rule: right values, but tinygrad_ref's own attention and engine do the work
        _ATTENTION_HEAD + _ENGINE_ATTENTION,
    ],
    "torch_mha_to_keras": [
        # reshapes the (out, in) weights without transposing them
        _mha("    return [wq.reshape(d, num_heads, hd), bq.reshape(num_heads, hd),\n"
             "            wk.reshape(d, num_heads, hd), bk.reshape(num_heads, hd),\n"
             "            wv.reshape(d, num_heads, hd), bv.reshape(num_heads, hd),\n"
             "            out_proj_weight.reshape(num_heads, hd, d), out_proj_bias]\n"),
        # transposes the input projections but forgets the output projection
        _mha("    return [wq.T.reshape(d, num_heads, hd), bq.reshape(num_heads, hd),\n"
             "            wk.T.reshape(d, num_heads, hd), bk.reshape(num_heads, hd),\n"
             "            wv.T.reshape(d, num_heads, hd), bv.reshape(num_heads, hd),\n"
             "            out_proj_weight.reshape(num_heads, hd, d), out_proj_bias]\n"),
        # splits the features as (feature, head) instead of (head, feature)
        _mha("    split = lambda w: w.T.reshape(d, hd, num_heads).transpose(0, 2, 1)\n"
             "    return [split(wq), bq.reshape(hd, num_heads).T, split(wk), bk.reshape(hd, num_heads).T,\n"
             "            split(wv), bv.reshape(hd, num_heads).T,\n"
             "            out_proj_weight.T.reshape(hd, num_heads, d).transpose(1, 0, 2), out_proj_bias]\n"),
        # key and value swapped (the order of the packed rows misread)
        _mha("    return [wq.T.reshape(d, num_heads, hd), bq.reshape(num_heads, hd),\n"
             "            wv.T.reshape(d, num_heads, hd), bv.reshape(num_heads, hd),\n"
             "            wk.T.reshape(d, num_heads, hd), bk.reshape(num_heads, hd),\n"
             "            out_proj_weight.T.reshape(num_heads, hd, d), out_proj_bias]\n"),
        # splits the packed weight along the input axis (columns) instead of the output axis (rows)
        _MHA_SIGNATURE +
        "    d = out_proj_weight.shape[0]\n"
        "    hd = d // num_heads\n"
        "    w = in_proj_weight.reshape(d, 3 * d)\n"
        "    parts = [w[:, i * d:(i + 1) * d] for i in range(3)]\n"
        "    biases = [in_proj_bias[i * d:(i + 1) * d].reshape(num_heads, hd) for i in range(3)]\n"
        "    return [parts[0].T.reshape(d, num_heads, hd), biases[0],\n"
        "            parts[1].T.reshape(d, num_heads, hd), biases[1],\n"
        "            parts[2].T.reshape(d, num_heads, hd), biases[2],\n"
        "            out_proj_weight.T.reshape(num_heads, hd, d), out_proj_bias]\n",
    ],
    "layer_norm": [
        # unbiased variance (divides by d - 1)
        _layer_norm(forward=_LAYER_NORM_GOOD_FORWARD.replace(
            "(centred * centred).mean(axis=-1, keepdims=True) + eps",
            "x.var(axis=-1, ddof=1, keepdims=True) + eps")),
        # eps added to the standard deviation instead of the variance
        _layer_norm(forward=_LAYER_NORM_GOOD_FORWARD.replace(
            "1.0 / np.sqrt((centred * centred).mean(axis=-1, keepdims=True) + eps)",
            "1.0 / (np.sqrt((centred * centred).mean(axis=-1, keepdims=True)) + eps)")),
        # normalises over the first axis (BatchNorm's axis)
        _layer_norm(forward='''
        centred = x - x.mean(axis=0, keepdims=True)
        inv_std = 1.0 / np.sqrt((centred * centred).mean(axis=0, keepdims=True) + eps)
        x_hat = centred * inv_std
        ctx.save_for_backward(x_hat, inv_std, weight)
        return (x_hat * weight + bias).astype(x.dtype)
'''),
        # backward: treats mean and variance as constants (dx = s * gamma * dy)
        _layer_norm(backward='''
    @staticmethod
    def backward(ctx, grad):
        x_hat, inv_std, weight = ctx.saved_tensors
        return inv_std * grad * weight, grad * x_hat, grad
'''),
        # backward: keeps the mean's term but forgets the variance's
        _layer_norm(backward='''
    @staticmethod
    def backward(ctx, grad):
        x_hat, inv_std, weight = ctx.saved_tensors
        g = grad * weight
        return inv_std * (g - g.mean(axis=-1, keepdims=True)), grad * x_hat, grad
'''),
        # backward: forgets gamma in dx
        _layer_norm(backward='''
    @staticmethod
    def backward(ctx, grad):
        x_hat, inv_std, weight = ctx.saved_tensors
        g = grad
        grad_x = inv_std * (g - g.mean(axis=-1, keepdims=True)
                            - x_hat * (g * x_hat).mean(axis=-1, keepdims=True))
        return grad_x, grad * x_hat, grad
'''),
        # backward: dgamma = dy (swapped with dbeta's rule)
        _layer_norm(backward=_LAYER_NORM_GOOD_BACKWARD.replace("return grad_x, grad * x_hat, grad",
                                                               "return grad_x, grad, grad * x_hat")),
        # rule: right values, but float32 inputs give float64 outputs (a NumPy float64 eps and no cast back)
        _layer_norm(forward='''
        centred = x - x.mean(axis=-1, keepdims=True)
        inv_std = 1.0 / np.sqrt((centred * centred).mean(axis=-1, keepdims=True) + np.float64(eps))
        x_hat = centred * inv_std
        ctx.save_for_backward(x_hat, inv_std, weight)
        return x_hat * weight + bias
'''),
        # rule: right values and dtypes, but PyTorch's layer_norm and autograd do the work
        _LAYER_NORM_HEAD + _TORCH_LAYER_NORM,
    ],
    "transformer_param_count": [
        # counts one set of Q, K, V projections per head (heads multiply the parameters)
        _count("    per_block = (num_heads * (3 * d * d + 3 * d) + d * d + d\n"
               "                 + 2 * d * d_ff + d_ff + d + 4 * d)\n"
               "    return vocab * d + num_layers * per_block + 2 * d + d * vocab + vocab\n"),
        # forgets every bias
        _count("    per_block = 4 * d * d + 2 * d * d_ff + 4 * d\n"
               "    return vocab * d + num_layers * per_block + 2 * d + d * vocab\n"),
        # forgets the LayerNorms
        _count("    per_block = 4 * d * d + 4 * d + 2 * d * d_ff + d_ff + d\n"
               "    return vocab * d + num_layers * per_block + d * vocab + vocab\n"),
        # forgets the output projection of the attention
        _count("    per_block = 3 * d * d + 3 * d + 2 * d * d_ff + d_ff + d + 4 * d\n"
               "    return vocab * d + num_layers * per_block + 2 * d + d * vocab + vocab\n"),
        # a LayerNorm with one vector instead of two, and no final LayerNorm
        _count("    per_block = 4 * d * d + 4 * d + 2 * d * d_ff + d_ff + d + 2 * d\n"
               "    return vocab * d + num_layers * per_block + d * vocab + vocab\n"),
        # rule: the right count, by building the model in PyTorch
        _count("    blocks = [torch.nn.TransformerEncoderLayer(d, num_heads, d_ff, norm_first=True)\n"
               "              for _ in range(num_layers)]\n"
               "    parts = [torch.nn.Embedding(vocab, d), torch.nn.LayerNorm(d),\n"
               "             torch.nn.Linear(d, vocab)]\n"
               "    return sum(p.numel() for m in parts + blocks for p in m.parameters())\n"),
    ],
}
