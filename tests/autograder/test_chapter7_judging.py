"""Does the grader judge chapter 7 without importing PyTorch, and to the same values?

The reference's side of chapter 7's public checks on the learner's stable inputs comes from
the stored answers (``grading.expected.ReferenceAnswers``); fresh seeds still run the reference.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from dlfs.autograder.course import load_course
from dlfs.autograder.grading.compare import compare_arrays
from dlfs.autograder.grading.data import DataCache
from dlfs.autograder.grading.expected import ReferenceAnswers
from dlfs.autograder.grading.plan import plan_checks

torch = pytest.importorskip("torch")

_JUDGE_CHAPTER7 = """
import json, sys
from dlfs.autograder.course import load_course
from dlfs.autograder.grading.expected import ReferenceAnswers
from dlfs.autograder.grading.data import DataCache
from dlfs.autograder.grading.plan import plan_checks
answers, data, judged = ReferenceAnswers(), DataCache(), 0
for exercise in load_course().select("chapter7"):
    for check in plan_checks(exercise, data, True).running:
        if check.spec.kind != "training":
            answers.expected(check)
            judged += 1
print(json.dumps({"judged": judged, "torch": "torch" in sys.modules}))
"""


def _public_checks(salt: int | None) -> list:
    data = DataCache()
    return [
        check
        for exercise in load_course().select("chapter7")
        for check in plan_checks(exercise, data, True, salt).running
        if check.spec.kind != "training"
    ]


def test_judging_chapter7_on_stable_inputs_imports_no_pytorch() -> None:
    run = subprocess.run(
        [sys.executable, "-c", _JUDGE_CHAPTER7], capture_output=True, text=True, check=True
    )
    said = json.loads(run.stdout.splitlines()[-1])
    assert said == {"judged": len(_public_checks(None)), "torch": False}


@pytest.mark.parametrize("salt", [None, 12345])
def test_the_grader_expects_what_the_reference_computes(salt: int | None) -> None:
    """Stable inputs (read from the store) and fresh ones (not stored: run) alike."""
    answers, checks = ReferenceAnswers(), _public_checks(salt)
    judged = [answers.expected(check) for check in checks]
    run = ReferenceAnswers(stored_first=False)  # the reference, run
    for check, expected in zip(checks, judged, strict=True):
        computed = run.expected(check)
        assert expected.keys() == computed.keys()
        # as the grader compares: an agreement check to its own tolerances, the others to
        # float32's (chapter 7 computes in float32, and stored answers made on another CPU
        # differ from a run here in the last places: seen up to 4e-6 of a value)
        agreement = check.spec.kind == "agreement"
        rtol, atol = (check.spec.rtol, check.spec.atol) if agreement else (1e-5, 1e-6)
        for name, value in expected.items():
            ok, message, _ = compare_arrays(name, np.asarray(computed[name]), value, rtol, atol)
            assert ok, f"{check.spec.name or check.spec.probe}: {message}"


@pytest.mark.parametrize(
    ("prediction", "target", "said", "not_said"),
    [
        (  # the targets made floats (a habit from regression): nothing is swapped
            torch.zeros(12, 3),
            torch.zeros(12),
            "takes the targets as class indices (int64, `.long()`)",
            "swap",
        ),
        (torch.zeros(12, dtype=torch.long), torch.zeros(12, 3), "the targets first; swap", ""),
        (
            torch.zeros(12, 3, dtype=torch.long),
            torch.zeros(12, dtype=torch.long),
            "takes the prediction as floats",
            "swap",
        ),
    ],
)
def test_the_criterions_arguments_are_said_swapped_only_where_they_are(
    prediction, target, said, not_said
):
    from dlfs.autograder.probes.training_mode import _checked_cross_entropy

    with pytest.raises(TypeError) as error:
        _checked_cross_entropy(torch)(prediction, target)
    assert said in str(error.value)
    assert not not_said or not_said not in str(error.value)


def test_targets_made_floats_are_said_so_in_the_worker(tmp_path):
    """The message is built in the worker, where only what a passing run calls is kept: it
    must be there when a learner's criterion call fails."""
    from dlfs.autograder.api import grade

    from .grading_helpers import reference_workspace, replace_body

    workspace = reference_workspace(tmp_path)
    replace_body(
        workspace,
        "pytorch.trainer:PyTorchTrainer.train_batch",
        "self.optim.zero_grad()\n"
        "output = prediction_of(self.model(X_batch))\n"
        "loss = self.loss(output, y_batch.float())\n"
        "loss.backward()\n"
        "self.optim.step()\n"
        "return float(loss.item())\n",
    )
    (result,) = grade("chapter7.train_batch", path=workspace, record=False).exercises
    text = "\n".join(c.message for c in result.checks if c.message)
    assert "takes the targets as class indices" in text, text
    assert "NotAvailable" not in text and "swap them" not in text
