"""Tests for the BPTT stepper of chapter 2 (rnncourse/viz/bptt_stepper.py)."""

import time

import ipywidgets
import matplotlib.pyplot as plt
import numpy as np
import pytest

from rnncourse import bptt, init, layers, losses, rnn
from rnncourse.viz import bptt_stepper as bs


@pytest.fixture(autouse=True)
def close_widgets():
    yield
    ipywidgets.Widget.close_all()


def _expected_records(T, scale, loss_at, seed=0):
    """Rebuild the stepper's problem by hand and walk it with bptt.bptt_steps directly."""
    walk = bs.walk_backward(T, scale, loss_at, seed=seed)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((1, T, 2))
    params = {
        "W_xh": init.xavier_uniform((2, 3), rng),
        "W_hh": init.orthogonal((3, 3), rng, gain=scale),
        "b_h": np.zeros(3),
    }
    W_hy = init.xavier_uniform((3, 1), rng)
    target = rng.standard_normal((1, T, 1))
    mask = np.ones((1, T))
    if loss_at == "last step only":
        mask[:, :-1] = 0
    h, cache = rnn.rnn_forward(x, np.zeros((1, 3)), params)
    y, out_cache = layers.linear_forward(h, W_hy, np.zeros(1))
    _, dy = losses.mse_loss(y, target, mask=mask)
    dh, _, _ = layers.linear_backward(dy, out_cache)
    return walk, list(bptt.bptt_steps(dh, cache)), dh, cache


@pytest.mark.parametrize("T, scale, loss_at", [(6, 1.0, "every step"), (4, 1.7, "last step only")])
def test_walk_matches_bptt_steps_and_rnn_backward(T, scale, loss_at):
    walk, records, dh, cache = _expected_records(T, scale, loss_at)
    assert walk["T"] == T
    assert [r.t for r in walk["records"]] == list(range(T - 1, -1, -1))
    for got, want in zip(walk["records"], records, strict=True):
        np.testing.assert_allclose(got.dh_t, want.dh_t, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(got.grads["W_hh"], want.grads["W_hh"], rtol=1e-12, atol=1e-15)
    # the running total ends at rnn_backward's dW_hh
    _, _, grads = rnn.rnn_backward(dh, cache)
    assert walk["running_dW_hh"][-1] == pytest.approx(np.linalg.norm(grads["W_hh"]), rel=1e-12)
    for key in grads:
        np.testing.assert_allclose(walk["full_grads"][key], grads[key], rtol=1e-12, atol=1e-15)


def test_last_step_only_has_no_output_gradient_before_T():
    walk = bs.walk_backward(5, 1.0, "last step only")
    dh_out = [n["dh_out"] for n in walk["norms"]]
    assert dh_out[0] > 0  # the first record is the last step, t = T
    assert dh_out[1:] == [0.0] * 4
    assert walk["norms"][0]["dh_next"] == 0.0  # nothing comes from beyond the last step


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="loss_at"):
        bs.walk_backward(4, 1.0, "sometimes")
    walk = bs.walk_backward(3)
    with pytest.raises(ValueError, match="k must be between 0 and T=3"):
        bs.view_state(walk, 4)


def test_view_state_rows_and_bars():
    walk = bs.walk_backward(4)
    empty = bs.view_state(walk, 0)
    assert empty["x"] == [] and empty["y"] == [] and not empty["done"]
    view = bs.view_state(walk, 2)
    assert view["x"] == [4, 3]  # steps shown from 1: the last step first
    assert view["y"] == [walk["norms"][0]["dh_t"], walk["norms"][1]["dh_t"]]
    assert view["table"].count("<tr") == 3  # header + 2 rows
    assert f"{walk['running_dW_hh'][1]:.4f}" in view["status"]
    assert bs.view_state(walk, 4)["done"]


def test_clicking_step_back_adds_bars_from_right_to_left():
    T = 5
    stepper = bs.build_stepper(T=T)
    walk, records, dh, cache = _expected_records(T, 1.0, "every step")
    bars = stepper.fig.data[0]
    assert len(bars.x or ()) == 0
    latencies = []
    for k in range(1, T + 1):
        start = time.perf_counter()
        stepper.step_button.click()
        latencies.append(time.perf_counter() - start)
        assert len(bars.x) == k
        assert list(bars.x) == [T - i for i in range(k)]  # right to left
        np.testing.assert_allclose(
            bars.y, [np.linalg.norm(r.dh_t) for r in records[:k]], rtol=1e-12
        )
        assert stepper.table.value.count("<tr") == k + 1
    print(f"\nstep-back callback: median {1e3 * np.median(latencies):.2f} ms")
    assert stepper.step_button.disabled  # all T steps walked
    _, _, grads = rnn.rnn_backward(dh, cache)
    full = f"{np.linalg.norm(grads['W_hh']):.4f}"
    assert f"<b>{full}</b>" in stepper.status.value  # running total == rnn_backward's
    stepper.step_button.click()  # clicking again (if it could) changes nothing
    assert len(bars.x) == T


def test_reset_clears_the_walk():
    stepper = bs.build_stepper(T=4)
    for _ in range(3):
        stepper.step_button.click()
    assert len(stepper.fig.data[0].x) == 3
    start = time.perf_counter()
    stepper.reset_button.click()
    print(f"\nreset callback: {1e3 * (time.perf_counter() - start):.2f} ms")
    assert len(stepper.fig.data[0].x) == 0
    assert "No step walked yet" in stepper.table.value
    assert not stepper.step_button.disabled


def test_changing_the_configuration_starts_a_new_walk():
    stepper = bs.build_stepper(T=4)
    stepper.step_button.click()
    old_y = list(stepper.fig.data[0].y)
    start = time.perf_counter()
    stepper.T_slider.value = 7
    print(f"\nT-slider callback: {1e3 * (time.perf_counter() - start):.2f} ms")
    assert stepper.state["walk"]["T"] == 7
    assert len(stepper.fig.data[0].x) == 0
    assert tuple(stepper.fig.layout.xaxis.range) == (0.5, 7.5)
    stepper.step_button.click()
    assert list(stepper.fig.data[0].x) == [7]
    stepper.reset_button.click()
    stepper.T_slider.value = 4
    stepper.step_button.click()
    assert list(stepper.fig.data[0].y) == old_y  # same seed, same problem
    start = time.perf_counter()
    stepper.scale_slider.value = 1.8
    print(f"\nscale-slider callback: {1e3 * (time.perf_counter() - start):.2f} ms")
    stepper.step_button.click()
    expected = bs.walk_backward(4, 1.8)["norms"][0]["dh_t"]
    assert list(stepper.fig.data[0].y) == [expected]
    stepper.loss_toggle.value = "last step only"
    for _ in range(4):
        stepper.step_button.click()
    walk = bs.walk_backward(4, 1.8, "last step only")
    np.testing.assert_allclose(stepper.fig.data[0].y, [n["dh_t"] for n in walk["norms"]])


def test_bptt_stepper_returns_a_displayable_box():
    box = bs.bptt_stepper(T=3)
    assert isinstance(box, ipywidgets.VBox)


def test_draw_unrolled_graph_labels_every_step():
    ax = bs.draw_unrolled_graph(T=3)
    texts = [t.get_text() for t in ax.texts]
    for t in (1, 2, 3):
        assert f"$h_{{{t}}}$" in texts and f"$x_{{{t}}}$" in texts and f"$L_{{{t}}}$" in texts
    assert texts.count("dh_out") == 3
    assert texts.count("dh_next") == 2
    plt.close("all")
