"""``Module`` (the container of parameters, buffers and sub-modules), ``Parameter`` and ``Sequential``.

As in torch, assigning a ``Parameter`` or a ``Module`` to an attribute registers it::

    class MLP(Module):
        def __init__(self):
            super().__init__()
            self.fc1 = Linear(64, 128)      # a sub-module: its parameters become "fc1.weight", "fc1.bias"
            self.scale = Parameter(ones(1))  # a parameter of MLP itself

        def forward(self, x):
            return self.fc1(x).relu() * self.scale
"""

from __future__ import annotations

from collections import OrderedDict, namedtuple

import numpy as np

from ..backend import to_device
from ..tensor import Tensor


class Parameter(Tensor):
    """A Tensor that is a model's learnable weight: ``requires_grad=True``, and registered by ``Module``
    when assigned as an attribute."""

    def __init__(self, data, requires_grad: bool = True):
        super().__init__(data, requires_grad=requires_grad)  # a Tensor is copied with its dtype and device

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])
_STATE = ("_parameters", "_buffers")  # the registries saved by state_dict, in torch's order


class Module:
    """Base class of every layer and model. Subclasses call ``super().__init__()`` first, assign their
    parameters and sub-modules as attributes, and define ``forward``; ``module(x)`` calls ``forward(x)``."""

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    # -- registration ---------------------------------------------------------------------------------
    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"call super().__init__() in {type(self).__name__}.__init__ before "
                                 "assigning attributes")
        if isinstance(value, Parameter):
            kind = self._parameters
        elif isinstance(value, Module):
            kind = self._modules
        elif name in self._buffers and isinstance(value, Tensor):
            kind = self._buffers  # assigning a tensor to a buffer's name updates the buffer
        else:
            kind = None
        for registry in (self._parameters, self._buffers, self._modules):
            if registry is not kind:
                registry.pop(name, None)
        if kind is not None:
            kind[name] = value  # a re-assigned name keeps its place in the order, as in torch
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` under ``name`` (``None`` leaves a placeholder, e.g. ``bias=False``)."""
        setattr(self, name, param)
        if param is None:
            self._parameters[name] = None

    def register_buffer(self, name: str, tensor: Tensor) -> None:
        """State that is saved in ``state_dict`` but not trained (e.g. BatchNorm's running mean)."""
        setattr(self, name, tensor)
        self._buffers[name] = tensor

    def add_module(self, name: str, module: Module) -> None:
        setattr(self, name, module)

    # -- traversal ------------------------------------------------------------------------------------
    def named_modules(self, prefix: str = ""):
        """``(name, module)`` for this module and every descendant, depth first (``""`` is self)."""
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self):
        return (m for _, m in self.named_modules())

    def named_children(self):
        return ((name, child) for name, child in self._modules.items() if child is not None)

    def children(self):
        return (child for _, child in self.named_children())

    def _named(self, *registries: str, unique: bool = True):
        """``(dotted name, tensor)`` from the given registries of every module; with ``unique`` a tensor
        shared by several modules is listed once (``state_dict`` lists it under every name, as torch)."""
        seen = set()
        for mod_name, module in self.named_modules():
            for registry in registries:
                for name, t in getattr(module, registry).items():
                    if t is not None and not (unique and id(t) in seen):
                        seen.add(id(t))
                        yield (f"{mod_name}.{name}" if mod_name else name), t

    def named_parameters(self):
        """``(dotted name, Parameter)`` pairs, e.g. ``("0.weight", ...)`` in a ``Sequential``."""
        return self._named("_parameters")

    def parameters(self):
        return (p for _, p in self.named_parameters())

    def named_buffers(self):
        return self._named("_buffers")

    def buffers(self):
        return (b for _, b in self.named_buffers())

    def apply(self, fn):
        """Call ``fn(m)`` on every sub-module and on self (children first), e.g. for custom init."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # -- modes and gradients ---------------------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Training mode (dropout active, batch statistics) for this module and all its descendants."""
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = None

    def to(self, device: str) -> Module:
        """Move every parameter and buffer to ``device`` in place ("cpu" or "cuda")."""
        for _, t in self._named("_parameters", "_buffers"):
            t.data = to_device(t.data, device)
            t.grad = None
        return self

    # -- saving and loading ----------------------------------------------------------------------------
    def state_dict(self) -> OrderedDict:
        """Name -> copy of every parameter and buffer, with torch's names (so the two can be exchanged)."""
        return OrderedDict((name, Tensor(t.data.copy())) for name, t in self._named(*_STATE, unique=False))

    def load_state_dict(self, state_dict, strict: bool = True) -> IncompatibleKeys:
        """Copy values (our Tensors, NumPy arrays or torch tensors) into the parameters and buffers, in place.

        ``strict=True`` requires exactly the keys of ``self.state_dict()``. A shape mismatch is always an
        error. Returns ``(missing_keys, unexpected_keys)``."""
        own = dict(self._named(*_STATE, unique=False))
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = []
        if strict and missing:
            errors.append("missing key(s) in state_dict: " + ", ".join(map(repr, missing)))
        if strict and unexpected:
            errors.append("unexpected key(s) in state_dict: " + ", ".join(map(repr, unexpected)))
        values = {key: state_dict[key] for key in own if key in state_dict}
        values = {key: (v.data if isinstance(v, Tensor) else np.asarray(v)) for key, v in values.items()}
        for key, value in values.items():
            if tuple(value.shape) != tuple(own[key].shape):
                errors.append(f"size mismatch for {key!r}: the checkpoint has shape {tuple(value.shape)}, "
                              f"the model has {tuple(own[key].shape)}")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n  "
                               + "\n  ".join(errors))
        for key, value in values.items():
            own[key].data[...] = to_device(value, own[key].device, dtype=own[key].data.dtype)
        return IncompatibleKeys(missing, unexpected)

    # -- calling and printing --------------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def extra_repr(self) -> str:
        """The text inside the parentheses of ``repr``, e.g. ``in_features=3, out_features=4, bias=True``."""
        return ""

    def __repr__(self):
        children = [f"({name}): " + repr(m).replace("\n", "\n  ") for name, m in self.named_children()]
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        head = f"{type(self).__name__}(" + (self.extra_repr() + "\n" if self.extra_repr() else "\n")
        return head + "".join(f"  {c}\n" for c in children) + ")"


class Sequential(Module):
    """Modules applied one after the other; they are named ``"0"``, ``"1"``, ... as in torch."""

    def __init__(self, *modules: Module):
        super().__init__()
        for i, m in enumerate(modules):
            if not isinstance(m, Module):
                raise TypeError(f"Sequential: argument {i} is a {type(m).__name__}, not a Module "
                                "(did you pass a function? wrap it in a Module)")
            self.add_module(str(i), m)

    def forward(self, x):
        for m in self._modules.values():
            x = m(x)
        return x

    def __getitem__(self, i):
        return list(self._modules.values())[i]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())


class ModuleList(Module):
    """A list of sub-modules, registered as ``"0"``, ``"1"``, ... (a plain Python list would hide their
    parameters from ``parameters()``); call them yourself in ``forward``."""

    def __init__(self, modules=()):
        super().__init__()
        for m in modules:
            self.append(m)

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self._modules)), module)
        return self

    __getitem__, __len__, __iter__ = Sequential.__getitem__, Sequential.__len__, Sequential.__iter__
