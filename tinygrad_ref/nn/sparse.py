r"""Embeddings: ``embedding`` (functional) and ``Embedding``, a lookup table of learned vectors.

A token id $t$ picks row $t$ of the weight $W$ $(V, D)$; that is the product of a one-hot row vector with
$W$, done without building the one-hot matrix. (torch keeps these in ``torch/nn/modules/sparse.py``: the
gradient touches only the rows that were looked up.)
"""

from __future__ import annotations

import numpy as np

from .. import ops
from ..tensor import Tensor
from . import init
from .modules import Module, Parameter


def embedding(input, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of ``weight`` (V, D) picked by the integer ``input`` (any shape): output ``input.shape + (D,)``,
    like ``torch.nn.functional.embedding``."""
    if not isinstance(input, Tensor):
        input = Tensor(np.asarray(input), device=weight.device)
    if input.data.dtype.kind not in "iu":
        raise TypeError(f"embedding: input must hold integer token ids (dtype int64), got {input.data.dtype}")
    v = weight.shape[0]
    if input.data.size and (int(input.data.min()) < 0 or int(input.data.max()) >= v):
        raise IndexError(f"embedding: token ids must lie in [0, {v - 1}] (num_embeddings = {v}), got "
                         f"values from {int(input.data.min())} to {int(input.data.max())}")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += v
    return ops.Embedding.apply(input, weight, padding_idx=padding_idx)


class Embedding(Module):
    r"""A table of ``num_embeddings`` learned vectors of size ``embedding_dim``: ``weight`` $(V, D)$,
    initialised $\mathcal N(0, 1)$ as in torch, with the row ``padding_idx`` (if given) zero and never
    updated. (Keras ``Embedding(input_dim, output_dim)``: the same table, initialised $U(-0.05, 0.05)$.)"""

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 dtype=np.float32):
        super().__init__()
        if padding_idx is not None and not -num_embeddings <= padding_idx < num_embeddings:
            raise ValueError(f"Embedding: padding_idx={padding_idx} must lie within "
                             f"num_embeddings={num_embeddings}")
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = None if padding_idx is None else padding_idx % num_embeddings
        self.weight = Parameter(np.zeros((num_embeddings, embedding_dim), dtype))
        self.reset_parameters()

    def reset_parameters(self):
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    def forward(self, input) -> Tensor:
        return embedding(input, self.weight, self.padding_idx)

    def extra_repr(self):
        pad = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{pad}"
