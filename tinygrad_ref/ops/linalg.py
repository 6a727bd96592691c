r"""Matrix products: ``MatMul`` and the fused ``Linear`` (the product of a layer with its bias)."""

from ..autograd import Function, ShapeError


class MatMul(Function):
    r"""NumPy/torch ``matmul``: batch dimensions broadcast, a 1-D operand is a vector; $^\top$ swaps the last
    two axes, and the engine sums the gradient over broadcast batch axes.

    Forward: $z = x \mathbin{@} y$
    Backward: $\bar x = \bar z \mathbin{@} y^\top,\quad \bar y = x^\top \mathbin{@} \bar z$
    """

    @staticmethod
    def forward(ctx, x, y):
        if x.ndim == 0 or y.ndim == 0 or x.shape[-1] != y.shape[-2 if y.ndim > 1 else 0]:
            raise ShapeError(
                f"MatMul: cannot multiply shapes {x.shape} @ {y.shape}: the last dimension of the left "
                "operand must equal the first (1-D) or second-to-last dimension of the right operand"
            )
        ctx.save_for_backward(x, y)
        try:
            return x @ y
        except ValueError:
            raise ShapeError(
                f"MatMul: batch dimensions of {x.shape} @ {y.shape} cannot broadcast "
                f"({x.shape[:-2]} with {y.shape[:-2]})"
            ) from None

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        gx, gy = ctx.needs_input_grad
        # a 1-D operand acts as a matrix with one row (left) or one column (right); put that axis back
        if y.ndim == 1:
            y, grad = y[:, None], grad[..., None]
        if x.ndim == 1:
            x, grad = x[None, :], grad[..., None, :]
        dx = grad @ y.swapaxes(-1, -2) if gx else None
        dy = x.swapaxes(-1, -2) @ grad if gy else None
        if gx and ctx.saved_tensors[0].ndim == 1:
            dx = dx[..., 0, :]
        if gy and ctx.saved_tensors[1].ndim == 1:
            dy = dy[..., 0]
        return dx, dy


class Linear(Function):
    r"""Affine map of $X$ $(\dots, \mathit{in})$ with the weight $W$ $(\mathit{out}, \mathit{in})$ (PyTorch's
    layout) and the bias $b$ $(\mathit{out},)$; for $\bar W$ and $\bar b$ the batch dimensions are
    flattened into one, $n$.

    Forward: $Y = X W^\top + b$
    Backward: $\bar X = \bar Y W,\quad \bar W = \bar Y^\top X,\quad \bar b = \textstyle\sum_n \bar Y_n$
    """

    @staticmethod
    def forward(ctx, x, w, b=None):
        ctx.save_for_backward(x, w)
        ctx.has_bias = b is not None
        return x @ w.T if b is None else x @ w.T + b

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        g2 = grad.reshape(-1, grad.shape[-1])
        grads = (grad @ w, g2.T @ x.reshape(-1, x.shape[-1]))
        return grads + (g2.sum(axis=0),) if ctx.has_bias else grads
