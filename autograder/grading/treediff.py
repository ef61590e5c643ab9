"""Two functions' statements lined up, and the parts in which two statements differ.

The learner's statements are paired with the key's that do the same thing: the same name
assigned or changed in place, at the same turn (where each does it as often); then by target
and operator; then by the name changed (``dA[:, :2 * H]`` and ``dA[:, :3 * H]``); and the
headers of ``if``, ``while`` and ``for`` in the order written, where both have as many. Two paired
statements' syntax trees are walked together down to the smallest nodes that differ and that
code can stand in for (a call's function is replaced with its call, a slice with its
subscript). Used by :mod:`.keyform`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

__all__ = ["Part", "paired", "parts"]

Part = tuple[ast.AST, ast.AST, bool]
"""The learner's node, the key's, and whether the learner's can be replaced by code."""
_STATEMENTS = (ast.Assign, ast.AugAssign, ast.Return, ast.Expr)
_OPERATORS = (ast.operator, ast.unaryop, ast.boolop, ast.cmpop, ast.expr_context)


def _slots(function: ast.AST) -> list[ast.stmt]:
    """The function's statements that do one thing, in the order written."""
    found = [n for n in ast.walk(function) if isinstance(n, _STATEMENTS) and _slot(n, 0)]
    return sorted(found, key=lambda n: (n.lineno, n.col_offset))


def _slot(statement: ast.stmt, level: int) -> tuple[str, ...] | None:
    """What a statement does, told apart at ``level``: 0, the same target; 1, the same target
    and operator; 2, the same name changed (``dA[:, :2 * H]`` and ``dA[:, :3 * H]``)."""
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        return "=", _target(statement.targets[0], level)
    if isinstance(statement, ast.AugAssign):
        op = type(statement.op).__name__ if level == 1 else ""
        return "op=", _target(statement.target, level), op
    if isinstance(statement, ast.Return) and statement.value is not None:
        return ("return",)
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        return "call", ast.unparse(statement.value.func)
    return None


def _target(target: ast.expr, level: int) -> str:
    while level == 2 and isinstance(target, ast.Subscript | ast.Attribute):
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
            break  # `self.lr`: the attribute is the name
        target = target.value
    return ast.unparse(target)


def paired(
    mine: ast.AST, theirs: ast.AST
) -> tuple[list[tuple[ast.stmt, ast.stmt]], list[ast.stmt]]:
    """The learner's statements with the key's that do the same, where each does it as often
    (by target, then by target and operator, then by the name changed); and the learner's
    in-place changes of a target the key changes as often less (``sum_square *= decay``
    where the key only adds to it), its calls of what the key never calls
    (``self._clear_gradients()`` after the gradients were added up), its branches where it
    has more than the key, and its assignments of a target the key assigns less often."""
    ours, keys = _slots(mine), _slots(theirs)
    pairs: list[tuple[ast.stmt, ast.stmt]] = []
    for level in (0, 1, 2):
        mine_by, theirs_by = _grouped(ours, level), _grouped(keys, level)
        for slot, statements in mine_by.items():
            others = theirs_by.get(slot, [])
            if len(others) == len(statements):
                pairs += zip(statements, others, strict=True)
                ours = [s for s in ours if s not in statements]
                keys = [s for s in keys if s not in others]
    pairs += _headers(mine, theirs)
    extra = _branches_too_many(mine, theirs) + _assigned_again(ours, keys)
    changed = {_slot(s, 0) for s in keys} | {_slot(a, 0) for _, a in pairs if _slot(a, 0)}
    extra += [s for s in ours if isinstance(s, ast.AugAssign) and _slot(s, 0) in changed]
    called = {ast.unparse(n.func) for n in ast.walk(theirs) if isinstance(n, ast.Call)}
    extra += [s for s in ours if _slot(s, 0)[0] == "call" and _slot(s, 0)[1] not in called]
    return pairs, extra


def _assigned_again(ours: list[ast.stmt], keys: list[ast.stmt]) -> list[ast.stmt]:
    """The learner's assignments to a target the key assigns less often, where each of the
    key's is one of the learner's word for word: the others (``self.Z`` assigned the reset
    state's input after it held the gates' input, which the backward pass reads)."""
    texts = {ast.unparse(k) for k in keys}
    found = []
    for slot, statements in _grouped(ours, 0).items():
        others = [k for k in keys if _slot(k, 0) == slot]
        if slot[0] != "=" or not others or len(others) >= len(statements):
            continue
        same = [s for s in statements if ast.unparse(s) in texts]
        if len(same) == len(others):
            found += [s for s in statements if s not in same]
    return found


def _headers(mine: ast.AST, theirs: ast.AST) -> list[tuple[ast.stmt, ast.stmt]]:
    """The learner's ``if``, ``while`` and ``for`` headers with the key's, in the order
    written, where both have as many (``if epoch % 10 == 0:`` for ``if epoch % eval_every ==
    0:``; ``for t in range(T - 1)`` for ``for t in range(T)``)."""
    ours, keys = _tests(mine), _tests(theirs)
    if len(ours) != len(keys):
        return []
    return [(m, k) for m, k in zip(ours, keys, strict=True) if type(m) is type(k)]


def _branches_too_many(mine: ast.AST, theirs: ast.AST) -> list[ast.stmt]:
    """Where the learner's function has more ``if`` statements than the key's: each of its
    ``if`` statements without an ``else`` (a case the key needs no branch for: ``if other is
    self:`` making a square's second factor a node of its own)."""
    ours = [n for n in _tests(mine) if isinstance(n, ast.If)]
    if len(ours) <= len([n for n in _tests(theirs) if isinstance(n, ast.If)]):
        return []
    return [n for n in ours if not n.orelse][:MAX_BRANCHES]


MAX_BRANCHES = 4
"""At most this many of the learner's branches are proposed deleted."""


def _tests(function: ast.AST) -> list[ast.stmt]:
    found = [n for n in ast.walk(function) if isinstance(n, ast.If | ast.While | ast.For)]
    return sorted(found, key=lambda n: (n.lineno, n.col_offset))


def _grouped(statements: list[ast.stmt], level: int) -> dict[tuple[str, ...], list[ast.stmt]]:
    grouped: dict[tuple[str, ...], list[ast.stmt]] = {}
    for statement in statements:
        slot = _slot(statement, level)
        if slot is not None:
            grouped.setdefault(slot, []).append(statement)
    return grouped


def parts(ours: ast.stmt, theirs: ast.stmt) -> list[Part] | None:
    """The parts in which two statements differ (None: they differ in what they are)."""
    if type(ours) is not type(theirs):
        return None
    if isinstance(ours, ast.If | ast.While | ast.For):  # a header: its test, what it loops over
        field = "iter" if isinstance(ours, ast.For) else "test"
        found = _diff(getattr(ours, field), getattr(theirs, field))
        return None if any(not ok for *_, ok in found) else found
    parts: list[Part] = []
    if isinstance(ours, ast.AugAssign) and type(ours.op) is not type(theirs.op):
        parts.append((ours, theirs, True))
    if isinstance(ours, ast.Assign | ast.AugAssign):
        mine, key = getattr(ours, "target", None), getattr(theirs, "target", None)
        if isinstance(ours, ast.Assign):
            mine, key = ours.targets[0], theirs.targets[0]  # type: ignore[attr-defined]
        parts += _diff(mine, key)
    parts += _diff(ours.value, theirs.value)  # type: ignore[attr-defined]
    if any(not ok for *_, ok in parts):
        return None
    return parts


def _diff(ours: ast.AST, theirs: ast.AST) -> list[Part]:
    """The smallest replaceable nodes of ``ours`` that differ from ``theirs``."""
    if type(ours) is not type(theirs) or not _alike(ours, theirs):
        return [(ours, theirs, _replaceable(ours))]
    parts: list[Part] = []
    for mine, key, is_function in _children(ours, theirs):
        found = _diff(mine, key)
        if found and is_function:  # a call's function is replaced with its call
            found = [(mine, key, False)]
        parts += found
    if any(not ok for *_, ok in parts):
        return [(ours, theirs, _replaceable(ours))]
    return parts


def _alike(ours: ast.AST, theirs: ast.AST) -> bool:
    """Same kind of node with the same operators, names, numbers and numbers of children."""
    for field in ours._fields:
        mine, key = getattr(ours, field, None), getattr(theirs, field, None)
        if isinstance(mine, _OPERATORS) or isinstance(key, _OPERATORS):
            if type(mine) is not type(key):
                return False
        elif isinstance(mine, list) or isinstance(key, list):
            if not (isinstance(mine, list) and isinstance(key, list)) or len(mine) != len(key):
                return False
            if mine and not isinstance(mine[0], ast.AST) and mine != key:
                return False
            operators = [
                (m, k) for m, k in zip(mine, key, strict=True) if isinstance(m, _OPERATORS)
            ]
            if any(type(m) is not type(k) for m, k in operators):  # `a < b` and `a > b`
                return False
        elif not isinstance(mine, ast.AST) and not _equal(mine, key):
            return False
    return True


def _equal(mine: object, key: object) -> bool:
    """Scalars of a node: numbers equal as numbers (``1`` and ``1.0``), the rest as they are."""
    numbers = (int, float)
    if isinstance(mine, bool) or isinstance(key, bool):
        return type(mine) is type(key) and mine == key
    if isinstance(mine, numbers) and isinstance(key, numbers):
        return float(mine) == float(key)
    return type(mine) is type(key) and mine == key


def _children(ours: ast.AST, theirs: ast.AST) -> Iterator[tuple[ast.AST, ast.AST, bool]]:
    for field in ours._fields:
        mine, key = getattr(ours, field, None), getattr(theirs, field, None)
        if isinstance(mine, _OPERATORS):
            continue
        function = isinstance(ours, ast.Call) and field == "func"
        if function and _same_method(mine, key):  # `out[-1].mean(…)`: the receiver differs
            yield mine.value, key.value, False
            continue
        if isinstance(mine, ast.AST) and isinstance(key, ast.AST):
            yield mine, key, function
        elif isinstance(mine, list) and isinstance(key, list):
            for m, k in zip(mine, key, strict=True):
                if isinstance(m, ast.AST) and not isinstance(m, _OPERATORS):
                    yield m, k, False


def _same_method(mine: object, key: object) -> bool:
    """Whether two calls' functions are the same method of two receivers (``a.mean``)."""
    if not (isinstance(mine, ast.Attribute) and isinstance(key, ast.Attribute)):
        return False
    return mine.attr == key.attr and not isinstance(mine.value, ast.Name)


def _replaceable(node: ast.AST) -> bool:
    """Whether code can stand in ``node``'s place: an expression that reads, not a slice."""
    if not isinstance(node, ast.expr) or isinstance(node, ast.Slice | ast.Starred):
        return False
    if not isinstance(getattr(node, "ctx", ast.Load()), ast.Load):
        return False
    try:
        ast.parse(ast.unparse(node), mode="eval")
    except SyntaxError:
        return False
    return True
