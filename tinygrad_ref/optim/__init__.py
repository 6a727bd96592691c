"""Optimizers (``SGD``, ``Adagrad``, ``RMSprop``, ``Adam``, ``AdamW``) and ``lr_scheduler``, with
torch.optim's exact update rules."""

from . import lr_scheduler
from .optimizers import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "lr_scheduler"]
