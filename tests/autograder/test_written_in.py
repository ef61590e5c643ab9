"""A number written in where ``self.eps`` belongs is said only where that number gives what
the learner's code gave: a check with a larger eps fails for other mistakes too (an AdaGrad
written as RMSProp, a loss averaged over every element), and those read ``self.eps``."""

from __future__ import annotations

import numpy as np

from dlfs.autograder.probes import chapter4, optimizer_eps


def _adagrad(start, grads, eps, decay=None):
    W, G = start.copy(), np.zeros_like(start)
    for grad in grads:
        G = G * decay + (1 - decay) * grad * grad if decay else G + grad * grad
        W -= 0.1 * grad / (np.sqrt(G) + eps)
    return W


def test_adagrad_s_eps_written_in_is_said_and_another_mistake_is_not_called_one(rng):
    start, grads = rng.standard_normal((3, 2)), rng.standard_normal((4, 3, 2))
    given = {"start": start, "grads": grads}
    for W, said in (
        (_adagrad(start, grads, 1e-8), "eps is 1e-08, written in"),
        (_adagrad(start, grads, 0.1, decay=0.9), None),  # RMSProp, reading self.eps
    ):
        ((_, ok, message),) = optimizer_eps._judge({**given, "W": W}, {}, eps=0.1)
        assert not ok
        assert (said in message) if said else "written in" not in message, message
    ((_, ok, _),) = optimizer_eps._judge({**given, "W": _adagrad(start, grads, 0.1)}, {}, eps=0.1)
    assert ok


def test_a_loss_wrong_for_another_reason_is_not_said_to_clip_at_a_number_written_in(rng):
    given = chapter4._far_below_inputs(rng)  # a target's probability near e^-40
    prediction, target = given["prediction"], given["target"]
    right = chapter4._clipped_at(prediction, target, 0.01)
    mean_over_all = {**given, "loss": right / 4}  # np.mean over N·C
    ((_, ok, message),) = chapter4._eps_judge(mean_over_all, {"loss": right}, eps=0.01)
    assert not ok and "written in" not in message
    written = {**given, "loss": chapter4._clipped_at(prediction, target, 1e-12)}
    ((_, ok, message),) = chapter4._eps_judge(written, {"loss": right}, eps=0.01)
    assert not ok and "p is clipped at 1e-12, written in" in message
