"""Running a mutant without paying for a new interpreter each time.

A pytest run of a few tests costs seconds of start-up (Python, Django, the project's
imports, collection) for a fraction of a second of tests. So the session starts once, and
for each mutant forks: the child swaps the code of the mutated functions in place (every
function keeps its identity, so whoever imported it by name runs the mutant) and runs the
collected tests; the parent only waits. The module's file is never touched.

Only a change inside a function can be swapped this way; a change of module-level data
(the role matrix, a constant) is run by writing the file and starting a fresh pytest
(``mutation.session``).
"""

from __future__ import annotations

import importlib
import os
import types
from typing import Any

_SKIP = object()


def module_name(path: str) -> str:
    return path[: -len(".py")].replace("/", ".")


def _code_objects(code: types.CodeType) -> dict[str, types.CodeType]:
    """Every function code object under ``code``, by qualified name."""
    found: dict[str, types.CodeType] = {}
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            found.setdefault(const.co_qualname, const)
            for name, inner in _code_objects(const).items():
                found.setdefault(name, inner)
    return found


def _functions(module: types.ModuleType) -> dict[str, types.FunctionType]:
    """The module's own functions and methods, by qualified name (unwrapping decorators,
    properties, class- and static methods)."""
    found: dict[str, types.FunctionType] = {}
    seen: set[int] = set()

    def add(value: Any) -> None:
        if id(value) in seen:
            return
        seen.add(id(value))
        if isinstance(value, property):
            for part in (value.fget, value.fset, value.fdel):
                if part is not None:
                    add(part)
            return
        if isinstance(value, classmethod | staticmethod):
            add(value.__func__)
            return
        wrapped = getattr(value, "__wrapped__", None)
        if wrapped is not None:
            add(wrapped)
        if isinstance(value, types.FunctionType) and value.__module__ == module.__name__:
            found.setdefault(value.__qualname__, value)
        elif isinstance(value, type) and value.__module__ == module.__name__:
            for item in vars(value).values():
                add(item)

    for value in list(vars(module).values()):
        add(value)
    return found


def swappable(path: str, original: str, mutated: str) -> bool:
    """Whether the mutant differs from the original only inside functions of the module."""
    old = compile(original, path, "exec")
    new = compile(mutated, path, "exec")
    return _strip(old) == _strip(new)


def _strip(code: types.CodeType) -> tuple:
    """The module-level code with function bodies blanked out (their names kept)."""
    consts = tuple(
        ("<code>", c.co_qualname)
        if isinstance(c, types.CodeType) and _is_function(c)
        else (_strip(c) if isinstance(c, types.CodeType) else repr(c))
        for c in code.co_consts
    )
    return (code.co_code, consts, code.co_names)


def _is_function(code: types.CodeType) -> bool:
    # A class body is run once when the module is imported; a function's body on each call.
    return bool(code.co_flags & 0x02) or code.co_name == "<lambda>"  # CO_NEWLOCALS


def swap_in(path: str, mutated: str) -> None:
    """Give every function of the imported module the code of its mutated version."""
    module = importlib.import_module(module_name(path))
    new_codes = _code_objects(compile(mutated, os.path.abspath(path), "exec"))
    for qualname, function in _functions(module).items():
        code = new_codes.get(qualname)
        if code is not None and code.co_freevars == function.__code__.co_freevars:
            function.__code__ = code


__all__ = ["swap_in", "swappable"]
