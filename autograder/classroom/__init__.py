"""Grading a class: a folder of submissions at once (:mod:`.batch`) and Gradescope
(:mod:`.gradescope`)."""
