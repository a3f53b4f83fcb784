"""Gate explorer: watch a gated cell's gates, cell state and hidden state over time.

A cell with one input feature (D = 1) and a few hidden units reads a short input sequence,
picked from :data:`PATTERNS` or typed as comma-separated numbers. One panel per quantity
(for the LSTM: i, f, g, o, c and h) shows each hidden unit as a line over time. Sliders
change the cell's settings, and a dropdown per gate freezes it: its block of the bias is set
to +:data:`FREEZE_BIAS` (frozen open, the gate is about 1) or -:data:`FREEZE_BIAS` (frozen
shut, about 0), far beyond what x_t W_x + h_{t-1} W_h can reach here.

Three layers, as everywhere in :mod:`rnncourse.viz`:

1. a pure trace function, here :func:`lstm_gate_trace`, computed with the package's
   :func:`rnncourse.lstm.lstm_forward` and :func:`rnncourse.lstm.lstm_gates`;
2. :func:`build_gate_explorer`, a builder for any gated cell, creates the controls and a
   plotly ``FigureWidget`` once (:func:`lstm_gate_explorer` calls it for the LSTM);
3. thin callbacks that call the trace function and write its arrays into the figure inside
   ``fig.batch_update()``.

Builder contract (for any cell with sliders and gate dropdowns: :func:`lstm_gate_explorer`
uses it; chapter 5's GRU explorer, :mod:`rnncourse.viz.gru_gates`, builds its own figure,
because it also has a checkbox for the candidate formula and draws h_0 before the first step)::

    box = build_gate_explorer(trace_fn, rows, gates=None, sliders=(), pattern="pulse",
                              summarize=None)

- ``trace_fn(x, modes, **values) -> dict``: pure and fast (a few ms for T = 200).
  ``x`` is the input sequence, a float64 array (T,) (one input feature); ``modes`` is a dict
  ``{gate: mode}`` with one of :data:`MODES` for every key of ``gates``; ``values`` holds
  each slider's current value under its ``Slider.name``. It returns a dict with an array
  (T, H) for every ``Row.key`` (extra keys are ignored); H must not change between calls.
  :func:`freeze_bias` sets one gate's bias block for a mode.
- ``rows``: a sequence of :class:`Row` ``(key, label, y_range)``, one panel each, drawn
  under the input panel in this order; ``y_range`` is ``(low, high)``, or None to autoscale.
- ``gates``: a dict ``{gate: label}`` of the gates that get a mode dropdown.
- ``sliders``: a sequence of :class:`Slider` ``(name, description, min, max, step, value)``.
- ``pattern``: the input pattern shown first, a key of :data:`PATTERNS`.
- ``summarize(trace) -> str``: optional; its HTML is shown above the figure.

It returns an ``ipywidgets.VBox`` with three handles for tests and curious learners:
``box.figure`` (the ``FigureWidget``: ``data[0]`` is x_t, then H line traces per row,
``data[1 + r * H + k]`` for row r and unit k), ``box.controls`` (a dict: ``"pattern"``,
``"text"``, each slider's name, and ``"<gate> gate"`` for each gate, e.g. ``"f gate"``) and
``box.status`` (the HTML line: the summary, or why the typed input could not be read).
``diagram(trace, t, unit) -> svg``, optional, draws the cell at step ``t`` (1 to T, row
``t - 1`` of the trace) for hidden unit ``unit`` (0 to H - 1, shown as unit ``unit + 1``)
(:mod:`rnncourse.viz.cell_diagram`); then ``box.diagram`` is that picture (an HTML widget)
and ``box.controls`` also has ``"step"`` and ``"unit"``, which choose what it shows.

The figure's x axis counts steps t = 1, ..., T and its legend names units 1, ..., H, as the
course's notation does (chapter 0); in the arrays, step t is row t - 1 and unit k column k - 1.

Shapes: T time steps, D = 1 input feature, H hidden units.
"""

import re
from typing import NamedTuple

import numpy as np

from .. import lstm
from ..notebook import OKABE_ITO

#: Input patterns, name -> description. All have :data:`DEFAULT_T` steps, counted
#: t = 1, ..., T as in the course's notation (x_t is entry t - 1 of the array).
PATTERNS = {
    "pulse": "a single 1 at t = 3, zeros elsewhere",
    "step": "zeros, then ones from t = 6 on",
    "sine": "a sine wave with a period of 10 steps",
    "noise": "standard normal noise (fixed seed)",
    "remember the first input": "a 1 at t = 1, then small distractor noise: "
    "does the cell still hold the 1 at the end?",
}

#: What the pattern dropdown shows once the text box has been edited by hand.
CUSTOM = "custom (typed)"

#: Length of every pattern; a typed sequence may have 1 to :data:`MAX_T` numbers.
DEFAULT_T = 30
MAX_T = 200

#: How a gate can be set: computed as usual, or forced to about 1 or about 0.
MODES = ("normal", "frozen open", "frozen shut")

#: The bias that freezes a gate: sigmoid(30) = 1 - 9e-14, sigmoid(-30) = 9e-14. The rest of
#: the pre-activation, x_t W_x + h_{t-1} W_h, stays below 12 in size for every pattern at
#: every input scale the slider offers; typed inputs far larger than 3 can overrule it.
FREEZE_BIAS = 30.0


class Row(NamedTuple):
    """One panel of the explorer."""

    key: str  # key of the trace dict, e.g. "f"
    label: str  # y-axis title, e.g. "f_t (forget)"
    y_range: tuple | None  # fixed (low, high), or None to autoscale


class Slider(NamedTuple):
    """One slider; its value reaches the trace function as the keyword ``name``."""

    name: str
    description: str
    min: float
    max: float
    step: float
    value: float


# ---------------------------------------------------------------- input sequences


def input_sequence(pattern, T=DEFAULT_T):
    """The input sequence (T,) of one of :data:`PATTERNS`, rounded to two decimals so that
    its text in the explorer's box reads back to exactly these numbers. Entry ``t - 1`` is
    x_t (steps count from 1, as in :data:`PATTERNS`)."""
    if pattern not in PATTERNS:
        raise ValueError(f"pattern must be one of {list(PATTERNS)}, but got {pattern!r}.")
    t = np.arange(T)  # array index t - 1 of step t
    noise = np.random.default_rng(1).standard_normal(T)  # the same noise on every call
    if pattern == "pulse":
        x = (t == 2).astype(np.float64)  # step t = 3
    elif pattern == "step":
        x = (t >= 5).astype(np.float64)  # steps t = 6, 7, ...
    elif pattern == "sine":
        x = np.sin(2 * np.pi * t / 10)
    elif pattern == "noise":
        x = noise
    else:  # "remember the first input"
        x = 0.2 * noise
        x[0] = 1.0
    return np.round(x, 2) + 0.0  # + 0.0 turns -0.0 into 0.0


def format_sequence(x):
    """The text for the explorer's box: numbers separated by ", "."""
    return ", ".join(f"{v:g}" for v in np.asarray(x, dtype=np.float64))


def parse_sequence(text):
    """Read comma- (or space-) separated numbers into an array (T,).

    Raises ValueError naming the first piece that is not a finite number, or when there are
    no numbers or more than :data:`MAX_T`.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, but got {type(text).__name__}.")
    pieces = [p for p in re.split(r"[,;\s]+", text.strip()) if p]
    if not pieces:
        raise ValueError("type at least one number, e.g. 1, 0, 0, 0.")
    if len(pieces) > MAX_T:
        raise ValueError(f"at most {MAX_T} numbers, but got {len(pieces)}.")
    values = []
    for piece in pieces:
        try:
            value = float(piece)
        except ValueError:
            raise ValueError(f"{piece!r} is not a number.") from None
        if not np.isfinite(value):
            raise ValueError(f"{piece!r} is not a finite number.")
        values.append(value)
    return np.array(values, dtype=np.float64)


def _check_sequence(x):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1 or not 1 <= x.size <= MAX_T:
        raise ValueError(
            f"x must be a sequence (T,) with 1 <= T <= {MAX_T}, but has shape {x.shape}."
        )
    if not np.isfinite(x).all():
        raise ValueError("x contains NaN or infinity.")
    return x


# ---------------------------------------------------------------- freezing a gate


def freeze_bias(b, block, H, mode):
    """A copy of the bias ``b`` with column block ``block`` (of width H) set for ``mode``.

    ``"normal"`` leaves it as it is; ``"frozen open"`` sets it to +:data:`FREEZE_BIAS`,
    ``"frozen shut"`` to -:data:`FREEZE_BIAS`. ``b`` itself is not changed.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, but got {mode!r}.")
    b = np.array(b, dtype=np.float64, copy=True)
    cols = slice(block * H, (block + 1) * H)  # this gate's block of the bias
    if mode == "frozen open":
        b[cols] = FREEZE_BIAS
    elif mode == "frozen shut":
        b[cols] = -FREEZE_BIAS
    return b


# ---------------------------------------------------------------- the LSTM's pure layer

#: The LSTM gates that can be frozen (g is the candidate, not a gate), with their labels.
LSTM_GATES = {"i": "input gate i", "f": "forget gate f", "o": "output gate o"}

LSTM_ROWS = (
    Row("i", "i_t input", (-0.05, 1.05)),
    Row("f", "f_t forget", (-0.05, 1.05)),
    Row("g", "g_t candidate", (-1.05, 1.05)),
    Row("o", "o_t output", (-0.05, 1.05)),
    Row("c", "c_t cell", None),
    Row("h", "h_t hidden", (-1.05, 1.05)),
)

LSTM_SLIDERS = (
    Slider("forget_bias", "forget bias", -3.0, 5.0, 0.25, 1.0),
    Slider("input_scale", "input scale", 0.0, 3.0, 0.1, 1.0),
)


def lstm_explorer_params(forget_bias=1.0, H=3, seed=0, modes=None):
    """LSTM parameters for the explorer: :func:`rnncourse.lstm.init_params` with D = 1,
    then each gate in ``modes`` (a dict ``{gate: mode}``, gates from :data:`LSTM_GATES`)
    frozen through its bias block. The same seed gives the same weights for every setting."""
    params = lstm.init_params(1, H, np.random.default_rng(seed), forget_bias=forget_bias)
    for gate, mode in (modes or {}).items():
        if gate not in LSTM_GATES:
            raise ValueError(
                f"only the gates {list(LSTM_GATES)} can be frozen, but got {gate!r} "
                "(g is the candidate cell value, not a gate)."
            )
        params["b"] = freeze_bias(params["b"], lstm.GATES.index(gate), H, mode)
    return params


def lstm_gate_trace(x, modes=None, forget_bias=1.0, input_scale=1.0, H=3, seed=0):
    """Run one LSTM over one input sequence and return what happened at every step.

    Inputs:
    - x: the input sequence, (T,); it enters the cell as ``input_scale * x``
    - modes: dict ``{gate: mode}`` for gates in :data:`LSTM_GATES`, modes from :data:`MODES`
    - forget_bias: the forget gate's bias block (before any freezing)
    - H, seed: the number of hidden units and the seed of the weights

    Returns a dict of float64 arrays: ``"x"`` (T,) as given, and ``"i", "f", "g", "o"``,
    ``"c"``, ``"h"``, each (T, H), row t - 1 belonging to step t. h_0 and c_0 are zero.
    """
    x = _check_sequence(x)
    if not np.isfinite(input_scale):
        raise ValueError(f"input_scale must be a finite number, but got {input_scale!r}.")
    params = lstm_explorer_params(forget_bias, H, seed, modes)
    T = x.size
    x_in = (input_scale * x).reshape(1, T, 1)  # (T,) -> (N=1, T, D=1)
    h0 = np.zeros((1, H))
    h, cache = lstm.lstm_forward(x_in, h0, np.zeros((1, H)), params)
    out = {key: value[0] for key, value in lstm.lstm_gates(cache).items()}  # (1, T, H) -> (T, H)
    out["h"] = h[0]  # (1, T, H) -> (T, H)
    out["x"] = x
    return out


def lstm_summary(trace):
    """One line of HTML about a trace: the forget gate's mean and the last cell state."""
    c_last = ", ".join(f"{v:.2f}" for v in trace["c"][-1])
    return (
        f"mean f_t = {trace['f'].mean():.2f} &nbsp;|&nbsp; c_T = [{c_last}] &nbsp;|&nbsp; "
        f"largest |h_t| = {np.abs(trace['h']).max():.2f}"
    )


# ---------------------------------------------------------------- the builder


def build_gate_explorer(
    trace_fn, rows, *, gates=None, sliders=(), pattern="pulse", summarize=None, diagram=None
):
    """Build the explorer for any gated cell; see the module docstring for the contract."""
    import ipywidgets as widgets
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    rows = [Row(*row) for row in rows]
    sliders = [Slider(*s) for s in sliders]
    gates = dict(gates or {})
    if pattern not in PATTERNS:
        raise ValueError(f"pattern must be one of {list(PATTERNS)}, but got {pattern!r}.")
    state = {
        "x": input_sequence(pattern),
        "modes": {gate: "normal" for gate in gates},
        "values": {s.name: s.value for s in sliders},
    }

    def compute():
        return trace_fn(state["x"], dict(state["modes"]), **state["values"])

    trace = compute()
    H = trace[rows[0].key].shape[1]
    steps = np.arange(1, state["x"].size + 1)  # t = 1, ..., T, as in the equations
    fig = go.FigureWidget(
        make_subplots(rows=1 + len(rows), cols=1, shared_xaxes=True, vertical_spacing=0.025)
    )
    fig.add_scatter(
        x=steps, y=state["x"], mode="lines+markers", name="x_t", showlegend=False,
        line={"color": "#444"}, row=1, col=1,
    )  # fmt: skip
    fig.update_yaxes(title_text="x_t input", row=1, col=1)
    colours = OKABE_ITO  # colour-blind safe; each unit is also named in the legend
    for r, row in enumerate(rows, start=2):
        for k in range(H):
            fig.add_scatter(
                x=steps, y=trace[row.key][:, k], mode="lines", name=f"unit {k + 1}",
                legendgroup=f"unit {k + 1}", showlegend=r == 2,
                line={"color": colours[k % len(colours)]}, row=r, col=1,
            )  # fmt: skip
        fig.update_yaxes(title_text=row.label, range=row.y_range, row=r, col=1)
    fig.update_xaxes(title_text="time step t", row=1 + len(rows), col=1)
    fig.update_layout(
        height=110 * (1 + len(rows)) + 60, width=760, margin={"l": 70, "r": 20, "t": 30, "b": 40},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
    )  # fmt: skip

    wide = {"description_width": "initial"}
    controls = {
        "pattern": widgets.Dropdown(
            options=[*PATTERNS, CUSTOM], value=pattern, description="input", style=wide
        ),
        "text": widgets.Text(
            value=format_sequence(state["x"]),
            description="x_t =",
            continuous_update=False,  # read the numbers on Enter, not on every keystroke
            layout=widgets.Layout(width="100%"),
        ),
    }
    for s in sliders:
        controls[s.name] = widgets.FloatSlider(
            value=s.value, min=s.min, max=s.max, step=s.step, description=s.description,
            style=wide, continuous_update=True,
        )  # fmt: skip
    for gate, label in gates.items():
        controls[f"{gate} gate"] = widgets.Dropdown(
            options=MODES, value="normal", description=label, style=wide,
            layout=widgets.Layout(width="auto"),
        )  # fmt: skip
    status = widgets.HTML(summarize(trace) if summarize else "")
    picture = None
    if diagram is not None:  # the cell drawn with one step's numbers, for one unit
        controls["step"] = widgets.IntSlider(
            value=min(3, steps.size), min=1, max=steps.size, description="diagram at t",
            style=wide, continuous_update=True,
        )  # fmt: skip
        controls["unit"] = widgets.Dropdown(
            options=[(f"unit {k + 1}", k) for k in range(H)], value=0, description="unit"
        )
        picture = widgets.HTML()
        state["trace"] = trace

        def draw_picture(_=None):
            t = min(controls["step"].value, state["x"].size)
            picture.value = diagram(state["trace"], t, controls["unit"].value)

        draw_picture()
        controls["step"].observe(draw_picture, names="value")
        controls["unit"].observe(draw_picture, names="value")

    def redraw():
        new = compute()
        if picture is not None:
            state["trace"] = new
            controls["step"].max = state["x"].size
            draw_picture()
        t = np.arange(1, state["x"].size + 1)  # t = 1, ..., T
        with fig.batch_update():
            fig.data[0].x, fig.data[0].y = t, state["x"]
            for r, row in enumerate(rows):
                for k in range(H):
                    line = fig.data[1 + r * H + k]
                    line.x, line.y = t, new[row.key][:, k]
        status.value = summarize(new) if summarize else ""

    def on_pattern(change):
        if change["new"] != CUSTOM:
            controls["text"].value = format_sequence(input_sequence(change["new"]))

    def on_text(change):
        try:
            x = parse_sequence(change["new"])
        except ValueError as exc:
            status.value = (  # dark on light, readable in the light and dark themes
                "<span style='color:#1f2328;background:#fff4e0;padding:1px 4px'>"
                f"Could not read the input: {exc}</span>"
            )
            return
        state["x"] = x
        chosen = controls["pattern"].value
        if chosen != CUSTOM and change["new"] != format_sequence(input_sequence(chosen)):
            controls["pattern"].value = CUSTOM  # typed by hand: the pattern no longer applies
        redraw()

    def slider_callback(name):
        def on_change(change):
            state["values"][name] = change["new"]
            redraw()

        return on_change

    def gate_callback(gate):
        def on_change(change):
            state["modes"][gate] = change["new"]
            redraw()

        return on_change

    controls["pattern"].observe(on_pattern, names="value")
    controls["text"].observe(on_text, names="value")
    for s in sliders:
        controls[s.name].observe(slider_callback(s.name), names="value")
    for gate in gates:
        controls[f"{gate} gate"].observe(gate_callback(gate), names="value")

    box = widgets.VBox(
        [
            widgets.HBox([controls["pattern"]]),
            controls["text"],
            widgets.HBox([controls[s.name] for s in sliders]),
            widgets.HBox([controls[f"{gate} gate"] for gate in gates]),
            status,
            fig,
            *([widgets.HBox([controls["step"], controls["unit"]]), picture] if picture else []),
        ]
    )
    box.figure, box.controls, box.status, box.diagram = fig, controls, status, picture
    return box


def lstm_gate_explorer(pattern="pulse", H=3, seed=0):
    """The LSTM gate explorer: input patterns or typed numbers, sliders for the forget bias
    and the input scale, and a dropdown per gate (i, f, o) to freeze it open or shut."""

    def trace_fn(x, modes, **values):
        return lstm_gate_trace(x, modes, H=H, seed=seed, **values)

    return build_gate_explorer(
        trace_fn,
        LSTM_ROWS,
        gates=LSTM_GATES,
        sliders=LSTM_SLIDERS,
        pattern=pattern,
        summarize=lstm_summary,
        diagram=lstm_diagram,
    )


def lstm_diagram(trace, t, unit):
    """The LSTM cell (:mod:`rnncourse.viz.cell_diagram`) at step ``t`` (1 to T, row ``t - 1``
    of a trace) for hidden unit ``unit`` (a column index, 0 to H - 1; named unit ``unit + 1``)."""
    from .cell_diagram import lstm_svg, lstm_values

    T = len(trace["x"])
    if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or not 1 <= t <= T:
        raise ValueError(f"t must be a time step from 1 to T = {T}, but got {t!r}.")
    return lstm_svg(lstm_values(trace, t - 1, unit), where=f"time step t = {t}, unit {unit + 1}")
