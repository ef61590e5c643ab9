"""Only what the exercise needs in a worker's memory: the rest of the answer key refuses.

The fork server has the whole answer key imported, and the grader's own modules with it: a
body graded for ``chapter1.sigmoid`` could call the chapter 6 helper that computes the same
thing, or another exercise's answer, or the gradient checker on the key's forward. So before
the learner's code runs, every function of ``dlfs`` that the exercise's checks do not need is
made to refuse: its code is replaced (so that every reference to it — a class, a module, an
alias, a closure — now runs the refusal) by one that raises :class:`NotAvailable`, "… is not
available while grading chapter1.sigmoid".

What a worker keeps (:class:`Needs`, from the record ``answers.calls`` made when the stored
answers were built):

* every function the exercise's checks call on the pristine reference (traced);
* the exercise's own targets (now the learner's code);
* the framework's plain helpers a correct learner may call: those its targets' modules offer
  (defined or imported there, with their classes' methods, as the module was before the
  learner's imports ran) that are no exercise's answer, the book's ``Operation`` template
  (``base``) and the data sets' preprocessing; plain special methods (``__init__`` …);
* the worker's own machinery (``sandbox``, the probe records, the course's target parser).

The modules of the grader and of the answer key that hold nothing it keeps are also taken out
of ``sys.modules`` and of their packages (an ``import`` cannot bring them back: their files
are not in the worker's root), and ``linecache`` holds no source but the learner's.

The fork server does the looking: :func:`index_functions` (after every import, so once more
after a preload) finds every function once and makes its refusing code; :func:`prepare`
decides, before each fork, which to assign and which modules to unload; the worker only does
it (:func:`prune` before any learner code, :func:`unload` once the learner's file's imports
have run).
"""

from __future__ import annotations

import builtins
import gc
import sys
import types
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

__all__ = [
    "Needs",
    "NotAvailable",
    "Pruning",
    "index_functions",
    "kept",
    "key_code",
    "prepare",
    "prune",
    "refuses",
    "unload",
]

_DLFS = "dlfs."
_MACHINERY = (
    "dlfs.autograder.sandbox.",
    "dlfs.autograder.probes.record",
    "dlfs.autograder.probes.inplace",  # read-only inputs: its messages run where a write fails
    "dlfs.autograder.probes.shared",  # one instance's state changed by another: its message
    "dlfs.autograder.course.targets",
)
_FRAMEWORK = ("dlfs.reference.base", "dlfs.datasets.preprocessing")
"""The framework's plain helpers every exercise may use: the book's ``Operation`` template and
the data sets' preprocessing (one-hot codes, a character vocabulary)."""
_REFERENCE = "dlfs.reference."
_UNLOADED = ("dlfs.autograder.", "dlfs.datasets.", _REFERENCE)
_RAISER = "__dlfs_not_available__"
_NAME = "\0dlfs-name\0"
_REFUSED_FILE = "<not available while grading>"


@dataclass(frozen=True)
class Needs:
    """What a worker keeps of the answer key and the grader (names as ``answers.calls``
    records them, ``"dlfs.reference.activations:Sigmoid._output"``).

    Attributes:
        exercise: the exercise graded (named in the refusals).
        keep: every function its checks call on the pristine reference.
        targets: its targets (the learner's code).
        inside: the functions its targets' reference bodies call (see ``guard``).
        answer_key: every exercise's target: the functions that are answers.
    """

    exercise: str
    keep: tuple[str, ...]
    targets: tuple[str, ...]
    inside: tuple[str, ...] = ()
    answer_key: tuple[str, ...] = ()


class NotAvailable(RuntimeError):
    """Raised by a function of the answer key or the grader that the graded exercise's
    checks do not need."""

    grading: ClassVar[list[str]] = [""]  # the exercise graded in this worker

    def __init__(self, name: str) -> None:
        super().__init__(
            f"{name.removeprefix('dlfs.')} is not available while grading "
            f"{self.grading[0] or 'this exercise'} (the grader keeps only what this "
            "exercise's checks need)"
        )


_index: list[tuple[str, types.FunctionType, types.CodeType, types.CodeType]] = []
"""``(name, function, its refusing code, its own code)``: the own code is kept alive, so that
the identity of every code object of ``dlfs`` in memory before any learner's code stays its
own (see :func:`key_code`)."""
_codes: set[int] = set()
_visible: dict[str, set[str]] = {}
_templates: dict[int, types.CodeType] = {}


def _template(freevars: int) -> types.CodeType:
    """The code of a function that raises :class:`NotAvailable`, with ``freevars`` free
    variables (so that it fits a function whose closure has them)."""
    if freevars not in _templates:
        names = [f"v{i}" for i in range(freevars)]
        uses = f"        {', '.join(names)}\n" if names else ""
        source = (
            f"def maker({', '.join(names)}):\n"
            "    def refused(*args, **kwargs):\n"
            f"{uses}"
            f"        raise {_RAISER}({_NAME!r})\n"
            "    return refused\n"
        )
        namespace: dict[str, Any] = {}
        exec(compile(source, _REFUSED_FILE, "exec"), namespace)
        _templates[freevars] = namespace["maker"](*([None] * freevars)).__code__
    return _templates[freevars]


def refuses(value: Any) -> bool:
    """Whether ``value`` is a function made to refuse (:class:`NotAvailable`) in this worker."""
    code = getattr(value, "__code__", None)
    return isinstance(code, types.CodeType) and code.co_filename == _REFUSED_FILE


def _refusing(function: types.FunctionType, name: str) -> types.CodeType:
    template = _template(len(function.__code__.co_freevars))
    consts = tuple(name if c == _NAME else c for c in template.co_consts)
    changes: dict[str, Any] = {"co_consts": consts, "co_name": function.__code__.co_name}
    if hasattr(template, "co_qualname"):  # Python 3.11
        changes["co_qualname"] = function.__qualname__
    return template.replace(**changes)


def _name(function: types.FunctionType) -> str | None:
    module = getattr(function, "__module__", None) or ""
    if not module.startswith(_DLFS) or module.startswith(_MACHINERY):
        return None
    return f"{module}:{function.__qualname__}"


def _functions_of(value: Any) -> Iterable[types.FunctionType]:
    """The functions a module-level value offers: itself, or a class's methods (its bases'
    too)."""
    if isinstance(value, types.FunctionType):
        yield value
    elif isinstance(value, type):
        for klass in value.__mro__:
            for member in vars(klass).values():
                member = getattr(member, "__func__", member)  # static and class methods
                if isinstance(member, property):
                    yield from (f for f in (member.fget, member.fset) if f is not None)
                elif isinstance(member, types.FunctionType):
                    yield member


def index_functions() -> None:  # pragma: no cover - runs in the fork server
    """Find every function of ``dlfs`` in memory and make its refusing code, and note what
    each module of the reference offers (before any learner's code changes it)."""
    setattr(builtins, _RAISER, NotAvailable)
    _index.clear()
    _codes.clear()
    _prepared.clear()
    for obj in gc.get_objects():
        if isinstance(obj, types.FunctionType):
            name = _name(obj)
            if name is not None:
                _index.append((name, obj, _refusing(obj, name), obj.__code__))
                _add_codes(obj.__code__)
    _visible.clear()
    for module_name, module in list(sys.modules.items()):
        if module_name.startswith(_REFERENCE) and module is not None:
            offered = {_name(f) for v in vars(module).values() for f in _functions_of(v)}
            _visible[module_name] = {n for n in offered if n is not None}


def _add_codes(code: types.CodeType) -> None:
    """Note ``code`` and the code of every function defined inside it."""
    _codes.add(id(code))
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _add_codes(const)


def key_code(code: types.CodeType) -> bool:
    """Whether ``code`` is the answer key's or the grader's own (in memory before any
    learner's code was compiled), not code compiled from a learner's file — which, grading
    the reference itself, has the same file name."""
    return id(code) in _codes


def _special(name: str) -> bool:
    last = name.rpartition(".")[2].rpartition(":")[2]
    return last.startswith("__") and last.endswith("__")


def kept(needs: Needs) -> set[str]:
    """Every function name the worker keeps callable (see the module's docstring)."""
    answers = set(needs.answer_key)
    plain: set[str] = set()
    for target in needs.targets:
        module = target.partition(":")[0]
        plain |= _visible.get(module, set())
    plain = {n for n in plain if n not in answers}
    return {*needs.keep, *needs.targets, *plain}


@dataclass
class Pruning:
    """What :func:`prune` does in a worker, decided in the fork server before the fork (a
    worker that looked at every function itself would copy the pages of every one it touched:
    10 ms and more).

    Attributes:
        exercise: the exercise graded (named in the refusals).
        refuse: each function to make refuse, with its refusing code.
        unload: the modules to take out of ``sys.modules``.
    """

    exercise: str
    refuse: list[tuple[types.FunctionType, types.CodeType]]
    unload: list[str]


_prepared: dict[Needs, Pruning] = {}


def prepare(needs: Needs) -> Pruning:  # pragma: no cover - runs in the fork server
    """The :class:`Pruning` for ``needs`` (kept for the next worker of the same exercise)."""
    if needs not in _prepared:
        if len(_prepared) > 64:
            _prepared.clear()
        keep, answers = kept(needs), set(needs.answer_key)
        refuse = []
        for name, function, code, _ in _index:
            plain = name not in answers
            framework = name.partition(":")[0] in _FRAMEWORK
            if name in keep or (plain and (framework or _special(name))):
                continue
            refuse.append((function, code))
        needed = {name.partition(":")[0] for name in keep} | set(_FRAMEWORK)
        _prepared[needs] = Pruning(needs.exercise, refuse, _unloaded(needed))
    return _prepared[needs]


def prune(pruning: Pruning) -> int:  # pragma: no cover - runs in the worker
    """Make the functions ``pruning`` names refuse (before any learner code); how many."""
    NotAvailable.grading[0] = pruning.exercise
    for function, code in pruning.refuse:
        function.__code__ = code
    return len(pruning.refuse)


def unload(pruning: Pruning) -> None:  # pragma: no cover - runs in the worker
    """Take the modules ``pruning`` names out of ``sys.modules`` and of their packages —
    once the learner's file's own imports have run (a notebook's cells import every module
    of their chapter: the names stay bound, to functions that refuse)."""
    for name in pruning.unload:
        sys.modules.pop(name, None)
        parent, _, child = name.rpartition(".")
        package = sys.modules.get(parent)
        if package is not None and child in vars(package):
            delattr(package, child)


def _unloaded(needed: set[str]) -> list[str]:  # pragma: no cover - runs in the fork server
    """The grader's modules that hold nothing needed (``needed``: the modules of the
    functions kept), to take out of ``sys.modules`` and of their packages."""
    found = []
    for name in list(sys.modules):
        if not name.startswith(_UNLOADED) or name.startswith(_MACHINERY):
            continue
        if any(n == name or n.startswith(name + ".") for n in needed):
            continue
        found.append(name)
    return found
