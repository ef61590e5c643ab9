"""Probes: small functions that exercise one piece of the reference on seeded inputs.

A probe ``def name(ref, rng, **params) -> dict[str, ndarray]`` runs twice: in the sandboxed
worker against the reference with the learner's function spliced in, and in the grader against
the pristine reference. The grader compares the two (see ``dlfs.autograder.checks``). A probe
draws every random input from ``rng`` *before* it calls the code under test, so both runs see
the same inputs whatever the learner's code does.

Companions, found by name in the same module:

* ``name__mistakes``: ``{"the likely mistake": function(ref, rng, **params) -> dict}`` —
  outputs of known wrong implementations; when the learner's outputs match one, the message
  names it.
* ``name__judge(got, expected, **params) -> list[Verdict]`` for ``property`` checks.
* ``name__data(**params) -> (inputs, labels)`` and ``name__metric(got, labels, **params)`` for
  ``training`` checks: the inputs go to the worker, the labels stay in the grader.
* ``name__expected(**params) -> dict`` for ``fixture`` checks: known answers, by hand.
"""

__all__: list[str] = []
