"""What one piece stores for its backward must be its own: caught when another changes it.

A probe that runs a second piece of the same kind between the checked piece's forward and its
backward (:func:`.builders._twin_between`) wraps that second forward in :func:`kept_apart`.
Every array the checked piece can see (its own attributes, its class's, and its module's
globals, one container deep) is fingerprinted before and compared after: one that the second
piece's forward changed is shared by every instance, and :class:`SharedBetweenInstances` names
it and where it lives. A correct piece is unaffected, whatever it stores.
"""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from numpy import ndarray

__all__ = ["SharedBetweenInstances", "kept_apart"]


class SharedBetweenInstances(ValueError):
    """Another instance's forward changed what this one stored for its backward."""

    said_to_the_learner = True
    """The message is written for the learner: the worker shows it without the class name."""


def _arrays(name: str, value: Any) -> Iterator[tuple[str, ndarray]]:
    """``value`` if it is an array, else the arrays a dict, list or tuple holds directly."""
    if isinstance(value, ndarray):
        yield name, value
    elif isinstance(value, dict):
        for key, item in list(value.items())[:64]:
            if isinstance(item, ndarray):
                yield f"{name}[{key!r}]", item
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value[:64]):
            if isinstance(item, ndarray):
                yield f"{name}[{index}]", item


def _visible(piece: Any) -> dict[tuple[str, str], Any]:
    """Everything ``piece`` can read: (where, name) → value, for its instance attributes, its
    classes' attributes and its module's globals."""
    seen: dict[tuple[str, str], Any] = {}
    for name, value in getattr(piece, "__dict__", {}).items():
        seen["instance", name] = value
    for cls in type(piece).__mro__[:-1]:
        for name, value in vars(cls).items():
            if not name.startswith("__") and not callable(value):
                seen.setdefault((f"class {cls.__name__}", name), value)
    module = sys.modules.get(type(piece).__module__)
    for name, value in getattr(module, "__dict__", {}).items():
        if not name.startswith("__") and not callable(value):
            seen["module", name] = value
    return seen


def _fingerprints(piece: Any) -> dict[tuple[str, str], tuple[int, bytes]]:
    prints = {}
    for (where, name), value in _visible(piece).items():
        for label, array in _arrays(name, value):
            if array.size <= 1_000_000:
                prints[where, label] = (id(array), np.ascontiguousarray(array).tobytes())
    return prints


@contextmanager
def kept_apart(piece: Any) -> Iterator[None]:
    """Run another instance's forward; raise :class:`SharedBetweenInstances` where it changed
    an array ``piece`` can see (an instance attribute that existed before, or any class
    attribute or module global)."""
    before = _fingerprints(piece)
    yield
    after = _fingerprints(piece)
    for (where, label), (identity, data) in before.items():
        now = after.get((where, label))
        if now is None or now == (identity, data):
            continue
        if where == "instance":
            where, label = _holder(piece, label)
        raise SharedBetweenInstances(_message(piece, where, label))
    for where, label in after.keys() - before.keys():
        if where != "instance":  # a class attribute or a global the other forward made
            raise SharedBetweenInstances(_message(piece, where, label))


def _holder(piece: Any, label: str) -> tuple[str, str]:
    """Where an instance's array that another instance changed lives: the class attribute
    or module global whose memory it shares, else the instance's own name for it."""
    mine = dict(
        item
        for name, value in getattr(piece, "__dict__", {}).items()
        for item in _arrays(name, value)
    ).get(label)
    if mine is not None:
        for (where, name), value in _visible(piece).items():
            if where == "instance":
                continue
            for other, array in _arrays(name, value):
                if np.shares_memory(array, mine):
                    return where, other
    return "instance", label


def _message(piece: Any, where: str, label: str) -> str:
    kind, name = type(piece).__name__, label.split("[")[0]
    home = {
        "instance": f"self.{label}, an array another {kind} writes into as well",
        "module": f"the module's global {label}",
    }.get(where, f"{label}, an attribute of the {where}")
    line = _line_storing(type(piece), name)
    return (
        f"a second {kind}'s forward, run between this one's forward and its backward, "
        f"changed {home}{f' (at {line})' if line else ''}: what forward keeps for backward is "
        f"then another instance's. Store it on the instance (self.{name} = …), not on the "
        f"class (type(self).… or {kind}.…) or in a global"
    )


def _line_storing(cls: type, name: str) -> str:
    """``path:line`` of the first statement in the class's methods that writes ``name``
    somewhere other than plainly on ``self`` (``type(self).name = …``, ``self.name[…] = …``,
    ``global name``), or "" where none is found."""
    for klass in cls.__mro__[:-1]:
        for function in vars(klass).values():
            code = getattr(function, "__code__", None)
            if code is None:
                continue
            try:
                lines, start = inspect.getsourcelines(function)
                tree = ast.parse(textwrap.dedent("".join(lines)))
            except (OSError, TypeError, SyntaxError):
                continue
            for node in ast.walk(tree):
                if _writes_shared(node, name):
                    return f"{code.co_filename}:{start + node.lineno - 1}"
    return ""


def _writes_shared(node: ast.AST, name: str) -> bool:
    if isinstance(node, ast.Global):
        return name in node.names
    if isinstance(node, ast.Call):  # np.tanh(…, out=name) or out=self.name
        return any(
            keyword.arg == "out" and _names(keyword.value, name) for keyword in node.keywords
        )
    targets = (
        node.targets
        if isinstance(node, ast.Assign)
        else [node.target]
        if isinstance(node, ast.AugAssign | ast.AnnAssign)
        else []
    )
    for target in targets:
        on_self = isinstance(target, ast.Attribute) and _names(target.value, "self")
        if isinstance(target, ast.Attribute) and target.attr == name and not on_self:
            return True  # type(self).name, self.__class__.name, Kind.name
        if isinstance(target, ast.Subscript):
            inner = target.value
            if isinstance(inner, ast.Attribute) and inner.attr == name:
                return True  # self.name[…] = …: an array the class holds, changed in place
            if isinstance(inner, ast.Name) and inner.id == name:
                return True  # a global array changed in place
    return False


def _names(node: ast.expr, name: str) -> bool:
    return (isinstance(node, ast.Name) and node.id == name) or (
        isinstance(node, ast.Attribute) and node.attr == name
    )
