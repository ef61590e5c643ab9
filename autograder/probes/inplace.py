"""Code under test that changes, in place, an array it was given: caught at its line.

The probes hand the learner's code its inputs read-only (:func:`read_only`): a write into one
(``x[x < 0] = 0``, ``x *= 2``, ``np.exp(x, out=x)``) raises at the very line that does it,
and :class:`ChangedInPlace` says which array it was and, where the learner wrote
``x = self.input_`` first, why that does not copy. :func:`unchanged` compares with copies
afterwards, for what a read-only flag cannot stop (code that makes its own array writeable).
"""

from __future__ import annotations

import ast
import linecache
import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from types import TracebackType

import numpy as np
from numpy import ndarray

__all__ = ["CHANGED", "ChangedInPlace", "read_only", "stored", "unchanged"]


class ChangedInPlace(ValueError):
    """Code under test changed an array it was given (its caller's)."""

    said_to_the_learner = True
    """The message is written for the learner: the worker shows it without the class name."""


def unchanged(before: dict[str, ndarray], after: dict[str, ndarray]) -> None:
    """Raise :class:`ChangedInPlace` naming the first array that differs from its copy."""
    for name, copy in before.items():
        if not np.array_equal(copy, after[name], equal_nan=True):
            raise ChangedInPlace(_direct(name))


CHANGED = "your code changed "
"""How every message of :class:`ChangedInPlace` begins (it names the line and the array)."""


def _direct(name: str) -> str:
    whose = _whose(name)
    return (
        f"{CHANGED}{name} in place (e.g. {name} *= … or {name}[…] = …): {whose} "
        f"is not yours to modify; compute a new array instead"
    )


def _reshaped(name: str) -> str:
    whose = _whose(name)
    return (
        f"{CHANGED}the shape of {name} in place (`{name}.shape = …` or `.resize(…)`): {whose} "
        f"is not yours to reshape; `{name}.reshape(…)` gives a new view and leaves it as it was"
    )


def _through(name: str, alias: str, assigned: str) -> str:
    whose = _whose(name)
    return (
        f"{CHANGED}{name} in place through {alias}: `{alias} = {assigned}` does not "
        f"copy the array, it gives {whose} a second name, so writing into "
        f"{alias} writes into {name}; compute a new array ({alias} * mask, np.where(…), "
        f"np.maximum(…)) or copy first: `{alias} = {assigned}.copy()`"
    )


def _whose(name: str) -> str:
    if name.startswith("self."):  # stored by forward
        return f"{name}, which forward stored for backward (and for every later backward),"
    return f"the caller's {name}"


@contextmanager
def read_only(**arrays: ndarray) -> Iterator[None]:
    """Run the code under test with ``arrays`` read-only; a write into one becomes a
    :class:`ChangedInPlace` (its cause, the ``ValueError`` NumPy raised, holds the line), and
    so does a change of one's shape (``x.shape = …`` writes no element), put back first."""
    flags = {name: a.flags.writeable for name, a in arrays.items() if isinstance(a, ndarray)}
    shapes = {name: arrays[name].shape for name in flags}
    for name in flags:
        arrays[name].flags.writeable = False
    try:
        yield
        reshaped = [name for name in flags if arrays[name].shape != shapes[name]]
        for name in reshaped:  # `x.shape = …` writes no element: the flag cannot stop it
            with suppress(AttributeError, ValueError):
                arrays[name].shape = shapes[name]
        if reshaped:
            raise ChangedInPlace(_reshaped(reshaped[0]))
    except ValueError as error:
        if "read-only" not in str(error):
            raise
        raise ChangedInPlace(_which(error.__traceback__, list(flags))) from error
    finally:
        _restore(arrays, [name for name, writeable in flags.items() if writeable])


def _restore(arrays: dict[str, ndarray], names: list[str]) -> None:
    """Make ``names`` writeable again: a view only once its base is (in any order given)."""
    while names:
        left = []
        for name in names:
            try:
                arrays[name].flags.writeable = True
            except ValueError:  # a view of an array still read-only
                left.append(name)
        if len(left) == len(names):
            return
        names = left


def stored(piece: object) -> dict[str, ndarray]:
    """The arrays an earlier forward left on ``piece`` (``self.output``, ``self.input_``):
    read-only while its backward runs, which must not change them (a second backward would
    start from what the first left). Gradients (``self.input_grad``…) are backward's own
    results, a buffer it may fill again: not among them."""
    found = vars(piece) if hasattr(piece, "__dict__") else {}
    return {
        f"self.{name}": a
        for name, a in found.items()
        if isinstance(a, ndarray) and not name.endswith("grad")
    }


_ASSIGNMENT = re.compile(r"\s*(\w+)\s*=\s*((?:self\.)?(\w+))\s*(?:#.*)?$")


def _which(trace: TracebackType | None, names: list[str]) -> str:
    """What the line that wrote says: the array it writes into by its name, or through a name
    given to it (``x = self.input_``) earlier in the same function."""
    if trace is None:
        return _direct(" or ".join(names))
    while trace.tb_next is not None:
        trace = trace.tb_next
    code, line = trace.tb_frame.f_code, trace.tb_lineno
    lines = linecache.getlines(code.co_filename)
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    written = _written(text) or re.findall(r"\w+", text)  # the targets, else every word
    bare = {name.removeprefix("self."): name for name in names}
    direct = [bare[n] for n in written if n in bare]
    if direct:
        return _direct(direct[0])
    for earlier in reversed(lines[code.co_firstlineno - 1 : line - 1]):
        found = _ASSIGNMENT.match(earlier)
        if found and found.group(3) in bare and found.group(1) in written:
            return _through(bare[found.group(3)], found.group(1), found.group(2))
    return _direct(" or ".join(names))


def _written(text: str) -> list[str]:
    """The names a line writes into: ``a[…] = …`` and ``a.b[…] = …`` (``a``, ``b``),
    ``a += …``, ``f(…, out=a)``; empty when the line is not a whole statement."""
    try:
        tree = ast.parse(text.strip())
    except SyntaxError:
        return []
    targets: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            targets += node.targets
        elif isinstance(node, ast.AugAssign):
            targets.append(node.target)
        elif isinstance(node, ast.Call):
            targets += [k.value for k in node.keywords if k.arg == "out"]
    return [name for target in targets for name in _bases(target)]


def _bases(target: ast.expr) -> list[str]:
    """The names an assignment target writes into (``a[i]`` and ``x.a[i]``: ``a``)."""
    while isinstance(target, ast.Subscript | ast.Starred):
        target = target.value
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Attribute):
        return [target.attr]
    if isinstance(target, ast.Tuple | ast.List):
        return [name for element in target.elts for name in _bases(element)]
    return []
