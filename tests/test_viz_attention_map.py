"""Tests for the attention map of chapter 11 (rnncourse.viz.attention_map)."""

import time

import ipywidgets
import numpy as np
import pytest

from rnncourse.data import dates
from rnncourse.viz import attention_map as am


@pytest.fixture(autouse=True)
def close_widgets():
    yield
    ipywidgets.Widget.close_all()


@pytest.fixture(scope="module")
def models():
    return am.load_stored_models()


# --- the pure layer -------------------------------------------------------------------


def test_attention_map_is_the_translation_and_its_weights(models):
    for date_model in models.values():
        result = am.attention_map(date_model, "9 Oct 1993")
        outputs, alphas, _ = dates.translate(date_model, ["9 Oct 1993"])
        assert result.output == outputs[0] == "1993-10-09"
        assert result.source == list("9 Oct 1993") and result.unknown == []
        assert result.alpha.shape == (10, 10)
        np.testing.assert_array_equal(result.alpha, alphas[0])
        np.testing.assert_allclose(result.alpha.sum(axis=1), 1.0)


def test_every_example_translates_to_a_date(models):
    for date_model in models.values():
        for text in am.EXAMPLES:
            result = am.attention_map(date_model, text)
            assert len(result.output) == 10 and result.alpha.shape == (10, len(text))


def test_unknown_characters_empty_and_long_texts(models):
    date_model = models["Bahdanau (additive)"]
    result = am.attention_map(date_model, "9 Oct 1993!")
    assert result.unknown == ["!"]
    with pytest.raises(ValueError, match="empty"):
        am.attention_map(date_model, "")
    long = am.attention_map(date_model, "9 " * 40)
    assert len(long.source) == dates.MAX_SOURCE_LENGTH


def test_describe_output():
    assert am.describe_output("2000-02-29") == "a valid date"
    assert am.describe_output("1999-02-29") == "not a valid date"
    assert am.describe_output("19-9") == "not a valid date"


# --- the widget -----------------------------------------------------------------------


def test_explorer_updates_the_heatmap(models):
    box = am.attention_map_explorer(models)
    fig, controls = box.figure, box.controls
    heat = fig.data[0]
    first = np.array(heat.z)
    assert first.shape == (10, len(am.EXAMPLES[0]))
    assert list(fig.layout.xaxis.ticktext)[:8] == list("Saturday")
    assert list(fig.layout.yaxis.ticktext) == list("1993-10-09")

    start = time.perf_counter()
    controls["text"].value = "09/10/93"
    elapsed = time.perf_counter() - start
    print(f"text callback: {1000 * elapsed:.1f} ms")
    assert np.array(heat.z).shape == (10, 8)
    assert list(fig.layout.xaxis.ticktext) == list("09/10/93")
    assert "1993-10-09" in box.status.value and "a valid date" in box.status.value

    start = time.perf_counter()
    controls["model"].value = "Luong (general)"
    print(f"model callback: {1000 * (time.perf_counter() - start):.1f} ms")
    luong = am.attention_map(models["Luong (general)"], "09/10/93")
    np.testing.assert_array_equal(np.array(heat.z), luong.alpha)

    controls["example"].value = am.EXAMPLES[2]
    assert controls["text"].value == am.EXAMPLES[2]
    assert list(fig.layout.xaxis.ticktext)[3] == "·"  # "oct 9, 1993": a space at index 3


def test_explorer_survives_empty_text(models):
    box = am.attention_map_explorer(models)
    before = np.array(box.figure.data[0].z)
    box.controls["text"].value = ""
    assert "empty" in box.status.value
    np.testing.assert_array_equal(np.array(box.figure.data[0].z), before)
    box.controls["text"].value = "1.1.1950"
    assert "1950-01-01" in box.status.value


def test_explorer_needs_a_model():
    with pytest.raises(ValueError, match="models is empty"):
        am.attention_map_explorer({})
