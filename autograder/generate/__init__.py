"""Everything built from the reference: what ``dlfs-grade build`` and ``release`` write.

:mod:`.regions` finds and stubs the ``### BEGIN SOLUTION`` regions; :mod:`.exercises` writes
the learner's tree (``exercises/``), checks it against the reference and resets one stub
(from :mod:`.stored_stubs` where the reference is not installed); :mod:`.notebooks` writes the
chapter notebooks; :mod:`.answers` builds the stored answers (``autograder/answers/``) by
running the reference on each public check's inputs, with the calls :mod:`.call_trace` records;
:mod:`.release` writes the students' copy (its course text from :mod:`.withhold`, its probes
from :mod:`.copy_probes`, its README from :mod:`.readme`) and, on request, Classroom50's
autograder (:mod:`.classroom50`); :mod:`.synthetic` makes a class of made-up submissions.

Nothing outside ``cli/`` and ``notebook/`` imports this package: the grader never needs what
generates its inputs.
"""
