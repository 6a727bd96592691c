r"""Learning-rate schedules, stepped once per epoch (or per batch) *after* ``optimizer.step()``.

Each scheduler writes the new rate into every ``optimizer.param_groups[i]["lr"]``; the formulas are
torch.optim.lr_scheduler's, including its recursive form of cosine annealing, so the sequences match
torch's to the last bit. Keras instead passes a ``LearningRateSchedule`` object as ``learning_rate``,
evaluated at the optimizer's *iteration* count (``keras.optimizers.schedules.CosineDecay``, ...).
"""

from __future__ import annotations

import math

from .optimizers import Optimizer


class LRScheduler:
    """Base class. ``last_epoch`` counts the calls to ``step()``; creating the scheduler counts as
    step 0 and leaves the learning rate at its initial value (``base_lrs``), except for ``LambdaLR``."""

    def __init__(self, optimizer: Optimizer):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = -1
        self.step()

    def get_lr(self) -> list[float]:
        """The learning rates for epoch ``self.last_epoch``, one per parameter group."""
        raise NotImplementedError

    def get_last_lr(self) -> list[float]:
        """The learning rates the last ``step()`` set."""
        return list(self._last_lr)

    def step(self) -> None:
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = self._current()

    def _current(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]


class StepLR(LRScheduler):
    r"""Multiply the rate by $\gamma$ every ``step_size`` epochs:
    $\eta_t = \eta_0\,\gamma^{\lfloor t / \text{step\_size}\rfloor}$ (computed recursively, as torch does).
    Keras: ``keras.optimizers.schedules.ExponentialDecay(lr, decay_steps, gamma, staircase=True)``."""

    def __init__(self, optimizer, step_size: int, gamma: float = 0.1):
        if step_size < 1:
            raise ValueError(f"step_size must be a positive integer, got {step_size}")
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current()
        return [lr * self.gamma for lr in self._current()]


class CosineAnnealingLR(LRScheduler):
    r"""Cosine annealing from $\eta_0$ down to $\eta_{min}$ over ``T_max`` epochs:

    $$\eta_t = \eta_{min} + \tfrac12(\eta_0 - \eta_{min})\left(1 + \cos\frac{\pi t}{T_{max}}\right)$$

    torch evaluates it recursively from the current rate (so that it composes with other changes of the
    rate); we do the same, hence identical numbers:
    $\eta_t = \eta_{min} + (\eta_{t-1} - \eta_{min})\,\frac{1 + \cos(\pi t/T)}{1 + \cos(\pi (t-1)/T)}$.
    After ``T_max`` the rate climbs back up (the cosine continues). Keras: ``schedules.CosineDecay``
    (which stays at its minimum after ``decay_steps`` instead)."""

    def __init__(self, optimizer, T_max: int, eta_min: float = 0.0):
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer)

    def get_lr(self):
        t, T, lo = self.last_epoch, self.T_max, self.eta_min
        if t == 0:
            return self._current()
        if (t - 1 - T) % (2 * T) == 0:
            return [lr + (base - lo) * (1 - math.cos(math.pi / T)) / 2
                    for lr, base in zip(self._current(), self.base_lrs)]
        return [(1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T)) * (lr - lo) + lo
                for lr in self._current()]


class LambdaLR(LRScheduler):
    r"""$\eta_t = \eta_0 \cdot f(t)$ for a function $f$ of the epoch (one per group, or one for all).
    Linear warm-up, for example: ``LambdaLR(opt, lambda t: min(1.0, (t + 1) / 10))``."""

    def __init__(self, optimizer, lr_lambda):
        n = len(optimizer.param_groups)
        if isinstance(lr_lambda, list | tuple):
            if len(lr_lambda) != n:
                raise ValueError(f"expected {n} lr_lambdas (one per parameter group), got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * n
        super().__init__(optimizer)

    def get_lr(self):
        return [base * f(self.last_epoch) for f, base in zip(self.lr_lambdas, self.base_lrs)]
