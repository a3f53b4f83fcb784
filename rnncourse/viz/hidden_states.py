"""Hidden-state explorer: how the recurrent weights shape h_t over time.

One RNN cell with a single input feature (D = 1) reads a short input pattern. Its W_hh is a
fixed random orthogonal matrix times ``scale``, so ``scale`` is exactly the spectral radius
of W_hh (every eigenvalue of an orthogonal matrix has modulus 1). Below 1 the memory of an
input fades; above 1 a linear (identity) or relu cell blows up while tanh saturates.

Three layers, as everywhere in :mod:`rnncourse.viz`:

1. :func:`hidden_state_trace` (pure: arrays in, arrays out, computed with
   :func:`rnncourse.rnn.rnn_forward`);
2. :func:`hidden_state_explorer` builds the controls and a plotly ``FigureWidget`` once;
3. a thin callback writes new data into the figure inside ``fig.batch_update()``.

Shapes: T time steps, D = 1 input feature, H hidden units.
"""

from typing import NamedTuple

import numpy as np

from .. import init, rnn
from .._validate import require_positive_int
from ..activations import CELL_ACTIVATIONS
from ._controls import bind

#: Input patterns the explorer offers, name -> description.
PATTERNS = {
    "pulse": "a single pulse at t = 0, then silence",
    "sine": "a sine wave with a period of 16 steps",
    "step": "zero, then one from t = T // 4 on",
    "noise": "standard normal noise",
}

SCALE_RANGE = (0.1, 2.0)  # spectral radius of W_hh offered by the slider
T_RANGE = (10, 100)


class HiddenStateTrace(NamedTuple):
    """What :func:`hidden_state_trace` returns."""

    x: np.ndarray  # (T, 1) input sequence
    h: np.ndarray  # (T, H) hidden states; h[t] is h_t
    norms: np.ndarray  # (T,) Euclidean norm of each h_t


def input_pattern(pattern, T, rng=None):
    """An input sequence of shape (T, 1) for one of :data:`PATTERNS`.

    ``rng`` (a ``numpy.random.Generator``) is needed only for ``"noise"``.
    """
    T = require_positive_int("T", T)
    t = np.arange(T)
    if pattern == "pulse":
        x = (t == 0).astype(np.float64)
    elif pattern == "sine":
        x = np.sin(2 * np.pi * t / 16)
    elif pattern == "step":
        x = (t >= T // 4).astype(np.float64)
    elif pattern == "noise":
        if not isinstance(rng, np.random.Generator):
            raise TypeError("pattern 'noise' needs rng, e.g. np.random.default_rng(0).")
        x = rng.standard_normal(T)
    else:
        raise ValueError(f"pattern must be one of {sorted(PATTERNS)}, but got {pattern!r}.")
    return x.reshape(T, 1)  # (T,) -> (T, 1)


def explorer_params(scale, H=16, seed=0):
    """Cell parameters for the explorer: W_xh (1, H), W_hh (H, H) with spectral radius
    ``scale``, b_h (H,) zero. The same seed gives the same directions for every scale."""
    H = require_positive_int("H", H)
    if not np.isfinite(scale) or scale < 0:
        raise ValueError(f"scale must be a finite number >= 0, but got {scale!r}.")
    rng = np.random.default_rng(seed)
    return {
        "W_xh": init.xavier_uniform((1, H), rng),
        "W_hh": scale * init.orthogonal((H, H), rng),
        "b_h": init.zeros((H,)),
    }


def hidden_state_trace(pattern, scale, activation="tanh", T=40, H=16, seed=0):
    """Run one cell over one input pattern and return its hidden states.

    Inputs:
    - pattern: a key of :data:`PATTERNS`
    - scale: spectral radius of W_hh (0 or more; the widget offers 0.1 to 2.0)
    - activation: "tanh", "relu", "sigmoid" or "identity"
    - T: number of time steps; H: hidden units; seed: fixes the weights and the noise

    Returns a :class:`HiddenStateTrace` with x (T, 1), h (T, H) and norms (T,), h_0 = 0.
    """
    if activation not in CELL_ACTIVATIONS:
        raise ValueError(
            f"activation must be one of {sorted(CELL_ACTIVATIONS)}, but got {activation!r}."
        )
    params = explorer_params(scale, H, seed)
    noise_rng = np.random.default_rng(seed + 1)  # separate from the weights' generator
    x = input_pattern(pattern, T, noise_rng)  # (T, 1)
    h0 = np.zeros((1, H))
    h, _ = rnn.rnn_forward(x[None], h0, params, activation)  # (1, T, 1) -> h (1, T, H)
    h = h[0]  # (1, T, H) -> (T, H)
    return HiddenStateTrace(x, h, np.linalg.norm(h, axis=1))


def colour_limit(h, activation):
    """Half-width of the heatmap's colour range: 1 for the bounded activations (tanh and
    sigmoid, so saturation shows as full colour), else the largest |h| (at least 1e-12)."""
    if activation in ("tanh", "sigmoid"):
        return 1.0
    return max(float(np.abs(h).max()), 1e-12)


def _summary(trace, scale):
    last, peak = trace.norms[-1], trace.norms.max()
    return (
        f"spectral radius of W_hh = {scale:.2f} &nbsp;|&nbsp; "
        f"max ||h_t|| = {peak:.3g} &nbsp;|&nbsp; ||h_t|| at the last step = {last:.3g}"
    )


def hidden_state_explorer(pattern="pulse", scale=0.9, activation="tanh", T=40, H=16, seed=0):
    """A widget: controls for the input pattern, the scale of W_hh, the activation and T;
    a heatmap of h (H rows x T columns), the input x_t and a line of ||h_t|| (log scale).

    The heatmap's colours span [-1, 1] for tanh and sigmoid, and +-max|h| otherwise.
    """
    import ipywidgets as widgets
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    trace = hidden_state_trace(pattern, scale, activation, T, H, seed)
    steps = np.arange(T)
    layout = make_subplots(
        rows=3,
        cols=1,
        shared_xaxes=True,
        row_heights=[0.2, 0.55, 0.25],
        vertical_spacing=0.04,
    )
    fig = go.FigureWidget(layout)
    fig.add_scatter(x=steps, y=trace.x[:, 0], mode="lines+markers", name="x_t", row=1, col=1)
    fig.add_heatmap(
        x=steps,
        y=np.arange(H),
        z=trace.h.T,  # (T, H) -> (H, T): one row per hidden unit
        colorscale="RdBu",
        zmin=-colour_limit(trace.h, activation),
        zmax=colour_limit(trace.h, activation),
        colorbar={"title": {"text": "h_t"}, "len": 0.55, "y": 0.5},
        name="h",
        row=2,
        col=1,
    )
    fig.add_scatter(x=steps, y=trace.norms, mode="lines", name="||h_t||", row=3, col=1)
    fig.update_yaxes(title_text="x_t", row=1, col=1)
    fig.update_yaxes(title_text="unit", row=2, col=1)
    fig.update_yaxes(title_text="||h_t||", type="log", exponentformat="e", row=3, col=1)
    fig.update_xaxes(title_text="time step t", row=3, col=1)
    fig.update_layout(height=560, width=760, showlegend=False, margin={"l": 60, "r": 20, "t": 20})

    style = {"description_width": "initial"}
    controls = {
        "pattern": widgets.Dropdown(options=list(PATTERNS), value=pattern, description="input"),
        "scale": widgets.FloatSlider(
            value=scale,
            min=SCALE_RANGE[0],
            max=SCALE_RANGE[1],
            step=0.05,
            description="spectral radius of W_hh",
            style=style,
            continuous_update=True,
        ),
        "activation": widgets.Dropdown(
            options=list(CELL_ACTIVATIONS), value=activation, description="activation"
        ),
        "T": widgets.IntSlider(value=T, min=T_RANGE[0], max=T_RANGE[1], step=5, description="T"),
    }
    summary = widgets.HTML(_summary(trace, scale))
    state = {"pattern": pattern, "scale": scale, "activation": activation, "T": T}

    def redraw():
        new = hidden_state_trace(state["pattern"], state["scale"], state["activation"],
                                 state["T"], H, seed)  # fmt: skip
        t = np.arange(state["T"])
        with fig.batch_update():
            fig.data[0].x, fig.data[0].y = t, new.x[:, 0]
            fig.data[1].x, fig.data[1].z = t, new.h.T  # (T, H) -> (H, T)
            limit = colour_limit(new.h, state["activation"])
            fig.data[1].zmin, fig.data[1].zmax = -limit, limit
            fig.data[2].x, fig.data[2].y = t, new.norms
        summary.value = _summary(new, state["scale"])

    bind(controls, state, redraw)

    box = widgets.VBox(
        [
            widgets.HBox([controls["pattern"], controls["activation"]]),
            widgets.HBox([controls["scale"], controls["T"]]),
            summary,
            fig,
        ]
    )
    box.figure, box.controls = fig, controls  # handles for tests and curious learners
    return box
