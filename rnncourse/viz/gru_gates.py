"""GRU gate trace: the reset gate r_t, the update gate z_t, the candidate n_t and h_t over time.

One GRU cell with a single input feature (D = 1) and a few hidden units reads a short input
pattern, starting from a fixed nonzero h_0 so that "keeping the old state" is visible. The
controls change the size of the input, add a constant to the update gate's bias, switch
between the two candidate formulas (``reset_after``), and can *freeze* a gate by setting its
bias block to a large number (+/- :data:`FREEZE_BIAS`), which drives the sigmoid to 1 or 0
(the modes and their names are those of chapter 4's LSTM explorer):

- z frozen open:  z_t = 1, so h_t = h_{t-1}: the state is copied unchanged;
- z frozen shut:  z_t = 0, so h_t = n_t: the state is replaced at every step;
- r frozen shut:  r_t = 0, so n_t = tanh(x_t W_xn + b_xn) sees no trace of h_{t-1}
  (b_h is zero here, so both candidate formulas give this);
- r frozen open:  r_t = 1, where the two candidate formulas agree.

Three layers, as everywhere in :mod:`rnncourse.viz`:

1. :func:`gru_gate_trace` (pure: numbers in, arrays out, computed with
   :func:`rnncourse.gru.gru_forward` and :func:`rnncourse.gru.gru_gates`);
2. :func:`gru_gate_explorer` builds the controls and a plotly ``FigureWidget`` once;
3. a thin callback writes new data into the figure inside ``fig.batch_update()``.

The figure counts steps t = 1, ..., T and draws h_0 at t = 0; its legend names units
1, ..., H, as the course's notation does (chapter 0). In the arrays, step t is row t - 1 and
unit k column k - 1.

Shapes: T time steps, D = 1 input feature, H hidden units.
"""

from typing import NamedTuple

import numpy as np

from .. import gru
from .._validate import require_positive_int
from ..notebook import OKABE_ITO
from ._controls import bind

#: Input patterns offered, name -> description; steps count t = 1, ..., T.
PATTERNS = {
    "pulse": "a single pulse at t = 1, then silence",
    "two pulses": "a positive pulse at t = 1 and a negative one at t = T // 2 + 1",
    "step": "zero, then one from t = T // 4 + 1 on",
    "sine": "a sine wave with a period of 12 steps",
    "noise": "standard normal noise",
}

#: The gates that can be frozen, with their labels.
GATES = {"r": "reset gate r", "z": "update gate z"}

#: How a gate can be set: computed as usual, or forced to 1 or 0 (as in chapter 4).
MODES = ("normal", "frozen open", "frozen shut")

#: The bias a frozen gate gets (times +1 or -1): sigmoid(50) rounds to exactly 1.0 in
#: float64 and sigmoid(-50) is 2e-22, far beyond what x_t W_x + h_{t-1} W_h reaches here.
FREEZE_BIAS = 50.0

INPUT_SCALE_RANGE = (0.0, 3.0)
Z_BIAS_RANGE = (-4.0, 4.0)


class GRUGateTrace(NamedTuple):
    """What :func:`gru_gate_trace` returns; row t - 1 of each (T, H) array belongs to step t."""

    x: np.ndarray  # (T, 1) input sequence, already multiplied by input_scale
    r: np.ndarray  # (T, H) reset gate
    z: np.ndarray  # (T, H) update gate
    n: np.ndarray  # (T, H) candidate state
    h: np.ndarray  # (T, H) hidden states; h[t - 1] is h_t
    h0: np.ndarray  # (H,) the initial state


def input_pattern(pattern, T, seed=0):
    """An input sequence of shape (T, 1) for one of :data:`PATTERNS` (``seed`` for noise);
    row t - 1 is x_t."""
    T = require_positive_int("T", T)
    t = np.arange(T)  # array index t - 1 of step t
    if pattern == "pulse":
        x = (t == 0).astype(np.float64)
    elif pattern == "two pulses":
        x = (t == 0).astype(np.float64) - (t == T // 2)
    elif pattern == "step":
        x = (t >= T // 4).astype(np.float64)
    elif pattern == "sine":
        x = np.sin(2 * np.pi * t / 12)
    elif pattern == "noise":
        x = np.random.default_rng(seed + 1).standard_normal(T)
    else:
        raise ValueError(f"pattern must be one of {sorted(PATTERNS)}, but got {pattern!r}.")
    return x.reshape(T, 1)  # (T,) -> (T, 1)


def _check_modes(modes):
    modes = dict(modes or {})
    for gate, mode in modes.items():
        if gate not in GATES:
            raise ValueError(
                f"only the gates {list(GATES)} can be frozen, but got {gate!r} "
                "(n is the candidate state, not a gate)."
            )
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, but got {mode!r} for gate {gate!r}.")
    return modes


def trace_params(z_bias=0.0, modes=None, H=3, seed=0):
    """The explorer's cell: W_x (1, 3H) and W_h (H, 3H) from :func:`rnncourse.gru.init_params`
    scaled by 2 (so the gates move visibly), b_x with ``z_bias`` in its z block, b_h zero.

    ``modes`` is a dict ``{gate: mode}`` (gates from :data:`GATES`, modes from
    :data:`MODES`); a frozen gate's b_x block becomes +/-FREEZE_BIAS. The same seed always
    gives the same weights, whatever the other arguments.
    """
    modes = _check_modes(modes)
    if not np.isfinite(z_bias):
        raise ValueError(f"z_bias must be a finite number, but got {z_bias!r}.")
    H = require_positive_int("H", H)
    params = gru.init_params(1, H, np.random.default_rng(seed))
    params["W_x"] = 2.0 * params["W_x"]
    params["W_h"] = 2.0 * params["W_h"]
    gru.gate_weights(params, "z")["b_x"][:] = z_bias  # a view into params["b_x"]
    for gate, mode in modes.items():
        if mode != "normal":
            sign = 1.0 if mode == "frozen open" else -1.0
            gru.gate_weights(params, gate)["b_x"][:] = sign * FREEZE_BIAS
    return params


def initial_state(H):
    """The fixed h_0 of the explorer, (H,): evenly spaced from 0.8 down to -0.8."""
    return np.linspace(0.8, -0.8, require_positive_int("H", H))  # H = 1 gives [0.8]


def gru_gate_trace(
    pattern="pulse",
    input_scale=1.0,
    z_bias=0.0,
    reset_after=True,
    modes=None,
    T=30,
    H=3,
    seed=0,
):
    """Run one GRU over one input pattern and return its gates and states.

    Inputs:
    - pattern: a key of :data:`PATTERNS`
    - input_scale: factor for the input sequence (0 means no input at all)
    - z_bias: added to the update gate's bias (positive: keep more of the old state)
    - reset_after: which candidate formula (see :func:`rnncourse.gru.gru_step_forward`)
    - modes: dict ``{gate: mode}`` for gates in :data:`GATES`, modes from :data:`MODES`;
      freezing z overrides z_bias
    - T: time steps; H: hidden units; seed: fixes the weights and the noise

    Returns a :class:`GRUGateTrace`: x (T, 1), r, z, n, h (T, H) and h0 (H,).
    """
    if not np.isfinite(input_scale):
        raise ValueError(f"input_scale must be a finite number, but got {input_scale!r}.")
    params = trace_params(z_bias, modes, H, seed)
    x = input_scale * input_pattern(pattern, T, seed)  # (T, 1)
    h0 = initial_state(H)
    h, cache = gru.gru_forward(x[None], h0[None], params, bool(reset_after))  # (1, T, H)
    gates = gru.gru_gates(cache)  # each (1, T, H)
    return GRUGateTrace(x, gates["r"][0], gates["z"][0], gates["n"][0], h[0], h0)


def _summary(trace):
    keep = trace.z.mean()
    change = np.abs(trace.h[-1] - trace.h0).max()
    return (
        f"mean z = {keep:.2f} (share of the old state kept per step) &nbsp;|&nbsp; "
        f"mean r = {trace.r.mean():.2f} &nbsp;|&nbsp; "
        f"max |h_T - h_0| = {change:.2f}"
    )


#: The panels of the figure, top to bottom: (field of GRUGateTrace, axis title, y range).
PANELS = (
    ("r", "reset r_t", (-0.05, 1.05)),
    ("z", "update z_t", (-0.05, 1.05)),
    ("n", "candidate n_t", (-1.05, 1.05)),
    ("h", "state h_t", (-1.05, 1.05)),
)

_COLOURS = OKABE_ITO  # colour-blind safe; each unit is also named in the legend


def gru_gate_explorer(
    pattern="pulse",
    input_scale=1.0,
    z_bias=0.0,
    reset_after=True,
    modes=None,
    T=30,
    H=3,
    seed=0,
):
    """A widget: controls for the input pattern, input scale, update-gate bias, the candidate
    formula, and a dropdown per gate (r, z) to freeze it open or shut; five stacked panels
    x_t, r_t, z_t, n_t and h_t against t = 1, ..., T (one line per hidden unit, units
    numbered 1, ..., H; h_t's panel also marks h_0 at t = 0).

    The returned VBox has handles for tests and curious learners: ``box.figure`` (the
    ``FigureWidget``: ``data[0]`` is x_t, then H lines per panel of :data:`PANELS`),
    ``box.controls`` (a dict: ``"pattern"``, ``"input_scale"``, ``"z_bias"``,
    ``"reset_after"``, ``"r gate"``, ``"z gate"``, and ``"step"`` and ``"unit"``, which pick
    what the cell diagram shows), ``box.status`` (the summary line) and ``box.diagram`` (the
    cell drawn with that step's gate values, :mod:`rnncourse.viz.cell_diagram`).
    """
    import ipywidgets as widgets
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    state = {
        "pattern": pattern,
        "input_scale": input_scale,
        "z_bias": z_bias,
        "reset_after": reset_after,
        "modes": {gate: "normal" for gate in GATES} | _check_modes(modes),
    }
    trace = gru_gate_trace(**state, T=T, H=H, seed=seed)
    steps = np.arange(1, T + 1)  # t = 1, ..., T, as in the equations
    layout = make_subplots(
        rows=1 + len(PANELS), cols=1, shared_xaxes=True, vertical_spacing=0.03,
        row_heights=[0.12] + [0.22] * len(PANELS),
    )  # fmt: skip
    fig = go.FigureWidget(layout)
    fig.add_scatter(
        x=steps, y=trace.x[:, 0], mode="lines+markers", name="x_t", line={"color": "#555555"},
        showlegend=False, row=1, col=1,
    )  # fmt: skip
    for row, (key, title, y_range) in enumerate(PANELS, start=2):
        values = getattr(trace, key)  # (T, H)
        for j in range(H):
            colour = _COLOURS[j % len(_COLOURS)]
            x_values, y_values = steps, values[:, j]
            if key == "h":  # prepend h_0 at t = 0, so "copy the old state" is visible
                x_values = np.concatenate([[0], steps])
                y_values = np.concatenate([[trace.h0[j]], values[:, j]])
            fig.add_scatter(
                x=x_values, y=y_values, mode="lines", name=f"unit {j + 1}", legendgroup=f"u{j}",
                line={"color": colour}, showlegend=key == "h", row=row, col=1,
            )  # fmt: skip
        fig.update_yaxes(title_text=title, range=list(y_range), row=row, col=1)
    fig.update_yaxes(title_text="x_t", row=1, col=1)
    fig.update_xaxes(title_text="time step t", row=1 + len(PANELS), col=1)
    fig.update_layout(height=640, width=760, margin={"l": 70, "r": 20, "t": 20, "b": 40})

    style = {"description_width": "initial"}
    controls = {
        "pattern": widgets.Dropdown(options=list(PATTERNS), value=pattern, description="input"),
        "input_scale": widgets.FloatSlider(
            value=input_scale, min=INPUT_SCALE_RANGE[0], max=INPUT_SCALE_RANGE[1], step=0.1,
            description="input scale", style=style,
        ),
        "z_bias": widgets.FloatSlider(
            value=z_bias, min=Z_BIAS_RANGE[0], max=Z_BIAS_RANGE[1], step=0.25,
            description="update-gate bias b_xz", style=style,
        ),
        "reset_after": widgets.Checkbox(
            value=reset_after, description="reset_after (PyTorch's formula)", indent=False
        ),
    }  # fmt: skip
    for gate, label in GATES.items():
        controls[f"{gate} gate"] = widgets.Dropdown(
            options=MODES, value=state["modes"][gate], description=label, style=style,
            layout=widgets.Layout(width="auto"),
        )  # fmt: skip
    summary = widgets.HTML(_summary(trace))
    controls["step"] = widgets.IntSlider(
        value=min(3, T), min=1, max=T, description="diagram at t", style=style
    )  # a time step t = 1, ..., T
    controls["unit"] = widgets.Dropdown(
        options=[(f"unit {k + 1}", k) for k in range(H)], value=0, description="unit"
    )  # numbered from 1, as in the figure's legend
    picture = widgets.HTML()
    state_trace = {"trace": trace}

    def draw_picture(_=None):
        picture.value = gru_diagram(
            state_trace["trace"], controls["step"].value, controls["unit"].value,
            state["reset_after"],
        )  # fmt: skip

    draw_picture()
    controls["step"].observe(draw_picture, names="value")
    controls["unit"].observe(draw_picture, names="value")

    def redraw():
        new = gru_gate_trace(**state, T=T, H=H, seed=seed)
        state_trace["trace"] = new
        draw_picture()
        with fig.batch_update():
            fig.data[0].y = new.x[:, 0]
            k = 1
            for key, _, _ in PANELS:
                values = getattr(new, key)  # (T, H)
                for j in range(H):
                    column = values[:, j]
                    if key == "h":
                        column = np.concatenate([[new.h0[j]], column])
                    fig.data[k].y = column
                    k += 1
        summary.value = _summary(new)

    def gate_callback(gate):
        def on_change(change):
            state["modes"][gate] = change["new"]
            redraw()

        return on_change

    bind({key: controls[key] for key in ("pattern", "input_scale", "z_bias", "reset_after")},
         state, redraw)  # fmt: skip
    for gate in GATES:
        controls[f"{gate} gate"].observe(gate_callback(gate), names="value")

    box = widgets.VBox(
        [
            widgets.HBox([controls["pattern"], controls["reset_after"]]),
            widgets.HBox([controls["input_scale"], controls["z_bias"]]),
            widgets.HBox([controls[f"{gate} gate"] for gate in GATES]),
            summary,
            fig,
            widgets.HBox([controls["step"], controls["unit"]]),
            picture,
        ]
    )
    box.figure, box.controls, box.status, box.diagram = fig, controls, summary, picture
    return box


def gru_diagram(trace, t, unit, reset_after=True):
    """The GRU cell (:mod:`rnncourse.viz.cell_diagram`) at step ``t`` (1 to T, row ``t - 1``
    of a trace) for hidden unit ``unit`` (a column index, 0 to H - 1; named unit ``unit + 1``)."""
    from .cell_diagram import gru_svg, gru_values

    T = len(trace.x)
    if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or not 1 <= t <= T:
        raise ValueError(f"t must be a time step from 1 to T = {T}, but got {t!r}.")
    where = f"time step t = {t}, unit {unit + 1}"
    return gru_svg(gru_values(trace, t - 1, unit), reset_after, where=where)
