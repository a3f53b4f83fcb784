"""Bad input gets a clear error that names the argument, what was expected and what arrived.

Decisions (documented in the package docstrings):
- not a numpy array, or an integer/bool dtype            -> TypeError
- float32 and float64 mixed in one call                   -> TypeError (no silent upcast)
- wrong number of axes, wrong size of an axis, N or T = 0 -> ValueError
- NaN or infinity in parameters, inputs or states          -> ValueError
- params not a dict -> TypeError; a missing key            -> ValueError
"""

import numpy as np
import pytest

from conftest import make_problem
from rnncourse import rnn
from rnncourse.gradcheck import numerical_gradient, rel_error


@pytest.fixture
def problem(rng):
    x, h0, params, dh = make_problem(rng, N=3, T=2, D=4, H=5)
    return x, h0, params, dh


def test_the_example_message_from_the_issue(problem):
    _, h0, params, _ = problem
    with pytest.raises(ValueError) as err:
        rnn.rnn_step_forward(np.zeros((3, 5)), h0, params)
    assert str(err.value) == "x_t has shape (3, 5) but W_xh has D=4 rows: x_t must be (N, 4)."


@pytest.mark.parametrize(
    "change, error, words",
    [
        (lambda x, h0, p: (x[:, 0].tolist(), h0, p), TypeError, ["x_t", "numpy array", "list"]),
        (lambda x, h0, p: (x[:, 0].astype(int), h0, p), TypeError, ["x_t", "int64"]),
        (lambda x, h0, p: (x[:, 0].astype(np.float32), h0, p), TypeError, ["x_t", "float32",
                                                                              "float64"]),
        (lambda x, h0, p: (x[:, 0, :2], h0, p), ValueError, ["x_t", "(3, 2)", "D=4"]),
        (lambda x, h0, p: (x[:, 0, 0], h0, p), ValueError, ["x_t", "2 dimensions", "(N, D)"]),
        (lambda x, h0, p: (x[:0, 0], h0[:0], p), ValueError, ["x_t", "N=0"]),
        (lambda x, h0, p: (x[:, 0], h0[:2], p), ValueError, ["h_prev", "(2, 5)", "(3, 5)"]),
        (lambda x, h0, p: (x[:, 0], h0[:, :4], p), ValueError, ["h_prev", "H=5"]),
        (lambda x, h0, p: (x[:, 0], h0, {**p, "W_hh": p["W_hh"][:4]}), ValueError,
         ["W_hh", "(4, 5)", "H="]),
        (lambda x, h0, p: (x[:, 0], h0, {**p, "b_h": p["b_h"][:, None]}), ValueError,
         ["b_h", "(H,)"]),
        (lambda x, h0, p: (x[:, 0], h0, {k: v for k, v in p.items() if k != "b_h"}), ValueError,
         ["missing", "b_h"]),
        (lambda x, h0, p: (x[:, 0], h0, list(p.values())), TypeError, ["params", "dict"]),
        (lambda x, h0, p: (x[:, 0], h0, {**p, "W_hh": p["W_hh"] * np.nan}), ValueError,
         ["W_hh", "NaN"]),
        (lambda x, h0, p: (x[:, 0], h0 * np.inf, p), ValueError, ["h_prev", "infinity"]),
        (lambda x, h0, p: (x[:, 0], h0, {**p, "b_h": p["b_h"].astype(np.float32)}), TypeError,
         ["b_h", "float32"]),
    ],
)  # fmt: skip
def test_step_forward_errors(problem, change, error, words):
    x, h0, params, _ = problem
    args = change(x, h0, params)
    with pytest.raises(error) as err:
        rnn.rnn_step_forward(*args)
    for word in words:
        assert word in str(err.value), (word, str(err.value))


def test_sequence_errors(problem):
    x, h0, params, dh = problem
    with pytest.raises(ValueError, match=r"x must have 3 dimensions \(N, T, D\)"):
        rnn.rnn_forward(x[:, 0], h0, params)
    with pytest.raises(ValueError, match="T >= 1"):
        rnn.rnn_forward(x[:, :0], h0, params)
    with pytest.raises(ValueError, match="N >= 1"):
        rnn.rnn_forward(x[:0], h0[:0], params)
    with pytest.raises(ValueError, match="h0 has shape"):
        rnn.rnn_forward(x, h0[:1], params)
    with pytest.raises(ValueError, match="activation must be one of"):
        rnn.rnn_forward(x, h0, params, activation="softsign")


def test_backward_errors(problem):
    x, h0, params, dh = problem
    h, cache = rnn.rnn_forward(x, h0, params)
    with pytest.raises(ValueError, match=r"dh has shape \(3, 1, 5\)"):
        rnn.rnn_backward(dh[:, :1], cache)
    with pytest.raises(TypeError, match="RNNCache"):
        rnn.rnn_backward(dh, cache.steps[0])
    with pytest.raises(TypeError, match="RNNStepCache"):
        rnn.rnn_step_backward(dh[:, 0], cache)
    with pytest.raises(ValueError, match="dh_t has shape"):
        rnn.rnn_step_backward(dh[:, 0, :2], cache.steps[0])
    with pytest.raises(TypeError, match="truncate must be an integer"):
        rnn.rnn_backward(dh, cache, truncate=2.5)
    with pytest.raises(ValueError, match="truncate must be at least 1"):
        rnn.rnn_backward(dh, cache, truncate=0)


def test_gradcheck_helpers():
    x = np.array([1.0, 2.0, 3.0])
    before = x.copy()
    grad = numerical_gradient(lambda v: np.sum(v**3), x)
    np.testing.assert_allclose(grad, 3 * before**2, rtol=1e-9)
    np.testing.assert_array_equal(x, before)  # restored
    with pytest.raises(TypeError, match="floating-point"):
        numerical_gradient(lambda v: v, np.arange(3))
    with pytest.raises(ValueError, match="pass df"):
        numerical_gradient(lambda v: v * 2, x)

    def boom(v):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        numerical_gradient(boom, x)
    np.testing.assert_array_equal(x, before)  # restored even when f fails
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error(np.ones(2), -np.ones(2)) == 1.0
    with pytest.raises(ValueError, match="one shape"):
        rel_error(np.ones(2), np.ones(3))
