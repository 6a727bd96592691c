r"""Optimizers with exactly ``torch.optim``'s update rules (its single-tensor "for-loop" code path).

Every optimizer reads ``p.grad`` and changes ``p.data`` in place; nothing here is recorded by autograd.
Notation in the docstrings: $\theta$ a parameter, $g$ its gradient, $\eta$ the learning rate,
$\lambda$ the weight decay, $t$ the step count starting at 1.

Where Keras differs (checked against ``keras/src/optimizers/*.py``, Keras 3): Keras always applies
``weight_decay`` *decoupled*, $\theta \leftarrow \theta - \eta\lambda\theta$ before the update (AdamW-style),
while torch's ``SGD``/``Adagrad``/``RMSprop``/``Adam`` add $\lambda\theta$ to the gradient (L2 penalty).
"""

from __future__ import annotations

import math

from ..backend import xp_of
from ..tensor import Tensor


def _array(x):
    """The backend array behind a Tensor (or ``x`` itself when it is already an array)."""
    return x.data if isinstance(x, Tensor) else x


def _lerp_(start, end, weight):
    r"""In place $s \leftarrow s + w\,(e - s)$, computed the way ``torch.lerp`` does (bit for bit)."""
    if weight < 0.5:
        start += weight * (end - start)
    else:
        start[...] = end - (end - start) * (1 - weight)
    return start


class Optimizer:
    """Base class: holds ``param_groups`` (a list of dicts: ``params`` plus hyper-parameters) and
    per-parameter ``state``. Subclasses implement ``_update(p, grad, state, group)``; ``step`` applies the
    weight decay first, the same way for all of them (see ``step``).

    ``params`` is an iterable of Tensors, or of dicts ``{"params": [...], "lr": ...}`` to give
    groups their own hyper-parameters, as in torch. Numeric hyper-parameters must be >= 0.
    """

    def __init__(self, params, defaults: dict):
        if isinstance(params, Tensor):
            raise TypeError("params should be an iterable of Tensors (e.g. model.parameters()), got a Tensor")
        negative = [f"{k}={v}" for k, v in defaults.items() if isinstance(v, int | float) and v < 0]
        if negative:
            raise ValueError(f"invalid {type(self).__name__} hyper-parameters: {', '.join(negative)} "
                             "(all must be >= 0)")
        self.defaults = dict(defaults)
        self.state: dict[int, dict] = {}  # per-parameter state, keyed by id(param)
        self.param_groups: list[dict] = []
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict) -> None:
        group = {**self.defaults, **group}
        params = group["params"]
        group["params"] = [params] if isinstance(params, Tensor) else list(params)
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, got {type(p).__name__}")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients (``p.grad = None``, torch's default) before the next backward pass."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none or p.grad is None:
                    p.grad = None
                else:
                    _array(p.grad)[...] = 0

    def step(self, closure=None):
        r"""One update of every parameter that has a gradient. ``closure`` (optional) re-evaluates the loss.

        Weight decay $\lambda$ comes first: torch's L2 penalty $g \leftarrow g + \lambda\theta$, or, with
        ``decoupled_weight_decay`` (AdamW), $\theta \leftarrow \theta(1 - \eta\lambda)$."""
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            wd = group.get("weight_decay", 0)
            for p in group["params"]:
                if p.grad is None:
                    continue
                theta, grad = p.data, _array(p.grad)
                if wd != 0 and group.get("decoupled_weight_decay"):
                    theta *= 1 - group["lr"] * wd
                elif wd != 0:
                    grad = grad + wd * theta
                self._update(theta, grad, self.state.setdefault(id(p), {}), group)
        return loss

    def _update(self, theta, grad, state: dict, group: dict) -> None:
        raise NotImplementedError

    def state_dict(self) -> dict:
        """``{"state": {index: {name: array}}, "param_groups": [{..., "params": [indices]}]}`` like torch."""
        index, groups = {}, []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {index[k]: {n: (v.copy() if hasattr(v, "copy") else v) for n, v in s.items()}
                 for k, s in self.state.items() if k in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups) or any(
                len(a["params"]) != len(b["params"]) for a, b in zip(groups, self.param_groups)):
            raise ValueError("loaded state dict has a different number of parameter groups or parameters")
        params = [p for g in self.param_groups for p in g["params"]]
        self.state = {id(params[i]): {n: (v.copy() if hasattr(v, "copy") else v) for n, v in s.items()}
                      for i, s in state_dict["state"].items()}
        for mine, saved in zip(self.param_groups, groups):
            mine.update({k: v for k, v in saved.items() if k != "params"})


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with momentum (torch.optim.SGD).

    $$g \leftarrow g + \lambda\theta,\qquad
      b_t = \begin{cases} g & t = 1\\ \mu b_{t-1} + (1-\tau)\,g & t > 1\end{cases},\qquad
      \theta \leftarrow \theta - \eta\,
      \begin{cases} g + \mu b_t & \text{nesterov}\\ b_t & \text{otherwise}\end{cases}$$

    ($\mu$ momentum, $\tau$ dampening; without momentum simply $\theta \leftarrow \theta - \eta g$.)

    Keras ``SGD`` (default ``learning_rate=0.01``) keeps the velocity with the learning rate folded in:
    $v \leftarrow \mu v - \eta g$, $\theta \leftarrow \theta + v$
    (nesterov: $\theta \leftarrow \theta + \mu v - \eta g$).
    With a constant $\eta$ this is the same trajectory as torch's ($v = -\eta b$); when $\eta$ changes
    (a schedule) they differ, because Keras' old velocity keeps the old learning rate. Keras has no dampening.
    """

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov))

    def _update(self, theta, grad, state, group):
        momentum = group["momentum"]
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = grad.copy()
            else:
                buf *= momentum
                buf += (1 - group["dampening"]) * grad
            grad = grad + momentum * buf if group["nesterov"] else buf
        theta -= group["lr"] * grad


class Adagrad(Optimizer):
    r"""Adagrad (torch.optim.Adagrad): per-coordinate step sizes from the sum of squared gradients.

    $$g \leftarrow g + \lambda\theta,\qquad \tilde\eta_t = \frac{\eta}{1 + (t-1)\,\delta},\qquad
      s_t = s_{t-1} + g^2 \;(s_0 = \text{initial\_accumulator\_value}),\qquad
      \theta \leftarrow \theta - \tilde\eta_t\,\frac{g}{\sqrt{s_t} + \epsilon}$$

    ($\delta$ = ``lr_decay``.) Keras ``Adagrad`` differs: ``initial_accumulator_value=0.1`` (torch 0),
    ``epsilon=1e-7`` *inside* the root, $\theta \leftarrow \theta - \eta g/\sqrt{s_t + \epsilon}$ (torch:
    ``eps=1e-10`` outside), default ``learning_rate=0.001`` (torch 0.01), and no ``lr_decay``.
    """

    def __init__(self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                 eps=1e-10):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps))

    def _update(self, theta, grad, state, group):
        if not state:
            state.update(step=0, sum=theta * 0 + group["initial_accumulator_value"])
        state["step"] += 1
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state["sum"] += grad * grad
        theta -= clr * grad / (state["sum"] ** 0.5 + group["eps"])


class RMSprop(Optimizer):
    r"""RMSprop (torch.optim.RMSprop): divide by a running root-mean-square of the gradient.

    $$g \leftarrow g + \lambda\theta,\qquad v_t = \alpha v_{t-1} + (1-\alpha) g^2,\qquad
      d = \begin{cases}\sqrt{v_t - \bar g_t^2} + \epsilon, \quad \bar g_t = \alpha \bar g_{t-1} + (1-\alpha) g
          & \text{centered}\\ \sqrt{v_t} + \epsilon & \text{otherwise}\end{cases}$$
    $$\text{momentum } \mu > 0:\; b_t = \mu b_{t-1} + g/d,\;\theta \leftarrow \theta - \eta b_t;\qquad
      \text{else } \theta \leftarrow \theta - \eta\, g/d$$

    Keras ``RMSprop`` differs: ``rho=0.9`` (torch ``alpha=0.99``), ``epsilon=1e-7`` *inside* the root,
    $g/\sqrt{v_t + \epsilon}$ (torch ``eps=1e-8`` outside), ``learning_rate=0.001`` (torch 0.01), and its
    momentum buffer holds the learning rate: $b_t = \mu b_{t-1} + \eta g/\sqrt{\cdot}$.
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                 centered=False):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered))

    def _update(self, theta, grad, state, group):
        alpha = group["alpha"]
        if not state:
            state.update(step=0, square_avg=theta * 0)
            if group["momentum"] > 0:
                state["momentum_buffer"] = theta * 0
            if group["centered"]:
                state["grad_avg"] = theta * 0
        state["step"] += 1
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = _lerp_(state["grad_avg"], grad, 1 - alpha)
            avg = (square_avg - grad_avg * grad_avg) ** 0.5
        else:
            avg = square_avg ** 0.5
        avg += group["eps"]
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            buf *= group["momentum"]
            buf += grad / avg
            theta -= group["lr"] * buf
        else:
            theta -= group["lr"] * grad / avg


class Adam(Optimizer):
    r"""Adam (torch.optim.Adam): momentum on $g$ and on $g^2$, both bias-corrected.

    $$g \leftarrow g + \lambda\theta,\quad m_t = \beta_1 m_{t-1} + (1-\beta_1) g,\quad
      v_t = \beta_2 v_{t-1} + (1-\beta_2) g^2,\quad
      \theta \leftarrow \theta -
      \frac{\eta}{1-\beta_1^t}\,\frac{m_t}{\sqrt{\hat v_t}/\sqrt{1-\beta_2^t} + \epsilon}$$

    where $\hat v_t = v_t$, or with ``amsgrad`` $\hat v_t = \max(\hat v_{t-1}, v_t)$.

    Keras ``Adam`` differs: ``epsilon=1e-7`` (torch 1e-8) is added to the *uncorrected* root,
    $\theta \leftarrow \theta - \eta_t\, m_t/(\sqrt{v_t} + \epsilon)$ with
    $\eta_t = \eta\sqrt{1-\beta_2^t}/(1-\beta_1^t)$ (the Adam paper's efficient form, where Keras'
    epsilon is the paper's $\hat\epsilon$) — i.e. torch's formula with $\epsilon$ replaced by
    $\epsilon/\sqrt{1-\beta_2^t}$, much larger in the first steps. Keras' ``weight_decay`` is decoupled
    (so Keras ``Adam(weight_decay=...)`` behaves like AdamW, not like torch ``Adam``).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
                 decoupled_weight_decay=False):
        if not (0 <= betas[0] < 1 and 0 <= betas[1] < 1):
            raise ValueError(f"invalid Adam hyper-parameters: betas={betas} (each must be in [0, 1))")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, decoupled_weight_decay=decoupled_weight_decay))

    def _update(self, theta, grad, state, group):
        beta1, beta2 = group["betas"]
        if not state:
            state.update(step=0, exp_avg=theta * 0, exp_avg_sq=theta * 0)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = theta * 0
        state["step"] += 1
        t = state["step"]
        exp_avg = _lerp_(state["exp_avg"], grad, 1 - beta1)
        exp_avg_sq = state["exp_avg_sq"]
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * grad * grad
        if group["amsgrad"]:
            v = state["max_exp_avg_sq"]
            xp_of(v).maximum(v, exp_avg_sq, out=v)
        else:
            v = exp_avg_sq
        denom = v ** 0.5 / math.sqrt(1 - beta2 ** t) + group["eps"]
        theta -= group["lr"] / (1 - beta1 ** t) * exp_avg / denom


class AdamW(Adam):
    r"""Adam with decoupled weight decay (torch.optim.AdamW; Loshchilov & Hutter):
    $\theta \leftarrow \theta(1 - \eta\lambda)$ first, then the Adam step on the plain gradient
    (default $\lambda = 0.01$).

    Keras ``AdamW`` applies the same decoupled decay ($\theta \leftarrow \theta - \eta\lambda\theta$) but
    defaults to ``weight_decay=0.004`` and ``epsilon=1e-7``, with Keras' Adam epsilon
    placement (see ``Adam``).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, decoupled_weight_decay=True)
