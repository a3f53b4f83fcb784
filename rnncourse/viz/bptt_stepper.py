"""Chapter 2's pictures of backpropagation through time: the BPTT stepper and the unrolled graph.

The stepper walks the backward pass one time step at a time, from t = T down to 1. Each
click on "Step back" shows what reached h_t (from its own output and from the future), what
that step added to every parameter's gradient, a bar of ||dh_t|| and the running total of
||dW_hh||, which ends at exactly what :func:`rnncourse.rnn.rnn_backward` returns.

Three layers (see :mod:`rnncourse.viz`):

- :func:`walk_backward` and :func:`view_state` are pure: numbers in, numbers and HTML out.
  The per-step records come from :func:`rnncourse.bptt.bptt_steps`, never re-implemented.
- :func:`build_stepper` creates the controls and the plotly figure once.
- its callbacks only look up the precomputed walk and write the new view into the widgets.

Time steps are shown counted from 1, as in the equations: h_0 is the initial state and
step t = 1..T makes h_t. The code counts from 0: step t stores h_t in ``h[:, t - 1]`` and
its record has ``BPTTStep.t == t - 1``.

Shapes: N sequences, T steps, D inputs, H hidden units, K outputs.
"""

from dataclasses import dataclass

import numpy as np

from .. import bptt, init, layers, losses, rnn

#: Where the loss is taken: on every step's output, or only on the last one.
LOSS_AT = ("every step", "last step only")


def walk_backward(T=6, scale=1.0, loss_at="every step", *, N=1, D=2, H=3, K=1, seed=0):
    """The backward pass of a small fixed problem, step by step.

    The problem: random inputs x (N, T, D), h0 = 0, W_hh = ``scale`` times a random orthogonal
    (H, H) matrix, an output layer y_t = h_t W_hy + b_y with K outputs and a mean squared
    error against random targets, taken at every step or (``loss_at="last step only"``) only
    at t = T-1. The same ``seed`` always gives the same problem.

    Returns a dict:
    - "T": the number of steps
    - "records": the :class:`rnncourse.bptt.BPTTStep` records in walking order (``.t`` runs
      from T-1 down to 0)
    - "norms": for each record, the dict of its gradient norms (``BPTTStep.norms()``)
    - "running_dW_hh": after each record, ||sum of the dW_hh contributions so far||
    - "full_grads": the parameter gradients of :func:`rnncourse.rnn.rnn_backward`
    - "dh": the gradient reaching each h_t from the outputs, (N, T, H)
    """
    if loss_at not in LOSS_AT:
        raise ValueError(f"loss_at must be one of {LOSS_AT}, but got {loss_at!r}.")
    T = int(T)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, T, D))
    params = {
        "W_xh": init.xavier_uniform((D, H), rng),
        "W_hh": init.orthogonal((H, H), rng, gain=float(scale)),
        "b_h": np.zeros(H),
    }
    W_hy = init.xavier_uniform((H, K), rng)
    b_y = np.zeros(K)
    target = rng.standard_normal((N, T, K))
    mask = np.ones((N, T))
    if loss_at == "last step only":
        mask[:, :-1] = 0

    h, cache = rnn.rnn_forward(x, np.zeros((N, H)), params)
    y, out_cache = layers.linear_forward(h, W_hy, b_y)  # (N, T, K)
    _, dy = losses.mse_loss(y, target, mask=mask)
    dh, _, _ = layers.linear_backward(dy, out_cache)  # (N, T, H)

    records = list(bptt.bptt_steps(dh, cache))
    running, total = [], np.zeros_like(params["W_hh"])
    for record in records:
        total = total + record.grads["W_hh"]
        running.append(float(np.linalg.norm(total)))
    _, _, full_grads = rnn.rnn_backward(dh, cache)
    return {
        "T": T,
        "records": records,
        "norms": [record.norms() for record in records],
        "running_dW_hh": running,
        "full_grads": full_grads,
        "dh": dh,
    }


_COLUMNS = [
    ("step t", None),
    ("‖dh_out‖", "dh_out"),
    ("‖dh_next‖", "dh_next"),
    ("‖dh_t‖", "dh_t"),
    ("+‖ΔdW_xh‖", "dW_xh"),
    ("+‖ΔdW_hh‖", "dW_hh"),
    ("+‖Δdb_h‖", "db_h"),
    ("running ‖dW_hh‖", "running"),
]


def _table_html(walk, k):
    head = "".join(f"<th style='padding:2px 8px'>{name}</th>" for name, _ in _COLUMNS)
    rows = []
    for i in range(k):
        norms = dict(walk["norms"][i], running=walk["running_dW_hh"][i])
        cells = [str(walk["records"][i].t + 1)]
        cells += [f"{norms[key]:.4f}" for _, key in _COLUMNS[1:]]
        # the current step: dark text on its own light fill, so it reads in either theme
        style = " style='background:#fff3cd;color:#1f2328'" if i == k - 1 else ""
        tds = "".join(f"<td style='padding:2px 8px;text-align:right'>{c}</td>" for c in cells)
        rows.append(f"<tr{style}>{tds}</tr>")
    return (
        "<table style='border-collapse:collapse;font-family:monospace;font-size:12px'>"
        f"<tr>{head}</tr>{''.join(rows)}</table>"
    )


def view_state(walk, k):
    """What the stepper shows after ``k`` clicks on "Step back" (0 <= k <= T).

    Returns a dict:
    - "x", "y": the steps done so far, counted from 1, and their ||dh_t|| (the bars)
    - "table": HTML table, one row per step done, the newest highlighted
    - "status": one line of HTML saying where the walk is and the running ||dW_hh||
    - "done": True once the first step (t = 1) has been walked
    """
    T = walk["T"]
    if not 0 <= k <= T:
        raise ValueError(f"k must be between 0 and T={T} steps, but got {k}.")
    x = [walk["records"][i].t + 1 for i in range(k)]
    y = [walk["norms"][i]["dh_t"] for i in range(k)]
    full = float(np.linalg.norm(walk["full_grads"]["W_hh"]))
    if k == 0:
        status = f"Nothing walked yet. Click <b>Step back</b> to start at t = {T}."
        table = "<i>No step walked yet.</i>"
    else:
        running = walk["running_dW_hh"][k - 1]
        t = walk["records"][k - 1].t + 1
        where = "All steps done." if k == T else f"Walked t = {t} ({k} of {T} steps)."
        status = (
            f"{where} Running total ‖dW_hh‖ = <b>{running:.4f}</b> "
            f"(full BPTT, rnn_backward: {full:.4f})"
        )
        table = _table_html(walk, k)
    return {"x": x, "y": y, "table": table, "status": status, "done": k == T}


@dataclass
class Stepper:
    """The widgets of one stepper; ``box`` is what a notebook displays."""

    box: object
    fig: object
    step_button: object
    reset_button: object
    T_slider: object
    scale_slider: object
    loss_toggle: object
    table: object
    status: object
    state: dict  # "walk": the current walk_backward(...) result, "k": steps walked


def build_stepper(T=6, scale=1.0, loss_at="every step", seed=0):
    """Create the stepper's controls and figure once and wire the callbacks.

    Changing T, the scale of W_hh or where the loss is taken starts a new walk.
    """
    import ipywidgets as widgets
    import plotly.graph_objects as go

    step_button = widgets.Button(description="Step back", icon="arrow-left", button_style="info")
    reset_button = widgets.Button(description="Reset")
    T_slider = widgets.IntSlider(value=T, min=2, max=12, description="T")
    scale_slider = widgets.FloatSlider(
        value=scale, min=0.5, max=2.0, step=0.1, description="W_hh scale", readout_format=".1f"
    )
    loss_toggle = widgets.ToggleButtons(options=list(LOSS_AT), value=loss_at, description="loss at")
    table = widgets.HTML()
    status = widgets.HTML()
    fig = go.FigureWidget(
        data=[go.Bar(x=[], y=[], name="‖dh_t‖", marker_color="#c0392b")],
        layout=go.Layout(
            height=260,
            width=560,
            margin=dict(l=50, r=20, t=30, b=40),
            title=dict(text="‖dh_t‖: everything that reaches h_t", font=dict(size=13)),
            xaxis=dict(title="time step t", dtick=1),
            yaxis=dict(title="‖dh_t‖"),
        ),
    )
    state = {"walk": None, "k": 0}

    def show():
        view = view_state(state["walk"], state["k"])
        T_now = state["walk"]["T"]
        with fig.batch_update():
            fig.data[0].x = view["x"]
            fig.data[0].y = view["y"]
            fig.layout.xaxis.range = [0.5, T_now + 0.5]
        table.value = view["table"]
        status.value = view["status"]
        step_button.disabled = view["done"]

    def new_walk():
        state["walk"] = walk_backward(
            T_slider.value, scale_slider.value, loss_toggle.value, seed=seed
        )
        state["k"] = 0
        top = max(n["dh_t"] for n in state["walk"]["norms"])
        fig.layout.yaxis.range = [0, 1.1 * top if top > 0 else 1]
        show()

    def on_step(_):
        state["k"] = min(state["k"] + 1, state["walk"]["T"])
        show()

    def on_reset(_):
        state["k"] = 0
        show()

    def on_config(change):
        if change["new"] != change["old"]:
            new_walk()

    step_button.on_click(on_step)
    reset_button.on_click(on_reset)
    for control in (T_slider, scale_slider, loss_toggle):
        control.observe(on_config, names="value")
    new_walk()

    controls = widgets.HBox([step_button, reset_button])
    config = widgets.VBox([widgets.HBox([T_slider, scale_slider]), loss_toggle])
    box = widgets.VBox([config, controls, status, fig, table])
    return Stepper(
        box, fig, step_button, reset_button, T_slider, scale_slider, loss_toggle, table, status,
        state,
    )  # fmt: skip


def bptt_stepper(T=6, scale=1.0, loss_at="every step", seed=0):
    """The BPTT stepper widget, ready to display in a notebook."""
    return build_stepper(T, scale, loss_at, seed).box


def draw_unrolled_graph(T=3, ax=None):
    """Draw an RNN unrolled over T steps, with forward arrows and backward gradient arrows.

    Black arrows: the forward pass (x_t and h_{t-1} into h_t, h_t into y_t and L_t).
    Red dashed arrows: the backward pass, dh_out from each L_t down into h_t, and dh_next
    from h_{t+1} back into h_t. Returns the matplotlib Axes.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    if ax is None:
        _, ax = plt.subplots(figsize=(2.6 * (T + 1), 4.2))
    red = "#c0392b"

    def node(x, y, text, color):
        ax.text(
            x, y, text, ha="center", va="center", fontsize=12,
            bbox=dict(boxstyle="round,pad=0.35", facecolor=color, edgecolor="#555555"),
        )  # fmt: skip

    def arrow(x0, y0, x1, y1, backward=False, text="", offset=(0, 0)):
        style = dict(arrowstyle="-|>", lw=1.4, color=red if backward else "black")
        if backward:
            style["linestyle"] = "--"
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0), arrowprops=style)
        if text:
            xm, ym = (x0 + x1) / 2 + offset[0], (y0 + y1) / 2 + offset[1]
            ax.text(xm, ym, text, ha="center", va="center", fontsize=9,
                    color=red if backward else "#333333")  # fmt: skip

    node(0, 2, "$h_0$", "#eeeeee")
    for t in range(1, T + 1):
        node(t * 2, 0, f"$x_{{{t}}}$", "#dde8f5")
        node(t * 2, 2, f"$h_{{{t}}}$", "#f9e4c8")
        node(t * 2, 4, f"$L_{{{t}}}$", "#e3f1df")
        arrow(t * 2, 0.35, t * 2, 1.6, text="$W_{xh}$", offset=(-0.35, 0))
        arrow(t * 2 - 1.6, 2.1, t * 2 - 0.4, 2.1, text="$W_{hh}$", offset=(0, 0.3))
        arrow(t * 2 - 0.1, 2.4, t * 2 - 0.1, 3.6, text="$W_{hy}$", offset=(-0.4, 0))
        arrow(t * 2 + 0.15, 3.6, t * 2 + 0.15, 2.4, backward=True,
              text="dh_out", offset=(0.45, 0))  # fmt: skip
        if t < T:
            arrow(t * 2 + 1.6, 1.85, t * 2 + 0.4, 1.85, backward=True,
                  text="dh_next", offset=(0, -0.3))  # fmt: skip
    arrow(1.6, 1.85, 0.4, 1.85, backward=True, text="dh0", offset=(0, -0.3))
    node(T * 2 + 1.5, 4, "$L = \\frac{1}{T}\\sum_t L_t$", "#e3f1df")
    ax.legend(
        handles=[
            Line2D([], [], color="black", lw=1.4, label="forward: values"),
            Line2D([], [], color=red, lw=1.4, ls="--", label="backward: gradients"),
        ],
        loc="lower right", fontsize=9, frameon=False,
    )  # fmt: skip
    ax.set_xlim(-0.7, T * 2 + 2.6)
    ax.set_ylim(-0.6, 4.6)
    ax.axis("off")
    return ax
