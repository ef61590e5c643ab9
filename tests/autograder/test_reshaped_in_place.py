"""An array's shape changed in place, and state kept in another shape: ``x.shape = …``
writes no element, so a read-only flag cannot stop it; the probes compare shapes too
(:func:`dlfs.autograder.probes.inplace.read_only`), and a stored array kept with fewer axes
than the reference keeps is the first wrong line (``grading.inplace``).

Written for this test, from angles no corpus took: a sigmoid that flattens its input in
place for speed and puts the shape back (right), the same that forgets to put it back, and a
flatten layer that stores its input flattened for a backward that reads its shape."""

from __future__ import annotations

import numpy as np
import pytest

from dlfs.autograder.probes.inplace import CHANGED, ChangedInPlace, read_only

from .grading_helpers import graded_body, said_of

SIGMOID = ("chapter3.sigmoid_forward", "activations:Sigmoid._output")
FLAT = (
    "shape = self.input_.shape\n"
    "self.input_.shape = (-1,)  # one long vector: faster\n"
    "out = 1.0 / (1.0 + np.exp(-self.input_))\n"
    "{restore}"
    "return out.reshape(shape)\n"
)


def test_a_shape_set_in_place_is_caught_and_put_back():
    x = np.arange(6.0).reshape(2, 3)
    with pytest.raises(ChangedInPlace, match="the shape of x in place"), read_only(x=x):
        x.shape = (6,)
    assert x.shape == (2, 3) and x.flags.writeable


def test_a_shape_put_back_before_the_end_is_no_change():
    x = np.arange(6.0).reshape(2, 3)
    with read_only(x=x):
        x.shape = (3, 2)
        x.shape = (2, 3)
    assert x.shape == (2, 3)


def test_an_input_flattened_in_place_and_put_back_is_right(tmp_path):
    body = FLAT.format(restore="self.input_.shape = shape\n")
    result = graded_body(tmp_path, *SIGMOID, body)
    assert result.score == result.max_score, [c.message for c in result.checks]


def test_an_input_left_flattened_is_said_to_be_changed_in_place(tmp_path):
    said = said_of(tmp_path, *SIGMOID, FLAT.format(restore=""))
    assert f"{CHANGED}the shape of " in said and ".reshape(…)` gives a new view" in said, said


def test_a_flatten_that_stores_its_input_flattened_is_said_where_it_stores_it(tmp_path):
    body = (
        "N = self.input_.shape[0]\n"
        "self.input_ = self.input_.reshape(N, self.input_.size // N)\n"
        "return self.input_\n"
    )
    said = said_of(tmp_path, "chapter5.flatten", "conv:Flatten._output", body)
    assert "keeps `self.input_` in another shape" in said and "store it as given" in said, said
