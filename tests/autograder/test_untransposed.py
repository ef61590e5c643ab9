"""A reshape where a transpose belongs (:mod:`dlfs.autograder.grading.untransposed`), named
where the reshape itself looks right: its result holds the key's numbers in another shape,
and the first value that departs is the learner's next, correct line.

The mistake is a learner's, written for this test: a convolution as one broadcast product of
the im2col columns with the filters, summed, the columns' axes taken as [N, H·W, C·K·K] by a
reshape of im2col's [N, C·K·K, H·W]."""

from __future__ import annotations

import pytest

from dlfs.autograder.grading.untransposed import _axes, _merges

from .grading_helpers import PROVEN, graded_body, said_of

BROADCAST = (
    "N, C_in, H, W = self.input_.shape\n"
    "C_out = self.param.shape[1]\n"
    "cols = {columns}  # [N, H·W, C_in·K·K]\n"
    "filters = self.param.transpose(0, 2, 3, 1).reshape(-1, C_out)  # [C_in·K·K, C_out]\n"
    "out = (cols[..., None] * filters).sum(axis=2)  # [N, H·W, C_out]\n"
    "return out.transpose(0, 2, 1).reshape(N, C_out, H, W)\n"
)
TARGET = ("chapter5.conv_operation_forward", "conv:Conv2DOperation._output")


def test_columns_reshaped_where_their_axes_must_move_are_named(tmp_path):
    body = BROADCAST.format(columns="self._columns().reshape(N, H * W, -1)")
    said = said_of(tmp_path, *TARGET, body)
    assert "reshapes `self._columns()` where its axes must be put in another order" in said, said
    assert "`self._columns().transpose(0, 2, 1)` before the reshape" in said and PROVEN in said


def test_the_same_columns_transposed_are_right(tmp_path):
    body = BROADCAST.format(columns="self._columns().transpose(0, 2, 1)")
    result = graded_body(tmp_path, *TARGET, body)
    assert result.score == result.max_score, [c.message for c in result.checks]


@pytest.mark.parametrize(
    ("shape", "wanted", "merges"),
    [
        ((4, 5, 6), (20, 6), True),
        ((4, 5, 6), (4, 30), True),
        ((4, 5, 6), (4, 5, 6), True),
        ((4, 1, 6), (4, 6), True),
        ((4, 5, 6), (5, 24), False),
        ((4, 5, 6), (2, 60), False),
    ],
)
def test_a_shape_is_reached_by_merging_neighbouring_axes_only(shape, wanted, merges):
    assert _merges(shape, wanted) is merges


def test_orders_that_move_fewest_axes_come_first():
    assert _axes((4, 9, 25), (4, 25, 9))[0] == (0, 2, 1)
    assert (0, 2, 1) in _axes((4, 9, 25), (100, 9))
    assert _axes((4, 9, 25), (4, 9, 25)) == []
