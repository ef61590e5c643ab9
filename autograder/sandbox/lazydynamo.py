"""``torch._dynamo`` imported when something uses it, not when an optimizer takes a step.

Every ``torch.optim`` step runs ``import torch._dynamo; torch._dynamo.graph_break()``, and
``zero_grad`` (and an optimizer's constructor) ``torch._dynamo.disable(fn)``: in eager mode
both do nothing, yet the import costs 1.3–1.9 s here — a third of grading chapter 7. The fork
server that preloads PyTorch for chapter 7 puts a stand-in in ``sys.modules`` instead
(:func:`install`): ``graph_break`` does nothing and ``disable`` calls the function, as PyTorch's
own do outside compiled code; anything else asked of the stand-in (``torch.compile`` in a
learner's code, say) imports the real module and hands on to it, and from then on
``graph_break`` and the functions ``disable`` returned are the real ones again. So what runs is
what would have run, and the import is paid only by code that compiles.
"""

from __future__ import annotations

import functools
import importlib
import sys
import types
from collections.abc import Callable
from typing import Any

__all__ = ["StandIn", "install"]

_NAME = "torch._dynamo"


class StandIn(types.ModuleType):
    """What ``import torch._dynamo`` returns until something needs the real module."""

    def __init__(self) -> None:
        super().__init__(_NAME, __doc__)
        self._real: types.ModuleType | None = None

    def real(self) -> types.ModuleType:
        """The real ``torch._dynamo``, imported now if it was not yet (replacing this one)."""
        if self._real is None:
            if sys.modules.get(_NAME) is self:
                del sys.modules[_NAME]
            torch = sys.modules["torch"]
            if torch.__dict__.get("_dynamo") is self:
                del torch._dynamo
            self._real = importlib.import_module(_NAME)
        return self._real

    def graph_break(self, msg: str = "") -> None:
        """A graph break: nothing to do outside compiled code."""
        if self._real is not None:
            self._real.graph_break(msg)

    def disable(self, fn: Callable[..., Any] | None = None, *args: Any, **kwargs: Any) -> Any:
        """``fn`` as ``torch._dynamo.disable(fn)`` would return it: called as it is while nothing
        compiles, through the real ``disable`` once the real module is loaded."""
        if fn is None:
            return functools.partial(self.disable, *args, **kwargs)
        disabled: list[Callable[..., Any]] = []

        @functools.wraps(fn)
        def call(*call_args: Any, **call_kwargs: Any) -> Any:
            if self._real is None:
                return fn(*call_args, **call_kwargs)
            if not disabled:
                disabled.append(self._real.disable(fn, *args, **kwargs))
            return disabled[0](*call_args, **call_kwargs)

        return call

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__") and name != "__path__":
            raise AttributeError(name)
        return getattr(self.real(), name)


def install() -> None:
    """Put the stand-in where ``import torch._dynamo`` finds it (after ``import torch``; a
    no-op where the real module is loaded already or PyTorch is not)."""
    torch = sys.modules.get("torch")
    if torch is None or _NAME in sys.modules:
        return
    stand_in = StandIn()
    sys.modules[_NAME] = stand_in
    torch._dynamo = stand_in
