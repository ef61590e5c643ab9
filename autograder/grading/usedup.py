"""An iterator used up by its first pass: a generator yields its items once.

``batches = self.generate_batches(…)`` counted with ``sum(1 for _ in batches)`` and then
looped over finds nothing left; ``offsets = ((i, j) for i … for j …)`` looped over inside a
loop over the channels serves the first channel only. Where a name bound once to a call or
a generator expression is iterated in two places, or in a loop inside another loop that
does not bind it again, the binding is proposed kept as a list (``list(…)``), proven like
any edit: a list that was a list already changes nothing, so only a used-up iterator can be
named.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

from ..sandbox.instrument import Edit, span_of
from .aligned import Departure
from .relations import Proposal, departure_of
from .source import Source, name_bindings

__all__ = ["used_up"]

_PASSES = frozenset(
    {"sum", "len", "list", "tuple", "sorted", "min", "max", "any", "all", "set", "iter", "next"}
)
"""Built-ins that go through an iterable given to them (whole, or its first item)."""
_WRAPS = frozenset({"enumerate", "zip", "iter", "reversed"})
"""Built-ins a loop goes through an iterable by."""


def used_up(sources: Sequence[Source], departures: Sequence[Departure] = ()) -> list[Proposal]:
    """Each name iterated more than once whose binding could be an iterator, kept as a list."""
    found = []
    for fid, source in enumerate(sources):
        at = departure_of(departures, fid)
        for edit, said in _edits(source.node):
            found.append(Proposal(fid, edit, said, at, edit.span[0]))
    return found


def _edits(function: ast.AST) -> Iterator[tuple[Edit, str]]:
    bindings = name_bindings(function)
    for name, bound in bindings.items():
        if len(bound) != 1 or not isinstance(bound[0].value, ast.Call | ast.GeneratorExp):
            continue
        value = bound[0].value
        if isinstance(value, ast.Call) and getattr(value.func, "id", "") in ("list", "tuple"):
            continue
        if _passes(function, name, bound[0]) > 1:
            said = (
                f"`{name}` is used up by its first pass (an iterator, such as a generator, "
                f"yields its items once): `{name} = list(…)` keeps them for the next"
            )
            yield Edit(span_of(value), "wrap", ("list",)), said


def _passes(function: ast.AST, name: str, binding: ast.Assign) -> int:
    """How many times the code goes through ``name``: each place that iterates it, twice for
    a place inside a loop that does not hold its binding."""
    count = 0
    for loop, node in _places(function, []):
        if _iterates(node, name):
            count += 2 if any(binding not in ast.walk(outer) for outer in loop) else 1
    return count


def _places(node: ast.AST, loops: list[ast.AST]) -> Iterator[tuple[list[ast.AST], ast.AST]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        yield loops, child
        inner = [*loops, child] if isinstance(child, ast.For | ast.While) else loops
        yield from _places(child, inner)


def _iterates(node: ast.AST, name: str) -> bool:
    """Whether ``node`` goes through the iterable ``name`` (a loop, a comprehension, a call
    of a built-in that consumes it)."""
    if isinstance(node, ast.For | ast.comprehension):
        through = node.iter
        if isinstance(through, ast.Call) and getattr(through.func, "id", "") in _WRAPS:
            return any(isinstance(a, ast.Name) and a.id == name for a in through.args)
        return isinstance(through, ast.Name) and through.id == name
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") in _PASSES:
        return any(isinstance(a, ast.Name) and a.id == name for a in node.args)
    return False
