"""Neural-network building blocks: ``Module`` and layers, ``functional`` (stateless ops and losses) and
``init`` (weight initialisation), named as in ``torch.nn``."""

from . import functional, init
from .layers import BatchNorm1d, Conv2d, Dropout, Flatten, Linear, MaxPool2d, ReLU, Sigmoid, Tanh
from .modules import Module, ModuleList, Parameter, Sequential

__all__ = ["Module", "Parameter", "Sequential", "ModuleList", "Linear", "Conv2d", "BatchNorm1d", "Dropout",
           "MaxPool2d", "Flatten", "ReLU", "Tanh", "Sigmoid", "functional", "init"]
