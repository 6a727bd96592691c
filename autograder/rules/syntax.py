"""Reading an answer cell's syntax, the facts the analyser builds on: the tree of a cell with IPython's
magics (:func:`parse_cell`), the names a cell or a function binds, the modules imports bind, and dotted
names as written. Nothing here knows the rules."""

from __future__ import annotations

import ast
import re
import warnings

_CODE_MAGIC = re.compile(r"^([ \t]*)%(?:time|timeit)\b((?:[ \t]+-\w+(?:[ \t]+\d+)?)*)[ \t]+(.*)$")
_CELL_MAGIC = re.compile(r"^[ \t]*%%(?:time|timeit|capture)\b")


def parse_cell(source: str) -> ast.Module:
    """A cell's syntax tree; IPython syntax (magics) is transformed as IPython does. Raises SyntaxError.

    The code that ``%time``/``%timeit`` lines and ``%%time``/``%%timeit``/``%%capture`` cells run is
    parsed as the cell's own code (same line numbers), so a timed line is checked like any other."""
    lines = source.split("\n")
    if lines and _CELL_MAGIC.match(lines[0]):
        lines[0] = ""
    source = "\n".join(m[1] + m[3] if (m := _CODE_MAGIC.match(line)) else line for line in lines)
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError) as first:  # ValueError: a null byte
        try:
            from IPython.core.inputtransformer2 import TransformerManager

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return ast.parse(TransformerManager().transform_cell(source))
        except (SyntaxError, ImportError, ValueError):
            raise SyntaxError(str(first)) if isinstance(first, ValueError) else first from None


def module_bindings(tree: ast.Module) -> set[str]:
    """Names a cell binds in the notebook's global namespace (anywhere outside functions and classes,
    plus ``global`` declarations inside them)."""
    names: set[str] = set()

    def walk(node, top: bool):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if top:
                    names.add(child.name)
                for sub in ast.walk(child):
                    if isinstance(sub, ast.Global):
                        names.update(sub.names)
                if top:
                    for deco in child.decorator_list:
                        walk(deco, top)
                continue
            if isinstance(child, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
                for sub in ast.walk(child):
                    if isinstance(sub, ast.NamedExpr) and isinstance(sub.target, ast.Name):
                        names.add(sub.target.id)
                continue
            if top and isinstance(child, ast.Name) and isinstance(child.ctx, (ast.Store, ast.Del)):
                names.add(child.id)
            elif top and isinstance(child, (ast.Import, ast.ImportFrom)):
                for alias in child.names:
                    if alias.name != "*":
                        names.add(alias.asname or alias.name.split(".")[0])
            elif top and isinstance(child, ast.ExceptHandler) and child.name:
                names.add(child.name)
            elif top and isinstance(child, (ast.MatchAs, ast.MatchStar)) and child.name:
                names.add(child.name)
            walk(child, top)

    walk(tree, True)
    return names


def statement_aliases(node) -> dict[str, str]:
    """{bound name: qualified name} for one import statement (nothing for ``*`` or relative imports)."""
    found = {}
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                found[alias.asname] = alias.name
            else:
                head = alias.name.split(".")[0]
                found[head] = head
    elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
        for alias in node.names:
            if alias.name != "*":
                found[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return found


def import_aliases(sources) -> dict[str, str]:
    """The top-level imports of trusted (instructor) cells: {bound name: qualified name}."""
    found: dict[str, str] = {}
    for source in sources:
        try:
            tree = parse_cell(source)
        except SyntaxError:
            continue
        for node in tree.body:
            found.update(statement_aliases(node))
    return found


def function_locals(node) -> set[str]:
    """Names bound in a function's own scope (not nested functions, classes or comprehensions)."""
    args = node.args
    names = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
    names |= {a.arg for a in (args.vararg, args.kwarg) if a}
    declared: set[str] = set()
    body = node.body if isinstance(node.body, list) else [node.body]
    todo = list(body)
    while todo:
        child = todo.pop()
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(child.name)
            todo.extend(child.decorator_list)
            continue
        if isinstance(child, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            continue
        if isinstance(child, (ast.Global, ast.Nonlocal)):
            declared.update(child.names)
        elif isinstance(child, ast.Name) and isinstance(child.ctx, (ast.Store, ast.Del)):
            names.add(child.id)
        elif isinstance(child, (ast.Import, ast.ImportFrom)):
            names.update(a.asname or a.name.split(".")[0] for a in child.names if a.name != "*")
        elif isinstance(child, ast.ExceptHandler) and child.name:
            names.add(child.name)
        todo.extend(ast.iter_child_nodes(child))
    return names - declared


def comprehension_locals(node) -> set[str]:
    return {n.id for gen in node.generators for n in ast.walk(gen.target) if isinstance(n, ast.Name)}


def dotted(node) -> str | None:
    """``np.linalg.norm`` as written, or None when the expression is not a plain chain of names."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None
