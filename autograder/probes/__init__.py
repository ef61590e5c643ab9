"""Probes: small functions that exercise one piece of the reference on seeded inputs.

A probe runs twice: in the sandboxed worker against the reference with the learner's function
spliced in, and in the grader against the pristine reference (or, in a students' copy without
the reference, its outputs are read from the stored answers, :mod:`dlfs.autograder.answers`).
The grader compares the two (:mod:`dlfs.autograder.grading.judge`).

Each chapter's module (``chapter1`` … ``chapter7``) ends with ``PROBES = declare(...)``: one
:class:`~dlfs.autograder.probes.record.Probe` record per probe, holding its function and what
its check kinds need — its inputs (drawn from the check's seeded generator before the code under
test runs, so that both runs see the same inputs), its known mistakes (outputs of wrong
implementations, named when the learner's match), a judge for property checks, the data and
metric of a training check (the inputs go to the worker, the labels stay in the grader), the
known answers of a fixture check. :func:`~dlfs.autograder.probes.record.find_probe` is how
everything else reaches a probe; ``builders``, ``common``, ``fit`` and ``training`` hold what
the chapters' probes share, and ``book`` the book's own code, line for line, as known mistakes.
"""

__all__: list[str] = []
