"""``python -m dlfs.autograder.cli``: the ``dlfs-grade`` command without its console script
(Gradescope's scripts use it, with dlfs on ``PYTHONPATH`` rather than installed)."""

from .main import main

main()
