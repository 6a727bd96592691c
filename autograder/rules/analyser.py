"""The static analyser of the rules: one answer cell's syntax tree walked with its scopes (:func:`analyse`).

Shared by both sides (:mod:`.kernel`, :mod:`.grader`); it reads sources (through :mod:`.syntax`) and runs
nothing. Also the rules
as data: :class:`Break`, :class:`RuleError`, :func:`validate` (the arguments of ``check_rules`` made
canonical), :func:`describe` and :func:`report` (the words a student reads).
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass

from .syntax import (
    comprehension_locals,
    dotted,
    function_locals,
    module_bindings,
    parse_cell,
    statement_aliases,
)

# The notebooks' standard aliases: a name the student's cells use without importing it resolves so.
STANDARD_ALIASES = {
    "np": "numpy",
    "torch": "torch",
    "tf": "tensorflow",
    "F": "torch.nn.functional",
    "nn": "torch.nn",
    "tg": "tinygrad_ref",
}
# Modules a name stands for when no cell binds it (an instructor cell may have imported it).
MODULE_NAMES = {m: m for m in ("importlib", "builtins", "sys", "operator", "inspect", "types", "ctypes",
                               "functools", "numpy", "torch", "tensorflow", "keras", "scipy", "sklearn",
                               "tinygrad_ref", "jax", "__builtins__")}
# Reaching a name without writing it (forbid rules): called or merely referenced.
INDIRECT_CALLS = {"__import__", "eval", "exec", "compile", "globals",
                  "vars", "locals", "breakpoint"}
INDIRECT_NAMES = {"importlib", "builtins", "__builtins__", "sys.modules", "operator.attrgetter",
                  "operator.methodcaller", "inspect", "types.ModuleType", "ctypes"}
INDIRECT_ATTRIBUTES = {"__dict__", "__getattribute__", "__getattr__", "__globals__", "__builtins__",
                       "__subclasses__", "__import__", "__loader__", "__code__"}
# Attribute access by a name given as a string: allowed with a literal that names no forbidden attribute.
ATTRIBUTE_FUNCTIONS = {"getattr", "setattr", "delattr"}
# Python loops that are calls: each runs the Python function it is given once per element.
LOOP_CALLS = {"map", "filter", "functools.reduce", "numpy.vectorize", "numpy.frompyfunc",
              "numpy.apply_along_axis", "numpy.apply_over_axes", "numpy.fromiter"}
# Methods that change the object they are called on (besides torch's ``x.add_()``-style ``*_``).
MUTATING_METHODS = {"append", "extend", "insert", "remove", "pop", "popitem", "clear", "update",
                    "setdefault", "sort", "reverse", "fill", "resize", "put", "itemset", "setflags",
                    "add", "discard", "partition", "byteswap", "__setitem__", "__delitem__", "__iadd__",
                    "__isub__", "__imul__", "__itruediv__", "set_", "assign", "assign_add", "assign_sub",
                    "scatter_nd_update", "copyfrom"}
# Functions that change their first argument.
MUTATING_FUNCTIONS = {"numpy.copyto", "numpy.put", "numpy.place", "numpy.putmask", "numpy.fill_diagonal",
                      "numpy.put_along_axis", "numpy.random.shuffle", "setattr", "delattr",
                      "random.shuffle"}
# Methods and functions whose result shares memory with their object or first argument.
VIEW_METHODS = {"reshape", "view", "view_as", "ravel", "transpose", "permute", "swapaxes", "squeeze",
                "unsqueeze", "expand", "expand_as", "narrow", "diagonal", "detach", "numpy", "items",
                "values", "get", "flatten", "unflatten", "as_strided", "movedim", "split", "chunk",
                "unbind", "__getitem__"}
VIEW_FUNCTIONS = {"numpy.asarray", "numpy.asanyarray", "numpy.ascontiguousarray", "numpy.reshape",
                  "numpy.ravel", "numpy.transpose", "numpy.squeeze", "numpy.swapaxes", "numpy.moveaxis",
                  "numpy.atleast_1d", "numpy.atleast_2d", "numpy.atleast_3d", "numpy.expand_dims",
                  "numpy.lib.stride_tricks.as_strided", "numpy.lib.stride_tricks.sliding_window_view",
                  "torch.as_tensor", "torch.from_numpy", "zip", "enumerate", "reversed", "sorted", "list",
                  "tuple", "iter"}
# Names IPython defines in every kernel.
IPYTHON_NAMES = {"get_ipython", "In", "Out", "_", "__", "___", "_ih", "_oh", "_dh", "_i", "_ii", "_iii",
                 "display", "exit", "quit", "__session__"}
RULE_NAMES = ("forbid", "loops", "mutate_args")
# What can define or replace names where no rule can see it: an answer cell using any of these is checked
# with every rule set of the notebook, and each use is a break (rule "source").
DYNAMIC_NAMES = {"exec", "eval", "compile", "globals", "locals", "vars", "setattr", "delattr", "__import__",
                 "__builtins__", "builtins", "importlib", "sys.modules", "get_ipython", "ctypes"}
DYNAMIC_ATTRIBUTES = {"__dict__", "__setattr__", "__delattr__", "__globals__", "__builtins__", "__code__"}
SAFE_MAGICS = {"matplotlib", "config", "precision"}  # line magics that run no code of the cell


@dataclass(frozen=True)
class Break:
    """One break of a rule: which rule, the name (or construct) used, where, and why in words."""

    rule: str  # "forbid", "loops", "mutate_args" or "source" (the cell could not be read)
    used: str
    line: int
    cell: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line} of {self.cell}" if self.line else self.cell
        return f"{self.rule}: {self.message} ({where})"


class RuleError(ValueError):
    """A ``check_rules`` call an instructor wrote wrong (not a student's mistake)."""


# ---------------------------------------------------------------- the arguments of check_rules


_DOTTED = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")


def validate(name, forbid, loops, mutate_args) -> tuple[str, tuple[str, ...], bool, bool]:
    """The arguments of ``check_rules`` made canonical; :class:`RuleError` naming what is wrong."""
    if not isinstance(name, str) or not name:
        raise RuleError(f"check_rules: the name must be a non-empty string, got {name!r}")
    if isinstance(forbid, str):
        raise RuleError(f"check_rules {name!r}: forbid must be a list of names, got the string {forbid!r} "
                        f"(write forbid=[{forbid!r}])")
    try:
        forbid = tuple(forbid)
    except TypeError:
        raise RuleError(f"check_rules {name!r}: forbid must be a list of names, got "
                        f"{type(forbid).__name__}") from None
    for entry in forbid:
        if not isinstance(entry, str) or not _DOTTED.match(entry):
            raise RuleError(f"check_rules {name!r}: forbid entry {entry!r} is not a dotted name such as "
                            "'numpy.broadcast_shapes' or 'sorted'")
    for flag, value in (("loops", loops), ("mutate_args", mutate_args)):
        if not isinstance(value, bool):
            raise RuleError(f"check_rules {name!r}: {flag} must be True or False, got {value!r}")
    return name, tuple(_canonical(f) for f in forbid), loops, mutate_args


def _canonical(name: str) -> str:
    """``builtins.sorted`` and ``sorted`` are one rule; aliases are not accepted as rules (``np.x``)."""
    name = name.removeprefix("builtins.")
    head = name.split(".")[0]
    if head in STANDARD_ALIASES and STANDARD_ALIASES[head] != head:
        return STANDARD_ALIASES[head] + name[len(head):]
    return name


def describe(forbid, loops, mutate_args) -> str:
    parts = []
    if forbid:
        parts.append("no " + ", ".join(forbid) + " and no indirect access")
    if not loops:
        parts.append("no Python loops")
    if not mutate_args:
        parts.append("arguments unchanged")
    return "; ".join(parts) or "no rules"


# ---------------------------------------------------------------- the analyser


class _Scope:
    def __init__(self, kind: str, local: set[str], params: set[str] = frozenset()):
        self.kind = kind  # "module", "function", "class", "comprehension"
        self.local = local
        self.aliases: dict[str, set[str]] = {}
        self.arglike: dict[str, str] = {p: p for p in params}  # name -> the argument it is (part of)


class _CellAnalyser(ast.NodeVisitor):
    """Walks one cell, resolving names through scopes; appends :class:`Break` to ``out``."""

    def __init__(self, cell: str, forbid, loops, mutate_args, global_aliases, out, uses):
        self.cell, self.forbid, self.loops, self.mutate_args = cell, forbid, loops, mutate_args
        self.global_aliases = global_aliases  # name -> set of qualified names
        self.out, self.uses = out, uses  # breaks; global names the cell reads
        self.scopes = [_Scope("module", set())]
        self.called: set[int] = set()  # getattr-like names that are called (checked by their arguments)
        self.dynamic: list[tuple[str, int]] = []  # (what, line): uses that can rebind names out of sight
        self.safe: set[int] = set()  # get_ipython() nodes of magics that run no code

    # ---- reporting
    def _break(self, rule, used, node, message):
        self.out.append(Break(rule, used, getattr(node, "lineno", 0), self.cell, message))

    # ---- resolution
    def _lookup(self, name: str) -> tuple[_Scope | None, bool]:
        """The scope that binds ``name`` (None: global) and whether it is local somewhere."""
        for i, scope in enumerate(reversed(self.scopes)):
            if scope.kind == "module":
                break
            if scope.kind == "class" and i > 0:
                continue  # a class body's names are not visible in its methods
            if name in scope.local:
                return scope, True
        return None, False

    def resolve(self, node) -> set[str]:
        """The qualified names an expression may stand for (empty when it is not a known name)."""
        if isinstance(node, ast.Name):
            scope, local = self._lookup(node.id)
            if local:
                return set(scope.aliases.get(node.id, ()))
            if node.id in self.global_aliases:
                return set(self.global_aliases[node.id])
            if hasattr(builtins, node.id):
                return {node.id}
            return set()
        if isinstance(node, ast.Attribute):
            return {f"{q}.{node.attr}" for q in self.resolve(node.value)}
        return set()

    def _forbidden(self, qualified: str) -> str | None:
        for rule in self.forbid:
            if qualified == rule or qualified.startswith(rule + "."):
                return rule
        return None

    # ---- argument tracking (mutate_args)
    def _origin(self, name: str | None) -> str | None:
        """The argument whose object ``name`` is (part of), or None."""
        for scope in reversed(self.scopes):
            if name and scope.kind in ("function", "comprehension") and name in scope.local:
                return scope.arglike.get(name)
        return None

    def _root(self, node) -> str | None:
        """The name whose object ``node`` is, or shares memory with (``x``, ``x[0]``, ``x.T``,
        ``x.reshape(...)``, ``np.asarray(x)``); None for a new object."""
        while True:
            if isinstance(node, ast.Name):
                return node.id
            if isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
                node = node.value
            elif isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Attribute) and func.attr in VIEW_METHODS:
                    node = func.value
                elif node.args and self.resolve(func) & VIEW_FUNCTIONS:
                    roots = [self._root(a) for a in node.args]
                    return next((r for r in roots if self._origin(r)), roots[0])
                else:
                    return None
            elif isinstance(node, ast.NamedExpr):
                node = node.value
            else:
                return None

    def _arg_root(self, node) -> str | None:
        root = self._root(node)
        return root if self._origin(root) else None

    def _bind(self, target, value):
        """Track aliases and argument views through an assignment ``target = value``."""
        scope = self.scopes[-1]
        if isinstance(target, (ast.Tuple, ast.List)):
            values = value.elts if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(
                target.elts) else [value] * len(target.elts)
            for t, v in zip(target.elts, values):
                self._bind(t, v)
            return
        if isinstance(target, ast.Starred):
            self._bind(target.value, value)
            return
        if not isinstance(target, ast.Name):
            return
        resolved = self.resolve(value) if value is not None else set()
        if scope.kind == "module":
            if resolved:
                self.global_aliases.setdefault(target.id, set()).update(resolved)
            return
        if target.id in scope.local:
            if resolved:
                scope.aliases.setdefault(target.id, set()).update(resolved)
            origin = self._origin(self._arg_root(value)) if value is not None else None
            if origin:
                scope.arglike[target.id] = origin
            else:
                scope.arglike.pop(target.id, None)  # rebound to a new object (x = x.copy())

    def _mutation(self, node, target, how: str):
        root = self._arg_root(target)
        if root and not self.mutate_args:
            origin = self._origin(root)
            what = f"the argument `{root}`" if origin == root else f"`{root}`, part of argument `{origin}`"
            self._break("mutate_args", root, node, f"{how} changes {what}")

    # ---- scopes
    def _visit_function(self, node, params: set[str], body):
        self.scopes.append(_Scope("function", function_locals(node), params))
        for stmt in body:
            self.visit(stmt)
        self.scopes.pop()

    def visit_FunctionDef(self, node):
        for deco in node.decorator_list:
            self.visit(deco)
        self._visit_arguments(node.args)
        if node.returns:
            self.visit(node.returns)
        args = node.args
        params = [a.arg for a in args.posonlyargs + args.args]
        if self.scopes[-1].kind == "class" and params:
            params = params[1:]  # self, cls, or a Function's ctx: the method's own object
        params += [a.arg for a in args.kwonlyargs] + [a.arg for a in (args.vararg, args.kwarg) if a]
        self._visit_function(node, set(params), node.body)
        self._bind(ast.Name(node.name, ast.Store()), None)

    visit_AsyncFunctionDef = visit_FunctionDef

    def _visit_arguments(self, args):
        for default in args.defaults + [d for d in args.kw_defaults if d is not None]:
            self.visit(default)
        for a in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]:
            if a is not None and a.annotation is not None:
                self.visit(a.annotation)

    def visit_Lambda(self, node):
        self._visit_arguments(node.args)
        args = node.args
        params = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
        params |= {a.arg for a in (args.vararg, args.kwarg) if a}
        self._visit_function(node, params, [node.body])

    def visit_ClassDef(self, node):
        for child in node.decorator_list + node.bases + node.keywords:
            self.visit(child)
        local = set()
        for stmt in node.body:
            local |= module_bindings(ast.Module([stmt], []))
        self.scopes.append(_Scope("class", local))
        for stmt in node.body:
            self.visit(stmt)
        self.scopes.pop()

    def _visit_comprehension(self, node, kind: str, elements):
        if not self.loops:
            self._break("loops", kind, node, f"a {kind} is a Python loop; vectorise instead")
        # the first iterable is evaluated in the enclosing scope
        self.visit(node.generators[0].iter)
        scope = _Scope("comprehension", comprehension_locals(node))
        self.scopes.append(scope)
        for i, gen in enumerate(node.generators):
            if i:
                self.visit(gen.iter)
            scope.arglike.update(self._loop_origins(gen.target, gen.iter))
            for cond in gen.ifs:
                self.visit(cond)
        for element in elements:
            self.visit(element)
        self.scopes.pop()

    def visit_ListComp(self, node):
        self._visit_comprehension(node, "list comprehension", [node.elt])

    def visit_SetComp(self, node):
        self._visit_comprehension(node, "set comprehension", [node.elt])

    def visit_GeneratorExp(self, node):
        self._visit_comprehension(node, "generator expression", [node.elt])

    def visit_DictComp(self, node):
        self._visit_comprehension(node, "dict comprehension", [node.key, node.value])

    # ---- loops
    def visit_For(self, node):
        if not self.loops:
            self._break("loops", "for", node, "a `for` loop; vectorise instead")
        self.visit(node.iter)
        origins = self._loop_origins(node.target, node.iter)
        self._bind(node.target, None)
        if self.scopes[-1].kind != "module":
            self.scopes[-1].arglike.update(origins)
        for stmt in node.body + node.orelse:
            self.visit(stmt)

    visit_AsyncFor = visit_For

    def _loop_origins(self, target, iterable) -> dict[str, str]:
        """{loop variable: argument} for the variables that take elements of an argument: ``for g in
        grads``, ``for n, g in zip(sizes, grads)`` (pairwise), ``for i, g in enumerate(grads)``."""
        def names(node):
            return [n.id for n in ast.walk(node) if isinstance(n, ast.Name)]

        if isinstance(iterable, ast.Call) and isinstance(target, ast.Tuple):
            func = self.resolve(iterable.func)
            if "zip" in func and len(target.elts) == len(iterable.args):
                pairs = zip(target.elts, iterable.args)
            elif "enumerate" in func and len(target.elts) == 2 and iterable.args:
                pairs = [(target.elts[1], iterable.args[0])]
            else:
                pairs = [(target, a) for a in iterable.args]
            found = {}
            for element, source in pairs:
                origin = self._origin(self._arg_root(source))
                if origin:
                    found.update(dict.fromkeys(names(element), origin))
            return found
        sources = [iterable] + (iterable.args if isinstance(iterable, ast.Call) else [])
        origin = next((o for o in (self._origin(self._arg_root(e)) for e in sources) if o), None)
        return dict.fromkeys(names(target), origin) if origin else {}

    def visit_While(self, node):
        if not self.loops:
            self._break("loops", "while", node, "a `while` loop; vectorise instead")
        self.generic_visit(node)

    # ---- assignments and mutation
    def visit_Assign(self, node):
        self.visit(node.value)
        for target in node.targets:
            self._visit_target(target, node, "assigning to")
            self._bind(target, node.value)

    def visit_AnnAssign(self, node):
        if node.value is not None:
            self.visit(node.value)
        self.visit(node.annotation)
        self._visit_target(node.target, node, "assigning to")
        if node.value is not None:
            self._bind(node.target, node.value)

    def visit_AugAssign(self, node):
        self.visit(node.value)
        self._visit_target(node.target, node, "an augmented assignment to")
        if isinstance(node.target, ast.Name) and self._origin(node.target.id):
            # `x += y` on an array, list or dict argument changes it in place
            self._mutation(node, node.target, f"`{node.target.id} {_OPERATORS.get(type(node.op), '?')}= ...` "
                                              "(in place for arrays and lists)")

    def visit_Delete(self, node):
        for target in node.targets:
            self._visit_target(target, node, "deleting from")

    def _visit_target(self, target, stmt, how):
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._visit_target(element, stmt, how)
            return
        if isinstance(target, ast.Starred):
            self._visit_target(target.value, stmt, how)
            return
        if isinstance(target, ast.Attribute) and self.resolve(target.value):
            # np.sum = ...: replaces a library's name for every cell
            self.dynamic.append((dotted(target) or target.attr, stmt.lineno))
        if isinstance(target, (ast.Subscript, ast.Attribute)):
            written = dotted(target) or ast.unparse(target)
            if len(written) > 40 and isinstance(target, ast.Subscript):
                written = f"{dotted(target.value) or '...'}[...]"
            self._mutation(stmt, target, f"{how} `{written[:60]}`")
            self.visit(target.value)
            if isinstance(target, ast.Subscript):
                self.visit(target.slice)
            elif target.attr in INDIRECT_ATTRIBUTES and self.forbid:
                self._break("forbid", target.attr, target, f"`{target.attr}` reaches names indirectly")

    def visit_NamedExpr(self, node):
        self.visit(node.value)
        self._bind(node.target, node.value)

    def visit_With(self, node):
        for item in node.items:
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                self._visit_target(item.optional_vars, node, "assigning to")
                self._bind(item.optional_vars, None)
        for stmt in node.body:
            self.visit(stmt)

    visit_AsyncWith = visit_With

    # ---- imports
    def visit_Import(self, node):
        self._visit_import(node)

    def visit_ImportFrom(self, node):
        if any(a.name == "*" for a in node.names):
            self.dynamic.append((f"from {node.module or '.'} import *", node.lineno))
        if any(a.name == "*" for a in node.names) and self.forbid:
            module = node.module or ""
            if any(self._forbidden(module) or f.startswith(module + ".") for f in self.forbid):
                self._break("forbid", f"from {module} import *", node,
                            f"`from {module} import *` hides which of its names are used")
        self._visit_import(node)

    def _visit_import(self, node):
        for bound, qualified in statement_aliases(node).items():
            if isinstance(node, ast.Import):
                full = next(a.name for a in node.names if (a.asname or a.name.split(".")[0]) == bound)
            else:
                full = qualified
            self._check_name(full, full, node, imported=True)
            self._bind(ast.Name(bound, ast.Store()), None)
            scope = self.scopes[-1]
            if scope.kind == "module":
                self.global_aliases.setdefault(bound, set()).add(qualified)
            elif bound in scope.local:
                scope.aliases.setdefault(bound, set()).add(qualified)

    # ---- names, attributes, calls
    def _check_name(self, qualified: str, written: str, node, imported=False):
        if not self.forbid:
            return
        rule = self._forbidden(qualified)
        if rule:
            what = "imports" if imported else "uses"
            via = "" if written == qualified else f" (as `{written}`)"
            self._break("forbid", written, node, f"{what} {qualified}{via}, which the rule forbids ({rule})")
            return
        for indirect in INDIRECT_NAMES:
            if qualified == indirect or qualified.startswith(indirect + "."):
                self._break("forbid", written, node, f"`{written}` reaches names indirectly")
                return
        if qualified in INDIRECT_CALLS or (qualified in ATTRIBUTE_FUNCTIONS and id(node) not in self.called):
            self._break("forbid", written, node, f"`{written}` reaches names indirectly")

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load):
            scope, local = self._lookup(node.id)
            if not local:
                self.uses.add(node.id)
                if node.id == "get_ipython" and id(node) not in self.safe:
                    self.dynamic.append(("get_ipython (a magic or shell command)", node.lineno))
            for qualified in sorted(self.resolve(node)):
                self._note_dynamic(qualified, node.id, node)
                self._check_name(qualified, node.id, node)

    def _note_dynamic(self, qualified, written, node):
        if any(qualified == d or qualified.startswith(d + ".") for d in DYNAMIC_NAMES):
            self.dynamic.append((written, node.lineno))

    def visit_Attribute(self, node):
        if node.attr in DYNAMIC_ATTRIBUTES:
            self.dynamic.append((node.attr, node.lineno))
        for qualified in sorted(self.resolve(node)):
            if qualified == "sys.modules" or qualified.startswith("sys.modules."):
                self.dynamic.append((dotted(node) or "sys.modules", node.lineno))
        if node.attr in INDIRECT_ATTRIBUTES and self.forbid:
            self._break("forbid", node.attr, node, f"`{node.attr}` reaches names indirectly")
            self.visit(node.value)
            return
        resolved = self.resolve(node)
        written = dotted(node)
        if resolved and written:
            # report the longest chain once (np.linalg.norm, not also np.linalg and np)
            hits = [q for q in sorted(resolved) if self._forbidden(q) or self._indirect(q)]
            if hits:
                for qualified in hits:
                    self._check_name(qualified, written, node)
                return
        self.visit(node.value)

    def _indirect(self, qualified):
        return any(qualified == i or qualified.startswith(i + ".") for i in INDIRECT_NAMES)

    def visit_Call(self, node):
        func = node.func
        if (isinstance(func, ast.Attribute) and func.attr == "run_line_magic"
                and isinstance(func.value, ast.Call) and isinstance(func.value.func, ast.Name)
                and node.args and isinstance(node.args[0], ast.Constant)
                and node.args[0].value in SAFE_MAGICS):
            self.safe.add(id(func.value.func))
        resolved = self.resolve(node.func)
        func_name = dotted(node.func) or ""
        if not self.loops:
            for _ in sorted(resolved & LOOP_CALLS):
                self._break("loops", func_name, node, f"`{func_name}` runs a Python function per element; "
                                                      "vectorise instead")
        if self.forbid and resolved & ATTRIBUTE_FUNCTIONS:
            self._check_getattr(node, func_name)
            self.called.add(id(node.func))
        if not self.mutate_args:
            self._check_call_mutation(node, resolved, func_name)
        self.generic_visit(node)

    def _check_getattr(self, node, func_name):
        attr = node.args[1] if len(node.args) >= 2 else None
        if not (isinstance(attr, ast.Constant) and isinstance(attr.value, str)):
            self._break("forbid", func_name, node,
                        f"`{func_name}` with a computed attribute name reaches names indirectly")
            return
        targets = {f"{q}.{attr.value}" for q in self.resolve(node.args[0])}
        last_parts = {f.rsplit(".", 1)[-1] for f in self.forbid}
        if any(self._forbidden(t) for t in targets) or attr.value in last_parts:
            self._break("forbid", f"{func_name}(..., {attr.value!r})", node,
                        f"`{func_name}` with {attr.value!r} reaches a forbidden name")

    def _check_call_mutation(self, node, resolved, func_name):
        func = node.func
        if isinstance(func, ast.Attribute):
            method = func.attr
            in_place = method in MUTATING_METHODS or (
                method.endswith("_") and not method.startswith("__") and method != "_")
            if in_place:
                self._mutation(node, func.value, f"`.{method}()`")
            elif method == "at" and node.args:  # np.add.at(x, idx, v): unbuffered in place
                self._mutation(node, node.args[0], f"`{func_name}`")
        if node.args and (resolved & MUTATING_FUNCTIONS or any(
                q.rsplit(".", 1)[-1].endswith("_") and not q.rsplit(".", 1)[-1].startswith("_")
                for q in resolved)):
            self._mutation(node, node.args[0], f"`{func_name}(...)`")
        for keyword in node.keywords:
            if keyword.arg == "out":
                self._mutation(node, keyword.value, f"`{func_name}(..., out=...)`")


_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
              ast.Pow: "**", ast.MatMult: "@", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^",
              ast.LShift: "<<", ast.RShift: ">>"}


def analyse(cells: dict[str, str], answer: str, *, forbid=(), loops=True, mutate_args=True,
            aliases: dict[str, str] | None = None) -> list[Break]:
    """Check the rules on the answer cells that define ``answer`` and on those whose names they use.

    Args:
        cells: the student's answer cells in notebook order, {label: source}; the label names the cell
            in reports (a grade id, or "cell [3]").
        answer: the name of the answer (a function or class) the rules are about.
        forbid, loops, mutate_args: the rules, as :func:`check_rules` takes them.
        aliases: imports the notebook's trusted cells make ({bound name: qualified name}); names none
            binds resolve through :data:`STANDARD_ALIASES`.

    Returns the breaks, sorted by cell order and line; a cell that does not parse is a break of rule
    "source" (the grader cannot check it, so it cannot pass).
    """
    _, forbid, loops, mutate_args = validate(answer or "?", forbid, loops, mutate_args)
    trees, breaks = {}, []
    for label, source in cells.items():
        try:
            trees[label] = parse_cell(source)
        except SyntaxError as exc:
            trees[label] = exc
    bound_by = {label: (module_bindings(t) if isinstance(t, ast.Module) else set())
                for label, t in trees.items()}
    # global names: trusted imports, then the standard aliases for names no cell binds
    global_aliases: dict[str, set[str]] = {k: {v} for k, v in (aliases or {}).items()}
    student_bound = set().union(*bound_by.values()) if bound_by else set()
    for name, qualified in {**MODULE_NAMES, **STANDARD_ALIASES}.items():
        if name not in global_aliases and name not in student_bound:
            global_aliases[name] = {qualified}
    # student cells' own module-level imports and aliases, in notebook order (a pre-pass, so a cell
    # sees the aliases every cell makes)
    dynamic: dict[str, list[tuple[str, int]]] = {}
    for label, tree in trees.items():
        if isinstance(tree, ast.Module):
            scan = _CellAnalyser(label, (), True, True, global_aliases, [], set())
            scan.visit(tree)
            if scan.dynamic:
                dynamic[label] = scan.dynamic

    todo = [label for label, names in bound_by.items() if answer in names]
    if not todo:
        missing = Break("source", answer, 0, "the answer cells",
                        f"no answer cell defines `{answer}`, so the rules cannot be checked")
        unparsable = [Break("source", answer, t.lineno or 0, label,
                            f"the cell does not parse ({t.msg}); fix the syntax error")
                      for label, t in trees.items() if isinstance(t, SyntaxError)]
        return unparsable + [missing]
    # a cell that can define or replace names out of sight (exec, globals(), np.sum = ...) is checked too
    todo += list(dynamic)
    seen: set[str] = set()
    order = list(cells)
    while todo:
        label = todo.pop(0)
        if label in seen:
            continue
        seen.add(label)
        tree = trees[label]
        if isinstance(tree, SyntaxError):
            breaks.append(Break("source", answer, tree.lineno or 0, label,
                                f"the cell does not parse ({tree.msg}), so the rules cannot be checked; "
                                "fix the syntax error"))
            continue
        uses: set[str] = set()
        _CellAnalyser(label, forbid, loops, mutate_args, global_aliases, breaks, uses).visit(tree)
        for other, names in bound_by.items():
            if other not in seen and names & uses:
                todo.append(other)
        flagged = {b.line for b in breaks if b.cell == label}
        for what, line in dynamic.get(label, []):
            if line not in flagged:
                breaks.append(Break("source", what, line, label,
                                    f"`{what}` can define or replace names out of the rules' sight, so they "
                                    "cannot be checked"))
    unique = list(dict.fromkeys(breaks))
    return sorted(unique, key=lambda b: (order.index(b.cell) if b.cell in order else -1, b.line))


def report(name: str, breaks: list[Break]) -> str:
    """The lines a student reads: the header and one line per break."""
    lines = [f"✗ {name}: {len(breaks)} rule break(s)"]
    lines += [f"  {b}" for b in breaks]
    return "\n".join(lines)
