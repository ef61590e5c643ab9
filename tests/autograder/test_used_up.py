"""An iterator used up by its first pass (:mod:`dlfs.autograder.grading.usedup`): named,
proven, and never said of a list.

Written for this test from angles no corpus took: an epoch that takes the first batch out
of the generator to look at its shape before the loop, and an im2col whose window offsets
are a ``zip`` of two ranges, looped over once per image."""

from __future__ import annotations

from dlfs.autograder.grading.source import Source
from dlfs.autograder.grading.usedup import _edits

from .grading_helpers import PROVEN, graded_body, said_of

PEEK = (
    "batches = {batches}\n"
    "first_X, _ = next(iter(batches))  # one look at the shapes\n"
    "assert first_X.shape[1] == X_train.shape[1]\n"
    "losses = []\n"
    "for X_batch, y_batch in batches:\n"
    "    losses.append(self.net.train_batch(X_batch, y_batch))\n"
    "    self.optim.step()\n"
    "return float(np.mean(losses))\n"
)
ORDERED = "self.generate_batches(X_train, y_train, batch_size, rng.permutation(len(X_train)))"
TARGET = ("chapter3.train_epoch", "trainer:Trainer._train_epoch")


def test_a_generator_looked_into_before_its_loop_is_named(tmp_path):
    said = said_of(tmp_path, *TARGET, PEEK.format(batches=ORDERED))
    assert "`batches` is used up by its first pass" in said and PROVEN in said, said


def test_the_same_batches_kept_as_a_list_are_right(tmp_path):
    result = graded_body(tmp_path, *TARGET, PEEK.format(batches=f"list({ORDERED})"))
    assert result.score == result.max_score, [c.message for c in result.checks]


def _proposed(code: str) -> list[str]:
    source = Source("f.py", "def f(images, K):\n" + code, "f:f")
    return [ast_code for edit, ast_code in _edits(source.node)]


def test_a_zip_looped_over_once_per_image_is_proposed_kept():
    code = (
        "    offsets = zip(range(K), range(K))\n"
        "    for image in images:\n"
        "        for i, j in offsets:\n"
        "            image[i, j] = 0\n"
    )
    assert len(_proposed(code)) == 1


def test_a_name_bound_to_a_list_or_looped_over_once_is_not():
    once = "    offsets = zip(range(K), range(K))\n    for i, j in offsets:\n        pass\n"
    listed = (
        "    offsets = list(zip(range(K), range(K)))\n"
        "    for image in images:\n"
        "        for i, j in offsets:\n"
        "            image[i, j] = 0\n"
    )
    assert _proposed(once) == [] and _proposed(listed) == []
