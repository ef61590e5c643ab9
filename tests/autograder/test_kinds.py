"""Every table that treats check kinds differently agrees with the one record of them."""

from __future__ import annotations

import pytest

from dlfs.autograder.answers.store import STORED_KINDS
from dlfs.autograder.course import load_course
from dlfs.autograder.course.model import CHECK_KINDS, PLAIN_NAMES
from dlfs.autograder.course.schema import _COMMON_CHECK_KEYS, _KIND_KEYS
from dlfs.autograder.grading import judge
from dlfs.autograder.kinds import KINDS
from dlfs.autograder.probes.record import KIND_NEEDS, Probe, no_inputs


def test_the_course_the_probes_the_answers_and_the_judge_know_the_same_kinds():
    names = tuple(KINDS)
    assert names == CHECK_KINDS
    assert tuple(PLAIN_NAMES) == names and tuple(_KIND_KEYS) == names
    assert tuple(KIND_NEEDS) == names
    assert set(judge._JUDGES) == set(names)
    assert set(STORED_KINDS) <= set(names)
    assert {c.kind for e in load_course().exercises for c in e.checks} == set(names)


@pytest.mark.parametrize("kind", list(KINDS.values()), ids=list(KINDS))
def test_each_tables_entry_is_the_records(kind):
    assert PLAIN_NAMES[kind.name] == kind.plain_name
    assert _KIND_KEYS[kind.name] == kind.keys
    assert not set(kind.keys) & set(_COMMON_CHECK_KEYS)
    assert KIND_NEEDS[kind.name] == kind.needs
    assert (kind.name in STORED_KINDS) == kind.stored
    assert f"``{kind.name}``" in judge.__doc__  # the judge's module says what each kind does


@pytest.mark.parametrize("kind", list(KINDS.values()), ids=list(KINDS))
def test_a_probe_declaring_what_a_kind_needs_is_enough_for_it(kind):
    def run(ref, inputs, numerical=False):
        return {}

    declared = {need: (lambda *a, **k: {}) for need in kind.needs if need != "numerical"}
    probe = Probe(run, inputs=no_inputs, **declared)
    assert probe.missing_for(kind.name) == []
    bare = Probe(lambda ref, inputs: {}, inputs=no_inputs)
    assert bare.missing_for(kind.name) == list(kind.needs)
