"""The exercises: solution regions found in the reference, stubbed, written as ``exercises/``.

:mod:`.regions` finds and stubs the ``### BEGIN SOLUTION`` regions; :mod:`.generate` writes
the learner's tree, checks it against the reference and resets one stub.
"""
