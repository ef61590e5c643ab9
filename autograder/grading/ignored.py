"""The arguments a learner's function never reads that the key's reads: said as a fact
where no edit proved anything (``backward_grad`` ignored, every walk started from 1; an
``inference`` flag never looked at)."""

from __future__ import annotations

from collections.abc import Sequence

from .source import Source, names_read, parameters

__all__ = ["ignored_arguments"]


def ignored_arguments(mine: Sequence[Source], theirs: Sequence[Source]) -> str:
    """A sentence per function of the learner's that leaves an argument the key reads unread
    (empty if none does)."""
    said = []
    for learner, key in zip(mine, theirs, strict=False):
        read, needed = names_read(learner.node), names_read(key.node)
        own = [n for n in parameters(learner.node) if n not in ("self", "cls")]
        names = [n for n in own if n not in read and n in needed]
        if names:
            listed = ", ".join(f"`{name}`" for name in names)
            plural = "s" if len(names) > 1 else ""
            said.append(
                f" `{getattr(learner.node, 'name', 'your function')}` never reads its "
                f"argument{plural} {listed}, which the right answer depends on."
            )
    return "".join(said)
