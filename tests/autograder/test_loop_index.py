"""Another loop's index (:mod:`dlfs.autograder.grading.loopindex`): an array indexed with the
variable of one loop where that of another loop around it belongs, named and proven.

The mistake is a learner's, written for this test: a multichannel convolution written as two
loops over the channels, each output added to the input channel's slot."""

from __future__ import annotations

from .grading_helpers import PROVEN, graded_body, said_of

LOOPS = (
    "N, C_in, H, W = input_.shape\n"
    "C_out = param.shape[1]\n"
    "out = np.zeros((N, C_out, H, W))\n"
    "for c in range(C_in):\n"
    "    for o in range(C_out):\n"
    "        out[:, {slot}] += conv_2d(input_[:, c], param[c, o])\n"
    "return out\n"
)


def test_an_output_added_to_the_other_loops_slot_is_named(tmp_path):
    said = said_of(
        tmp_path,
        "chapter5.conv_2d_multichannel",
        "conv_steps:conv_2d_multichannel",
        LOOPS.format(slot="c"),
    )
    assert "is indexed with `c` where `o` belongs: the other loop's index" in said, said
    assert PROVEN in said, said


def test_the_same_loops_with_the_right_index_are_right(tmp_path):
    result = graded_body(
        tmp_path,
        "chapter5.conv_2d_multichannel",
        "conv_steps:conv_2d_multichannel",
        LOOPS.format(slot="o"),
    )
    assert result.score == result.max_score, [c.message for c in result.checks]
