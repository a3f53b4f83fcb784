"""Which hidden states see which inputs: dependency maps of deep and bidirectional networks.

For a stack of L layers of a cell, one-directional or bidirectional, the map holds the size
of the Jacobian of every hidden state with respect to every input,

    norms[l-1, d, t-1, s-1] = || d h^{(l)}_t / d x_s ||      (Frobenius norm, H x D numbers)

for layer l = 1..L, direction d (0 forward, 1 backward), state step t and input step s,
both counted from 1 as in the equations. The numbers come from the package's own backward
pass (:func:`rnncourse.deep.stacked_backward`), so an exact zero means that the state cannot
depend on that input, whatever the weights: no path leads from x_s to h^{(l)}_t.

Three layers, as everywhere in :mod:`rnncourse.viz`:

1. :func:`dependency_map` and :func:`map_rows` (pure: arrays in, arrays out);
2. :func:`receptive_field_explorer` builds the controls and a plotly ``FigureWidget`` once,
   and :func:`plot_dependency_maps` draws a static matplotlib figure;
3. a thin callback writes new data into the figure inside ``fig.batch_update()``.

Shapes: N sequences, T time steps, D = 1 input feature, H hidden units, L layers.
"""

from typing import NamedTuple

import numpy as np

from .. import deep
from .._deep_checks import check_bidirectional, check_cell
from .._validate import require_positive_int
from ._controls import bind

L_RANGE = (1, 3)  # layers offered by the widget
T_RANGE = (2, 10)  # time steps offered by the widget
DIRECTION_NAMES = ("fwd", "bwd")


class DependencyMap(NamedTuple):
    """What :func:`dependency_map` returns."""

    norms: np.ndarray  # (L, directions, T, T): || d h^{(l)}_t / d x_s ||, [l-1, d, t-1, s-1]
    sees: np.ndarray  # (L, directions, T, T) bool: norms > 0
    cell: str  # "rnn", "lstm" or "gru"
    bidirectional: bool


def dependency_map(cell="rnn", L=1, bidirectional=False, T=6, H=3, seed=0):
    """Which inputs each hidden state depends on, from the package's real gradients.

    A random stack (:func:`rnncourse.deep.init_stacked_params`, D = 1, zero initial states)
    reads one random sequence. The sequence is copied once for every (step t, output unit
    k) of a layer's output, and copy m gets the upstream gradient 1 at (t, k) and 0
    elsewhere; one call of :func:`rnncourse.deep.stacked_backward` then returns in row m
    the derivatives of h_t[k] with respect to every x_s. Layers below the top are handled
    by the same backward pass on the bottom layers of the forward cache.

    Inputs:
    - cell: "rnn", "lstm" or "gru"
    - L: number of layers; bidirectional: False or True
    - T: number of time steps; H: hidden units per layer and direction
    - seed: fixes the weights and the input

    Returns a :class:`DependencyMap`; its arrays are (L, directions, T, T).
    """
    check_cell(cell)
    check_bidirectional(bidirectional)
    L, T, H = (require_positive_int(name, v) for name, v in (("L", L), ("T", T), ("H", H)))
    rng = np.random.default_rng(seed)
    layer_params = deep.init_stacked_params(cell, 1, H, L, rng, bidirectional)
    directions = 2 if bidirectional else 1
    W = directions * H  # width of every layer's output: forward units, then backward units
    M = T * W  # one copy of the sequence per (t, k)
    x = np.repeat(rng.standard_normal((1, T, 1)), M, axis=0)  # (1, T, D) -> (M, T, D)
    _, cache = deep.stacked_forward(x, None, layer_params, cell, bidirectional)
    dh = np.zeros((M, T, W))
    copies = np.arange(M)
    dh[copies, copies // W, copies % W] = 1.0  # copy m = t * W + k asks for d h_t[k] / d x
    norms = np.zeros((L, directions, T, T))
    for layer in range(L):
        below = deep.StackedCache(
            cell, bidirectional, cache.layers[: layer + 1], cache.states_final[: layer + 1]
        )  # the bottom layer + 1 layers: their top is this layer
        dx, _, _ = deep.stacked_backward(dh, below)  # (M, T, D)
        J = dx.reshape(T, directions, H, T, 1)  # (M, T, D) -> (t, direction, unit, s, D)
        norms[layer] = np.sqrt((J**2).sum(axis=(2, 4))).transpose(1, 0, 2)  # (d, t, s)
    return DependencyMap(norms, norms > 0, cell, bool(bidirectional))


def row_label(layer, direction, t, bidirectional):
    """The label of one state's row: layer and t count from 1, e.g. ``"layer 2 bwd, h_3"``."""
    name = f"layer {layer + 1}" + (f" {DIRECTION_NAMES[direction]}" if bidirectional else "")
    return f"{name}, h_{t + 1}"


def map_rows(dep):
    """The map as a table: one row per state, the top layer first.

    Returns ``(sees, norms, labels)``: sees (R, T) as 0.0/1.0, norms (R, T) and a list of R
    row labels, with R = L * directions * T; within a layer the forward direction comes
    first, and within a direction t = 1..T.
    """
    L, directions, T, _ = dep.norms.shape
    labels = [
        row_label(layer, d, t, dep.bidirectional)
        for layer in reversed(range(L))
        for d in range(directions)
        for t in range(T)
    ]
    norms = dep.norms[::-1].reshape(L * directions * T, T)  # top layer first; (R, T)
    return (norms > 0).astype(np.float64), norms, labels


def sees_the_future(dep):
    """True when some state of the top layer depends on an input after its own step."""
    top = dep.sees[-1]  # (directions, T, T)
    T = top.shape[-1]
    later = np.triu(np.ones((T, T), dtype=bool), k=1)  # [t-1, s-1] with s > t
    return bool((top & later).any())


def _summary(dep):
    L, _, T, _ = dep.norms.shape
    kind = "bidirectional" if dep.bidirectional else "one-directional"
    top = dep.sees[-1].any(axis=0)  # (T, T): the concatenated top state at t sees x_s
    first = ", ".join(f"x_{s + 1}" for s in np.flatnonzero(top[0]))
    future = (
        "yes: not allowed for forecasting or language modelling"
        if sees_the_future(dep)
        else "no: fine for forecasting and streaming"
    )
    return (
        f"{L}-layer {kind} {dep.cell.upper()}, T = {T} &nbsp;|&nbsp; top layer at t = 1 "
        f"sees {first} &nbsp;|&nbsp; does an output see later inputs? {future}"
    )


def _hover(norms, labels):
    """Hover text per cell: the state, the input and the size of the gradient."""
    return [
        [f"{label} and x_{s + 1}: |dh/dx| = {value:.2g}" for s, value in enumerate(row)]
        for label, row in zip(labels, norms, strict=True)
    ]


_COLOURS = [[0.0, "#f2f2f2"], [0.5, "#f2f2f2"], [0.5, "#2166ac"], [1.0, "#2166ac"]]


def _height(rows):
    return 110 + 16 * rows


def receptive_field_explorer(cell="rnn", L=2, bidirectional=True, T=6, H=3, seed=0):
    """A widget: controls for the cell, the number of layers, bidirectional and T; a heatmap
    with one row per hidden state and one column per input, blue where the state depends
    on the input (its gradient with respect to it is not zero)."""
    import ipywidgets as widgets
    import plotly.graph_objects as go

    dep = dependency_map(cell, L, bidirectional, T, H, seed)
    sees, norms, labels = map_rows(dep)
    columns = [f"x_{s + 1}" for s in range(T)]
    fig = go.FigureWidget(
        go.Heatmap(
            z=sees,
            x=columns,
            y=labels,
            zmin=0,
            zmax=1,
            colorscale=_COLOURS,
            showscale=False,
            xgap=1,
            ygap=1,
            text=_hover(norms, labels),
            hoverinfo="text",
        )
    )
    fig.update_yaxes(autorange="reversed", type="category", tickfont={"size": 10})
    fig.update_xaxes(side="top", type="category", title_text="input")
    fig.update_layout(
        width=560, height=_height(len(labels)), margin={"l": 130, "r": 20, "t": 60, "b": 20}
    )

    controls = {
        "cell": widgets.Dropdown(options=["rnn", "lstm", "gru"], value=cell, description="cell"),
        "L": widgets.IntSlider(value=L, min=L_RANGE[0], max=L_RANGE[1], description="layers"),
        "bidirectional": widgets.Checkbox(value=bidirectional, description="bidirectional"),
        "T": widgets.IntSlider(value=T, min=T_RANGE[0], max=T_RANGE[1], description="T"),
    }
    summary = widgets.HTML(_summary(dep))
    state = {"cell": cell, "L": L, "bidirectional": bidirectional, "T": T}

    def redraw():
        new = dependency_map(state["cell"], state["L"], state["bidirectional"], state["T"],
                             H, seed)  # fmt: skip
        new_sees, new_norms, new_labels = map_rows(new)
        with fig.batch_update():
            heatmap = fig.data[0]
            heatmap.z = new_sees
            heatmap.x = [f"x_{s + 1}" for s in range(state["T"])]
            heatmap.y = new_labels
            heatmap.text = _hover(new_norms, new_labels)
            fig.layout.height = _height(len(new_labels))
        summary.value = _summary(new)

    bind(controls, state, redraw)

    box = widgets.VBox(
        [
            widgets.HBox([controls["cell"], controls["bidirectional"]]),
            widgets.HBox([controls["L"], controls["T"]]),
            summary,
            fig,
        ]
    )
    box.figure, box.controls = fig, controls  # handles for tests and curious learners
    return box


def plot_dependency_maps(configs, cell="rnn", T=5, H=3, seed=0):
    """A static matplotlib figure: one dependency map per ``(L, bidirectional)`` in configs,
    side by side, blue where a state (row) depends on an input (column). Returns the figure."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    maps = [dependency_map(cell, L, bi, T, H, seed) for L, bi in configs]
    rows = max(len(map_rows(dep)[2]) for dep in maps)
    fig, axes = plt.subplots(
        1, len(maps), figsize=(2.4 * len(maps), 1.2 + 0.23 * rows), squeeze=False
    )
    cmap = ListedColormap(["#f2f2f2", "#2166ac"])
    for ax, dep in zip(axes[0], maps, strict=True):
        sees, _, labels = map_rows(dep)
        ax.imshow(sees, cmap=cmap, vmin=0, vmax=1)  # square cells, the same size everywhere
        ax.set_anchor("N")  # short maps hang from the top
        ax.set_xticks(range(T), [f"$x_{s + 1}$" for s in range(T)])
        ax.xaxis.tick_top()
        ax.set_yticks(range(len(labels)), labels, fontsize=7)
        ax.set_xticks(np.arange(T + 1) - 0.5, minor=True)
        ax.set_yticks(np.arange(len(labels) + 1) - 0.5, minor=True)
        ax.grid(which="minor", color="white", linewidth=1)
        ax.tick_params(which="minor", length=0)
        for boundary in range(T, len(labels), T):  # a line between layers and directions
            ax.axhline(boundary - 0.5, color="black", linewidth=1)
        L = dep.norms.shape[0]
        kind = "bidirectional" if dep.bidirectional else "one-directional"
        ax.set_xlabel(f"{L} layer{'s' * (L > 1)}, {kind}")
    fig.tight_layout()
    return fig
