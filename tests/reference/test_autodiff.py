"""Tests of NumberWithGrad: the book's examples, reused nodes, deep graphs, plain numbers."""

from __future__ import annotations

import numpy as np
import pytest

from dlfs.autograder.gradcheck import check_gradient
from dlfs.reference.autodiff import NumberWithGrad


def _book_backward(node: NumberWithGrad, backward_grad: float | None = None) -> None:
    """The book's algorithm: accumulate, then at once re-send the accumulated gradient."""
    if backward_grad is None:
        node.grad = 1
    else:
        node.grad = backward_grad if node.grad is None else node.grad + backward_grad
    if node.creation_op == "add":
        for parent in node.depends_on:
            _book_backward(parent, node.grad)
    elif node.creation_op == "mul":
        first, second = node.depends_on
        _book_backward(first, node.grad * second.num)
        _book_backward(second, node.grad * first.num)


def _reuse_graph(a: NumberWithGrad) -> NumberWithGrad:
    """d = (4a + 3)(4a + 2): b = 4a is used twice. ∂d/∂a = 4(4a + 2) + 4(4a + 3)."""
    b = a * 4
    c = b + 3
    return c * (b + 2)


def test_book_example_gives_35():
    """Does the book's example, d = (a + 2)(4a + 3) at a = 3, give ∂d/∂a = 35?"""
    a = NumberWithGrad(3)
    b = a * 4
    c = b + 3
    d = (a + 2) * c
    d.backward()
    assert a.grad == 35
    assert d.num == 75
    assert d.creation_op == "mul" and c.creation_op == "add"


def test_reused_intermediate_node_is_differentiated_correctly():
    """When an intermediate node feeds two others, does its gradient reach a only once?"""
    a = NumberWithGrad(3)
    _reuse_graph(a).backward()
    assert a.grad == 4 * 14 + 4 * 15


def test_the_books_backward_gets_the_reused_node_wrong():
    """Would the book's backward, which re-sends accumulated gradients, fail here?"""
    a = NumberWithGrad(3)
    _book_backward(_reuse_graph(a))
    assert a.grad != 4 * 14 + 4 * 15
    # b first receives 14 (through c, times b + 2) and sends 4 · 14 to a; then it receives 15
    # (through b + 2, times c) and sends 4 · (14 + 15): the first contribution reaches a twice.
    assert a.grad == 4 * 14 + 4 * (14 + 15)


def test_square_of_a_node():
    """Is ∂(b · b)/∂a right for b = 4a (b used twice by the same node)?"""
    a = NumberWithGrad(3.0)
    b = a * 4
    (b * b).backward()
    assert a.grad == pytest.approx(2 * 12.0 * 4)
    assert b.grad == pytest.approx(24.0)


def test_gradients_agree_with_central_differences():
    """Do the gradients of a graph reusing nodes agree with the numerical check?"""
    x = np.array([0.7, -1.3])

    def build() -> tuple[NumberWithGrad, NumberWithGrad, NumberWithGrad]:
        a, b = NumberWithGrad(float(x[0])), NumberWithGrad(float(x[1]))
        p = a * b + 2
        q = p * p + a * 3
        return a, b, q * (p + b) + q

    a, b, out = build()
    out.backward()
    analytic = np.array([a.grad, b.grad])
    result = check_gradient(lambda: build()[2].num, x, analytic, name="[a, b]")
    assert result.passed, str(result)


def test_plain_numbers_on_either_side():
    """Do 2 + a, a + 2, 3 * a and a * 3 all work and differentiate?"""
    a = NumberWithGrad(5)
    out = 2 + a * 3 + 3 * a + (a + 2)
    assert out.num == 2 + 15 + 15 + 7
    out.backward()
    assert a.grad == 7


def test_backward_grad_scales_and_calls_accumulate():
    """Does backward(g) scale by g, and does a second call add to the leaves' grads?"""
    a = NumberWithGrad(2.0)
    d = a * a
    d.backward(0.5)
    assert a.grad == pytest.approx(2.0)
    d.backward()
    assert a.grad == pytest.approx(2.0 + 4.0)


def test_deep_graph_does_not_hit_the_recursion_limit():
    """Can backward walk a chain of 5000 operations (deeper than Python's recursion)?"""
    x = NumberWithGrad(1.0)
    y = x
    for _ in range(5000):
        y = y * 1.0001 + 0.5
    y.backward()
    assert x.grad == pytest.approx(1.0001**5000, rel=1e-10)


def test_unused_leaf_keeps_no_grad():
    """Does a node the result does not depend on keep grad None?"""
    a, unused = NumberWithGrad(1.0), NumberWithGrad(2.0)
    (a * 3).backward()
    assert unused.grad is None


def test_invalid_operand_and_op_raise():
    """Are a non-number operand and an unknown creation_op refused, naming the value?"""
    with pytest.raises(ValueError, match="'abc'"):
        NumberWithGrad(1) + "abc"
    with pytest.raises(ValueError, match="'pow'"):
        NumberWithGrad(1, creation_op="pow")
