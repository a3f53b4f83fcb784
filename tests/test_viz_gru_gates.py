"""Tests for the GRU gate trace of chapter 5 (rnncourse.viz.gru_gates)."""

import time

import ipywidgets
import numpy as np
import pytest

from rnncourse import gru
from rnncourse.viz import gru_gates as gg


@pytest.fixture(autouse=True)
def close_widgets():
    yield
    ipywidgets.Widget.close_all()


# --- the pure layer -------------------------------------------------------------------


@pytest.mark.parametrize("pattern", list(gg.PATTERNS))
@pytest.mark.parametrize(
    "modes", [{}, {"z": "frozen open"}, {"r": "frozen shut", "z": "frozen shut"}]
)
def test_trace_shapes_ranges_and_finite(pattern, modes):
    trace = gg.gru_gate_trace(pattern, modes=modes, T=17, H=4)
    assert trace.x.shape == (17, 1)
    for key in ("r", "z", "n", "h"):
        values = getattr(trace, key)
        assert values.shape == (17, 4), key
        assert np.isfinite(values).all(), key
    assert ((trace.r >= 0) & (trace.r <= 1)).all() and ((trace.z >= 0) & (trace.z <= 1)).all()
    assert (np.abs(trace.n) <= 1).all() and (np.abs(trace.h) <= 1).all()
    np.testing.assert_array_equal(trace.h0, np.linspace(0.8, -0.8, 4))


@pytest.mark.parametrize("reset_after", [True, False])
def test_trace_is_gru_forward_with_trace_params(reset_after):
    trace = gg.gru_gate_trace("noise", 1.5, 0.75, reset_after, T=12, H=3, seed=4)
    params = gg.trace_params(0.75, {"r": "normal"}, H=3, seed=4)
    x = 1.5 * gg.input_pattern("noise", 12, seed=4)
    h, cache = gru.gru_forward(x[None], trace.h0[None], params, reset_after)
    np.testing.assert_array_equal(trace.h, h[0])
    np.testing.assert_array_equal(trace.x, x)
    for key, values in gru.gru_gates(cache).items():
        np.testing.assert_array_equal(getattr(trace, key), values[0])


def test_z_bias_goes_into_the_z_block_of_b_x_only():
    base, shifted = gg.trace_params(0.0), gg.trace_params(1.5)
    np.testing.assert_array_equal(gru.gate_weights(shifted, "z")["b_x"], 1.5)
    for gate in ("r", "n"):
        np.testing.assert_array_equal(gru.gate_weights(shifted, gate)["b_x"], 0.0)
    for key in ("W_x", "W_h", "b_h"):
        np.testing.assert_array_equal(shifted[key], base[key])


def test_larger_z_bias_keeps_more_of_the_old_state():
    low = gg.gru_gate_trace("noise", z_bias=-3.0)
    high = gg.gru_gate_trace("noise", z_bias=3.0)
    assert high.z.mean() > 0.8 > 0.2 > low.z.mean()
    assert np.abs(high.h[-1] - high.h0).max() < np.abs(low.h[-1] - low.h0).max()


@pytest.mark.parametrize("reset_after", [True, False])
def test_z_open_copies_the_state(reset_after):
    trace = gg.gru_gate_trace("noise", modes={"z": "frozen open"}, reset_after=reset_after)
    np.testing.assert_array_equal(trace.z, 1.0)  # sigmoid(50) rounds to 1 in float64
    np.testing.assert_array_equal(trace.h, np.broadcast_to(trace.h0, trace.h.shape))


@pytest.mark.parametrize("reset_after", [True, False])
def test_z_shut_replaces_the_state_with_the_candidate(reset_after):
    trace = gg.gru_gate_trace("noise", modes={"z": "frozen shut"}, reset_after=reset_after)
    assert trace.z.max() < 1e-15
    np.testing.assert_allclose(trace.h, trace.n, rtol=0, atol=1e-15)


@pytest.mark.parametrize("reset_after", [True, False])
def test_r_shut_makes_the_candidate_ignore_the_past(reset_after):
    trace = gg.gru_gate_trace("noise", modes={"r": "frozen shut"}, reset_after=reset_after)
    params = gg.trace_params(modes={"r": "frozen shut"})
    n_block = gru.gate_weights(params, "n")
    expected = np.tanh(trace.x @ n_block["W_x"] + n_block["b_x"] + n_block["b_h"])  # (T, H)
    assert trace.r.max() < 1e-15
    np.testing.assert_allclose(trace.n, expected, rtol=0, atol=1e-15)


def test_freezing_z_overrides_the_z_bias():
    a = gg.gru_gate_trace("step", z_bias=-4.0, modes={"z": "frozen open"})
    b = gg.gru_gate_trace("step", z_bias=4.0, modes={"z": "frozen open"})
    np.testing.assert_array_equal(a.h, b.h)


def test_reset_after_changes_the_candidate():
    a = gg.gru_gate_trace("sine", reset_after=True)
    b = gg.gru_gate_trace("sine", reset_after=False)
    np.testing.assert_array_equal(a.r[0], b.r[0])  # the gates at t = 0 see the same h_0
    assert not np.allclose(a.n, b.n)


def test_with_r_frozen_open_the_two_formulas_agree():
    a = gg.gru_gate_trace("noise", reset_after=True, modes={"r": "frozen open"})
    b = gg.gru_gate_trace("noise", reset_after=False, modes={"r": "frozen open"})
    np.testing.assert_array_equal(a.r, 1.0)
    np.testing.assert_allclose(a.h, b.h, rtol=0, atol=1e-14)


def test_input_scale_zero_means_no_input():
    trace = gg.gru_gate_trace("pulse", input_scale=0.0)
    assert not trace.x.any()


def test_input_patterns():
    T = 20
    pulse = gg.input_pattern("pulse", T)[:, 0]
    assert pulse[0] == 1 and not pulse[1:].any()
    two = gg.input_pattern("two pulses", T)[:, 0]
    assert two[0] == 1 and two[T // 2] == -1 and np.count_nonzero(two) == 2
    step = gg.input_pattern("step", T)[:, 0]
    assert not step[: T // 4].any() and (step[T // 4 :] == 1).all()
    sine = gg.input_pattern("sine", T)[:, 0]
    assert sine[0] == 0 and sine[3] == pytest.approx(1.0)
    np.testing.assert_array_equal(gg.input_pattern("noise", T, 3), gg.input_pattern("noise", T, 3))
    assert not np.allclose(gg.input_pattern("noise", T, 3), gg.input_pattern("noise", T, 4))


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"pattern": "square"}, ValueError, "pattern must be one of"),
        ({"modes": {"n": "frozen open"}}, ValueError, "only the gates"),
        ({"modes": {"r": "open"}}, ValueError, "mode must be one of"),
        ({"z_bias": np.inf}, ValueError, "z_bias must be"),
        ({"input_scale": np.nan}, ValueError, "input_scale must be"),
        ({"T": 0}, ValueError, "T must be at least 1"),
        ({"H": 2.5}, TypeError, "H must be an integer"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, words):
    with pytest.raises(error, match=words):
        gg.gru_gate_trace(**kwargs)


# --- the widget ---------------------------------------------------------------------


def _panel(fig, key, H):
    """The y values of one panel as an array (T, H); h's panel starts with h_0."""
    start = 1 + [k for k, _, _ in gg.PANELS].index(key) * H
    return np.stack([np.array(fig.data[start + j].y) for j in range(H)], axis=1)


def test_widget_builds_with_the_trace():
    box = gg.gru_gate_explorer(T=25, H=3)
    fig = box.figure
    expected = gg.gru_gate_trace(T=25, H=3)
    assert len(fig.data) == 1 + 4 * 3
    np.testing.assert_allclose(np.array(fig.data[0].y), expected.x[:, 0])
    for key in ("r", "z", "n"):
        np.testing.assert_allclose(_panel(fig, key, 3), getattr(expected, key))
    np.testing.assert_allclose(_panel(fig, "h", 3), np.vstack([expected.h0, expected.h]))
    assert "mean z" in box.status.value


def test_z_bias_slider_updates_the_figure_and_prints_latency():
    box = gg.gru_gate_explorer()
    fig, controls = box.figure, box.controls
    before = _panel(fig, "z", 3)
    controls["z_bias"].value = 1.0  # warm-up: the first update in a process is slower
    start = time.perf_counter()
    controls["z_bias"].value = 3.0
    latency = time.perf_counter() - start
    print(f"\ngru_gate_explorer: z-bias slider callback took {latency * 1e3:.1f} ms")
    expected = gg.gru_gate_trace(z_bias=3.0)
    after = _panel(fig, "z", 3)
    assert not np.allclose(before, after)
    np.testing.assert_allclose(after, expected.z)
    np.testing.assert_allclose(_panel(fig, "h", 3)[1:], expected.h)
    assert f"{expected.z.mean():.2f}" in box.status.value


def test_every_control_reaches_the_trace():
    box = gg.gru_gate_explorer()
    fig, controls = box.figure, box.controls
    controls["pattern"].value = "sine"
    controls["input_scale"].value = 2.0
    controls["reset_after"].value = False
    controls["r gate"].value = "frozen shut"
    expected = gg.gru_gate_trace("sine", 2.0, 0.0, False, {"r": "frozen shut"})
    np.testing.assert_allclose(np.array(fig.data[0].y), expected.x[:, 0])
    for key in ("r", "z", "n"):
        np.testing.assert_allclose(_panel(fig, key, 3), getattr(expected, key))
    controls["z gate"].value = "frozen open"
    h = _panel(fig, "h", 3)
    np.testing.assert_array_equal(h, np.broadcast_to(h[0], h.shape))  # a flat copy of h_0


def test_the_figure_counts_steps_and_units_from_one():
    # chapter 0's notation: steps t = 1, ..., T, h_0 drawn at t = 0, units 1, ..., H
    box = gg.gru_gate_explorer(T=20, H=3)
    fig = box.figure
    np.testing.assert_array_equal(np.array(fig.data[0].x), np.arange(1, 21))
    start = 1 + [k for k, _, _ in gg.PANELS].index("h") * 3
    for line in fig.data[1:start]:
        np.testing.assert_array_equal(np.array(line.x), np.arange(1, 21))
    for line in fig.data[start:]:
        np.testing.assert_array_equal(np.array(line.x), np.arange(0, 21))
    assert [line.name for line in fig.data[start:]] == ["unit 1", "unit 2", "unit 3"]
    step = box.controls["step"]
    assert (step.min, step.max, step.value) == (1, 20, 3)
    assert [label for label, _ in box.controls["unit"].options] == ["unit 1", "unit 2", "unit 3"]
    assert "time step t = 3, unit 1" in box.diagram.value


def test_the_pulses_are_where_their_descriptions_say():
    T = 20
    assert "t = 1" in gg.PATTERNS["pulse"] and gg.input_pattern("pulse", T)[1 - 1, 0] == 1
    two = gg.input_pattern("two pulses", T)[:, 0]
    assert two[1 - 1] == 1 and two[T // 2 + 1 - 1] == -1
    step = gg.input_pattern("step", T)[:, 0]
    assert step[T // 4 - 1] == 0 and step[T // 4 + 1 - 1] == 1


def test_diagram_reads_step_t_from_row_t_minus_one():
    trace = gg.gru_gate_trace(T=10)
    first = gg.gru_diagram(trace, 1, 1)
    assert "time step t = 1, unit 2" in first
    assert f">{trace.h0[1]:.2f}</text>" in first  # h_{t-1} at t = 1 is h_0
    for bad in (0, 11, 1.0):
        with pytest.raises(ValueError, match="t must be a time step from 1 to T = 10"):
            gg.gru_diagram(trace, bad, 0)
