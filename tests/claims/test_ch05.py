"""Claims of chapter 05 (GRU), each quoted from the chapter and recomputed with the package."""

import numpy as np
import pytest
from _quote import quote, quote_quiz

from rnncourse import course_map, gru, interop, lstm, rnn
from rnncourse.viz.gru_gates import FREEZE_BIAS, gru_gate_trace

SMALL = {  # the worked example of section 3, blocks r, z, n
    "W_x": np.array([[0.5, -1.0, 1.0]]),
    "W_h": np.array([[1.0, 1.5, -1.0]]),
    "b_x": np.array([0.0, 0.0, 0.0]),
    "b_h": np.array([0.0, 0.0, 0.5]),
}


@pytest.fixture
def step_inputs():
    rng = np.random.default_rng(11)
    D, H = 2, 3
    params = gru.init_params(D, H, rng)
    params["b_x"] = 0.5 * rng.standard_normal(3 * H)
    params["b_h"] = 0.5 * rng.standard_normal(3 * H)
    return params, rng.standard_normal((4, D)), np.tanh(rng.standard_normal((4, H)))


def both(params, x_t, h_prev):
    return [gru.gru_step_forward(x_t, h_prev, params, reset_after=ra)[0] for ra in (True, False)]


def test_step_by_hand():
    quote("05", "$r_1 = \\sigma(0.5 \\cdot 1) = \\sigma(0.5) = 0.6225$")
    quote("05", "$z_1 = \\sigma(-1 \\cdot 1) = 0.2689$")
    quote("05", "$n_1 = \\tanh\\big(1 \\cdot 1 + r_1 (0 + 0.5)\\big) = \\tanh(1.3112) = 0.8646$")
    quote("05", "$h_1 = (1 - 0.2689) \\cdot 0.8646 + 0.2689 \\cdot 0 = 0.6321$")
    quote(
        "05",
        "$r_2 = \\sigma(1 \\cdot 0.6321) = 0.6530$, $z_2 = \\sigma(1.5 \\cdot 0.6321) = 0.7207$",
    )
    quote(
        "05",
        "$h_2 = 0.2793 \\cdot (-0.0860) + 0.7207 \\cdot 0.6321 = 0.4315$: the update gate kept",
    )
    x = np.array([[[1.0], [0.0], [-1.0]]])
    h, cache = gru.gru_forward(x, np.zeros((1, 1)), SMALL)
    g = {key: value[0, :, 0] for key, value in gru.gru_gates(cache).items()}
    assert np.allclose(g["r"][:2], [0.6225, 0.6530], atol=5e-5)
    assert np.allclose(g["z"][:2], [0.2689, 0.7207], atol=5e-5)
    assert np.allclose(g["n"][:2], [0.8646, -0.0860], atol=5e-5)
    assert np.allclose(h[0, :2, 0], [0.6321, 0.4315], atol=5e-5)
    assert round(1 + g["r"][0] * 0.5, 4) == 1.3112
    assert g["z"][1] > 0.5  # "kept most of h_1"


def test_the_two_candidates_are_different_cells(step_inputs):
    quote("05", "Two candidate formulas are in use, and they are **different cells**")
    quote("05", "So setting $b_{hn} = 0$ alone is **not** enough")
    params, x_t, h_prev = step_inputs

    def changed(change):
        p = {key: value.copy() for key, value in params.items()}
        change(p)
        a, b = both(p, x_t, h_prev)
        return np.allclose(a, b, rtol=0, atol=1e-12)

    def b_hn_zero(p):
        gru.gate_weights(p, "n")["b_h"][:] = 0.0

    def diagonal(p):
        W = gru.gate_weights(p, "n")["W_h"]
        W[:] = np.diag(np.diag(W))

    def r_one(p):
        gru.gate_weights(p, "r")["b_x"][:] = 50.0

    assert not changed(lambda p: None)
    assert not changed(b_hn_zero)
    assert not changed(diagonal)
    assert changed(lambda p: (diagonal(p), b_hn_zero(p)))
    assert changed(r_one)


def test_only_the_sum_of_the_biases_matters_except_b_hn_with_reset_after(step_inputs):
    quote("05", "In the gates only the sum $b_x + b_h$")
    quote(
        "05",
        "With the reset before the matrix nothing changes; with the reset after, the state changes",
    )
    params, x_t, h_prev = step_inputs
    for gate, expected in (("r", (True, True)), ("z", (True, True)), ("n", (False, True))):
        moved = {key: value.copy() for key, value in params.items()}
        blocks = gru.gate_weights(moved, gate)
        blocks["b_x"] += blocks["b_h"]
        blocks["b_h"][:] = 0.0
        same = [
            np.allclose(a, b, rtol=0, atol=1e-12)
            for a, b in zip(both(params, x_t, h_prev), both(moved, x_t, h_prev), strict=True)
        ]
        assert tuple(same) == expected, gate  # (reset after, reset before)


def test_negating_z_swaps_the_update_convention(step_inputs):
    quote("05", "swapping the roles of $z$ and $1 - z$ is the same as **negating")
    params, x_t, h_prev = step_inputs
    _, step = gru.gru_step_forward(x_t, h_prev, params)
    other = (1 - step.z) * h_prev + step.z * step.n
    flipped = {key: value.copy() for key, value in params.items()}
    for block in gru.gate_weights(flipped, "z").values():
        block *= -1
    assert np.allclose(other, gru.gru_step_forward(x_t, h_prev, flipped)[0])


def test_the_direct_path_passes_the_gradient_where_z_is_one(step_inputs):
    quote("05", "where $z_t \\approx 1$ the\ngradient passes back to $h_{t-1}$ almost unchanged")
    params, x_t, h_prev = step_inputs
    p = {key: value.copy() for key, value in params.items()}
    gru.gate_weights(p, "z")["b_x"][:] = 50.0
    _, cache = gru.gru_step_forward(x_t, h_prev, p)
    dh_t = np.random.default_rng(2).standard_normal(h_prev.shape)
    _, dh_prev, _ = gru.gru_step_backward(dh_t, cache)
    assert np.allclose(dh_prev, dh_t, atol=1e-12)


def test_parameter_counts_and_three_quarters():
    quote("05", "$3(DH + H^2 + 2H)$, the same count as PyTorch's `nn.GRU`")
    quote(
        "05",
        "The GRU has about three quarters of the LSTM's parameters, and each step does about three",
    )
    rng = np.random.default_rng(0)
    for D, H in ((100, 256), (10, 20)):  # the chapter's example and the quiz's
        p = gru.init_params(D, H, rng)
        ours = sum(v.size for v in p.values())
        theirs = sum(v.size for v in interop.state_dict_from_params(p, "gru").values())
        assert ours == theirs == 3 * (D * H + H * H + 2 * H)
        ratio = ours / sum(v.size for v in lstm.init_params(D, H, rng).values())
        assert 0.74 < ratio < 0.78
    assert ours == 1920 and 4 * (10 * 20 + 400 + 20) == 2480
    assert 3 * (100 * 256 + 256**2) / (4 * (100 * 256 + 256**2)) == 0.75
    rnn_count = sum(v.size for v in rnn.init_params(100, 256, rng).values())
    assert rnn_count == 100 * 256 + 256 * 256 + 256


def test_explorer_things_to_try():
    quote("05", "Freeze r shut (z normal) with the pulse: after $t = 1$ the candidate is 0")
    quote("05", "Now freeze r open\n   and toggle again: nothing changes")
    quote("05", "Freeze z open: $h_t$ is a flat copy of $h_0$ whatever the input")
    quote("05", "block of $b_x$ set to $+50$, so it is 1")
    assert FREEZE_BIAS == 50.0
    shut = gru_gate_trace("pulse", modes={"r": "frozen shut"})
    assert np.abs(shut.n[1:]).max() < 1e-12  # row 0 is t = 1, the pulse; rows 1.. come after
    sine_after = gru_gate_trace("sine", reset_after=True)
    sine_before = gru_gate_trace("sine", reset_after=False)
    assert not np.allclose(sine_after.h, sine_before.h)
    open_after = gru_gate_trace("sine", reset_after=True, modes={"r": "frozen open"})
    open_before = gru_gate_trace("sine", reset_after=False, modes={"r": "frozen open"})
    assert np.allclose(open_after.h, open_before.h, atol=1e-12)
    z_open = gru_gate_trace("noise", modes={"z": "frozen open"})
    assert np.allclose(z_open.h, z_open.h0[None], atol=1e-12)
    z_shut = gru_gate_trace("noise", modes={"z": "frozen shut"})
    assert np.allclose(z_shut.h, z_shut.n, atol=1e-12)


def test_a_unit_with_z_near_one_keeps_its_value():
    quote("05", "a unit with $z_t \\approx 1$ passes its value (and, in the")
    trace = gru_gate_trace("noise", z_bias=50.0)  # z_bias sets b_xz: z = 1 in float64
    assert np.allclose(trace.h, trace.h0[None], atol=1e-12)


def test_each_part_names_the_exercise_functions_it_practises():
    quote("05", "its\nfirst function, `gru_step_forward` (for both values of `reset_after`)")
    quote("05", "`gru_step_backward` practises this part; `gru_step_forward` practises")
    parts = {c.number: c.exercises for c in course_map.CHAPTERS if c.chapter == "05"}
    assert parts == {"05a": ("gru_step_forward",), "05b": ("gru_step_backward",)}


def test_quiz_05a_question_1():
    quote_quiz(
        "05a",
        "In the course's GRU, $h_t = (1 - z_t) \\odot n_t + z_t \\odot h_{t-1}$. For a unit "
        "whose update gate is $z_t = 1$ ...",
    )
    quote_quiz(
        "05a",
        "Right: $z_t$ is the share of the old state that is kept; at $z_t = 1$ the candidate "
        "gets weight 0, and the direct backward path $dh_{t-1} \\mathrel{+}= dh_t \\odot z_t$ "
        "hands the gradient back whole (the GRU's gradient highway).",
    )
    quote_quiz(
        "05a",
        "That is $z_t = 0$ in the course's convention (and $z_t = 1$ in Chung et al.'s, which "
        "swaps $z_t$ and $1 - z_t$). Here $z_t$ multiplies $h_{t-1}$.",
    )
    quote_quiz("05a", "$h_t = 0$: the unit is reset")
    quote_quiz(
        "05a",
        "Resetting is a different gate's job: $r_t$ limits how much of $h_{t-1}$ the candidate "
        "may see. $z_t = 1$ copies the old state, it does not zero it.",
    )
    quote_quiz(
        "05a",
        "That is the reset gate at $r_t = 0$: the candidate is computed from the input alone. "
        "With $z_t = 1$ the candidate is computed as usual but given weight 0.",
    )
    params, x_t, h_prev = _chapter_step()
    p = {key: value.copy() for key, value in params.items()}
    gru.gate_weights(p, "z")["b_x"][:] = 50.0  # z_t = 1 (sigmoid(50) is 1.0 in float64)
    h_t, cache = gru.gru_step_forward(x_t, h_prev, p)
    assert np.allclose(cache.z, 1) and np.array_equal(h_t, h_prev)  # keeps its old value
    dh_t = np.ones_like(h_prev)
    assert np.allclose(gru.gru_step_backward(dh_t, cache)[1], dh_t)  # passes back unchanged
    gru.gate_weights(p, "z")["b_x"][:] = -50.0  # z_t = 0: the candidate
    h_t, cache = gru.gru_step_forward(x_t, h_prev, p)
    assert np.allclose(h_t, cache.n)
    gru.gate_weights(p, "r")["b_x"][:] = -50.0  # r_t = 0: candidate from the input alone
    h_t, cache = gru.gru_step_forward(x_t, h_prev, p)
    assert np.allclose(cache.r, 0)
    moved = {key: value.copy() for key, value in p.items()}
    moved["W_h"][:, 6:] = 0.0  # the candidate's recurrent block no longer matters
    assert np.allclose(gru.gru_step_forward(x_t, h_prev, moved)[1].n, cache.n, atol=1e-12)


def test_quiz_05a_question_2():
    quote_quiz(
        "05a",
        "In section 3's worked example, step 2 has $h_1 = 0.6321$, $z_2 = 0.7207$ and $n_2 = "
        "-0.0860$. What is $h_2$ (4 decimals)?",
    )
    quote_quiz(
        "05a",
        "Right: $h_2 = (1 - z_2)\\, n_2 + z_2\\, h_1 = 0.2793 \\cdot (-0.0860) + 0.7207 \\cdot "
        "0.6321 = 0.4315$: the update gate kept most of $h_1$.",
    )
    quote_quiz(
        "05a",
        "That is $z_2 h_1$ alone: the candidate's share $(1 - z_2) n_2 = -0.0240$ is missing.",
    )
    quote_quiz(
        "05a",
        "That is the candidate $n_2$ itself, what a unit with $z = 0$ would take. With $z_2 = "
        "0.72$ most of the old value stays.",
    )
    x = np.array([[[1.0], [0.0], [-1.0]]])
    h, cache = gru.gru_forward(x, np.zeros((1, 1)), SMALL)
    z_2, n_2 = (gru.gru_gates(cache)[k][0, 1, 0] for k in ("z", "n"))
    h_1 = h[0, 0, 0]
    assert (round(h_1, 4), round(z_2, 4), round(n_2, 4)) == (0.6321, 0.7207, -0.0860)
    assert round(1 - z_2, 4) == 0.2793 and round(float(h[0, 1, 0]), 4) == 0.4315
    # the wrong answers, to the last digit of their 4 decimals (from the exact or the shown values)
    assert abs(z_2 * h_1 - 0.4556) < 1e-4 and round(0.7207 * 0.6321, 4) == 0.4556
    assert round((1 - z_2) * n_2, 4) == -0.0240
    assert abs((1 - z_2) * h_1 + z_2 * n_2 - 0.1145) < 1e-4 and round(z_2, 2) == 0.72


def test_quiz_05a_question_3():
    quote_quiz("05a", "$r_t = 1$ (no reset at all)")
    quote_quiz("05a", "$W_{hn}$ diagonal and $b_{hn} = 0$")
    quote_quiz(
        "05a",
        "True: $[(r \\odot h) W]_j = \\sum_i r_i h_i W_{ij}$ and $[r \\odot (h W)]_j = r_j "
        "\\sum_i h_i W_{ij}$ agree when only $W_{jj}$ is nonzero, and the biases $b_{hn}$ and "
        "$r \\odot b_{hn}$ agree when $b_{hn} = 0$.",
    )
    quote_quiz("05a", "$b_{hn} = 0$ alone")
    quote_quiz(
        "05a",
        "Alone it is not enough: the matrix terms still differ, since $r_t$ scales the inputs "
        "of $W_{hn}$ in one formula and its outputs in the other; this part measures a "
        "difference of up to 0.158.",
    )
    quote_quiz(
        "05a",
        "Alone it is not enough: the reset-after formula also multiplies the bias, $r_t \\odot "
        "b_{hn}$, while reset-before adds $b_{hn}$ unscaled; this part's run differs by up to "
        "0.029.",
    )
    quote_quiz(
        "05a",
        "They are different cells: on the same weights this part's step gives $-0.6864, 0.6873, "
        "-0.0169$ after and $-0.717, 0.4184, -0.0156$ before. Weights trained in one formula "
        "make a different network in the other.",
    )
    params, x_t, h_prev = _chapter_step()

    def gap(change):
        p = {key: value.copy() for key, value in params.items()}
        change(p)
        a, b = (gru.gru_step_forward(x_t, h_prev, p, reset_after=ra)[0] for ra in (True, False))
        return np.abs(a - b).max()

    def b_hn_zero(p):
        gru.gate_weights(p, "n")["b_h"][:] = 0.0

    def diagonal(p):
        W = gru.gate_weights(p, "n")["W_h"]
        W[:] = np.diag(np.diag(W))

    def r_one(p):
        gru.gate_weights(p, "r")["b_x"][:] = 50.0

    assert gap(r_one) < 1e-12 and gap(lambda p: (diagonal(p), b_hn_zero(p))) < 1e-12
    assert round(gap(b_hn_zero), 3) == 0.158 and round(gap(diagonal), 3) == 0.029
    after, before = (
        gru.gru_step_forward(x_t, h_prev, params, reset_after=ra)[0] for ra in (True, False)
    )
    assert [round(v, 4) for v in after[0]] == [-0.6864, 0.6873, -0.0169]
    assert [round(v, 4) for v in before[0]] == [-0.717, 0.4184, -0.0156]


def test_quiz_05b_question_2():
    quote_quiz(
        "05b",
        "Right: $h_t = (1 - z_t) \\odot n_t + z_t \\odot h_{t-1}$ contains $h_{t-1}$ directly, "
        "scaled by $z_t$, so $dh_{t-1} \\mathrel{+}= dh_t \\odot z_t$: the GRU's gradient "
        "highway, which hands the gradient back almost whole where $z_t \\approx 1$.",
    )
    params, x_t, h_prev = _chapter_step()
    p = {key: value.copy() for key, value in params.items()}
    gru.gate_weights(p, "z")["b_x"][:] = 50.0  # z_t = 1: the highway hands dh_t back whole
    _, cache = gru.gru_step_forward(x_t, h_prev, p)
    dh_t = np.random.default_rng(2).standard_normal(h_prev.shape)
    assert np.allclose(gru.gru_step_backward(dh_t, cache)[1], dh_t, atol=1e-12)


def test_quiz_05b_question_3():
    quote_quiz(
        "05b",
        "A GRU as in the package and PyTorch (two biases) has $D = 10$ inputs and $H = 20$ "
        "units. How many parameters does it have?",
    )
    quote_quiz(
        "05b",
        "Right: $3(DH + H^2 + 2H) = 3(200 + 400 + 40) = 1920$: three blocks r, z, n, each with "
        "input and recurrent weights and two biases of $H$ (`gru.init_params(10, 20, rng)` "
        "holds 1920 numbers).",
    )
    quote_quiz("05b", "That leaves out both biases, $2 \\cdot 3H = 120$ numbers.")
    p = gru.init_params(10, 20, np.random.default_rng(0))
    assert sum(v.size for v in p.values()) == 1920 == 3 * (200 + 400 + 40)
    assert p["b_x"].size + p["b_h"].size == 120 == 2 * 3 * 20 and 1920 - 120 == 1800
    assert 3 * (200 + 400 + 20) == 1860 and 4 * (200 + 400 + 20) == 2480
    assert 200 + 400 + 20 == 620


def _chapter_step():
    """Part 5a's step of section 4: setup(seed=0), then init_params(2, 3), biases, x_t, h_prev."""
    rng = np.random.default_rng(0)
    gru.init_params(2, 3, rng)  # section 2's params
    params = gru.init_params(2, 3, rng)
    params["b_x"] = 0.5 * rng.standard_normal(9)
    params["b_h"] = 0.5 * rng.standard_normal(9)
    return params, rng.standard_normal((1, 2)), np.tanh(rng.standard_normal((1, 3)))
