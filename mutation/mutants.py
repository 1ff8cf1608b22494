"""Finding the mutants of one module: one-token changes, each applied to the module's text.

Every mutant is one small change a careless edit could make: a comparison operator turned
(``<`` into ``<=``, ``in`` into ``not in``), ``and`` into ``or``, a ``not`` dropped, a
number moved by one, ``True`` into ``False``, a guard (``if``) that never fires, a ``raise``
or a call statement removed, a returned value replaced by ``None``, ``+`` into ``-``, the
first two arguments of a call or the two items of a pair swapped, one member left out of a
set literal.

A mutant is named by a stable key (module, enclosing function, what changed, the source it
changed), never by a line number, so the list of equivalent mutants survives edits
elsewhere in the module.
"""

from __future__ import annotations

import ast
import copy
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

#: Calls whose arguments are messages for people (translated text), never mutated.
MESSAGE_CALLS = frozenset({"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext"})

#: Calls whose arguments have fixed, different roles (a swap only raises a TypeError).
BUILTIN_CALLS = frozenset(
    {"isinstance", "issubclass", "getattr", "setattr", "hasattr", "enumerate", "range", "super"}
)

_COMPARE_SWAPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_OP_TEXT = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
}


@dataclass(frozen=True)
class Mutant:
    module: str  # path relative to the project root
    function: str  # qualified name of the enclosing def or class ("<module>" at top level)
    mutation: str  # what changed, e.g. "`<` → `<=`"
    snippet: str  # the original source of the changed node (one line, shortened)
    occurrence: int  # 1 for the first mutant with the same four parts, 2 for the next…
    line: int  # where it is today (for people; never part of the key)
    source: str  # the whole module with the change applied

    @property
    def key(self) -> str:
        key = f"{self.module}::{self.function}::{self.mutation}::{self.snippet}"
        return key if self.occurrence == 1 else f"{key}::#{self.occurrence}"


def _one_line(text: str, limit: int = 100) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_variable(node: ast.AST) -> bool:
    return isinstance(node, ast.Name | ast.Attribute | ast.Subscript)


def _is_docstring(node: ast.AST, parent: ast.AST | None) -> bool:
    body = getattr(parent, "body", None)
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        and isinstance(body, list)
        and bool(body)
        and body[0] is node
    )


def _called_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _walk(tree: ast.Module, *, functions_only: bool) -> Iterator[tuple[ast.AST, str, ast.AST]]:
    """Every node that may be mutated, with its enclosing qualified name and its parent, in a
    fixed order (the same for a deep copy of the tree). Skipped: docstrings, annotations,
    imports, decorators, translated messages, f-strings, and (``functions_only``) anything
    outside a function body."""

    def visit(
        node: ast.AST, parent: ast.AST | None, scope: list[str], in_function: bool
    ) -> Iterator[tuple[ast.AST, str, ast.AST]]:
        if isinstance(node, ast.Import | ast.ImportFrom | ast.JoinedStr):
            return
        if _is_docstring(node, parent):
            return
        if isinstance(node, ast.Call) and _called_name(node) in MESSAGE_CALLS:
            return
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test):
            return
        if parent is not None and (in_function or not functions_only):
            yield node, ".".join(scope) or "<module>", parent
        is_def = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        inner = [*scope, node.name] if is_def else scope  # type: ignore[attr-defined]
        inside = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for name, value in ast.iter_fields(node):
            if name in {"annotation", "returns", "decorator_list", "type_comment"}:
                continue
            if is_def and name in {"args", "bases", "keywords"}:
                # Defaults are values, but a changed default is rarely one token of a rule.
                continue
            if isinstance(node, ast.AnnAssign) and name == "annotation":
                continue
            children = value if isinstance(value, list) else [value]
            for child in children:
                if isinstance(child, ast.AST):
                    yield from visit(child, node, inner, inside)

    yield from visit(tree, None, [], False)


Change = tuple[str, Callable[[ast.AST, ast.AST], ast.AST]]


def _replace_in_parent(parent: ast.AST, old: ast.AST, new: ast.AST) -> None:
    for name, value in ast.iter_fields(parent):
        if isinstance(value, list):
            for index, item in enumerate(value):
                if item is old:
                    value[index] = new
                    return
        elif value is old:
            setattr(parent, name, new)
            return
    raise LookupError("node not found in its parent")


def _changes(node: ast.AST, parent: ast.AST) -> list[Change]:
    """The mutations of one node: (description, function making the change on a copy of the
    node, returning the replacement node)."""
    changes: list[Change] = []
    if isinstance(node, ast.Compare):
        for index, op in enumerate(node.ops):
            swap = _COMPARE_SWAPS.get(type(op))
            if swap is None:
                continue

            def compare(n: ast.AST, _p: ast.AST, index: int = index, swap: type = swap) -> ast.AST:
                n.ops[index] = swap()  # type: ignore[attr-defined]
                return n

            changes.append((f"`{_OP_TEXT[type(op)]}` → `{_OP_TEXT[swap]}`", compare))
    elif isinstance(node, ast.BoolOp):
        other = ast.Or if isinstance(node.op, ast.And) else ast.And
        names = {ast.And: "and", ast.Or: "or"}

        def boolop(n: ast.AST, _p: ast.AST, other: type = other) -> ast.AST:
            n.op = other()  # type: ignore[attr-defined]
            return n

        changes.append((f"`{names[type(node.op)]}` → `{names[other]}`", boolop))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        changes.append(("remove `not`", lambda n, _p: n.operand))  # type: ignore[attr-defined]
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
        other_op = ast.Sub if isinstance(node.op, ast.Add) else ast.Add
        text = {ast.Add: "+", ast.Sub: "-"}

        def binop(n: ast.AST, _p: ast.AST, other_op: type = other_op) -> ast.AST:
            n.op = other_op()  # type: ignore[attr-defined]
            return n

        changes.append((f"`{text[type(node.op)]}` → `{text[other_op]}`", binop))
    elif isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool):
            changes.append((f"`{value}` → `{not value}`", lambda n, _p: ast.Constant(not value)))
        elif isinstance(value, int) and not isinstance(parent, ast.UnaryOp | ast.Subscript):
            changes.append((f"`{value}` → `{value + 1}`", lambda n, _p: ast.Constant(value + 1)))
            changes.append((f"`{value}` → `{value - 1}`", lambda n, _p: ast.Constant(value - 1)))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        operand = node.operand
        if isinstance(operand, ast.Constant) and type(operand.value) is int:
            number = -operand.value
            changes.append((f"`{number}` → `{number + 1}`", lambda n, _p: ast.Constant(number + 1)))
            changes.append((f"`{number}` → `{number - 1}`", lambda n, _p: ast.Constant(number - 1)))
    elif isinstance(node, ast.If):
        changes.append(("remove `if` (never true)", lambda n, _p: _if_never(n)))
    elif isinstance(node, ast.Raise):
        changes.append(("remove `raise`", lambda n, _p: ast.Pass()))
    elif isinstance(node, ast.Return) and node.value is not None:
        if not (isinstance(node.value, ast.Constant) and node.value.value is None):
            changes.append(("return `None`", lambda n, _p: ast.Return(ast.Constant(None))))
    elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call | ast.Await):
        changes.append(("remove call", lambda n, _p: ast.Pass()))
    if isinstance(node, ast.Call) and _called_name(node) not in BUILTIN_CALLS:
        # Two neighbouring arguments that are both values held in names (likelihood and
        # impact, en and ja): the swap a careless edit makes and only a test of the rule sees.
        for index in range(len(node.args) - 1):
            first, second = node.args[index], node.args[index + 1]
            if not (_is_variable(first) and _is_variable(second)):
                continue
            if ast.dump(first) == ast.dump(second):
                continue

            def swap_args(n: ast.AST, _p: ast.AST, index: int = index) -> ast.AST:
                args = n.args  # type: ignore[attr-defined]
                args[index], args[index + 1] = args[index + 1], args[index]
                return n

            changes.append(
                (
                    f"swap `{_one_line(ast.unparse(first), 40)}` and "
                    f"`{_one_line(ast.unparse(second), 40)}`",
                    swap_args,
                )
            )
    if (
        isinstance(node, ast.Tuple)
        and isinstance(node.ctx, ast.Load)
        and len(node.elts) == 2
        and not any(isinstance(e, ast.Starred) for e in node.elts)
        and ast.dump(node.elts[0]) != ast.dump(node.elts[1])
        and isinstance(node.elts[0], ast.Constant) == isinstance(node.elts[1], ast.Constant)
        and not isinstance(parent, ast.Subscript | ast.ExceptHandler)
    ):

        def swap_pair(n: ast.AST, _p: ast.AST) -> ast.AST:
            elts = n.elts  # type: ignore[attr-defined]
            elts[0], elts[1] = elts[1], elts[0]
            return n

        changes.append(("swap the pair", swap_pair))
    if isinstance(node, ast.Set) and len(node.elts) >= 2:
        for index, element in enumerate(node.elts):

            def drop(n: ast.AST, _p: ast.AST, index: int = index) -> ast.AST:
                del n.elts[index]  # type: ignore[attr-defined]
                return n

            changes.append((f"leave out `{_one_line(ast.unparse(element), 60)}`", drop))
    return changes


def _if_never(node: ast.AST) -> ast.AST:
    node.test = ast.Constant(False)  # type: ignore[attr-defined]
    return node


def _byte_offsets(lines: list[bytes]) -> list[int]:
    starts, position = [], 0
    for line in lines:
        starts.append(position)
        position += len(line)
    return starts


def _splice(source: str, node: ast.AST, replacement: str) -> str:
    """``source`` with the text of ``node`` replaced (AST offsets count UTF-8 bytes)."""
    data = source.encode("utf-8")
    starts = _byte_offsets(data.splitlines(keepends=True))
    begin = starts[node.lineno - 1] + node.col_offset  # type: ignore[attr-defined]
    end = starts[node.end_lineno - 1] + node.end_col_offset  # type: ignore[attr-defined]
    return (data[:begin] + replacement.encode("utf-8") + data[end:]).decode("utf-8")


def _render(source: str, original: ast.AST, new: ast.AST, tree: ast.Module) -> str:
    """The module's text with ``original`` (a node of the parsed ``source``) replaced by
    ``new``. Only the node's own text changes, so every other line stays as written; when the
    result does not parse back to the mutated tree, the whole module is unparsed instead."""
    if isinstance(new, ast.stmt):
        text = ast.unparse(new)
        if "\n" in text:  # a compound statement (an `if` whose test became False)
            indent = " " * original.col_offset  # type: ignore[attr-defined]
            text = text.replace("\n", "\n" + indent)
    else:
        text = f"({ast.unparse(new)})"
    spliced = _splice(source, original, text)
    try:
        if ast.dump(ast.parse(spliced)) == ast.dump(tree):
            return spliced
    except SyntaxError:
        pass
    return ast.unparse(tree) + "\n"


def _statements(sites: list[tuple[ast.AST, str, ast.AST]]) -> dict[int, ast.AST]:
    """For each site, the statement it is part of."""
    statement_of: dict[int, ast.AST] = {}
    owner: dict[int, ast.AST] = {}
    for index, (node, _scope, parent) in enumerate(sites):
        if isinstance(node, ast.stmt):
            owner[id(node)] = node
        else:
            owner[id(node)] = owner.get(id(parent), parent)
        statement_of[index] = owner[id(node)]
    return statement_of


def _snippet(source: str, node: ast.AST, statement: ast.AST | None) -> str:
    """The changed source, on one line; a short expression (a constant, a name) with the
    first line of its statement, so that the key tells it from others alike."""
    text = ast.get_source_segment(source, node) or ast.unparse(node)
    if isinstance(node, ast.stmt):
        return _one_line(text.splitlines()[0])
    if len(text) < 20 and statement is not None and statement is not node:
        line = (ast.get_source_segment(source, statement) or "").splitlines()[:1]
        if line:
            return _one_line(f"{text} in {line[0]}", 120)
    return _one_line(text)


def mutants(
    module: str,
    source: str,
    *,
    functions_only: bool = True,
    functions: frozenset[str] | None = None,
) -> list[Mutant]:
    """Every mutant of ``source`` (the text of ``module``). ``functions`` limits them to the
    named functions (qualified names, e.g. ``ChangeRecord.compute_hash``)."""
    tree = ast.parse(source)
    sites = list(_walk(tree, functions_only=functions_only))
    statements = _statements(sites)
    result: list[Mutant] = []
    seen: dict[tuple[str, str, str, str], int] = {}
    for index, (node, scope, parent) in enumerate(sites):
        if functions is not None and not any(
            scope == name or scope.startswith(name + ".") for name in functions
        ):
            continue
        if isinstance(parent, ast.keyword) and parent.arg:  # read_only=True
            snippet = _one_line(f"{parent.arg}={ast.get_source_segment(source, node)}")
        else:
            snippet = _snippet(source, node, statements.get(index))
        for description, change in _changes(node, parent):
            copied = copy.deepcopy(tree)
            copy_node, _scope, copy_parent = list(_walk(copied, functions_only=functions_only))[
                index
            ]
            new = change(copy_node, copy_parent)
            if new is not copy_node:
                _replace_in_parent(copy_parent, copy_node, new)
            ast.fix_missing_locations(copied)
            if isinstance(node, ast.If):  # only the test is written anew
                mutated = _render(source, node.test, ast.Constant(False), copied)
            else:
                mutated = _render(source, node, new, copied)
            if mutated == source:
                continue
            ident = (module, scope, description, snippet)
            seen[ident] = seen.get(ident, 0) + 1
            result.append(
                Mutant(
                    module=module,
                    function=scope,
                    mutation=description,
                    snippet=snippet,
                    occurrence=seen[ident],
                    line=node.lineno,  # type: ignore[attr-defined]
                    source=mutated,
                )
            )
    return result
