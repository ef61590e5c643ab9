"""A proven name that gives way to a simpler one that passes too.

An edit that makes the check pass proves that undoing it fixes the code, not that it is the
mistake the learner made: a regrouping can pass because it zeroes a term too many, a
derivative rederived in tanh's form because the check's function is tanh, a regrouping of
``2 * x - 1`` into ``(2 - 1) * x`` because it makes the line do nothing. Where a simpler edit
passes as well, it says what happened; :mod:`.explain` proves these after the first.
"""

from __future__ import annotations

import ast

from ..sandbox.instrument import Edit, span_of
from .bindings import moved_to_the_slip
from .keyform import key_forms
from .opedits import dropped_operands
from .ranking import within
from .relations import Proposal
from .removed import removed_instead
from .source import Source, parameters
from .wholes import whole_numbers_anywhere

__all__ = ["only_for_the_checks_function", "simpler_instead"]


def simpler_instead(
    confirmed: Proposal, sources: list[Source], tried: list[Proposal], theirs: list[Source]
) -> list[Proposal]:
    """What might say more simply what ``confirmed`` proved (empty: nothing to try); the
    reference's ``theirs`` say where a name is bound to a number."""
    found = _deleted_instead(confirmed, sources) + removed_instead(confirmed, sources)
    found += moved_to_the_slip(confirmed, sources, theirs)
    if confirmed.edit.op == "convert":
        found += _own_conversion_instead(confirmed, sources, theirs)
    if confirmed.edit.op in ("nest", "scale"):
        found += _dropped_instead(confirmed, sources)
    elif confirmed.edit.op == "rederive":
        found += _read_instead(confirmed, sources, tried)
    if _numeric(confirmed) and "(N = " not in confirmed.name:  # a size says more;
        found += _key_form_instead(confirmed, sources, theirs)  # a factor dropped says it too
    return found


def _numeric(confirmed: Proposal) -> bool:
    """A proof by a factor (a constant one, or a factor too many): it says how the value is
    off, not which code made it so. (A sign, a missing factor or term, a sum for a mean say
    it already.)"""
    op, args = confirmed.edit.op, confirmed.edit.args
    too_many = op in ("mul_site", "mul_name") and len(args) > 1 and float(args[1]) < 0
    return op in ("scale", "drop") or too_many


def _key_form_instead(
    confirmed: Proposal, sources: list[Source], theirs: list[Source]
) -> list[Proposal]:
    """The key's form of the statement a numeric proof edited, and of the bindings of the
    names it reads (``0.01 * grad`` where the key has ``self.lr * grad``; ``dLdS`` bound to
    ``np.ones_like(S) / S.size`` where the key binds it to ``np.ones_like(S)``): where one
    passes, it names the code, which the factor did not."""
    source = sources[confirmed.fid]
    statement = next(
        (
            n
            for n in ast.walk(source.node)
            if isinstance(n, ast.stmt)
            and not isinstance(n, _BLOCKS)
            and _holds(n, confirmed.edit.span)
        ),
        None,
    )
    if statement is None:
        return []
    read = {
        n.id for n in ast.walk(statement) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }
    own = [] if confirmed.edit.op != "scale" else [span_of(statement)]  # a factor too many
    places = own + [  # is said where it is: only a binding it reads can say more
        span_of(n)
        for n in ast.walk(source.node)
        if isinstance(n, ast.Assign)
        and len(n.targets) == 1
        and isinstance(n.targets[0], ast.Name)
        and n.targets[0].id in read
    ]
    return [
        p
        for p in key_forms(sources, theirs)
        if p.fid == confirmed.fid
        and all(any(within(e.span, place) for place in places) for e in (p.edit, *p.also))
    ]


def _own_conversion_instead(
    confirmed: Proposal, sources: list[Source], theirs: list[Source]
) -> list[Proposal]:
    """A conversion inserted (``other = _ensure_number(other)``) where the learner converts
    the same name already: the learner's own conversion is where it goes wrong (``other =
    NumberWithGrad(int(other))`` cuts the fraction), said there if undoing that passes too."""
    name = str(confirmed.edit.args[1]) if len(confirmed.edit.args) > 1 else ""
    source = sources[confirmed.fid]
    own = [
        span_of(n)
        for n in ast.walk(source.node)
        if isinstance(n, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == name for t in n.targets)
    ]
    candidates = [
        *whole_numbers_anywhere(sources),
        *key_forms(sources, theirs),
    ]
    return [
        p
        for p in candidates
        if p.fid == confirmed.fid
        and own
        and all(any(within(e.span, place) for place in own) for e in (p.edit, *p.also))
    ]


_BLOCKS = (ast.If, ast.For, ast.While, ast.With, ast.Try, ast.FunctionDef, ast.AsyncFunctionDef)


def _deleted_instead(confirmed: Proposal, sources: list[Source]) -> list[Proposal]:
    """A statement that rebinds a name from itself (``x = 2 * x - 1``), changed so that it
    passes: where deleting it passes too, it should not be there (the input normalised
    twice), whatever edit made it harmless."""
    if confirmed.edit.op in ("delete", "unwrap", "drop"):  # a step too many says it already
        return []
    source = sources[confirmed.fid]
    for node in ast.walk(source.node):
        if not isinstance(node, ast.Assign) or not _holds(node, confirmed.edit.span):
            continue
        targets = {t.id for t in node.targets if isinstance(t, ast.Name)}
        read = {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}
        if len(targets) == len(node.targets) and targets & read:
            text, held = source.line_text(node.lineno), ", ".join(sorted(targets))
            name = f"`{text}` should not be there: `{held}` held the right value already"
            edit = Edit(span_of(node), "delete")
            return [Proposal(confirmed.fid, edit, name, confirmed.departure, node.lineno)]
    return []


def _holds(statement: ast.stmt, span: tuple[int, int, int, int]) -> bool:
    outer = span_of(statement)
    return outer[:2] <= span[:2] and span[2:] <= outer[2:]


def _read_instead(
    confirmed: Proposal, sources: list[Source], tried: list[Proposal]
) -> list[Proposal]:
    """For a derivative taken in another form (``1 − S²`` for ``deriv(sigma, S)``: right
    only for the check's tanh), another value read in its statement (``N`` for ``S``), which
    holds for every function the caller passes."""
    if not only_for_the_checks_function(confirmed, sources):
        return []  # np.tanh written out: its derivative's form is the lesson
    return [p for p in tried if p.edit.op == "name" and p.line == confirmed.line]


def only_for_the_checks_function(confirmed: Proposal, sources: list[Source]) -> bool:
    """Whether ``confirmed`` rederives, in one function's form, a derivative in a function
    that calls a function its caller passes (``sigma``): the form is right for the check's
    function only (tanh's ``1 − S²`` passes on tanh), so it names nothing."""
    if confirmed.edit.op != "rederive":
        return False
    source = sources[confirmed.fid]
    called = {
        n.func.id
        for n in ast.walk(source.node)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }
    return bool(called & set(parameters(source.node)))


def _dropped_instead(regrouped: Proposal, sources: list[Source]) -> list[Proposal]:
    """A term or factor dropped from the expression a regrouping or a factor proved: where one
    passes too, that is the mistake (``-y·log p − (1 − y)·log(1 − p)`` regrouped as ``-y·(log p
    − (1 − y)·log(1 − p))`` multiplies the extra term by y·(1 − y), zero for one-hot targets;
    ``lr · velocity``, 0.1 times the right value, has the factor ``lr`` too many)."""
    node = sources[regrouped.fid].node_at(regrouped.edit.span)
    if node is None:
        return []
    return [
        Proposal(regrouped.fid, edit, name, regrouped.departure, regrouped.line)
        for edit, name, _ in dropped_operands(node)
    ]
