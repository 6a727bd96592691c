"""Neural-network building blocks: ``Module`` and layers, ``functional`` (stateless ops and losses) and
``init`` (weight initialisation), named as in ``torch.nn``."""

from . import functional, init
from .attention import MultiheadAttention
from .layers import GELU, AvgPool2d, Conv2d, Dropout, Flatten, Linear, MaxPool2d, ReLU, Sigmoid, Tanh
from .modules import Module, ModuleList, Parameter, Sequential
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from .recurrent import GRU, LSTM, RNN
from .sparse import Embedding

__all__ = ["Module", "Parameter", "Sequential", "ModuleList", "Linear", "Conv2d", "BatchNorm1d",
           "BatchNorm2d", "LayerNorm", "Embedding", "Dropout", "MaxPool2d", "AvgPool2d", "Flatten", "ReLU",
           "Tanh", "Sigmoid",
           "GELU", "RNN", "LSTM", "GRU", "MultiheadAttention", "functional", "init"]
