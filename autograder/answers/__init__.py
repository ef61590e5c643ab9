"""The stored answers: what the public checks expect, kept for copies without the reference.

The data are the ``chapterN.npz`` files in this folder; :mod:`.store` reads them and
:mod:`dlfs.autograder.generate.answers` makes them from the reference (``dlfs-grade build``,
or ``dlfs-grade build-answers`` alone); :mod:`.calls` reads and writes ``calls.json``, the
reference's calls that each check makes.
"""
