"""Tests for the temperature sampler (rnncourse.viz.sampling): the pure view, the HTML, and
the widget's callbacks (slider, prompt, regenerate), with their timings printed."""

import time

import ipywidgets
import numpy as np
import pytest

from rnncourse import charlm, train
from rnncourse.data import text
from rnncourse.viz import sampling as S


@pytest.fixture(autouse=True)
def close_widgets():
    yield
    ipywidgets.Widget.close_all()


@pytest.fixture(scope="module")
def lm():
    corpus = text.number_corpus(np.arange(1, 1000), 200, np.random.default_rng(0))
    vocab = text.Vocabulary.from_text(corpus)
    model = train.init_model("rnn", len(vocab), 128, len(vocab), np.random.default_rng(0))
    return model, vocab


def test_char_labels_show_invisible_characters():
    vocab = text.Vocabulary.from_text("a b\nc\t")
    assert S.char_labels(vocab) == ["⇥", "⏎", "␣", "a", "b", "c"]


def test_view_is_deterministic_and_matches_the_package(lm):
    model, vocab = lm
    view = S.sampler_view(model, vocab, "one hundred", 0.8, seed=4)
    assert view["error"] is None and len(view["text"]) == S.N_CHARS
    assert view["text"] == charlm.generate(model, vocab, "one hundred", S.N_CHARS, 0.8, 4)
    np.testing.assert_allclose(
        view["probs"], charlm.next_char_probabilities(model, vocab, "one hundred", 0.8)
    )
    assert view["probs"].shape == (len(vocab),) and view["probs"].sum() == pytest.approx(1)
    again = S.sampler_view(model, vocab, "one hundred", 0.8, seed=4)
    assert again["text"] == view["text"]
    assert S.sampler_view(model, vocab, "one hundred", 0.8, seed=5)["text"] != view["text"]


def test_view_at_temperature_zero_is_greedy(lm):
    model, vocab = lm
    view = S.sampler_view(model, vocab, "two", 0.0, seed=0)
    assert sorted(np.unique(view["probs"])) == [0.0, 1.0]
    assert view["text"] == S.sampler_view(model, vocab, "two", 0.0, seed=9)["text"]


def test_view_reports_a_bad_prompt_instead_of_raising(lm):
    model, vocab = lm
    view = S.sampler_view(model, vocab, "one <Q>", 1.0, seed=0)
    assert view["text"] == "" and not view["probs"].any()
    assert "'<' at position 4 is not in the vocabulary" in view["error"]
    html = S.render_text(view)
    assert "Cannot sample" in html and "&#x27;&lt;&#x27;" in html and "<Q>" not in html


def test_render_text_escapes_and_keeps_the_prompt_bold():
    view = {"prompt": "a<b", "text": "&c\nd", "temperature": 0.5, "seed": 3, "error": None}
    html = S.render_text(view)
    assert "<b>a&lt;b</b>" in html and "&amp;c\nd" in html
    assert "temperature 0.50, seed 3" in html


def test_view_takes_a_few_milliseconds(lm):
    model, vocab = lm
    S.sampler_view(model, vocab, "seven", 1.0, seed=0)  # warm up
    start = time.perf_counter()
    for seed in range(5):
        S.sampler_view(model, vocab, "seven hundred and", 1.0, seed=seed)
    per_view = (time.perf_counter() - start) / 5 * 1000
    print(f"\nsampler_view, {S.N_CHARS} characters, H=128: {per_view:.1f} ms")
    assert per_view > 0


def test_widget_callbacks_change_the_text_and_the_bars(lm):
    model, vocab = lm
    box = S.temperature_sampler(model, vocab, prompt="one hundred and ", temperature=1.0, seed=0)
    fig, controls, panel = box.figure, box.controls, box.text
    assert list(controls) == ["temperature", "prompt", "regenerate"]
    first_html, first_bars = panel.value, np.array(fig.data[0].y)
    expected = charlm.generate(model, vocab, "one hundred and ", S.N_CHARS, 1.0, 0)
    assert S.render_text({**S.sampler_view(model, vocab, "one hundred and ", 1.0, 0)}) == first_html
    assert expected.replace("\n", "") in first_html.replace("\n", "")
    assert list(fig.data[0].x) == S.char_labels(vocab)

    start = time.perf_counter()
    controls["temperature"].value = 0.3
    slider_ms = (time.perf_counter() - start) * 1000
    assert panel.value != first_html and "temperature 0.30, seed 0" in panel.value
    sharper = np.array(fig.data[0].y)
    assert sharper.max() > first_bars.max()  # a lower temperature sharpens the distribution
    assert box.state["temperature"] == 0.3

    start = time.perf_counter()
    controls["regenerate"].click()
    button_ms = (time.perf_counter() - start) * 1000
    assert box.state["seed"] == 1 and "seed 1" in panel.value
    np.testing.assert_allclose(fig.data[0].y, sharper)  # the seed does not change the bars

    start = time.perf_counter()
    controls["prompt"].value = "nine"
    prompt_ms = (time.perf_counter() - start) * 1000
    assert "<b>nine</b>" in panel.value and box.state["prompt"] == "nine"
    np.testing.assert_allclose(
        fig.data[0].y, charlm.next_char_probabilities(model, vocab, "nine", 0.3)
    )
    print(
        f"\ncallbacks: slider {slider_ms:.1f} ms, regenerate {button_ms:.1f} ms, "
        f"prompt {prompt_ms:.1f} ms (target < 50 ms)"
    )


def test_widget_survives_a_bad_prompt(lm):
    model, vocab = lm
    box = S.temperature_sampler(model, vocab, prompt="one", seed=2)
    box.controls["prompt"].value = "ONE"
    assert "Cannot sample" in box.text.value
    assert not np.array(box.figure.data[0].y).any()
    box.controls["prompt"].value = "one"
    assert "Cannot sample" not in box.text.value and np.array(box.figure.data[0].y).any()


def test_sampler_shows_the_shipped_docstring_model():
    # the chapter's second corpus: an LSTM in float32 with V = 95, shown by the same widget
    model, vocab = charlm.load_pretrained("docstrings")
    view = S.sampler_view(model, vocab, "Return the ", 0.5, 0)
    assert view["error"] is None and len(view["text"]) == S.N_CHARS
    assert view["probs"].shape == (95,) and view["probs"].sum() == pytest.approx(1, abs=1e-5)
    assert "⏎" in view["labels"] and "␣" in view["labels"]
    box = S.temperature_sampler(model, vocab, prompt="Return the ", temperature=0.5, seed=0)
    assert "Return the" in S.render_text(view) and box is not None
    bad = S.sampler_view(model, vocab, "Return the é", 0.5, 0)  # not in the vocabulary
    assert bad["error"] and "'é'" in bad["error"]
