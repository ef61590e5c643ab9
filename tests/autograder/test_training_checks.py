"""Every training check can fail: with its exercise's code doing nothing (zero gradients, no
update, no training step), the rest of the network must not reach the threshold alone.

A training check that the other layers pass without the exercise (the convolution's MNIST
check did: the dense layer after fixed random filters reached 0.881 against a threshold of
0.75) gives its point to anyone, and to an attacker who only needs the worker to run.
"""

from __future__ import annotations

import pytest

from dlfs.autograder.course import load_course

from .grading_helpers import reference_workspace, replace_body, session_grade

_ZERO_GRADS = "return {name: value * 0.0 for name, value in weights.items()}"
_NOTHING = {
    "linear_regression:loss_gradients": _ZERO_GRADS,
    "two_layer_network:loss_gradients": _ZERO_GRADS,
    "trainer:Trainer._train_epoch": "return 0.0",
    "losses:SoftmaxCrossEntropy._input_grad": "return self.prediction * 0.0",
    "optimizers:SGDMomentum._update_rule": "return None",
    "conv:Conv2DOperation._input_grad": "return self.input_ * 0.0",
    "conv:Conv2DOperation._param_grad": "return self.param * 0.0",
    "rnn_nodes:LSTMNode.backward": (
        "D = self.Z.shape[1] - H_out_grad.shape[1]\n"
        "return self.Z[:, :D] * 0.0, H_out_grad * 0.0, C_out_grad * 0.0"
    ),
    "pytorch.trainer:PyTorchTrainer.train_batch": "return 0.0",
}
"""Per target, a body that runs but contributes nothing to training (no NumPy: not every
module of the exercises imports it)."""

_TRAINED = [
    pytest.param(e.id, marks=[pytest.mark.torch] if e.chapter == "chapter7" else [], id=e.id)
    for e in load_course().exercises
    if any(c.kind == "training" for c in e.checks)
]


def test_every_training_check_has_a_body_that_does_nothing():
    targets = {str(t) for e in load_course().exercises for t in e.targets if e.id in _ids()}
    assert targets <= set(_NOTHING), sorted(targets - set(_NOTHING))


def _ids() -> set[str]:
    return {p.values[0] for p in _TRAINED}


@pytest.mark.parametrize("exercise", _TRAINED)
def test_a_training_check_fails_when_its_exercise_does_nothing(exercise, tmp_path, data_dir):
    if exercise.startswith("chapter7"):
        pytest.importorskip("torch")
    course = load_course()
    workspace = reference_workspace(tmp_path)
    for target in next(e for e in course.exercises if e.id == exercise).targets:
        replace_body(workspace, str(target), _NOTHING[str(target)])
    result = session_grade(exercise, workspace).exercises[0]
    trained = [c for c in result.checks if c.kind == "training"]
    said = [(c.name, c.message) for c in trained]
    assert trained and not any(c.passed or c.skipped for c in trained), said
    assert all("metric" in c.details for c in trained), said  # judged on its metric, not an error


def test_checks_that_train_on_the_same_data_share_its_file(monkeypatch):
    """Both MNIST checks of chapter 4 read the same images: made and written once a run.
    What decides the inputs is the data function and the parameters it names; a check's
    others (its time budget) do not."""
    from dataclasses import replace

    from dlfs.autograder.grading.data import DataCache
    from dlfs.autograder.probes.record import find_probe

    made: list[dict] = []

    def images(n_train: int = 3, **_: object) -> tuple[dict, dict]:
        made.append({"n_train": n_train})
        return {"X_train": [[0.0]] * n_train}, {"y_test": [0]}

    def probe(module: str, name: str):
        return replace(find_probe(module, name), data=images)

    monkeypatch.setattr("dlfs.autograder.grading.data.find_probe", probe)
    cache = DataCache()
    try:
        first = cache.get("chapter4", "mnist_softmax", {"budget": 10})
        assert cache.get("chapter4", "mnist_momentum", {"budget": 5}) == first
        assert cache.get("chapter4", "mnist_momentum", {"n_train": 4})[0] != first[0]
    finally:
        cache.close()
    assert made == [{"n_train": 3}, {"n_train": 4}]
