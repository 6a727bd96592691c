r"""``MultiheadAttention`` with torch's parameter layout and mask conventions.

$h$ heads of size $d = E/h$: project $Q = x_q W_q^\top + b_q$, $K$, $V$ likewise, split the last axis into
$h$ heads, run ``scaled_dot_product_attention`` in every head at once, join the heads and project with
``out_proj``. torch packs $W_q, W_k, W_v$ into one ``in_proj_weight`` $(3E, E)$ (rows $[0, E)$ are $W_q$)
and ``in_proj_bias`` $(3E)$; Keras ``MultiHeadAttention`` instead keeps per-head kernels of shape
$(E, h, d)$ for each of query, key and value, and ``(h, d, E)`` for the output.
"""

from __future__ import annotations

import numpy as np

from ..backend import to_device, xp_of
from ..tensor import Tensor
from . import functional as F
from . import init
from .layers import Linear
from .modules import Module, Parameter


def _additive_mask(mask, like: Tensor, name: str):
    """A torch-style mask as an array to add to the scores: a bool mask marks positions to *leave out*
    (``True`` -> $-\\infty$), a float mask is added as it is."""
    mask = mask.data if isinstance(mask, Tensor) else to_device(np.asarray(mask), like.device)
    if mask.dtype == bool:
        return xp_of(mask).where(mask, -np.inf, 0).astype(like.dtype)
    if mask.dtype.kind != "f":
        raise TypeError(f"MultiheadAttention: {name} must be bool (True = ignore) or float (added), got "
                        f"{mask.dtype}")
    return mask.astype(like.dtype)


class MultiheadAttention(Module):
    r"""Multi-head attention, like ``torch.nn.MultiheadAttention(embed_dim, num_heads, dropout=0.0,
    bias=True, batch_first=False)``.

    ``forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False)`` returns ``(output, weights)``: the output has the
    query's shape, $(L, N, E)$ or with ``batch_first`` $(N, L, E)$; the weights are $(N, L, S)$ averaged
    over the heads (or $(N, h, L, S)$), ``None`` if not ``need_weights``.

    Masks follow torch's module, which is the *opposite* of ``scaled_dot_product_attention``'s bool
    masks: here ``True`` means "leave this key out". ``key_padding_mask`` $(N, S)$ hides padding tokens;
    ``attn_mask`` $(L, S)$ or $(N h, L, S)$ applies per query; float masks are added to the scores.
    ``is_causal=True`` without an ``attn_mask`` builds the causal mask."""

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 batch_first: bool = False, kdim: int | None = None, vdim: int | None = None,
                 dtype=np.float32):
        super().__init__()
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim={embed_dim} must be divisible by "
                             f"num_heads={num_heads}")
        if kdim not in (None, embed_dim) or vdim not in (None, embed_dim):
            raise ValueError("MultiheadAttention: kdim and vdim different from embed_dim are not supported")
        self.embed_dim, self.num_heads, self.head_dim = embed_dim, num_heads, embed_dim // num_heads
        self.dropout, self.batch_first = dropout, batch_first
        self.in_proj_weight = Parameter(np.zeros((3 * embed_dim, embed_dim), dtype))
        self.register_parameter("in_proj_bias", Parameter(np.zeros(3 * embed_dim, dtype)) if bias else None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=dtype)
        init.xavier_uniform_(self.in_proj_weight)
        if bias:
            init.zeros_(self.out_proj.bias)

    def _project(self, x, i):
        """Block ``i`` (0: query, 1: key, 2: value) of the packed projection, split into heads:
        (N, T, E) -> (N, h, T, d)."""
        e = self.embed_dim
        w = self.in_proj_weight[i * e:(i + 1) * e]
        b = None if self.in_proj_bias is None else self.in_proj_bias[i * e:(i + 1) * e]
        n, t = x.shape[:2]
        return F.linear(x, w, b).reshape(n, t, self.num_heads, self.head_dim).transpose(1, 2)

    def forward(self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask=None,
                need_weights: bool = True, attn_mask=None, average_attn_weights: bool = True,
                is_causal: bool = False):
        batched = query.ndim == 3
        if query.ndim not in (2, 3) or query.shape[-1] != self.embed_dim or key.shape != value.shape:
            raise ValueError(f"{self!r} expects query, key and value of shape (L, N, E) (batch_first: "
                             f"(N, L, E)) or (L, E) with E = {self.embed_dim}, key and value alike; got "
                             f"{tuple(query.shape)}, {tuple(key.shape)} and {tuple(value.shape)}")
        if not batched:  # (T, E) -> (1, T, E)
            query, key, value = (t.unsqueeze(0) for t in (query, key, value))
            key_padding_mask = None if key_padding_mask is None else key_padding_mask[None]
        elif not self.batch_first:  # (T, N, E) -> (N, T, E)
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        n, length, source = query.shape[0], query.shape[1], key.shape[1]
        q, k, v = self._project(query, 0), self._project(key, 1), self._project(value, 2)
        mask = self._mask(attn_mask, key_padding_mask, is_causal, n, length, source, q)
        out, weights = F._attention(q, k, v, mask, self.dropout, training=self.training)
        out = self.out_proj(out.transpose(1, 2).reshape(n, length, self.embed_dim))
        out = out.squeeze(0) if not batched else out if self.batch_first else out.transpose(0, 1)
        if not need_weights:
            return out, None
        weights = weights.mean(dim=1) if average_attn_weights else weights
        return out, weights if batched else weights.squeeze(0)

    def _mask(self, attn_mask, key_padding_mask, is_causal, n, length, source, like):
        """One additive mask broadcastable to (N, h, L, S), or None."""
        if is_causal and attn_mask is None:
            attn_mask = ~np.tril(np.ones((length, source), dtype=bool))
        mask = None
        if attn_mask is not None:
            mask = _additive_mask(attn_mask, like, "attn_mask")
            if mask.ndim == 3:  # (N*h, L, S), torch's batched layout
                mask = mask.reshape(n, self.num_heads, length, source)
        if key_padding_mask is not None:
            pad = _additive_mask(key_padding_mask, like, "key_padding_mask").reshape(n, 1, 1, source)
            mask = pad if mask is None else mask + pad
        return mask

    def extra_repr(self):
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, batch_first={self.batch_first}"
