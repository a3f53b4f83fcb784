"""Tests for rnncourse/gradients.py: per-step gradient norms and step Jacobians."""

import time

import numpy as np
import pytest

from rnncourse import bptt, gradcheck, gradients, gru, lstm, rnn
from rnncourse.activations import get_activation

CELL_KWARGS = [
    ("rnn", {"activation": "tanh"}),
    ("rnn", {"activation": "sigmoid"}),
    ("rnn", {"activation": "relu"}),
    ("rnn", {"activation": "identity"}),
    ("lstm", {}),
    ("gru", {"reset_after": True}),
    ("gru", {"reset_after": False}),
]
IDS = ["rnn-tanh", "rnn-sigmoid", "rnn-relu", "rnn-identity", "lstm", "gru", "gru-cho"]


def problem(cell, T=6, D=3, H=4, rho=1.1, seed=0, N=1):
    rng = np.random.default_rng(seed)
    params = gradients.make_params(cell, D, H, rng, rho=rho, recurrent="xavier_normal")
    bias = "b_h" if cell == "rnn" else ("b" if cell == "lstm" else "b_x")
    params[bias] = params[bias] + 0.1 * rng.standard_normal(params[bias].shape)
    x = rng.standard_normal((N, T, D))
    h0 = 0.5 * rng.standard_normal((N, H))
    return x, h0, params


def step_fn(cell, params, x_t, kwargs):
    """The state update s_{t-1} -> s_t of one step as a function of the state (S,)."""
    H = params["W_hh"].shape[0] if cell == "rnn" else params["W_h"].shape[0]

    def f(s):
        s = s[None]  # (1, S)
        if cell == "rnn":
            return rnn.rnn_step_forward(x_t, s, params, kwargs["activation"])[0][0]
        if cell == "lstm":
            h, c, _ = lstm.lstm_step_forward(x_t, s[:, :H], s[:, H:], params)
            return np.concatenate([h, c], axis=1)[0]
        return gru.gru_step_forward(x_t, s, params, kwargs["reset_after"])[0][0]

    return f


def states(cell, x, h0, params, kwargs):
    """The state entering each step, (T, S), from the package's sequence forward."""
    if cell == "rnn":
        _, cache = rnn.rnn_forward(x, h0, params, kwargs["activation"])
        return np.stack([s.h_prev[0] for s in cache.steps])
    if cell == "lstm":
        _, cache = lstm.lstm_forward(x, h0, np.zeros_like(h0), params)
        return np.stack([np.concatenate([s.h_prev[0], s.c_prev[0]]) for s in cache.steps])
    _, cache = gru.gru_forward(x, h0, params, kwargs["reset_after"])
    return np.stack([s.h_prev[0] for s in cache.steps])


def numerical_jacobian(f, s, eps=1e-6):
    J = np.empty((f(s).size, s.size))
    for j in range(s.size):
        e = np.zeros_like(s)
        e[j] = eps
        J[:, j] = (f(s + e) - f(s - e)) / (2 * eps)  # column j: d s_t / d s_{t-1}[j]
    return J


@pytest.mark.parametrize("cell, kwargs", CELL_KWARGS, ids=IDS)
def test_step_jacobians_match_finite_differences(cell, kwargs):
    x, h0, params = problem(cell)
    J = gradients.step_jacobians(cell, x, params, h0, **kwargs)
    S = 8 if cell == "lstm" else 4
    assert J.shape == (6, S, S)
    prev = states(cell, x, h0, params, kwargs)
    for t in range(6):
        numeric = numerical_jacobian(step_fn(cell, params, x[:, t], kwargs), prev[t])
        assert gradcheck.rel_error(J[t], numeric) < 1e-7, t


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "identity"])
def test_rnn_jacobian_is_diag_act_prime_times_W_hh_transposed(activation):
    x, h0, params = problem("rnn")
    J = gradients.step_jacobians("rnn", x, params, h0, activation=activation)
    _, cache = rnn.rnn_forward(x, h0, params, activation)
    _, act_grad = get_activation(activation)
    for t, step in enumerate(cache.steps):
        expected = np.diag(act_grad(step.h_t[0])) @ params["W_hh"].T
        np.testing.assert_allclose(J[t], expected, rtol=1e-12, atol=1e-14)
        # the row-vector backward map is v -> v J_t
        v = np.arange(1.0, 5.0)[None]
        _, dh_prev, _ = rnn.rnn_step_backward(v, step)
        np.testing.assert_allclose(dh_prev, v @ J[t], rtol=1e-12, atol=1e-14)
        # the bound max|act'| sigma_max(W_hh)
        bound = gradients.jacobian_norm_bound(params["W_hh"], activation)
        assert np.linalg.norm(J[t], ord=2) <= bound * (1 + 1e-12)


@pytest.mark.parametrize("cell, kwargs", CELL_KWARGS, ids=IDS)
def test_gradient_norms_equal_the_jacobian_product(cell, kwargs):
    x, h0, params = problem(cell, T=7)
    norms = gradients.gradient_norms(cell, x, params, h0, **kwargs)
    J = gradients.step_jacobians(cell, x, params, h0, **kwargs)
    H = h0.shape[1]
    g_T = np.full((1, H), 1 / np.sqrt(H))  # the default dh_last
    assert norms.shape == (7,)
    assert norms[-1] == pytest.approx(1.0, rel=1e-12)
    for t in range(6):
        P = gradients.jacobian_product(J, t + 1)  # d s_{T-1} / d s_t
        g = g_T @ P[:H]  # the loss reaches only h_{T-1}, the first H entries of the state
        assert norms[t] == pytest.approx(np.linalg.norm(g[:, :H]), rel=1e-10), t


def test_state_gradients_agree_with_the_sequence_backward():
    for cell in gradients.CELLS:
        x, h0, params = problem(cell, T=5, N=2)
        rng = np.random.default_rng(5)
        dh = rng.standard_normal((2, 5, 4))
        if cell == "rnn":
            _, cache = rnn.rnn_forward(x, h0, params)
            _, dh0, _ = rnn.rnn_backward(dh, cache)
            records = list(bptt.bptt_steps(dh, cache))
            got = gradients.state_gradients(dh, cache)
            for r in records:
                np.testing.assert_allclose(got["h"][:, r.t], r.dh_t, rtol=1e-12, atol=1e-15)
        elif cell == "lstm":
            c0 = np.zeros_like(h0)
            _, cache = lstm.lstm_forward(x, h0, c0, params)
            _, dh0, dc0, _ = lstm.lstm_backward(dh, cache)
            got = gradients.state_gradients(dh, cache)
            assert not got["c"][:, -1].any()  # nothing reaches c_T from the future
        else:
            _, cache = gru.gru_forward(x, h0, params)
            _, dh0, _ = gru.gru_backward(dh, cache)
            got = gradients.state_gradients(dh, cache)
        np.testing.assert_allclose(got["h0"], dh0, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(got["h"][:, -1], dh[:, -1], rtol=1e-12)


def test_loss_at_every_step_matches_bptt_records():
    x, h0, params = problem("rnn", T=5, N=2)
    dh_last = np.full((2, 4), 0.25)
    norms = gradients.gradient_norms("rnn", x, params, h0, loss_at="every", dh_last=dh_last)
    _, cache = rnn.rnn_forward(x, h0, params)
    dh = np.broadcast_to(dh_last[:, None], (2, 5, 4)).copy()
    expected = {r.t: np.linalg.norm(r.dh_t) for r in bptt.bptt_steps(dh, cache)}
    np.testing.assert_allclose(norms, [expected[t] for t in range(5)], rtol=1e-12)


def test_gradient_norms_per_step_is_the_loop_over_rnn_step_backward():
    x, h0, params = problem("rnn", T=6, N=3)
    _, cache = rnn.rnn_forward(x, h0, params)
    dh_last = np.random.default_rng(2).standard_normal((3, 4))
    expected, dh_t = np.zeros(6), dh_last
    for t in reversed(range(6)):
        expected[t] = np.linalg.norm(dh_t)
        _, dh_t, _ = rnn.rnn_step_backward(dh_t, cache.steps[t])
    got = gradients.gradient_norms_per_step(dh_last, cache)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert got[-1] == pytest.approx(np.linalg.norm(dh_last))


def test_linear_orthogonal_rnn_keeps_the_norm_and_rho_sets_the_rate():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 20, 3))
    for rho in (0.5, 1.0, 1.5):
        params = gradients.make_params("rnn", 3, 8, np.random.default_rng(1), rho=rho)
        norms = gradients.gradient_norms("rnn", x, params, activation="identity")
        np.testing.assert_allclose(norms, rho ** np.arange(19, -1, -1.0), rtol=1e-10)
        J = gradients.step_jacobians("rnn", x, params, activation="identity")
        np.testing.assert_allclose(gradients.growth_per_step(J), rho, rtol=1e-8)
        sv = gradients.jacobian_singular_values("rnn", x, params, activation="identity")
        assert sv.shape == (20, 8)
        np.testing.assert_allclose(sv, rho, rtol=1e-10)


def test_sigmoid_vanishes_faster_than_tanh_and_lstm_outlives_rnn():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1, 40, 4))
    p = gradients.make_params("rnn", 4, 16, np.random.default_rng(4), rho=1.0)
    tanh = gradients.gradient_norms("rnn", x, p, activation="tanh")
    sigm = gradients.gradient_norms("rnn", x, p, activation="sigmoid")
    assert sigm[0] < 1e-6 * tanh[0]
    q = gradients.make_params("lstm", 4, 16, np.random.default_rng(4), rho=1.0)
    assert gradients.gradient_norms("lstm", x, q)[0] > 10 * tanh[0]


def test_scale_to_spectral_radius():
    rng = np.random.default_rng(0)
    W = rng.standard_normal((6, 6))
    before = W.copy()
    for rho in (0.5, 1.0, 2.0):
        V = gradients.scale_to_spectral_radius(W, rho)
        assert gradients.spectral_radius(V) == pytest.approx(rho, rel=1e-10)
        assert V.dtype == W.dtype
    np.testing.assert_array_equal(W, before)  # not mutated
    W32 = W.astype(np.float32)
    assert gradients.scale_to_spectral_radius(W32, 1.0).dtype == np.float32
    # a non-normal matrix: spectral radius below the largest singular value
    N = np.array([[0.5, 3.0], [0.0, 0.5]])
    assert gradients.spectral_radius(N) == pytest.approx(0.5)
    assert np.linalg.norm(N, ord=2) > 3


@pytest.mark.parametrize("cell", gradients.CELLS)
def test_scale_recurrent_scales_every_block_and_copies(cell):
    params = gradients.make_params(cell, 3, 5, np.random.default_rng(0), recurrent="xavier_normal")
    before = {k: v.copy() for k, v in params.items()}
    scaled = gradients.scale_recurrent(cell, params, 0.7)
    blocks = gradients.recurrent_blocks(cell, scaled)
    assert len(blocks) == {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    for W in blocks.values():
        assert gradients.spectral_radius(np.ascontiguousarray(W)) == pytest.approx(0.7)
    for key in params:
        np.testing.assert_array_equal(params[key], before[key])  # input untouched
        if "W_h" not in key:
            np.testing.assert_array_equal(scaled[key], params[key])


def test_make_params_lstm_forget_bias():
    p = gradients.make_params("lstm", 3, 4, np.random.default_rng(0), forget_bias=2.0)
    np.testing.assert_array_equal(p["b"][4:8], 2.0)
    np.testing.assert_array_equal(p["b"][:4], 0.0)


def test_jacobian_product_order():
    rng = np.random.default_rng(0)
    J = rng.standard_normal((3, 2, 2))
    np.testing.assert_allclose(gradients.jacobian_product(J), J[2] @ J[1] @ J[0])
    np.testing.assert_allclose(gradients.jacobian_product(J, 1, 3), J[2] @ J[1])
    with pytest.raises(ValueError, match="start"):
        gradients.jacobian_product(J, 2, 2)


def test_bad_inputs_are_named():
    x, h0, params = problem("rnn")
    with pytest.raises(ValueError, match="cell must be one of"):
        gradients.gradient_norms("elman", x, params)
    with pytest.raises(ValueError, match="loss_at"):
        gradients.gradient_norms("rnn", x, params, loss_at="first")
    with pytest.raises(ValueError, match="one sequence"):
        gradients.step_jacobians("rnn", np.concatenate([x, x]), params)
    with pytest.raises(ValueError, match="spectral radius 0"):
        gradients.scale_to_spectral_radius(np.triu(np.ones((3, 3)), 1), 1.0)
    with pytest.raises(ValueError, match="rho"):
        gradients.scale_to_spectral_radius(np.eye(3), -1.0)
    with pytest.raises(TypeError, match="rho"):
        gradients.scale_to_spectral_radius(np.eye(3), "1")
    with pytest.raises(ValueError, match="square"):
        gradients.spectral_radius(np.ones((2, 3)))
    _, cache = rnn.rnn_forward(x, h0, params)
    with pytest.raises(ValueError, match="dh_last has shape"):
        gradients.gradient_norms_per_step(np.ones((2, 4)), cache)
    with pytest.raises(TypeError, match="cache must be"):
        gradients.gradient_norms_per_step(np.ones((1, 4)), cache.steps[0])
    with pytest.raises(ValueError, match="activation"):
        gradients.gradient_norms("rnn", x, params, activation="softplus")


def test_default_sizes_are_fast():
    # the widget's work at its defaults (H = 16) and at H = 32, T = 50: printed, not asserted
    for H in (16, 32):
        for cell in gradients.CELLS:
            rng = np.random.default_rng(0)
            params = gradients.make_params(cell, 4, H, rng, rho=1.0)
            x = rng.standard_normal((1, 50, 4))
            start = time.perf_counter()
            norms = gradients.gradient_norms(cell, x, params)
            J = gradients.step_jacobians(cell, x, params)
            gradients.growth_per_step(J)
            elapsed = 1e3 * (time.perf_counter() - start)
            print(f"\n{cell} H={H} T=50: norms + Jacobians + growth in {elapsed:.1f} ms")
            assert norms.shape == (50,) and np.isfinite(J).all()


def test_xavier_normal_sigma_max_is_1_5_to_2_times_rho():
    # make_params' docstring: sigma_max is typically 1.5 to 2 times the spectral radius
    for H in (16, 32, 128):
        ratios = []
        for seed in range(10):
            rng = np.random.default_rng(seed)
            W = gradients.make_params("rnn", 2, H, rng, recurrent="xavier_normal")["W_hh"]
            ratios.append(np.linalg.norm(W, ord=2) / gradients.spectral_radius(W))
        assert 1.5 <= np.median(ratios) <= 2.0, (H, ratios)
