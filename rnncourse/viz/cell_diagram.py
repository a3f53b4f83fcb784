"""Pictures of the LSTM and GRU cells, drawn as SVG from the package's own numbers.

:func:`lstm_svg` and :func:`gru_svg` return an SVG string: the cell's gates as boxes, its
element-wise products and sums as nodes, and the states flowing through, labelled with the
course's symbols (chapter 0's notation: i_t, f_t, g_t, o_t, c_t, h_t; r_t, z_t, n_t). Given a
step's values (one hidden unit), each gate box is coloured by how open it is and shows its
number on a white label, so the picture never relies on colour alone: white 0 to blue 1 for
the sigmoid gates, orange -1 through white to blue +1 for the tanh candidates (Okabe and
Ito's colour-blind-safe blue and vermillion). The picture sits on its own light panel, so it
reads the same in JupyterLab's light and dark themes.

- :func:`lstm_values` / :func:`gru_values` pick one step and one unit from a trace of the
  gate explorers (:mod:`rnncourse.viz.gates`, :mod:`rnncourse.viz.gru_gates`);
- :class:`Diagram` shows an SVG in a notebook (``Diagram(lstm_svg())``);
- the gate explorers colour the picture with the step and unit a learner picks.

Pure functions: numbers in, text out; no widgets or plotting libraries are imported here.
The SVG is well-formed XML, and its text description (``<title>`` and ``aria-label``) names
the values with the notation's symbols.
"""

import hashlib
import html

import numpy as np

BLUE = (0x00, 0x72, 0xB2)  # Okabe-Ito blue
VERMILLION = (0xD5, 0x5E, 0x00)  # Okabe-Ito vermillion
WHITE = (0xFF, 0xFF, 0xFF)
INK = "#1f2328"
LINE = "#57606a"

LSTM_KEYS = ("x", "h_prev", "c_prev", "i", "f", "g", "o", "c", "h")
GRU_KEYS = ("x", "h_prev", "r", "z", "n", "h")
#: How the text description writes each value: chapter 0's symbols.
SYMBOLS = {"x": "x_t", "h_prev": "h_{t-1}", "c_prev": "c_{t-1}", "c": "c_t", "h": "h_t"}
SYMBOLS |= {gate: f"{gate}_t" for gate in "ifgorzn"}


def _mix(a, b, share):
    return tuple(round(p + (q - p) * share) for p, q in zip(a, b, strict=True))


def fill_colour(value, signed=False):
    """The box colour for a gate value: [0, 1] white to blue, or [-1, 1] vermillion to blue."""
    if value is None:
        return "#eef1f4"
    v = float(np.clip(value, -1.0 if signed else 0.0, 1.0))
    rgb = _mix(WHITE, BLUE, v) if v >= 0 else _mix(WHITE, VERMILLION, -v)
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _sym(base, sub=""):
    """A symbol with a subscript as SVG text: c_{t-1} -> c<tspan ...>t-1</tspan>."""
    out = html.escape(base)
    if sub:
        out += f'<tspan font-size="70%" dy="4">{html.escape(sub)}</tspan><tspan dy="-4"></tspan>'
    return out


def _text(x, y, content, size=14, anchor="middle", colour=INK, weight="normal", italic=True):
    style = ' font-style="italic"' if italic else ""
    return (
        f'<text x="{x}" y="{y}" font-size="{size}" text-anchor="{anchor}" fill="{colour}" '
        f'font-weight="{weight}"{style} font-family="DejaVu Sans, Arial, sans-serif">'
        f"{content}</text>"
    )


def _line(points, arrow=True):
    path = " ".join(f"{x},{y}" for x, y in points)
    end = ' marker-end="url(#ARROW)"' if arrow else ""  # _frame gives the marker its id
    return f'<polyline points="{path}" fill="none" stroke="{LINE}" stroke-width="2"{end}/>'


def _node(x, y, symbol):
    return (
        f'<circle cx="{x}" cy="{y}" r="13" fill="#ffffff" stroke="{LINE}" stroke-width="2"/>'
        + _text(x, y + 5, symbol, size=16, italic=False)
    )


def _box(x, y, act, name, sub, value, signed=False, label=""):
    """A gate box centred at (x, y), filled by its value, with a white label inside that
    names it and shows the value (so the text reads on every fill)."""
    parts = [
        f'<rect x="{x - 42}" y="{y - 26}" width="84" height="52" rx="6" '
        f'fill="{fill_colour(value, signed)}" stroke="{LINE}" stroke-width="2">'
        f"<title>{html.escape(label)}</title></rect>",
        f'<rect x="{x - 33}" y="{y - 19}" width="66" height="38" rx="4" fill="#ffffff" '
        'fill-opacity="0.92"/>',
        _text(x, y - 3 if value is not None else y + 5, f"{act} " + _sym(name, sub), size=13),
    ]
    if value is not None:
        parts.append(_text(x, y + 14, f"{float(value):.2f}", size=13, italic=False))
    return "\n".join(parts)


def _value(values, key):
    if values is None:
        return None
    return None if values.get(key) is None else float(values[key])


def _fmt(values, key):
    v = _value(values, key)
    return "" if v is None else f" = {v:.2f}"


def _frame(width, height, body, label):
    # The arrow marker's id is unique to this picture, so several diagrams on one page (two
    # notebooks open, an explorer redrawn) never point at each other's markers.
    arrow = "rnn-arrow-" + hashlib.sha1((label + body).encode()).hexdigest()[:10]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{html.escape(label)}">'
        f"<title>{html.escape(label)}</title>"
        f'<defs><marker id="{arrow}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
        f'fill="{LINE}"/></marker></defs>'
        f'<rect x="1" y="1" width="{width - 2}" height="{height - 2}" rx="8" fill="#ffffff" '
        f'stroke="#8c959f"/>\n{body.replace("url(#ARROW)", f"url(#{arrow})")}\n</svg>'
    )


def _inputs(v, bus_end, gate_xs):
    """The inputs along the bottom: h_{t-1} and x_t on one bus, up into every gate box."""
    return [
        _line([(100, 282), (bus_end, 282)], arrow=False),
        _text(16, 287, _sym("h", "t-1"), anchor="start"),
        _text(16, 305, _fmt(v, "h_prev").lstrip(" ="), size=12, anchor="start", italic=False),
        _line([(112, 316), (112, 284)], arrow=False),
        _text(124, 318, _sym("x", "t") + _fmt(v, "x"), anchor="start"),
        *(_line([(x, 282), (x, top)]) for x, top in gate_xs),
    ]


def _label(cell, v, where):
    """The picture's text description: the values with the notation's symbols."""
    if not v:
        return f"{cell} cell: {where}"
    values = ", ".join(f"{SYMBOLS[k]} = {float(x):.2f}" for k, x in v.items() if x is not None)
    return f"{cell} cell, {where}: {values}"


def _caption(values, where, width, y):
    if values is None:
        text = "Boxes are gates (σ: sigmoid) and the candidate (tanh); ⊙ multiplies element-wise."
    else:
        text = (
            f"{where}. Sigmoid gates: white 0 to blue 1; tanh candidate: orange -1, white 0, "
            "blue +1."
        )
    return _text(width / 2, y, html.escape(text), size=12, italic=False)


def _check_values(values, keys, name):
    if values is None:
        return None
    if not isinstance(values, dict):
        raise TypeError(
            f"values must be a dict of numbers with keys {keys}, got {type(values).__name__}"
        )
    unknown = sorted(set(values) - set(keys), key=str)
    if unknown:
        raise ValueError(f"values for the {name} diagram take the keys {keys}, got {unknown}")
    for key, value in values.items():
        try:
            number = None if value is None else float(value)
        except (TypeError, ValueError):
            raise TypeError(f"values[{key!r}] must be a number or None, got {value!r}") from None
        if number is not None and not np.isfinite(number):
            raise ValueError(f"values[{key!r}] must be a finite number, got {value!r}")
    # in the picture's own order, whatever the dict's
    return {key: values[key] for key in keys if key in values}


def lstm_svg(values=None, where="one step of the LSTM"):
    """The LSTM cell as SVG; ``values`` (a dict with keys in :data:`LSTM_KEYS`) colours it."""
    v = _check_values(values, LSTM_KEYS, "LSTM")
    W, H = 640, 330
    body = [
        # the cell state runs along the top: c_{t-1} -> (x f) -> (+ i g) -> c_t
        _line([(70, 60), (157, 60)]),
        _line([(183, 60), (317, 60)]),
        _line([(343, 60), (600, 60)]),
        _text(40, 50, _sym("c", "t-1") + _fmt(v, "c_prev"), anchor="start"),
        _text(600, 50, _sym("c", "t") + _fmt(v, "c"), anchor="end"),
        _node(170, 60, "⊙"),
        _node(330, 60, "+"),
        # gates on the bottom row, fed by [h_{t-1}, x_t]
        _box(170, 200, "σ", "f", "t", _value(v, "f"), label="forget gate f_t"),
        _box(270, 200, "σ", "i", "t", _value(v, "i"), label="input gate i_t"),
        _box(370, 200, "tanh", "g", "t", _value(v, "g"), signed=True, label="candidate g_t"),
        _box(470, 200, "σ", "o", "t", _value(v, "o"), label="output gate o_t"),
        _line([(170, 174), (170, 73)]),
        _node(320, 130, "⊙"),
        _line([(270, 174), (270, 130), (307, 130)]),
        _line([(370, 174), (370, 130), (333, 130)]),
        _line([(320, 117), (328, 73)]),
        # output: h_t = o_t * tanh(c_t)
        _line([(550, 60), (550, 103)]),
        f'<ellipse cx="550" cy="120" rx="26" ry="16" fill="#ffffff" stroke="{LINE}" '
        'stroke-width="2"/>',
        _text(550, 125, "tanh", size=12, italic=False),
        _line([(550, 136), (550, 187)]),
        _node(550, 200, "⊙"),
        _line([(512, 200), (537, 200)]),
        _line([(563, 200), (600, 200), (600, 250)]),
        _text(610, 270, _sym("h", "t") + _fmt(v, "h"), anchor="end"),
        *_inputs(v, 470, [(x, 227) for x in (170, 270, 370, 470)]),
        _caption(v, where, W, 20),
    ]
    return _frame(W, H, "\n".join(body), _label("LSTM", v, where))


def gru_svg(values=None, reset_after=True, where="one step of the GRU"):
    """The GRU cell as SVG (h_t = (1 - z_t) n_t + z_t h_{t-1}, the course's convention)."""
    v = _check_values(values, GRU_KEYS, "GRU")
    W, H = 640, 330
    # the candidate's formula in chapter 5's symbols, since the picture cannot show where r acts
    when, formula = (
        ("r acts after the product:", "n_t = tanh(x_t W_xn + b_xn + r_t ⊙ (h_{t-1} W_hn + b_hn))")
        if reset_after
        else (
            "r acts before the product:",
            "n_t = tanh(x_t W_xn + b_xn + (r_t ⊙ h_{t-1}) W_hn + b_hn)",
        )
    )
    body = [
        # the state runs along the top: h_{t-1} -> (x z) -> (+ (1-z) n) -> h_t
        _line([(70, 60), (237, 60)]),
        _line([(263, 60), (427, 60)]),
        _line([(453, 60), (600, 60)]),
        _text(40, 50, _sym("h", "t-1") + _fmt(v, "h_prev"), anchor="start"),
        _text(600, 50, _sym("h", "t") + _fmt(v, "h"), anchor="end"),
        _node(250, 60, "⊙"),
        _node(440, 60, "+"),
        _box(150, 200, "σ", "r", "t", _value(v, "r"), label="reset gate r_t"),
        _box(250, 200, "σ", "z", "t", _value(v, "z"), label="update gate z_t"),
        _box(440, 200, "tanh", "n", "t", _value(v, "n"), signed=True, label="candidate n_t"),
        _line([(250, 174), (250, 73)]),
        # 1 - z_t times the candidate joins the sum
        _line([(250, 130), (327, 130)]),
        f'<rect x="330" y="117" width="40" height="26" rx="4" fill="#ffffff" stroke="{LINE}" '
        'stroke-width="2"/>',
        _text(350, 135, "1 −", size=13, italic=False),
        _line([(370, 130), (427, 130)]),
        _node(440, 130, "⊙"),
        _line([(440, 174), (440, 143)]),
        _line([(440, 117), (440, 73)]),
        # the reset gate reaches the candidate: r_t times what comes from h_{t-1}
        _line([(150, 174), (150, 160), (340, 160), (340, 187)]),
        _node(340, 200, "⊙"),
        _line([(353, 200), (397, 200)]),
        _text(630, 300, html.escape(when), size=11, anchor="end", italic=False),
        _text(630, 316, html.escape(formula), size=11, anchor="end", italic=False),
        *_inputs(v, 440, [(150, 227), (250, 227), (340, 213), (440, 227)]),
        _caption(v, where, W, 20),
    ]
    return _frame(W, H, "\n".join(body), _label("GRU", v, where))


def _pick(array, t, unit, name):
    array = np.asarray(array)
    for arg, value in (("t", t), ("unit", unit)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
            raise TypeError(f"{arg} must be an int, got {value!r}")
    if not 0 <= t < array.shape[0]:
        raise ValueError(f"t must be a step index from 0 to {array.shape[0] - 1}, got {t}")
    if array.ndim == 1:
        return float(array[t])
    if not 0 <= unit < array.shape[1]:
        raise ValueError(f"unit must be from 0 to {array.shape[1] - 1}, got {unit} ({name})")
    return float(array[t, unit])


def lstm_values(trace, t, unit=0):
    """One step's numbers from :func:`rnncourse.viz.gates.lstm_gate_trace` (row t, a unit);
    c_{t-1} and h_{t-1} are the previous row, or the zero initial states at t = 0."""
    out = {key: _pick(trace[key], t, unit, key) for key in ("i", "f", "g", "o", "c", "h")}
    out["x"] = _pick(trace["x"], t, unit, "x")
    out["c_prev"] = _pick(trace["c"], t - 1, unit, "c") if t > 0 else 0.0
    out["h_prev"] = _pick(trace["h"], t - 1, unit, "h") if t > 0 else 0.0
    return out


def gru_values(trace, t, unit=0):
    """One step's numbers from :func:`rnncourse.viz.gru_gates.gru_gate_trace` (a unit)."""
    out = {key: _pick(getattr(trace, key), t, unit, key) for key in ("r", "z", "n", "h")}
    out["x"] = _pick(trace.x[:, 0], t, unit, "x")
    out["h_prev"] = _pick(trace.h, t - 1, unit, "h") if t > 0 else float(trace.h0[unit])
    return out


class Diagram:
    """Shows an SVG string in a notebook (and as its text description elsewhere)."""

    def __init__(self, svg):
        if not isinstance(svg, str) or "<title>" not in svg:
            raise TypeError(f"svg must be an SVG string from lstm_svg or gru_svg, got {svg!r:.80}")
        self.svg = svg

    def __repr__(self):
        start = self.svg.index("<title>") + len("<title>")
        return html.unescape(self.svg[start : self.svg.index("</title>")])

    def _repr_html_(self):
        return f'<div style="max-width:100%;overflow-x:auto">{self.svg}</div>'
