"""Self-check quizzes with immediate feedback.

A question is a dict::

    {"question": "What shape is h_t?",
     "options": ["(N, D)", "(N, H)", "(H, H)"],
     "answer": 1,                       # index of the right option
     "explain": "One row per sequence, one column per hidden unit."}

:func:`grade` is the pure part (tested without a browser); :func:`quiz` builds the widget.
"""

import ipywidgets as widgets


def _check_question(q, number):
    for key in ("question", "options", "answer", "explain"):
        if key not in q:
            raise ValueError(f"quiz question {number} has no {key!r}.")
    if not 0 <= q["answer"] < len(q["options"]):
        raise ValueError(f"quiz question {number}: answer {q['answer']} is not an option index.")


def grade(question, choice):
    """Return ``(correct, feedback)`` for picking option index ``choice`` (``None``: no pick)."""
    if choice is None:
        return False, "Pick an answer first."
    if choice == question["answer"]:
        return True, f"Correct. {question['explain']}"
    return False, f"Not quite. {question.get('hint', 'Think again, then try another option.')}"


def quiz(questions):
    """A column of multiple-choice questions, each with a Check button and feedback."""
    rows = []
    for number, q in enumerate(questions, start=1):
        _check_question(q, number)
        choices = widgets.RadioButtons(
            options=[(text, i) for i, text in enumerate(q["options"])],
            value=None,
            layout=widgets.Layout(width="auto"),
        )
        button = widgets.Button(description="Check", button_style="info")
        feedback = widgets.HTML()

        def on_click(_, q=q, choices=choices, feedback=feedback):
            correct, message = grade(q, choices.value)
            color = "#1a7f37" if correct else "#b35900"
            feedback.value = f"<span style='color:{color}'>{message}</span>"

        button.on_click(on_click)
        title = widgets.HTML(f"<b>{number}. {q['question']}</b>")
        rows.append(widgets.VBox([title, choices, button, feedback]))
    return widgets.VBox(rows)
