"""The README of a students' copy: only what works there (no answer key, no tests)."""

from __future__ import annotations

from ..course import Course

__all__ = ["students_readme"]

_TEXT = """\
# {title}: your exercises

You write the NumPy code of everything *Deep Learning from Scratch* (Seth Weidman, O'Reilly
2019) builds; `dlfs-grade` tells you within seconds what is right, what is wrong and why.

## Install and grade

With Python 3.10 or newer, in this folder (a virtual environment is a good idea:
`python3 -m venv .venv`, then `source .venv/bin/activate`, or `.venv\\Scripts\\activate` on
Windows):

```bash
pip install -e .
dlfs-grade chapter1
```

Every exercise starts as `not started`. Open the file a message names (for example
`exercises/foundations.py`), replace `# YOUR CODE HERE` and the `raise NotImplementedError`
below it with your code, and grade again.

## Everyday commands

```bash
dlfs-grade chapter1                    # grade a chapter (also: 1, ch1, chapter 1)
dlfs-grade chapter1.sigmoid -v         # one exercise, every check
dlfs-grade hint chapter1.sigmoid       # the next hint, gentle first
dlfs-grade reset chapter1.sigmoid --yes   # put the stub back (yours is backed up)
dlfs-grade progress                    # your best score per chapter and exercise
dlfs-grade list chapter1               # the exercises and their points
```

`--help` on any command says more; `--json` gives machine-readable output.

## Notebooks

The same exercises come as one notebook per chapter in `exercises/notebooks/`
(`pip install -e ".[notebooks]"` installs JupyterLab to open them; if your course hands out
its notebooks with nbgrader, `pip install -e ".[nbgrader]"` adds nbgrader's
`fetch_assignment` and `submit`). Write each function in its cell (keep the cell's first
line: it names the file the code belongs to), run the check cell under it;
`hint("chapter1.sigmoid")` in a cell gives a hint. A chapter that calls an earlier chapter's
exercise has a cell for it: paste your version there. The notebook and the `.py` files are
two separate workspaces: progress keeps them apart (`dlfs-grade progress` shows both).

## What is graded here, and what at your instructor's

Your code runs against the stored answers of the public checks: {public:g} points over
{count} exercises. Some exercises also have hidden checks (training on real data, for
example); they run when your instructor grades, and count there only. Without the answer
key, an exercise runs with your own versions of the others: a message such as
`this check needs chapter3.sigmoid_forward too` tells you which to finish first.

Data sets (MNIST, Fashion-MNIST, Boston housing, tiny Shakespeare) download when first
needed, or all at once with `dlfs-grade data fetch all`.
"""


def students_readme(course: Course) -> str:
    """The students' README for ``course``."""
    exercises = course.exercises
    public = sum(e.public_points for e in exercises)
    return _TEXT.format(title=course.title, public=public, count=len(exercises))
