"""NumPy's look-alikes: a function that reads like the right one and computes something else,
named once the function meant makes the check pass (and never said of correct code).

Each mistake is a learner's, written for this test: np.tile for np.repeat when upsampling a
gradient, np.max(x, 0) for np.maximum, np.dot on a stack of matrices, Python's sum on a
2-D array."""

from __future__ import annotations

import ast

import numpy as np
import pytest

from dlfs.autograder.sandbox.lookalikes import FORMS, rewritten

from .grading_helpers import PROVEN, graded_body, said_of


def test_a_gradient_upsampled_with_tile_is_named_for_repeat(tmp_path):
    body = (
        "share = output_grad / self.size**2\n"
        "up = np.tile(share, (1, 1, self.size, self.size))\n"
        "input_grad = np.zeros_like(self.input_, dtype=share.dtype)\n"
        "H_out, W_out = self._output_size()\n"
        "input_grad[:, :, : H_out * self.size, : W_out * self.size] = up\n"
        "return input_grad\n"
    )
    said = said_of(tmp_path, "chapter5.avg_pool", "pooling:AvgPool2D._input_grad", body)
    assert "np.repeat" in said and PROVEN in said


def test_np_max_with_a_second_array_is_named_for_np_maximum(tmp_path):
    said = said_of(
        tmp_path, "chapter4.relu", "activations:ReLU._output", "return np.max(self.input_, 0)\n"
    )
    assert "along axis 0" in said and "np.maximum" in said and PROVEN in said


def test_np_dot_on_a_stack_of_matrices_is_named(tmp_path):
    """np.dot of [C_out, C·K·K] and [N, C·K·K, H·W] is [C_out, N, H·W]: named as np.matmul's
    place, or as the layout it leaves (both undo it)."""
    body = (
        "import numpy as np\n"
        "N, _, H, W = self.input_.shape\n"
        "C_out = self.param.shape[1]\n"
        "weights = self.param.transpose(1, 0, 2, 3).reshape(C_out, -1)\n"
        "out = np.dot(weights, self._columns())\n"
        "return out.reshape(N, C_out, H, W)\n"
    )
    said = said_of(
        tmp_path, "chapter5.conv_operation_forward", "conv:Conv2DOperation._output", body
    )
    assert ("np.matmul" in said or "in the wrong places" in said) and PROVEN in said


def test_pythons_sum_over_a_whole_table_is_named_for_numpys(tmp_path):
    body = (
        "self.softmax_preds = softmax(self.prediction, axis=1)\n"
        "log_p = np.log(np.clip(self.softmax_preds, self.eps, 1.0 - self.eps))\n"
        "return -sum(self.target * log_p) / self.prediction.shape[0]\n"
    )
    said = said_of(
        tmp_path,
        "chapter4.softmax_cross_entropy_forward",
        "losses:SoftmaxCrossEntropy._output",
        body,
    )
    assert "Python's sum" in said and PROVEN in said


def test_tile_where_it_is_right_gets_full_marks(tmp_path):
    body = "return self.input_ + np.tile(self.param, (self.input_.shape[0], 1))\n"
    result = graded_body(tmp_path, "chapter3.bias_add_forward", "operations:BiasAdd._output", body)
    assert result.score == result.max_score


def _value(code: str, form: str, **names: object) -> np.ndarray:
    node = rewritten(ast.parse(code, mode="eval").body, form)
    return eval(compile(ast.Expression(node), "<edit>", "eval"), {"np": np, **names})


def test_tile_and_repeat_rewritten_are_the_other_function():
    a = np.arange(6.0).reshape(1, 2, 3)
    np.testing.assert_array_equal(
        _value("np.tile(a, (2, 3))", "repeat", a=a), np.repeat(np.repeat(a, 2, -2), 3, -1)
    )
    for axis in (0, 1, 2, -1, -2):
        np.testing.assert_array_equal(
            _value(f"np.repeat(a, 2, axis={axis})", "tile", a=a),
            np.concatenate([a, a], axis=axis),
        )


def test_dot_rewritten_as_matmul_multiplies_batch_by_batch():
    rng = np.random.default_rng(0)
    w, x = rng.standard_normal((2, 3)), rng.standard_normal((4, 3, 5))
    np.testing.assert_array_equal(_value("np.dot(w, x)", "matmul", w=w, x=x), w @ x)
    np.testing.assert_array_equal(_value("np.flip(k)", "flip_two", k=x), x[:, ::-1, ::-1])


@pytest.mark.parametrize(
    ("code", "form"),
    [("np.tile(a, 2, 3)", "repeat"), ("np.repeat(a, 2)", "tile"), ("max(a)", "maximum")],
)
def test_a_call_that_does_not_fit_the_form_is_left_as_it_is(code, form):
    node = ast.parse(code, mode="eval").body
    assert rewritten(node, form) is node
    assert form in FORMS
