"""Every name the source's words point at exists.

Docstrings and comments name the project's modules, functions and classes — ``dlfs.x.y``
spelled out, or Sphinx roles (:mod:`.store`, :func:`~.grading.fresh_seed`) relative to the
module they are in. A rename that leaves them behind sends the next reader to nothing: this
test resolves each one, by importing the module and looking the rest up, and lists those that
do not resolve.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {
    "autograder": "dlfs.autograder",
    "reference": "dlfs.reference",
    "datasets": "dlfs.datasets",
}
_DOTTED = re.compile(r"(?<![\w.])dlfs(?:\.[A-Za-z_]\w*)+")
_ROLE = re.compile(r":(?:mod|func|class|meth|data|attr|exc):`~?(\.*[A-Za-z_][\w.]*)`")


def _module_of(path: Path) -> str:
    top, *rest = path.relative_to(ROOT).with_suffix("").parts
    parts = [PACKAGES[top], *rest]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _absolute(name: str, module: str, is_package: bool) -> str:
    """``name`` as a dotted name from the top (a leading dot is relative to ``module``)."""
    if not name.startswith("."):
        if name.startswith("dlfs."):
            return name
        return f"{module}.{name}"  # a name in the module itself
    level = len(name) - len(name.lstrip("."))
    parts = module.split(".")
    keep = len(parts) - level + (1 if is_package else 0)
    return ".".join([*parts[:keep], name.lstrip(".")]).rstrip(".")


def resolves(dotted: str) -> bool:
    """Whether ``dotted`` is a module, or a name reachable from one by attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            value = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            annotations = getattr(value, "__annotations__", {})
            fields = getattr(value, "__dataclass_fields__", {})
            if not hasattr(value, attribute):
                declared = attribute in annotations or attribute in fields
                return declared or _set_on_instances(value, attribute)
            value = getattr(value, attribute)
        return True
    return False


def _set_on_instances(value: object, attribute: str) -> bool:
    """Whether ``value`` is a class whose methods set ``self.<attribute>``."""
    if not isinstance(value, type):
        return False
    try:
        source = inspect.getsource(value)
    except (OSError, TypeError):
        return False
    return re.search(rf"self\.{re.escape(attribute)}\s*(:[^=\n]*)?=", source) is not None


def _in_a_class(dotted: str) -> bool:
    """Whether ``module.name`` is an attribute of one of the module's classes (a bare name in
    a role, :meth:`secrets`, written inside the class's own docstring)."""
    module, _, name = dotted.rpartition(".")
    try:
        values = vars(importlib.import_module(module)).values()
    except ImportError:
        return False
    return any(
        isinstance(v, type) and (hasattr(v, name) or _set_on_instances(v, name)) for v in values
    )


def _named(path: Path) -> list[tuple[int, str]]:
    text = path.read_text(encoding="utf-8")
    module = _module_of(path)
    is_package = path.name == "__init__.py"
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for match in _DOTTED.finditer(line):
            found.append((number, match.group(0).rstrip(".")))
        for match in _ROLE.finditer(line):
            found.append((number, _absolute(match.group(1), module, is_package)))
    return found


def test_every_dotted_name_in_the_source_resolves():
    unresolved = []
    for top in PACKAGES:
        for path in sorted((ROOT / top).rglob("*.py")):
            for number, name in _named(path):
                if not resolves(name) and not _in_a_class(name):
                    unresolved.append(f"{path.relative_to(ROOT)}:{number}: {name}")
    assert unresolved == []


def test_a_stale_name_is_found():
    assert resolves("dlfs.autograder.grading.seeds.fresh_seed")
    assert resolves("dlfs.autograder.results.CheckResult.passed")
    assert resolves("dlfs.autograder.grading.data.DataCache.notes")  # set in __init__
    assert not resolves("dlfs.autograder.checks")
    assert not resolves("dlfs.autograder.grading.seeds.no_such_function")
    assert _absolute(".store", "dlfs.autograder.answers", True) == "dlfs.autograder.answers.store"
    assert _absolute(".grading.fresh_seed", "dlfs.autograder.api", False) == (
        "dlfs.autograder.grading.fresh_seed"
    )
