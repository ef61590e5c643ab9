"""The stubs, stored for a copy without the answer key (``dlfs-grade release`` writes them).

``dlfs-grade reset`` rebuilds an exercise's stub from the reference where it is installed;
in the students' copy it reads the stub from ``autograder/generate/stubs.json`` instead.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

__all__ = ["STORED_STUBS", "stored_stub"]

STORED_STUBS = "generate/stubs.json"
"""Where the stored stubs live, relative to the ``autograder`` package."""


def stored_stub(relpath: PurePosixPath) -> str:
    """The stored stub of the module at ``relpath`` (``activations.py``).

    Raises:
        ValueError: no stubs are stored here (neither the reference nor a release), or none
            for that module.
    """
    path = Path(__file__).resolve().parents[1] / STORED_STUBS
    try:
        stubs = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ValueError(
            "the answer key is not installed and no stubs are stored here: restore the file "
            "with git (git checkout -- exercises/...)"
        ) from None
    if str(relpath) not in stubs:
        raise ValueError(f"no stored stub for {relpath}")
    return stubs[str(relpath)]
