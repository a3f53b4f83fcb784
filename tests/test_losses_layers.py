"""Losses and the output layer: values by hand, gradient checks, masks and errors."""

import math

import numpy as np
import pytest

from rnncourse import layers, losses
from rnncourse.gradcheck import numerical_gradient, rel_error


def test_cross_entropy_by_hand():
    scores = np.array([[[0.0, 0.0], [math.log(3.0), 0.0]]])  # (N=1, T=2, V=2)
    y = np.array([[0, 0]])
    loss, _ = losses.softmax_cross_entropy(scores, y)
    # p(class 0) is 1/2 at t=0 and 3/4 at t=1
    assert loss == pytest.approx(-(math.log(0.5) + math.log(0.75)) / 2)


def test_cross_entropy_gradcheck_with_mask():
    rng = np.random.default_rng(0)
    scores = rng.standard_normal((3, 4, 5))
    y = rng.integers(0, 5, size=(3, 4))
    mask = np.array([[1, 1, 1, 1], [1, 1, 0, 0], [1, 0, 0, 0]])
    loss, dscores = losses.softmax_cross_entropy(scores, y, mask)
    num = numerical_gradient(lambda s: losses.softmax_cross_entropy(s, y, mask)[0], scores)
    assert rel_error(num, dscores) < 1e-8
    assert not dscores[1, 2:].any()  # padded steps get no gradient
    # the loss is the mean over the 7 counted steps
    picked = scores - np.log(np.exp(scores).sum(-1, keepdims=True))
    manual = -sum(picked[n, t, y[n, t]] for n in range(3) for t in range(4) if mask[n, t]) / 7
    assert loss == pytest.approx(manual)


def test_cross_entropy_one_label_per_sequence():
    scores = np.zeros((2, 3))
    loss, dscores = losses.softmax_cross_entropy(scores, np.array([0, 2]))
    assert loss == pytest.approx(math.log(3))
    assert dscores.shape == (2, 3)


def test_mse_by_hand_and_gradcheck():
    y_pred = np.array([[[1.0], [2.0]]])
    y = np.array([[[0.0], [4.0]]])
    loss, dy = losses.mse_loss(y_pred, y)
    assert loss == pytest.approx((1 + 4) / 2)
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((2, 3, 2)), rng.standard_normal((2, 3, 2))
    mask = np.array([[1, 1, 0], [1, 0, 0]])
    loss, dy = losses.mse_loss(a, b, mask)
    num = numerical_gradient(lambda p: losses.mse_loss(p, b, mask)[0], a)
    assert rel_error(num, dy) < 1e-8
    counted = np.array([a[0, 0] - b[0, 0], a[0, 1] - b[0, 1], a[1, 0] - b[1, 0]])
    assert loss == pytest.approx(np.mean(counted**2))


def test_loss_errors():
    scores = np.zeros((2, 3, 4))
    with pytest.raises(ValueError, match=r"y must be \(2, 3\)"):
        losses.softmax_cross_entropy(scores, np.zeros((3, 2), dtype=int))
    with pytest.raises(ValueError, match=r"labels in \[0, V\)"):
        losses.softmax_cross_entropy(scores, np.full((2, 3), 4))
    with pytest.raises(TypeError, match="integer class labels"):
        losses.softmax_cross_entropy(scores, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="all zeros"):
        losses.softmax_cross_entropy(scores, np.zeros((2, 3), dtype=int), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="must match"):
        losses.mse_loss(np.zeros((2, 3, 1)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="NaN"):
        losses.mse_loss(np.array([np.nan]), np.array([0.0]))


def test_linear_layer_gradcheck():
    rng = np.random.default_rng(2)
    h = rng.standard_normal((2, 3, 4))
    W, b = rng.standard_normal((4, 5)), rng.standard_normal(5)
    y, cache = layers.linear_forward(h, W, b)
    assert y.shape == (2, 3, 5)
    dy = rng.standard_normal(y.shape)
    dh, dW, db = layers.linear_backward(dy, cache)
    f = lambda _: layers.linear_forward(h, W, b)[0]  # noqa: E731
    assert rel_error(numerical_gradient(f, h, dy), dh) < 1e-8
    assert rel_error(numerical_gradient(f, W, dy), dW) < 1e-8
    assert rel_error(numerical_gradient(f, b, dy), db) < 1e-8
    with pytest.raises(ValueError, match="W_hy has H=4 rows"):
        layers.linear_forward(np.zeros((2, 3)), W, b)
