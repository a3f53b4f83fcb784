"""Small static matplotlib figures shared by the notebooks.

Each function draws into a new figure and returns it; the notebook cell ends with
``plt.show()``. The numbers plotted come from the package itself (for example
:mod:`rnncourse.activations`), never from a copy.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch

from .. import activations

#: The activations compared in chapter 1: name -> (function, derivative), both of a_t.
ACTIVATION_CURVES = {
    "tanh": (activations.tanh, activations.tanh_grad),
    "sigmoid": (activations.sigmoid, activations.sigmoid_grad),
    "relu": (activations.relu, activations.relu_grad),
}


def activation_curves(z):
    """Pure part of :func:`plot_activations`: ``{name: (f(z), f'(z))}`` for z of any shape."""
    z = np.asarray(z, dtype=np.float64)
    return {name: (f(z), df(z)) for name, (f, df) in ACTIVATION_CURVES.items()}


def plot_activations(z_max=4.0, num=401):
    """Two panels: tanh, sigmoid and relu on the left, their derivatives on the right."""
    z = np.linspace(-z_max, z_max, num)
    fig, (ax_f, ax_df) = plt.subplots(1, 2, figsize=(9, 3.2))
    for name, (f, df) in activation_curves(z).items():
        ax_f.plot(z, f, label=name)
        ax_df.plot(z, df, label=name)
    ax_f.set_title("activation f(a)")
    ax_df.set_title("derivative f'(a)")
    for ax in (ax_f, ax_df):
        ax.axhline(0, color="0.7", lw=0.8)
        ax.axvline(0, color="0.7", lw=0.8)
        ax.set_xlabel("pre-activation a")
        ax.legend(loc="upper left", frameon=False)
    ax_f.set_ylim(-1.2, 2.2)
    ax_df.set_ylim(-0.1, 1.2)
    fig.tight_layout()
    return fig


def _node(ax, xy, text, color):
    ax.text(
        *xy, text, ha="center", va="center", fontsize=12,
        bbox={"boxstyle": "round,pad=0.35", "fc": color, "ec": "0.3"},
    )  # fmt: skip


def _arrow(ax, start, end, label=None, offset=(0.0, 0.0), rad=0.0, color="0.2"):
    ax.add_patch(
        FancyArrowPatch(
            start, end, arrowstyle="-|>", mutation_scale=12, color=color,
            connectionstyle=f"arc3,rad={rad}", shrinkA=14, shrinkB=14,
        )
    )  # fmt: skip
    if label:
        mid = ((start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1])
        ax.text(*mid, label, ha="center", va="center", fontsize=10, color=color)


def draw_unrolled_rnn(T=3, kind="elman", ax=None):
    """Draw a recurrent network unrolled over T steps: x_t -> h_t -> y_t.

    ``kind="elman"`` feeds the hidden state back (h_{t-1} -> h_t through W_hh);
    ``kind="jordan"`` feeds the previous output back (y_{t-1} -> h_t through W_yh).
    The same weight names on every step say that the weights are shared across time.
    """
    if kind not in ("elman", "jordan"):
        raise ValueError(f"kind must be 'elman' or 'jordan', but got {kind!r}.")
    if ax is None:
        _, ax = plt.subplots(figsize=(2.2 * T + 1.6, 3.4))
    hidden, inputs, outputs = "#dbe9f6", "#e8f3e1", "#fbe5d6"
    back = "#b35900"
    for t in range(1, T + 1):
        x0 = 2.0 * t
        _node(ax, (x0, 0), f"$x_{t}$", inputs)
        _node(ax, (x0, 1.5), f"$h_{t}$", hidden)
        _node(ax, (x0, 3), f"$y_{t}$", outputs)
        _arrow(ax, (x0, 0), (x0, 1.5), "$W_{xh}$", offset=(0.4, 0))
        _arrow(ax, (x0, 1.5), (x0, 3), "$W_{hy}$", offset=(0.4, 0))
        if kind == "elman":
            _arrow(ax, (x0 - 2, 1.5), (x0, 1.5), "$W_{hh}$", offset=(0, 0.3), color=back)
        elif t > 1:
            _arrow(ax, (x0 - 2, 3), (x0, 1.5), "$W_{yh}$", offset=(0.15, 0.45), color=back)
    if kind == "elman":
        _node(ax, (0, 1.5), "$h_0$", "white")
    ax.set_xlim(-0.6, 2.0 * T + 0.8)
    ax.set_ylim(-0.6, 3.6)
    ax.set_axis_off()
    name = "Elman (1990): the hidden state" if kind == "elman" else "Jordan (1986): the output"
    ax.set_title(f"{name} is fed back", fontsize=11)
    return ax.figure


def plot_norms(norms, title="", ylim=None, ax=None):
    """Plot ``{label: norms}`` on a log axis: ||h_t|| against t.

    ``norms`` values are (T,) for one run or (R, T) for R runs (drawn in one colour, so the
    spread between random draws is visible). Exact zeros are left out of the log axis;
    ``ylim=(low, high)`` zooms in when one run decays far below the others.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 3.2))
    for index, (label, values) in enumerate(norms.items()):
        runs = np.atleast_2d(np.asarray(values, dtype=np.float64))  # (T,) -> (1, T)
        shown = np.where(runs > 0, runs, np.nan)
        color = f"C{index}"
        for r, run in enumerate(shown):
            ax.semilogy(np.arange(run.size), run, color=color, lw=1.2, alpha=0.8,
                        label=label if r == 0 else None)  # fmt: skip
    ax.set_xlabel("time step t")
    ax.set_ylabel("||h_t||")
    if ylim is not None:
        ax.set_ylim(*ylim)
    if title:
        ax.set_title(title)
    ax.legend(frameon=False, fontsize=9)
    ax.figure.tight_layout()
    return ax.figure
