"""Splice a learner's function bodies into the reference, one exercise at a time.

An exercise's targets name functions of the reference (``"activations:Sigmoid._output"`` is
the method ``_output`` of the class ``Sigmoid`` in ``dlfs.reference.activations``). The
learner's version of each lives at the same place in the workspace
(``exercises/activations.py``). Grading takes exactly those functions from the learner's file
and installs them on the reference — everything else stays the answer key's, so a chapter
is graded even when the chapters below it are unfinished.

Two halves:

* ``read_target`` runs in the grader (the parent process). It only *parses* the learner's
  file (``ast``, no execution): it finds the function, notices a body that is still the
  generated stub (``raise NotImplementedError(...)``) and reports syntax errors with their
  line.
* ``install`` runs in the sandboxed worker only. It compiles the learner's function in the
  reference module's namespace (``super()`` works in methods) and puts it in place of the
  reference's: module-level functions get the learner's code object, so every module that
  imported the function sees it; methods are set on their class.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import gc
import importlib
import inspect
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..course.targets import FunctionNode, find_definition
from .edits import cloned
from .prune import refuses
from .siblings import own_import

__all__ = [
    "LEARNER_PACKAGE",
    "MAX_SOURCE_BYTES",
    "REFERENCE_PACKAGE",
    "LearnerFunction",
    "SpliceError",
    "forget_originals",
    "index_originals",
    "install",
    "own_version",
    "parse_target",
    "read_target",
    "swapped",
]

REFERENCE_PACKAGE = "dlfs.reference"
MAX_SOURCE_BYTES = 2**20
"""The largest source file the grader reads (1 MB: the book's largest module is 30 kB)."""


class SpliceError(Exception):
    """The learner's function cannot be read or installed; the message says why.

    Attributes:
        line: the line of the learner's file at fault, where there is one.
    """

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class LearnerFunction:
    """A learner's version of one target function, as read (not run) by the grader.

    Attributes:
        target: ``"module:Qual.name"`` as course.toml writes it.
        path: the learner's file.
        source: the whole file's text (compiled in the worker, never in the grader).
        lineno: the line of the function's ``def``.
        stub: True when the body is still the generated ``raise NotImplementedError``.
        stub_line: the line of that ``raise`` (where the learner writes), when ``stub``.
        changes: the arguments the function may change in place (patterns such as
            ``param`` or ``params_dict.*.deriv``: course.toml's ``changes_in_place``).
    """

    target: str
    path: str
    source: str
    lineno: int
    stub: bool
    stub_line: int | None = None
    changes: tuple[str, ...] = ()


def parse_target(target: str) -> tuple[str, str]:
    """Split ``"activations:Sigmoid._output"`` into ``("activations", "Sigmoid._output")``."""
    module, sep, qualname = target.partition(":")
    if not sep or not module or not qualname:
        raise ValueError(f"a target is 'module:qualname', got {target!r}")
    return module, qualname


def target_path(workspace: Path, target: str) -> Path:
    """The learner's file holding ``target``: ``workspace/<module as a path>.py``."""
    module, _ = parse_target(target)
    return Path(workspace, *module.split(".")).with_suffix(".py")


def read_target(workspace: Path | str, target: str) -> LearnerFunction:
    """Find the learner's version of ``target`` in ``workspace`` without running it.

    Raises:
        SpliceError: the file is missing, larger than :data:`MAX_SOURCE_BYTES`, does not
            parse (with the line), or does not define the function.
    """
    path = target_path(Path(workspace), target)
    _, qualname = parse_target(target)
    try:
        size = path.stat().st_size
        if size > MAX_SOURCE_BYTES:
            raise SpliceError(
                f"{path.name} is {size / 2**20:.1f} MB: the grader reads source files of up to "
                f"{MAX_SOURCE_BYTES // 2**20} MB (is something else saved in it?)"
            )
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpliceError(f"{path} is missing: it should define {qualname}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SpliceError(f"cannot read {path}: {error}") from None
    try:
        tree = _parsed_file(str(path), source)
    except SyntaxError as error:
        raise SpliceError(
            f"syntax error at {path}:{error.lineno}: {error.msg}", error.lineno
        ) from None
    node = find_definition(tree, qualname)
    if node is None:
        raise SpliceError(f"{path.name} does not define {qualname}")
    stub_line = _stub_line(node)
    return LearnerFunction(target, str(path), source, node.lineno, stub_line is not None, stub_line)


def _parsed_file(path: str, source: str) -> ast.Module:
    """``source`` parsed (read only: a file's exercises share its tree). The grader reads a
    file once per exercise it holds, and a class's students often hand in files alike: the
    same text is parsed once (an ``ast.parse`` of a chapter's file is a millisecond or two).
    A tree holds no file name; a syntax error, never kept, names ``path``."""
    tree = _TEXTS.get(source)
    if tree is None:
        tree = ast.parse(source, filename=path)
        if len(_TEXTS) >= _KEPT_TEXTS:
            _TEXTS.pop(next(iter(_TEXTS)))
        _TEXTS[source] = tree
    return tree


_TEXTS: dict[str, ast.Module] = {}
"""The learner files the grader parsed, by text (the oldest dropped first)."""
_KEPT_TEXTS = 64


def _stub_line(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int | None:
    """The line of the stub's top-level ``raise NotImplementedError``, if the body has one."""
    for statement in node.body:
        if not isinstance(statement, ast.Raise) or statement.exc is None:
            continue
        exc = statement.exc
        func = exc.func if isinstance(exc, ast.Call) else exc
        if isinstance(func, ast.Name) and func.id == "NotImplementedError":
            return statement.lineno
    return None


# --- the worker's half -----------------------------------------------------------------------


def install(
    function: LearnerFunction,
    package: str = REFERENCE_PACKAGE,
    transform: Callable[[FunctionNode], FunctionNode] | None = None,
    helpers: bool = True,
) -> None:
    """Compile the learner's function and put it in place of the reference's (worker only).

    ``transform`` changes the function's ``ast`` before it is compiled (tracing: see
    ``trace``); without ``helpers``, the file's imports and helpers are not run again (the
    function installed anew, once more, in the same worker).

    Raises:
        SpliceError: the reference has no such function, or the learner's file's own imports
            fail.
    """
    owner, name, original, new = _compiled(function, package, transform, helpers)
    _put(owner, name, original, new)


def own_version(functions: list[LearnerFunction], name: str) -> Callable[..., Any] | None:
    """The learner's own version of the key's function ``name``
    (``dlfs.reference.<module>:<qualname>``), compiled from their file of that module, without
    taking the key's place (worker only); None where they have no such file or definition."""
    module_path, _, qualname = name.partition(":")
    module_name = module_path.removeprefix(f"{REFERENCE_PACKAGE}.")
    for function in functions:
        if parse_target(function.target)[0] == module_name:
            own = replace(function, target=f"{module_name}:{qualname}")
            try:
                return _compiled(own, REFERENCE_PACKAGE, None, True)[3]
            except Exception:  # their file's own imports fail, say: the key's refuses, as before
                return None
    return None


def _compiled(
    function: LearnerFunction,
    package: str,
    transform: Callable[[FunctionNode], FunctionNode] | None,
    helpers: bool,
) -> tuple[Any, str, Any, types.FunctionType]:
    """The learner's ``function`` compiled: ``(owner, name, the reference's, the new one)``."""
    module_name, qualname = parse_target(function.target)
    module = importlib.import_module(f"{package}.{module_name}")
    tree = _parsed(function)
    found = find_definition(tree, qualname)
    if found is None:  # the grader checked already; the file may have changed since
        raise SpliceError(f"{Path(function.path).name} does not define {qualname}")
    node = cloned(found)
    spliced = package == REFERENCE_PACKAGE  # else the learner's own package: imports stay
    if spliced and helpers:
        _run_new_imports(tree, module, function.path)
        _define_helpers(tree, node, module, function.path)

    *owner_path, name = qualname.split(".")
    owner: Any = module
    for part in owner_path:
        owner = getattr(owner, part, None)
        if owner is None:
            raise SpliceError(f"the reference has no {'.'.join(owner_path)} in {module_name}")
    original = owner.__dict__.get(name) if isinstance(owner, type) else getattr(owner, name, None)
    if original is None:
        raise SpliceError(f"the reference has no {qualname} in {module_name}")

    node.decorator_list = []
    if spliced and _imports_inside(found):
        _LearnerImports(module_name).visit(node)
    if transform is not None:
        node = transform(node)
    new = _compile(node, module, owner if isinstance(owner, type) else None, function.path)
    new.__qualname__ = qualname
    return owner, name, original, new


_TREES: dict[tuple[str, int], ast.Module] = {}
"""The learner's files as parsed, in this worker (a traced check installs a function anew
for each edit proven)."""


def _imports_inside(function: ast.AST) -> bool:
    """Whether ``function`` (a node of a tree kept in :data:`_TREES`) has an import statement
    (looked for once: a traced check compiles it once per edit)."""
    key = id(function)
    if key not in _IMPORTING:
        _IMPORTING[key] = any(
            isinstance(n, ast.Import | ast.ImportFrom) for n in ast.walk(function)
        )
    return _IMPORTING[key]


_IMPORTING: dict[int, bool] = {}


def _parsed(function: LearnerFunction) -> ast.Module:
    key = (function.path, hash(function.source))
    if key not in _TREES:
        _TREES[key] = ast.parse(function.source, filename=function.path)
    return _TREES[key]


@contextlib.contextmanager
def swapped(
    target: str,
    node: FunctionNode,
    path: str,
    package: str = REFERENCE_PACKAGE,
) -> Iterator[None]:
    """``target`` of ``package`` compiled from ``node`` for the duration of the block, then
    put back as it was (the grader's reference traced with its own code: see
    ``grading.reftrace``; nothing of the learner's ever goes through here)."""
    module_name, qualname = parse_target(target)
    module = importlib.import_module(f"{package}.{module_name}")
    *owner_path, name = qualname.split(".")
    owner: Any = module
    for part in owner_path:
        owner = getattr(owner, part)
    is_class = isinstance(owner, type)
    original = owner.__dict__.get(name) if is_class else getattr(owner, name)
    saved = None
    if isinstance(original, types.FunctionType):
        saved = (original.__code__, original.__defaults__, original.__kwdefaults__)
    new = _compile(node, module, owner if is_class else None, path)
    new.__qualname__ = qualname
    _put(owner, name, original, new)
    try:
        yield
    finally:
        if is_class or saved is None:
            setattr(owner, name, original)
        else:
            original.__code__, original.__defaults__, original.__kwdefaults__ = saved
            setattr(owner, name, original)


_ORIGINALS: dict[tuple[str, str], list[types.FunctionType]] = {}
"""(file, qualname) -> every function object of the reference with that code, indexed once
by the fork server (:func:`index_originals`), so that a worker needs no scan of its heap."""


def index_originals(package: str = REFERENCE_PACKAGE) -> None:
    """Index every function of ``package`` in memory (fork server only, after imports)."""
    prefix = package + "."
    _ORIGINALS.clear()
    for obj in gc.get_objects():
        if isinstance(obj, types.FunctionType) and str(obj.__module__).startswith(prefix):
            key = (obj.__code__.co_filename, obj.__qualname__)
            _ORIGINALS.setdefault(key, []).append(obj)


def forget_originals(functions: list[LearnerFunction], package: str = REFERENCE_PACKAGE) -> None:
    """After :func:`install` (in the worker only): leave no function in memory that runs the
    reference's code of a target. Any copy still held somewhere (an alias, a registry) now
    runs the learner's code, and the reference's code object is freed: the answer is not
    within reach of the code graded."""
    if not _ORIGINALS:
        index_originals(package)
    for function in functions:
        module_name, qualname = parse_target(function.target)
        module = importlib.import_module(f"{package}.{module_name}")
        *owner_path, name = qualname.split(".")
        owner: Any = module
        for part in owner_path:
            owner = getattr(owner, part)
        new = inspect.getattr_static(owner, name)
        new = getattr(new, "__func__", getattr(new, "fget", new))
        for obj in _ORIGINALS.get((getattr(module, "__file__", ""), qualname), []):
            if obj is not new:
                same = obj.__code__.co_freevars == new.__code__.co_freevars
                obj.__code__ = new.__code__ if same else _refusing(obj.__code__.co_freevars)


def _refusing(freevars: tuple[str, ...]) -> types.CodeType:
    """The code of a function that raises, with the given free variables (so that it fits a
    function whose closure has them)."""
    uses = f"        {', '.join(freevars)}\n" if freevars else ""
    source = (
        f"def _maker({', '.join(freevars)}):\n"
        "    def replaced(*args, **kwargs):\n"
        f"{uses}"
        "        raise RuntimeError('the reference\\'s version was replaced by the learner\\'s')\n"
        "    return replaced\n"
    )
    namespace: dict[str, Any] = {}
    exec(compile(source, "<dlfs splice>", "exec"), namespace)
    return namespace["_maker"](*([None] * len(freevars))).__code__


def _compile(
    node: ast.FunctionDef | ast.AsyncFunctionDef, module: types.ModuleType, cls: type | None, path
) -> types.FunctionType:
    """Compile ``node`` inside a maker taking ``__class__``, so that ``super()`` works."""
    maker_name = "__dlfs_splice_maker__"
    tree = ast.parse(f"def {maker_name}(__class__):\n    return {node.name}\n")
    maker = tree.body[0]
    maker.body.insert(0, node)  # type: ignore[attr-defined]
    ast.copy_location(maker, node)
    try:  # every node has its place already (parsed, or given one by `instrument`)
        code = compile(tree, path, "exec")
    except (TypeError, ValueError):  # a node without one: from the maker's, as before
        code = compile(ast.fix_missing_locations(tree), path, "exec")
    namespace = module.__dict__
    exec(code, namespace)
    try:
        return namespace[maker_name](cls)
    finally:
        namespace.pop(maker_name, None)


def _put(owner: Any, name: str, original: Any, new: types.FunctionType) -> None:
    """Install ``new`` where ``original`` was, keeping staticmethod/classmethod/property."""
    if isinstance(original, staticmethod):
        setattr(owner, name, staticmethod(new))
    elif isinstance(original, classmethod):
        setattr(owner, name, classmethod(new))
    elif isinstance(original, property):
        setattr(owner, name, original.getter(new))
    elif isinstance(owner, type):
        setattr(owner, name, new)
    elif isinstance(original, types.FunctionType):
        # Swap the code object so that modules which imported the function see the new one.
        if original.__code__.co_freevars == new.__code__.co_freevars:
            original.__code__ = new.__code__
            original.__defaults__ = new.__defaults__
            original.__kwdefaults__ = new.__kwdefaults__
        else:
            setattr(owner, name, new)
    else:
        setattr(owner, name, new)


LEARNER_PACKAGE = "dlfs.exercises"


def _to_reference(name: str | None) -> str | None:
    if name is not None and (name == LEARNER_PACKAGE or name.startswith(LEARNER_PACKAGE + ".")):
        return REFERENCE_PACKAGE + name[len(LEARNER_PACKAGE) :]
    return name


class _LearnerImports(ast.NodeTransformer):
    """Point imports of the learner's package (``dlfs.exercises``) at the reference, and those
    of another of their modules whose answers are not here at their own (``siblings``);
    ``module``: the learner's file's module."""

    def __init__(self, module: str = "") -> None:
        self.module = module

    def visit_Import(self, node: ast.Import) -> ast.Import:
        own_import(node, self.module)
        for alias in node.names:
            alias.name = _to_reference(alias.name) or alias.name
        return node

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.ImportFrom:
        own_import(node, self.module)
        node.module = _to_reference(node.module)
        return node


def _module_of(module: types.ModuleType) -> str:
    """``conv`` for the reference's ``dlfs.reference.conv``."""
    return module.__name__.removeprefix(REFERENCE_PACKAGE + ".")


def own_imports(tree: ast.AST, module: str) -> ast.AST:
    """``tree`` (a learner's file of ``module``) with its imports pointed as the splice
    points them (worker only: the learner's other modules compiled there, ``siblings``)."""
    return _LearnerImports(module).visit(tree)


def _run_new_imports(tree: ast.Module, module: types.ModuleType, path: str) -> None:
    """Run the learner file's top-level imports that bind names the reference module lacks."""
    wanted: list[ast.stmt] = []
    for statement in tree.body:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            _LearnerImports(_module_of(module)).visit(statement)
            names = [alias.asname or alias.name.split(".")[0] for alias in statement.names]
            if any(n != "*" and n not in module.__dict__ for n in names):
                wanted.append(statement)
    if not wanted:
        return
    code = compile(ast.Module(body=wanted, type_ignores=[]), path, "exec")
    try:
        exec(code, module.__dict__)
    except ImportError as error:
        raise SpliceError(f"an import at the top of {Path(path).name} fails: {error}") from None


_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign)


def _top_level_names(statement: ast.stmt) -> list[str]:
    """The names a top-level definition or assignment binds."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [statement.name]
    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
    return [t.id for target in targets for t in ast.walk(target) if isinstance(t, ast.Name)]


def _used_names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _define_helpers(tree: ast.Module, node: ast.AST, module: types.ModuleType, path: str) -> None:
    """Define the learner file's own top-level helpers that the body uses (and the helpers
    those use) where the reference module lacks them or, being another exercise's answer,
    refuses them in this worker (``prune``): they are graded along with the body, as they
    run in the learner's own copy (a batch convolution calls the learner's own ``conv_1d``)."""
    defined = {
        name: st
        for st in tree.body
        if isinstance(st, _DEFINITIONS)
        for name in _top_level_names(st)
    }
    wanted: list[ast.stmt] = []
    queue = list(_used_names(node))
    while queue:
        name = queue.pop()
        statement = defined.get(name)
        if statement is None or statement in wanted:
            continue
        if name in module.__dict__ and not refuses(module.__dict__[name]):
            continue  # the reference's, kept for this exercise; else the learner's own
        if hasattr(builtins, name):
            continue
        wanted.append(statement)
        queue.extend(_used_names(statement))
    if not wanted:
        return
    wanted.sort(key=lambda st: st.lineno)
    for statement in wanted:
        _LearnerImports(_module_of(module)).visit(statement)
    code = compile(ast.Module(body=wanted, type_ignores=[]), path, "exec")
    try:
        exec(code, module.__dict__)
    except Exception as error:
        names = ", ".join(n for st in wanted for n in _top_level_names(st))
        raise SpliceError(
            f"defining your helpers {names} (top of {Path(path).name}) failed: "
            f"{type(error).__name__}: {error}"
        ) from None
