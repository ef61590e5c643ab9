"""The sizes a probe's inputs are made with differ from one another.

A mistake that mixes two axes up (the batch for the channels, the input width for the
output's, the hidden size for the time steps) gives the right numbers wherever the two
sizes are equal: every probe's inputs are made with sizes that differ, so that it shows.
Read from the code of the probe modules — every function's integer defaults, nested ones
too (the inputs a factory makes, a known mistake's own), and every table of shapes — not
from a list of probes.
"""

from __future__ import annotations

import ast
from pathlib import Path

import dlfs.autograder.probes as probes

SIZE_NAMES = frozenset({"n", "t", "d", "h", "v", "c", "c_in", "c_out", "k", "size", "window"})
"""Parameters that are sizes of an axis (N batch, T time, D features, H hidden, V vocabulary,
C channels, K kernel, the images' side, a pooling window)."""


def _int(node: ast.AST | None) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    return None


def _sizes_in(tree: ast.AST):
    """``(line, {size name: value})`` of every function's defaults and every dict literal
    of sizes (``{"n": 2, "k": 3}``) in ``tree``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            args = node.args
            positional = [*args.posonlyargs, *args.args]
            defaulted = positional[len(positional) - len(args.defaults) :]
            pairs = list(zip(defaulted, args.defaults, strict=True))
            keywords = zip(args.kwonlyargs, args.kw_defaults, strict=True)
            pairs += [(a, d) for a, d in keywords if d is not None]
            yield node.lineno, {a.arg: _int(d) for a, d in pairs if a.arg in SIZE_NAMES}
        elif isinstance(node, ast.Dict) and node.keys:
            keys = [k.value if isinstance(k, ast.Constant) else None for k in node.keys]
            if all(k in SIZE_NAMES for k in keys):
                yield node.lineno, {k: _int(v) for k, v in zip(keys, node.values, strict=True)}


def test_every_probes_sizes_differ_from_one_another():
    same = {}
    checked = 0
    for path in sorted(Path(probes.__file__).parent.glob("*.py")):
        for line, found in _sizes_in(ast.parse(path.read_text(encoding="utf-8"))):
            sizes = {k: v for k, v in found.items() if v is not None and v > 1}
            checked += len(sizes) >= 2
            if len(set(sizes.values())) < len(sizes):
                same[f"{path.name}:{line}"] = sizes
    assert checked >= 10  # the image, sequence and layer probes are read
    assert not same, same


def test_a_recurrent_steps_input_and_state_widths_split_nowhere_else():
    """A recurrent step concatenates x [N, D] and H [N, H] into Z: code that splits Z's
    gradient at half its width, as if D were H, is right wherever D and H differ by less than
    two ((D + H) // 2 is one of them). Every probe of chapter 6 with both sizes keeps them
    two or more apart."""
    path = Path(probes.__file__).parent / "chapter6.py"
    close = {}
    for line, found in _sizes_in(ast.parse(path.read_text(encoding="utf-8"))):
        d, h = found.get("d"), found.get("h")
        if d is not None and h is not None and abs(d - h) < 2:
            close[line] = (d, h)
    assert not close, close
