"""data: Dataset, TensorDataset, DataLoader (batching, drop_last, seeded shuffling)."""

import numpy as np
import pytest

import tinygrad_ref as tg
from tinygrad_ref.data import DataLoader, Dataset, TensorDataset

X = np.arange(23 * 2, dtype=np.float32).reshape(23, 2)
Y = np.arange(23, dtype=np.int64)


@pytest.mark.parametrize("batch_size,drop_last,expected", [(5, False, 5), (5, True, 4), (23, False, 1),
                                                           (1, False, 23), (30, True, 0), (30, False, 1)])
def test_batch_count(batch_size, drop_last, expected):
    loader = DataLoader(TensorDataset(X, Y), batch_size=batch_size, drop_last=drop_last)
    batches = list(loader)
    assert len(loader) == len(batches) == expected
    sizes = [len(yb) for _, yb in batches]
    if drop_last:
        assert all(s == batch_size for s in sizes)
    else:
        assert sum(sizes) == 23


def test_batches_are_stacked_tensors_in_order():
    xb, yb = next(iter(DataLoader(TensorDataset(X, Y), batch_size=4)))
    assert isinstance(xb, tg.Tensor) and isinstance(yb, tg.Tensor)
    assert xb.shape == (4, 2) and xb.dtype == np.float32 and yb.dtype == np.int64
    np.testing.assert_array_equal(yb.numpy(), [0, 1, 2, 3])
    np.testing.assert_array_equal(xb.numpy(), X[:4])


def test_seeded_shuffle_is_reproducible_and_covers_every_index_once():
    def epochs(seed, n=3):
        loader = DataLoader(TensorDataset(X, Y), batch_size=5, shuffle=True, seed=seed)
        return [np.concatenate([yb.numpy() for _, yb in loader]) for _ in range(n)]

    a, b, c = epochs(1), epochs(1), epochs(2)
    for order in a:
        np.testing.assert_array_equal(np.sort(order), Y)  # every index exactly once
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)  # same seed, same sequence of epochs
    assert not np.array_equal(a[0], a[1])  # a new permutation every epoch
    assert not np.array_equal(a[0], c[0])  # another seed, another order
    assert not np.array_equal(a[0], Y)


def test_unseeded_shuffle_follows_manual_seed():
    loader = DataLoader(TensorDataset(X, Y), batch_size=23, shuffle=True)
    tg.manual_seed(5)
    first = next(iter(loader))[1].numpy()
    tg.manual_seed(5)
    np.testing.assert_array_equal(next(iter(loader))[1].numpy(), first)


def test_custom_dataset_is_collated():
    class Squares(Dataset):
        def __len__(self):
            return 7

        def __getitem__(self, i):
            return np.array([i, i * i], dtype=np.float64), i % 2

    batches = list(DataLoader(Squares(), batch_size=3))
    assert [b[0].shape for b in batches] == [(3, 2), (3, 2), (1, 2)]
    np.testing.assert_array_equal(batches[1][0].numpy(), [[3, 9], [4, 16], [5, 25]])
    np.testing.assert_array_equal(batches[1][1].numpy(), [1, 0, 1])


def test_tensor_dataset_and_errors():
    ds = TensorDataset(tg.tensor(X), Y)
    assert len(ds) == 23
    x5, y5 = ds[5]
    np.testing.assert_array_equal(x5.numpy(), X[5])
    assert y5.item() == 5
    with pytest.raises(ValueError, match=r"same first dimension.*\(23, 2\), \(22,\)"):
        TensorDataset(X, Y[:22])
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(ds, batch_size=0)
