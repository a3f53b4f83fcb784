"""Activations: values, derivatives (checked numerically) and numerical stability."""

import warnings

import numpy as np
import pytest

from rnncourse import activations as A
from rnncourse.gradcheck import numerical_gradient, rel_error


def test_sigmoid_is_stable_at_extremes():
    z = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow warning fails the test
        s = A.sigmoid(z)
    assert s[0] == 0.0 and s[-1] == 1.0 and s[2] == 0.5
    assert np.all(np.isfinite(s))


def test_sigmoid_keeps_float32():
    assert A.sigmoid(np.zeros(3, dtype=np.float32)).dtype == np.float32


@pytest.mark.parametrize(
    "f, df",
    [(A.sigmoid, A.sigmoid_grad), (A.tanh, A.tanh_grad), (A.relu, A.relu_grad),
     (A.identity, A.identity_grad)],
)  # fmt: skip
def test_derivatives_match_numerical(f, df):
    z = np.array([-2.0, -0.7, 0.3, 1.5, 3.0])
    ones = np.ones_like(z)
    num = numerical_gradient(lambda v: f(v), z.copy(), ones)
    assert rel_error(num, df(z)) < 1e-8


@pytest.mark.parametrize("name", sorted(A.CELL_ACTIVATIONS))
def test_grad_from_output_matches_grad(name):
    f, grad_from_output = A.get_activation(name)
    z = np.array([-2.0, -0.5, 0.25, 1.0, 2.5])
    reference = {"tanh": A.tanh_grad, "sigmoid": A.sigmoid_grad, "relu": A.relu_grad,
                 "identity": A.identity_grad}[name]  # fmt: skip
    np.testing.assert_allclose(grad_from_output(f(z)), reference(z), atol=1e-15)


def test_softmax_and_log_softmax_are_stable():
    z = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = A.softmax(z)
        logp = A.log_softmax(z)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0)
    np.testing.assert_allclose(np.exp(logp), p, atol=1e-15)
    assert np.all(np.isfinite(logp))
    expected = np.exp([0, 1, 2]) / np.exp([0, 1, 2]).sum()
    np.testing.assert_allclose(p[0], expected)


def test_derivative_bounds():
    z = np.linspace(-10, 10, 2001)
    assert A.sigmoid_grad(z).max() == pytest.approx(0.25)
    assert A.tanh_grad(z).max() == pytest.approx(1.0)


def test_unknown_activation():
    with pytest.raises(ValueError, match="activation must be one of"):
        A.get_activation("softplus")
    with pytest.raises(TypeError, match="activation must be a string"):
        A.get_activation(np.tanh)
