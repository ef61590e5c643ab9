"""A number written in where the answer key computes it: ``_pad_1d(x, 1)`` for
``_pad_1d(x, K // 2)``, ``reshape(N, C, 28, 28)`` for ``reshape(N, C, H, W)`` — a size of
the book's example hard-coded, right for that example and wrong for every other.

The proposals come from the code of both: each call of the learner's function that calls
what a call of the key's calls (by the name it calls), with a number where the key's has an
expression of names, gets the key's expression in that argument (an edit the worker writes
in: ``sandbox.edits.expression``, names and arithmetic only), where every name it reads is
one the learner's function has too. Proven like any edit.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

from ..sandbox.edits import expression
from ..sandbox.instrument import Edit, span_of
from .numbers import written_number
from .relations import Proposal
from .source import Source, parameters

__all__ = ["sizes_computed_otherwise", "written_in_arguments"]


def written_in_arguments(
    learner_sources: Sequence[Source], reference_sources: Sequence[Source]
) -> list[Proposal]:
    """The key's expression in place of each number the learner wrote in an argument."""
    found = []
    for fid, (mine, theirs) in enumerate(zip(learner_sources, reference_sources, strict=False)):
        bound = _names_bound(mine.node)
        calls = _calls_by_name(theirs.node)
        for call in (n for n in ast.walk(mine.node) if isinstance(n, ast.Call)):
            theirs_calls = calls.get(_called(call), [])
            for number, code in _written_in(call, theirs_calls):
                if not _reads(code) <= bound:
                    continue
                if written_number(number):
                    said = (
                        f"`{ast.unparse(number)}` is written in where `{code}` belongs: a size "
                        "of one example (the book's) fixed in the code, where it should be "
                        "computed from the arguments"
                    )
                else:
                    said = (
                        f"`{_called(call)}` is given `{ast.unparse(number)}` where `{code}` belongs"
                    )
                edit = Edit(span_of(number), "expression", (code,))
                found.append(Proposal(fid, edit, said, 0, number.lineno))
            for name, value in _keywords_not_passed(call, theirs_calls):
                said = (
                    f"`{_called(call)}(…, {name}={value})` does what this step should not: "
                    f"without `{name}` (its default) it is right"
                )
                edit = Edit(span_of(call), "unkeyword", (name,))
                found.append(Proposal(fid, edit, said, 0, call.lineno))
    return found


def _keywords_not_passed(call: ast.Call, theirs: list[ast.Call]) -> list[tuple[str, str]]:
    """The keywords ``call`` passes (with their code) that no call of the key's of the same
    name and arity passes (``np.pad(x, w, mode="edge")`` where the key pads with zeros); of
    another arity, those given a plain value."""
    alike = [other for other in theirs if len(other.args) == len(call.args)]
    if not theirs:
        return []
    passed = {k.arg for other in alike or theirs for k in other.keywords}
    return [
        (k.arg, ast.unparse(k.value))
        for k in call.keywords
        if k.arg and k.arg not in passed and (alike or isinstance(k.value, ast.Constant))
    ]  # another arity (`pad_width=` by name): only a setting written in, `mode="edge"`


def sizes_computed_otherwise(
    learner_sources: Sequence[Source], reference_sources: Sequence[Source]
) -> list[Proposal]:
    """The key's integer division where the learner computes the same name otherwise:
    ``p = round(K / 2)`` or ``p = int(K / 2 + 1)`` for the key's ``p = K // 2``. Only a size
    (the key's expression divides with ``//``) of names and arithmetic: never a formula."""
    found = []
    for fid, (mine, theirs) in enumerate(zip(learner_sources, reference_sources, strict=False)):
        bound = _names_bound(mine.node)
        sizes = _sizes(theirs.node)
        for node in ast.walk(mine.node):
            if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
                continue
            target = node.targets[0]
            code = sizes.get(target.id) if isinstance(target, ast.Name) else None
            if code is None or ast.unparse(node.value) == code or not _reads(code) <= bound:
                continue
            written = ast.unparse(node.value)
            said = f"`{target.id}` is computed as `{written}` where `{code}` belongs"
            if "/" in written.replace("//", ""):
                said += (
                    ": a size is a whole number, and floor division (//) gives it for every "
                    "size (round() rounds halves to even; / goes through a float)"
                )
            edit = Edit(span_of(node.value), "expression", (code,))
            found.append(Proposal(fid, edit, said, 0, node.lineno))
    return found


def _sizes(function: ast.AST) -> dict[str, str]:
    """The key's names assigned once, from an expression of names and arithmetic that
    divides with ``//``."""
    assigned: dict[str, list[str]] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                assigned.setdefault(target.id, []).append(ast.unparse(node.value))
    sizes = {}
    for name, codes in assigned.items():
        if len(codes) != 1 or "//" not in codes[0]:
            continue
        try:
            expression(codes[0])
        except (ValueError, SyntaxError):
            continue
        sizes[name] = codes[0]
    return sizes


def _written_in(call: ast.Call, theirs: list[ast.Call]) -> Iterator[tuple[ast.expr, str]]:
    """``(number, the key's code)`` for each argument where ``call`` has a number and a call
    of the key's of the same name and arity has an expression."""
    seen = set()
    for other in theirs:
        if len(other.args) != len(call.args):
            continue
        pairs = list(zip(call.args, other.args, strict=True))
        keywords = {k.arg: k.value for k in other.keywords if k.arg}
        pairs += [(k.value, keywords[k.arg]) for k in call.keywords if k.arg in keywords]
        for mine, key in pairs:
            if isinstance(key, ast.Constant) or not (
                written_number(mine) or _recombined(mine, key)
            ):
                continue
            code = ast.unparse(key)
            try:
                expression(code)
            except (ValueError, SyntaxError):
                continue
            if (id(mine), code) not in seen:
                seen.add((id(mine), code))
                yield mine, code


def _recombined(mine: ast.expr, key: ast.expr) -> bool:
    """An argument of names and arithmetic computed otherwise from the same names as the
    key's (``K - 1`` for ``K // 2``, ``(0, 2 * p)`` for ``(p, p)``): a size in whole numbers,
    never a formula."""
    code = ast.unparse(mine)
    if code == ast.unparse(key):
        return False
    try:
        expression(code)
    except (ValueError, SyntaxError):
        return False
    if not _sized(key):
        return False
    names = {n.id for n in ast.walk(mine) if isinstance(n, ast.Name)}
    return bool(names) and names == {n.id for n in ast.walk(key) if isinstance(n, ast.Name)}


def _sized(node: ast.expr) -> bool:
    """Whole numbers only: no true division and no float (Glorot's ``2.0 / (n_in + n_out)``
    is a formula, the exercise's answer, never written in)."""
    return not any(
        isinstance(n, ast.Div) or (isinstance(n, ast.Constant) and isinstance(n.value, float))
        for n in ast.walk(node)
    )


def _called(call: ast.Call) -> str:
    """What a call calls, by its last name: ``reshape`` of ``(a @ b).reshape``."""
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _calls_by_name(function: ast.AST) -> dict[str, list[ast.Call]]:
    calls: dict[str, list[ast.Call]] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            calls.setdefault(_called(node), []).append(node)
    return calls


def _names_bound(function: ast.AST) -> set[str]:
    """The names a function has: its parameters and every name it assigns."""
    names = {"self", *parameters(function)}
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def _reads(code: str) -> set[str]:
    return {n.id for n in ast.walk(ast.parse(code, mode="eval")) if isinstance(n, ast.Name)}
