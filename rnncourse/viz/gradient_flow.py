"""Chapter 3's gradient-flow explorer: how far back through time does a gradient survive?

A random cell reads one random sequence of T steps; the loss depends on the last hidden
state only. The left panel shows ||dL/dh_t|| for every step on a log axis: the gradient
enters at t = T with norm 1, and everything to its left has travelled back through time.
The right panel shows the Jacobian spectrum: the singular values of the last step's
Jacobian dh_T/dh_{T-1} (bars), and each direction's average stretch per step over the
whole sequence (points, :func:`rnncourse.gradients.growth_per_step`). Points above the
line at 1 are directions in which gradients grow; below it, they fade.

Controls: the spectral radius rho of the recurrent weights, the RNN's activation, T, the
cell, and the recurrent matrix before scaling (orthogonal: all singular values equal rho;
random normal: a non-normal matrix whose largest singular value is 1.75 rho for the default
draw, typically 1.5 to 2 rho). For the LSTM and the GRU, each gate's (H, H) block of W_h is
scaled to spectral radius rho on its own (:func:`rnncourse.gradients.scale_recurrent`); their
nonlinearities are fixed, so the activation control applies to the RNN only. The LSTM's
forget-gate bias is 1.

Three layers (see :mod:`rnncourse.viz`): :func:`gradient_flow` is pure (numbers in, arrays
out); :func:`build_gradient_flow` creates the controls and the figure once; its callbacks
store the new value and rewrite the traces inside ``fig.batch_update()``.

Steps are counted from 1 as in the equations: step t makes h_t, stored in ``h[:, t - 1]``.
"""

from dataclasses import dataclass

import numpy as np

from .. import gradients
from ._controls import bind

#: Recurrent matrices before scaling: label -> scheme of rnncourse.init.
MATRICES = {"orthogonal": "orthogonal", "random normal": "xavier_normal"}

#: Cells: label -> name in rnncourse.gradients.
CELL_LABELS = {"RNN": "rnn", "LSTM": "lstm", "GRU": "gru"}


def gradient_flow(
    cell="rnn", rho=1.0, activation="tanh", T=50, *, matrix="orthogonal", H=16, D=4, seed=0
):
    """Everything the explorer shows, for one setting of its controls.

    The weights are drawn first from ``seed`` (so they do not change with T), then the
    input sequence x (1, T, D) from the same generator.

    Returns a dict:
    - "steps": (T,) the steps 1..T
    - "norms": (T,) ||dL/dh_t|| for a loss on h_T with ||dL/dh_T|| = 1
    - "sv_last": (S,) singular values of the last step's Jacobian, largest first
      (S = H; S = 2H for the LSTM, whose state is (h_t, c_t))
    - "growth": (S,) average stretch per step of each direction over the sequence
    - "bound": the RNN's bound max|act'| * sigma_max(W_hh) on every ||J_t||, else None
    - "rho": the spectral radius of the (largest) recurrent block
    - "sigma_max": the largest singular value of the (largest) recurrent block
    - "ratio": ||dL/dh_1|| / ||dL/dh_T||, how much survives T - 1 steps back
    """
    if cell not in gradients.CELLS:
        raise ValueError(f"cell must be one of {gradients.CELLS}, but got {cell!r}.")
    if matrix not in MATRICES:
        raise ValueError(f"matrix must be one of {tuple(MATRICES)}, but got {matrix!r}.")
    rng = np.random.default_rng(seed)
    params = gradients.make_params(cell, D, H, rng, rho=rho, recurrent=MATRICES[matrix])
    x = rng.standard_normal((1, int(T), D))
    kwargs = {"activation": activation} if cell == "rnn" else {}
    norms = gradients.gradient_norms(cell, x, params, **kwargs)
    J = gradients.step_jacobians(cell, x, params, **kwargs)
    blocks = gradients.recurrent_blocks(cell, params).values()
    return {
        "steps": np.arange(1, int(T) + 1),
        "norms": norms,
        "sv_last": np.linalg.svd(J[-1], compute_uv=False),
        "growth": gradients.growth_per_step(J),
        "bound": gradients.jacobian_norm_bound(params["W_hh"], activation)
        if cell == "rnn"
        else None,
        "rho": max(gradients.spectral_radius(np.ascontiguousarray(W)) for W in blocks),
        "sigma_max": max(float(np.linalg.norm(W, ord=2)) for W in blocks),
        "ratio": float(norms[0] / norms[-1]),
    }


def summary_html(flow, cell, activation):
    """One line of HTML describing a :func:`gradient_flow` result."""
    T = len(flow["steps"])
    name = f"RNN ({activation})" if cell == "rnn" else cell.upper()
    parts = [
        f"<b>{name}</b>: spectral radius ρ = {flow['rho']:.2f}, "
        f"σ<sub>max</sub> = {flow['sigma_max']:.2f}"
    ]
    if flow["bound"] is not None:
        parts.append(f"bound max|φ′|·σ<sub>max</sub>(W_hh) = {flow['bound']:.2f}")
    parts.append(f"after {T - 1} steps back, ‖dL/dh<sub>1</sub>‖ = <b>{flow['ratio']:.1e}</b>")
    return ". ".join(parts) + "."


@dataclass
class GradientFlow:
    """The widgets of one explorer; ``box`` is what a notebook displays."""

    box: object
    fig: object
    rho_slider: object
    activation_dropdown: object
    T_slider: object
    cell_buttons: object
    matrix_buttons: object
    summary: object
    state: dict  # the current settings: cell, rho, activation, T, matrix


def build_gradient_flow(
    cell="rnn", rho=1.0, activation="tanh", T=50, *, matrix="orthogonal", H=16, seed=0
):
    """Create the explorer's controls and figure once and wire the callbacks."""
    import ipywidgets as widgets
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    rho_slider = widgets.FloatSlider(
        value=rho, min=0.5, max=2.0, step=0.05, description="ρ(W_hh)", readout_format=".2f"
    )
    activation_dropdown = widgets.Dropdown(
        options=["tanh", "sigmoid", "relu", "identity"], value=activation, description="activation"
    )
    T_slider = widgets.IntSlider(value=T, min=5, max=100, step=5, description="T")
    cell_buttons = widgets.ToggleButtons(
        options=list(CELL_LABELS.items()), value=cell, description="cell"
    )
    matrix_buttons = widgets.ToggleButtons(
        options=list(MATRICES), value=matrix, description="W_hh from"
    )
    summary = widgets.HTML()

    base = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.6, 0.4],
        subplot_titles=("‖dL/dh_t‖, loss on h_T only", "Jacobian spectrum"),
    )
    fig = go.FigureWidget(base)
    fig.add_trace(
        go.Scatter(x=[], y=[], mode="lines+markers", marker_size=4, name="‖dL/dh_t‖"), 1, 1
    )
    fig.add_trace(go.Bar(x=[], y=[], name="σ_i of the last step's Jacobian", opacity=0.6), 1, 2)
    fig.add_trace(
        go.Scatter(x=[], y=[], mode="markers", name="average stretch per step", marker_size=7),
        1,
        2,
    )
    fig.add_trace(
        go.Scatter(x=[], y=[], mode="lines", name="bound max|φ′|·σ_max", line_dash="dash"), 1, 2
    )
    fig.add_hline(y=1.0, line_color="grey", line_width=1, row=1, col=2)
    fig.update_yaxes(type="log", exponentformat="power", row=1, col=1)
    fig.update_yaxes(type="log", exponentformat="power", row=1, col=2)
    fig.update_xaxes(title_text="time step t", row=1, col=1)
    fig.update_xaxes(title_text="direction i (largest first)", row=1, col=2)
    fig.update_layout(
        height=340,
        width=820,
        margin=dict(l=50, r=20, t=40, b=40),
        legend=dict(orientation="h", y=-0.2),
        bargap=0.15,
    )
    state = {"cell": cell, "rho": rho, "activation": activation, "T": T, "matrix": matrix}

    def redraw():
        flow = gradient_flow(
            state["cell"], state["rho"], state["activation"], state["T"],
            matrix=state["matrix"], H=H, seed=seed,
        )  # fmt: skip
        S = len(flow["sv_last"])
        directions = np.arange(1, S + 1)
        bound = flow["bound"]
        with fig.batch_update():
            fig.data[0].x, fig.data[0].y = flow["steps"], flow["norms"]
            fig.data[1].x, fig.data[1].y = directions, flow["sv_last"]
            fig.data[2].x, fig.data[2].y = directions, flow["growth"]
            fig.data[3].x = [0.5, S + 0.5] if bound is not None else []
            fig.data[3].y = [bound, bound] if bound is not None else []
            fig.data[3].visible = bound is not None
        summary.value = summary_html(flow, state["cell"], state["activation"])
        activation_dropdown.disabled = state["cell"] != "rnn"

    controls = {"rho": rho_slider, "activation": activation_dropdown, "T": T_slider,
                "cell": cell_buttons, "matrix": matrix_buttons}  # fmt: skip
    bind(controls, state, redraw)
    redraw()

    controls = widgets.VBox(
        [
            widgets.HBox([cell_buttons]),
            widgets.HBox([rho_slider, T_slider, activation_dropdown]),
            matrix_buttons,
        ]
    )
    box = widgets.VBox([controls, summary, fig])
    return GradientFlow(
        box, fig, rho_slider, activation_dropdown, T_slider, cell_buttons, matrix_buttons,
        summary, state,
    )  # fmt: skip


def gradient_flow_explorer(cell="rnn", rho=1.0, activation="tanh", T=50, **kwargs):
    """The gradient-flow explorer widget, ready to display in a notebook."""
    return build_gradient_flow(cell, rho, activation, T, **kwargs).box
