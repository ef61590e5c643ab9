"""Where an exercise's checks look, read off the checks themselves as they run.

Every non-training check of an exercise is run on the pristine reference, as a worker runs it,
under a profile function that notes each call of the exercise's targets: the arguments it got,
the settings its object holds, the size of the batch it was given, the mode of the model it
drives — and, for a forward, whether a backward of the same class ran after it. What a check
looks at is then a fact of the check, not a label someone wrote beside it.

:func:`categories_for` says, from a target's signature, its class and its reference body (never
from the exercise's name), what its checks must look at; :func:`missing` lists what they do not.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import sys
import textwrap
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dlfs.autograder.course import Exercise
from dlfs.autograder.grading.seeds import check_seed
from dlfs.autograder.probes.record import find_probe

FORWARD_NAMES = frozenset({"forward", "_output", "__add__", "__mul__"})
"""The methods that compute a value and store what a backward reads."""
BACKWARD_NAMES = ("backward", "_input_grad", "_param_grad")
BATCH_SIZE_NAMES = ("batch_size", "size")
BATCH_AXIS = re.compile(r"(?:``)?(?:self\.)?(\w+)(?:``)?:? \[N[,\]]")
"""A docstring's ``name: [N, …]`` (or ``self.name`` [N, …]): an array with a batch axis first."""
HAS_BATCH_AXIS = re.compile(r"\[N[,\]]")
SYMMETRIC_CRITERIA = frozenset({"MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss"})
"""Criteria whose value does not change when prediction and target swap places."""
_UNSET = object()


@dataclass
class TargetCall:
    """One call of a target, as the profile function saw it begin (and end)."""

    arguments: dict[str, Any]
    settings: dict[str, Any]
    owner: Any
    training: bool | None = None
    model_training: bool | None = None
    model_returned_tuple: bool = False
    backward_after: bool = False
    batch_sizes: list[int] = field(default_factory=list)
    """The leading sizes of the arrays its docstring gives a batch axis (``[N, …]``)."""
    output: Any = None
    gradients_reached: bool = False
    """A torch module's forward: a backward after it reached every parameter and the input."""


@dataclass
class Seen:
    """Every call of one target over all of an exercise's checks."""

    calls: list[TargetCall] = field(default_factory=list)


def resolve(target: Any) -> tuple[Any, type | None]:
    """The reference's function of ``target`` (a course Target) and its class, if a method."""
    module = importlib.import_module(f"dlfs.reference.{target.module}")
    parts = target.qualname.split(".")
    owner = getattr(module, parts[0]) if len(parts) > 1 else None
    function = module
    for part in parts:
        function = getattr(function, part)
    return function, owner


def _body(function: Any) -> str:
    return inspect.getsource(function)


def read_settings(function: Any, owner: type | None) -> dict[str, Any]:
    """The keyword arguments with a default of ``owner``'s constructor that ``function``'s
    reference body reads as ``self.<name>``: ``{name: default}``."""
    if owner is None or owner.__init__ is object.__init__:
        return {}
    names = _names_read(function)
    return {
        name: p.default
        for name, p in inspect.signature(owner.__init__).parameters.items()
        if p.default is not p.empty and f"self.{name}" in names
    }


def _learners_part(function: Any) -> list[ast.stmt]:
    """The statements of ``function``'s reference body that the learner writes (those between
    ``### BEGIN SOLUTION`` and ``### END SOLUTION``; all of them where there are no markers)."""
    lines, _ = inspect.getsourcelines(function)
    tree = ast.parse(textwrap.dedent("".join(lines)))
    definition = tree.body[0]
    assert isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef))
    marks = [i + 1 for i, line in enumerate(lines) if "### BEGIN SOLUTION" in line]
    ends = [i + 1 for i, line in enumerate(lines) if "### END SOLUTION" in line]
    if not marks:
        return definition.body
    spans = list(zip(marks, ends, strict=True))
    return [s for s in definition.body if any(b < s.lineno < e for b, e in spans)]


def _names_read(function: Any) -> set[str]:
    """The names (and ``self.<attribute>``s) the learner's part of ``function`` reads."""
    names = set()
    for statement in _learners_part(function):
        for node in ast.walk(statement):
            if isinstance(node, ast.Name):
                names.add(node.id)
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "self"
            ):
                names.add(f"self.{node.attr}")
    return names


def batch_names(function: Any) -> frozenset[str]:
    """The arguments (and ``self.<attribute>``s) ``function``'s docstring shapes ``[N, …]``."""
    return frozenset(BATCH_AXIS.findall(function.__doc__ or ""))


STORED_INPUTS = ("input_", "prediction")
"""What an operation or a loss keeps of its input, for a method that takes no array."""


def _leading_sizes(values: dict[str, Any], names: frozenset[str]) -> list[int]:
    """The leading sizes of the arrays ``names`` (arguments, entries of a dict argument, or
    ``self``'s attributes); where none is an array, of the first array argument, else of the
    input ``self`` stored (:data:`STORED_INPUTS`)."""
    me = values.get("self")
    pool = {k: v for d in values.values() if isinstance(d, dict) for k, v in d.items()}
    pool.update(values)
    named = [pool[n] if n in pool else getattr(me, n, None) for n in sorted(names)]
    arrays = [v for v in named if _has_axis(v)]
    if not arrays:
        given = [v for k, v in values.items() if k != "self" and _has_axis(v)]
        stored = [getattr(me, n, None) for n in STORED_INPUTS]
        arrays = given[:1] or [v for v in stored if _has_axis(v)][:1]
    return [int(a.shape[0]) for a in arrays]


def _has_axis(value: Any) -> bool:
    return len(getattr(value, "shape", ())) >= 1


def read_arguments(function: Any) -> dict[str, Any]:
    """The arguments with a default that ``function``'s reference body reads."""
    names = _names_read(function)
    return {
        name: p.default
        for name, p in inspect.signature(function).parameters.items()
        if p.default is not p.empty and name in names
    }


def _is_torch_module(owner: type | None) -> bool:
    return owner is not None and any(k.__name__ == "Module" for k in owner.__mro__)


def _backward_codes(owner: type | None) -> set[types.CodeType]:
    if owner is None or _is_torch_module(owner):
        return set()
    codes = set()
    for name in BACKWARD_NAMES:
        method = getattr(owner, name, None)
        if isinstance(method, types.FunctionType):
            codes.add(method.__code__)
    return codes


class _Profile:
    """Notes the calls of ``targets`` (function → :class:`Seen`) and what follows them."""

    def __init__(self, targets: dict[Any, tuple[Seen, type | None, dict[str, Any]]]) -> None:
        self.by_code = {f.__code__: (f, *rest) for f, rest in targets.items()}
        self.batch = {f.__code__: batch_names(f) for f in targets}  # arrays [N, …]
        self.backward = {
            code: owner
            for _, _, owner, _ in self.by_code.values()
            for code in _backward_codes(owner)
        }
        self.open: list[tuple[types.FrameType, TargetCall]] = []
        self.calls: list[tuple[TargetCall, type | None]] = []

    def __call__(self, frame: types.FrameType, event: str, arg: Any) -> None:
        if event == "call":
            self._enter(frame)
        elif event == "return":
            self._leave(frame, arg)

    def _enter(self, frame: types.FrameType) -> None:
        code = frame.f_code
        if code in self.by_code:
            _, seen, owner, settings = self.by_code[code]
            values = dict(frame.f_locals)
            me = values.get("self")
            state = {k: getattr(me, k, _UNSET) for k in settings}
            call = TargetCall(values, state, me)
            call.batch_sizes = _leading_sizes(values, self.batch[code])
            if hasattr(me, "training"):
                call.training = bool(me.training)
            model = getattr(me, "model", None)
            if model is not None and hasattr(model, "training"):
                call.model_training = bool(model.training)
            seen.calls.append(call)
            self.calls.append((call, owner))
            self.open.append((frame, call))
        if code in self.backward:
            me = frame.f_locals.get("self")
            for call, owner in self.calls:
                if owner is not None and isinstance(me, owner):
                    call.backward_after = True

    def _leave(self, frame: types.FrameType, value: Any) -> None:
        if self.open and self.open[-1][0] is frame:
            self.open.pop()[1].output = value
            return
        if frame.f_code.co_name != "forward" or not self.open:
            return
        me = frame.f_locals.get("self")
        for _, call in self.open:
            if me is not None and me is getattr(call.owner, "model", None):
                call.model_returned_tuple |= isinstance(value, tuple)


def trace_exercise(exercise: Exercise) -> dict[str, Seen]:
    """Run the exercise's non-training checks on the reference; what each target saw."""
    import dlfs.reference as reference

    targets: dict[Any, tuple[Seen, type | None, dict[str, Any]]] = {}
    by_name: dict[str, Seen] = {}
    for target in exercise.targets:
        function, owner = resolve(target)
        seen = Seen()
        by_name[str(target)] = seen
        targets[function] = (seen, owner, read_settings(function, owner))
    for index, spec in enumerate(exercise.checks):
        if spec.kind == "training":
            continue
        probe = find_probe(exercise.chapter, spec.probe)
        profile = _Profile(targets)
        sys.setprofile(profile)
        try:
            probe(reference, np.random.default_rng(check_seed(exercise.id, index)), **spec.params)
        finally:
            sys.setprofile(None)
        for call, owner in profile.calls:
            call.gradients_reached = _is_torch_module(owner) and _gradients_reached(call)
    return by_name


def _gradients_reached(call: TargetCall) -> bool:
    """Whether, once the check is over, a backward went through this forward's output to
    every parameter of its module and to its input."""
    x = call.arguments.get("x")
    parameters = list(call.owner.parameters())
    return (
        getattr(call.output, "grad_fn", None) is not None
        and getattr(x, "grad", None) is not None
        and bool(parameters)
        and all(p.grad is not None for p in parameters)
    )


def _differs(value: Any, default: Any) -> bool:
    if value is _UNSET:
        return False
    if value is default:
        return False
    try:
        return bool(np.any(np.asarray(value != default)))
    except Exception:
        return True


def _rows(arguments: dict[str, Any]) -> int | None:
    for value in arguments.values():
        if hasattr(value, "shape") and len(value.shape) >= 1:
            return int(value.shape[0])
    return None


@dataclass(frozen=True)
class Category:
    """What one target's checks must look at, and how to tell from its calls that they do."""

    name: str
    why: str

    def met(self, calls: list[TargetCall]) -> bool:
        return any(_MEETS[self.name.split(":")[0]](call, self.name) for call in calls)


def _backward(call: TargetCall, _: str) -> bool:
    return call.backward_after


def _argument(call: TargetCall, name: str) -> bool:
    argument = name.split(":", 1)[1]
    if argument in call.arguments:
        return _differs(call.arguments[argument], _DEFAULTS[name])
    return _differs(call.settings.get(argument, _UNSET), _DEFAULTS[name])


def _one_epoch(call: TargetCall, _: str) -> bool:
    return call.arguments.get("epochs") == 1


def _eval_every_not_dividing(call: TargetCall, _: str) -> bool:
    epochs, every = call.arguments.get("epochs"), call.arguments.get("eval_every")
    return isinstance(epochs, int) and isinstance(every, int) and epochs % every != 0


def _batch_not_dividing(call: TargetCall, _: str) -> bool:
    rows = _rows(call.arguments)
    size = next((call.arguments[n] for n in BATCH_SIZE_NAMES if n in call.arguments), None)
    return isinstance(size, int) and rows is not None and rows % size != 0


def _filter(call: TargetCall) -> tuple[int, int] | None:
    """(the input's last size, the filter's) of a call taking ``input_`` and ``param``."""
    signal, kernel = call.arguments.get("input_"), call.arguments.get("param")
    if not hasattr(signal, "shape") or not hasattr(kernel, "shape"):
        return None
    return int(signal.shape[-1]), int(kernel.shape[-1])


def _shorter_than_filter(call: TargetCall, _: str) -> bool:
    sizes = _filter(call)
    return sizes is not None and sizes[0] < sizes[1]


def _filter_of_one(call: TargetCall, _: str) -> bool:
    sizes = _filter(call)
    return sizes is not None and sizes[1] == 1


def _batch_of_one(call: TargetCall, _: str) -> bool:
    size = next((call.arguments[n] for n in BATCH_SIZE_NAMES if n in call.arguments), None)
    return 1 in call.batch_sizes or size == 1


def _through_forward(call: TargetCall, _: str) -> bool:
    return call.gradients_reached


def _tuple_model(call: TargetCall, _: str) -> bool:
    return call.model_returned_tuple


def _model_mode(call: TargetCall, name: str) -> bool:
    return call.model_training is (name.endswith("training"))


def _asymmetric(call: TargetCall, _: str) -> bool:
    criterion = getattr(call.owner, "loss", None)
    return criterion is not None and type(criterion).__name__ not in SYMMETRIC_CRITERIA


def _dropout_training(call: TargetCall, _: str) -> bool:
    me = call.owner
    return bool(call.training) and getattr(me, "dropout", None) is not None


_MEETS = {
    "backward after forward": _backward,
    "non-default": _argument,
    "one epoch": _one_epoch,
    "eval_every not dividing the epochs": _eval_every_not_dividing,
    "a batch size not dividing N": _batch_not_dividing,
    "a signal shorter than its filter": _shorter_than_filter,
    "a filter of 1": _filter_of_one,
    "a model returning a tuple": _tuple_model,
    "model mode": _model_mode,
    "an asymmetric criterion": _asymmetric,
    "dropout in training mode": _dropout_training,
    "a batch of one": _batch_of_one,
    "gradients through forward": _through_forward,
}
_DEFAULTS: dict[str, Any] = {}


def categories_for(target: Any) -> Iterator[Category]:
    """What the checks of an exercise holding ``target`` must look at, from the target's
    signature, class and reference body."""
    function, owner = resolve(target)
    name = target.qualname.split(".")[-1]
    if name in FORWARD_NAMES and _backward_codes(owner):
        yield Category("backward after forward", "its class has a backward that reads it")
    arguments = read_arguments(function)
    for argument, default in {**read_settings(function, owner), **arguments}.items():
        key = f"non-default:{argument}"
        _DEFAULTS[key] = default
        yield Category(key, f"its body reads {argument} (default {default!r})")
    parameters = inspect.signature(function).parameters
    if "epochs" in parameters:
        yield Category("one epoch", "it takes epochs")
        if "eval_every" in parameters:
            yield Category("eval_every not dividing the epochs", "it takes eval_every")
    if any(n in parameters for n in BATCH_SIZE_NAMES):
        yield Category("a batch size not dividing N", "it takes a batch size")
    if {"input_", "param"} <= set(parameters) and "filter" in (function.__doc__ or ""):
        yield Category("a filter of 1", "it takes a filter")
        yield Category("a signal shorter than its filter", "it takes a filter")
    source = _body(function)
    if "self.model" in source:
        if "tuple" in (function.__doc__ or ""):
            yield Category("a model returning a tuple", "its docstring allows a tuple")
        if re.search(r"\.train\(|\.training\b", source):
            yield Category("model mode:training", "it reads or sets the model's mode")
            yield Category("model mode:evaluation", "it reads or sets the model's mode")
    if "self.loss(" in source:
        yield Category("an asymmetric criterion", "it calls the criterion")
    if _is_torch_module(owner) and "self.dropout" in source:
        yield Category("dropout in training mode", "it applies dropout")
    yield from _batch_categories(function, owner, name)


def _batch_categories(function: Any, owner: type | None, name: str) -> Iterator[Category]:
    """A batch of one where the docstring gives an array a batch axis (not for a fit, which
    hands its data on whole); a backward through a PyTorch module's forward."""
    doc = function.__doc__ or ""
    if HAS_BATCH_AXIS.search(doc) and "epochs" not in inspect.signature(function).parameters:
        yield Category("a batch of one", "its docstring gives an array a batch axis [N, …]")
    if _is_torch_module(owner) and name == "forward":
        yield Category("gradients through forward", "it is a torch module's forward")


def missing(exercise: Exercise, seen: dict[str, Seen]) -> list[str]:
    """``"target: category (why)"`` for each category none of the exercise's checks meets."""
    gaps = []
    for target in exercise.targets:
        calls = seen[str(target)].calls
        for category in categories_for(target):
            if not category.met(calls):
                gaps.append(f"{target}: {category.name} ({category.why})")
    return gaps
