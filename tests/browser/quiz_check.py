"""Answer quiz questions of a chapter wrong, then right, in the page, and check the feedback.

Used by run_browser.py (JupyterLab) and site_check.py (the static site): the quiz grades in the
browser, so both must show "Not quite." with the wrong answer's own feedback, then "Correct."
with the right one's, for the first single-choice question and the first typed one (a number
or a shape) of the part's bank, each when the bank has one (at least one of them); the
question's equations must be typeset by MathJax, and the notice "run this cell first" must be
gone (the quiz's script ran).
"""

import re

from rnncourse import quiz

PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden) "
SHOWN = """el => ({result: el.querySelector('.rnnq-result').textContent,
                   shown: Array.from(el.querySelectorAll('.rnnq-feedback'))
                     .filter(f => !f.hidden).map(f => Number(f.dataset.index)),
                   math: el.querySelectorAll('mjx-container, .MathJax').length})"""


def first_choice_question(chapter):
    """``(index on the page from 0, a wrong option, the right option, the question)`` of the
    chapter's first 'one' question, or None."""
    for number, q in enumerate(quiz.load_bank(chapter)):
        if q["type"] == "one":
            right = next(i for i, o in enumerate(q["options"]) if o["correct"])
            return number, (right + 1) % len(q["options"]), right, q
    return None


def first_typed_question(chapter):
    """``(index on the page from 0, a wrong answer typed, the answer typed)`` of the chapter's
    first number or shape question with a listed wrong value, or None."""
    for number, q in enumerate(quiz.load_bank(chapter)):
        if q["type"] in ("number", "shape") and q.get("wrong"):
            typed = [q["answer"], q["wrong"][0]["value"]]
            if q["type"] == "shape":
                typed = ["(" + ", ".join(v) + ")" for v in typed]
            return number, str(typed[1]), str(typed[0])
    return None


def _pick(box, option):
    box.locator(f'input[value="{option}"]').check()
    box.locator(".rnnq-check").click()  # grading runs in the click handler, synchronously
    return box.evaluate(SHOWN)


def _type(box, text):
    box.locator(".rnnq-text").fill(text)
    box.locator(".rnnq-check").click()
    return box.evaluate(SHOWN)


def _wrong_then_right(answer, box, wrong, right, shown, what):
    """Answer ``wrong`` then ``right``; ``shown`` is the feedback index each must show."""
    problems = []
    first = answer(box, wrong)
    if not first["result"].startswith("Not quite") or first["shown"] != [shown[0]]:
        problems.append(f"{what}: the wrong answer {wrong!r} got {first}")
    second = answer(box, right)
    if second["result"] != "Correct." or second["shown"] != [shown[1]]:
        problems.append(f"{what}: the right answer {right!r} got {second}")
    return problems, second


def check_quiz(page, chapter, scope=PANEL):
    """Problems found (empty when the quiz works), and a note for the report.

    ``chapter`` is a bank's number: a part ("07b") or a chapter of one part ("00"). A bank
    with no single-choice question is tried on its typed question alone."""
    picked = first_choice_question(chapter)
    typed = first_typed_question(chapter)
    if picked is None and typed is None:
        return [
            f"quiz {chapter} has neither a single-choice question nor a typed one with a "
            "listed wrong value to try"
        ], ""
    n = len(quiz.load_bank(chapter))
    boxes = page.locator(scope + ".rnnq-question")
    if boxes.count() != n:
        return [f"the page shows {boxes.count()} quiz questions, the bank has {n}"], ""
    problems = []
    notices = page.locator(scope + ".rnnq-notice")
    if notices.count() and notices.first.is_visible():
        problems.append("the quiz still says 'run this cell first': its script did not run")
    first = boxes.nth(picked[0] if picked else typed[0])
    first.scroll_into_view_if_needed()
    before = first.evaluate("el => Array.from(el.querySelectorAll('.rnnq-feedback')).filter("
                            "f => !f.hidden).length")  # fmt: skip
    if before:
        problems.append("quiz feedback is visible before any answer")
    notes = []
    if picked is not None:
        number, wrong, right, q = picked
        box = boxes.nth(number)
        box.scroll_into_view_if_needed()
        what = f"question {number + 1}"
        found, second = _wrong_then_right(_pick, box, wrong, right, (wrong, right), what)
        problems += found
        texts = q["question"] + "".join(o["text"] for o in q["options"])
        if re.search(r"\$[^$]+\$", texts) and not second["math"]:
            problems.append("the question's equations are not typeset")
        notes.append(
            f"quiz question {number + 1}: wrong then right answered with the right feedback"
        )
    if typed is not None:
        t_number, t_wrong, t_right = typed
        t_box = boxes.nth(t_number)
        t_box.scroll_into_view_if_needed()
        # feedback 0 is the answer's, 1 the first wrong value's
        what = f"question {t_number + 1}"
        found, t_second = _wrong_then_right(_type, t_box, t_wrong, t_right, (1, 0), what)
        problems += found
        t_question = quiz.load_bank(chapter)[t_number]["question"]
        if picked is None and re.search(r"\$[^$]+\$", t_question) and not t_second["math"]:
            problems.append("the question's equations are not typeset")
        notes.append(f"typed question {t_number + 1}: {t_wrong!r} then {t_right!r}")
    return problems, "quiz " + chapter + ": " + "; ".join(notes)
