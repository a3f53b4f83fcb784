"""Tests of rnncourse.lstm: gradients, shapes and dtypes, a hand-computed step, gate
behaviour, the parameter layout and bad input."""

import math

import numpy as np
import pytest

from rnncourse import lstm
from rnncourse.gradcheck import numerical_gradient, rel_error

N, T, D, H = 3, 4, 5, 2


def make_params(rng, dtype=np.float64):
    params = lstm.init_params(D, H, rng, dtype=dtype)
    params["b"] = (0.5 * rng.standard_normal(4 * H)).astype(dtype)  # nonzero bias
    return params


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def test_step_backward_matches_numerical_gradient(rng):
    params = make_params(rng)
    x_t, h_prev, c_prev = (rng.standard_normal(s) for s in ((N, D), (N, H), (N, H)))
    dh_t, dc_t = rng.standard_normal((N, H)), rng.standard_normal((N, H))

    def loss(_):
        h_t, c_t, _cache = lstm.lstm_step_forward(x_t, h_prev, c_prev, params)
        return np.sum(h_t * dh_t) + np.sum(c_t * dc_t)

    _, _, cache = lstm.lstm_step_forward(x_t, h_prev, c_prev, params)
    dx_t, dh_prev, dc_prev, grads = lstm.lstm_step_backward(dh_t, dc_t, cache)
    assert set(grads) == set(params)
    for name, analytic, wrt in [
        ("x_t", dx_t, x_t),
        ("h_prev", dh_prev, h_prev),
        ("c_prev", dc_prev, c_prev),
        *((key, grads[key], params[key]) for key in params),
    ]:
        assert analytic.shape == wrt.shape, name
        assert rel_error(analytic, numerical_gradient(loss, wrt)) < 1e-7, name


def test_sequence_backward_matches_numerical_gradient(rng):
    params = make_params(rng)
    x, h0, c0 = (rng.standard_normal(s) for s in ((N, T, D), (N, H), (N, H)))
    dh = rng.standard_normal((N, T, H))

    def loss(_):
        return np.sum(lstm.lstm_forward(x, h0, c0, params)[0] * dh)

    _, cache = lstm.lstm_forward(x, h0, c0, params)
    dx, dh0, dc0, grads = lstm.lstm_backward(dh, cache)
    assert set(grads) == set(params)
    for name, analytic, wrt in [
        ("x", dx, x),
        ("h0", dh0, h0),
        ("c0", dc0, c0),
        *((key, grads[key], params[key]) for key in params),
    ]:
        assert analytic.shape == wrt.shape, name
        assert rel_error(analytic, numerical_gradient(loss, wrt)) < 1e-7, name


def test_backward_does_not_mutate_cache_or_inputs(rng):
    params = make_params(rng)
    x, h0, c0 = (rng.standard_normal(s) for s in ((N, T, D), (N, H), (N, H)))
    dh = rng.standard_normal((N, T, H))
    _, cache = lstm.lstm_forward(x, h0, c0, params)
    before = [np.copy(a) for step in cache.steps for a in step if isinstance(a, np.ndarray)]
    params_before = {k: v.copy() for k, v in params.items()}
    dh_before = dh.copy()
    lstm.lstm_backward(dh, cache)
    after = [a for step in cache.steps for a in step if isinstance(a, np.ndarray)]
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))
    assert all(np.array_equal(params[k], params_before[k]) for k in params)
    assert np.array_equal(dh, dh_before)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_shapes_and_dtype_are_kept(rng, dtype):
    params = make_params(rng, dtype)
    x = rng.standard_normal((N, T, D)).astype(dtype)
    h0, c0 = np.zeros((N, H), dtype), np.zeros((N, H), dtype)
    h, cache = lstm.lstm_forward(x, h0, c0, params)
    assert h.shape == (N, T, H) and h.dtype == dtype
    gates = lstm.lstm_gates(cache)
    assert set(gates) == {"i", "f", "g", "o", "c"}
    assert all(a.shape == (N, T, H) and a.dtype == dtype for a in gates.values())
    dx, dh0, dc0, grads = lstm.lstm_backward(np.ones_like(h), cache)
    assert dx.shape == (N, T, D) and dx.dtype == dtype
    assert dh0.shape == dc0.shape == (N, H) and dh0.dtype == dc0.dtype == dtype
    for key, g in grads.items():
        assert g.shape == params[key].shape and g.dtype == dtype, key


def test_one_step_by_hand():
    # H = D = 1: every gate has one input weight, one recurrent weight and one bias.
    wx, wh, b = [0.5, -0.3, 0.8, 0.2], [0.1, 0.4, -0.6, 0.7], [0.0, 1.0, -0.2, 0.3]
    params = {"W_x": np.array([wx]), "W_h": np.array([wh]), "b": np.array(b)}
    x, h_prev, c_prev = 0.7, -0.4, 0.9

    def sig(v):
        return 1 / (1 + math.exp(-v))

    a = [x * wx[k] + h_prev * wh[k] + b[k] for k in range(4)]
    i, f, g, o = sig(a[0]), sig(a[1]), math.tanh(a[2]), sig(a[3])
    c = f * c_prev + i * g
    h = o * math.tanh(c)
    h_seq, cache = lstm.lstm_forward(
        np.array([[[x]]]), np.array([[h_prev]]), np.array([[c_prev]]), params
    )
    gates = lstm.lstm_gates(cache)
    assert h_seq[0, 0, 0] == pytest.approx(h, rel=1e-12)
    assert gates["c"][0, 0, 0] == pytest.approx(c, rel=1e-12)
    for name, value in zip("ifgo", (i, f, g, o), strict=True):
        assert gates[name][0, 0, 0] == pytest.approx(value, rel=1e-12), name


def test_open_forget_gate_and_shut_input_gate_carry_the_cell_unchanged(rng):
    params = make_params(rng)
    params["b"][0:H] = -50.0  # input gate i = sigmoid(-50) ~ 2e-22: nothing written
    params["b"][H : 2 * H] = 50.0  # forget gate f = sigmoid(50) ~ 1 - 2e-22: all kept
    x = rng.standard_normal((N, T, D))
    h0, c0 = rng.standard_normal((N, H)), rng.standard_normal((N, H))
    h, cache = lstm.lstm_forward(x, h0, c0, params)
    gates = lstm.lstm_gates(cache)
    np.testing.assert_allclose(gates["c"], np.repeat(c0[:, None], T, axis=1), rtol=0, atol=1e-15)
    np.testing.assert_allclose(h, gates["o"] * np.tanh(gates["c"]), rtol=1e-15)
    # and the gradient of the cell state passes back unchanged as well (dc_prev = dc * f)
    dc_t = rng.standard_normal((N, H))
    _, _, dc_prev, _ = lstm.lstm_step_backward(np.zeros((N, H)), dc_t, cache.steps[-1])
    np.testing.assert_allclose(dc_prev, dc_t, rtol=1e-15)


def test_gate_weights_returns_each_block(rng):
    params = make_params(rng)
    W_x, W_h, b = params["W_x"], params["W_h"], params["b"]
    for k, gate in enumerate(lstm.GATES):
        block = lstm.gate_weights(params, gate)
        assert np.array_equal(block["W_x"], W_x[:, k * H : (k + 1) * H])
        assert np.array_equal(block["W_h"], W_h[:, k * H : (k + 1) * H])
        assert np.array_equal(block["b"], b[k * H : (k + 1) * H])
    # the forget gate's pre-activation computed from its block alone matches the gate
    x_t, h_prev, c_prev = (rng.standard_normal(s) for s in ((N, D), (N, H), (N, H)))
    _, _, cache = lstm.lstm_step_forward(x_t, h_prev, c_prev, params)
    wf = lstm.gate_weights(params, "f")
    a_f = x_t @ wf["W_x"] + h_prev @ wf["W_h"] + wf["b"]
    np.testing.assert_allclose(cache.f, 1 / (1 + np.exp(-a_f)), rtol=1e-12)
    with pytest.raises(ValueError, match="gate"):
        lstm.gate_weights(params, "z")


def test_init_params_layout_and_forget_bias(rng):
    params = lstm.init_params(D, H, rng, forget_bias=2.0, dtype=np.float32)
    assert {k: v.shape for k, v in params.items()} == {
        "W_x": (D, 4 * H),
        "W_h": (H, 4 * H),
        "b": (4 * H,),
    }
    assert all(v.dtype == np.float32 for v in params.values())
    np.testing.assert_array_equal(params["b"], [0, 0, 2, 2, 0, 0, 0, 0])
    for gate in lstm.GATES:  # every recurrent block is orthogonal on its own
        W = lstm.gate_weights(params, gate)["W_h"]
        np.testing.assert_allclose(W.T @ W, np.eye(H), atol=1e-6)
    again = lstm.init_params(D, H, np.random.default_rng(0), forget_bias=2.0, dtype=np.float32)
    assert all(np.array_equal(params[k], again[k]) for k in params)  # same seed, same weights


def _good(rng):
    params = make_params(rng)
    return rng.standard_normal((N, D)), np.zeros((N, H)), np.zeros((N, H)), params


@pytest.mark.parametrize(
    "change, error, match",
    [
        (lambda a: {**a, "x_t": np.zeros((N, D + 1))}, ValueError, "x_t"),
        (lambda a: {**a, "x_t": np.zeros((N, 1, D))}, ValueError, "x_t"),
        (lambda a: {**a, "h_prev": np.zeros((N, H + 1))}, ValueError, "h_prev"),
        (lambda a: {**a, "c_prev": np.zeros((N + 1, H))}, ValueError, "c_prev"),
        (lambda a: {**a, "x_t": np.zeros((N, D), dtype=int)}, TypeError, "x_t.*float"),
        (lambda a: {**a, "c_prev": [[0.0] * H] * N}, TypeError, "c_prev"),
        (lambda a: {**a, "h_prev": np.zeros((N, H), np.float32)}, TypeError, "h_prev.*float32"),
        (lambda a: {**a, "c_prev": np.full((N, H), np.nan)}, ValueError, "c_prev.*NaN"),
        (
            lambda a: {**a, "params": {k: v for k, v in a["params"].items() if k != "W_h"}},
            ValueError,
            "missing 'W_h'",
        ),
        (
            lambda a: {**a, "params": {**a["params"], "b": np.zeros(4 * H, np.float32)}},
            TypeError,
            "params\\['b'\\]",
        ),
        (
            lambda a: {
                **a,
                "params": {
                    "W_x": np.zeros((D, 3 * H)),
                    "W_h": np.zeros((H, 3 * H)),
                    "b": np.zeros(3 * H),
                },
            },
            ValueError,
            "4H",
        ),
    ],
)
def test_bad_step_input_names_the_argument(rng, change, error, match):
    x_t, h_prev, c_prev, params = _good(rng)
    args = change({"x_t": x_t, "h_prev": h_prev, "c_prev": c_prev, "params": params})
    with pytest.raises(error, match=match):
        lstm.lstm_step_forward(args["x_t"], args["h_prev"], args["c_prev"], args["params"])


def test_bad_sequence_and_backward_input_names_the_argument(rng):
    params = make_params(rng)
    x, h0, c0 = np.zeros((N, T, D)), np.zeros((N, H)), np.zeros((N, H))
    with pytest.raises(ValueError, match="x has shape"):
        lstm.lstm_forward(np.zeros((N, T, D + 1)), h0, c0, params)
    with pytest.raises(ValueError, match="x must have 3 dimensions"):
        lstm.lstm_forward(np.zeros((N, D)), h0, c0, params)
    with pytest.raises(ValueError, match="h0"):
        lstm.lstm_forward(x, np.zeros((N + 1, H)), c0, params)
    with pytest.raises(ValueError, match="c0"):
        lstm.lstm_forward(x, h0, np.zeros((N, H + 1)), params)
    with pytest.raises(TypeError, match="x is float32"):
        lstm.lstm_forward(x.astype(np.float32), h0, c0, params)
    h, cache = lstm.lstm_forward(x, h0, c0, params)
    with pytest.raises(ValueError, match="dh has shape"):
        lstm.lstm_backward(h[:, :-1], cache)
    with pytest.raises(TypeError, match="LSTMCache"):
        lstm.lstm_backward(h, cache.steps[0])
    with pytest.raises(TypeError, match="LSTMCache"):
        lstm.lstm_gates(cache.steps)
    step = cache.steps[0]
    with pytest.raises(ValueError, match="dc_t"):
        lstm.lstm_step_backward(np.zeros((N, H)), np.zeros((N, H + 1)), step)
    with pytest.raises(TypeError, match="dh_t"):
        lstm.lstm_step_backward(np.zeros((N, H), dtype=int), np.zeros((N, H)), step)
    with pytest.raises(TypeError, match="LSTMStepCache"):
        lstm.lstm_step_backward(np.zeros((N, H)), np.zeros((N, H)), cache)
