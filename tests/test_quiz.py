"""The self-check quiz widget: grading and clicking without a browser."""

import ipywidgets
import pytest

from rnncourse.viz.quiz import grade, quiz

QUESTION = {
    "question": "Shape of h_t?",
    "options": ["(N, D)", "(N, H)"],
    "answer": 1,
    "explain": "One row per sequence.",
    "hint": "Count hidden units.",
}


@pytest.fixture(autouse=True)
def close_widgets():
    yield
    ipywidgets.Widget.close_all()


def test_grade():
    assert grade(QUESTION, 1) == (True, "Correct. One row per sequence.")
    assert grade(QUESTION, 0) == (False, "Not quite. Count hidden units.")
    assert grade(QUESTION, None)[0] is False


def test_clicking_shows_feedback():
    box = quiz([QUESTION])
    title, choices, button, feedback = box.children[0].children
    button.click()
    assert "Pick an answer" in feedback.value
    choices.value = 0
    button.click()
    assert "Not quite" in feedback.value
    choices.value = 1
    button.click()
    assert "Correct" in feedback.value


def test_bad_question_is_reported():
    with pytest.raises(ValueError, match="no 'explain'"):
        quiz([{"question": "?", "options": ["a"], "answer": 0}])
    with pytest.raises(ValueError, match="not an option"):
        quiz([{**QUESTION, "answer": 5}])
