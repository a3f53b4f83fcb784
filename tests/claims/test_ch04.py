"""Claims of chapter 04 (LSTM), each quoted from the chapter and recomputed with the package."""

import numpy as np
import pytest
from _quote import quote, quote_quiz

from rnncourse import course_map, interop, lstm, rnn
from rnncourse.activations import sigmoid
from rnncourse.quiz import load_bank
from rnncourse.viz.gates import (
    FREEZE_BIAS,
    PATTERNS,
    input_sequence,
    lstm_explorer_params,
    lstm_gate_trace,
)

D_LONG, H_LONG = 2, 8

# the worked example of section 4: D = H = 1, columns i, f, g, o
HAND = {
    "W_x": np.array([[1.0, -1.0, 2.0, 0.5]]),
    "W_h": np.array([[0.5, 0.5, -1.0, 1.0]]),
    "b": np.array([0.0, 1.0, 0.0, 0.0]),
}
X_HAND = np.array([[[1.0], [0.0], [-1.0]]])


@pytest.fixture(scope="module")
def long_input():
    # the chapter's rng stream: cell 4 draws init_params(2, 3), x_t and c_prev, then x_long
    rng = np.random.default_rng(0)
    lstm.init_params(2, 3, rng)
    rng.standard_normal((1, 2))
    rng.standard_normal((1, 3))
    return rng.standard_normal((1, 100, D_LONG))


def gradient_at_start(x_long, T, cell, forget_bias=1.0):
    # the chapter's function of section 2: ||dh0|| (RNN) or ||dc0|| (LSTM) from a loss on h_T
    x = x_long[:, :T]
    dh = np.zeros((1, T, H_LONG))
    dh[:, -1] = np.ones(H_LONG) / np.sqrt(H_LONG)
    zeros = np.zeros((1, H_LONG))
    if cell == "rnn":
        _, cache = rnn.rnn_forward(
            x, zeros, rnn.init_params(D_LONG, H_LONG, np.random.default_rng(1))
        )
        return np.linalg.norm(rnn.rnn_backward(dh, cache)[1])
    p = lstm.init_params(D_LONG, H_LONG, np.random.default_rng(1), forget_bias=forget_bias)
    _, cache = lstm.lstm_forward(x, zeros, zeros, p)
    return np.linalg.norm(lstm.lstm_backward(dh, cache)[2])


def test_cell_path_is_an_elementwise_product():
    quote("04", "an element-wise product: no matrix, no tanh derivative")
    rng = np.random.default_rng(5)
    p = lstm.init_params(2, 3, rng)
    _, _, cache = lstm.lstm_step_forward(
        rng.standard_normal((4, 2)), rng.standard_normal((4, 3)), rng.standard_normal((4, 3)), p
    )
    dc_t = rng.standard_normal((4, 3))
    _, _, dc_prev, _ = lstm.lstm_step_backward(np.zeros((4, 3)), dc_t, cache)
    assert np.array_equal(dc_prev, dc_t * cache.f)


def test_sigmoid_values_quoted():
    quote("04", "which holds the forget gates near $\\sigma(3) = 0.95$")
    quote("04", "start near $\\sigma(1) = 0.73$")
    assert round(float(sigmoid(3.0)), 2) == 0.95
    assert round(float(sigmoid(1.0)), 2) == 0.73


def test_how_far_the_gradient_gets(long_input):
    quote(
        "04", "Over 50 steps the vanilla RNN's gradient has shrunk to about $10^{-7}$ of its size"
    )
    quote(
        "04",
        "still passes on about $2 \\cdot 10^{-2}$, and even at 100 steps it keeps several per cent",
    )
    quote("04", "With the default bias 1 the LSTM sits in between")
    rnn_50 = gradient_at_start(long_input, 50, "rnn")
    lstm1_50 = gradient_at_start(long_input, 50, "lstm", 1.0)
    lstm3_50 = gradient_at_start(long_input, 50, "lstm", 3.0)
    assert 5e-8 < rnn_50 < 2e-7  # the loss gradient g_T is a unit vector
    assert 1.5e-2 < lstm3_50 < 2.5e-2
    assert 0.02 < gradient_at_start(long_input, 100, "lstm", 3.0) < 0.1
    assert rnn_50 < lstm1_50 < lstm3_50


def test_a_column_need_not_fall_monotonically(long_input):
    quote("04", "so a column need not fall monotonically")
    column = [gradient_at_start(long_input, T, "lstm", 3.0) for T in (10, 25, 50, 100)]
    assert any(b > a for a, b in zip(column, column[1:], strict=False))


def test_forget_bias_orders_of_magnitude(long_input):
    quote(
        "04", "From bias 0 to bias 1, the gradient that survives 50 steps grows by five orders of"
    )
    quote("04", "magnitude, and bias 2 adds more than one more")
    g0, g1, g2 = (gradient_at_start(long_input, 50, "lstm", fb) for fb in (0.0, 1.0, 2.0))
    assert 5 <= np.log10(g1 / g0) < 6
    assert np.log10(g2 / g1) > 1


def test_forward_by_hand():
    quote("04", "$c_1 = 0.5 \\cdot 0 + 0.7311 \\cdot 0.9640 = 0.7048$")
    quote("04", "$h_1 = 0.6225 \\cdot \\tanh(0.7048) = 0.6225 \\cdot 0.6074 = 0.3781$")
    quote("04", "the forget gate opens to 0.77 and keeps most of $c_1$")
    quote("04", "drives $g$ to $-0.98$ and the forget gate to 0.89")
    quote("04", "$c_3 = 0.8907 \\cdot 0.3427 + 0.2886 \\cdot (-0.9755) = 0.0237$")
    h, cache = lstm.lstm_forward(X_HAND, np.zeros((1, 1)), np.zeros((1, 1)), HAND)
    gates = {key: value[0, :, 0] for key, value in lstm.lstm_gates(cache).items()}
    assert np.allclose(gates["c"], [0.7048, 0.3427, 0.0237], atol=5e-5)
    assert np.allclose(h[0, :, 0], [0.3781, 0.1958, 0.0101], atol=5e-5)
    assert round(np.tanh(0.7048), 4) == 0.6074
    assert round(gates["f"][1], 2) == 0.77  # f_2 c_1 keeps 77% of c_1 ...
    assert gates["g"][1] < 0  # ... while the candidate turns negative
    assert round(gates["g"][2], 2) == -0.98 and round(gates["f"][2], 2) == 0.89


def test_backward_by_hand():
    quote("04", "$dc = dc_3 + dh_3\\, o_3 (1 - \\tau_3^2) = 0 + 0.4245 \\cdot 0.9994 = 0.4243$")
    quote(
        "04",
        "$dc_2 = dc\\, f_3 = 0.4243 \\cdot 0.8907 = 0.3779$: the carousel hands 89% of $dc$ back",
    )
    quote("04", "= [-0.0850, 0.0142, 0.0059, 0.0058]$")
    quote("04", "$dh_2 = 0.5(-0.0850) + 0.5(0.0142) - 1(0.0059) + 1(0.0058) = -0.0355$")
    quote("04", "$dx_3 = da\\, W_x^\\top = -0.0844$")
    quote(
        "04",
        "Far more gradient goes back along the cell ($dc_2 = 0.3779$) than through the hidden",
    )
    _, cache = lstm.lstm_forward(X_HAND, np.zeros((1, 1)), np.zeros((1, 1)), HAND)
    step = cache.steps[2]
    dx, dh_prev, dc_prev, grads = lstm.lstm_step_backward(np.ones((1, 1)), np.zeros((1, 1)), step)
    o, tau, f = step.o[0, 0], step.tanh_c[0, 0], step.f[0, 0]
    assert round(1 - tau**2, 4) == 0.9994
    assert round(o * (1 - tau**2), 4) == 0.4243
    assert round(float(dc_prev[0, 0]), 4) == 0.3779 and round(f * 100) == 89
    assert np.allclose(grads["b"], [-0.0850, 0.0142, 0.0059, 0.0058], atol=5e-5)
    assert round(float(dh_prev[0, 0]), 4) == -0.0355
    assert round(float(dx[0, 0]), 4) == -0.0844
    assert np.allclose(grads["W_x"], -grads["b"]) and np.allclose(
        grads["W_h"], step.h_prev * grads["b"]
    )
    assert abs(dc_prev[0, 0]) > 10 * abs(dh_prev[0, 0])


def test_freezing_a_gate_dominates_its_preactivation():
    quote("04", "the rest of the pre-activation stays below about 10 here, even at the largest")
    quote("04", "so the gate stays within $10^{-8}$ of 1 or 0")
    quote("04", "This sets the gate's block of the bias $b$ to $+30$")
    assert FREEZE_BIAS == 30.0
    largest = 0.0
    for pattern in PATTERNS:
        x = input_sequence(pattern)
        for scale in (1.0, 3.0):  # the input-scale slider goes up to 3
            trace = lstm_gate_trace(x, input_scale=scale)
            p = lstm_explorer_params()
            h_prev = np.vstack([np.zeros((1, 3)), trace["h"][:-1]])  # (T, H)
            a = scale * x[:, None] * p["W_x"] + h_prev @ p["W_h"]  # (T, 4H), without the bias
            largest = max(largest, np.abs(a).max())
            for mode, value in (("frozen open", 1.0), ("frozen shut", 0.0)):
                frozen = lstm_gate_trace(x, {"i": mode, "f": mode, "o": mode}, input_scale=scale)
                for gate in "ifo":
                    assert np.abs(frozen[gate] - value).max() < 1e-8
    assert largest < 11


def test_parameter_counts():
    quote("04", "$$4\\,(DH + H^2 + H).$$")
    quote("04", "$$4\\,(DH + H^2 + 2H).$$")
    for D, H in ((10, 20), (3, 5)):  # the chapter's example and the quiz's
        ours = sum(v.size for v in lstm.init_params(D, H, np.random.default_rng(0)).values())
        theirs = sum(
            v.size
            for v in interop.state_dict_from_params(
                lstm.init_params(D, H, np.random.default_rng(0)), "lstm"
            ).values()
        )
        assert ours == 4 * (D * H + H * H + H) and theirs == 4 * (D * H + H * H + 2 * H)
    assert (ours, theirs) == (180, 200)


def test_gate_order_is_pytorchs():
    quote("04", "in the order i, f, g, o (PyTorch's order)")
    assert lstm.GATES == ("i", "f", "g", "o")


def test_fresh_forget_gates_start_near_sigmoid_of_their_bias():
    quote("04", "With a zero bias, $f_t$ starts around $\\sigma(0) = 0.5$")
    quote("04", "$f_t \\approx 0.73$ at first, and far more gradient survives long spans than")
    x = np.random.default_rng(0).standard_normal((256, 1, 8))
    for fb, mean in ((0.0, 0.5), (1.0, 0.73), (2.0, 0.88)):
        p = lstm.init_params(8, 32, np.random.default_rng(2), forget_bias=fb)
        _, cache = lstm.lstm_forward(x, np.zeros((256, 32)), np.zeros((256, 32)), p)
        assert abs(lstm.lstm_gates(cache)["f"].mean() - mean) < 0.03


def test_times_are_in_the_course_map():
    quote(
        "04",
        "The [course map](00_welcome.ipynb#Course-map) in chapter 0 gives the reading and "
        "exercise\ntimes of every chapter.",
    )
    for part in ("04a", "04b"):  # both parts say it; each part has its own times
        reading, exercise = course_map.TIMES[part]
        assert reading > 0 and exercise > 0  # each part practises functions of the exercise


def test_the_exercise_asks_for_four_functions():
    quote(
        "04",
        "write `lstm_step_forward` and\n`lstm_step_backward`, then `lstm_forward` and "
        "`lstm_backward` over a sequence, with a checker\nfor each.",
    )
    quote("04", "its\nfirst function, `lstm_step_forward`, practises this part")
    quote("04", "`lstm_step_backward`, `lstm_forward` and `lstm_backward` practise this part")
    parts = {c.number: c.exercises for c in course_map.CHAPTERS if c.chapter == "04"}
    assert parts == {
        "04a": ("lstm_step_forward",),
        "04b": ("lstm_step_backward", "lstm_forward", "lstm_backward"),
    }


def test_quiz_backward_through_the_forget_gate():
    quote_quiz("04b", "step 3 finds $dc = 0.4243$ (both paths into $c_3$)")
    quote_quiz("04b", "its forget gate is $f_3 = 0.8907$")
    quote_quiz("04b", "$dc_2 = dc \\odot f_3 = 0.4243 \\cdot 0.8907 = 0.3779$")
    quote_quiz("04b", "far more than the $dh_2 = -0.0355$")
    _, cache = lstm.lstm_forward(X_HAND, np.zeros((1, 1)), np.zeros((1, 1)), HAND)
    step = cache.steps[2]
    _, dh_prev, dc_prev, _ = lstm.lstm_step_backward(np.ones((1, 1)), np.zeros((1, 1)), step)
    o, tau, f = step.o[0, 0], step.tanh_c[0, 0], step.f[0, 0]
    dc = o * (1 - tau**2)  # dh_3 = 1, dc_3 = 0
    assert (round(dc, 4), round(f, 4), round(float(dc_prev[0, 0]), 4)) == (0.4243, 0.8907, 0.3779)
    assert round(float(dh_prev[0, 0]), 4) == -0.0355
    # the wrong answers: dc itself, dc divided by f, the share the gate drops
    bank = {q["answer"]: q for q in load_bank("04b") if q["type"] == "number"}
    wrong = [w["value"] for w in bank[0.3779]["wrong"]]
    assert wrong == [round(dc, 4), round(dc / f, 4), round(dc * (1 - f), 4)]
