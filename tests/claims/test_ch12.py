"""Claims of chapter 12 (from numpy to frameworks): its numbers, shapes and comparisons, quoted
and recomputed from the stored PyTorch numbers and the package."""

import inspect
import re

import numpy as np
import pytest
from _quote import ROOT, quote, quote_quiz

from rnncourse import check, course_map, deep, interop, lstm, notation, rnn
from rnncourse.activations import sigmoid
from rnncourse.framework_reference import load_reference, reference_file, reference_names

CONFIGURATIONS = [
    "rnn_tanh",
    "rnn_relu",
    "lstm",
    "gru",
    "rnn_tanh_2layer_bidirectional",
    "lstm_2layer_bidirectional",
    "gru_2layer_bidirectional",
    "lstm_3layer",
]


def _stored(name):
    return load_reference(name, live=False)


def test_times_and_exercise_are_in_the_course_map():
    quote(
        "12",
        "The [course map](00_welcome.ipynb#Course-map) in chapter 0 gives the reading and "
        "exercise\ntimes of every chapter.",
    )
    assert course_map.TIMES["12a"][0] > 0
    chapter = next(c for c in course_map.CHAPTERS if c.number == "12b")
    assert course_map.TIMES["12b"][1] > 0 and chapter.exercises == ("params_from_state_dict",)
    quote("12", "write\n`params_from_state_dict`, which reads one layer and direction of a PyTorch")
    exercise = ROOT / "exercises" / "12_numpy_to_frameworks.ipynb"
    assert exercise.exists() and callable(check.params_from_state_dict)
    assert "check.params_from_state_dict(" in exercise.read_text()
    assert "layer=0, direction=0" in str(inspect.signature(interop.params_from_state_dict))


def test_the_stored_numbers_and_their_shapes():
    quote("12", "in `rnncourse/data/torch_reference/`")
    quote("12", "ran it on random inputs x (N, T, D) = (3, 5, 4)")
    assert reference_file("lstm").parent.parts[-2:] == ("data", "torch_reference")
    a = _stored("lstm").arrays
    assert a["x"].shape == (3, 5, 4)
    quote(
        "12",
        "with one row per layer\nand direction (here $K = 1$; not the output size $K$ of chapter "
        "0's table), the weights are $(4H, D)$ and",
    )
    assert "K for a general output size" in notation.table_markdown()
    H = a["h0"].shape[-1]
    assert a["h0"].shape[0] == 1
    assert a["weight_ih_l0"].shape == (4 * H, 4) and a["weight_hh_l0"].shape == (4 * H, H)


def test_eight_configurations():
    quote("12", "The same check for all eight stored configurations")
    assert set(CONFIGURATIONS) <= set(reference_names())
    assert len(CONFIGURATIONS) == 8


def test_lstm_matches_pytorch_to_rounding():
    quote("12", "A difference of about $10^{-16}$ is the rounding of float64")
    ref = _stored("lstm")
    a = ref.arrays
    params = interop.params_from_state_dict(ref.state_dict, "lstm")
    h, _ = lstm.lstm_forward(a["x"], a["h0"][0], a["c0"][0], params)
    assert np.max(np.abs(h - a["output"])) < 1e-14


def test_bias_gradient_equals_each_of_pytorchs_two():
    quote(
        "12",
        "Our bias is the sum of PyTorch's two, so its gradient equals the gradient of each of them",
    )
    for name in ("rnn_tanh", "lstm"):
        a = _stored(name).arrays
        np.testing.assert_allclose(a["grad_bias_ih_l0"], a["grad_bias_hh_l0"], atol=1e-14)


def test_nineteen_gradient_arrays_for_the_bidirectional_lstm():
    quote("12", "19 arrays for the 2-layer bidirectional LSTM")
    a = _stored("lstm_2layer_bidirectional").arrays
    grads = [k for k in a if k.startswith("grad_") and not k.startswith("grad_c_n")]
    assert len(grads) == 19  # x, h0, c0 and 4 tensors x 2 layers x 2 directions


def test_the_course_tests_use_1e_10():
    quote("12", "The course's tests make the same comparison with\na tolerance of $10^{-10}$")
    text = (ROOT / "tests" / "test_torch_parity.py").read_text()
    assert re.search(r"^TOL = 1e-10$", text, re.M)
    assert "c_n" in text


def test_states_are_K_N_H_with_K_layers_times_directions():
    quote("12", "its states are $(K, N, H)$ with row\n  $k = l \\cdot \\text{directions} + d$")
    a = _stored("gru_2layer_bidirectional").arrays
    assert a["h_n"].shape == (4, 3, 6)


def test_gate_order_and_transpose_match_pytorch():
    quote(
        "12",
        (
            "the course's **gate order is PyTorch's** for both cells; only the "
            "transpose and the biases differ"
        ),
    )
    for cell in ("lstm", "gru"):
        ref = _stored(cell)
        params = interop.params_from_state_dict(ref.state_dict, cell)
        np.testing.assert_array_equal(params["W_x"], ref.state_dict["weight_ih_l0"].T)
        np.testing.assert_array_equal(params["W_h"], ref.state_dict["weight_hh_l0"].T)
    quote("12", "G is the number of blocks (4 for the LSTM, 3 for the GRU)")
    assert _stored("lstm").state_dict["weight_ih_l0"].shape[0] == 4 * 6
    assert _stored("gru").state_dict["weight_ih_l0"].shape[0] == 3 * 6


def test_hand_worked_pre_activation():
    quote("12", "the i pre-activation is $1 \\cdot 0.1 + 2 \\cdot (-0.5) = -0.9$")
    W_x = np.array([[0.1, 0.2, 0.3, 0.4], [-0.5, -0.6, -0.7, -0.8]])
    assert (np.array([[1.0, 2.0]]) @ W_x)[0, 0] == pytest.approx(-0.9)


def _moved(name, cell, rows, **options):
    ref = _stored(name)
    a, sd = ref.arrays, dict(ref.state_dict)
    shift = np.zeros_like(sd["bias_ih_l0"])
    shift[rows] = 0.7
    sd["bias_ih_l0"] = sd["bias_ih_l0"] + shift
    sd["bias_hh_l0"] = sd["bias_hh_l0"] - shift
    state0 = (a["h0"][0], a["c0"][0]) if cell == "lstm" else a["h0"][0]
    run = [
        deep.cell_forward(cell, a["x"], state0, interop.params_from_state_dict(s, cell), **options)[
            0
        ]
        for s in (sd, ref.state_dict)
    ]
    return np.max(np.abs(run[0] - run[1]))


def test_two_biases_redundant_except_the_gru_n_block():
    quote(
        "12",
        (
            "An `nn.LSTM` therefore carries $4H$ extra parameters per layer and "
            "direction that add nothing"
        ),
    )
    quote(
        "12",
        (
            "$b_{hn}$ is multiplied by $r_t$ and $b_{xn}$ is not. In the r and z "
            "blocks only the sum counts"
        ),
    )
    H = 6
    assert _moved("lstm", "lstm", slice(0, 4 * H)) < 1e-12
    assert _moved("gru", "gru", slice(0, 2 * H)) < 1e-12
    assert _moved("gru", "gru", slice(2 * H, 3 * H)) > 0.1
    quote(
        "12",
        (
            "`reset_after=False` keeps one bias of $(3H,)$, because there (last line "
            "above) only the sum counts"
        ),
    )
    assert _moved("gru", "gru", slice(2 * H, 3 * H), reset_after=False) < 1e-12


def test_time_major_steps_are_contiguous():
    quote("12", "in a time-major array each step `x[t]` is one contiguous block of memory")
    x = np.random.default_rng(0).standard_normal((3, 5, 4))
    x_tm = np.ascontiguousarray(x.transpose(1, 0, 2))
    assert not x[:, 2].flags.c_contiguous and x_tm[2].flags.c_contiguous


def test_packing_bookkeeping_and_what_a_mask_gets_right():
    quote("12", "`data` is\n   $(\\sum_n \\text{length}_n, D)$")
    lengths = np.array([2, 5, 3])
    batch_sizes = np.array([np.sum(lengths > t) for t in range(lengths.max())])
    np.testing.assert_array_equal(batch_sizes, [3, 3, 2, 1, 1])
    assert batch_sizes.sum() == lengths.sum() == 10

    quote("12", "Only the full-length sequence (n = 1) agrees everywhere")
    quote("12", "**the outputs at real steps are exactly those of the sequence run alone**")
    rng = np.random.default_rng(1)
    N, T, D, H = 3, 5, 2, 3
    mask = np.arange(T)[None, :] < lengths[:, None]
    x = rng.standard_normal((N, T, D)) * mask[:, :, None]
    p_f, p_b = rnn.init_params(D, H, rng), rnn.init_params(D, H, rng)
    p_f["b_h"], p_b["b_h"] = 0.5 * rng.standard_normal(H), 0.5 * rng.standard_normal(H)
    h0 = np.zeros((N, H))
    h, _ = rnn.rnn_forward(x, h0, p_f)
    hb, _ = deep.bidirectional_forward(x, h0, h0, p_f, p_b)
    for n in range(N):
        real = x[n : n + 1, : lengths[n]]
        alone, _ = rnn.rnn_forward(real, h0[:1], p_f)
        alone_b, _ = deep.bidirectional_forward(real, h0[:1], h0[:1], p_f, p_b)
        assert np.allclose(h[n, : lengths[n]], alone[0])
        assert np.allclose(h[n, lengths[n] - 1], alone[0, -1])
        full = lengths[n] == T
        assert np.allclose(h[n, -1], alone[0, -1]) == full
        assert np.allclose(hb[n, : lengths[n]], alone_b[0]) == full


def test_product_counts_of_the_three_ways():
    quote("12", "eight\n   small products per step, $8T$ in all")
    quote("12", "two larger products per step, $2T$ in all")
    quote("12", "Only\n   $h_{t-1} W_h$ has to wait for the previous step: $1 + T$ products")
    T = 40
    per_gate = 2 * len(lstm.GATES)  # one product for x_t and one for h_{t-1}, per gate
    assert len(lstm.GATES) == 4 and per_gate * T == 8 * T
    assert 2 * T == 80 and 1 + T == 41  # stacked: two per step; input first: one, then T


def test_sigmoid_through_tanh():
    quote("12", "$\\sigma(a) = (1 + \\tanh(a/2))/2$")
    a = np.linspace(-20, 20, 401)
    np.testing.assert_allclose(sigmoid(a), (1 + np.tanh(a / 2)) / 2, atol=1e-15)


def test_timings_are_the_readmes():
    quote("12", "about 3.5 ms for the RNN,\n10.4 ms for the LSTM and 9 to 12 ms for the GRU")
    quote("12", "rnncourse ran at 1.6, 0.65 and 1.3\ntimes PyTorch's speed")
    quote("12", "about 1.4 times as fast for $H = 128$, $N = 32$ in float32")
    quote("12", "the step's matrix products alone take about 5 ms")
    readme = (ROOT / "README.md").read_text()
    assert "| RNN | **1.62x** (3.5-3.6 ms)" in readme
    assert "| LSTM | **0.65-0.66x** (10.4 ms)" in readme
    assert "| GRU | **1.29-1.32x** (9.2-11.9 ms)" in readme
    assert "about 1.4x faster here" in readme
    assert re.search(r"\| LSTM \| 11\.1 \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \| 5\.1 ", readme)
    # PyTorch's times follow from ours and the ratios: about 6, 7 and 12 to 16 ms
    quote("12", "PyTorch's steps took about\n6, 7 and 12 to 16 ms")
    assert round(3.5 * 1.62) == 6 and round(10.4 * 0.655) == 7
    assert round(9.2 * 1.29) == 12 and round(11.9 * 1.32) == 16
    quote("12", "a page fault per page (4 kB there")
    assert "page fault per 4 kB" in readme
    quote("12", "in float64 the LSTM is about even")
    assert "| LSTM | **0.65-0.66x** (10.4 ms) | 1.02-1.04x" in readme


def test_quiz_numbers_of_the_bias_count():
    quote_quiz("12a", "`nn.LSTM(4, 6, num_layers=2, bidirectional=True)` holds 1536 numbers")
    quote_quiz("12a", "a second bias of $4H = 24$ numbers")
    quote_quiz("12a", "96 numbers that add nothing")
    quote_quiz("12a", "(the course holds 1440)")
    ref = _stored("lstm_2layer_bidirectional")
    torch_count = sum(v.size for v in ref.state_dict.values())
    layers = interop.layer_params_from_state_dict(ref.state_dict, "lstm", 2, True)
    ours = sum(v.size for layer in layers for direction in layer for v in direction.values())
    H = ref.state_dict["weight_hh_l0"].shape[1]
    assert (H, 4 * H) == (6, 24)
    assert (torch_count, ours, torch_count - ours) == (1536, 1440, 96)


def test_quiz_numbers_of_the_packed_data():
    quote_quiz("12b", "Section 5's batch has lengths $(2, 5, 3)$, padded to $T = 5$, with $D = 2$")
    quote_quiz("12b", "$\\sum_n \\text{length}_n = 2 + 5 + 3 = 10$ rows of $D = 2$")
    quote_quiz("12b", "(`batch_sizes` is $(3, 3, 2, 1, 1)$)")
    quote_quiz("12b", "That is $N T = 15$ rows, the padding included.")
    lengths = np.array([2, 5, 3])
    batch_sizes = [int(np.sum(lengths > t)) for t in range(lengths.max())]
    x = np.zeros((3, 5, 2))
    data = np.concatenate([x[:size, t] for t, size in enumerate(batch_sizes)])
    assert batch_sizes == [3, 3, 2, 1, 1] and data.shape == (10, 2) and 3 * 5 == 15


def test_quiz_numbers_of_the_product_count():
    quote_quiz("12b", "An LSTM reads $T = 50$ steps.")
    quote_quiz("12b", "only $h_{t-1} W_h$ is left inside it: $1 + T = 51$")
    quote_quiz("12b", "one product per gate and input: $8T$")
    quote_quiz("12b", "at every step, $2T$")
    T = 50
    assert (1 + T, 2 * len(lstm.GATES) * T, 2 * T) == (51, 400, 100)


def test_quiz_key_of_the_second_layers_backward_direction():
    quote_quiz("12b", "so the second layer is `l1`")
    layers = deep.init_stacked_params("gru", D=4, H=6, L=2, rng=np.random.default_rng(0),
                                      bidirectional=True)  # fmt: skip
    sd = interop.state_dict_from_layer_params(layers, "gru", bidirectional=True)
    assert sd["weight_hh_l1_reverse"].shape == (18, 6)  # (3H, H)
    assert sd["weight_ih_l1_reverse"].shape == (18, 12)  # reads the 2H outputs below
    assert not any("_l2" in key for key in sd)
    np.testing.assert_array_equal(sd["weight_hh_l1_reverse"], layers[1][1]["W_h"].T)
