"""The right numbers in a flat vector (:mod:`dlfs.autograder.grading.flattened`): a result
whose values are the key's in the key's order with the input's axes lost is said so, with
the array whose shape it lost, and proven.

Written for this test from an angle no corpus took: a ReLU computed with ``np.fromiter``
over ``self.input_.flat`` (a generator, one element at a time), and the same with the shape
given back, which is right."""

from __future__ import annotations

from .grading_helpers import PROVEN, graded_body, said_of

TARGET = ("chapter4.relu", "activations:ReLU._output")
FROMITER = "flat = np.fromiter((v if v > 0 else 0.0 for v in self.input_.flat), dtype=float)\n"


def test_a_result_built_element_by_element_is_said_to_have_lost_the_inputs_shape(tmp_path):
    said = said_of(tmp_path, *TARGET, FROMITER + "return flat\n")
    assert "has the right numbers in one flat axis where the shape of `self.input_`" in said
    assert PROVEN in said, said


def test_the_same_with_the_shape_given_back_is_right(tmp_path):
    result = graded_body(tmp_path, *TARGET, FROMITER + "return flat.reshape(self.input_.shape)\n")
    assert result.score == result.max_score, [c.message for c in result.checks]
