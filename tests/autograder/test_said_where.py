"""A proof said where the slip is: code an edit made harmless, named as code that should not
be there (:mod:`dlfs.autograder.grading.removed`); a name read where another belongs, at the
read or at the binding (:mod:`dlfs.autograder.grading.bindings`); a step or a setting too
many; and an edit that removal does not replace stays named as it is.

Each mistake is a learner's, written for this test."""

from __future__ import annotations

import ast

from dlfs.autograder.grading.bindings import moved_to_the_slip
from dlfs.autograder.grading.relations import Proposal
from dlfs.autograder.grading.source import Source
from dlfs.autograder.sandbox.instrument import Edit, span_of

from .grading_helpers import PROVEN, said_of


def test_a_branch_that_should_not_be_there_is_named_as_such(tmp_path):
    """Only the last target column kept for 2-D inputs: turning the condition round passes
    (the branch is never taken), and so does removing it, which is what is said."""
    body = (
        "diff = preds - actuals\n"
        "if diff.ndim == 2:\n"
        "    diff = diff[:, -1]\n"
        "return float(np.sqrt(np.mean(diff ** 2)))\n"
    )
    said = said_of(tmp_path, "chapter2.rmse", "regression_metrics:rmse", body)
    assert "`if diff.ndim == 2:` and what it does should not be there" in said, said
    assert "wrong way round" not in said and PROVEN in said


def test_a_call_made_harmless_by_its_argument_is_named_a_step_too_many(tmp_path):
    """Gradients rolled by one along the features: a shift of 0 passes, and so does no roll
    at all, which is what is said."""
    body = "return np.roll(output_grad * (self.input_ > 0), 1, axis=1)\n"
    said = said_of(tmp_path, "chapter4.relu", "activations:ReLU._input_grad", body)
    assert "is a step too many" in said and PROVEN in said, said


def test_statements_in_the_wrong_order_stay_named_where_removing_one_fails(tmp_path):
    """AdaGrad's step taken before the squares are added up: removing either statement
    breaks it, so the order is the mistake."""
    body = "param -= self.lr * grad / (np.sqrt(sum_square) + self.eps)\nsum_square += grad * grad\n"
    said = said_of(tmp_path, "chapter6.adagrad", "rnn_optimizers:AdaGrad._update_rule", body)
    assert "should not be there" not in said and PROVEN in said, said


def test_a_value_computed_for_one_read_is_named_at_that_read(tmp_path):
    """The activation's value computed, then its derivative taken there rather than at its
    input: undoing the activation passes, and so does reading its input at the one place the
    value is read, which is what is said."""
    body = (
        "N = np.dot(X, W)\n"
        "activated = sigma(N)\n"
        "slope = deriv(sigma, activated)\n"
        "return np.dot(slope, W.T)\n"
    )
    said = said_of(
        tmp_path,
        "chapter1.matrix_function_backward_1",
        "matrix_functions:matrix_function_backward_1",
        body,
    )
    assert "`activated` is read where `N` belongs" in said and PROVEN in said, said


def test_a_partial_bound_to_another_value_is_named_where_it_is_bound(tmp_path):
    """A sum's partials taken as the inputs themselves: dropping them where they are used
    passes, and so does binding them to the reference's number, which is what is said."""
    body = (
        "a = x + y\ndsda = deriv(sigma, a)\ndadx = x\ndady = y\nreturn dsda * dadx, dsda * dady\n"
    )
    said = said_of(
        tmp_path,
        "chapter1.multiple_inputs_add_backward",
        "foundations:multiple_inputs_add_backward",
        body,
    )
    assert "`dadx` is bound to `x` where 1 belongs" in said and PROVEN in said, said


def test_a_count_divided_by_is_named_where_it_divides(tmp_path):
    """Average pooling's gradient divided by how many windows hold each pixel: making the
    count one everywhere passes, and so does not dividing by it, which is what is said."""
    body = (
        "share = output_grad / self.size**2\n"
        "input_grad = np.zeros_like(self.input_, dtype=share.dtype)\n"
        "count = np.zeros_like(input_grad)\n"
        "for i in range(self.size):\n"
        "    for j in range(self.size):\n"
        "        input_grad[self._at(i, j)] += share\n"
        "        count[self._at(i, j)] += 1\n"
        "return input_grad / np.maximum(count, 1)\n"
    )
    said = said_of(tmp_path, "chapter5.avg_pool", "pooling:AvgPool2D._input_grad", body)
    assert "has the extra factor `np.maximum(count, 1)`" in said and PROVEN in said, said


def test_gates_unpacked_in_another_order_are_named_at_the_unpacking(tmp_path):
    """The GRU's gates taken as update then reset from one split: exchanging them where
    they are read passes, and so does the unpacking in the other order, which is what is
    said."""
    body = (
        "self.H_in = H_in\n"
        "self.Z = np.concatenate([x_in, H_in], axis=1)\n"
        "A = self.Z @ params_dict['W_ru']['value'] + params_dict['B_ru']['value']\n"
        "u, r = np.split(sigmoid(A), 2, axis=1)\n"
        "self.r, self.u = r, u\n"
        "self.Z_h = np.concatenate([x_in, r * H_in], axis=1)\n"
        "W_h, B_h = params_dict['W_h']['value'], params_dict['B_h']['value']\n"
        "self.h_bar = np.tanh(self.Z_h @ W_h + B_h)\n"
        "self.H_out = self.h_bar + u * (H_in - self.h_bar)\n"
        "self.x_out = self.H_out @ params_dict['W_v']['value'] + params_dict['B_v']['value']\n"
        "return self.x_out, self.H_out\n"
    )
    said = said_of(tmp_path, "chapter6.gru_node_forward", "rnn_nodes:GRUNode.forward", body)
    assert "`u, r = …` unpacks in the wrong order" in said and PROVEN in said, said


def test_np_sign_where_a_step_belongs_is_named(tmp_path):
    body = "return np.where(self.input_ != 0, np.sign(self.input_), 0) * output_grad\n"
    said = said_of(tmp_path, "chapter4.relu", "activations:ReLU._input_grad", body)
    assert "(np.sign)" in said and PROVEN in said, said


def test_a_clip_too_many_is_named_a_step_too_many(tmp_path):
    """tanh kept away from ±1 "for safety": wrong where |tanh| exceeds the bound."""
    body = "return np.clip(np.tanh(self.input_), -0.999, 0.999)\n"
    said = said_of(tmp_path, "chapter4.tanh", "activations:Tanh._output", body)
    assert "is a step too many" in said and PROVEN in said, said


def test_a_setting_given_by_keyword_the_key_never_gives_is_named(tmp_path):
    """Images padded by reflection, the widths given by name: the key's call has another
    arity, and its own keywords do not include the mode."""
    body = (
        "N, C, H, W = input_.shape\n"
        "p = K // 2\n"
        "padded = np.pad(input_, pad_width=((0, 0), (0, 0), (p, p), (p, p)), mode='reflect')\n"
        "windows = sliding_window_view(padded, (K, K), axis=(2, 3))\n"
        "cols = np.ascontiguousarray(windows.transpose(0, 1, 4, 5, 2, 3))\n"
        "return cols.reshape(N, C * K * K, H * W)\n"
    )
    said = said_of(tmp_path, "chapter5.im2col", "im2col:im2col", body)
    assert "without `mode`" in said and PROVEN in said, said


def test_a_shortcut_before_the_general_code_is_named_as_one_too_many(tmp_path):
    """Plain integers multiplied without a node of their own: moving the wrapping above the
    shortcut makes the shortcut unreachable, and so does removing it, which is what is said
    (where no value departs, too: the check only sees the gradients)."""
    body = (
        "if isinstance(other, int):\n"
        "    return NumberWithGrad(self.num * other)\n"
        "other = _ensure_number(other)\n"
        "return NumberWithGrad(self.num * other.num, depends_on=[self, other], creation_op='mul')\n"
    )
    said = said_of(
        tmp_path, "chapter6.number_with_grad_mul", "autodiff:NumberWithGrad.__mul__", body
    )
    assert "`if isinstance(other, int):` should not be there" in said and PROVEN in said, said


def test_a_read_swapped_where_a_binding_made_it_cancel_is_moved_to_the_binding():
    """The output gate's derivative taken as `o * o` in a local, then the local times
    `(1 - o)`: reading the cell there instead passes by cancelling; the binding is where the
    cell belongs, and that is where the proof is moved to."""
    code = (
        "def backward(self, dH):\n    do = dH * self.o\n    return do * self.o * (1.0 - self.o)\n"
    )
    mine = Source("mine.py", code, "m:backward")
    later = next(n for n in ast.walk(mine.node) if isinstance(n, ast.Return))
    read = later.value.left.right  # the second `self.o`, in the return
    proven = Proposal(0, Edit(span_of(read), "name", ("self.tanh_C",)), "…", 0, 3)
    moved = moved_to_the_slip(proven, [mine], [mine])
    assert [(p.line, p.edit.op, p.edit.args) for p in moved] == [(2, "name", ("self.tanh_C",))]
    assert "in `do = …`" in moved[0].name
