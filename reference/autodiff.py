"""Automatic differentiation on scalars (chapter 6): ``NumberWithGrad``.

Every ``+`` and ``*`` on a ``NumberWithGrad`` builds a new node that remembers the nodes it
was computed from (``depends_on``) and how (``creation_op``). ``backward()`` then walks this
graph once, from the result back to the leaves, and leaves ∂result/∂node in each node's
``grad``.

Example (the book's)::

    >>> a = NumberWithGrad(3)
    >>> b = a * 4
    >>> c = b + 3
    >>> d = (a + 2) * c
    >>> d.backward()
    >>> a.grad
    35

The book's ``backward`` recurses into a node's parents every time the node receives a
gradient, and each time sends the gradient accumulated so far. When an intermediate node is
used twice (``b`` in ``b * (b + 1)``) its first contribution then reaches the leaves twice and
their gradients come out too large. Here ``backward`` first sorts the graph topologically and
then visits each node exactly once, after all of its gradient has arrived.
"""

from __future__ import annotations

from numbers import Real

__all__ = ["NumberWithGrad"]


def _ensure_number(value: NumberWithGrad | Real) -> NumberWithGrad:
    """Wrap a plain number in a ``NumberWithGrad`` leaf; pass a ``NumberWithGrad`` through."""
    if isinstance(value, NumberWithGrad):
        return value
    if isinstance(value, Real):
        return NumberWithGrad(value)
    raise ValueError(
        f"NumberWithGrad combines only with numbers, got {value!r} ({type(value).__name__})"
    )


class NumberWithGrad:
    """A number that remembers how it was computed, so that it can differentiate itself.

    Args:
        num: the value.
        depends_on: the nodes this one was computed from (none for a leaf).
        creation_op: how: ``"add"``, ``"mul"`` or ``""`` for a leaf.

    Attributes:
        grad: after ``backward()`` on a result that depends on this node, ∂result/∂node;
            ``None`` before. Gradients add up over calls of ``backward``.
    """

    def __init__(
        self,
        num: float,
        depends_on: list[NumberWithGrad] | None = None,
        creation_op: str = "",
    ) -> None:
        if creation_op not in ("", "add", "mul"):
            raise ValueError(f"creation_op must be '', 'add' or 'mul', got {creation_op!r}")
        self.num = num
        self.grad: float | None = None
        self.depends_on = list(depends_on or [])
        self.creation_op = creation_op

    def __repr__(self) -> str:
        return f"NumberWithGrad({self.num!r}, grad={self.grad!r}, op={self.creation_op!r})"

    def __add__(self, other: NumberWithGrad | Real) -> NumberWithGrad:
        """``self + other``: a node with ``creation_op="add"`` depending on both.

        A plain number ``other`` becomes a leaf first (``_ensure_number``).
        """
        ### BEGIN SOLUTION
        other = _ensure_number(other)
        return NumberWithGrad(self.num + other.num, depends_on=[self, other], creation_op="add")
        ### END SOLUTION

    def __mul__(self, other: NumberWithGrad | Real) -> NumberWithGrad:
        """``self * other``: a node with ``creation_op="mul"`` depending on both.

        A plain number ``other`` becomes a leaf first (``_ensure_number``).
        """
        ### BEGIN SOLUTION
        other = _ensure_number(other)
        return NumberWithGrad(self.num * other.num, depends_on=[self, other], creation_op="mul")
        ### END SOLUTION

    def __radd__(self, other: Real) -> NumberWithGrad:
        """``other + self`` for a plain number ``other``."""
        return _ensure_number(other) + self

    def __rmul__(self, other: Real) -> NumberWithGrad:
        """``other * self`` for a plain number ``other``."""
        return _ensure_number(other) * self

    def backward(self, backward_grad: float | None = None) -> None:
        """Add ∂self/∂node × ``backward_grad`` to the ``grad`` of every node self depends on.

        ``backward_grad`` is ∂L/∂self for some outer L; ``None`` means 1 (L is self). The
        graph is walked once, in reverse topological order (a node after every node computed
        from it), so that a node passes its gradient on only once all of it has arrived:

        - ``add``: c = a + b sends ∂L/∂c to a and to b unchanged;
        - ``mul``: c = a · b sends ∂L/∂c · b to a and ∂L/∂c · a to b.

        Gradients within one call are summed per node (a node used twice receives twice);
        each node's ``grad`` then adds this call's total to what earlier calls left there.
        Sort without recursion: graphs may be deeper than Python's recursion limit.
        """
        ### BEGIN SOLUTION
        # Topological order by depth-first search: a node is appended after its parents.
        order: list[NumberWithGrad] = []
        visited: set[int] = set()
        stack: list[tuple[NumberWithGrad, bool]] = [(self, False)]
        while stack:
            node, parents_done = stack.pop()
            if parents_done:
                order.append(node)
                continue
            if id(node) in visited:
                continue
            visited.add(id(node))
            stack.append((node, True))
            stack.extend((parent, False) for parent in node.depends_on)

        # One reverse pass: every node's gradient is complete before it is passed on.
        grads: dict[int, float] = {id(self): 1 if backward_grad is None else backward_grad}
        for node in reversed(order):
            grad = grads.pop(id(node), 0)
            node.grad = grad if node.grad is None else node.grad + grad
            if node.creation_op == "add":
                local = (1, 1)
            elif node.creation_op == "mul":
                first, second = node.depends_on
                local = (second.num, first.num)
            else:
                continue
            for parent, derivative in zip(node.depends_on, local, strict=True):
                grads[id(parent)] = grads.get(id(parent), 0) + grad * derivative
        ### END SOLUTION
