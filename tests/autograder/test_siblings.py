"""A learner's code that calls their own code of another module, graded as in their copy.

``Conv2DOperation._output`` may call the learner's own ``conv_2d_multichannel`` (chapter 5's
earlier exercise, in ``conv_steps.py``). Spliced into the answer key, that import used to
reach the key's module, which the worker does not keep: a correct body lost every point.
Now it reaches the learner's own file, and only theirs: what it computes is theirs, right or
wrong, never the key's.
"""

from __future__ import annotations

import pytest

from dlfs.autograder.api import grade
from dlfs.autograder.sandbox.siblings import sibling_modules

from .grading_helpers import reference_workspace, replace_body

CALLS_OWN = (
    "from .conv_steps import conv_2d_multichannel\n"
    "return conv_2d_multichannel(self.input_, self.param)"
)
CALLS_OWN_MODULE = (
    "import dlfs.exercises.conv_steps as steps\n"
    "return steps.conv_2d_multichannel(self.input_, self.param)"
)


def _graded(workspace, exercise="chapter5.conv_operation_forward"):
    (result,) = grade(exercise, path=workspace, record=False).exercises
    return result


@pytest.mark.parametrize("body", [CALLS_OWN, CALLS_OWN_MODULE], ids=["from", "import_as"])
def test_a_body_calling_the_learners_own_earlier_exercise_gets_full_marks(tmp_path, body):
    workspace = reference_workspace(tmp_path)
    replace_body(workspace, "conv:Conv2DOperation._output", body)
    result = _graded(workspace)
    assert result.status == "passed" and result.score == result.max_score, result.message


def test_an_import_at_the_top_of_the_file_reaches_the_learners_own_module(tmp_path):
    workspace = reference_workspace(tmp_path)
    path = workspace / "conv.py"
    path.write_text(
        "from .conv_steps import conv_2d_multichannel as own_conv\n" + path.read_text("utf-8"),
        encoding="utf-8",
    )
    replace_body(
        workspace, "conv:Conv2DOperation._output", "return own_conv(self.input_, self.param)"
    )
    result = _graded(workspace)
    assert result.status == "passed" and result.score == result.max_score, result.message


def test_what_the_call_computes_is_the_learners_own_never_the_keys(tmp_path):
    """Their own conv_2d_multichannel is wrong: the body that calls it is wrong with it, and
    where it is still the stub, the message says so (the key's answer is never run)."""
    workspace = reference_workspace(tmp_path)
    replace_body(workspace, "conv:Conv2DOperation._output", CALLS_OWN)
    replace_body(workspace, "conv_steps:conv_2d_multichannel", "raise NotImplementedError")
    stub = _graded(workspace)
    assert (
        stub.score == 0
        and "NotImplementedError" in stub.message
        and "conv_steps.py" in stub.message
    )
    workspace = reference_workspace(tmp_path / "wrong")
    replace_body(workspace, "conv:Conv2DOperation._output", CALLS_OWN)
    replace_body(
        workspace,
        "conv_steps:conv_2d_multichannel",
        "return np.zeros((input_.shape[0], param.shape[1], *input_.shape[2:]))",
    )
    wrong = _graded(workspace)
    assert wrong.score < wrong.max_score


def test_only_the_learners_own_files_are_sent_and_no_link(tmp_path):
    workspace = reference_workspace(tmp_path)
    conv = (workspace / "conv.py").read_text("utf-8")
    found = {m.module for m in sibling_modules(workspace, [("conv", conv)], ["conv"])}
    assert "conv_steps" not in found  # the reference's conv.py does not import it
    text = "from .conv_steps import conv_2d\nfrom . import pooling\nimport numpy as np\n" + conv
    found = {m.module: m for m in sibling_modules(workspace, [("conv", text)], ["conv"])}
    assert {"conv_steps", "pooling"} <= set(found) and "conv" not in found
    assert found["conv_steps"].path == str(workspace / "conv_steps.py")
    (workspace / "pooling.py").unlink()
    (workspace / "pooling.py").symlink_to(workspace / "conv_steps.py")
    found = {m.module for m in sibling_modules(workspace, [("conv", text)], ["conv"])}
    assert "pooling" not in found  # a link could hand in the key: never followed
