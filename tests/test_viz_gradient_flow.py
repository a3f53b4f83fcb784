"""Tests for chapter 3's gradient-flow explorer (rnncourse/viz/gradient_flow.py)."""

import time

import ipywidgets
import numpy as np
import pytest

from rnncourse import gradients
from rnncourse.viz import gradient_flow as gf


@pytest.fixture(autouse=True)
def close_widgets():
    yield
    ipywidgets.Widget.close_all()


def test_gradient_flow_comes_from_the_package():
    flow = gf.gradient_flow("rnn", 1.2, "tanh", 30, H=8, D=3, seed=4)
    rng = np.random.default_rng(4)
    params = gradients.make_params("rnn", 3, 8, rng, rho=1.2)
    x = rng.standard_normal((1, 30, 3))
    np.testing.assert_allclose(flow["norms"], gradients.gradient_norms("rnn", x, params))
    J = gradients.step_jacobians("rnn", x, params)
    np.testing.assert_allclose(flow["sv_last"], np.linalg.svd(J[-1], compute_uv=False))
    np.testing.assert_allclose(flow["growth"], gradients.growth_per_step(J))
    assert list(flow["steps"]) == list(range(1, 31))
    assert flow["rho"] == pytest.approx(1.2)
    assert flow["sigma_max"] == pytest.approx(1.2)  # orthogonal: all singular values equal
    assert flow["bound"] == pytest.approx(1.2)
    assert flow["ratio"] == pytest.approx(flow["norms"][0])  # ||dL/dh_T|| = 1


def test_weights_do_not_change_with_T():
    short = gf.gradient_flow("rnn", 1.0, "tanh", 10, seed=1)
    long = gf.gradient_flow("rnn", 1.0, "tanh", 20, seed=1)
    # the first 10 inputs differ (x is drawn after the weights), but the Jacobian spectrum of
    # the identity cell depends on the weights only
    a = gf.gradient_flow("rnn", 1.0, "identity", 10, seed=1)
    b = gf.gradient_flow("rnn", 1.0, "identity", 20, seed=1)
    np.testing.assert_allclose(a["sv_last"], b["sv_last"])
    assert len(short["norms"]) == 10 and len(long["norms"]) == 20


def test_cells_sizes_and_bounds():
    lstm = gf.gradient_flow("lstm", 0.9, T=12, H=6)
    assert lstm["sv_last"].shape == (12,)  # state (h, c): S = 2H
    assert lstm["bound"] is None
    assert lstm["rho"] == pytest.approx(0.9)
    gru = gf.gradient_flow("gru", 0.9, T=12, H=6)
    assert gru["sv_last"].shape == (6,) and gru["bound"] is None
    sigmoid = gf.gradient_flow("rnn", 1.0, "sigmoid", T=12, H=6)
    assert sigmoid["bound"] == pytest.approx(0.25)
    normal = gf.gradient_flow("rnn", 1.0, "identity", T=12, H=6, matrix="random normal")
    assert normal["rho"] == pytest.approx(1.0) and normal["sigma_max"] > 1.2


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="cell must be one of"):
        gf.gradient_flow("lstm2")
    with pytest.raises(ValueError, match="matrix must be one of"):
        gf.gradient_flow("rnn", matrix="diagonal")


def test_summary_names_the_cell_and_ratio():
    flow = gf.gradient_flow("rnn", 1.0, "tanh", 20)
    text = gf.summary_html(flow, "rnn", "tanh")
    assert "RNN (tanh)" in text and f"{flow['ratio']:.1e}" in text and "bound" in text
    assert "bound" not in gf.summary_html(gf.gradient_flow("gru", T=5), "gru", "tanh")


def _timed(control, value, timings):
    start = time.perf_counter()
    control.value = value
    timings.append(1e3 * (time.perf_counter() - start))


def test_controls_update_the_figure():
    w = gf.build_gradient_flow()
    line, bars, points, bound = w.fig.data
    flow = gf.gradient_flow()
    np.testing.assert_allclose(line.y, flow["norms"])
    assert len(line.x) == 50 and len(bars.y) == 16
    assert bound.visible is True and list(bound.y) == [pytest.approx(1.0)] * 2
    assert w.fig.layout.yaxis.type == "log" and w.fig.layout.yaxis2.type == "log"
    timings = []

    _timed(w.rho_slider, 1.5, timings)
    expected = gf.gradient_flow("rnn", 1.5)
    np.testing.assert_allclose(line.y, expected["norms"])
    np.testing.assert_allclose(bars.y, expected["sv_last"])
    np.testing.assert_allclose(points.y, expected["growth"])
    assert list(bound.y) == [pytest.approx(1.5)] * 2

    _timed(w.activation_dropdown, "sigmoid", timings)
    np.testing.assert_allclose(line.y, gf.gradient_flow("rnn", 1.5, "sigmoid")["norms"])
    assert list(bound.y) == [pytest.approx(0.375)] * 2
    assert "RNN (sigmoid)" in w.summary.value

    _timed(w.T_slider, 80, timings)
    assert len(line.x) == 80 and line.x[-1] == 80

    _timed(w.cell_buttons, "lstm", timings)
    assert w.activation_dropdown.disabled
    assert len(bars.y) == 32 and bound.visible is False
    np.testing.assert_allclose(line.y, gf.gradient_flow("lstm", 1.5, T=80)["norms"])
    assert "LSTM" in w.summary.value

    _timed(w.cell_buttons, "gru", timings)
    assert len(bars.y) == 16

    _timed(w.matrix_buttons, "random normal", timings)
    expected = gf.gradient_flow("gru", 1.5, T=80, matrix="random normal")
    np.testing.assert_allclose(line.y, expected["norms"])

    _timed(w.cell_buttons, "rnn", timings)
    assert not w.activation_dropdown.disabled and bound.visible is True
    print(
        f"\ncallback times (ms) for rho, activation, T=80, LSTM, GRU, matrix, RNN: "
        f"{', '.join(f'{t:.1f}' for t in timings)}"
    )


def test_callback_time_at_default_settings():
    w = gf.build_gradient_flow()
    timings = []
    for rho in (1.05, 0.95, 1.1, 0.9, 1.0):
        _timed(w.rho_slider, rho, timings)
    print(
        f"\nrho-slider callback at defaults (RNN, T=50, H=16): median {np.median(timings):.1f} ms"
    )
    w.cell_buttons.value = "lstm"
    timings = []
    for rho in (1.05, 0.95, 1.1, 0.9, 1.0):
        _timed(w.rho_slider, rho, timings)
    print(f"rho-slider callback, LSTM (T=50, H=16): median {np.median(timings):.1f} ms")
    assert w.state["rho"] == 1.0


def test_explorer_returns_a_displayable_box():
    assert isinstance(gf.gradient_flow_explorer(T=10), ipywidgets.VBox)


def test_random_normal_default_draw_ratio_is_what_the_docstring_says():
    # the module docstring (and chapter 3) say sigma_max is 1.75 rho for the default draw
    flow = gf.gradient_flow("rnn", 0.8, "identity", matrix="random normal")
    assert round(flow["sigma_max"] / flow["rho"], 2) == 1.75
