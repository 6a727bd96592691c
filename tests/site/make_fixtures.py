"""Writes the two small fixture notebooks the site tests build (run it after changing them).

They follow docs/authoring.md: a title cell with learning goals, math, a matplotlib figure, side-by-side
framework-labelled code cells, an exercise with a solution region and hidden tests, a written answer.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).parent / "fixtures" / "solutions"


def fw(source: str, framework: str):
    return new_code_cell(source, metadata={"framework": framework})


def solution(source: str, name: str):
    meta = {"grade": False, "solution": True, "locked": False, "grade_id": f"ex-{name}", "schema_version": 3}
    return new_code_cell(source, metadata={"nbgrader": meta})


def test(source: str, name: str, points: int = 1):
    meta = {
        "grade": True,
        "solution": False,
        "locked": True,
        "grade_id": f"test-{name}",
        "points": points,
        "schema_version": 3,
    }
    return new_code_cell(source, metadata={"nbgrader": meta})


def written(source: str, name: str, points: int = 1):
    meta = {
        "grade": True,
        "solution": True,
        "locked": False,
        "grade_id": f"written-{name}",
        "points": points,
        "schema_version": 3,
    }
    return new_markdown_cell(source, metadata={"nbgrader": meta})


ALPHA = [
    new_markdown_cell(
        "# Alpha: squares and sums\n\n**Learning goals**\n\n- Square a vector three ways\n"
        "- Plot a parabola\n- Write a function graded by `check`"
    ),
    new_code_cell(
        'import os\nos.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"\nimport matplotlib.pyplot as plt\n'
        "import numpy as np\nimport torch\nimport tensorflow as tf\nimport tinygrad_ref as tg\n"
        "from autograder import check\n\nrng = np.random.default_rng(0)\ntorch.manual_seed(0)\n"
        "tf.random.set_seed(0)\ntg.manual_seed(0)"
    ),
    new_markdown_cell(
        "## The square\n\nThe loss is $L = \\sum_i x_i^2$ and its gradient is\n\n"
        "$$\\frac{\\partial L}{\\partial x_i} = 2 x_i .$$\n\n"
        "The three cells below compute $L$ for the same vector."
    ),
    fw(
        "x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)\nloss = (x * x).sum()\nloss.backward()\n"
        "print('tinygrad_ref', loss.item(), x.grad)",
        "tinygrad_ref",
    ),
    fw(
        "x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\nloss = (x * x).sum()\nloss.backward()\n"
        "print('pytorch', loss.item(), x.grad)",
        "pytorch",
    ),
    fw(
        "x = tf.Variable([1.0, 2.0, 3.0])\nwith tf.GradientTape() as tape:\n    loss = tf.reduce_sum(x * x)\n"
        "print('tensorflow', float(loss), tape.gradient(loss, x).numpy())",
        "tensorflow",
    ),
    new_markdown_cell(
        "> **Pitfall:** `x.grad` accumulates; zero it between steps.\n\n## A figure\n\n"
        "The parabola $y = x^2$:"
    ),
    new_code_cell(
        "xs = np.linspace(-2, 2, 50)\nfig, ax = plt.subplots(figsize=(4, 3))\n"
        "ax.plot(xs, xs ** 2, label='$y = x^2$')\nax.legend()\nplt.show()"
    ),
    new_markdown_cell("The same tensor, made three ways:"),
    fw("t = tg.ones((2, 3))\nt.shape", "tinygrad_ref"),
    fw("t = torch.ones((2, 3))\nt.shape", "pytorch"),
    fw("t = tf.ones((2, 3))\nt.shape", "tensorflow"),
    new_markdown_cell(
        "## Exercise: `sum_of_squares`\n\nWrite `sum_of_squares(v)`: `v` a float64 NumPy vector of "
        "shape `(n,)`; return a Python float $\\sum_i v_i^2$. No Python loops."
    ),
    solution(
        'def sum_of_squares(v):\n    """The sum of the squares of v."""\n    ### BEGIN SOLUTION\n'
        "    squared_alpha_secret = np.asarray(v, dtype=np.float64) ** 2\n"
        "    return float(squared_alpha_secret.sum())\n    ### END SOLUTION",
        "sum_of_squares",
    ),
    test(
        "v = rng.normal(size=5)\n"
        "check('sum_of_squares', sum_of_squares, cases=[(v,)], reference=lambda v: float(np.dot(v, v)),\n"
        "      atol=1e-10, rtol=1e-10)  # float64 work\n### BEGIN HIDDEN TESTS\n"
        "w_hidden_alpha = rng.normal(size=17)\n"
        "check('sum_of_squares_hidden', sum_of_squares, cases=[(w_hidden_alpha,)],\n"
        "      reference=lambda v: float(np.dot(v, v)), atol=1e-10, rtol=1e-10)\n### END HIDDEN TESTS",
        "sum_of_squares",
    ),
    new_markdown_cell("## Written answer\n\nWhy does the gradient of $x^2$ double $x$?"),
    written("The derivative of the square is two times the model answer secret.", "why-double"),
    new_markdown_cell("## Summary\n\n- One loss, three frameworks.\n- The gradient of $x^2$ is $2x$."),
]

BETA = [
    new_markdown_cell(
        "# Beta: means\n\n**Learning goals**\n\n- Take a mean in two frameworks\n- Implement `centered`"
    ),
    new_code_cell(
        "import numpy as np\nimport torch\nimport tinygrad_ref as tg\nfrom autograder import check\n\n"
        "rng = np.random.default_rng(0)\ntorch.manual_seed(0)\ntg.manual_seed(0)"
    ),
    new_markdown_cell("## Means\n\nThe mean is $\\bar x = \\frac{1}{n} \\sum_i x_i$."),
    fw("m = tg.tensor([1.0, 2.0, 6.0]).mean()\nprint(m.item())", "tinygrad_ref"),
    fw("m = torch.tensor([1.0, 2.0, 6.0]).mean()\nprint(m.item())", "pytorch"),
    new_markdown_cell(
        "## Exercise: `centered`\n\nWrite `centered(v)`: subtract the mean of a float64 vector "
        "`(n,)` from every element; return an array of the same shape and dtype."
    ),
    solution(
        'def centered(v):\n    """v minus its mean."""\n    ### BEGIN SOLUTION\n'
        "    beta_mean_secret = v.mean()\n    return v - beta_mean_secret\n    ### END SOLUTION",
        "centered",
    ),
    test(
        "v = rng.normal(size=4)\n"
        "check('centered', centered, cases=[(v,)], reference=lambda v: v - np.mean(v),\n"
        "      atol=1e-10, rtol=1e-10)\n"
        "### BEGIN HIDDEN TESTS\nbeta_hidden_cases = [(rng.normal(size=9),)]\n"
        "check('centered_hidden', centered, cases=beta_hidden_cases, reference=lambda v: v - np.mean(v),\n"
        "      atol=1e-10, rtol=1e-10)\n### END HIDDEN TESTS",
        "centered",
    ),
    new_markdown_cell("## Summary\n\n- `centered` subtracts the mean."),
]


def write(name: str, cells) -> Path:
    nb = new_notebook(
        cells=cells,
        metadata={"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
    )
    for i, cell in enumerate(nb.cells):
        cell.id = f"{name}-{i}"  # stable ids: rewriting the fixtures changes nothing unless the cells do
    path = HERE / name / f"{name}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


if __name__ == "__main__":
    print(write("01-alpha", ALPHA))
    print(write("02-beta", BETA))
