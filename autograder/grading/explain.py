"""Explain a failing check: the first line whose value departs, and a mistake named only when
undoing it makes the check pass.

Only for a check that failed, so that a passing exercise costs nothing more:

1. the learner's code runs the check's probe call again, in the worker, with its values
   recorded (``sandbox.trace``); the reference runs it in the grader likewise
   (:mod:`.reftrace`);
2. :mod:`.firstline` aligns the two runs and finds the departures;
3. :mod:`.relations` proposes edits that would undo a simple mistake at each of the first
   departures; the worker runs the learner's code once per edit, and the grader judges each
   run exactly as it judged the check; only when none passes, a second batch moves, deletes
   or inserts statements around the first departure (:mod:`.blockedits`);
4. the check's message gets the first departing line (``path:line``, the learner's value and
   the reference's) and, when an edit made the check pass, the mistake it undid. A relation
   the numbers show but no edit proved is asked, never asserted.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..probes.inplace import CHANGED
from ..results import CheckResult
from ..sandbox.keyforward import KeyForwardRefused
from ..sandbox.protocol import CallOutcome, ProbeCall, WorkerRun
from ..sandbox.splice import LearnerFunction
from ..sandbox.trace import TraceJob
from .addat import added_at
from .aliases import copied_aliases
from .aligned import Departure, Pool
from .blockedits import block_proposals, missing_calls
from .coursecode import in_the_learners_code
from .expected import ExpectedSource, GraderError
from .firstline import departures
from .ignored import ignored_arguments
from .judge import evaluate, unsaid
from .keyargs import sizes_computed_otherwise, written_in_arguments
from .keyform import key_forms, never_returned
from .loopextent import loop_extents
from .loopindex import other_loop_indices
from .plan import Plan, PlannedCheck
from .reftrace import reference_sources, trace_reference
from .relations import MAX_PROPOSALS, Proposal, proposals
from .roles import exchanged_roles
from .shown import shown_pair
from .simpler import only_for_the_checks_function, simpler_instead
from .slips import explain_exception
from .source import Source
from .traces import Trace, Value, parse_trace
from .twins import twinned
from .unread import unread_factors
from .untransposed import untransposed_reshapes
from .usedup import used_up
from .wholes import whole_numbers_anywhere

__all__ = ["Explanation", "Runner", "explain_failure"]

REFUSED = KeyForwardRefused.__name__
"""How a failing call's message begins where the sandbox refused to run the key for the learner's
code (:mod:`..sandbox.keyforward`): no edit explains an attempt, its own message does."""

Runner = Callable[[list[ProbeCall], dict[str, Any], float], WorkerRun]
"""``runner(calls, trace, timeout)``: the learner's functions run on ``calls`` in a worker
with the trace job ``trace`` (``TraceJob.to_json``), within ``timeout`` seconds."""

TRACE_SECONDS = 10.0
"""The most a trace job may take (a probe call ran once already, well within its limit)."""


@dataclass
class Explanation:
    """What the grader found out about a failing check.

    Attributes:
        where: ``path:line`` of the first departing line (or of the confirmed mistake's).
        message: the sentences added to the check's message.
        confirmed: the mistake an edit proved, if any.
        proposals: how many edits were tried.
        rank: which of them was confirmed (0: the first), if one was.
    """

    where: str
    message: str
    confirmed: str | None
    proposals: int
    rank: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "first_line": self.where,
            "confirmed": self.confirmed,
            "tried": self.proposals,
            "rank": self.rank,
        }


def explain_failure(
    plan: Plan,
    run: WorkerRun,
    checks: Sequence[CheckResult],
    functions: Sequence[LearnerFunction],
    answers: ExpectedSource,
    runner: Runner,
    lock: threading.Lock,
) -> Explanation | None:
    """Explain the first failing check that can be (adding to its message), and return what
    was found (None: nothing to explain, or nothing found)."""
    picked = _failing(plan, run, checks)
    if picked is None or not answers.runs_hidden:
        return None
    check, result = picked
    others = _second_opinion(check, plan, checks)
    every = _every_check(check, plan)
    also = _also_failing(check, plan, checks)
    prefer = [] if also else _failing_too(check, plan, checks)
    try:
        with lock:  # parsing (ast) is not safe across the grader's threads
            learner_sources = [Source(f.path, f.source, f.target) for f in functions]
        opinions = (others, every, also, prefer)
        explanation = _explain(check, opinions, learner_sources, answers, runner, lock)
    except Exception as error:  # an explanation is a bonus: the check's verdict stands
        result.details["explanation_error"] = f"{type(error).__name__}: {error}"
        return None
    if explanation is not None:
        if explanation.confirmed:  # a proven mistake first: the one-line summary keeps it
            _unguessed(checks)
            result.message = f"{explanation.message}. {result.message}"
        else:
            result.message = f"{result.message.rstrip('.')}. {explanation.message}"
        result.details["explanation"] = explanation.to_dict()
    return explanation


def _unguessed(results: Sequence[CheckResult]) -> None:
    """Take the patterns' guesses (:mod:`.diagnose`: "twice the right value: a factor of 2
    too many", "summed without keepdims=True?") out of every check's message where an edit
    proved the mistake: beside a proven name a guess says nothing more, and where it guessed
    another cause it contradicts it."""
    for result in results:
        for info in result.details.values():
            hint = info.get("diagnosis") if isinstance(info, dict) else None
            if hint:
                result.message = unsaid(result.message, hint)
        raised, likely, rest = result.message.partition(". Likely: ")
        hint = explain_exception(raised) if likely else None  # an error's reading, a guess too
        if hint and rest.startswith(hint):
            result.message = f"{raised}.{rest[len(hint) :]}"


def _second_opinion(
    check: PlannedCheck, plan: Plan, results: Sequence[CheckResult]
) -> list[PlannedCheck]:
    """Where an edit must pass too, besides the failing check: every check that passed, which
    must still pass (an edit that makes a loss finite by computing something else undoes no
    mistake, nor does one that makes a single epoch right by never decaying); and where the
    check is a property or known answers on fixed inputs, the same check on inputs drawn
    from another seed (an edit that fixes a symmetric input by chance is no mistake undone).
    Agreement with the reference on random inputs leaves less to chance, but an edge case's
    inputs (one epoch, one pixel) leave much."""
    passed = {r.id for r in results if r.passed}
    kept = [other for other in _others(check, plan) if other.spec.check_id in passed]
    if check.spec.kind not in ("property", "fixture"):
        return kept  # an edge case (one epoch: no decay) passes edits that break the rest
    return [replace(check, seed=check.seed + 1), *kept]


def _also_failing(
    check: PlannedCheck, plan: Plan, results: Sequence[CheckResult]
) -> list[PlannedCheck]:
    """Where no check passed, the next failing ones (at most :data:`ALSO_FAILING`): an exact
    edit must make them pass too — one mistake fails every check, and one input can be
    fixed by chance (softmax's shift dropped passes on small scores, never on large ones).
    Edits that only approximate a fix (:data:`APPROXIMATE`) are not held to them."""
    if any(r.passed for r in results):
        return []
    broken = {r.id for r in results if r.details.get("grader_error")}
    return [o for o in _others(check, plan) if o.spec.check_id not in broken][:ALSO_FAILING]


ALSO_FAILING = 3
"""How many other failing checks an exact edit must pass where no check passed."""


def _failing_too(
    check: PlannedCheck, plan: Plan, results: Sequence[CheckResult]
) -> list[PlannedCheck]:
    """Where some checks passed, the other failing ones (at most :data:`ALSO_FAILING`): of
    two edits that pass the failing check, the one that makes these pass too is the mistake
    (softmax's shift taken over the wrong axis: dropping the shift passes on small scores,
    the right axis on large ones too)."""
    failed = {r.id for r in results if not r.passed and not r.details.get("grader_error")}
    return [o for o in _others(check, plan) if o.spec.check_id in failed][:ALSO_FAILING]


APPROXIMATE = frozenset({"shift", "rederive"})
"""Edits right only where the numbers allow: a roll wraps the edge around, a ratio of two
derivatives is 0 / 0 where an activation saturates (and so is a factor divided out)."""


def _approximate(edit: Any) -> bool:
    op, args = getattr(edit, "op", None), getattr(edit, "args", ())
    divided = op == "mul_site" and len(args) > 1 and args[1] < 0
    return op in APPROXIMATE or divided


def _every_check(check: PlannedCheck, plan: Plan) -> list[PlannedCheck]:
    """Where a statement moved, deleted or inserted must pass too: the failing check on inputs
    of another seed and every other check of the exercise but training. Such an edit changes
    what the function does, not one value, and one check's inputs can hide that (one batch in
    an epoch makes a step at the end of the loop the same as one inside it)."""
    return [replace(check, seed=check.seed + 1), *_others(check, plan)]


def _others(check: PlannedCheck, plan: Plan) -> list[PlannedCheck]:
    """The exercise's other checks that run, training's left out (too slow to run again)."""
    return [o for o in plan.running if o is not check and o.spec.kind != "training"]


def _failing(
    plan: Plan, run: WorkerRun, checks: Sequence[CheckResult]
) -> tuple[PlannedCheck, CheckResult] | None:
    by_id = {c.id: c for c in checks}
    for check, outcome in zip(plan.running, run.calls, strict=False):
        result = by_id.get(check.spec.check_id)
        if result is None or result.passed or result.details.get("grader_error"):
            continue
        if outcome.status == "error" and outcome.message.startswith(CHANGED):
            continue  # an array changed in place: its message names the line and the array
        if outcome.status == "error" and outcome.message.startswith(REFUSED):
            continue  # the key run on inputs of the learner's own: refused, and said so
        if check.spec.kind != "training" and outcome.status in ("ok", "error"):
            return check, result
    return None


def _explain(
    check: PlannedCheck,
    opinions: tuple[list[PlannedCheck], list[PlannedCheck], list[PlannedCheck], list[PlannedCheck]],
    learner_sources: list[Source],
    answers: ExpectedSource,
    runner: Runner,
    lock: threading.Lock,
) -> Explanation | None:
    others, every, also, prefer = opinions
    targets = [s.target for s in learner_sources]
    record = TraceJob((True,), ((),))
    traced = runner([check.call], record.to_json(), TRACE_SECONDS)
    outcome = traced.calls[0] if traced.calls else None
    if outcome is None or outcome.trace is None:
        return None
    learner = parse_trace(outcome.trace, len(targets))
    with lock:  # the reference's run, and parsing (ast), one grader thread at a time
        theirs_sources = reference_sources(targets)
        reference = trace_reference(check, theirs_sources)
        if learner is None or reference is None:
            return None
        with np.errstate(all="ignore"):  # the learner's NaN and inf are compared, not warned
            found = departures(learner, reference, learner_sources, theirs_sources)
            if outcome.status == "error":  # the state a call that raised left is unfinished
                found = [d for d in found if d.value.kind != "self_out"]
            raised = _raised_at(outcome, learner, reference, learner_sources) if not found else None
            if raised is not None:  # nothing departed before the line that raised: from there
                found.append(raised)
            tried = proposals(found, learner, theirs_sources)
            tried = sizes_computed_otherwise(learner_sources, theirs_sources) + tried
    sides = (learner_sources, theirs_sources)
    if not found:  # every value agrees: a step the function never takes, if any, or an
        return _agreeing(sides, [check, *every], answers, runner, lock)  # array aliased
    tried = in_the_learners_code(tried, learner_sources, theirs_sources)  # not the course's
    first, later = tried[:MAX_PROPOSALS], tried[MAX_PROPOSALS:]
    confirmed = _prove([check, *others], first, answers, runner, lock, also, prefer)
    if confirmed is not None:
        tried = first
    else:  # a second batch: the first's edits made in their statements' twins too, the
        with lock:  # statements around the line moved or missing, and the less specific
            twins = twinned(first + later, learner_sources)  # edits with no room,
            structural = _structural(found, learner, learner_sources, theirs_sources)
        later = twins + later
        structural = in_the_learners_code(structural, learner_sources, theirs_sources)
        confirmed = _prove([check, *every], later + structural, answers, runner, lock)
        tried = first + later + structural
    if confirmed is not None:  # what it proved, said more simply where that passes too
        tried, confirmed = _simplest(
            confirmed, tried + later, [check, *every], sides, answers, runner, lock, also
        )
        tried = tried if confirmed is None or confirmed in tried else [*tried, confirmed]
    return _noted(_explanation(found, tried, confirmed), learner_sources, theirs_sources)


def _structural(
    found: list[Departure], learner: Trace, mine: list[Source], theirs: list[Source]
) -> list[Proposal]:
    """The second batch's edits of the code's structure, less specific than the numbers'."""
    structural = block_proposals(found, theirs)  # the statements around the line moved,
    structural += exchanged_roles(found)  # two names' roles exchanged (after a binding
    structural += unread_factors(found, learner, theirs)  # reordered), a gate left out
    structural += written_in_arguments(mine, theirs)  # sizes
    structural += key_forms(mine, theirs, found)  # a part or two
    structural += added_at(mine, found)  # `+=` where an index repeats
    structural += whole_numbers_anywhere(mine, found)  # dtype=int helpers
    structural += other_loop_indices(mine, found)  # `c` where `o` belongs
    structural += loop_extents(mine, found)  # range(3) for a filter's K
    structural += used_up(mine, found)  # a generator iterated twice
    return structural + untransposed_reshapes(mine, learner, found)  # .T, not a reshape


def _agreeing(
    sides: tuple[list[Source], list[Source]],
    checks: list[PlannedCheck],
    answers: ExpectedSource,
    runner: Runner,
    lock: threading.Lock,
) -> Explanation | None:
    """Where every value agrees with the key's: a step the function never takes, if any, or
    an array changed through a second name after it was recorded."""
    mine, theirs = sides
    with lock:
        missing = missing_calls(mine, theirs)
        missing += copied_aliases(mine)
        missing += written_in_arguments(mine, theirs)
        missing += never_returned(mine, theirs)
        missing += key_forms(mine, theirs)  # a flag set otherwise, where no value departs
        missing += used_up(mine)  # a generator counted, then found empty
        missing = in_the_learners_code(missing, mine, theirs)
    confirmed = _prove(checks, missing, answers, runner, lock)
    if confirmed is None:
        return None
    missing, confirmed = _simplest(confirmed, missing, checks, sides, answers, runner, lock)
    return _named(mine, missing, confirmed) if confirmed is not None else None


def _simplest(
    confirmed: Proposal,
    tried: list[Proposal],
    checks: list[PlannedCheck],
    sides: tuple[list[Source], list[Source]],
    answers: ExpectedSource,
    runner: Runner,
    lock: threading.Lock,
    also: Sequence[PlannedCheck] = (),
) -> tuple[list[Proposal], Proposal | None]:
    """``confirmed``, or what says it more simply and passes too (:mod:`.simpler`); None for a
    rederivation right only for the check's function. Returns the proposals tried with it."""
    mine, theirs = sides
    with lock:
        simpler = simpler_instead(confirmed, mine, tried, theirs)
        simpler = in_the_learners_code(simpler, mine, theirs)
    dropped = _prove(checks, simpler, answers, runner, lock, also)
    if dropped is not None and dropped.edit.op in ("drop", "mul_site", "mul_name"):  # once more
        with lock:  # a factor too many the key binds otherwise: its binding says where
            again = in_the_learners_code(
                simpler_instead(dropped, mine, tried, theirs), mine, theirs
            )
        bound = _prove(checks, again, answers, runner, lock, also)
        simpler, dropped = (simpler + again, bound) if bound is not None else (simpler, dropped)
    if dropped is not None:
        return [*tried, *simpler], dropped
    if only_for_the_checks_function(confirmed, mine):
        return tried, None  # `S·(1 − S)` for a `sigma` given: tanh's form passes on tanh
    return tried, confirmed


def _noted(
    explained: Explanation | None, mine: list[Source], theirs: list[Source]
) -> Explanation | None:
    """Where nothing was proven, the arguments the learner's code never reads, if any."""
    if explained is not None and explained.confirmed is None:
        explained.message += ignored_arguments(mine, theirs)
    return explained


def _raised_at(
    outcome: CallOutcome, learner: Trace, reference: Trace, sources: list[Source]
) -> Departure | None:
    """For a call that raised in the learner's code, that line as a departure (what it
    computed never came to be)."""
    found = _AT.search(outcome.message) if outcome.status == "error" else None
    if found is None:
        return None
    path, line = found.group(1), int(found.group(2))
    for fid, source in enumerate(sources):
        if source.path == path and source.node.lineno <= line <= (source.node.end_lineno or 0):
            values = learner.of(fid)
            last = values[-1] if values else Value(fid, 0, "entry", "", 0, -1, 0, np.zeros(0))
            pool = Pool(reference.invocation(fid, last.inv))
            note = "raised"
            return Departure(last, source, None, line, source.line_text(line), pool, [], note=note)
    return None


_AT = re.compile(r"\(at (.+?):(\d+)\)")


def _prove(
    checks: list[PlannedCheck],
    tried: list[Proposal],
    answers: ExpectedSource,
    runner: Runner,
    lock: threading.Lock,
    also: Sequence[PlannedCheck] = (),
    prefer: Sequence[PlannedCheck] = (),
) -> Proposal | None:
    """The first proposal whose edit makes the failing check (``checks[0]``) pass, and every
    other check of ``checks`` too (an edit that fixes one input by chance, a symmetric one, is
    not a mistake undone), and, unless it is :data:`APPROXIMATE`, every check of ``also``;
    of several, one that makes the checks of ``prefer`` pass too.
    One worker runs every edit on the failing check; another the edits that passed it on
    the other checks, a third those on ``also`` or ``prefer``."""
    cached = {id(check): _Cached(answers) for check in [*checks, *also, *prefer]}
    passed = _passing(checks[:1], tried, cached, runner, lock)[:MAX_SECOND_OPINIONS]
    if len(checks) > 1 and passed:
        passed = _passing(checks[1:], passed, cached, runner, lock)
    exact = [p for p in passed if not _approximate(p.edit)]
    if also and exact:
        held = {id(p) for p in _passing(list(also), exact, cached, runner, lock)}
        passed = [p for p in passed if id(p) in held or p not in exact]
    if prefer and len(passed) > 1:
        held = {id(p) for p in _passing(list(prefer), passed, cached, runner, lock)}
        passed.sort(key=lambda p: id(p) not in held)
    return passed[0] if passed else None


MAX_SECOND_OPINIONS = 6
"""At most this many edits that passed the failing check are tried on the other checks."""


def _passing(
    checks: list[PlannedCheck],
    tried: list[Proposal],
    cached: dict[int, _Cached],
    runner: Runner,
    lock: threading.Lock,
) -> list[Proposal]:
    """The proposals whose edit makes every one of ``checks`` pass, in their order."""
    if not tried:
        return []
    calls = [check.call for _ in tried for check in checks]
    edits = tuple(
        ((p.fid, p.edit), *((p.fid, also) for also in p.also)) for p in tried for _ in checks
    )
    run = runner(calls, TraceJob(tuple(False for _ in calls), edits).to_json(), TRACE_SECONDS)
    outcomes = iter(run.calls)
    passing = []
    with lock:
        for proposal in tried:
            results = [(check, next(outcomes, None)) for check in checks]
            if all(
                outcome is not None
                and outcome.status == "ok"
                and _passes(check, outcome, cached[id(check)])
                for check, outcome in results
            ):
                passing.append(proposal)
    return passing


def _passes(check: PlannedCheck, outcome: CallOutcome, answers: ExpectedSource) -> bool:
    try:
        return evaluate(check, outcome, answers).passed
    except GraderError:
        return False


class _Cached:
    """The run's answers, each expected value computed once for all the edits judged."""

    def __init__(self, answers: ExpectedSource) -> None:
        self._answers = answers
        self._expected: dict[bool, dict[str, Any]] = {}
        self.runs_hidden = answers.runs_hidden

    def expected(self, check: PlannedCheck, numerical: bool = False) -> dict[str, Any]:
        if numerical not in self._expected:
            self._expected[numerical] = self._answers.expected(check, numerical)
        return self._expected[numerical]

    def mistakes(self, check: PlannedCheck) -> Any:
        return iter(())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._answers, name)


def _named(sources: list[Source], tried: list[Proposal], confirmed: Proposal) -> Explanation:
    source = sources[confirmed.fid]
    where = f"{source.path}:{confirmed.line}"
    text = source.line_text(confirmed.line)
    message = f"At {where} (`{text}`): {confirmed.name} — with that undone, this check passes"
    return Explanation(where, message, confirmed.name, len(tried), tried.index(confirmed))


def _explanation(
    found: list[Departure], tried: list[Proposal], confirmed: Proposal | None
) -> Explanation | None:
    if confirmed is not None:
        departure = found[confirmed.departure]  # the values shown below need no warnings
        where = f"{departure.source.path}:{confirmed.line}"
        text = departure.source.line_text(confirmed.line)
        message = f"At {where} (`{text}`): {confirmed.name} — with that undone, this check passes"
        return Explanation(where, message, confirmed.name, len(tried), tried.index(confirmed))
    first = found[0]
    if first.note == "raised":  # the error's own message says where already
        return None
    where = f"{first.source.path}:{first.line}"
    with np.errstate(all="ignore"):
        shown = shown_pair(first)
    # What no edit proved is not said, not even as a question: a relation of the numbers
    # that undoing does not fix is, as often as not, another slip than the learner's.
    message = f"The first line whose value departs from the reference's: {where} {shown}"
    return Explanation(where, message, None, len(tried))
