"""SGD and SGDMomentum update rules, learning-rate decay schedules, arguments."""

from __future__ import annotations

import numpy as np
import pytest

from dlfs.reference import SGD, Optimizer, SGDMomentum


class FakeNet:
    """Just what an optimizer reads: parameters and their gradients."""

    def __init__(self, params, grads):
        self._params, self.grads = params, grads

    def params(self):
        return iter(self._params)

    def param_grads(self):
        return iter(self.grads)


def _net(rng):
    return FakeNet(
        [rng.standard_normal((3, 2)), rng.standard_normal((1, 2))],
        [rng.standard_normal((3, 2)), rng.standard_normal((1, 2))],
    )


def test_sgd_step(rng):
    net = _net(rng)
    before = [p.copy() for p in net._params]
    ids = [id(p) for p in net._params]
    optim = SGD(lr=0.1)
    optim.net = net
    optim.step()
    for p, p0, g in zip(net._params, before, net.grads, strict=True):
        np.testing.assert_allclose(p, p0 - 0.1 * g)
    assert [id(p) for p in net._params] == ids  # updated in place


def test_momentum_steps(rng):
    """Is v₁ = lr·g₁, p₁ = p₀ − v₁; v₂ = m·v₁ + lr·g₂, p₂ = p₁ − v₂?"""
    net = _net(rng)
    p0 = [p.copy() for p in net._params]
    g1 = [g.copy() for g in net.grads]
    optim = SGDMomentum(lr=0.1, momentum=0.9)
    optim.net = net
    optim.step()
    g2 = [rng.standard_normal(g.shape) for g in g1]
    for g, new in zip(net.grads, g2, strict=True):
        g[...] = new
    optim.step()
    for p, a, b, c in zip(net._params, p0, g1, g2, strict=True):
        v1 = 0.1 * b
        v2 = 0.9 * v1 + 0.1 * c
        np.testing.assert_allclose(p, a - v1 - v2)
    np.testing.assert_allclose(optim.velocities[0], 0.9 * 0.1 * g1[0] + 0.1 * g2[0])


def test_reset_forgets_the_velocities_and_the_decay(rng):
    optim = SGDMomentum(lr=0.2, final_lr=0.1, decay_type="linear")
    optim.net = _net(rng)
    optim.step()
    optim.max_epochs = 3
    optim._setup_decay()
    optim._decay_lr()
    optim.reset()
    assert optim.lr == 0.2 and optim.first


def _lrs(optim: Optimizer, max_epochs: int) -> list[float]:
    """The learning rate of each epoch, as a Trainer schedules it."""
    optim.max_epochs = max_epochs
    optim._setup_decay()
    lrs = []
    for epoch in range(max_epochs):
        lrs.append(optim.lr)
        if epoch < max_epochs - 1:
            optim._decay_lr()
    return lrs


def test_linear_decay():
    """Does lr fall by (lr − final_lr)/(E − 1) per epoch, ending at final_lr?"""
    lrs = _lrs(SGD(0.15, final_lr=0.05, decay_type="linear"), 5)
    np.testing.assert_allclose(lrs, [0.15, 0.125, 0.1, 0.075, 0.05])


def test_exponential_decay():
    """Is lr_k = lr · (final_lr / lr)^(k / (E − 1))?"""
    lrs = _lrs(SGDMomentum(0.2, final_lr=0.05, decay_type="exponential"), 50)
    k = np.arange(50)
    np.testing.assert_allclose(lrs, 0.2 * 0.25 ** (k / 49))
    assert lrs[-1] == pytest.approx(0.05)
    np.testing.assert_allclose(lrs[:3], [0.2, 0.2 * 0.25 ** (1 / 49), 0.2 * 0.25 ** (2 / 49)])


def test_no_decay_and_a_single_epoch():
    assert _lrs(SGD(0.1), 4) == [0.1] * 4
    assert _lrs(SGD(0.1, final_lr=0.05, decay_type="linear"), 1) == [0.1]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"lr": 0.0}, "got lr=0.0"),
        ({"lr": -1.0}, "got lr=-1.0"),
        ({"decay_type": "cosine"}, "got 'cosine'"),
        ({"final_lr": -0.1, "decay_type": "linear"}, "got final_lr=-0.1"),
        ({"final_lr": 0.0, "decay_type": "exponential"}, "got final_lr=0.0"),
    ],
)
def test_bad_arguments_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SGD(**kwargs)


@pytest.mark.parametrize("momentum", [-0.1, 1.0])
def test_bad_momentum_is_refused(momentum):
    with pytest.raises(ValueError, match=f"got momentum={momentum}"):
        SGDMomentum(momentum=momentum)
