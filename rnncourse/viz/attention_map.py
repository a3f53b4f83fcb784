"""Attention map: type a date, see the model's ISO translation and where it looked.

A heatmap of the attention weights alpha (T, S) of a trained date translator: one row per
output character (T = 10), one column per source character (S), each row summing to 1.
Row t shows the weights the decoder used for output character t: computed from the
previous state s_{t-1} for Bahdanau attention (before the character is chosen), from the
current state s_t for Luong attention (after the cell's step).

Three layers, as everywhere in :mod:`rnncourse.viz`:

1. :func:`attention_map` (pure: a model and a text in, characters and weights out);
2. :func:`attention_map_explorer` builds the controls (a Text box, a Dropdown of examples,
   toggle buttons for the model) and a plotly ``FigureWidget`` once;
3. thin callbacks write new data into the figure inside ``fig.batch_update()``.
"""

import datetime
from typing import NamedTuple

import numpy as np

from ..data import dates

#: Examples offered in the dropdown: one per kind of format, and two puzzles.
EXAMPLES = (
    "Saturday 9 October 1993",
    "09/10/93",
    "oct 9, 1993",
    "9 Oct 1993",
    "1993.10.09",
    "Wednesday, September 29, 2049",
    "29th February 2000",
    "31 DECEMBER 1999",
    "1.1.1950",
    "Tue, 3 Jul 2018",
    "Tuesday 9 October 1993",
    "9 october 93",
)

#: The stored models the explorer offers: button label -> file name in rnncourse/weights/.
STORED_MODELS = {
    "Bahdanau (additive)": "dates_attention",
    "Luong (general)": "dates_luong",
}


class AttentionMap(NamedTuple):
    """What :func:`attention_map` returns."""

    source: list  # S source characters (the text, cut to MAX_SOURCE_LENGTH)
    output: str  # the model's translation, T = 10 characters
    alpha: np.ndarray  # (T, S) attention weights; row t belongs to output character t
    unknown: list  # source characters the model's vocabulary does not know


def attention_map(date_model, text):
    """Translate one text and return its attention map.

    Inputs: a :class:`rnncourse.data.dates.DateModel` and a non-empty string (cut to
    ``dates.MAX_SOURCE_LENGTH`` characters).

    Returns an :class:`AttentionMap`: the source characters, the output string, alpha
    (T, S) and the characters that were read as "<unk>".
    """
    if not isinstance(text, str) or not text:
        raise ValueError("type a date: the text is empty.")
    text = text[: dates.MAX_SOURCE_LENGTH]
    outputs, alphas, _ = dates.translate(date_model, [text])
    unknown = sorted({char for char in text if char not in date_model.source_vocab.index})
    return AttentionMap(list(text), outputs[0], alphas[0], unknown)


def describe_output(output):
    """A short remark on an output string: is it a valid calendar date?"""
    try:
        datetime.date.fromisoformat(output)
    except ValueError:
        return "not a valid date"
    return "a valid date"


def load_stored_models():
    """The models of :data:`STORED_MODELS`, loaded: label -> DateModel."""
    return {label: dates.load_date_model(name) for label, name in STORED_MODELS.items()}


def _status(result):
    text = f"<b>output:</b> <code>{result.output}</code> ({describe_output(result.output)})"
    if result.unknown:
        chars = " ".join(repr(c) for c in result.unknown)
        text += f" &nbsp;|&nbsp; unknown characters, read as &lt;unk&gt;: {chars}"
    return text


def _labels(chars):
    """Axis labels for characters; a space is shown as a middle dot."""
    return ["·" if char == " " else char for char in chars]


def attention_map_explorer(models=None, text=EXAMPLES[0]):
    """A widget: a Text box and a Dropdown of :data:`EXAMPLES` for the date, toggle buttons
    to pick the model, the model's output, and the attention heatmap (output characters
    down, source characters across).

    ``models`` maps button labels to DateModels (default: :func:`load_stored_models`).
    The returned VBox has handles for tests: ``box.figure`` (the ``FigureWidget``, whose
    ``data[0]`` is the heatmap), ``box.controls`` (a dict: ``"text"``, ``"example"``,
    ``"model"``) and ``box.status`` (the output line).
    """
    import ipywidgets as widgets
    import plotly.graph_objects as go

    models = load_stored_models() if models is None else dict(models)
    if not models:
        raise ValueError("models is empty: pass at least one DateModel.")
    state = {"text": text, "model": next(iter(models))}
    result = attention_map(models[state["model"]], text)

    fig = go.FigureWidget()
    fig.add_heatmap(
        z=result.alpha, zmin=0.0, zmax=1.0, colorscale="Blues",
        colorbar={"title": {"text": "alpha"}, "thickness": 12},
        hovertemplate="output %{y}<br>source %{x}<br>alpha %{z:.3f}<extra></extra>",
    )  # fmt: skip
    fig.update_xaxes(title_text="source character s", tickmode="array", side="top")
    fig.update_yaxes(title_text="output character t", tickmode="array", autorange="reversed")
    fig.update_layout(height=380, width=760, margin={"l": 70, "r": 20, "t": 60, "b": 20})

    def draw(new):
        S, T = len(new.source), len(new.output)
        with fig.batch_update():
            fig.data[0].z = new.alpha
            fig.data[0].x = np.arange(S)
            fig.data[0].y = np.arange(T)
            fig.layout.xaxis.tickvals = list(range(S))
            fig.layout.xaxis.ticktext = _labels(new.source)
            fig.layout.yaxis.tickvals = list(range(T))
            fig.layout.yaxis.ticktext = _labels(new.output)

    draw(result)
    status = widgets.HTML(_status(result))
    controls = {
        "text": widgets.Text(value=text, description="date", placeholder="type a date"),
        "example": widgets.Dropdown(
            options=["(pick an example)", *EXAMPLES], description="examples"
        ),
        "model": widgets.ToggleButtons(options=list(models), value=state["model"]),
    }

    def redraw():
        try:
            new = attention_map(models[state["model"]], state["text"])
        except ValueError as err:
            status.value = f"<i>{err}</i>"
            return
        draw(new)
        status.value = _status(new)

    def on_text(change):
        state["text"] = change["new"]
        redraw()

    def on_example(change):
        if change["new"] in EXAMPLES:
            controls["text"].value = change["new"]  # fires on_text

    def on_model(change):
        state["model"] = change["new"]
        redraw()

    controls["text"].observe(on_text, names="value")
    controls["example"].observe(on_example, names="value")
    controls["model"].observe(on_model, names="value")
    box = widgets.VBox(
        [
            widgets.HBox([controls["text"], controls["example"]]),
            controls["model"],
            status,
            fig,
        ]
    )
    box.figure, box.controls, box.status = fig, controls, status
    return box
