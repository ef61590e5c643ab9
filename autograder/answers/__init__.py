"""The stored answers: what the public checks expect, kept for copies without the reference.

The data are the ``chapterN.npz`` files in this folder; :mod:`.store` reads them and
:mod:`.build` makes them from the reference (``dlfs-grade build-answers``).
"""
