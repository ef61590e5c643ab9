"""The learner's own other modules, for code that imports them.

A learner's ``Conv2DOperation._output`` may call their own ``conv_2d_multichannel`` from
chapter 5's earlier exercise (``from .conv_steps import conv_2d_multichannel``). In their own
copy that is their code; in a worker, where their function is spliced into the answer key,
the key's ``conv_steps`` is not there (``prune``: the exercise does not need it) or its
answers refuse. So the grader sends the worker the learner's files of the package's other
modules that their code imports (:func:`sibling_modules`, read like the targets, never run in
the grader), and the worker points each such import at the learner's own module, compiled
from that file under a private package (:data:`OWN_PACKAGE`): never at the key's answers.

An import is pointed there when the key's module is unloaded in the worker, or when a name it
imports from it refuses; a plain helper the worker keeps (``base``, ``np_utils``) is still the
key's, as for the learner's own file. An import that names the key's package
(``dlfs.reference``) is left alone: it gets nothing of the key that the worker does not keep.
"""

from __future__ import annotations

import ast
import functools
import importlib.abc
import importlib.machinery
import sys
import types
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["OWN_PACKAGE", "LearnerModule", "own_import", "serve_siblings", "sibling_modules"]

OWN_PACKAGE = "dlfs_learner_own"
"""The private package the learner's own modules are compiled under, in a worker."""

MAX_SIBLINGS = 12
"""At most this many of the learner's other files go to a worker."""


@dataclass(frozen=True)
class LearnerModule:
    """One of the learner's files that their graded code imports.

    Attributes:
        module: its module in the package (``conv_steps``, ``pytorch.layers``).
        path: the file.
        source: its text.
    """

    module: str
    path: str
    source: str


def sibling_modules(
    workspace: Path, sources: Iterable[tuple[str, str]], own: Iterable[str], limit: int = 2**20
) -> tuple[LearnerModule, ...]:
    """The learner's files of the package's modules that ``sources`` (``(module, text)``:
    the targets' files) import, and those these import, in turn (grader side: read, not run).
    ``own``: the targets' modules, which are spliced, not sent."""
    skip = set(own)
    queue = [(module, text) for module, text in sources]
    found: dict[str, LearnerModule] = {}
    while queue and len(found) < MAX_SIBLINGS:
        module, text = queue.pop(0)
        for name in _imported(text, module):
            if name in skip or name in found:
                continue
            path = Path(workspace, *name.split(".")).with_suffix(".py")
            try:
                if path.is_symlink() or not path.is_file() or path.stat().st_size > limit:
                    continue
                source = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            found[name] = LearnerModule(name, str(path), source)
            queue.append((name, source))
    return tuple(found.values())


@functools.lru_cache(maxsize=256)
def _imported(text: str, module: str) -> frozenset[str]:
    """The package's modules that ``text`` (the file of ``module``) imports, anywhere in it
    (parsed once per text: every exercise of a file, every student handing in the same)."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return frozenset()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = _package_module(node.module, node.level, module)
            if base is None:
                continue
            if base:
                names.add(base)
            names.update(f"{base}.{a.name}".lstrip(".") for a in node.names if a.name != "*")
        elif isinstance(node, ast.Import):
            names.update(n for a in node.names if (n := _package_module(a.name, 0, module)))
    return frozenset(names)


_PACKAGES = ("dlfs.exercises",)
"""Where the learner's own modules are imported from: their package (as in their copy), or
relative to their file. An import naming the key (``dlfs.reference``) is never pointed at
their files: it asked for the key, which it does not get."""


def _package_module(name: str | None, level: int, module: str) -> str | None:
    """``name`` as a module of the package (relative to its root; "" the root itself), or
    None where it is outside it (``numpy``)."""
    if level:
        parts = module.split(".")[:-level] if level <= module.count(".") + 1 else None
        if parts is None:
            return None
        return ".".join([*parts, *([name] if name else [])])
    for package in _PACKAGES:
        if name == package:
            return ""
        if name and name.startswith(package + "."):
            return name[len(package) + 1 :]
    return None


class _Served:
    """The worker's own modules: what the grader sent, and which imports go to them."""

    def __init__(self) -> None:
        self.modules: dict[str, LearnerModule] = {}
        self.unloaded: set[str] = set()
        self.refuses: Callable[[Any], bool] = lambda value: False
        self.transform: Callable[[ast.AST, str], ast.AST] = lambda tree, module: tree


_SERVED = _Served()


def serve_siblings(
    modules: Iterable[dict[str, str]],
    unloaded: Iterable[str],
    refuses: Callable[[Any], bool],
    transform: Callable[[ast.AST, str], ast.AST],
) -> set[str]:
    """In the worker, before the learner's code is compiled: serve ``modules`` (the job's,
    as dicts) under :data:`OWN_PACKAGE`; ``unloaded``: the key's modules the worker takes out;
    ``refuses``: whether a key's function refuses here; ``transform``: the learner's imports
    pointed at the reference, for the modules' own code. Their paths."""
    _SERVED.modules = {m["module"]: LearnerModule(**m) for m in modules}
    _SERVED.unloaded = set(unloaded)
    _SERVED.refuses = refuses
    _SERVED.transform = transform
    if _SERVED.modules and not any(isinstance(f, _Finder) for f in sys.meta_path):
        package = types.ModuleType(OWN_PACKAGE)
        package.__path__ = []
        sys.modules[OWN_PACKAGE] = package
        sys.meta_path.insert(0, _Finder())
    return {m.path for m in _SERVED.modules.values()}


def own_import(node: ast.Import | ast.ImportFrom, module: str) -> None:
    """Point an import of the learner's code (in their file of ``module``) at their own
    module, where the key's is unloaded or refuses what it imports (in place)."""
    if not _SERVED.modules:
        return
    if isinstance(node, ast.Import):  # ``import dlfs.exercises.conv_steps as steps``
        for alias in node.names:
            name = _package_module(alias.name, 0, module)
            if alias.asname and name and _own(name) and _unloaded(name):
                alias.name = _own(name) or alias.name
        return
    name = _package_module(node.module, node.level, module)
    if name is None:
        return
    if name == "" or (name.count(".") and name not in _SERVED.modules):  # ``from . import m``
        if all(_own(f"{name}.{a.name}".lstrip(".")) for a in node.names) and any(
            _unloaded(f"{name}.{a.name}".lstrip(".")) for a in node.names
        ):
            node.module, node.level = ".".join([OWN_PACKAGE, *([name] if name else [])]), 0
        return
    if _own(name) and (_unloaded(name) or any(_refuses(name, a.name) for a in node.names)):
        node.module, node.level = _own(name), 0


def _own(name: str) -> str | None:
    return f"{OWN_PACKAGE}.{name}" if name in _SERVED.modules else None


def _unloaded(name: str) -> bool:
    return f"dlfs.reference.{name}" in _SERVED.unloaded


def _refuses(name: str, attribute: str) -> bool:
    key = sys.modules.get(f"dlfs.reference.{name}")
    return attribute == "*" or (key is not None and _SERVED.refuses(getattr(key, attribute, None)))


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``dlfs_learner_own.<module>`` in what the grader sent."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        name = fullname.removeprefix(OWN_PACKAGE + ".")
        if name == fullname or name not in _SERVED.modules:
            return None
        origin = _SERVED.modules[name].path
        return importlib.machinery.ModuleSpec(fullname, self, origin=origin)

    def create_module(self, spec: Any) -> None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        name = module.__name__.removeprefix(OWN_PACKAGE + ".")
        found = _SERVED.modules[name]
        module.__file__ = found.path
        module.__package__ = ".".join(["dlfs.reference", *name.split(".")[:-1]])
        tree = _SERVED.transform(ast.parse(found.source, filename=found.path), name)
        exec(compile(tree, found.path, "exec"), module.__dict__)
