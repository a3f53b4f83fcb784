"""Chapter 8's pictures: the adding problem, the Reber grammar, and the precomputed sweep.

- :func:`adding_example` (pure) and :func:`plot_adding_example`: one sequence of the adding
  problem, its values as bars, the two marked ones highlighted, the target.
- :func:`reber_layout` (pure) and :func:`draw_reber_grammar`: Reber's transition graph and
  the embedded grammar around it, drawn with matplotlib.
- :func:`sweep_view` (pure), :func:`plot_sweep` and :func:`plot_reber_sweep`: the results of
  ``scripts/long_range_sweep.py`` (loaded with :func:`rnncourse.long_range.load_sweep`).
- :func:`build_sweep_explorer` / :func:`sweep_explorer`: a plotly widget to walk through
  the sweep: pick T and the metric; the curves and the final values follow. Three layers
  as everywhere in :mod:`rnncourse.viz`: the pure :func:`sweep_view`, a builder that makes
  the figure once, callbacks that rewrite its data inside ``fig.batch_update()``.
"""

from dataclasses import dataclass

import numpy as np

from ..data import long_range as data
from ..long_range import final_values
from ._controls import bind

#: Colours and labels of the models, the same in every figure.
#: Okabe and Ito's colour-blind-safe colours; every curve is also named in its legend.
MODEL_COLORS = {"rnn": "#D55E00", "lstm": "#0072B2", "gru": "#009E73", "irnn": "#CC79A7"}
MODEL_LABELS = {
    "rnn": "RNN (tanh)",
    "lstm": "LSTM",
    "gru": "GRU",
    "irnn": "IRNN (relu, W_hh = I)",
}

#: The metrics of the adding problem: key -> (array in the sweep, axis title).
METRICS = {
    "mse": ("adding_mse", "test MSE"),
    "accuracy": ("adding_accuracy", "test accuracy (|error| < 0.04)"),
}

#: How many evaluations at the end of training are averaged into a "final" value.
FINAL_EVALS = 3


# ---------------------------------------------------------------- the adding problem


def adding_example(x, y):
    """One sequence of the adding problem, taken apart.

    Inputs: x (T, 2) one sequence (values, markers); y (1,) or a number, its target.

    Returns a dict: "steps" (T,) 0..T-1, "values" (T,), "marked" (2,) the marked steps,
    "marked_values" (2,), "target" (a float), "marked_sum" (a float, equal to the target).
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"x must be one sequence (T, 2), but has shape {x.shape}.")
    marked = np.nonzero(x[:, 1])[0]
    return {
        "steps": np.arange(x.shape[0]),
        "values": x[:, 0],
        "marked": marked,
        "marked_values": x[marked, 0],
        "target": float(np.asarray(y).reshape(-1)[0]),
        "marked_sum": float(x[marked, 0].sum()),
    }


def plot_adding_example(x, y, prediction=None, ax=None):
    """Bars for the values of one sequence x (T, 2); the two marked ones in colour."""
    import matplotlib.pyplot as plt

    ex = adding_example(x, y)
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 2.8))
    colors = np.where(x[:, 1] > 0, "#d95f02", "#c6dbef")
    ax.bar(ex["steps"], ex["values"], color=colors, edgecolor="0.4", linewidth=0.5)
    for t, v in zip(ex["marked"], ex["marked_values"], strict=True):
        ax.annotate(f"{v:.2f}", (t, v), xytext=(0, 3), textcoords="offset points",
                    ha="center", fontsize=9, color="#d95f02")  # fmt: skip
    half = len(ex["steps"]) // 2
    ax.axvline(half - 0.5, color="0.5", ls="--", lw=1)
    ax.text(half - 0.5, 1.12, " second half", fontsize=8, color="0.4", va="top")
    ax.text(half - 0.5, 1.12, "first half ", fontsize=8, color="0.4", va="top", ha="right")
    title = f"target = {ex['marked_values'][0]:.2f} + {ex['marked_values'][1]:.2f}"
    title += f" = {ex['target']:.2f}"
    if prediction is not None:
        title += f";  model's answer {float(np.asarray(prediction).reshape(-1)[0]):.2f}"
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("time step t")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel("value (channel 0)")
    ax.set_ylim(0, 1.15)
    ax.set_xlim(-0.7, len(ex["steps"]) - 0.3)
    ax.figure.tight_layout()
    return ax.figure


# ---------------------------------------------------------------- the Reber grammar

#: Where each state of :data:`rnncourse.data.long_range.REBER_GRAPH` is drawn; "end" is
#: the final state after E.
_POSITIONS = {0: (0.0, 0.0), 1: (1.2, 0.0), 2: (2.6, 1.0), 3: (2.6, -1.0), 4: (4.2, 1.0),
              5: (4.2, -1.0), 6: (5.6, 0.0), "end": (6.8, 0.0)}  # fmt: skip


def reber_layout():
    """The graph to draw: node positions and the labelled edges of Reber's grammar.

    Returns a dict: "positions" (node -> (x, y)) and "edges", a list of
    (from, to, symbol) with to = "end" for the final E; self-loops have from == to.
    """
    edges = [
        (state, "end" if nxt is None else nxt, symbol)
        for state, moves in data.REBER_GRAPH.items()
        for symbol, nxt in moves
    ]
    return {"positions": dict(_POSITIONS), "edges": edges}


def _draw_graph(ax, positions, edges, loops_up=(2,), curved=None, numbered=True):
    from matplotlib.patches import Circle, FancyArrowPatch

    curved = curved or {}
    for node, (px, py) in positions.items():
        label = str(node) if numbered and node != "end" else ""
        final = node == "end"
        ax.add_patch(Circle((px, py), 0.22, fc="white" if final else "#dbe9f6", ec="0.3",
                            lw=2.5 if final else 1.5, zorder=2))  # fmt: skip
        ax.text(px, py, label, ha="center", va="center", fontsize=9, color="0.35", zorder=3)
    for start, end, symbol in edges:
        (x0, y0), (x1, y1) = positions[start], positions[end]
        if start == end:  # a self-loop above (or below) the node
            sign = 1 if start in loops_up else -1
            arrow = FancyArrowPatch(
                (x0 - 0.15, y0 + sign * 0.17), (x0 + 0.15, y0 + sign * 0.17),
                connectionstyle=f"arc3,rad={-2.2 * sign}", arrowstyle="-|>",
                mutation_scale=11, color="0.2", lw=1.2,
            )  # fmt: skip
            ax.add_patch(arrow)
            ax.text(x0, y0 + sign * 0.72, symbol, ha="center", va="center", fontsize=12,
                    fontweight="bold", color="#08519c")  # fmt: skip
            continue
        rad = curved.get((start, end), 0.0)
        ax.add_patch(
            FancyArrowPatch((x0, y0), (x1, y1), connectionstyle=f"arc3,rad={rad}",
                            arrowstyle="-|>", mutation_scale=12, color="0.2", lw=1.2,
                            shrinkA=13, shrinkB=13)
        )  # fmt: skip
        mx, my = (x0 + x1) / 2, (y0 + y1) / 2
        dx, dy = x1 - x0, y1 - y0
        norm = np.hypot(dx, dy)
        nx, ny = -dy / norm, dx / norm  # the left normal of the edge
        offset = 0.2 + abs(rad) * norm * 0.5
        side = -1 if rad > 0 else 1
        ax.text(mx + side * nx * offset, my + side * ny * offset, symbol, ha="center",
                va="center", fontsize=12, fontweight="bold", color="#08519c")  # fmt: skip


def draw_reber_grammar():
    """Two panels: the embedded grammar around Reber's grammar, and Reber's graph itself."""
    import matplotlib.pyplot as plt

    fig, (ax_top, ax) = plt.subplots(
        2, 1, figsize=(8.0, 6.2), gridspec_kw={"height_ratios": [1, 1.7]}
    )
    # the embedded grammar: B, then T ... T or P ... P around a Reber string, then E
    pos = {"a": (0.0, 0.0), "b": (1.3, 0.0), "t": (2.8, 0.8), "p": (2.8, -0.8),
           "t2": (5.0, 0.8), "p2": (5.0, -0.8), "c": (6.5, 0.0), "end": (7.8, 0.0)}  # fmt: skip
    edges = [("a", "b", "B"), ("b", "t", "T"), ("b", "p", "P"), ("t2", "c", "T"),
             ("p2", "c", "P"), ("c", "end", "E")]  # fmt: skip
    _draw_graph(ax_top, pos, edges, numbered=False)
    for a, b, y in (("t", "t2", 0.8), ("p", "p2", -0.8)):
        ax_top.annotate("", xy=(pos[b][0] - 0.24, y), xytext=(pos[a][0] + 0.24, y),
                        arrowprops={"arrowstyle": "-|>", "color": "0.2"})  # fmt: skip
        box = {"boxstyle": "round,pad=0.4", "fc": "#fdf0e2", "ec": "#d95f02"}
        ax_top.text(3.9, y, "Reber string", ha="center", va="center", fontsize=10, bbox=box)
    ax_top.set_title("embedded Reber grammar: the second symbol returns as the second-last",
                     fontsize=10)  # fmt: skip
    layout = reber_layout()
    curved = {(4, 3): 0.0, (5, 4): 0.0}
    _draw_graph(ax, layout["positions"], layout["edges"], loops_up=(2,), curved=curved)
    ax.set_title("Reber's grammar (Reber 1967): a walk from state 0 to the end writes a string",
                 fontsize=10)  # fmt: skip
    for a in (ax_top, ax):
        a.set_aspect("equal")
        a.set_axis_off()
    ax_top.set_xlim(-0.5, 8.3)
    ax_top.set_ylim(-1.4, 1.4)
    ax.set_xlim(-0.5, 7.3)
    ax.set_ylim(-1.9, 1.9)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- the sweep


def sweep_view(sweep, T, metric="mse"):
    """What the sweep explorer shows for one sequence length T and one metric.

    Inputs: ``sweep`` from :func:`rnncourse.long_range.load_sweep`; T one of ``sweep["T"]``;
    metric "mse" or "accuracy".

    Returns a dict:
    - "steps": (E,) the training steps of the evaluations
    - "models": the model names, in the sweep's order
    - "runs": model -> (S, E) one curve per seed at this T
    - "mean": model -> (E,) the mean over seeds
    - "T_values": (R,) every T of the sweep
    - "final": model -> (R,) the final value at every T (mean of the last evaluations and
      of the seeds; NaN if a run diverged)
    - "baseline": 1/6 for the MSE (always answering 1.0), None for the accuracy
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {sorted(METRICS)}, but got {metric!r}.")
    T_values = np.asarray(sweep["T"])
    if T not in T_values:
        raise ValueError(f"T must be one of {T_values.tolist()}, but got {T!r}.")
    r = int(np.nonzero(T_values == T)[0][0])
    curves = sweep[METRICS[metric][0]]  # (M, R, S, E)
    models = [str(m) for m in sweep["models"]]
    return {
        "steps": np.asarray(sweep["eval_steps"]),
        "models": models,
        "runs": {m: curves[i, r] for i, m in enumerate(models)},
        "mean": {m: curves[i, r].mean(axis=0) for i, m in enumerate(models)},
        "T_values": T_values,
        "final": {m: final_values(curves[i], FINAL_EVALS) for i, m in enumerate(models)},
        "baseline": data.ADDING_BASELINE_MSE if metric == "mse" else None,
    }


#: The MSE of the best answer that uses only the value marked in the second half (the
#: nearer one): the variance of the other value, 1/12.
ONE_VALUE_MSE = 1.0 / 12.0


def _style_metric_axis(ax, metric):
    if metric == "mse":
        ax.set_yscale("log")
        ax.axhline(data.ADDING_BASELINE_MSE, color="0.3", ls="--", lw=1)
        ax.axhline(ONE_VALUE_MSE, color="0.5", ls=":", lw=1)
    else:
        ax.set_ylim(-0.03, 1.03)
    ax.set_ylabel(METRICS[metric][1])


def plot_sweep(sweep, T=50, metric="mse"):
    """Two panels: the curves of every model at one T, and the final value against T."""
    import matplotlib.pyplot as plt

    view = sweep_view(sweep, T, metric)
    fig, (ax_c, ax_f) = plt.subplots(1, 2, figsize=(10, 3.6))
    for m in view["models"]:
        for run in view["runs"][m]:
            ax_c.plot(view["steps"], run, color=MODEL_COLORS[m], lw=0.8, alpha=0.35)
        ax_c.plot(view["steps"], view["mean"][m], color=MODEL_COLORS[m], lw=2,
                  label=MODEL_LABELS[m])  # fmt: skip
        ax_f.plot(view["T_values"], view["final"][m], "o-", color=MODEL_COLORS[m], lw=2,
                  label=MODEL_LABELS[m])  # fmt: skip
    ax_c.set_title(f"adding problem, T = {T}: learning curves", fontsize=10)
    ax_c.set_xlabel("training step")
    ax_f.set_title("at the end of training, against T", fontsize=10)
    ax_f.set_xlabel("sequence length T")
    ax_f.set_xscale("log")
    ax_f.set_xticks(view["T_values"], [str(t) for t in view["T_values"]])
    ax_f.minorticks_off()
    for ax in (ax_c, ax_f):
        _style_metric_axis(ax, metric)
    ax_c.legend(fontsize=8, frameon=False)
    if metric == "mse":
        _label_lines(ax_c, view["steps"][-1])
    fig.tight_layout()
    return fig


def _label_lines(ax, x):
    ax.text(x, data.ADDING_BASELINE_MSE * 1.12, "always 1.0 (1/6)", ha="right", fontsize=8,
            color="0.3")  # fmt: skip
    ax.text(x, ONE_VALUE_MSE * 0.8, "second value only (1/12)", ha="right", va="top",
            fontsize=8, color="0.4")  # fmt: skip


def plot_histories(histories, title=None):
    """Test MSE against the training step for runs of :func:`rnncourse.long_range.train_on_task`.

    ``histories`` maps a model name (a key of :data:`MODEL_COLORS`) to its RunHistory.
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 3.4))
    last = 0
    for name, history in histories.items():
        ax.plot(history.eval_steps, history.evals["mse"], color=MODEL_COLORS.get(name),
                lw=2, label=MODEL_LABELS.get(name, name))  # fmt: skip
        last = max(last, history.eval_steps[-1])
    _style_metric_axis(ax, "mse")
    _label_lines(ax, last)
    ax.set_xlabel("training step")
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, frameon=False, loc="lower left")
    fig.tight_layout()
    return fig


def plot_reber_sweep(sweep):
    """The embedded Reber runs: strings right at every step, against the training step."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 3.2))
    steps = sweep["reber_eval_steps"]
    for i, m in enumerate(str(m) for m in sweep["reber_models"]):
        runs = sweep["reber_string_accuracy"][i]  # (S, E)
        for s, run in enumerate(runs):
            first = s == 0
            label = MODEL_LABELS[m] if first else None
            ax.plot(steps, run, color=MODEL_COLORS[m], lw=1.6, alpha=0.9 if first else 0.5,
                    ls="-" if first else "--", label=label)  # fmt: skip
    ax.axhline(0.5, color="0.5", lw=0.8, ls=":")
    ax.set_xlabel("training step")
    ax.set_ylabel("strings right at every step")
    ax.set_ylim(-0.03, 1.03)
    ax.set_title("embedded Reber grammar (solid: seed 0, dashed: seed 1)", fontsize=10)
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    fig.tight_layout()
    return fig


@dataclass
class SweepExplorer:
    """The widget and its parts (the tests reach into them)."""

    box: object  # the ipywidgets container to display
    fig: object  # the plotly FigureWidget
    T_buttons: object
    metric_buttons: object
    state: dict


def build_sweep_explorer(sweep, T=None, metric="mse"):
    """Build the sweep explorer: controls for T and the metric, two panels of curves."""
    import ipywidgets as widgets
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    T_values = [int(t) for t in sweep["T"]]
    T = T_values[len(T_values) // 2] if T is None else int(T)
    state = {"T": T, "metric": metric}
    T_buttons = widgets.ToggleButtons(
        options=[(str(t), t) for t in T_values], value=T, description="T",
        style={"button_width": "48px"},
    )  # fmt: skip
    metric_buttons = widgets.ToggleButtons(
        options=[("test MSE", "mse"), ("accuracy", "accuracy")], value=metric,
        description="metric",
    )  # fmt: skip
    view = sweep_view(sweep, T, metric)
    fig = go.FigureWidget(
        make_subplots(rows=1, cols=2, subplot_titles=("learning curves at T", "final value vs T"))
    )
    for m in view["models"]:
        fig.add_trace(go.Scatter(x=[], y=[], mode="lines", name=MODEL_LABELS[m],
                                 line=dict(color=MODEL_COLORS[m], width=2.5)), 1, 1)  # fmt: skip
    for m in view["models"]:
        fig.add_trace(go.Scatter(x=[], y=[], mode="lines+markers", name=MODEL_LABELS[m],
                                 line=dict(color=MODEL_COLORS[m], width=2),
                                 showlegend=False), 1, 2)  # fmt: skip
    fig.add_trace(go.Scatter(x=[], y=[], mode="lines", name="always 1.0 (MSE 1/6)",
                             line=dict(color="grey", dash="dash", width=1)), 1, 1)  # fmt: skip
    fig.add_trace(go.Scatter(x=[], y=[], mode="markers", name="this T", showlegend=False,
                             marker=dict(size=14, color="rgba(0,0,0,0)",
                                         line=dict(color="black", width=1.5))), 1, 2)  # fmt: skip
    fig.update_xaxes(title_text="training step", row=1, col=1)
    fig.update_xaxes(title_text="sequence length T", type="log", tickvals=T_values, row=1, col=2)
    fig.update_layout(height=360, width=860, margin=dict(l=55, r=20, t=40, b=40),
                      legend=dict(orientation="h", y=-0.22))  # fmt: skip
    M = len(view["models"])

    def redraw():
        v = sweep_view(sweep, state["T"], state["metric"])
        log = state["metric"] == "mse"
        t_index = int(np.nonzero(v["T_values"] == state["T"])[0][0])
        with fig.batch_update():
            for i, m in enumerate(v["models"]):
                fig.data[i].x, fig.data[i].y = v["steps"], v["mean"][m]
                fig.data[M + i].x, fig.data[M + i].y = v["T_values"], v["final"][m]
            baseline = fig.data[2 * M]
            baseline.x = [v["steps"][0], v["steps"][-1]] if log else []
            baseline.y = [v["baseline"]] * 2 if log else []
            here = fig.data[2 * M + 1]
            here.x = [state["T"]] * M
            here.y = [v["final"][m][t_index] for m in v["models"]]
            for col in (1, 2):
                fig.update_yaxes(type="log" if log else "linear",
                                 range=None if log else [-0.03, 1.03],
                                 title_text=METRICS[state["metric"]][1] if col == 1 else None,
                                 row=1, col=col)  # fmt: skip
            fig.layout.annotations[0].text = f"learning curves at T = {state['T']}"

    bind({"T": T_buttons, "metric": metric_buttons}, state, redraw)
    redraw()
    box = widgets.VBox([T_buttons, metric_buttons, fig])
    return SweepExplorer(box, fig, T_buttons, metric_buttons, state)


def sweep_explorer(sweep, T=None, metric="mse"):
    """The sweep explorer widget, ready to display in a notebook."""
    return build_sweep_explorer(sweep, T, metric).box
