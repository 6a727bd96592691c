"""The gradient table: one page with every differentiable op of tinygrad_ref, the math of its forward
and of its backward, each linked to its API entry and to its source.

The rows come from ``tinygrad_ref.ops.gradient_rules()``, which reads them from the ops' docstrings: a
list of {"op": class name, "forward": LaTeX, "backward": LaTeX, "module": dotted module, "path":
repository-relative file, "line": line of the class statement}."""

from __future__ import annotations

from . import BuildError

PAGE = "gradients"  # the page's name in the source tree (gradients.md -> gradients.html)
TITLE = "Gradient table"
ABOUT = ": every op of tinygrad_ref, its forward and its backward, on one page."
KEYS = ("op", "forward", "backward", "module", "path", "line")


def gradient_rules() -> list[dict]:
    from tinygrad_ref.ops import gradient_rules as rules

    return rules()


def _math(latex: str) -> str:
    text = " ".join(str(latex).split())
    return f"${text}$" if text else "(none)"


def _check(rules: list[dict]) -> None:
    for i, rule in enumerate(rules):
        missing = [k for k in KEYS if k not in rule]
        if missing:
            raise BuildError(
                f"error: gradient_rules() entry {i} ({rule.get('op', '?')}) lacks {', '.join(missing)}; "
                f"each entry needs {', '.join(KEYS)}"
            )
        if "$" in rule["forward"] + rule["backward"]:
            raise BuildError(
                f"error: gradient_rules() entry {rule['op']}: give the LaTeX without $ delimiters"
            )


def source_url(repo_url: str, branch: str, path: str, line: int) -> str:
    return f"{repo_url}/blob/{branch}/{path}#L{line}"


def gradient_page(rules: list[dict], repo_url: str, branch: str) -> str:
    """The page's MyST source: a list-table (its cells are Markdown, so ``$...$`` is math and ``|`` in a
    formula cannot break it), one row per op: its name (a cross-reference to its API entry) over its
    file and line (a link to its source), then its forward over its backward. Stacked, the widest
    rules fit a laptop's screen (side by side they would not: MathJax does not break lines); the page
    drops the right-hand sidebar (it would list no headings) and course.css gives the table its width."""
    _check(rules)
    lines = [
        "---",
        "html_theme.sidebar_secondary.remove: true",
        "---",
        "",
        f"# {TITLE}",
        "",
        "Every differentiable op of `tinygrad_ref` on one page: what its `forward` computes and what its",
        "`backward` returns. A bar marks a gradient: $\\bar z$ is the gradient of the loss with respect to",
        "the op's output, which `backward` receives, and $\\bar x$ the gradient it returns for input $x$.",
        "The engine sums each returned gradient back to its input's shape where the forward broadcast it.",
        "Generated from the ops' docstrings; each name links to its API entry, each file to its source.",
        "",
        "```{list-table}",
        ":header-rows: 1",
        ":widths: auto",
        ":class: course-gradient-table",
        "",
        "* - Op",
        "  - Forward and backward",
    ]
    for rule in rules:
        module, op, path, line = rule["module"], rule["op"], rule["path"], int(rule["line"])
        lines += [
            f"* - {{py:class}}`{op} <{module}.{op}>`",
            "",
            f"    [{path.rsplit('/', 1)[-1]}:{line}]({source_url(repo_url, branch, path, line)})",
            f"  - Forward: {_math(rule['forward'])}",
            "",
            f"    Backward: {_math(rule['backward'])}",
        ]
    lines += ["```", ""]
    return "\n".join(lines)
