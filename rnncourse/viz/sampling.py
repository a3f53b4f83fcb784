"""Chapter 10's temperature sampler: what a trained character model writes, and how the
temperature changes it.

Three layers (see :mod:`rnncourse.viz`):

1. :func:`sampler_view` is pure: model, vocabulary, prompt, temperature and seed in; the
   sampled text, the probabilities of the character after the prompt, and an error message
   (for a prompt the vocabulary cannot encode) out. Same arguments, same result.
2. :func:`temperature_sampler` builds the controls (a temperature slider, a prompt text box,
   a "regenerate" button), a text panel and a plotly bar chart of the next-character
   probabilities, once.
3. Thin callbacks: moving the slider or editing the prompt samples again with the same
   seed, so only the temperature or the prompt changes the text; "regenerate" moves to the
   next seed. Sampling 100 characters takes a few milliseconds.

Shapes: V characters in the vocabulary.
"""

import html

import numpy as np

from .. import charlm
from ._controls import bind

#: Characters sampled per view.
N_CHARS = 100

#: How the bar chart labels characters that do not print.
_SHOWN = {"\n": "⏎", " ": "␣", "\t": "⇥"}


def char_labels(vocab):
    """The vocabulary's characters as bar-chart labels ("⏎" for a newline, "␣" for a space)."""
    return [_SHOWN.get(c, c) for c in vocab.chars]


def sampler_view(model, vocab, prompt, temperature, seed, n_chars=N_CHARS):
    """What the sampler shows for one setting.

    Inputs: a character model and its vocabulary, the prompt (a str; empty starts a new
    line), the temperature (>= 0; 0 is greedy), the seed of the draws, and how many
    characters to sample.

    Returns a dict:
    - "prompt", "temperature", "seed": the arguments
    - "text": the sampled continuation ("" when there is an error)
    - "labels": the V characters as labels (:func:`char_labels`)
    - "probs": (V,) probabilities of the character right after the prompt, at this
      temperature (zeros when there is an error)
    - "error": None, or a message such as "'Q' is not in the vocabulary"
    """
    view = {
        "prompt": prompt, "temperature": float(temperature), "seed": int(seed), "text": "",
        "labels": char_labels(vocab), "probs": np.zeros(len(vocab)), "error": None,
    }  # fmt: skip
    try:
        view["probs"] = charlm.next_char_probabilities(model, vocab, prompt, temperature)
        view["text"] = charlm.generate(model, vocab, prompt, n_chars, temperature, seed)
    except ValueError as err:
        view["error"] = str(err)
        view["probs"] = np.zeros(len(vocab))
    return view


def render_text(view):
    """The view as HTML: the prompt in bold, the sampled text after it, newlines kept."""
    style = "font-family:monospace;white-space:pre-wrap;margin:4px 0;line-height:1.35"
    if view["error"]:
        message = html.escape(view["error"])
        return f"<div style='color:#b35900'>Cannot sample: {message}</div>"
    prompt = html.escape(view["prompt"])
    text = html.escape(view["text"])
    info = f"temperature {view['temperature']:.2f}, seed {view['seed']}"
    return (
        f"<div style='color:#555'>{info}</div>"
        f"<div style='{style}'><b>{prompt}</b><span style='color:#08519c'>{text}</span></div>"
    )


def temperature_sampler(model, vocab, prompt="", temperature=1.0, seed=0, n_chars=N_CHARS):
    """A widget: a temperature slider (0 to 2), a prompt text box, a "regenerate" button, the
    sampled text, and a bar chart of the probabilities of the character after the prompt.

    The returned box has ``figure``, ``controls`` (dict: "temperature", "prompt",
    "regenerate"), ``text`` (the HTML panel) and ``state`` (dict: the current "prompt",
    "temperature" and "seed").
    """
    import ipywidgets as widgets
    import plotly.graph_objects as go

    state = {"prompt": prompt, "temperature": float(temperature), "seed": int(seed)}
    view = sampler_view(model, vocab, prompt, temperature, seed, n_chars)
    fig = go.FigureWidget(
        [go.Bar(x=view["labels"], y=view["probs"], marker={"color": "#08519c"},
                hovertemplate="%{x}: %{y:.3f}<extra></extra>")]
    )  # fmt: skip
    fig.update_layout(
        width=680, height=260, margin={"l": 50, "r": 20, "t": 40, "b": 40},
        title={"text": "probability of the next character after the prompt", "font": {"size": 13}},
        yaxis={"range": [0, 1], "title": "probability"},
        xaxis={"type": "category", "tickfont": {"size": 13}},
    )  # fmt: skip
    controls = {
        "temperature": widgets.FloatSlider(value=temperature, min=0.0, max=2.0, step=0.05,
                                           description="temperature", readout_format=".2f"),
        "prompt": widgets.Text(value=prompt, description="prompt", placeholder="(a new line)"),
        "regenerate": widgets.Button(description="regenerate", icon="refresh",
                                     tooltip="sample again with the next seed"),
    }  # fmt: skip
    text = widgets.HTML(render_text(view))

    def redraw():
        new = sampler_view(
            model, vocab, state["prompt"], state["temperature"], state["seed"], n_chars
        )
        with fig.batch_update():
            fig.data[0].y = new["probs"]
        text.value = render_text(new)

    def on_regenerate(_button):
        state["seed"] += 1
        redraw()

    # same seed: only the changed setting changes the text
    bind({key: controls[key] for key in ("temperature", "prompt")}, state, redraw)
    controls["regenerate"].on_click(on_regenerate)

    box = widgets.VBox([widgets.HBox(list(controls.values())), text, fig])
    box.figure, box.controls, box.text, box.state = fig, controls, text, state
    return box
