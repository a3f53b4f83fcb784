"""Tests for the gate explorer (rnncourse.viz.gates): input sequences, freezing a gate, the
LSTM trace, and the widget built by the generic builder."""

import time

import ipywidgets
import numpy as np
import pytest

from rnncourse import lstm
from rnncourse.activations import sigmoid
from rnncourse.viz import gates as G


@pytest.fixture(autouse=True)
def close_widgets():
    yield
    ipywidgets.Widget.close_all()


# --- input sequences ----------------------------------------------------------------------


def test_patterns_have_the_described_shape():
    T = G.DEFAULT_T
    pulse = G.input_sequence("pulse")
    assert pulse.shape == (T,) and pulse[2] == 1 and np.count_nonzero(pulse) == 1
    step = G.input_sequence("step")
    assert not step[:5].any() and (step[5:] == 1).all()
    sine = G.input_sequence("sine")
    assert sine[0] == 0 and sine[10] == 0 and sine.max() == pytest.approx(0.95)
    noise = G.input_sequence("noise")
    assert 0.5 < noise.std() < 2 and np.array_equal(noise, G.input_sequence("noise"))
    first = G.input_sequence("remember the first input")
    assert first[0] == 1 and np.abs(first[1:]).max() < 0.7


@pytest.mark.parametrize("pattern", list(G.PATTERNS))
def test_pattern_text_reads_back_exactly(pattern):
    x = G.input_sequence(pattern)
    np.testing.assert_array_equal(G.parse_sequence(G.format_sequence(x)), x)


def test_parse_sequence_accepts_commas_and_spaces():
    np.testing.assert_array_equal(G.parse_sequence(" 1, -2.5 ,3e-1  4;5"), [1, -2.5, 0.3, 4, 5])


@pytest.mark.parametrize(
    "text, words",
    [
        ("", "at least one number"),
        ("1, two, 3", "'two' is not a number"),
        ("1, nan", "not a finite number"),
        (", ".join(["1"] * (G.MAX_T + 1)), f"at most {G.MAX_T}"),
    ],
)
def test_parse_sequence_names_the_problem(text, words):
    with pytest.raises(ValueError, match=words):
        G.parse_sequence(text)


def test_unknown_pattern_is_named():
    with pytest.raises(ValueError, match="pattern must be one of"):
        G.input_sequence("square")


# --- freezing a gate ----------------------------------------------------------------------


def test_freeze_bias_sets_one_block_and_copies():
    b = np.arange(8.0)
    opened = G.freeze_bias(b, 1, 2, "frozen open")
    np.testing.assert_array_equal(opened, [0, 1, 30, 30, 4, 5, 6, 7])
    shut = G.freeze_bias(b, 3, 2, "frozen shut")
    np.testing.assert_array_equal(shut, [0, 1, 2, 3, 4, 5, -30, -30])
    np.testing.assert_array_equal(G.freeze_bias(b, 0, 2, "normal"), b)
    np.testing.assert_array_equal(b, np.arange(8.0))  # the input is unchanged
    with pytest.raises(ValueError, match="mode must be one of"):
        G.freeze_bias(b, 0, 2, "half open")


def test_explorer_params_freeze_the_right_block():
    params = G.lstm_explorer_params(1.0, H=3, modes={"o": "frozen shut", "i": "frozen open"})
    assert (lstm.gate_weights(params, "o")["b"] == -G.FREEZE_BIAS).all()
    assert (lstm.gate_weights(params, "i")["b"] == G.FREEZE_BIAS).all()
    assert (lstm.gate_weights(params, "f")["b"] == 1.0).all()
    assert (lstm.gate_weights(params, "g")["b"] == 0.0).all()
    with pytest.raises(ValueError, match="g is the candidate"):
        G.lstm_explorer_params(modes={"g": "frozen open"})


# --- the LSTM trace -----------------------------------------------------------------------


def test_trace_is_lstm_forward_with_explorer_params():
    x = G.input_sequence("noise")
    trace = G.lstm_gate_trace(x, {"f": "frozen open"}, forget_bias=2.0, input_scale=0.5, H=4)
    params = G.lstm_explorer_params(2.0, H=4, modes={"f": "frozen open"})
    h, cache = lstm.lstm_forward(
        0.5 * x.reshape(1, -1, 1), np.zeros((1, 4)), np.zeros((1, 4)), params
    )
    np.testing.assert_array_equal(trace["h"], h[0])
    for key, value in lstm.lstm_gates(cache).items():
        np.testing.assert_array_equal(trace[key], value[0])
    np.testing.assert_array_equal(trace["x"], x)
    assert all(trace[k].shape == (x.size, 4) for k in "ifgoch")


def test_cell_update_holds_in_the_trace():
    tr = G.lstm_gate_trace(G.input_sequence("sine"))
    c_prev = np.vstack([np.zeros((1, 3)), tr["c"][:-1]])  # c_{t-1}, with c_0 = 0
    np.testing.assert_allclose(tr["c"], tr["f"] * c_prev + tr["i"] * tr["g"], atol=1e-15)
    np.testing.assert_allclose(tr["h"], tr["o"] * np.tanh(tr["c"]), atol=1e-15)


def test_forget_bias_moves_the_forget_gate():
    x = G.input_sequence("pulse")
    means = [G.lstm_gate_trace(x, forget_bias=fb)["f"].mean() for fb in (-3.0, 0.0, 1.0, 5.0)]
    assert np.all(np.diff(means) > 0)
    assert means[0] < 0.1 and means[-1] > 0.98
    # with zero input and zero state, f_t = sigmoid(forget bias) exactly at the first step
    np.testing.assert_allclose(G.lstm_gate_trace(x, forget_bias=1.0)["f"][0], sigmoid(1.0))


def test_input_scale_zero_means_no_input():
    tr = G.lstm_gate_trace(G.input_sequence("noise"), input_scale=0.0)
    assert not tr["c"].any() and not tr["h"].any()  # the state stays at h_0 = c_0 = 0


@pytest.mark.parametrize("pattern", list(G.PATTERNS))
@pytest.mark.parametrize("mode, value", [("frozen open", 1.0), ("frozen shut", 0.0)])
def test_frozen_gates_hold_at_the_largest_input_scale(pattern, mode, value):
    x = G.input_sequence(pattern)
    for gate in G.LSTM_GATES:
        tr = G.lstm_gate_trace(x, {gate: mode}, input_scale=G.LSTM_SLIDERS[1].max)
        np.testing.assert_allclose(tr[gate], value, atol=1e-8)


def test_what_breaks_when_a_gate_is_shut():
    x = G.input_sequence("step")
    no_forget = G.lstm_gate_trace(x, {"f": "frozen shut"})  # no memory: c_t = i_t * g_t
    np.testing.assert_allclose(no_forget["c"], no_forget["i"] * no_forget["g"], atol=1e-8)
    no_input = G.lstm_gate_trace(x, {"i": "frozen shut"})  # nothing written: c stays at c_0
    assert np.abs(no_input["c"]).max() < 1e-8
    no_output = G.lstm_gate_trace(x, {"o": "frozen shut"})  # nothing shown: h is 0
    assert np.abs(no_output["h"]).max() < 1e-8 and np.abs(no_output["c"]).max() > 0.5


def test_forget_open_keeps_the_first_input():
    x = G.input_sequence("pulse")  # one 1 at t = 2, then zeros
    forget_open = G.lstm_gate_trace(x, {"f": "frozen open"})
    normal = G.lstm_gate_trace(x)
    # the cell still holds the pulse at the end with f open, and loses most of it otherwise
    assert np.abs(forget_open["c"][-1]).max() > 5 * np.abs(normal["c"][-1]).max()


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"x": np.zeros((3, 2))}, "x must be a sequence"),
        ({"x": np.array([1.0, np.inf])}, "NaN or infinity"),
        ({"input_scale": float("nan")}, "input_scale must be"),
        ({"modes": {"f": "ajar"}}, "mode must be one of"),
    ],
)
def test_bad_arguments_are_named(kwargs, words):
    args = {"x": np.ones(4)} | kwargs
    with pytest.raises(ValueError, match=words):
        G.lstm_gate_trace(**args)


def test_summary_mentions_forget_gate_and_last_cell():
    tr = G.lstm_gate_trace(G.input_sequence("pulse"))
    text = G.lstm_summary(tr)
    assert f"mean f_t = {tr['f'].mean():.2f}" in text and "c_T = [" in text


# --- the widget ---------------------------------------------------------------------------


def _lines(fig, row, H=3):
    """The (T, H) array shown in panel ``row`` (0 = first row after the input panel)."""
    return np.stack([np.array(fig.data[1 + row * H + k].y) for k in range(H)], axis=1)


def test_widget_builds_with_the_trace():
    box = G.lstm_gate_explorer()
    fig = box.figure
    assert len(fig.data) == 1 + len(G.LSTM_ROWS) * 3
    expected = G.lstm_gate_trace(G.input_sequence("pulse"))
    np.testing.assert_array_equal(np.array(fig.data[0].y), expected["x"])
    for r, row in enumerate(G.LSTM_ROWS):
        np.testing.assert_allclose(_lines(fig, r), expected[row.key])
    assert box.controls["text"].value == G.format_sequence(expected["x"])
    assert "mean f_t" in box.status.value


def test_forget_bias_slider_updates_the_figure_and_prints_latency():
    box = G.lstm_gate_explorer()
    fig, controls = box.figure, box.controls
    before = _lines(fig, 1)
    controls["forget_bias"].value = 2.0  # warm-up: the first update in a process is slower
    start = time.perf_counter()
    controls["forget_bias"].value = 4.0
    latency = time.perf_counter() - start
    print(f"\nlstm_gate_explorer: forget-bias slider callback took {latency * 1e3:.1f} ms")
    expected = G.lstm_gate_trace(G.input_sequence("pulse"), forget_bias=4.0)
    assert not np.allclose(before, _lines(fig, 1))
    np.testing.assert_allclose(_lines(fig, 1), expected["f"])
    np.testing.assert_allclose(_lines(fig, 5), expected["h"])


def test_gate_dropdown_freezes_the_gate_in_the_figure():
    box = G.lstm_gate_explorer(pattern="step")
    box.controls["o gate"].value = "frozen shut"
    h = _lines(box.figure, 5)
    assert np.abs(h).max() < 1e-8
    box.controls["o gate"].value = "normal"
    assert np.abs(_lines(box.figure, 5)).max() > 0.1


def test_pattern_and_text_drive_the_input():
    box = G.lstm_gate_explorer()
    fig, controls = box.figure, box.controls
    controls["pattern"].value = "sine"
    np.testing.assert_array_equal(np.array(fig.data[0].y), G.input_sequence("sine"))
    assert controls["text"].value == G.format_sequence(G.input_sequence("sine"))
    controls["text"].value = "1, 0, 0, 0, 0"  # a shorter, typed sequence
    assert controls["pattern"].value == G.CUSTOM
    np.testing.assert_array_equal(np.array(fig.data[0].y), [1, 0, 0, 0, 0])
    assert len(fig.data[1].x) == 5
    expected = G.lstm_gate_trace(np.array([1.0, 0, 0, 0, 0]))
    np.testing.assert_allclose(_lines(fig, 4), expected["c"])


def test_unreadable_text_keeps_the_figure_and_says_why():
    box = G.lstm_gate_explorer()
    before = np.array(box.figure.data[0].y)
    box.controls["text"].value = "1, 2, three"
    assert "Could not read the input" in box.status.value and "'three'" in box.status.value
    np.testing.assert_array_equal(np.array(box.figure.data[0].y), before)


def test_builder_takes_any_trace_function():
    """The contract the GRU explorer relies on: rows, gates, sliders and modes reach trace_fn."""
    calls = []

    def trace_fn(x, modes, gain):
        calls.append((modes, gain))
        a = np.outer(x, [1.0, -1.0]) * gain  # (T, 2)
        return {"a": a, "b": np.tanh(a) if modes["z"] == "normal" else np.ones_like(a)}

    box = G.build_gate_explorer(
        trace_fn,
        [("a", "a_t", None), G.Row("b", "b_t", (-1, 1))],
        gates={"z": "update gate z"},
        sliders=[G.Slider("gain", "gain", 0.0, 2.0, 0.5, 1.0)],
        pattern="step",
    )
    assert calls == [({"z": "normal"}, 1.0)]
    assert len(box.figure.data) == 1 + 2 * 2 and box.status.value == ""
    box.controls["gain"].value = 2.0
    box.controls["z gate"].value = "frozen open"
    assert calls[-1] == ({"z": "frozen open"}, 2.0)
    x = G.input_sequence("step")
    np.testing.assert_allclose(_lines(box.figure, 0, H=2), np.outer(x, [2.0, -2.0]))
    np.testing.assert_allclose(_lines(box.figure, 1, H=2), 1.0)


def test_the_figure_counts_steps_and_units_from_one():
    # chapter 0's notation: steps t = 1, ..., T on the x axis, units 1, ..., H in the legend
    box = G.lstm_gate_explorer()
    fig, T = box.figure, G.DEFAULT_T
    for line in fig.data:
        np.testing.assert_array_equal(np.array(line.x), np.arange(1, T + 1))
    assert [line.name for line in fig.data[1:4]] == ["unit 1", "unit 2", "unit 3"]
    step = box.controls["step"]
    assert (step.min, step.max, step.value) == (1, T, 3)
    assert [label for label, _ in box.controls["unit"].options] == ["unit 1", "unit 2", "unit 3"]
    box.controls["text"].value = "1, 0, 0, 0, 0"  # a shorter input: the axis and slider follow
    np.testing.assert_array_equal(np.array(fig.data[1].x), np.arange(1, 6))
    assert step.max == 5


def test_the_pulse_is_where_its_description_says():
    # x_t is entry t - 1: "a single 1 at t = 3", "ones from t = 6 on", "a 1 at t = 1"
    assert "t = 3" in G.PATTERNS["pulse"] and G.input_sequence("pulse")[3 - 1] == 1
    step = G.input_sequence("step")
    assert "t = 6" in G.PATTERNS["step"] and step[6 - 2] == 0 and step[6 - 1] == 1
    assert "t = 1" in G.PATTERNS["remember the first input"]
    assert G.input_sequence("remember the first input")[0] == 1


def test_diagram_reads_step_t_from_row_t_minus_one():
    trace = G.lstm_gate_trace(G.input_sequence("pulse"))
    first = G.lstm_diagram(trace, 1, 0)
    assert "time step t = 1, unit 1" in first
    assert f">{trace['c'][0, 0]:.2f}</text>" in first  # c_1 is row 0
    for bad in (0, 31, 2.0, True):
        with pytest.raises(ValueError, match="t must be a time step from 1 to T = 30"):
            G.lstm_diagram(trace, bad, 0)
