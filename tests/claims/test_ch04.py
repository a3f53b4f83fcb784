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
        "exercise\ntimes of every part.",
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


def test_quiz_04a_question_1():
    quote_quiz(
        "04a",
        "Right: $c_t = f_t \\odot c_{t-1} + i_t \\odot g_t$ gives $\\partial c_t / \\partial "
        "c_{t-1} = f_t$, element-wise: no matrix and no tanh derivative on the way, so with "
        "$f_t$ near 1 the gradient circulates almost unchanged (the constant error carousel).",
    )
    rng = np.random.default_rng(3)
    p = lstm.init_params(2, 3, rng, forget_bias=30.0)  # f_t near 1
    x = rng.standard_normal((1, 20, 2))
    _, cache = lstm.lstm_forward(x, np.zeros((1, 3)), np.zeros((1, 3)), p)
    dc = np.ones((1, 3))
    dc_back = dc
    for step in reversed(cache.steps):
        dc_back = lstm.lstm_step_backward(np.zeros((1, 3)), dc_back, step)[2]
    assert np.allclose(dc_back, dc, atol=1e-9)  # circulates almost unchanged


def test_quiz_04a_question_3():
    quote_quiz(
        "04a",
        "Section 4's first step has $c_0 = 0$ and $a_1 = (1, 0, 2, 0.5)$ in the blocks i, f, g, "
        "o. What is $h_1$ (4 decimals)?",
    )
    quote_quiz(
        "04a",
        "Right: $i = \\sigma(1) = 0.7311$, $f = \\sigma(0) = 0.5$, $g = \\tanh 2 = 0.9640$, $o "
        "= \\sigma(0.5) = 0.6225$; $c_1 = 0.5 \\cdot 0 + 0.7311 \\cdot 0.9640 = 0.7048$, and "
        "$h_1 = o \\tanh(c_1) = 0.6225 \\cdot 0.6074 = 0.3781$.",
    )
    quote_quiz(
        "04a",
        "That is $\\tanh(c_1)$ without the output gate. $o = \\sigma(0.5) = 0.6225$ scales it.",
    )
    quote_quiz(
        "04a",
        "That is $o \\cdot c_1$: the tanh on the cell state is missing. $h_t = o_t \\odot "
        "\\tanh(c_t)$, so $|h_t| < 1$ even when the cell grows.",
    )
    quote_quiz(
        "04a",
        "That is $o \\cdot g$: the candidate goes into the cell first, scaled by the input gate "
        "($c_1 = i \\odot g = 0.7048$), and $h_1$ reads the squashed cell.",
    )
    quote_quiz(
        "04a",
        "That adds $f$ itself to the cell: the forget gate multiplies the old state, $f \\odot "
        "c_0 = 0.5 \\cdot 0 = 0$, it adds nothing by itself. (And $h_1$ would still need $o "
        "\\odot \\tanh$.)",
    )
    h, cache = lstm.lstm_forward(X_HAND, np.zeros((1, 1)), np.zeros((1, 1)), HAND)
    a_1 = X_HAND[:, 0] @ HAND["W_x"] + HAND["b"]  # h_0 = 0, c_0 = 0
    assert np.allclose(a_1, [[1, 0, 2, 0.5]])
    i, f, g, o = float(sigmoid(1.0)), float(sigmoid(0.0)), np.tanh(2.0), float(sigmoid(0.5))
    assert (round(i, 4), f, round(g, 4), round(o, 4)) == (0.7311, 0.5, 0.9640, 0.6225)
    c_1 = f * 0 + i * g
    assert round(c_1, 4) == 0.7048 and round(np.tanh(c_1), 4) == 0.6074
    assert round(o * np.tanh(c_1), 4) == 0.3781 == round(float(h[0, 0, 0]), 4)
    assert round(o * c_1, 4) == 0.4387 and round(o * g, 4) == 0.6001  # wrong answers
    assert round(f + c_1 + f * 0, 4) == 1.2048
    assert np.abs(np.tanh(np.linspace(-50, 50, 11)) * o).max() < 1  # |h_t| < 1


def test_quiz_04b_question_1():
    quote_quiz(
        "04b",
        "Storing is the input and forget gates' job: $c_t = f_t \\odot c_{t-1} + i_t \\odot "
        "g_t$ does not contain $o_t$. This part's run still holds $c_T = (0.27, 1.24, 0.21)$.",
    )
    quote_quiz(
        "04b", "$h_t$ is 0, yet $c_t$ still stores the input: the cell remembers but does not tell"
    )
    quote_quiz(
        "04b",
        "Right: $h_t = o_t \\odot \\tanh(c_t)$ with $o_t \\approx 0$ gives $|h_t| < 10^{-8}$, "
        "while the cell update, which has no $o_t$ in it, keeps writing.",
    )
    quote_quiz(
        "04b",
        "That is the forget gate frozen shut: $f_t \\approx 0$ gives $c_t = i_t \\odot g_t$, "
        "which follows the input. The output gate only decides what $h_t$ shows.",
    )
    quote_quiz(
        "04b",
        "$o_t$ multiplies $\\tanh(c_t)$ in $h_t$, so with it shut $h_t$ is 0; and $h_t$ feeds "
        "the next step's gates as well as any output.",
    )
    trace = lstm_gate_trace(input_sequence("step"), {"o": "frozen shut"})
    assert [round(v, 2) for v in trace["c"][-1]] == [0.27, 1.24, 0.21]
    assert np.abs(trace["h"]).max() < 1e-8 and np.abs(trace["c"]).max() > 0.2
    shut_f = lstm_gate_trace(input_sequence("step"), {"f": "frozen shut"})
    assert np.allclose(shut_f["c"], shut_f["i"] * shut_f["g"], atol=1e-8)  # c_t = i_t g_t


def test_quiz_04b_question_2():
    quote_quiz("04b", "Why does `lstm.init_params` start the forget gate's bias at 1?")
    quote_quiz(
        "04b",
        "So that the forget gates start near $\\sigma(1) = 0.73$ instead of 0.5, and much more "
        "of the cell state and its gradient survives long spans",
    )
    quote_quiz(
        "04b",
        "Right: a gate near $f$ keeps $f^k$ after $k$ steps. This part measures $\\lVert dc_0 "
        "\\rVert$ over 50 steps: $2.4 \\cdot 10^{-9}$ with bias 0, $3.4 \\cdot 10^{-4}$ with "
        "bias 1. Gers et al. (2000) started the forget gates positive; Jozefowicz et al. (2015) "
        "recommend 1.",
    )
    quote_quiz("04b", "So that the forget gates start fully open, at exactly 1")
    quote_quiz(
        "04b",
        "A sigmoid never reaches 1, and $\\sigma(1) \\approx 0.73$ is far from it; the bias "
        "only tilts the start towards keeping. Training then moves it wherever the task needs.",
    )
    quote_quiz(
        "04b",
        "The forget bias is the forget gate's block $b[H{:}2H]$; it changes only $f_t$. The "
        "input gate has its own block, which starts at 0.",
    )
    assert round(float(sigmoid(1.0)), 2) == 0.73 and float(sigmoid(0.0)) == 0.5
    assert 1 / (1 + np.exp(-1.0)) < 1  # a sigmoid never reaches 1
    H = 3
    b = lstm.init_params(2, H, np.random.default_rng(0))["b"]
    assert np.all(b[H : 2 * H] == 1) and np.all(b[:H] == 0)  # the forget block b[H:2H] is 1
    rng = np.random.default_rng(0)  # the chapter's draws, as in the long_input fixture
    lstm.init_params(2, 3, rng)
    rng.standard_normal((1, 2))
    rng.standard_normal((1, 3))
    x = rng.standard_normal((1, 100, D_LONG))
    g0 = gradient_at_start(x, 50, "lstm", 0.0)
    g1 = gradient_at_start(x, 50, "lstm", 1.0)
    assert (f"{g0:.1e}", f"{g1:.1e}") == ("2.4e-09", "3.4e-04")


def test_quiz_04b_question_3():
    quote_quiz(
        "04b",
        "An LSTM has $D = 10$ inputs and $H = 20$ units. How many numbers do the package's "
        "$W_x$, $W_h$ and $b$ hold together?",
    )
    quote_quiz(
        "04b",
        "Right: $4(DH + H^2 + H) = 4 (200 + 400 + 20) = 2480$, four blocks (i, f, g, o) each "
        "the size of a vanilla cell; this part prints the same count from `lstm.init_params`.",
    )
    quote_quiz(
        "04b",
        "That leaves out the bias $b$, which has $4H = 80$ entries, one per gate and unit (the "
        "forget block starts at 1).",
    )
    p = lstm.init_params(10, 20, np.random.default_rng(0))
    assert p["W_x"].size + p["W_h"].size + p["b"].size == 2480 == 4 * (200 + 400 + 20)
    assert p["b"].size == 80 and 2480 - 80 == 2400


def test_quiz_04b_question_4():
    quote_quiz(
        "04b",
        "Right: $c_3 = f_3 \\odot c_2 + i_3 \\odot g_3$ gives $dc_2 = dc \\odot f_3 = 0.4243 "
        "\\cdot 0.8907 = 0.3779$. The carousel hands 89% of $dc$ back, far more than the $dh_2 "
        "= -0.0355$ that goes back through the gates and $W_h$.",
    )
    _, cache = lstm.lstm_forward(X_HAND, np.zeros((1, 1)), np.zeros((1, 1)), HAND)
    assert round(cache.steps[2].f[0, 0] * 100) == 89  # 89% of dc handed back
