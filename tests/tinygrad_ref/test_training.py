"""End to end: an MLP learns sklearn's digits, and follows PyTorch's loss curve step by step."""

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import tinygrad_ref as tg
from tinygrad_ref import nn, optim
from tinygrad_ref.data import DataLoader, TensorDataset


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)  # 1797 8x8 images, shipped with scikit-learn (no download)
    X = (X / 16.0).astype(np.float32)
    return train_test_split(X, y.astype(np.int64), test_size=0.25, random_state=0, stratify=y)


def test_mlp_learns_digits(digits):
    X_train, X_test, y_train, y_test = digits
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = optim.Adam(model.parameters(), lr=3e-3)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=15)
    loader = DataLoader(TensorDataset(X_train, y_train), batch_size=64, shuffle=True, seed=0)
    for _ in range(15):
        model.train()
        for xb, yb in loader:
            loss = nn.functional.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
    model.eval()
    with tg.no_grad():
        pred = model(tg.tensor(X_test)).numpy().argmax(axis=1)
    accuracy = (pred == y_test).mean()
    assert accuracy >= 0.95, f"test accuracy {accuracy:.3f}"


@pytest.mark.parametrize("opt_name,kwargs", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=3e-3))])
def test_same_losses_as_pytorch(digits, opt_name, kwargs):
    """Same initial weights, same batches: the two frameworks' losses agree to 1e-5 for 50 steps."""
    X_train, _, y_train, _ = digits
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Dropout(0.0),
                                 torch.nn.Linear(128, 10))
    ours = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Dropout(0.0), nn.Linear(128, 10))
    ours.load_state_dict(theirs.state_dict())
    opt_ours = getattr(optim, opt_name)(ours.parameters(), **kwargs)
    opt_theirs = getattr(torch.optim, opt_name)(theirs.parameters(), **kwargs)
    loader = DataLoader(TensorDataset(X_train, y_train), batch_size=32, shuffle=True, seed=1)
    losses_ours, losses_theirs = [], []
    batches = (batch for _ in range(2) for batch in loader)  # 42 batches an epoch: two epochs
    for _ in range(50):
        xb, yb = next(batches)
        loss = nn.functional.cross_entropy(ours(xb), yb)
        opt_ours.zero_grad()
        loss.backward()
        opt_ours.step()
        ref = torch.nn.functional.cross_entropy(theirs(torch.from_numpy(xb.numpy())),
                                                torch.from_numpy(yb.numpy()))
        opt_theirs.zero_grad()
        ref.backward()
        opt_theirs.step()
        losses_ours.append(loss.item())
        losses_theirs.append(ref.item())
    np.testing.assert_allclose(losses_ours, losses_theirs, rtol=1e-5, atol=1e-6)
    assert losses_ours[-1] < 0.7 * losses_ours[0]  # it did learn
