"""Claims of chapter 06 (deep and bidirectional), quoted from the chapter and recomputed."""

import numpy as np
from _quote import quote, quote_quiz

from rnncourse import course_map, deep, interop, notation, rnn
from rnncourse.framework_reference import reference_file
from rnncourse.viz.receptive import dependency_map

X = np.array([[[1.0], [0.5], [-1.0]]])  # the worked example of section 4
FWD = {"W_xh": np.array([[0.8]]), "W_hh": np.array([[0.5]]), "b_h": np.array([0.0])}
BWD = {"W_xh": np.array([[-0.6]]), "W_hh": np.array([[0.4]]), "b_h": np.array([0.1])}
ZERO = np.zeros((1, 1))


def test_shapes_of_the_table():
    quote("06", "| $W^{(l)}_{xh}$ | (D, H) | (H, H) | (2H, H) |")
    D, H, L = 3, 4, 3
    rng = np.random.default_rng(0)
    one = deep.init_stacked_params("rnn", D, H, L, rng)
    two = deep.init_stacked_params("rnn", D, H, L, rng, bidirectional=True)
    assert [p["W_xh"].shape for p in one] == [(D, H), (H, H), (H, H)]
    assert [pair[0]["W_xh"].shape for pair in two] == [(D, H), (2 * H, H), (2 * H, H)]


def test_worked_example_by_hand():
    quote("06", "at $t = 1$ the forward state $\\tanh(0.8) = 0.6640$ has seen $x_1$ only, while")
    quote("06", "the backward state $-0.4489$ is the *last* state of the backward run")
    h, _ = deep.bidirectional_forward(X, ZERO, ZERO, FWD, BWD)
    assert np.allclose(h[0, :, 0], [0.6640, 0.6243, -0.4525], atol=5e-5)
    assert np.allclose(h[0, :, 1], [-0.4489, 0.0417, 0.6044], atol=5e-5)
    h_rev, _ = rnn.rnn_forward(X[:, ::-1], ZERO, BWD)
    assert h[0, 0, 1] == h_rev[0, -1, 0]  # the backward run's last state sits at t = 1


def test_without_the_second_reversal_position_one_has_seen_only_the_last_input():
    quote("06", "Without it, position 1 holds a state that has seen only $x_3$")
    quote("06", "Position 3 holds a state that has seen everything")

    def seen(reverse_back):
        out = np.zeros((3, 3), dtype=bool)
        base = None
        for s in range(-1, 3):
            x = X.copy()
            if s >= 0:
                x[0, s, 0] += 0.1
            h_rev, _ = rnn.rnn_forward(x[:, ::-1], ZERO, BWD)
            half = (h_rev[:, ::-1] if reverse_back else h_rev)[0, :, 0]
            if s < 0:
                base = half
            else:
                out[:, s] = half != base
        return out

    assert np.array_equal(seen(True), np.triu(np.ones((3, 3), dtype=bool)))
    wrong = seen(False)
    assert wrong[0].tolist() == [False, False, True] and wrong[2].all()


def test_padded_batch():
    quote("06", "The forward halves agree; the backward halves of the short sequence do not.")
    quote("06", "Then the backward direction starts at each sequence's last real input")
    x_batch = np.array([[[1.0], [0.5], [-1.0]], [[1.0], [0.5], [0.0]]])
    lengths = [3, 2]
    zeros2 = np.zeros((2, 1))
    padded, _ = deep.bidirectional_forward(x_batch, zeros2, zeros2, FWD, BWD)
    alone, _ = deep.bidirectional_forward(x_batch[1:, :2], ZERO, ZERO, FWD, BWD)
    assert np.allclose(padded[1, :2, 0], alone[0, :, 0])
    assert not np.allclose(padded[1, :2, 1], alone[0, :, 1])

    def reverse_within(a):
        out = a.copy()
        for n, length in enumerate(lengths):
            out[n, :length] = a[n, length - 1 :: -1]
        return out

    h_rev, _ = rnn.rnn_forward(reverse_within(x_batch), zeros2, BWD)
    assert np.allclose(reverse_within(h_rev)[1, :2, 0], alone[0, :, 1])


def test_which_states_see_which_inputs():
    quote("06", "**One direction is causal at every depth.**")
    quote("06", "**From layer 2 on, everything sees everything.**")
    quote(
        "06",
        "the colours\nstay the same, because the pattern depends only on how the layers are wired",
    )
    T = 5
    lower = np.tril(np.ones((T, T), dtype=bool))
    patterns = {}
    for cell in ("rnn", "lstm", "gru"):
        causal = dependency_map(cell, L=3, bidirectional=False, T=T).sees
        assert all(np.array_equal(causal[layer, 0], lower) for layer in range(3))
        bi = dependency_map(cell, L=2, bidirectional=True, T=T).sees
        assert np.array_equal(bi[0, 0], lower) and np.array_equal(bi[0, 1], lower.T)
        assert bi[1].all()
        patterns[cell] = bi
    assert np.array_equal(patterns["rnn"], patterns["lstm"])
    assert np.array_equal(patterns["rnn"], patterns["gru"])


def test_the_cheating_in_numbers():
    quote("06", "on nothing later: exact zeros")
    quote("06", "depends on $x_4$, the value it is supposed to\npredict")
    rng = np.random.default_rng(3)
    T, D, H, t = 6, 1, 4, 3
    x6 = rng.standard_normal((1, T, D))
    p_fwd, p_bwd = rnn.init_params(D, H, rng), rnn.init_params(D, H, rng)
    zeros = np.zeros((1, H))
    _, c_one = rnn.rnn_forward(x6, zeros, p_fwd)
    dh = np.zeros((1, T, H))
    dh[:, t - 1] = rng.standard_normal(H)
    dx_one = rnn.rnn_backward(dh, c_one)[0]
    assert np.all(dx_one[0, t:] == 0.0) and np.all(dx_one[0, :t] != 0.0)
    _, c_bi = deep.bidirectional_forward(x6, zeros, zeros, p_fwd, p_bwd)
    dh = np.zeros((1, T, 2 * H))
    dh[:, t - 1] = rng.standard_normal(2 * H)
    dx_bi = deep.bidirectional_backward(dh, c_bi)[0]
    assert np.all(dx_bi[0, t:] != 0.0)


def test_a_bidirectional_readout_predicts_noise():
    quote("06", "The one-directional model does what is possible, an error of about 1")
    quote("06", '"predicts" unpredictable noise with a fraction of that error')

    def readout_error(bidirectional, x_train, x_test, H=8, seed=1):
        r = np.random.default_rng(seed)
        p1, p2 = rnn.init_params(1, H, r), rnn.init_params(1, H, r)

        def features(x):
            h0 = np.zeros((x.shape[0], H))
            if bidirectional:
                h, _ = deep.bidirectional_forward(x, h0, h0, p1, p2)
            else:
                h, _ = rnn.rnn_forward(x, h0, p1)
            F = h[:, :-1].reshape(-1, h.shape[2])
            return np.hstack([F, np.ones((F.shape[0], 1))]), x[:, 1:].reshape(-1)

        F, y = features(x_train)
        w = np.linalg.lstsq(F, y, rcond=None)[0]
        F_test, y_test = features(x_test)
        return np.mean((F_test @ w - y_test) ** 2)

    noise = np.random.default_rng(6)
    x_train, x_test = noise.standard_normal((200, 20, 1)), noise.standard_normal((200, 20, 1))
    honest, cheat = (readout_error(b, x_train, x_test) for b in (False, True))
    assert 0.95 < honest < 1.05
    assert cheat < 0.2


def test_parameter_counts():
    quote("06", "so the 96 extra numbers add nothing the")
    quote("06", "every bidirectional layer costs twice as much as a\none-directional one")
    quote("06", "layer 2's input weights are $(2H, 4H)$")
    D, H, L = 4, 6, 2
    rng = np.random.default_rng(0)
    pairs = deep.init_stacked_params("lstm", D, H, L, rng, bidirectional=True)
    ours = sum(v.size for pair in pairs for p in pair for v in p.values())
    theirs = sum(
        v.size
        for layer, pair in enumerate(pairs)
        for direction, p in enumerate(pair)
        for v in interop.state_dict_from_params(p, "lstm", layer, direction).values()
    )
    assert (ours, theirs, theirs - ours) == (1440, 1536, 96)
    assert pairs[1][0]["W_x"].shape == (2 * H, 4 * H)
    single = deep.init_stacked_params("lstm", D, H, L, rng)
    both_directions = sum(v.size for p in pairs[0] for v in p.values())
    assert both_directions == 2 * sum(v.size for v in single[0].values())
    with np.load(reference_file("lstm_2layer_bidirectional"), allow_pickle=False) as stored:
        keys = [k for k in stored.files if k.startswith(("weight_", "bias_"))]
        assert sum(stored[k].size for k in keys) == 1536


def test_final_states_sit_at_opposite_ends():
    quote("06", "The top layer's two final states are also in the output, at *opposite ends*")
    rng = np.random.default_rng(0)
    x4 = rng.standard_normal((1, 4, 1))
    params = deep.init_stacked_params("rnn", 1, 2, 2, rng, bidirectional=True)
    h_top, cache = deep.stacked_forward(x4, None, params, bidirectional=True)
    h_n = deep.stacked_final_states(cache)
    assert np.array_equal(h_n[2], h_top[:, -1, :2]) and np.array_equal(h_n[3], h_top[:, 0, 2:])


def test_counting_per_layer_and_direction():
    quote("06", "so it counts $4H$ more each time")
    quote(
        "06", "A layer and direction of an LSTM has $4H(D_{in} + H) + 4H$ parameters, $4H$ more in"
    )
    quote("06", "row $k$ = `layer * 2 + direction`")
    D, H = 4, 6
    pairs = deep.init_stacked_params("lstm", D, H, 2, np.random.default_rng(0), bidirectional=True)
    for layer, D_in in ((0, D), (1, 2 * H)):
        for direction, p in enumerate(pairs[layer]):
            ours = sum(v.size for v in p.values())
            torch_style = interop.state_dict_from_params(p, "lstm", layer, direction)
            assert ours == 4 * H * (D_in + H) + 4 * H
            assert sum(v.size for v in torch_style.values()) == ours + 4 * H
    x4 = np.random.default_rng(1).standard_normal((1, 4, 1))
    params = deep.init_stacked_params("rnn", 1, 2, 2, np.random.default_rng(2), bidirectional=True)
    _, cache = deep.stacked_forward(x4, None, params, bidirectional=True)
    h_n = deep.stacked_final_states(cache)
    for layer in range(2):
        fwd, bwd = cache.states_final[layer]
        assert np.array_equal(h_n[layer * 2], fwd) and np.array_equal(h_n[layer * 2 + 1], bwd)


def test_forgetting_the_reversal_puts_step_T_plus_1_minus_t_at_t():
    quote("06", "position\n$t$ now holds the backward state of step $T+1-t$")
    h, _ = deep.bidirectional_forward(X, ZERO, ZERO, FWD, BWD)
    h_rev, _ = rnn.rnn_forward(X[:, ::-1], ZERO, BWD)
    T = 3
    for t in range(1, T + 1):
        assert h_rev[0, t - 1, 0] == h[0, T - t, 1]  # h[:, s-1] is step s


def test_times_are_in_the_course_map():
    quote(
        "06",
        "The [course map](00_welcome.ipynb#Course-map) in chapter 0 gives the reading and "
        "exercise\ntimes of every part.",
    )
    for part in ("06a", "06b"):  # both parts say it; each part has its own times
        reading, exercise = course_map.TIMES[part]
        assert reading > 0 and exercise > 0  # each part practises a function of the exercise


def test_each_part_names_the_exercise_function_it_practises():
    quote(
        "06", "its first function, `bidirectional_forward` on top of `rnn.rnn_forward`,\npractises"
    )
    quote("06", "The count, `lstm_param_count`, practises this part")
    parts = {c.number: c.exercises for c in course_map.CHAPTERS if c.chapter == "06"}
    assert parts == {"06a": ("bidirectional_forward",), "06b": ("lstm_param_count",)}


def test_L_counts_layers_here_not_the_loss():
    quote(
        "06",
        "(In this chapter $L$ counts the layers, PyTorch's `num_layers`; it is not\nthe loss $L$ "
        "of chapter 0's table.)",
    )
    assert "| $L$ | `loss` |" in notation.table_markdown()
    layer_params = deep.init_stacked_params("rnn", 3, 4, 2, np.random.default_rng(0))
    assert len(layer_params) == 2  # the L argument is the number of layers


def test_quiz_06a_question_1():
    quote_quiz(
        "06a",
        "A stack of $L = 3$ **bidirectional** tanh RNN layers reads $D = 5$ inputs with $H = "
        "16$ units per direction. What is the shape of layer 2's input matrix $W^{(2)}_{xh}$, "
        "for one direction?",
    )
    quote_quiz(
        "06a",
        "Right: layer 2 reads $h^{(1)}_t = [\\overrightarrow{h}_t, \\overleftarrow{h}_t]$, "
        "which has $2H = 32$ numbers per step, and maps them to its own $H = 16$ units: $(2H, "
        "H)$, as `deep.init_stacked_params(..., bidirectional=True)` builds it.",
    )
    quote_quiz(
        "06a",
        "The input size comes first in the row-vector layout ($h^{(1)}_t W^{(2)}_{xh}$), and "
        "each direction has its own $H = 16$ units; $(H, 2H)$ would be neither.",
    )
    pairs = deep.init_stacked_params("rnn", 5, 16, 3, np.random.default_rng(0), bidirectional=True)
    assert pairs[0][0]["W_xh"].shape == (5, 16)
    assert pairs[1][0]["W_xh"].shape == (32, 16) == pairs[1][1]["W_xh"].shape  # (2H, H)
    assert pairs[2][1]["W_xh"].shape == (32, 16)
    single = deep.init_stacked_params("rnn", 5, 16, 3, np.random.default_rng(0))
    assert single[1]["W_xh"].shape == (16, 16)


def test_quiz_06a_question_2():
    quote_quiz(
        "06a",
        "A bidirectional layer is built with `h_rev, _ = rnn.rnn_forward(x[:, ::-1], ...)` and "
        "then `np.concatenate([h_fwd, h_rev], axis=2)`, without reversing `h_rev` back. What is "
        "wrong?",
    )
    quote_quiz(
        "06a",
        "Position $t$ holds the backward state of step $T + 1 - t$: position 1 has seen only "
        "$x_T$, and never its own input $x_1$",
    )
    quote_quiz(
        "06a",
        "Right: the backward run's first output follows $x_T$, so without `h_rev[:, ::-1]` it "
        "sits at $t = 1$. Position $T$ holds a state that has seen everything, which is why a "
        "prediction at the last step looks fine and the bug survives.",
    )
    quote_quiz(
        "06a",
        "The input reversal `x[:, ::-1]` is there, so the backward cell does read $x_T$ first. "
        "What is missing is the second reversal, of its outputs back into time order.",
    )
    quote_quiz("06a", "`x[:, ::-1]` reverses the batch instead of time")
    quote_quiz(
        "06a",
        "Axis 1 is time, so `x[:, ::-1]` reverses time; it is `x[::-1]` that would reverse the "
        "batch. The bug is the missing reversal of the outputs.",
    )
    h, _ = deep.bidirectional_forward(X, ZERO, ZERO, FWD, BWD)
    h_rev, _ = rnn.rnn_forward(X[:, ::-1], ZERO, BWD)
    T = 3
    assert h_rev[0, 0, 0] == h[0, T - 1, 1]  # without the second reversal, position 1 holds
    only_last, _ = rnn.rnn_forward(X[:, -1:], ZERO, BWD)  # the state after x_T alone
    assert h_rev[0, 0, 0] == only_last[0, 0, 0]
    assert np.array_equal(h_rev[:, ::-1], h[:, :, 1:])  # h_rev[:, ::-1] puts it back
    x = np.arange(12.0).reshape(2, 3, 2)
    assert np.array_equal(x[:, ::-1][:, 0], x[:, 2]) and np.array_equal(x[::-1][0], x[1])


def test_quiz_06a_question_3():
    quote_quiz(
        "06a",
        "A padded batch (short sequences filled with zeros at the end) goes through the "
        "two-reversal recipe `x[:, ::-1]`. What happens to a short sequence?",
    )
    quote_quiz(
        "06a",
        "A zero input still moves the state: the cell computes $\\tanh(0 \\cdot W_{xh} + h "
        "W_{hh} + b_h)$. Section 5's short sequence gets backward states $-0.5106, -0.1588$ in "
        "the batch and $-0.5219, -0.1974$ alone.",
    )
    quote_quiz(
        "06a",
        "Right: `x[:, ::-1]` puts the padding at the start of the backward run. Reversing the "
        "first $L_n$ steps of each sequence (the padding stays at the end) makes the backward "
        "direction start at the last real input; `pack_padded_sequence` does this bookkeeping "
        "in PyTorch.",
    )
    x_batch = np.array([[[1.0], [0.5], [-1.0]], [[1.0], [0.5], [0.0]]])  # section 5's batch
    zeros2 = np.zeros((2, 1))
    padded, _ = deep.bidirectional_forward(x_batch, zeros2, zeros2, FWD, BWD)
    alone, _ = deep.bidirectional_forward(x_batch[1:, :2], ZERO, ZERO, FWD, BWD)
    assert [round(v, 4) for v in padded[1, :2, 1]] == [-0.5106, -0.1588]
    assert [round(v, 4) for v in alone[0, :, 1]] == [-0.5219, -0.1974]
    moved = rnn.rnn_step_forward(np.zeros((1, 1)), np.ones((1, 1)), BWD)[0]
    assert moved[0, 0] != 1.0  # a zero input still moves the state
    lengths = [3, 2]
    flipped = x_batch.copy()
    for n, length in enumerate(lengths):  # reverse the first L_n steps, padding stays at the end
        flipped[n, :length] = x_batch[n, length - 1 :: -1]
    h_rev, _ = rnn.rnn_forward(flipped, zeros2, BWD)
    assert np.allclose(h_rev[1, 1::-1, 0], alone[0, :, 1])


def test_quiz_06b_question_1():
    quote_quiz(
        "06b",
        "A stack of $L = 3$ bidirectional layers with $H = 16$ units per direction reads a "
        "batch of $N = 8$ sequences of $T = 7$ steps. What is the shape of PyTorch's `h_n` (and "
        "of `deep.stacked_final_states`)?",
    )
    quote_quiz(
        "06b",
        "Right: one final state per layer and direction, $2L = 6$ of them, stacked as $(L "
        "\\cdot 2, N, H)$ with row `layer * 2 + direction`; each state has $H = 16$ units for "
        "each of the $N = 8$ sequences.",
    )
    rng = np.random.default_rng(0)
    params = deep.init_stacked_params("rnn", 4, 16, 3, rng, bidirectional=True)
    x = rng.standard_normal((8, 7, 4))
    h_top, cache = deep.stacked_forward(x, None, params, bidirectional=True)
    h_n = deep.stacked_final_states(cache)
    assert h_n.shape == (6, 8, 16) and h_top.shape == (8, 7, 32)
    assert np.array_equal(h_n[2 * 2 + 1], h_top[:, 0, 16:])  # row layer * 2 + direction


def test_quiz_06b_question_2():
    quote_quiz(
        "06b",
        "Ruled out: the output at step $t$ would read $x_{t+1}$, the target itself. Section 8's "
        "bidirectional model 'predicts' pure noise with error 0.13 where the honest best is 1.",
    )
    quote_quiz(
        "06b", "Language modelling: predicting character $t+1$ from characters $1, \\dots, t$"
    )
    noise = np.random.default_rng(6)  # section 8's noise and readout
    x_train, x_test = noise.standard_normal((200, 20, 1)), noise.standard_normal((200, 20, 1))
    honest, cheat = (_readout_error(b, x_train, x_test) for b in (False, True))
    assert (round(cheat, 2), round(honest, 2)) == (0.13, 1.00)
    x = noise.standard_normal((1, 6, 1))  # a causal layer's h_t reads only x_1 .. x_t
    p = rnn.init_params(1, 3, noise)
    nudged = x.copy()
    nudged[0, 3] += 1.0
    a, b = (rnn.rnn_forward(v, np.zeros((1, 3)), p)[0] for v in (x, nudged))
    assert np.array_equal(a[:, :3], b[:, :3]) and not np.allclose(a[:, 3], b[:, 3])


def test_quiz_06b_question_3():
    quote_quiz(
        "06b",
        "A 2-layer bidirectional LSTM, as in the package (one bias per gate), has $D = 10$ "
        "inputs and $H = 20$ units per direction. How many parameters does it have?",
    )
    quote_quiz(
        "06b",
        "Right: layer 1 has $2 \\cdot 4(DH + H^2 + H) = 2 \\cdot 2480 = 4960$; layer 2 reads "
        "$2H = 40$ numbers, so $2 \\cdot 4(2H \\cdot H + H^2 + H) = 2 \\cdot 4880 = 9760$; "
        "together 14720 (the package's `init_stacked_params` holds exactly that).",
    )
    quote_quiz(
        "06b",
        "Per layer and direction an LSTM has $4H(D_{in} + H) + 4H$ numbers, with $D_{in} = D$ "
        "in layer 1 and $D_{in} = 2H$ above it; sum over 2 layers and 2 directions.",
    )
    quote_quiz(
        "06b",
        "That is PyTorch's count: it keeps two bias vectors per layer and direction, $4H = 80$ "
        "more each time, 320 in all, although only their sum enters an LSTM.",
    )
    quote_quiz(
        "06b",
        "That is a one-directional 2-layer LSTM. A bidirectional layer has two independent "
        "cells, and layer 2 of it reads $2H$ numbers per step.",
    )
    quote_quiz(
        "06b",
        "That gives layer 2 the input size $H$. With two directions in layer 1, layer 2 reads "
        "$[\\overrightarrow{h}_t, \\overleftarrow{h}_t]$, $2H = 40$ numbers, so its $W_x$ is "
        "$(2H, 4H)$.",
    )
    pairs = deep.init_stacked_params(
        "lstm", 10, 20, 2, np.random.default_rng(0), bidirectional=True
    )
    per_layer = [sum(v.size for p in pair for v in p.values()) for pair in pairs]
    assert per_layer == [4960, 9760] == [2 * 2480, 2 * 4880] and sum(per_layer) == 14720
    assert pairs[1][0]["W_x"].shape == (40, 80)  # (2H, 4H)
    theirs = sum(
        v.size
        for layer, pair in enumerate(pairs)
        for direction, p in enumerate(pair)
        for v in interop.state_dict_from_params(p, "lstm", layer, direction).values()
    )
    assert theirs == 15040 == 14720 + 4 * 80
    one_way = deep.init_stacked_params("lstm", 10, 20, 2, np.random.default_rng(0))
    assert sum(v.size for p in one_way for v in p.values()) == 5760
    assert 4960 + 2 * 4 * (20 * 20 + 20 * 20 + 20) == 11520  # layer 2 reading H, not 2H
    assert 2 * 4960 == 9920


def _readout_error(bidirectional, x_train, x_test, H=8, seed=1):
    """Part 6b's section 8: a least-squares readout of x_(t+1) from h_t, its test error."""
    r = np.random.default_rng(seed)
    p1, p2 = rnn.init_params(1, H, r), rnn.init_params(1, H, r)

    def features(x):
        h0 = np.zeros((x.shape[0], H))
        if bidirectional:
            h, _ = deep.bidirectional_forward(x, h0, h0, p1, p2)
        else:
            h, _ = rnn.rnn_forward(x, h0, p1)
        F = h[:, :-1].reshape(-1, h.shape[2])
        return np.hstack([F, np.ones((F.shape[0], 1))]), x[:, 1:].reshape(-1)

    F, y = features(x_train)
    w = np.linalg.lstsq(F, y, rcond=None)[0]
    F_test, y_test = features(x_test)
    return np.mean((F_test @ w - y_test) ** 2)
