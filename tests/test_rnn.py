"""The vanilla RNN cell: numbers, shapes, gradient checks and property tests."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import make_problem
from rnncourse import rnn
from rnncourse.gradcheck import numerical_gradient, rel_error

TOL = 1e-7


def test_step_forward_by_hand():
    # D = H = 1: h_t = tanh(0.5 * 2 + 0.3 * 1 + 0.1) = tanh(1.4)
    params = {"W_xh": np.array([[0.5]]), "W_hh": np.array([[0.3]]), "b_h": np.array([0.1])}
    h_t, cache = rnn.rnn_step_forward(np.array([[2.0]]), np.array([[1.0]]), params)
    assert h_t.shape == (1, 1)
    assert h_t[0, 0] == pytest.approx(math.tanh(1.4), abs=1e-15)
    assert cache.h_t is h_t and cache.activation == "tanh"


def test_sequence_forward_by_hand():
    params = {"W_xh": np.array([[1.0]]), "W_hh": np.array([[0.5]]), "b_h": np.array([0.0])}
    x = np.array([[[1.0], [0.0], [-1.0]]])  # (N=1, T=3, D=1)
    h, _ = rnn.rnn_forward(x, np.zeros((1, 1)), params)
    h1 = math.tanh(1.0)
    h2 = math.tanh(0.5 * h1)
    h3 = math.tanh(-1.0 + 0.5 * h2)
    np.testing.assert_allclose(h[0, :, 0], [h1, h2, h3], rtol=0, atol=1e-15)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "identity"])
def test_step_backward_gradcheck(rng, activation):
    x, h0, params, dh = make_problem(rng, T=1)
    x_t = x[:, 0]
    if activation == "relu":  # keep pre-activations away from the kink at 0
        params["b_h"] += 0.5
    h_t, cache = rnn.rnn_step_forward(x_t, h0, params, activation)
    dh_t = dh[:, 0]
    dx_t, dh_prev, grads = rnn.rnn_step_backward(dh_t, cache)

    def f(_):
        return rnn.rnn_step_forward(x_t, h0, params, activation)[0]

    assert rel_error(numerical_gradient(f, x_t, dh_t), dx_t) < TOL
    assert rel_error(numerical_gradient(f, h0, dh_t), dh_prev) < TOL
    for key in params:
        assert rel_error(numerical_gradient(f, params[key], dh_t), grads[key]) < TOL, key


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_sequence_backward_gradcheck(rng, activation):
    x, h0, params, dh = make_problem(rng, N=2, T=5, D=3, H=4, activation=activation)
    if activation == "relu":
        params["b_h"] += 0.5
        h0 = np.abs(h0)
    h, cache = rnn.rnn_forward(x, h0, params, activation)
    dx, dh0, grads = rnn.rnn_backward(dh, cache)

    def f(_):
        return rnn.rnn_forward(x, h0, params, activation)[0]

    assert rel_error(numerical_gradient(f, x, dh), dx) < TOL
    assert rel_error(numerical_gradient(f, h0, dh), dh0) < TOL
    for key in params:
        assert rel_error(numerical_gradient(f, params[key], dh), grads[key]) < TOL, key


def test_backward_does_not_mutate(rng):
    x, h0, params, dh = make_problem(rng)
    h, cache = rnn.rnn_forward(x, h0, params)
    before = [a.copy() for a in (x, h0, dh, h, *params.values())]
    rnn.rnn_backward(dh, cache)
    rnn.rnn_backward(dh, cache, truncate=2)
    after = (x, h0, dh, h, *params.values())
    assert all(np.array_equal(b, a) for b, a in zip(before, after, strict=True))


def test_backward_twice_gives_same_result(rng):
    x, h0, params, dh = make_problem(rng)
    _, cache = rnn.rnn_forward(x, h0, params)
    first = rnn.rnn_backward(dh, cache)
    second = rnn.rnn_backward(dh, cache)
    for key in params:
        np.testing.assert_array_equal(first[2][key], second[2][key])


def test_truncated_bptt(rng):
    x, h0, params, dh = make_problem(rng, T=6)
    _, cache = rnn.rnn_forward(x, h0, params)
    full = rnn.rnn_backward(dh, cache)
    # k >= T: nothing is cut
    for k in (6, 10):
        dx, dh0, grads = rnn.rnn_backward(dh, cache, truncate=k)
        np.testing.assert_allclose(dx, full[0], atol=1e-12)
        np.testing.assert_allclose(dh0, full[1], atol=1e-12)
        for key in params:
            np.testing.assert_allclose(grads[key], full[2][key], atol=1e-12)
    # k = 1: each output only reaches its own step, so each step sees dh[:, t] alone
    dx, dh0, grads = rnn.rnn_backward(dh, cache, truncate=1)
    expected = sum(rnn.rnn_step_backward(dh[:, t], cache.steps[t])[2]["W_hh"] for t in range(6))
    np.testing.assert_allclose(grads["W_hh"], expected, atol=1e-12)
    np.testing.assert_allclose(dh0, rnn.rnn_step_backward(dh[:, 0], cache.steps[0])[1])
    # truncation changes the answer when k < T
    assert rel_error(rnn.rnn_backward(dh, cache, truncate=3)[2]["W_hh"], full[2]["W_hh"]) > 1e-3


def test_truncated_equals_brute_force(rng):
    """k-step truncation = for each output s, full BPTT on dh that is zero except at s, cut at k."""
    x, h0, params, dh = make_problem(rng, N=2, T=5, D=2, H=3)
    _, cache = rnn.rnn_forward(x, h0, params)
    k = 2
    total = np.zeros_like(params["W_hh"])
    for s in range(5):
        g = dh[:, s]
        for t in range(s, max(s - k, -1), -1):
            _, g, grads = rnn.rnn_step_backward(g, cache.steps[t])
            total += grads["W_hh"]
    np.testing.assert_allclose(rnn.rnn_backward(dh, cache, truncate=k)[2]["W_hh"], total)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(rng, dtype):
    x, h0, params, dh = make_problem(rng, dtype=dtype)
    h, cache = rnn.rnn_forward(x, h0, params)
    dx, dh0, grads = rnn.rnn_backward(dh, cache)
    assert h.dtype == dx.dtype == dh0.dtype == dtype
    assert all(g.dtype == dtype for g in grads.values())


def test_init_params_is_seeded():
    a = rnn.init_params(3, 4, np.random.default_rng(7))
    b = rnn.init_params(3, 4, np.random.default_rng(7))
    assert set(a) == {"W_xh", "W_hh", "b_h"}
    assert a["W_xh"].shape == (3, 4) and a["W_hh"].shape == (4, 4) and a["b_h"].shape == (4,)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])


@settings(max_examples=25, deadline=None)
@given(
    N=st.integers(1, 4),
    T=st.integers(1, 6),
    D=st.integers(1, 5),
    H=st.integers(1, 5),
    seed=st.integers(0, 2**32 - 1),
)
def test_shapes_property(N, T, D, H, seed):
    rng = np.random.default_rng(seed)
    x, h0, params, dh = make_problem(rng, N=N, T=T, D=D, H=H)
    h, cache = rnn.rnn_forward(x, h0, params)
    assert h.shape == (N, T, H)
    assert np.all(np.abs(h) < 1)  # tanh keeps every state inside (-1, 1)
    dx, dh0, grads = rnn.rnn_backward(dh, cache)
    assert dx.shape == x.shape and dh0.shape == h0.shape
    assert {k: g.shape for k, g in grads.items()} == {k: p.shape for k, p in params.items()}
    # The last step of the sequence forward equals a single step from the previous state.
    h_prev = h[:, -2] if T > 1 else h0
    h_last, _ = rnn.rnn_step_forward(x[:, -1], h_prev, params)
    np.testing.assert_allclose(h_last, h[:, -1], atol=1e-12)


@settings(max_examples=10, deadline=None)
@given(T=st.integers(1, 4), H=st.integers(1, 3), seed=st.integers(0, 2**32 - 1))
def test_gradcheck_property(T, H, seed):
    rng = np.random.default_rng(seed)
    x, h0, params, dh = make_problem(rng, N=2, T=T, D=2, H=H)
    _, cache = rnn.rnn_forward(x, h0, params)
    _, _, grads = rnn.rnn_backward(dh, cache)
    num = numerical_gradient(lambda _: rnn.rnn_forward(x, h0, params)[0], params["W_hh"], dh)
    assert rel_error(num, grads["W_hh"]) < TOL
