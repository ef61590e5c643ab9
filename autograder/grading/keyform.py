"""The key's form of a statement, where the learner's is alike but for a few parts.

A learner's statement and the key's statement that does the same thing (the same name
assigned or changed in place, at the same turn; the same return; the same call) often differ
in a part or two: ``velocity += (1.0 - self.momentum) * grad`` for ``velocity += self.lr *
grad``, ``self.lr *= d`` for ``self.lr -= d`` in one branch, ``g[:, :2 * H]`` for ``g[:, :3 *
H]``. Lining the two syntax trees up finds those parts, wherever the learner's slip came from
(a blog's momentum, a sibling's line, a number misread): no table of mistakes. Each part is
proposed in the key's form, alone, with the other parts of its statement, and with the parts
of the function's other statements (the smallest set first). Proven like any edit (one that
makes the check and every other pass): what is said is the code that should be there.

Headers are lined up too (``if epoch % 10 == 0:`` for ``if epoch % eval_every == 0:``), and
what the learner's function has more of than the key's is proposed deleted: an in-place change,
a call, a branch, an assignment made again (:mod:`.treediff`).

Not proposed: a part of the key's that reads a name neither the learner's function nor its
file has (a name the key defines from names the learner has is spelled out: :mod:`.keynames`),
a part longer than :data:`MAX_CODE`, two parts neither holding the other and larger than
:data:`MAX_NODES` (what both hold counted as one node), and statements that differ in more
than :data:`MAX_PARTS` parts (written otherwise, not slipped). A part that bypasses a value the
learner computes is proposed first where that value is made. Where the key returns a value
and the learner's function returns none, the last values it computes are proposed returned
(:func:`never_returned`).
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Sequence

from ..sandbox.edits import cloned, key_form
from ..sandbox.instrument import Edit, span_of
from .aligned import Departure
from .keynames import (
    Spell,
    globals_of,
    names_of,
    own_values,
    paths,
    reads,
    renamed,
    renames,
    spelled_out,
)
from .relations import Proposal, departure_of
from .source import Source
from .treediff import Part, paired
from .treediff import parts as differing

__all__ = ["key_forms", "never_returned"]

MAX_PARTS = 3
"""A statement that differs from the key's in more parts is written otherwise."""
MAX_TOGETHER = 4
"""At most this many parts of a function are combined (every subset is tried)."""
MAX_CODE = 60
"""The longest part of the key's said and written in."""
MAX_PROPOSED = 24
"""At most this many sets of parts proposed for one function (each alone first)."""
MAX_NODES = 8
"""A part replaced by another (neither holding the other) has at most this many nodes each:
a slip, not a statement written otherwise."""


def key_forms(
    learner_sources: Sequence[Source],
    reference_sources: Sequence[Source],
    departures: Sequence[Departure] = (),
) -> list[Proposal]:
    """The key's form of the parts in which the learner's statements differ from its own
    (each said at the first of ``departures`` in its function, if any)."""
    found: list[Proposal] = []
    for fid, (mine, theirs) in enumerate(zip(learner_sources, reference_sources, strict=False)):
        at = departure_of(departures, fid)
        key = renamed(theirs.node, renames(mine.node, theirs.node))
        names = names_of(mine.node) | globals_of(mine.module)
        spelled = spelled_out(key, names)
        computed = own_values(mine.node, key)
        pairs, extra = paired(mine.node, key)
        edits: list[list[tuple[Edit, str, int]]] = []
        for ours, keys in pairs:
            parts = differing(ours, keys)
            if not parts or len(parts) > MAX_PARTS:
                continue
            made = [_edit(ours, part, names, spelled, computed) for part in parts]
            if all(m for m in made):
                edits.append([m[0] for m in made])
                edits += [[other] for m in made for other in m[1:]]  # after the first, alone
        for statement in extra:
            said = f"`{ast.unparse(statement)}` should not be there"
            if isinstance(statement, ast.If):
                said = f"`if {ast.unparse(statement.test)}:` and what it does should not be there"
            edits.append([(Edit(span_of(statement), "delete"), said, statement.lineno)])
        found += _combined(fid, at, edits)[:MAX_PROPOSED]
    return found + never_returned(learner_sources, reference_sources, departures)


def never_returned(
    learner_sources: Sequence[Source],
    reference_sources: Sequence[Source],
    departures: Sequence[Departure] = (),
) -> list[Proposal]:
    """For each learner's function that returns nothing where the key returns a value, the
    last values it computes, each returned (a value stored and never handed back)."""
    found = []
    for fid, (mine, theirs) in enumerate(zip(learner_sources, reference_sources, strict=False)):
        at = departure_of(departures, fid)
        for edit, said in _unreturned(mine.node, theirs.node):
            found.append(Proposal(fid, edit, said, at, edit.span[0]))
    return found


def _unreturned(mine: ast.AST, key: ast.AST) -> list[tuple[Edit, str]]:
    """Where the key returns a value and the learner's function returns none: each of the
    last two values its body computes (``self.output = …``), returned after it."""
    if _returns(mine) or not _returns(key):
        return []
    found = []
    body = mine.body  # type: ignore[attr-defined]
    for statement in [s for s in body if isinstance(s, ast.Assign | ast.AugAssign)][-2:]:
        target = statement.targets[0] if isinstance(statement, ast.Assign) else statement.target
        if not isinstance(target, ast.Name | ast.Attribute):
            continue
        code = ast.unparse(target)
        said = f"`{code}` is computed but never returned: `return {code}` is missing"
        found.append((Edit(span_of(statement), "return_after", (code,)), said))
    return found


def _returns(function: ast.AST) -> bool:
    return any(isinstance(n, ast.Return) and n.value is not None for n in ast.walk(function))


def _combined(
    fid: int, departure: int, statements: list[list[tuple[Edit, str, int]]]
) -> list[Proposal]:
    """Each statement's parts, alone and together, then statements together, smallest first
    (where there are too many parts for every set: any two, then all)."""
    units = [part for parts in statements for part in parts]
    sets: list[tuple[tuple[Edit, str, int], ...]] = [(u,) for u in units]
    sets += [tuple(parts) for parts in statements if len(parts) > 1]
    if len(units) <= MAX_TOGETHER:
        for size in range(2, len(units) + 1):
            sets += [c for c in itertools.combinations(units, size) if c not in sets]
    else:  # two parts of any statements (a slip and its consequence), then all of them
        sets += [c for c in itertools.combinations(units, 2) if c not in sets]
        if len(statements) <= MAX_TOGETHER:
            sets.append(tuple(units))
    found = []
    for chosen in sets:
        first = chosen[0]
        said = [first[1]]
        for _, text, line in chosen[1:]:
            said.append(text if line == first[2] else f"and at line {line}, {text}")
        name = "; ".join(_counted(said))
        also = tuple(edit for edit, _, _ in chosen[1:])
        found.append(Proposal(fid, first[0], name, departure, first[2], False, also))
    return found


def _counted(said: list[str]) -> list[str]:
    """Sentences said once each, with how many times (``… (3 times)``)."""
    counts = {text: said.count(text) for text in said}
    return [text if n == 1 else f"{text} ({n} times)" for text, n in counts.items()]


def _edit(
    statement: ast.stmt,
    part: Part,
    names: set[str],
    spelled: dict[str, ast.expr],
    computed: dict[str, ast.Assign | None],
    binding: bool = False,
) -> list[tuple[Edit, str, int]]:
    """The edits that write the key's form of ``part`` in, each with what it says; a name of
    the key's that the learner's function does not have is spelled out by the key's
    definition. Where the part would bypass a value the learner computes (a local, or state
    the key never reads), what is wrong is first how that value is made (for a local bound
    once, its binding in the key's form of the part, however large: ``vocab = W_v.shape[1]``
    where the key's ``D`` is ``self.Z.shape[1] - self.H_out.shape[1]``), and only then the
    part itself, where the value read is not the learner's own state (``s * (1 - s)`` with
    ``s = sigma(x + y)`` where ``deriv(sigma, x + y)`` belongs: the sigmoid's own derivative
    taken for any function's)."""
    ours, theirs, _ = part
    if isinstance(ours, ast.AugAssign):  # the operator alone
        op = type(theirs.op).__name__
        target = ast.unparse(ours.target)
        mine, key = _symbol(ours.op), _symbol(theirs.op)
        said = f"`{target} {mine}= …` should be `{target} {key}= …`"
        return [(Edit(span_of(ours), "augop", (op,)), said, statement.lineno)]
    key = Spell(spelled).visit(cloned(theirs))
    code = ast.unparse(key)
    if len(code) > MAX_CODE or not reads(key) <= names:
        return []
    try:
        key_form(code)
    except (ValueError, SyntaxError):
        return []
    said = f"`{ast.unparse(ours)}` should be `{code}`"
    line = getattr(ours, "lineno", statement.lineno)
    edit = [(Edit(span_of(ours), "form", (code,)), said, line)]
    if not (binding or _small(ours, key)):
        edit = []
    bypassed = (paths(ours) & set(computed)) - paths(key)
    if not bypassed:
        return edit
    # `ds` replaced: the slip is where `ds` is made, if anywhere, else (locals only) here;
    # a local read where the key computes an expression of its own is the learner's own
    # structure (`ds = s * (1 + s * s)` for the key's `(1 - self.output)`), no slip of the
    # read: only a binding that holds the key's part, or is held by it, is proposed
    bound = computed.get(ours.id) if isinstance(ours, ast.Name) else None
    named = isinstance(theirs, ast.Name)  # a name of the key's (its local, spelled out)
    made: list[tuple[Edit, str, int]] = []
    if bound is not None and (named or _holds(bound.value, key) or _holds(key, bound.value)):
        made = _edit(bound, (bound.value, theirs, True), names, spelled, {}, named)
    local = not any(path.startswith("self.") for path in bypassed)
    return [*made, *edit] if local and (named or not isinstance(ours, ast.Name)) else made


def _small(ours: ast.AST, theirs: ast.AST) -> bool:
    """A part that holds the other (a term too many or too few), or two small ones: small
    once what both hold is counted as one node (``np.var(y - P)`` and ``np.mean(np.power(y
    - P, 2))`` differ in the calls around ``y - P``) and a dotted name as one."""
    if _holds(ours, theirs) or _holds(theirs, ours):
        return True
    shared = _shared(ours, theirs)
    return max(_size(ours) - shared, _size(theirs) - shared) <= MAX_NODES


def _shared(ours: ast.AST, theirs: ast.AST) -> int:
    """How many nodes less each part counts for the largest expression both hold (less the
    one node that stands in its place)."""
    held = {ast.unparse(n) for n in ast.walk(theirs) if isinstance(n, ast.expr)}
    sizes = [_size(n) for n in ast.walk(ours) if isinstance(n, ast.expr) and ast.unparse(n) in held]
    return max(sizes, default=1) - 1


def _holds(outer: ast.AST, inner: ast.AST) -> bool:
    shape = ast.unparse(inner)
    return any(ast.unparse(n) == shape for n in ast.walk(outer) if isinstance(n, ast.expr))


def _size(node: ast.AST) -> int:
    """The expression nodes of ``node``, a dotted name (``np.mean``, ``self.lr``), a signed
    number (``-1``) and an index's tuple (``[::-1, ::-1]``: two slices) each as one."""
    uncounted = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name):
            uncounted.add(id(n.value))
        elif isinstance(n, ast.UnaryOp) and isinstance(n.operand, ast.Constant):
            uncounted.add(id(n.operand))
        elif isinstance(n, ast.Subscript) and isinstance(n.slice, ast.Tuple):
            uncounted.add(id(n.slice))
    return sum(isinstance(n, ast.expr) and id(n) not in uncounted for n in ast.walk(node))


def _symbol(op: ast.operator) -> str:
    """``*`` for ``ast.Mult()``: the operator as written."""
    return ast.unparse(ast.BinOp(ast.Name("a"), op, ast.Name("b")))[2:-2]
