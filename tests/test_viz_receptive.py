"""Tests for the dependency maps of deep and bidirectional networks (rnncourse.viz.receptive):
the exact-zero pattern of the package's gradients is the one the wiring predicts, agrees with
perturbing the inputs, and the widget and the static figure show it."""

import time

import ipywidgets
import matplotlib
import numpy as np
import pytest

from rnncourse import deep
from rnncourse.viz import receptive as rc

matplotlib.use("Agg")

CELLS = ["rnn", "lstm", "gru"]


@pytest.fixture(autouse=True)
def close_widgets():
    yield
    ipywidgets.Widget.close_all()


def causal(T):
    """[t-1, s-1] is True when s <= t: what a forward direction can have seen."""
    return np.tril(np.ones((T, T), dtype=bool))


# --- the pure layer -------------------------------------------------------------------


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("L", [1, 2, 3])
def test_one_directional_stacks_are_causal_at_every_depth(cell, L):
    dep = rc.dependency_map(cell, L, False, T=5)
    assert dep.norms.shape == dep.sees.shape == (L, 1, 5, 5)
    for layer in range(L):
        np.testing.assert_array_equal(dep.sees[layer, 0], causal(5))
    assert not rc.sees_the_future(dep)


@pytest.mark.parametrize("cell", CELLS)
def test_bidirectional_layer_one_halves_and_everything_above(cell):
    T = 5
    dep = rc.dependency_map(cell, 3, True, T=T)
    assert dep.norms.shape == (3, 2, T, T)
    np.testing.assert_array_equal(dep.sees[0, 0], causal(T))  # forward: x_1..x_t
    np.testing.assert_array_equal(dep.sees[0, 1], causal(T).T)  # backward: x_t..x_T
    assert dep.sees[1:].all()  # from layer 2 on, every state has seen the whole sequence
    assert rc.sees_the_future(dep)


def test_norms_are_the_jacobians_of_the_package_forward():
    """Compare one entry with a central difference through deep.stacked_forward."""
    cell, L, T, H, seed = "lstm", 2, 4, 3, 7
    dep = rc.dependency_map(cell, L, True, T=T, H=H, seed=seed)
    rng = np.random.default_rng(seed)  # the same draws, in the same order
    layer_params = deep.init_stacked_params(cell, 1, H, L, rng, True)
    x = rng.standard_normal((1, T, 1))
    layer, t, s = 0, 1, 3  # layer 1's state at step t = 2 against x_4 (0-based here)

    def state(x):
        h, _ = deep.stacked_forward(x, None, layer_params[: layer + 1], cell, True)
        return h[0, t]  # (2H,): forward units, then backward units

    eps = 1e-6
    plus, minus = x.copy(), x.copy()
    plus[0, s, 0] += eps
    minus[0, s, 0] -= eps
    column = (state(plus) - state(minus)) / (2 * eps)  # d h_t / d x_s, (2H,)
    assert np.linalg.norm(column[:H]) == 0  # the forward half has not seen x_4
    assert dep.norms[layer, 0, t, s] == 0
    assert dep.norms[layer, 1, t, s] == pytest.approx(np.linalg.norm(column[H:]), rel=1e-6)


@pytest.mark.parametrize("cell", CELLS)
def test_zero_pattern_agrees_with_perturbing_each_input(cell):
    T, H, seed = 4, 2, 3
    for bidirectional in (False, True):
        dep = rc.dependency_map(cell, 2, bidirectional, T=T, H=H, seed=seed)
        rng = np.random.default_rng(seed)
        layer_params = deep.init_stacked_params(cell, 1, H, 2, rng, bidirectional)
        x = rng.standard_normal((1, T, 1))
        for layer in range(2):
            base, _ = deep.stacked_forward(x, None, layer_params[: layer + 1], cell, bidirectional)
            for s in range(T):
                nudged = x.copy()
                nudged[0, s, 0] += 0.5
                h, _ = deep.stacked_forward(
                    nudged, None, layer_params[: layer + 1], cell, bidirectional
                )
                changed = np.abs(h - base)[0].reshape(T, -1, H).max(axis=2) > 0  # (T, dirs)
                np.testing.assert_array_equal(changed.T, dep.sees[layer, :, :, s])


def test_map_rows_puts_the_top_layer_first():
    dep = rc.dependency_map("rnn", 2, True, T=3)
    sees, norms, labels = rc.map_rows(dep)
    assert sees.shape == norms.shape == (2 * 2 * 3, 3)
    assert labels[0] == "layer 2 fwd, h_1"
    assert labels[3] == "layer 2 bwd, h_1"
    assert labels[-1] == "layer 1 bwd, h_3"
    np.testing.assert_array_equal(sees[-3:], dep.sees[0, 1])
    np.testing.assert_array_equal(norms[:3], dep.norms[1, 0])
    assert set(np.unique(sees)) <= {0.0, 1.0}
    one = rc.map_rows(rc.dependency_map("gru", 1, False, T=2))[2]
    assert one == ["layer 1, h_1", "layer 1, h_2"]


def test_same_seed_same_map():
    a = rc.dependency_map("gru", 2, True, T=4, seed=1).norms
    b = rc.dependency_map("gru", 2, True, T=4, seed=1).norms
    c = rc.dependency_map("gru", 2, True, T=4, seed=2).norms
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"cell": "elman"}, ValueError, "cell must be one of"),
        ({"L": 0}, ValueError, "L must be at least 1"),
        ({"T": 2.5}, TypeError, "T must be an integer"),
        ({"bidirectional": "yes"}, TypeError, "bidirectional must be True or False"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, words):
    with pytest.raises(error, match=words):
        rc.dependency_map(**kwargs)


# --- the widget ---------------------------------------------------------------------


def test_widget_builds_with_the_map():
    box = rc.receptive_field_explorer(L=2, bidirectional=True, T=4)
    heatmap = box.figure.data[0]
    sees, _, labels = rc.map_rows(rc.dependency_map("rnn", 2, True, T=4))
    np.testing.assert_array_equal(np.array(heatmap.z), sees)
    assert list(heatmap.y) == labels
    assert list(heatmap.x) == ["x_1", "x_2", "x_3", "x_4"]
    assert "yes" in box.children[2].value


def test_controls_update_the_heatmap_and_print_latency():
    box = rc.receptive_field_explorer()
    fig, controls = box.figure, box.controls
    before = np.array(fig.data[0].z)
    controls["T"].value = 8  # warm-up: the first update in a process is slower
    start = time.perf_counter()
    controls["bidirectional"].value = False
    latency = time.perf_counter() - start
    print(f"\nreceptive_field_explorer: bidirectional toggle took {latency * 1e3:.1f} ms")
    sees, _, labels = rc.map_rows(rc.dependency_map("rnn", 2, False, T=8))
    after = np.array(fig.data[0].z)
    assert after.shape != before.shape
    np.testing.assert_array_equal(after, sees)
    assert list(fig.data[0].y) == labels
    assert "no: fine for forecasting" in box.children[2].value

    controls["L"].value = 3
    controls["cell"].value = "lstm"
    start = time.perf_counter()
    controls["bidirectional"].value = True
    latency = time.perf_counter() - start
    print(f"receptive_field_explorer: 3-layer LSTM, T=8 took {latency * 1e3:.1f} ms")
    sees, _, labels = rc.map_rows(rc.dependency_map("lstm", 3, True, T=8))
    np.testing.assert_array_equal(np.array(fig.data[0].z), sees)
    assert len(fig.data[0].y) == 3 * 2 * 8
    assert fig.layout.height == rc._height(3 * 2 * 8)
    assert len(fig.data[0].text) == 48 and "|dh/dx|" in fig.data[0].text[0][0]
    assert "3-layer bidirectional LSTM" in box.children[2].value


# --- the static figure --------------------------------------------------------------


def test_static_figure_draws_one_map_per_config():
    import matplotlib.pyplot as plt

    fig = rc.plot_dependency_maps([(1, False), (1, True), (2, True)], T=4)
    assert len(fig.axes) == 3
    image = fig.axes[2].images[0].get_array()
    np.testing.assert_array_equal(image, rc.map_rows(rc.dependency_map("rnn", 2, True, T=4))[0])
    assert fig.axes[1].get_xlabel() == "1 layer, bidirectional"
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()][0] == "layer 1, h_1"
    plt.close("all")
