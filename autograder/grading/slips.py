"""What an error message says of the mistake behind it: NumPy's, Python's or PyTorch's own
words read for the slip they usually mean, and where the message's numbers say more (a view
that leaves the batch axis out, a recurrent state of one row), the numbers read too."""

from __future__ import annotations

import math
import re

__all__ = ["explain_exception"]

_SLIPS = (
    (
        re.compile(r"mismatch in its core dimension|not aligned"),
        "a product of arrays whose inner sizes differ: a forgotten or an extra .T?",
    ),
    (
        re.compile(r"Trying to backward through the graph a second time"),
        "a tensor kept from an earlier batch (a carried state?) still holds that batch's "
        "graph: keep it .detach()ed",
    ),
    (
        re.compile(
            r"'tuple' object has no attribute '(?:size|dim|shape|view)'|"
            r"expected Tensor as element|must be Tensor, not tuple"
        ),
        "a model may return a tuple (its prediction first): take prediction_of(output) "
        "before the loss",
    ),
    (
        re.compile(r"Can't call numpy\(\) on Tensor that requires grad"),
        "a tensor that still requires grad came back where a number belongs: return "
        "loss.item() (a Python float), or .detach() an array",
    ),
    (
        re.compile(r"Cannot cast ufunc '\w+' output from dtype\('float\d*'\) to dtype\('u?int"),
        "a float result was written in place into an integer array (the input may hold "
        "integers, as np.array([-2, 3]) does, and np.zeros_like(x) of it is integer too): "
        "compute a new array (np.maximum, np.where), or give the one filled a float dtype "
        "(np.zeros_like(x, dtype=float))",
    ),
    (
        re.compile(
            r"Size of label '(\w)' for operand (\d+) \((\d+)\) does not match previous "
            r"terms \((\d+)\)"
        ),
        "np.einsum's subscripts give axis '{0}' size {3} in an earlier operand and {2} in operand "
        "{1}: an array's axes are in another order than its subscripts say ((out, in) weights "
        "where (in, out) are stored, or channels last?)",
    ),
    (
        re.compile(r"index (\d+) is out of bounds for axis (\d+) with size \1\b"),
        "an index ran past the end of axis {1}, which has {0} entries: what it counts is "
        "longer than this array",
    ),
    (
        re.compile(
            r"expand\([\w.]+\{\[([\d, ]+)\]\}, size=\[[-\d, ]+\]\): the number of sizes "
            r"provided \((\d+)\) must be greater or equal to the number of dimensions in the "
            r"tensor \((\d+)\)"
        ),
        "a tensor of shape [{0}] expanded to {1} sizes has more axes than that: a state kept "
        "whole (layers, N, H) where one row (1, H), its mean over the batch, belongs?",
    ),
    (
        re.compile(r"mat1 and mat2 shapes cannot be multiplied \((\d+)x(\d+) and (\d+)x(\d+)\)"),
        "a linear layer gets {1} features per row where it expects {2}: its in_features, or a "
        "flatten or view that merged or kept the wrong axes (the batch axis first)?",
    ),
    (
        re.compile(r"expected input\[([^\]]*)\] to have (\d+) channels, but got (\d+) channels"),
        "a convolution expects {1} channels on axis 1 (N, C, H, W) and got {2} (input shape "
        "[{0}]): channels last, or in_channels not the previous layer's out_channels?",
    ),
    (
        re.compile(r"unsupported operand type\(s\) for [^:]+: '(?:list|tuple)'"),
        "arithmetic on a Python list: make it a NumPy array (np.array(...)) first",
    ),
)


def _view_without_batch(found: re.Match[str]) -> str | None:
    """``shape '[7, 28, 28]' is invalid for input of size 10976``: the sizes hold a whole
    fraction of the input, the batch axis left out."""
    sizes = [int(s) for s in found.group(1).split(",") if s.strip()]
    if not sizes or min(sizes) < 1:  # a -1 infers an axis: the batch may well be there
        return None
    whole, size = math.prod(sizes), int(found.group(2))
    if size % whole or size // whole < 2:
        return None
    shape = ", ".join(map(str, sizes))
    return (
        f"a view of ({shape}) holds {whole} of the {size} numbers: the batch axis is left out "
        f"({size // whole} rows here); keep it first, view(-1, {shape})"
    )


def _view_of_fixed_size(found: re.Match[str]) -> str | None:
    """``shape '[-1, 5488]' is invalid for input of size 720``: the sizes given hold no
    whole fraction of the input — one example's sizes written in (7·28·28)."""
    sizes = [int(s) for s in found.group(1).split(",") if s.strip()]
    if -1 not in sizes:
        return None
    fixed, size = math.prod(s for s in sizes if s != -1), int(found.group(2))
    if fixed < 2 or size % fixed == 0:
        return None
    return (
        f"a view with {fixed} numbers to a row cannot hold {size}: a size written in (one "
        "example's, such as 7·28·28), where the input's own belongs — x.flatten(start_dim=1) "
        "or x.view(x.shape[0], -1)"
    )


def _state_not_over_the_batch(found: re.Match[str]) -> str | None:
    """nn.LSTM's or nn.GRU's initial state of one row where the batch has several."""
    wanted, given = found.group(2).split(","), found.group(3).split(",")
    n, got = wanted[1].strip(), given[1].strip()
    hidden, held = wanted[-1].strip(), given[-1].strip()
    if got == n and held != hidden:  # the batch is right: the hidden units are not
        return (
            f"each row of the state holds {held} of the layer's {hidden} hidden units: a mean "
            "or sum over the hidden units where the batch's (dim=0 of [N, H]) belongs?"
        )
    transposed = (
        "the input's axes in another order than batch_first says (time first, where the "
        "layer reads [N, T, D])"
    )
    if got not in ("1", n):
        return f"the recurrent layer reads a batch of {n}, its state has {got} rows: {transposed}?"
    if got != "1" or n == "1":
        return None
    return (
        f"the initial state has one row where the batch has {n} sequences: expand it over the "
        f"batch (state.expand({n}, -1), shape (layers, N, H)) before the recurrent layer (or, "
        f"where the batch is one sequence of {n} steps, {transposed})"
    )


def _weight_not_transposed(found: re.Match[str]) -> str | None:
    """``(5x4 and 3x4)``: the second operand's columns are the first's, its rows are not —
    a [out, in] weight (nn.Linear's) multiplied where its transpose belongs."""
    _, inner, out, columns = (int(g) for g in found.groups())
    if columns != inner or out == inner:
        return None
    return (
        f"the second matrix is ({out}, {inner}): [out, in], as nn.Linear stores its weight, "
        f"where its transpose ({inner}, {out}) belongs (x @ W.T, or F.linear(x, W, b))? Or, "
        f"through a linear layer, {inner} features per row where it expects {out}"
    )


def _window_too_large(found: re.Match[str]) -> str:
    return (
        "sliding_window_view's window is larger than the axes it slides over: axis= names "
        "other axes than the window's (the image's height and width, not the batch axis)?"
    )


def _shape(shape: tuple[int, ...]) -> str:
    return str(shape).replace(" ", "")


def _not_broadcast(found: re.Match[str]) -> str | None:
    """``could not be broadcast together with shapes (5,4) (5,)``: where one shape is the
    other with one axis left out, a reduction over that axis that dropped it (keepdims);
    where one is the other's axes in another order, a transpose. Else no cause is guessed."""
    shapes = [
        tuple(int(n) for n in part.split(",") if n.strip())
        for part in re.findall(r"\(([\d, ]*)\)", found.group(1))
    ]
    if len(shapes) < 2:
        return None
    a, b = sorted(shapes[:2], key=len, reverse=True)
    listed = " ".join(str(s).replace(" ", "") for s in shapes[:2])
    if len(a) == len(b) + 1:
        dropped = [i for i in range(len(a)) if a[:i] + a[i + 1 :] == b]
        if dropped:
            return (
                f"shapes {listed}: {_shape(b)} is {_shape(a)} with axis {dropped[0]} left out, "
                "as a sum, mean or max over that axis leaves it: keepdims=True keeps it"
            )
    if len(a) == len(b) and sorted(a) == sorted(b) and a != b:
        return f"shapes {listed} hold the same axes in another order: a transpose?"
    return (
        f"shapes {listed} do not combine element by element: one of them is not the shape "
        "this line needs (compare each with what the docstring gives)"
    )


_COMPUTED = (
    (
        re.compile(r"could not be broadcast together with shapes ((?:\([\d, ]*\)\s*)+)"),
        _not_broadcast,
    ),
    (re.compile(r"shape '\[([\d, -]+)\]' is invalid for input of size (\d+)"), _view_without_batch),
    (re.compile(r"shape '\[([\d, -]+)\]' is invalid for input of size (\d+)"), _view_of_fixed_size),
    (
        re.compile(r"Expected hidden(\[\d\])? size \(([\d, ]+)\), got \[([\d, ]+)\]"),
        _state_not_over_the_batch,
    ),
    (re.compile(r"window shape cannot be larger than input array shape"), _window_too_large),
    (
        re.compile(r"mat1 and mat2 shapes cannot be multiplied \((\d+)x(\d+) and (\d+)x(\d+)\)"),
        _weight_not_transposed,
    ),
)
"""Error messages whose numbers say the mistake, with what says it."""


def explain_exception(message: str) -> str | None:
    """The likely mistake behind NumPy's (or Python's) own error message, or None."""
    for computed, said in _COMPUTED:
        found = computed.search(message)
        hint = said(found) if found else None
        if hint:
            return hint
    for pattern, hint in _SLIPS:
        found = pattern.search(message)
        if found:
            return hint.format(*(g.strip() for g in found.groups()))
    return None
