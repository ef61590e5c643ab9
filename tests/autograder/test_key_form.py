"""The key's form of a statement (:mod:`dlfs.autograder.grading.keyform`): where a learner's
statement and the key's that does the same differ in a part or two, the part that fixes it is
said as the key writes it; a harmless difference beside it is not.

Each mistake is a learner's, written for this test from angles no corpus took: a branch's
operator pasted into its sibling, two hyperparameters exchanged across two statements, a
square forgotten inside a derivative, a statement of another optimizer left in."""

from __future__ import annotations

import pytest

from dlfs.autograder.grading.keyform import key_forms
from dlfs.autograder.grading.source import Source
from dlfs.autograder.sandbox.edits import key_form

from .grading_helpers import PROVEN, graded_body, said_of


def _sources(mine: str, theirs: str) -> tuple[list[Source], list[Source]]:
    head = "def f(self, grad, velocity, param):\n"
    indent = "".join(f"    {line}\n" for line in mine.splitlines())
    key = "".join(f"    {line}\n" for line in theirs.splitlines())
    return [Source("mine.py", head + indent, "m:f")], [Source("key.py", head + key, "k:f")]


def test_a_sibling_branchs_operator_is_said_as_the_keys(tmp_path):
    """The exponential branch written with the linear branch's `-=` (pasted, not updated)."""
    body = (
        'if self.decay_type == "exponential":\n'
        "    self.lr -= self.decay_per_epoch\n"
        "else:\n"
        "    self.lr -= self.decay_per_epoch\n"
    )
    said = said_of(tmp_path, "chapter4.lr_decay", "optimizers:Optimizer._decay_lr", body)
    assert "`self.lr -= …` should be `self.lr *= …`" in said and PROVEN in said, said


def test_two_hyperparameters_exchanged_across_two_statements_are_both_said(tmp_path):
    """Momentum's velocity decayed by the learning rate and the gradient scaled by the
    momentum: no single statement's fix passes, both together do."""
    body = "velocity *= self.lr\nvelocity += self.momentum * grad\nparam -= velocity\n"
    said = said_of(tmp_path, "chapter4.sgd_momentum", "optimizers:SGDMomentum._update_rule", body)
    assert PROVEN in said, said
    assert "`self.lr` should be `self.momentum`" in said, said
    assert "`self.momentum * grad` should be `self.lr * grad`" in said or (
        "`self.momentum` should be `self.lr`" in said
    ), said


def test_a_statement_of_another_optimizer_left_in_is_said_to_be_too_many(tmp_path):
    """AdaGrad written from an RMSProp snippet: the sum of squares decays first."""
    body = (
        "sum_square *= 0.95\n"
        "sum_square += grad * grad\n"
        "param -= self.lr * grad / (np.sqrt(sum_square) + self.eps)\n"
    )
    said = said_of(tmp_path, "chapter6.adagrad", "rnn_optimizers:AdaGrad._update_rule", body)
    assert "`sum_square *= 0.95` should not be there" in said and PROVEN in said, said


def test_the_parts_are_found_by_lining_the_trees_up():
    """A mechanism, not a table: any operator, any number, any term; names the key defines
    that the learner lacks are spelled out; a harmless difference is one more part, never the
    only one proposed with the slip."""
    mine, theirs = _sources(
        "g = grad ** 2\nvelocity *= 0.5\nparam -= self.lr * velocity / 3\n",
        "g = grad * grad\nscale = self.lr / 2\nvelocity *= 0.9\nparam -= scale * velocity\n",
    )
    said = [p.name for p in key_forms(mine, theirs)]
    assert "`grad ** 2` should be `grad * grad`" in said
    assert "`0.5` should be `0.9`" in said
    assert "`self.lr * velocity / 3` should be `self.lr / 2 * velocity`" in said
    singles = [name for name in said if ";" not in name]
    assert len(singles) == 3 and said[:3] == singles  # each part alone before any set of them


def test_a_method_chain_is_lined_up_down_to_its_receiver():
    """``a[0].mean(…).copy()`` and ``b[0].mean(…).copy()`` differ in ``a`` alone: a method of
    the same name is no function replaced, so the chain is not one part."""
    mine, theirs = _sources(
        "velocity = grad[0].mean(axis=0, keepdims=True).copy()\n",
        "velocity = param[0].mean(axis=0, keepdims=True).copy()\n",
    )
    assert [p.name for p in key_forms(mine, theirs)] == ["`grad` should be `param`"]


def test_a_signed_number_and_an_index_tuple_count_as_one_node():
    """``grad[::-1, ::-1]`` (two slices, each a step of -1) is a small part beside ``grad.T``;
    a long chain of calls is not."""
    mine, theirs = _sources("g = grad.T\n", "g = grad[::-1, ::-1]\n")
    assert [p.name for p in key_forms(mine, theirs)] == ["`grad.T` should be `grad[::-1, ::-1]`"]
    mine, theirs = _sources(
        "g = grad.T\n", "g = np.abs(np.sqrt(np.exp(np.log(grad + 1) - 2)) * 3)\n"
    )
    assert key_forms(mine, theirs) == []


def test_a_target_assigned_again_where_the_key_assigns_it_once_is_said_too_many():
    """The gates' input kept, then overwritten with the candidate's (which the key keeps
    under another name): the second assignment should not be there, and the other name
    takes its value; the two said together, without the rest of the statements' parts."""
    mine, theirs = _sources(
        "self.z = grad * 2\nvelocity = self.z + 1\nself.z = grad * 3\nself.w = self.z\n",
        "self.z = grad * 2\nvelocity = self.z + 1\nself.w = grad * 3\n",
    )
    said = [p.name for p in key_forms(mine, theirs)]
    assert "`self.z = grad * 3` should not be there" in said
    assert (
        "`self.z` should be `grad * 3`; and at line 4, `self.z = grad * 3` should not be there"
        in said
    )


def test_statements_that_differ_in_what_they_are_propose_nothing():
    """A statement written otherwise (another form, or many parts apart) is no slip to name."""
    mine, theirs = _sources(
        "param[...] = param - self.lr * grad\n"
        "velocity = np.clip(velocity + grad, -1, 1) * (1 - self.momentum) / 2 + 3\n",
        "param -= self.lr * grad\nvelocity = self.momentum * velocity + self.lr * grad\n",
    )
    assert key_forms(mine, theirs) == []


def test_a_part_reading_what_the_learner_cannot_is_not_proposed():
    """A key's part that calls a dunder, or reads a name neither function defines, is never
    written into the learner's code."""
    mine, theirs = _sources("param -= grad\n", "param -= self.__dict__['lr'] * grad\n")
    assert key_forms(mine, theirs) == []
    mine, theirs = _sources("param -= grad\n", "param -= hidden_rate * grad\n")
    assert key_forms(mine, theirs) == []
    for code in ("().__class__", "[x for x in y]", "(lambda: 1)()", "(y := 2)"):
        with pytest.raises(ValueError, match="not a part of a statement"):
            key_form(code)  # the worker's own check before it writes a part in


def test_a_value_computed_and_never_returned_is_said_where_it_is_computed(tmp_path):
    """A leaky ReLU that keeps its result in a local and falls off the end (returns None)."""
    body = "leaked = np.where(x > 0, x, 0.2 * x)\n"
    said = said_of(tmp_path, "chapter1.leaky_relu", "foundations:leaky_relu", body)
    assert "`leaked` is computed but never returned: `return leaked` is missing" in said, said


def test_a_local_the_key_computes_in_place_is_named_where_the_learner_binds_it(tmp_path):
    """A batch size floored for 'stability' in a local: the key divides by the batch size
    itself; the part is the local, and the slip is its binding, where it is said."""
    body = (
        "n = max(self.prediction.shape[0], 16)  # small batches are noisy\n"
        "return (self.softmax_preds - self.target) / n\n"
    )
    said = said_of(
        tmp_path,
        "chapter4.softmax_cross_entropy_backward",
        "losses:SoftmaxCrossEntropy._input_grad",
        body,
    )
    assert "`max(self.prediction.shape[0], 16)` should be `self.prediction.shape[0]`" in said, said
    assert PROVEN in said and "`n` should be" not in said, said


def test_a_course_helper_the_learner_did_not_call_is_said_as_the_key_calls_it(tmp_path):
    """The sigmoid's own derivative, ``S * (1 - S)``, written where ``sigma`` is any function:
    the key calls the course's ``deriv``, which the learner's function never reads (it is the
    file's, not the function's); the local ``S`` it bypasses is right, so the part is said."""
    body = "N = np.dot(X, W)\nS = sigma(N)\ndSdN = S * (1 - S)\nreturn np.dot(dSdN, W.T)\n"
    said = said_of(
        tmp_path,
        "chapter1.matrix_function_backward_1",
        "matrix_functions:matrix_function_backward_1",
        body,
    )
    assert "`S * (1 - S)` should be `deriv(sigma, N)`" in said and PROVEN in said, said


_MSE_HEAD = (
    "q = self.prediction\n"
    "if self.normalize:\n"
    "    q = q / q.sum(axis=1, keepdims=True)\n"
    "self.normalized = q\n"
)


def test_calls_around_a_shared_expression_are_a_small_part(tmp_path):
    """A norm where its square belongs: the two parts differ in the calls around ``q -
    self.target``, which both hold (counted as one node, as ``np.linalg.norm`` is one)."""
    body = _MSE_HEAD + "return float(np.linalg.norm(q - self.target) / q.shape[0])\n"
    said = said_of(tmp_path, "chapter3.mse_forward", "losses:MeanSquaredError._output", body)
    assert "`np.linalg.norm(q - self.target)` should be `np.sum(" in said, said
    assert PROVEN in said, said


def test_the_squared_norm_is_right(tmp_path):
    body = _MSE_HEAD + "return float(np.linalg.norm(q - self.target) ** 2 / q.shape[0])\n"
    result = graded_body(tmp_path, "chapter3.mse_forward", "losses:MeanSquaredError._output", body)
    assert result.score == result.max_score, [c.message for c in result.checks]


def test_a_header_is_lined_up_with_the_keys_header(tmp_path):
    """A branch on a misremembered name of the decay (``"exp"``): the learner's ``if`` is
    paired with the key's, and the literal said as the key writes it."""
    body = (
        'if self.decay_type == "exp":\n'
        "    self.lr *= self.decay_per_epoch\n"
        "else:\n"
        "    self.lr -= self.decay_per_epoch\n"
    )
    said = said_of(tmp_path, "chapter4.lr_decay", "optimizers:Optimizer._decay_lr", body)
    assert "`'exp'` should be `'exponential'`" in said and PROVEN in said, said


def test_a_branch_the_key_needs_none_for_is_said_to_be_too_many(tmp_path):
    """A vector made "a batch of one row" first: the learner's function has a branch the key
    has no counterpart for; deleted, every check passes."""
    body = (
        "if x.ndim == 1:\n"
        "    x = x[None, :]  # a batch of one row\n"
        "return 0.5 * (1.0 + np.tanh(0.5 * x))\n"
    )
    said = said_of(tmp_path, "chapter1.sigmoid", "foundations:sigmoid", body)
    assert "`if x.ndim == 1:` and what it does should not be there" in said and PROVEN in said
