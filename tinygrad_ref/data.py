"""Datasets and mini-batches, shaped like ``torch.utils.data``.

A ``Dataset`` is anything with ``__len__`` and ``__getitem__(i)``; a ``DataLoader`` cuts it into
mini-batches, optionally in a shuffled order drawn from a seeded generator, and stacks each batch into
Tensors. (Keras: ``model.fit(x, y, batch_size=..., shuffle=True)`` or ``tf.data.Dataset.shuffle().batch()``.)
"""

from __future__ import annotations

import math

import numpy as np

from .backend import xp_of
from .tensor import Tensor, rng


class Dataset:
    """Base class: subclasses define ``__len__`` and ``__getitem__(index)`` returning one sample
    (a Tensor, an array, a number, or a tuple of those)."""

    def __len__(self) -> int:
        raise NotImplementedError

    def __getitem__(self, index):
        raise NotImplementedError


class TensorDataset(Dataset):
    """Samples are the rows of tensors (or arrays) that share their first dimension:
    ``TensorDataset(X, y)[i] == (X[i], y[i])``."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        self.tensors = tuple(t if isinstance(t, Tensor) else Tensor(np.asarray(t)) for t in tensors)
        n = self.tensors[0].shape[0]
        if any(t.shape[0] != n for t in self.tensors):
            shapes = ", ".join(str(tuple(t.shape)) for t in self.tensors)
            raise ValueError(f"TensorDataset: all tensors must have the same first dimension, got {shapes}")

    def __len__(self) -> int:
        return self.tensors[0].shape[0]

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def batch(self, indices):
        """All samples at ``indices`` at once (one fancy-indexing per tensor, no per-sample stacking)."""
        return tuple(Tensor(t.data[xp_of(t.data).asarray(indices)]) for t in self.tensors)


def _collate(samples):
    """Stack a list of samples into a batch: tuples element by element, Tensors/arrays/numbers with a new
    leading axis."""
    first = samples[0]
    if isinstance(first, tuple | list):
        return tuple(_collate([s[i] for s in samples]) for i in range(len(first)))
    if isinstance(first, Tensor):
        return Tensor(xp_of(first.data).stack([s.data for s in samples]))
    return Tensor(np.stack([np.asarray(s) for s in samples]))


class DataLoader:
    """Iterate over ``dataset`` in mini-batches of ``batch_size`` samples.

    - ``shuffle=True`` draws a new permutation for every epoch (every ``iter()``) from the loader's own
      ``numpy.random.Generator`` seeded with ``seed``: the same seed gives the same sequence of epochs.
      With ``seed=None`` it uses the global generator, so ``tinygrad_ref.manual_seed`` fixes the order.
    - ``drop_last=True`` drops the final, smaller batch; ``len(loader)`` is the number of batches.

    Each batch is what the dataset's samples stack into, e.g. a tuple ``(X_batch, y_batch)`` of Tensors.
    """

    def __init__(self, dataset, batch_size: int = 1, shuffle: bool = False, drop_last: bool = False,
                 seed: int | None = None):
        if not isinstance(batch_size, int | np.integer) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.dataset, self.batch_size = dataset, int(batch_size)
        self.shuffle, self.drop_last = shuffle, drop_last
        self.generator = None if seed is None else np.random.default_rng(seed)

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self):
        n = len(self.dataset)
        order = (self.generator or rng()).permutation(n) if self.shuffle else np.arange(n)
        for b in range(len(self)):
            indices = order[b * self.batch_size:(b + 1) * self.batch_size]
            if isinstance(self.dataset, TensorDataset):
                yield self.dataset.batch(indices)
            else:
                yield _collate([self.dataset[int(i)] for i in indices])
