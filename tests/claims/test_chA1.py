"""Claims of appendix A1 (errata of the source articles): every stated number or mathematical
fact, quoted from the appendix and recomputed with the package. Item numbers are A1's."""

import math

import numpy as np
import pytest
from _quote import quote, quote_quiz

from rnncourse import activations, bptt, deep, dropout, gradients, gru, layers, losses, lstm, rnn
from rnncourse.activations import sigmoid, softmax
from rnncourse.framework_reference import reference_file
from rnncourse.gradcheck import numerical_gradient, rel_error
from rnncourse.interop import params_from_state_dict


@pytest.fixture(scope="module")
def lstm_ref():
    # PyTorch's stored LSTM of item 8, in the course's layout.
    with np.load(reference_file("lstm")) as stored:
        ref = {key: stored[key] for key in stored.files}
    return ref, params_from_state_dict(ref, "lstm")


def _lstm_variant(ref, params, cell_rule="course", output_rule="course"):
    # Item 8's experiment: the standard gates, only the cell or the output line changed.
    x, h, c = ref["x"], ref["h0"][0], ref["c0"][0]
    hs = []
    g_block = lstm.gate_weights(params, "g")
    for t in range(x.shape[1]):
        _, _, s = lstm.lstm_step_forward(x[:, t], h, c, params)
        c = {
            "course": s.f * c + s.i * s.g,
            "sigma(f) c + sigma(1 - f) g": sigmoid(s.f) * c + sigmoid(1 - s.f) * s.g,
            "f g + (1 - f) c": s.f * s.g + (1 - s.f) * c,
            "(1 - i) g + i c": (1 - s.i) * s.g + s.i * c,
            "x W_xg + b_g": x[:, t] @ g_block["W_x"] + g_block["b"],
        }[cell_rule]
        h = {"course": s.o * np.tanh(c), "h = c": c, "sigma(o)": sigmoid(s.o) * np.tanh(c)}[
            output_rule
        ]
        hs.append(h)
    return np.abs(np.stack(hs, axis=1) - ref["output"]).max()


# ---- B. the vanilla RNN -------------------------------------------------------------------


def test_item5_slopes():
    quote("A1", "Its slope is at most 0.25 (tanh's is 1)")
    z = np.linspace(-6, 6, 1201)
    assert activations.sigmoid_grad(z).max() == 0.25
    assert activations.tanh_grad(z).max() == 1.0


def test_item5_sigmoid_gradient_ten_orders_smaller_twenty_steps_back():
    quote(
        "A1",
        "Twenty steps back, the sigmoid cell's gradient is more than ten orders of magnitude "
        "smaller than the tanh cell's",
    )
    rng = np.random.default_rng(0)  # the notebook's setup(seed=0); cell 7 draws first
    N, T, D, H = 4, 30, 3, 8
    params = rnn.init_params(D, H, rng)
    x = 0.5 * rng.standard_normal((N, T, D))
    back = {
        act: gradients.gradient_norms("rnn", x, params, activation=act)[T - 1 - 20]
        for act in ("tanh", "sigmoid")
    }
    assert back["sigmoid"] / back["tanh"] < 1e-10


def test_item29_s_curves_smooth_relu_unbounded_ranges_open():
    quote("A1", "with slope 0.25 (sigmoid) and 1 (tanh) at 0")
    quote("A1", "$\\sigma(z) = 1 - \\sigma(-z)$ with $\\sigma(-z) > 0$")
    quote("A1", "tanh, $2\\sigma(2z) - 1$")
    assert activations.sigmoid_grad(np.array(0.0)) == 0.25
    assert activations.tanh_grad(np.array(0.0)) == 1.0
    z = np.linspace(-8, 8, 161)
    np.testing.assert_allclose(sigmoid(z), 1 - sigmoid(-z), atol=1e-15)
    np.testing.assert_allclose(np.tanh(z), 2 * sigmoid(2 * z) - 1, atol=1e-15)
    assert np.all(sigmoid(z) > 0) and np.all(sigmoid(z) < 1)
    # ReLU: unbounded and with slope 1 for positive inputs, not a step
    big = np.array([1.0, 10.0, 1e3, 1e6])
    np.testing.assert_array_equal(activations.relu(big), big)
    np.testing.assert_array_equal(activations.relu_grad(big), 1.0)
    # sigma(k z) comes close to a step only for large k
    quote("A1", "come close to a step only when their input is multiplied by a large factor")
    away = np.concatenate([np.linspace(-5, -0.1, 50), np.linspace(0.1, 5, 50)])
    gaps = [np.abs(sigmoid(k * away) - (away > 0)).max() for k in (1, 10, 100)]
    assert gaps[0] > 0.4 and gaps[0] > gaps[1] > gaps[2] and gaps[2] < 1e-4


# ---- C. the LSTM --------------------------------------------------------------------------


def test_item8_article_weights_squeezed():
    quote("A1", "$(\\sigma(0), \\sigma(1)) = (0.5, 0.731)$")
    quote("A1", "The cell can **never keep** more than 73% of its content per step")
    assert sigmoid(0.0) == 0.5 and round(float(sigmoid(1.0)), 3) == 0.731
    f = np.linspace(0, 1, 101)
    assert sigmoid(f).max() <= sigmoid(1.0) < 0.74
    assert sigmoid(1 - f).min() >= 0.5  # at least half the candidate is always written
    quote("A1", "their sum is $1 + \\sigma(f) - \\sigma(f - 1)$, always above 1")
    a = np.linspace(-30, 30, 601)
    np.testing.assert_allclose(sigmoid(a) + sigmoid(1 - a), 1 + sigmoid(a) - sigmoid(a - 1))
    assert np.all(sigmoid(a) + sigmoid(1 - a) > 1)


def test_item8_memory_test_course_holds_article_forgets():
    quote("A1", "The course's cell stores $\\tanh(\\pm 0.9) = \\pm 0.7163$ and holds it exactly")
    quote("A1", "shrinks by $\\sigma(1) = 0.731$ per step: $10^{-7}$ after 50 steps")
    T, big = 50, 50.0
    x = np.zeros((2, T, 2))
    x[:, 0, 0] = 1.0
    x[:, 0, 1] = [0.9, -0.9]
    x[:, 1:, 1] = np.random.default_rng(7).standard_normal(T - 1)
    W_x, W_h, b = np.zeros((2, 4)), np.zeros((1, 4)), np.zeros(4)
    W_x[0, 0], b[0] = 2 * big, -big
    W_x[0, 1], b[1] = -2 * big, big
    W_x[1, 2] = 1.0
    b[3] = big
    _, cache = lstm.lstm_forward(
        x, np.zeros((2, 1)), np.zeros((2, 1)), {"W_x": W_x, "W_h": W_h, "b": b}
    )
    gates = lstm.lstm_gates(cache)
    c_course = gates["c"][:, :, 0]
    assert round(float(np.tanh(0.9)), 4) == 0.7163
    np.testing.assert_allclose(c_course, np.tanh(0.9) * np.array([[1.0], [-1.0]]) * np.ones(T))
    c, gaps = np.zeros(2), []
    for t in range(T):
        c = (
            sigmoid(gates["f"][:, t, 0]) * c
            + sigmoid(1 - gates["f"][:, t, 0]) * gates["g"][:, t, 0]
        )
        gaps.append(c[0] - c[1])
    ratios = np.array(gaps[1:]) / np.array(gaps[:-1])
    np.testing.assert_allclose(ratios, sigmoid(1.0), rtol=1e-9)
    assert 1e-7 <= gaps[-1] < 1e-6  # "10^-7 after 50 steps"


def test_item8_10_13_pytorch_comparison(lstm_ref):
    quote(
        "A1",
        "wrong by about 0.2, against rounding noise (below $10^{-12}$) for the course's update",
    )
    quote("A1", "The PyTorch comparison of item 8 ran $h = c$: wrong by about 0.5")
    ref, params = lstm_ref
    assert _lstm_variant(ref, params) < 1e-12
    for rule in ("sigma(f) c + sigma(1 - f) g", "f g + (1 - f) c", "(1 - i) g + i c"):
        assert 0.15 <= _lstm_variant(ref, params, cell_rule=rule) < 0.25, rule
    assert 0.45 <= _lstm_variant(ref, params, output_rule="h = c") < 0.55
    assert 0.05 <= _lstm_variant(ref, params, output_rule="sigma(o)") < 0.15


def test_item32_cell_from_the_input_alone(lstm_ref):
    quote(
        "A1",
        "It misses PyTorch's output by about 0.5, more than the wrong updates of item 8 "
        "(about 0.2 each)",
    )
    ref, params = lstm_ref
    err = _lstm_variant(ref, params, cell_rule="x W_xg + b_g")
    assert 0.45 <= err < 0.55
    assert err > max(
        _lstm_variant(ref, params, cell_rule=r)
        for r in ("sigma(f) c + sigma(1 - f) g", "f g + (1 - f) c", "(1 - i) g + i c")
    )


def test_item9_raw_input_cannot_join_the_cell():
    quote(
        "A1",
        "The raw input cannot even be added to the cell in general: $x_t$ has D features, "
        "the cell H units",
    )
    with pytest.raises(ValueError):
        np.zeros((1, 3)) + sigmoid(np.zeros((1, 3))) * np.zeros((1, 2))


def test_item11_and_31_the_sign_of_the_weight_decides(lstm_ref):
    quote(
        "A1", "Whether a\nlarge input opens or closes it depends on the sign of the learned weights"
    )
    x = np.array([-3.0, -1.0, 0.0, 1.0, 3.0])
    assert np.all(np.diff(sigmoid(2 * x)) > 0) and np.all(np.diff(sigmoid(-2 * x)) < 0)
    quote("A1", "Even the\nrandomly initialised LSTM of item 8 (PyTorch's) has both signs")
    quote("A1", "That unit's\ninput gate closes as the input grows")
    _, params = lstm_ref
    gate_i = lstm.gate_weights(params, "i")
    W_xi = gate_i["W_x"]
    assert np.sum(W_xi > 0) > 0 and np.sum(W_xi < 0) > 0
    d, j = np.unravel_index(np.argmin(W_xi), W_xi.shape)
    x_grow = np.zeros((5, W_xi.shape[0]))
    x_grow[:, d] = [0.0, 1.0, 2.0, 4.0, 8.0]
    i_gate = sigmoid(x_grow @ W_xi + gate_i["b"])[:, j]
    assert np.all(np.diff(i_gate) < 0)


def test_item12_cell_path_multiplies_by_f_and_gates_do_not_stop_explosions():
    quote("A1", "$dc_{t-1} = dc_t \\odot f_t$, an elementwise product")
    rng = np.random.default_rng(3)
    params = lstm.init_params(2, 3, rng)
    x_t, c_prev = rng.standard_normal((1, 2)), rng.standard_normal((1, 3))
    _, _, step = lstm.lstm_step_forward(x_t, np.zeros((1, 3)), c_prev, params)
    _, _, dc_prev, _ = lstm.lstm_step_backward(np.zeros((1, 3)), np.ones((1, 3)), step)
    np.testing.assert_allclose(dc_prev, step.f, rtol=1e-15)

    quote(
        "A1",
        "At $\\rho = 10$ every draw of the LSTM and of the GRU explodes, by a factor of a "
        "hundred or more",
    )
    quote("A1", "The vanilla RNN's gradient does not")
    N, T, D, H = 4, 60, 3, 8
    first = {}
    for cell in ("rnn", "lstm", "gru"):
        first[cell] = []
        for seed in range(5):
            draw = np.random.default_rng(seed)
            p = gradients.make_params(cell, D, H, draw, rho=10.0)
            x = 0.5 * draw.standard_normal((N, T, D))
            first[cell].append(gradients.gradient_norms(cell, x, p)[0])
    assert min(first["lstm"]) >= 100 and min(first["gru"]) >= 100
    assert max(first["rnn"]) < 1

    quote("A1", "gates reduce vanishing, they do not\nabolish it")
    quote(
        "A1", "at $\\rho = 1$, the gradient that reaches the first\nof 60 steps is below $10^{-2}$"
    )
    for cell in ("lstm", "gru"):
        for seed in range(5):
            draw = np.random.default_rng(seed)
            p = gradients.make_params(cell, D, H, draw, rho=1.0)
            x = 0.5 * draw.standard_normal((N, T, D))
            assert gradients.gradient_norms(cell, x, p)[0] < 1e-2


def test_item13_h_bounded_c_not(lstm_ref):
    quote("A1", "$h_t$ always lies in (-1, 1), while $c_t$ is not bounded by 1")
    # gates wide open and a candidate near 1: c grows by about 1 per step, h stays below 1
    big = 50.0
    params = {"W_x": np.zeros((1, 4)), "W_h": np.zeros((1, 4)), "b": np.array([big, big, big, big])}
    h, cache = lstm.lstm_forward(np.zeros((1, 5, 1)), np.zeros((1, 1)), np.zeros((1, 1)), params)
    c = lstm.lstm_gates(cache)["c"][0, :, 0]
    np.testing.assert_allclose(c, [1, 2, 3, 4, 5])
    assert np.all(np.abs(h) < 1)
    ref, p = lstm_ref
    _, cache = lstm.lstm_forward(ref["x"], ref["h0"][0], ref["c0"][0], p)
    assert np.abs(lstm.lstm_gates(cache)["c"]).max() > np.abs(ref["output"]).max()


def test_item14_gru_about_three_quarters_of_the_lstm():
    quote("A1", "about 3/4 of the LSTM's\nparameters")
    rng = np.random.default_rng(0)
    for D, H in ((65, 128), (128, 128), (32, 256)):
        n_gru = sum(a.size for a in gru.init_params(D, H, rng).values())
        n_lstm = sum(a.size for a in lstm.init_params(D, H, rng).values())
        assert 0.74 < n_gru / n_lstm < 0.76


# ---- D. the GRU ---------------------------------------------------------------------------


def test_item16_reset_shut_candidate_ignores_the_old_state():
    quote("A1", "$r_t$ near 0 makes the candidate **ignore** $h_{t-1}$")
    rng = np.random.default_rng(5)
    params = gru.init_params(3, 4, rng)
    params["b_h"] = 0.5 * rng.standard_normal(12)
    x_t = rng.standard_normal((1, 3))
    gru.gate_weights(params, "r")["b_x"][:] = -50.0
    n = [gru.gru_step_forward(x_t, np.full((1, 4), v), params)[1].n for v in (-0.9, 0.9)]
    np.testing.assert_allclose(n[0], n[1], atol=1e-15)


def test_conventions_update_gate_direction_is_a_sign_flip():
    quote("A1", "converting means negating the update gate's weights and biases")
    rng = np.random.default_rng(6)
    params = gru.init_params(3, 4, rng)
    params["b_x"], params["b_h"] = rng.standard_normal(12), rng.standard_normal(12)
    x_t, h_prev = rng.standard_normal((2, 3)), np.tanh(rng.standard_normal((2, 4)))
    h_course, step = gru.gru_step_forward(x_t, h_prev, params)
    flipped = {k: v.copy() for k, v in params.items()}
    for value in gru.gate_weights(flipped, "z").values():
        value *= -1  # views into flipped
    _, s = gru.gru_step_forward(x_t, h_prev, flipped)
    z_new = s.z  # = 1 - step.z: the share of the new candidate
    np.testing.assert_allclose(z_new, 1 - step.z, atol=1e-15)
    np.testing.assert_allclose((1 - z_new) * h_prev + z_new * s.n, h_course, atol=1e-15)


# ---- E. training --------------------------------------------------------------------------


def test_item17_contributions_sum_to_one_gradient():
    quote("A1", "**adds** every step's contribution\ninto one gradient per parameter")
    rng = np.random.default_rng(8)
    params = rnn.init_params(3, 3, rng)
    x, h0 = rng.standard_normal((2, 4, 3)), 0.5 * rng.standard_normal((2, 3))
    dh = rng.standard_normal((2, 4, 3))
    _, cache = rnn.rnn_forward(x, h0, params)
    records = list(bptt.bptt_steps(dh, cache))
    _, _, grads = rnn.rnn_backward(dh, cache)
    np.testing.assert_allclose(bptt.sum_contributions(records)["W_hh"], grads["W_hh"])


def _dL_dh0(hs, dh, W_hh, article):
    T = dh.shape[1]
    delta = dh[:, T - 1]
    for t in range(T, 0, -1):
        slope = 1 - hs[:, t - 1] ** 2 if article else 1 - hs[:, t] ** 2
        delta = (delta * slope) @ W_hh.T
        if t >= 2:
            delta = delta + dh[:, t - 2]
    return delta


def test_item18_the_recursion_needs_dh_t_plus_1_dh_t():
    quote(
        "A1",
        "The article's version uses the derivative of the *current* step, $1 - h_t^2$, "
        "one step too early",
    )
    rng = np.random.default_rng(9)
    params = rnn.init_params(3, 3, rng)
    params["W_hh"] *= 1.5
    x, h0 = rng.standard_normal((2, 4, 3)), 0.5 * rng.standard_normal((2, 3))
    dh = rng.standard_normal((2, 4, 3))
    h, _ = rnn.rnn_forward(x, h0, params)
    hs = np.concatenate([h0[:, None], h], axis=1)
    numeric = numerical_gradient(lambda _: rnn.rnn_forward(x, h0, params)[0], h0, dh)
    assert rel_error(_dL_dh0(hs, dh, params["W_hh"], False), numeric) < 1e-7
    assert rel_error(_dL_dh0(hs, dh, params["W_hh"], True), numeric) > 1e-2


def test_item20_cross_entropy_keeps_its_gradient_mse_loses_it():
    quote(
        "A1",
        "At $m = 16$ the model gives the true class a probability of $10^{-7}$; cross-entropy's "
        "gradient is as large as ever (about $\\sqrt 2$), while MSE's has fallen to "
        "$3 \\times 10^{-7}$",
    )
    scores, y = np.array([[16.0, 0.0, 0.0]]), np.array([2])
    p = softmax(scores)
    assert 0.5e-7 < p[0, 2] < 2e-7
    _, dce = losses.softmax_cross_entropy(scores, y)
    assert abs(np.linalg.norm(dce) - math.sqrt(2)) < 1e-3
    _, dp = losses.mse_loss(p, np.eye(3)[y])
    dscores = p * (dp - np.sum(dp * p, axis=-1, keepdims=True))
    assert 2.5e-7 < np.linalg.norm(dscores) < 3.5e-7


def test_item21_scaling_the_loss_leaves_the_ratio():
    quote(
        "A1",
        "scales every $\\lVert \\partial L / \\partial h_t \\rVert$ alike; the ratio from "
        "the first step to the last does not move",
    )
    rng = np.random.default_rng(10)
    N, T, D, H = 4, 30, 3, 8
    params = rnn.init_params(D, H, rng)
    x = 0.5 * rng.standard_normal((N, T, D))
    ratios = []
    for scale in (1.0, 100.0):
        norms = gradients.gradient_norms("rnn", x, params, dh_last=np.full((N, H), scale))
        ratios.append(norms[0] / norms[-1])
    assert ratios[0] == pytest.approx(ratios[1], rel=1e-12)


def test_item22_normal_draws_are_unbounded_and_glorot():
    quote("A1", "A normal distribution has no range: any value can occur")
    assert math.erfc(3 / math.sqrt(2)) == pytest.approx(0.0027, abs=5e-5)  # P(|z| > 3)
    quote(
        "A1",
        "$\\sqrt{2 / (\\text{fan-in} + \\text{fan-out})}$, which is **Glorot (Xavier) normal**",
    )
    W = np.random.default_rng(11).standard_normal((400, 200)) * np.sqrt(2 / 600)
    assert W.std() == pytest.approx(np.sqrt(2 / 600), rel=0.02)


def test_item23_a_new_mask_each_step_keeps_few_units():
    quote("A1", "a unit's content\n  survives k steps only with probability $(1 - p)^k$")
    rng = np.random.default_rng(12)
    p, k, units = 0.5, 10, 200_000
    masks = np.stack([dropout.dropout_mask((units,), p, rng) for _ in range(k)])
    assert np.mean(np.all(masks > 0, axis=0)) == pytest.approx((1 - p) ** k, rel=0.15)
    quote("A1", "the kept units are scaled by $1/(1 - p)$ during\n  training")
    assert masks.max() == 1 / (1 - p)


def test_item24_two_directions_concatenated():
    quote("A1", "At every step their states are concatenated, (N, T, 2H)")
    rng = np.random.default_rng(13)
    x = rng.standard_normal((2, 5, 3))
    h0 = np.zeros((2, 4))
    h, _ = deep.bidirectional_forward(
        x, h0, h0, rnn.init_params(3, 4, rng), rnn.init_params(3, 4, rng)
    )
    assert h.shape == (2, 5, 8)


def test_item25_soft_attention_weights_are_positive_and_sum_to_one():
    quote("A1", "a softmax turns the scores into\nweights that are all positive and sum to 1")
    weights = softmax(np.random.default_rng(14).standard_normal((3, 7)) * 5)
    assert np.all(weights > 0)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0)


def test_item27_random_targets_best_mse_is_one_twelfth():
    quote("A1", "$\\mathrm{Var}(U(0, 1)) = 1/12 \\approx 0.083$")
    assert round(1 / 12, 3) == 0.083
    y = np.random.default_rng(15).random(1_000_000)
    assert np.mean((0.5 - y) ** 2) == pytest.approx(1 / 12, rel=0.01)


def test_item28_lstm_nine_years_before_2006():
    quote("A1", "The LSTM of 1997 was the answer to that analysis, nine years before the revival")
    assert 2006 - 1997 == 9


def test_item30_star_and_plus_are_elementwise():
    quote(
        "A1",
        "With one sequence (N = 1) the product of two (1, H) arrays is not even defined; "
        "with N = H it runs",
    )
    rng = np.random.default_rng(16)
    params = lstm.init_params(2, 3, rng)
    for N in (1, 3):
        x_t, c_prev = rng.standard_normal((N, 2)), rng.standard_normal((N, 3))
        _, c_t, s = lstm.lstm_step_forward(x_t, np.zeros((N, 3)), c_prev, params)
        np.testing.assert_allclose(s.f * c_prev + s.i * s.g, c_t)
        if N == 1:
            with pytest.raises(ValueError):
                s.f @ c_prev
        else:
            assert np.abs(s.f @ c_prev + s.i @ s.g - c_t).max() > 0.1


def test_item33_every_step_sends_its_gradient():
    quote(
        "A1",
        "The gradient of $W_{hh}$ that collects every step's output gradient agrees with "
        "a numerical "
        "gradient of the\narticle's own $L$; the one started from the last step's loss does not",
    )
    rng = np.random.default_rng(17)
    N, T, D, H, K = 2, 5, 3, 4, 2
    params = rnn.init_params(D, H, rng)
    W_hy, b_y = rng.standard_normal((H, K)), np.zeros(K)
    x, target = rng.standard_normal((N, T, D)), rng.standard_normal((N, T, K))
    h0 = np.zeros((N, H))

    def loss():
        y = rnn.rnn_forward(x, h0, params)[0] @ W_hy + b_y
        return 0.5 * np.sum((y - target) ** 2) / T

    h, cache = rnn.rnn_forward(x, h0, params)
    dh_every = ((h @ W_hy + b_y - target) / T) @ W_hy.T
    dh_last = np.zeros_like(dh_every)
    dh_last[:, -1] = (h[:, -1] @ W_hy + b_y - target[:, -1]) @ W_hy.T
    numeric = numerical_gradient(lambda _: loss(), params["W_hh"])
    assert rel_error(rnn.rnn_backward(dh_every, cache)[2]["W_hh"], numeric) < 1e-7
    assert rel_error(rnn.rnn_backward(dh_last, cache)[2]["W_hh"], numeric) > 1e-2


def test_item34_same_steps_whatever_the_gradient_does():
    quote(
        "A1",
        "the gradient reaching the first step differs by orders of magnitude, while the "
        "backward pass walks the same number of steps",
    )
    N, T, D, H = 4, 30, 3, 8
    x = 0.5 * np.random.default_rng(18).standard_normal((N, T, D))
    first, steps = [], []
    for rho in (0.5, 1.0):
        p = gradients.make_params("rnn", D, H, np.random.default_rng(1), rho=rho)
        first.append(gradients.gradient_norms("rnn", x, p)[0])
        _, cache = rnn.rnn_forward(x, np.zeros((N, H)), p)
        steps.append(len(list(bptt.bptt_steps(np.ones((N, T, H)), cache))))
    assert first[1] / first[0] > 1e4
    assert steps == [T, T]


# ---- G. conventions and claims that are right ---------------------------------------------


def test_batches_per_epoch():
    quote("A1", "31 batches of 32\n  sequences and one of 8. With 2000 sequences there would be 63")
    assert math.ceil(1000 / 32) == 32 and 1000 - 31 * 32 == 8 and math.ceil(2000 / 32) == 63


def test_third_initialisation_range():
    quote("A1", "does give values\n  in $[-0.005, 0.005)$")
    W = np.random.default_rng(19).random((500, 500)) * 0.01 - 0.005
    assert W.min() >= -0.005 and W.max() < 0.005


# ---- further facts stated in A1 ------------------------------------------------------------


def test_items_1_to_3_dates():
    quote("A1", "Jordan's network (1986) is four years older than Elman's paper (1990)")
    assert 1990 - 1986 == 4
    quote("A1", "Hopfield's network is from **1982**")
    quote("A1", "1997 is the year of the **LSTM**")


def test_item7_backward_reads_tanh_derivative_from_the_state():
    quote("A1", "backward uses $\\tanh'(a_t) = 1 - h_t^2$ from it")
    a = np.linspace(-4, 4, 81)
    np.testing.assert_allclose(activations.tanh_grad(a), 1 - np.tanh(a) ** 2, atol=1e-15)


def test_item15_update_gate_reading_the_reset_state_matches_neither_formulation():
    quote(
        "A1",
        "Feeding $r_t \\odot h_{t-1}$ to the update\ngate makes a different cell, whose numbers",
    )
    quote("A1", "match neither formulation")
    rng = np.random.default_rng(20)
    params = gru.init_params(3, 4, rng)
    params["b_x"], params["b_h"] = 0.5 * rng.standard_normal(12), 0.5 * rng.standard_normal(12)
    x_t, h_prev = rng.standard_normal((2, 3)), np.tanh(rng.standard_normal((2, 4)))
    r_, z_, n_ = (gru.gate_weights(params, g) for g in gru.GATES)
    r = sigmoid(x_t @ r_["W_x"] + r_["b_x"] + h_prev @ r_["W_h"] + r_["b_h"])
    z = sigmoid(x_t @ z_["W_x"] + z_["b_x"] + (r * h_prev) @ z_["W_h"] + z_["b_h"])
    n = np.tanh(x_t @ n_["W_x"] + n_["b_x"] + (r * h_prev) @ n_["W_h"] + n_["b_h"])
    h_article = (1 - z) * n + z * h_prev
    for reset_after in (True, False):
        h_package, _ = gru.gru_step_forward(x_t, h_prev, params, reset_after=reset_after)
        assert np.abs(h_article - h_package).max() > 1e-3


def test_item22_equal_weights_keep_units_identical():
    quote("A1", "so they stay identical forever: H units behave\n  as one")
    rng = np.random.default_rng(21)
    N, T, D, H, K = 8, 6, 2, 4, 3
    sym = {"W_xh": np.full((D, H), 0.3), "W_hh": np.full((H, H), 0.2), "b_h": np.zeros(H)}
    W_hy, b_y = np.full((H, K), 0.1), np.zeros(K)
    x, y = rng.standard_normal((N, T, D)), rng.integers(0, K, N)
    for _ in range(50):
        h, cache = rnn.rnn_forward(x, np.zeros((N, H)), sym)
        scores, out_cache = layers.linear_forward(h[:, -1], W_hy, b_y)
        _, dscores = losses.softmax_cross_entropy(scores, y)
        dh_last, dW_hy, db_y = layers.linear_backward(dscores, out_cache)
        dh = np.zeros_like(h)
        dh[:, -1] = dh_last
        _, _, grads = rnn.rnn_backward(dh, cache)
        sym = {key: sym[key] - 0.5 * grads[key] for key in sym}
        W_hy, b_y = W_hy - 0.5 * dW_hy, b_y - 0.5 * db_y
    assert np.ptp(h, axis=2).max() < 1e-12
    assert np.ptp(sym["W_xh"], axis=1).max() < 1e-12


def test_item26_neighbours_of_a_series_depend_on_each_other():
    quote("A1", "the elements of a sequence **depend** on each other")
    rng = np.random.default_rng(22)
    s = np.zeros(20_000)
    for t in range(1, len(s)):
        s[t] = 0.9 * s[t - 1] + rng.standard_normal()
    shuffled = rng.permutation(s)
    assert np.corrcoef(s[:-1], s[1:])[0, 1] == pytest.approx(0.9, abs=0.02)
    assert abs(np.corrcoef(shuffled[:-1], shuffled[1:])[0, 1]) < 0.03


def test_quiz_numbers_of_the_new_questions():
    quote_quiz("A1b", "a second sigmoid squeezes it into $(\\sigma(0), \\sigma(1)) = (0.5, 0.731)$")
    assert (round(float(sigmoid(0.0)), 3), round(float(sigmoid(1.0)), 3)) == (0.5, 0.731)
    quote_quiz("A1c", "only with probability $(1 - p)^k$, with p = 0.5 and 10 steps")
    quote_quiz("A1c", "about 0.001")
    assert round(0.5**10, 3) == 0.001
    quote_quiz("A1c", "the kept units are scaled by $1/(1 - p)$ instead")
    mask = dropout.dropout_mask((10_000,), 0.5, np.random.default_rng(0))
    assert set(np.unique(mask)) <= {0.0, 2.0}  # kept units carry 1 / (1 - p)


def test_quiz_A1b_question_2():
    quote_quiz(
        "A1b",
        "Right (item 13): the cell state is squashed by tanh, then scaled by the output gate, "
        "so $h_t$ lies in (-1, 1) while $c_t$, which can add up many writes, is not bounded by "
        "1.",
    )
    rng = np.random.default_rng(0)
    p = lstm.init_params(2, 4, rng)
    x = 5 * rng.standard_normal((1, 60, 2))
    p["b"][:4] = 5.0  # input gate open: many writes add up in the cell
    p["b"][4:8] = 8.0  # forget gate open: keep them
    h, cache = lstm.lstm_forward(x, np.zeros((1, 4)), np.zeros((1, 4)), p)
    c = lstm.lstm_gates(cache)["c"]
    assert np.all(np.abs(h) < 1) and np.abs(c).max() > 1  # h in (-1, 1), c not bounded by 1
