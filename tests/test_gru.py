"""Tests of rnncourse.gru: gradients for both candidate formulas, shapes and dtypes, a
hand-computed step, gate behaviour, the parameter layout and bad input."""

import math

import numpy as np
import pytest

from rnncourse import gru
from rnncourse.gradcheck import numerical_gradient, rel_error

N, T, D, H = 3, 4, 5, 2
BOTH = pytest.mark.parametrize("reset_after", [True, False])


def make_params(rng, dtype=np.float64):
    params = gru.init_params(D, H, rng, dtype=dtype)
    params["b_x"] = (0.5 * rng.standard_normal(3 * H)).astype(dtype)  # nonzero biases
    params["b_h"] = (0.5 * rng.standard_normal(3 * H)).astype(dtype)
    return params


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@BOTH
def test_step_backward_matches_numerical_gradient(rng, reset_after):
    params = make_params(rng)
    x_t, h_prev = rng.standard_normal((N, D)), rng.standard_normal((N, H))
    dh_t = rng.standard_normal((N, H))

    def step(_):
        return gru.gru_step_forward(x_t, h_prev, params, reset_after)[0]

    _, cache = gru.gru_step_forward(x_t, h_prev, params, reset_after)
    dx_t, dh_prev, grads = gru.gru_step_backward(dh_t, cache)
    assert set(grads) == set(params)
    for name, analytic, wrt in [
        ("x_t", dx_t, x_t),
        ("h_prev", dh_prev, h_prev),
        *((key, grads[key], params[key]) for key in params),
    ]:
        assert analytic.shape == wrt.shape, name
        assert rel_error(analytic, numerical_gradient(step, wrt, dh_t)) < 1e-7, name


@BOTH
def test_sequence_backward_matches_numerical_gradient(rng, reset_after):
    params = make_params(rng)
    x, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    dh = rng.standard_normal((N, T, H))

    def forward(_):
        return gru.gru_forward(x, h0, params, reset_after)[0]

    _, cache = gru.gru_forward(x, h0, params, reset_after)
    dx, dh0, grads = gru.gru_backward(dh, cache)
    assert set(grads) == set(params)
    for name, analytic, wrt in [
        ("x", dx, x),
        ("h0", dh0, h0),
        *((key, grads[key], params[key]) for key in params),
    ]:
        assert analytic.shape == wrt.shape, name
        assert rel_error(analytic, numerical_gradient(forward, wrt, dh)) < 1e-7, name


@BOTH
def test_backward_does_not_mutate_cache_or_inputs(rng, reset_after):
    params = make_params(rng)
    x, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    dh = rng.standard_normal((N, T, H))
    _, cache = gru.gru_forward(x, h0, params, reset_after)
    before = [np.copy(a) for step in cache.steps for a in step if isinstance(a, np.ndarray)]
    params_before = {k: v.copy() for k, v in params.items()}
    dh_before = dh.copy()
    gru.gru_backward(dh, cache)
    after = [a for step in cache.steps for a in step if isinstance(a, np.ndarray)]
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))
    assert all(np.array_equal(params[k], params_before[k]) for k in params)
    assert np.array_equal(dh, dh_before)


@BOTH
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_shapes_and_dtype_are_kept(rng, dtype, reset_after):
    params = make_params(rng, dtype)
    x, h0 = rng.standard_normal((N, T, D)).astype(dtype), np.zeros((N, H), dtype)
    h, cache = gru.gru_forward(x, h0, params, reset_after)
    assert h.shape == (N, T, H) and h.dtype == dtype
    gates = gru.gru_gates(cache)
    assert set(gates) == {"r", "z", "n"}
    assert all(a.shape == (N, T, H) and a.dtype == dtype for a in gates.values())
    dx, dh0, grads = gru.gru_backward(np.ones_like(h), cache)
    assert dx.shape == (N, T, D) and dx.dtype == dtype
    assert dh0.shape == (N, H) and dh0.dtype == dtype
    for key, g in grads.items():
        assert g.shape == params[key].shape and g.dtype == dtype, key


@BOTH
def test_one_step_by_hand(reset_after):
    # H = D = 1: every gate has one weight and one bias on each side.
    wx, wh = [0.5, -0.3, 0.8], [0.1, 0.4, -0.6]
    bx, bh = [0.2, -0.1, 0.3], [-0.4, 0.5, 0.7]
    params = {k: np.array(v) for k, v in {"b_x": bx, "b_h": bh}.items()}
    params.update(W_x=np.array([wx]), W_h=np.array([wh]))
    x, h_prev = 0.7, -0.4

    def sig(v):
        return 1 / (1 + math.exp(-v))

    r = sig(x * wx[0] + bx[0] + h_prev * wh[0] + bh[0])
    z = sig(x * wx[1] + bx[1] + h_prev * wh[1] + bh[1])
    if reset_after:
        n = math.tanh(x * wx[2] + bx[2] + r * (h_prev * wh[2] + bh[2]))
    else:
        n = math.tanh(x * wx[2] + bx[2] + (r * h_prev) * wh[2] + bh[2])
    h = (1 - z) * n + z * h_prev
    h_seq, cache = gru.gru_forward(np.array([[[x]]]), np.array([[h_prev]]), params, reset_after)
    gates = gru.gru_gates(cache)
    assert h_seq[0, 0, 0] == pytest.approx(h, rel=1e-12)
    for name, value in zip("rzn", (r, z, n), strict=True):
        assert gates[name][0, 0, 0] == pytest.approx(value, rel=1e-12), name


@BOTH
def test_update_gate_near_one_copies_the_state(rng, reset_after):
    params = make_params(rng)
    params["b_x"][H : 2 * H] = 50.0  # z = sigmoid(50 + ...) ~ 1: keep h_prev
    x, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    h, cache = gru.gru_forward(x, h0, params, reset_after)
    np.testing.assert_allclose(h, np.repeat(h0[:, None], T, axis=1), rtol=0, atol=1e-15)
    # the gradient passes back unchanged too, and the input gets none
    dh = np.zeros((N, T, H))
    dh[:, -1] = rng.standard_normal((N, H))
    dx, dh0, _ = gru.gru_backward(dh, cache)
    np.testing.assert_allclose(dh0, dh[:, -1], rtol=1e-12)
    np.testing.assert_allclose(dx, 0, atol=1e-15)


def test_the_two_formulas_differ_in_where_the_reset_gate_acts(rng):
    params = make_params(rng)
    x, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    after, before = (gru.gru_forward(x, h0, params, ra)[0] for ra in (True, False))
    assert not np.allclose(after, before)  # in general they differ
    # r * (h_prev W_hn) equals (r * h_prev) W_hn when W_hn does not mix the units (diagonal);
    # then only b_hn, inside r or outside it, tells them apart
    diagonal = {**params, "W_h": params["W_h"].copy(), "b_h": params["b_h"].copy()}
    diagonal["W_h"][:, 2 * H :] = np.diag(rng.standard_normal(H))
    after, before = (gru.gru_forward(x, h0, diagonal, ra)[0] for ra in (True, False))
    assert not np.allclose(after, before)
    diagonal["b_h"][2 * H :] = 0.0
    after, before = (gru.gru_forward(x, h0, diagonal, ra)[0] for ra in (True, False))
    np.testing.assert_allclose(after, before, rtol=1e-13)
    # even with b_hn = 0, a full W_hn mixes the units before the gate in one and after it in
    # the other: different cells
    no_b_hn = {**params, "b_h": np.concatenate([params["b_h"][: 2 * H], np.zeros(H)])}
    after, before = (gru.gru_forward(x, h0, no_b_hn, ra)[0] for ra in (True, False))
    assert not np.allclose(after, before)
    # with the reset gate fully open (r = 1) both reduce to h_prev W_hn + b_hn
    open_r = {**params, "b_x": params["b_x"].copy()}
    open_r["b_x"][:H] = 50.0
    after, before = (gru.gru_forward(x, h0, open_r, ra)[0] for ra in (True, False))
    np.testing.assert_allclose(after, before, rtol=1e-13)
    # reset_after=False only sees b_x + b_h; reset_after=True also sees how they split
    moved = {**params, "b_x": params["b_x"] + params["b_h"], "b_h": np.zeros(3 * H)}
    np.testing.assert_allclose(
        gru.gru_forward(x, h0, moved, False)[0], gru.gru_forward(x, h0, params, False)[0]
    )
    assert not np.allclose(
        gru.gru_forward(x, h0, moved, True)[0], gru.gru_forward(x, h0, params, True)[0]
    )


def test_gate_weights_returns_each_block(rng):
    params = make_params(rng)
    for k, gate in enumerate(gru.GATES):
        block = gru.gate_weights(params, gate)
        assert set(block) == set(params)
        cols = slice(k * H, (k + 1) * H)
        assert np.array_equal(block["W_x"], params["W_x"][:, cols])
        assert np.array_equal(block["W_h"], params["W_h"][:, cols])
        assert np.array_equal(block["b_x"], params["b_x"][cols])
        assert np.array_equal(block["b_h"], params["b_h"][cols])
    # the update gate computed from its block alone matches the gate in the cache
    x_t, h_prev = rng.standard_normal((N, D)), rng.standard_normal((N, H))
    _, cache = gru.gru_step_forward(x_t, h_prev, params)
    wz = gru.gate_weights(params, "z")
    a_z = x_t @ wz["W_x"] + wz["b_x"] + h_prev @ wz["W_h"] + wz["b_h"]
    np.testing.assert_allclose(cache.z, 1 / (1 + np.exp(-a_z)), rtol=1e-12)
    with pytest.raises(ValueError, match="gate"):
        gru.gate_weights(params, "f")


def test_init_params_layout(rng):
    params = gru.init_params(D, H, rng, dtype=np.float32)
    assert {k: v.shape for k, v in params.items()} == {
        "W_x": (D, 3 * H),
        "W_h": (H, 3 * H),
        "b_x": (3 * H,),
        "b_h": (3 * H,),
    }
    assert all(v.dtype == np.float32 for v in params.values())
    assert not params["b_x"].any() and not params["b_h"].any()
    for gate in gru.GATES:  # every recurrent block is orthogonal on its own
        W = gru.gate_weights(params, gate)["W_h"]
        np.testing.assert_allclose(W.T @ W, np.eye(H), atol=1e-6)


@pytest.mark.parametrize(
    "change, error, match",
    [
        (lambda a: {**a, "x_t": np.zeros((N, D + 1))}, ValueError, "x_t"),
        (lambda a: {**a, "x_t": np.zeros(D)}, ValueError, "x_t must have 2 dimensions"),
        (lambda a: {**a, "h_prev": np.zeros((N + 1, H))}, ValueError, "h_prev"),
        (lambda a: {**a, "h_prev": np.zeros((N, H), dtype=int)}, TypeError, "h_prev.*float"),
        (lambda a: {**a, "x_t": np.zeros((N, D), np.float32)}, TypeError, "x_t is float32"),
        (lambda a: {**a, "reset_after": "yes"}, TypeError, "reset_after"),
        (
            lambda a: {**a, "params": {k: v for k, v in a["params"].items() if k != "b_h"}},
            ValueError,
            "missing 'b_h'",
        ),
        (
            lambda a: {**a, "params": {**a["params"], "W_h": np.zeros((H, 3 * H), np.float32)}},
            TypeError,
            "params\\['W_h'\\]",
        ),
        (
            lambda a: {**a, "params": {**a["params"], "b_x": np.zeros(3 * H + 1)}},
            ValueError,
            "params\\['b_x'\\]",
        ),
        (
            lambda a: {
                **a,
                "params": {
                    "W_x": np.zeros((D, 4 * H)),
                    "W_h": np.zeros((H, 4 * H)),
                    "b_x": np.zeros(4 * H),
                    "b_h": np.zeros(4 * H),
                },
            },
            ValueError,
            "3H",
        ),
    ],
)
def test_bad_step_input_names_the_argument(rng, change, error, match):
    good = {
        "x_t": rng.standard_normal((N, D)),
        "h_prev": np.zeros((N, H)),
        "params": make_params(rng),
        "reset_after": True,
    }
    args = change(good)
    with pytest.raises(error, match=match):
        gru.gru_step_forward(args["x_t"], args["h_prev"], args["params"], args["reset_after"])


def test_bad_sequence_and_backward_input_names_the_argument(rng):
    params = make_params(rng)
    x, h0 = np.zeros((N, T, D)), np.zeros((N, H))
    with pytest.raises(ValueError, match="x has shape"):
        gru.gru_forward(np.zeros((N, T, D + 1)), h0, params)
    with pytest.raises(ValueError, match="x has shape"):
        gru.gru_forward(np.zeros((N, 0, D)), h0, params)
    with pytest.raises(ValueError, match="h0"):
        gru.gru_forward(x, np.zeros((N, H + 1)), params)
    with pytest.raises(TypeError, match="h0 is float32"):
        gru.gru_forward(x, h0.astype(np.float32), params)
    h, cache = gru.gru_forward(x, h0, params)
    with pytest.raises(ValueError, match="dh has shape"):
        gru.gru_backward(h[:, :, :-1], cache)
    with pytest.raises(TypeError, match="dh"):
        gru.gru_backward(h.tolist(), cache)
    with pytest.raises(TypeError, match="GRUCache"):
        gru.gru_gates(cache.steps[0])
    with pytest.raises(ValueError, match="dh_t"):
        gru.gru_step_backward(np.zeros((N + 1, H)), cache.steps[0])
    with pytest.raises(TypeError, match="GRUStepCache"):
        gru.gru_step_backward(np.zeros((N, H)), cache)
