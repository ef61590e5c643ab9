"""An addition into an array at an index array, where an index repeats.

``a[idx] += v`` reads ``a[idx]``, adds ``v`` and writes the sums back: NumPy buffers the
operation, so where ``idx`` holds an index twice, that element is written twice and keeps one
sum, not both (col2im's overlapping windows, a max-pool's ties, an embedding's repeated
words). ``np.add.at(a, idx, v)`` adds every one. Proposed for every ``+=`` or ``-=`` into a
subscript that holds more than slices and numbers, and proven like any edit: where the
indices never repeat it changes nothing, and proves nothing.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from ..sandbox.instrument import Edit, span_of
from .aligned import Departure
from .relations import Proposal, departure_of
from .source import Source

__all__ = ["added_at"]


def added_at(sources: Sequence[Source], departures: Sequence[Departure] = ()) -> list[Proposal]:
    """``np.add.at`` for each ``+=`` at an index that may be an array."""
    found = []
    for fid, source in enumerate(sources):
        at = departure_of(departures, fid)
        for node in ast.walk(source.node):
            if not _at_indices(node):
                continue
            target = node.target  # type: ignore[attr-defined]
            array, index = ast.unparse(target.value), ast.unparse(target.slice)
            sign = "-" if isinstance(node.op, ast.Sub) else ""  # type: ignore[attr-defined]
            said = (
                f"`{ast.unparse(node)}` adds once where an index repeats (NumPy buffers `+=` "
                f"on an index array: a repeated element keeps one sum): `np.add.at({array}, "
                f"{_index(target.slice, index)}, {sign}{ast.unparse(node.value)})` adds "  # type: ignore[attr-defined]
                "every one"
            )
            found.append(Proposal(fid, Edit(span_of(node), "add_at"), said, at, node.lineno))
    return found


def _at_indices(node: ast.AST) -> bool:
    if not isinstance(node, ast.AugAssign) or not isinstance(node.op, ast.Add | ast.Sub):
        return False
    if not isinstance(node.target, ast.Subscript):
        return False
    index = node.target.slice
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    return any(not isinstance(p, ast.Slice | ast.Constant) for p in parts)


def _index(index: ast.expr, code: str) -> str:
    """The index as a function's argument: ``(i, slice(None), j)`` for ``i, :, j``."""
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    if not any(isinstance(p, ast.Slice) for p in parts) and not isinstance(index, ast.Tuple):
        return code
    written = [_slice(p) if isinstance(p, ast.Slice) else ast.unparse(p) for p in parts]
    return f"({', '.join(written)})"


def _slice(part: ast.Slice) -> str:
    bounds = [
        ast.unparse(p) if p is not None else "None" for p in (part.lower, part.upper, part.step)
    ]
    while len(bounds) > 1 and bounds[-1] == "None":
        bounds.pop()
    return f"slice({', '.join(bounds)})"
