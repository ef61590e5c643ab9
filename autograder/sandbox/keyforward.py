"""A learner's body may not run the answer key's forward pass on inputs of its own.

A check of a backward pass needs the key's forward pass in the worker (the probe runs it
first), so it cannot refuse like the rest of the key (``prune``); but a backward that calls it
on perturbed inputs and takes differences gets the right gradient without one line of the
derivative. So each forward pass of the key the checks need — another answer of the target's
own class (``Sigmoid._output`` for ``Sigmoid._input_grad``) or, for a function, of its own
module (``forward_loss`` for ``loss_gradients``) — that the target's reference body never
calls (``answers.calls`` records what it calls) is wrapped: called from the
learner's code, it must give back what it gave before — one of its latest results for the
grader's own calls, or the ``output`` its operation stored — and a call on inputs of the
learner's own runs the learner's own version of it, from their file (:func:`use_own`) —
unless those are the grader's inputs nudged (a finite difference: :func:`_nudged`), or the
learner has no version of it; then it raises :class:`KeyForwardRefused`, saying why.
Calling it again on the inputs it had (the book's own code computes ``sigmoid(N1)`` again in
chapter 2's backward pass) stays allowed; so does everything the reference's own body calls
(the book's chapter 1 differentiates numerically, and so may its learners). The learner's own
forward pass on inputs of their own is their code, graded with the body (``_input_grad_2d``
written as ``conv_2d`` of the output gradient with the flipped filter is right).

"From the learner's code" means: a frame of the learner's files is on the stack. This is a
guard against the honest shortcut, inside the worker's own process; code written to take the
grader's worker apart could reach the key's function behind the wrapper (the threat model in
docs/instructors.md says so).
"""

from __future__ import annotations

import collections
import functools
import sys
import types
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .prune import Needs, key_code

__all__ = [
    "Guarding",
    "KeyForwardRefused",
    "guard",
    "guarded_names",
    "prepare_guard",
    "use_own",
]

_DLFS = "dlfs."
_REMEMBERED = 8
"""How many of its latest results a guarded function remembers (a learner's call giving one
of them back computed a value again, nothing new)."""


class KeyForwardRefused(RuntimeError):
    """The learner's code ran a function of the answer key on inputs of its own."""


def _from_learner(files: frozenset[str]) -> bool:
    """Whether a frame of code compiled from the learner's files is on the stack."""
    frame: types.FrameType | None = sys._getframe(2)
    while frame is not None:
        code = frame.f_code
        if code.co_filename in files and not key_code(code):
            return True
        frame = frame.f_back
    return False


def _same(a: Any, b: Any) -> bool:
    """Whether two results are equal: arrays and numbers by value, tuples, lists and dicts
    member by member."""
    if a is b:
        return True
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    try:
        return np.shape(a) == np.shape(b) and bool(np.array_equal(a, b))
    except Exception:
        return False


def _again(args: tuple[Any, ...], result: Any, seen: Iterable[Any]) -> bool:
    """Whether ``result`` is one the function gave before (``seen``: its latest results for
    the grader's own calls), or what the operation (``args[0]``) stored as its output."""
    stored = getattr(args[0], "__dict__", {}).get("output") if args else None
    if stored is not None and _same(result, stored):
        return True
    return any(_same(result, before) for before in seen)


def _inputs(args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[np.ndarray]:
    """Copies of the float arrays a call is given, its object's (``self``) included."""
    given = [*args, *kwargs.values()]
    if args and hasattr(args[0], "__dict__"):
        given += list(vars(args[0]).values())
    return [
        np.array(a, dtype=np.float64)
        for a in given
        if isinstance(a, np.ndarray) and a.dtype.kind == "f" and 0 < a.size <= _LARGEST
    ]


_LARGEST = 1 << 20
"""The largest input remembered to tell a nudged copy of it (a finite difference)."""


def _nudged(inputs: list[np.ndarray], before: Iterable[list[np.ndarray]]) -> bool:
    """Whether one of ``inputs`` is an input of the grader's calls moved a little (at most a
    thousandth of its size), not left as it was: the forward pass evaluated beside a point
    it had, which is what a finite difference does."""
    for earlier in before:
        for a in inputs:
            for b in earlier:
                if a.shape != b.shape or np.array_equal(a, b):
                    continue
                scale = float(np.max(np.abs(b))) + 1e-12
                if float(np.max(np.abs(a - b))) <= 1e-3 * scale:
                    return True
    return False


def _wrapped(function: Callable[..., Any], name: str, exercise: str, files: frozenset[str]):
    short = name.partition(":")[2]
    seen: collections.deque[Any] = collections.deque(maxlen=_REMEMBERED)
    had: collections.deque[list[np.ndarray]] = collections.deque(maxlen=_REMEMBERED)

    @functools.wraps(function)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if not _from_learner(files):
            had.append(_inputs(args, kwargs))
            result = function(*args, **kwargs)
            seen.append(result)
            return result
        result = function(*args, **kwargs)
        if not _again(args, result, seen):
            own = _own.get(name)
            with np.errstate(all="ignore"):
                nudged = _nudged(_inputs(args, kwargs), had)
            if own is not None and not nudged:  # the learner's own forward pass, on inputs
                return own(*args, **kwargs)  # of its own: their code, graded with the body
            raise KeyForwardRefused(
                f"your code runs the answer key's {short} on inputs of its own while grading "
                f"{exercise}: differentiating the key's forward pass numerically is not "
                "allowed — write the derivative (the key's functions may only be called again "
                "on the inputs they already had, e.g. for self.output)"
            )
        return result

    del guarded.__wrapped__  # functools.wraps's way back to the unguarded function
    return guarded


def _owner(name: str) -> tuple[Any, str] | None:
    """The class or module holding ``name`` (``"dlfs.reference.<module>:Class.method"``), and the
    attribute; None for a function that lives only inside another."""
    module_name, _, qualname = name.partition(":")
    module = sys.modules.get(module_name)
    if module is None or "<locals>" in qualname:
        return None
    *path, attribute = qualname.split(".")
    owner: Any = module
    for part in path:
        owner = vars(owner).get(part)
        if owner is None:
            return None
    return owner, attribute


def _places(owner: Any, attribute: str, wrap: Callable[[Callable[..., Any]], Any]) -> list:
    """Where the wrapped function goes: ``(object, attribute, value)`` for a method, a
    property's getter, or a module's function and every alias of it in the modules of
    ``dlfs``."""
    original = vars(owner).get(attribute)
    if isinstance(original, property) and original.fget is not None:
        return [(owner, attribute, original.getter(wrap(original.fget)))]
    if isinstance(original, (staticmethod, classmethod)):
        return [(owner, attribute, type(original)(wrap(original.__func__)))]
    if not isinstance(original, types.FunctionType):
        return []
    new = wrap(original)
    if isinstance(owner, type):
        return [(owner, attribute, new)]
    found = []
    for name, module in list(sys.modules.items()):
        if name.startswith(_DLFS) and module is not None:
            found += [(module, key, new) for key, v in vars(module).items() if v is original]
    return found


def _forwards(target: str) -> tuple[set[str], str | None]:
    """Where the forward passes of ``target`` are: for a method, ``Class.`` of its class and
    the classes it derives from (``{"dlfs.reference.conv:Conv2DOperation."}``); for a
    function, its module (``"dlfs.reference.two_layer_network:"``)."""
    module_name, _, qualname = target.partition(":")
    if "." not in qualname:
        return set(), f"{module_name}:"
    found = _owner(target)
    owner = found[0] if found is not None else None
    if not isinstance(owner, type):
        return set(), None
    return {f"{k.__module__}:{k.__qualname__}." for k in owner.__mro__}, None


def guarded_names(needs: Needs) -> set[str]:
    """The key's functions to guard: those the checks need, that are an answer, that the
    targets' reference bodies do not call, and that are a target's forward pass (its class's
    other methods, or its module's other functions)."""
    candidates = set(needs.keep) & set(needs.answer_key)
    candidates -= {*needs.targets, *needs.inside}
    found: set[str] = set()
    for target in needs.targets:
        classes, module = _forwards(target)
        for name in candidates:
            method = any(name.startswith(c) and "." not in name[len(c) :] for c in classes)
            function = module is not None and name.startswith(module)
            if method or (function and "." not in name.partition(":")[2]):
                found.add(name)
    return found


@dataclass
class Guarding:
    """What :func:`guard` does in a worker, prepared in the fork server before the fork.

    Attributes:
        names: the functions guarded.
        places: ``(object, attribute, wrapped)`` to set.
    """

    names: list[str]
    places: list[tuple[Any, str, Any]]


def prepare_guard(needs: Needs, learner_files: Iterable[str]) -> Guarding:  # pragma: no cover
    """Wrap the key's forward passes the checks need but the targets' reference bodies do
    not call (:func:`guarded_names`), for a worker to put in place (in the fork server)."""
    files = frozenset(learner_files)
    names, places = [], []
    for name in sorted(guarded_names(needs)):
        found = _owner(name)
        if found is None:
            continue
        places += _places(*found, lambda f, n=name: _wrapped(f, n, needs.exercise, files))
        names.append(name)
    return Guarding(names, places)


_own: dict[str, Callable[..., Any]] = {}
"""In a worker: the learner's own version of each guarded function (:func:`use_own`)."""


def use_own(versions: dict[str, Callable[..., Any]]) -> None:  # pragma: no cover - in a worker
    """Where the learner's code calls a guarded function on inputs of its own, run the
    learner's own version of it (``versions``, by name) instead of refusing: their own code,
    correct or not, graded along with the body (``_input_grad_2d`` written as ``conv_2d`` with
    the flipped filter is right)."""
    _own.clear()
    _own.update(versions)


def guard(guarding: Guarding) -> list[str]:  # pragma: no cover - runs in the worker
    """Put the guarded functions in place (after ``prune``); the names guarded."""
    for owner, attribute, value in guarding.places:
        setattr(owner, attribute, value)
    return guarding.names
