"""A probe and its companions, declared together as one record.

Each chapter's probe module ends with ``PROBES = declare(...)``: every probe the course can
name, each with what its check kinds need. :func:`find_probe` is the only way the grader, the
worker and the stored-answer builder reach a probe.
"""

from __future__ import annotations

import copy
import difflib
import importlib
import inspect
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ..kinds import KINDS

__all__ = [
    "KIND_NEEDS",
    "Probe",
    "ProbeError",
    "declare",
    "find_probe",
    "no_inputs",
    "probe_modules",
    "strip_companions",
]

ProbeFunction = Callable[..., dict[str, Any]]
"""``run(ref, inputs, **params) -> {name: array}`` (a known mistake has the same form)."""

KIND_NEEDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {k.name: k.needs for k in KINDS.values()}
)
"""What a probe must have for each check kind (``numerical``: ``run`` takes ``numerical``)."""


def no_inputs(rng: Any, **_: Any) -> dict[str, Any]:
    """The inputs of a probe that draws none: its parameters (or its data set) fix them."""
    return {}


class ProbeError(LookupError):
    """A probe the course names does not exist, or lacks what its check kind needs."""


@dataclass(frozen=True)
class Probe:
    """One probe: a function run on the reference in the worker and in the grader, and its
    companions.

    Attributes:
        run: ``run(ref, inputs, **params) -> dict`` with ``inputs`` drawn by ``inputs``.
        inputs: ``inputs(rng, **params) -> dict``: the probe's inputs, drawn from the
            check's generator before the code under test runs, so that the worker's run,
            the grader's run and the known mistakes all see the same ones (and a message can
            show the input where an output went wrong). Every probe declares them:
            :func:`no_inputs` where its parameters fix everything; a training probe, whose
            inputs are its data set's, gets :func:`no_inputs` by default.
        mistakes: ``{"the likely mistake": wrong(ref, inputs, **params) -> dict}``: outputs
            of known wrong implementations (the book's bugs among them) on the probe's own
            inputs, named when the learner's outputs match one.
        judge: ``judge(got, expected, **params) -> [(name, ok, message)]`` for property checks.
        data: ``data(**params) -> (inputs, labels)`` for training checks: the inputs go to the
            worker, the labels stay in the grader.
        metric: ``metric(got, labels, **params) -> float`` for training checks.
        expected: ``expected(**params) -> dict``: known answers, by hand, for fixture checks.
    """

    run: ProbeFunction
    inputs: Callable[..., dict[str, Any]] | None = None
    mistakes: Mapping[str, ProbeFunction] = field(default_factory=dict)
    judge: Callable[..., list[tuple[str, bool, str]]] | None = None
    data: Callable[..., tuple[dict[str, Any], dict[str, Any]]] | None = None
    metric: Callable[..., float] | None = None
    expected: Callable[..., dict[str, Any]] | None = None
    name: str = ""
    """The probe's name (default: its ``run`` function's)."""
    datasets: tuple[str, ...] = ()
    """The data sets a training probe's ``data`` reads (``dlfs-grade data`` names): what a
    grading machine must fetch beforehand (Gradescope's ``setup.sh``)."""

    def __post_init__(self) -> None:
        if not self.name:
            object.__setattr__(self, "name", self.run.__name__)
        if self.inputs is None:
            if self.data is None:
                raise TypeError(
                    f"probe {self.name}: declare its inputs (inputs=...; no_inputs when its "
                    "parameters fix everything)"
                )
            object.__setattr__(self, "inputs", no_inputs)  # a training probe: its data set
        companions = [self.run, *self.mistakes.values()]
        companions += [self.judge, self.data, self.metric, self.expected]
        for companion in companions:
            if companion is not None and not callable(companion):
                raise TypeError(f"probe {self.name}: {companion!r} is not callable")
        if (self.data is None) != (self.metric is None):
            raise TypeError(f"probe {self.name}: a training probe needs both data and metric")
        object.__setattr__(self, "mistakes", MappingProxyType(dict(self.mistakes)))

    def __call__(self, ref: Any, rng: Any, **params: Any) -> dict[str, Any]:
        """Run the probe on ``ref`` (the reference, spliced or pristine) with inputs from
        ``rng``."""
        return self.run(ref, self.draw(rng, params), **params)

    def draw(self, rng: Any, params: Mapping[str, Any]) -> dict[str, Any]:
        """The probe's inputs for ``params`` (those ``inputs`` takes). With ``integers`` (a
        parameter every probe takes), the data ``x`` is drawn as whole numbers, as pixels
        come (an ``inputs`` that takes ``integers`` itself draws them its own way)."""
        assert self.inputs is not None  # __post_init__ sees to it
        drawn = self.inputs(rng, **_accepted(self.inputs, params))
        if params.get(INTEGERS) and INTEGERS not in inspect.signature(self.inputs).parameters:
            drawn = _whole_numbers(drawn)
        return drawn

    def wrong_outputs(
        self, ref: Any, rng: Any, params: Mapping[str, Any]
    ) -> Iterator[tuple[int, str, dict[str, Any]]]:
        """``(index, description, outputs)`` of each known mistake on one draw of the inputs;
        a mistake that does not apply to these inputs (it raises) is left out."""
        if not self.mistakes:
            return
        drawn = self.draw(rng, params)
        for index, (description, wrong) in enumerate(self.mistakes.items()):
            given = copy.deepcopy(drawn)
            try:
                outputs = wrong(ref, given, **_accepted(wrong, params))
            except Exception:
                continue
            yield index, description, outputs

    def has(self, need: str) -> bool:
        """Whether the probe has ``need`` (a companion's name, or ``numerical``)."""
        if need == "numerical":
            return "numerical" in inspect.signature(self.run).parameters
        return getattr(self, need) is not None

    def parameters(self) -> set[str] | None:
        """The parameters a check may give this probe: those its functions name (None: any,
        when one of them passes keywords on to others)."""
        named: set[str] = set()
        companions = [self.run, self.inputs, self.judge, self.data, self.metric, self.expected]
        for function in (c for c in companions if c is not None):
            try:
                signature = inspect.signature(function)
            except (TypeError, ValueError):
                return None
            if any(
                p.kind is p.VAR_KEYWORD and name != "_" for name, p in signature.parameters.items()
            ):
                return None  # it passes them on (``**_`` only swallows them)
            named |= {
                name
                for name, p in signature.parameters.items()
                if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
                and name not in _NOT_PARAMETERS
            }
        return named | {INTEGERS}

    def missing_for(self, kind: str) -> list[str]:
        """What the probe lacks for a check of ``kind`` (empty: nothing)."""
        return [need for need in KIND_NEEDS[kind] if not self.has(need)]


_NOT_PARAMETERS = frozenset(
    {"ref", "rng", "inputs", "drawn", "numerical", "data", "got", "expected", "labels"}
)
"""The arguments the grader itself passes to a probe's functions."""


INTEGERS = "integers"
"""The parameter every probe takes: its data ``x`` drawn as whole numbers (:meth:`Probe.draw`)."""


def _whole_numbers(drawn: dict[str, Any]) -> dict[str, Any]:
    """``drawn`` with its data ``x`` as int64 (ten times the value drawn, rounded): code that
    keeps the input's dtype for what it computes (``np.zeros_like(x)``) truncates."""
    import numpy as np  # here, not at the top: the CLI's start-up loads no NumPy

    x = drawn.get("x")
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise ProbeError("integers = true: this probe draws no floating-point data `x`")
    return {**drawn, "x": np.rint(10.0 * x).astype(np.int64)}


def _accepted(function: Callable[..., Any], params: Mapping[str, Any]) -> dict[str, Any]:
    """The entries of ``params`` that ``function`` takes as keyword arguments."""
    signature = inspect.signature(function)
    if any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values()):
        return dict(params)
    return {k: v for k, v in params.items() if k in signature.parameters}


def declare(*probes: Probe) -> Mapping[str, Probe]:
    """A chapter's probes by name.

    Raises:
        TypeError: two probes share a name.
    """
    found: dict[str, Probe] = {}
    for probe in probes:
        if probe.name in found:
            raise TypeError(f"probe {probe.name} is declared twice")
        found[probe.name] = probe
    return MappingProxyType(found)


def probe_modules() -> tuple[str, ...]:
    """The chapters that have a probe module."""
    return tuple(f"chapter{n}" for n in range(1, 8))


def find_probe(module: str, name: str) -> Probe:
    """The probe ``name`` of ``dlfs.autograder.probes.<module>``.

    Raises:
        ProbeError: no such module or probe (with the closest names).
    """
    try:
        probes: Mapping[str, Probe] = importlib.import_module(f"{__package__}.{module}").PROBES
    except ModuleNotFoundError:
        raise ProbeError(f"there are no probes for {module!r}") from None
    probe = probes.get(name)
    if probe is None:
        message = f"{module} has no probe {name!r}"
        close = difflib.get_close_matches(name, list(probes), n=3)
        if close:
            message += f"; did you mean {' or '.join(repr(c) for c in close)}?"
        raise ProbeError(message)
    return probe


def strip_companions() -> None:
    """In a worker, before the learner's code runs: keep of every probe only what runs in
    the worker (its function and its inputs), and drop the rest from memory — the known
    answers of fixture checks, the judges, the known mistakes, the training metrics — so
    that no answer is within reach of the code graded.

    The fork server calls it too, before it forks its first worker (and after each preload):
    a module it stripped stays stripped in every worker it forks, which then has nothing left
    to do (``_stripped`` says which, by the stripped ``PROBES``; a module imported since is
    stripped here)."""
    for name in probe_modules():
        module = sys.modules.get(f"{__package__}.{name}")
        if module is None or _stripped.get(module.__name__) is vars(module).get("PROBES"):
            continue
        companions: set[int] = set()
        stripped = []
        for probe in module.PROBES.values():
            kept = Probe(probe.run, inputs=probe.inputs, name=probe.name)
            companions |= {id(c) for c in _companions(probe)}
            stripped.append(kept)
        module.PROBES = declare(*stripped)
        for key, value in list(vars(module).items()):
            if key != "PROBES" and (id(value) in companions or _holds(value, companions)):
                delattr(module, key)
        _stripped[module.__name__] = module.PROBES


_stripped: dict[str, Mapping[str, Probe]] = {}
"""The probe modules stripped in this process, by name: their stripped ``PROBES``."""


def _companions(probe: Probe) -> list[Any]:
    found = [probe.judge, probe.data, probe.metric, probe.expected, *probe.mistakes.values()]
    return [c for c in found if c is not None]


def _holds(value: Any, companions: set[int]) -> bool:
    """Whether ``value`` is a container of companions or of probe records."""
    if isinstance(value, Mapping):
        items: Any = value.values()
    elif isinstance(value, (list, tuple)):
        items = value
    else:
        return False
    return any(isinstance(item, Probe) or id(item) in companions for item in items)
