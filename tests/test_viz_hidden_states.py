"""Tests for the hidden-state explorer (rnncourse.viz.hidden_states) and the small
matplotlib helpers of chapter 1 (rnncourse.viz.plots)."""

import time

import ipywidgets
import matplotlib
import numpy as np
import pytest

from rnncourse import rnn
from rnncourse.viz import hidden_states as hs

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def close_widgets():
    yield
    ipywidgets.Widget.close_all()


# --- the pure layer -------------------------------------------------------------------


@pytest.mark.parametrize("pattern", list(hs.PATTERNS))
@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "identity"])
def test_trace_shapes_and_finite(pattern, activation):
    trace = hs.hidden_state_trace(pattern, 1.0, activation, T=25, H=7)
    assert trace.x.shape == (25, 1)
    assert trace.h.shape == (25, 7)
    assert trace.norms.shape == (25,)
    assert np.isfinite(trace.h).all()
    np.testing.assert_allclose(trace.norms, np.linalg.norm(trace.h, axis=1))


def test_trace_is_rnn_forward_with_explorer_params():
    trace = hs.hidden_state_trace("noise", 0.7, "tanh", T=12, H=5, seed=3)
    params = hs.explorer_params(0.7, H=5, seed=3)
    h, _ = rnn.rnn_forward(trace.x[None], np.zeros((1, 5)), params)
    np.testing.assert_array_equal(trace.h, h[0])


def test_scale_is_the_spectral_radius_of_W_hh():
    for scale in (0.1, 0.9, 2.0):
        W_hh = hs.explorer_params(scale, H=16, seed=0)["W_hh"]
        assert np.max(np.abs(np.linalg.eigvals(W_hh))) == pytest.approx(scale, rel=1e-10)


def test_scale_changes_only_the_size_of_W_hh():
    small, large = hs.explorer_params(0.5, seed=1), hs.explorer_params(1.5, seed=1)
    np.testing.assert_allclose(large["W_hh"], 3 * small["W_hh"])
    np.testing.assert_array_equal(large["W_xh"], small["W_xh"])


def test_input_patterns():
    T = 20
    pulse = hs.input_pattern("pulse", T)[:, 0]
    assert pulse[0] == 1 and not pulse[1:].any()
    step = hs.input_pattern("step", T)[:, 0]
    assert not step[: T // 4].any() and (step[T // 4 :] == 1).all()
    sine = hs.input_pattern("sine", T)[:, 0]
    assert sine[0] == 0 and sine[4] == pytest.approx(1.0)
    a = hs.input_pattern("noise", T, np.random.default_rng(0))
    b = hs.input_pattern("noise", T, np.random.default_rng(0))
    np.testing.assert_array_equal(a, b)
    assert a.std() > 0.5


def test_pulse_decays_when_scale_is_small():
    norms = hs.hidden_state_trace("pulse", 0.1, "tanh", T=30).norms
    assert norms[0] > 0.5
    assert np.all(np.diff(norms) < 0)  # each step shrinks h by at least the factor 0.1
    assert norms[10] < 1e-8


def test_linear_cell_keeps_norm_at_scale_one_and_explodes_above():
    # identity activation: h_t = h_{t-1} W_hh after the pulse, and W_hh is orthogonal * scale
    norms = hs.hidden_state_trace("pulse", 1.0, "identity", T=30).norms
    np.testing.assert_allclose(norms, norms[0])
    norms = hs.hidden_state_trace("pulse", 2.0, "identity", T=30).norms
    np.testing.assert_allclose(norms[1:] / norms[:-1], 2.0)


def test_tanh_saturates_instead_of_exploding():
    trace = hs.hidden_state_trace("pulse", 2.0, "tanh", T=60, H=16)
    assert np.abs(trace.h).max() < 1
    assert trace.norms[-1] <= np.sqrt(16)


def test_sigmoid_never_forgets_to_zero():
    # sigmoid(0) = 0.5: even with no input the state stays far from zero
    norms = hs.hidden_state_trace("pulse", 0.1, "sigmoid", T=30, H=16).norms
    assert norms[-1] > 0.4 * np.sqrt(16)


def test_same_seed_same_trace_other_seed_other_trace():
    a = hs.hidden_state_trace("noise", 0.9, seed=0).h
    b = hs.hidden_state_trace("noise", 0.9, seed=0).h
    c = hs.hidden_state_trace("noise", 0.9, seed=1).h
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"pattern": "square"}, ValueError, "pattern must be one of"),
        ({"activation": "softmax"}, ValueError, "activation must be one of"),
        ({"scale": -1.0}, ValueError, "scale must be"),
        ({"T": 0}, ValueError, "T must be at least 1"),
        ({"H": 2.5}, TypeError, "H must be an integer"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, words):
    args = {"pattern": "pulse", "scale": 0.9} | kwargs
    with pytest.raises(error, match=words):
        hs.hidden_state_trace(**args)


# --- the widget ---------------------------------------------------------------------


def test_widget_builds_with_the_trace():
    box = hs.hidden_state_explorer(T=30)
    fig = box.figure
    expected = hs.hidden_state_trace("pulse", 0.9, "tanh", T=30)
    np.testing.assert_allclose(np.array(fig.data[1].z), expected.h.T)
    np.testing.assert_allclose(np.array(fig.data[2].y), expected.norms)
    assert "0.90" in box.children[2].value


def test_scale_slider_changes_heatmap_and_prints_latency():
    box = hs.hidden_state_explorer()
    fig, controls = box.figure, box.controls
    before = np.array(fig.data[1].z)
    controls["scale"].value = 1.5  # warm-up: the first update in a process is slower
    start = time.perf_counter()
    controls["scale"].value = 0.3
    latency = time.perf_counter() - start
    print(f"\nhidden_state_explorer: scale slider callback took {latency * 1e3:.1f} ms")
    after = np.array(fig.data[1].z)
    expected = hs.hidden_state_trace("pulse", 0.3, "tanh").h.T
    assert not np.allclose(before, after)
    np.testing.assert_allclose(after, expected)
    assert "0.30" in box.children[2].value


def test_pattern_activation_and_T_controls_update_the_figure():
    box = hs.hidden_state_explorer()
    fig, controls = box.figure, box.controls
    controls["pattern"].value = "step"
    controls["activation"].value = "relu"
    controls["T"].value = 60
    expected = hs.hidden_state_trace("step", 0.9, "relu", T=60)
    np.testing.assert_allclose(np.array(fig.data[0].y), expected.x[:, 0])
    np.testing.assert_allclose(np.array(fig.data[1].z), expected.h.T)
    np.testing.assert_allclose(np.array(fig.data[2].y), expected.norms)
    assert len(fig.data[1].x) == 60
    assert fig.data[1].zmax == pytest.approx(np.abs(expected.h).max())  # relu: unbounded
    controls["activation"].value = "tanh"
    assert (fig.data[1].zmin, fig.data[1].zmax) == (-1.0, 1.0)


def test_colour_limit():
    h = np.array([[0.5, -3.0], [2.0, 0.0]])
    assert hs.colour_limit(h, "tanh") == 1.0
    assert hs.colour_limit(h, "sigmoid") == 1.0
    assert hs.colour_limit(h, "identity") == 3.0
    assert hs.colour_limit(np.zeros((2, 2)), "relu") > 0  # never an empty colour range


# --- the matplotlib helpers of chapter 1 -----------------------------------------------


def test_activation_curves_come_from_the_package():
    from rnncourse import activations
    from rnncourse.viz import plots

    z = np.linspace(-3, 3, 13)
    curves = plots.activation_curves(z)
    assert set(curves) == {"tanh", "sigmoid", "relu"}
    np.testing.assert_array_equal(curves["tanh"][0], activations.tanh(z))
    assert curves["tanh"][1].max() == pytest.approx(1.0)  # at z = 0
    assert curves["sigmoid"][1].max() == pytest.approx(0.25)


def test_figures_draw():
    import matplotlib.pyplot as plt

    from rnncourse.viz import plots

    fig = plots.plot_activations()
    assert len(fig.axes) == 2 and len(fig.axes[0].lines) == 3 + 2  # 3 curves + 2 axis lines
    for kind in ("elman", "jordan"):
        fig = plots.draw_unrolled_rnn(3, kind)
        texts = " ".join(t.get_text() for t in fig.axes[0].texts)
        label = {"elman": "$W_{hh}$", "jordan": "$W_{yh}$"}[kind]
        assert label in texts
    with pytest.raises(ValueError, match="kind must be"):
        plots.draw_unrolled_rnn(3, "hopfield")
    fig = plots.plot_norms(
        {"one run": np.array([1.0, 0.5, 0.0]), "three": np.ones((3, 3))}, ylim=(0.1, 2)
    )
    assert len(fig.axes[0].lines) == 1 + 3
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["one run", "three"]
    assert fig.axes[0].get_ylim() == pytest.approx((0.1, 2))
    plt.close("all")
