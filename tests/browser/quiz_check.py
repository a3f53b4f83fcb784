"""Answer one quiz question of a chapter wrong, then right, in the page, and check the feedback.

Used by run_browser.py (JupyterLab) and site_check.py (the static site): the quiz grades in the
browser, so both must show "Not quite." with the wrong option's own feedback, then "Correct."
with the right option's, and the question's equations must be typeset by MathJax.
"""

import re
import time

from rnncourse import quiz

PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden) "


def first_choice_question(chapter):
    """(number on the page, wrong option index, right option index) of a 'one' question."""
    for number, q in enumerate(quiz.load_bank(chapter)):
        if q["type"] == "one":
            right = next(i for i, o in enumerate(q["options"]) if o["correct"])
            return number, (right + 1) % len(q["options"]), right, q
    return None


def _answer(box, option):
    box.locator(f'input[value="{option}"]').check()
    box.locator(".rnnq-check").click()
    time.sleep(0.2)
    return box.evaluate(
        """el => ({result: el.querySelector('.rnnq-result').textContent,
                   shown: Array.from(el.querySelectorAll('.rnnq-feedback'))
                     .filter(f => !f.hidden).map(f => Number(f.dataset.index)),
                   math: el.querySelectorAll('mjx-container, .MathJax').length})"""
    )


def check_quiz(page, chapter, scope=PANEL):
    """Problems found (empty when the quiz works), and a note for the report."""
    picked = first_choice_question(chapter)
    if picked is None:
        return [f"chapter {chapter}'s quiz has no single-choice question to try"], ""
    number, wrong, right, q = picked
    boxes = page.locator(scope + ".rnnq-question")
    if boxes.count() != len(quiz.load_bank(chapter)):
        return [f"the page shows {boxes.count()} quiz questions, the bank has "
                f"{len(quiz.load_bank(chapter))}"], ""  # fmt: skip
    box = boxes.nth(number)
    box.scroll_into_view_if_needed()
    problems = []
    before = box.evaluate("el => Array.from(el.querySelectorAll('.rnnq-feedback')).filter("
                          "f => !f.hidden).length")  # fmt: skip
    if before:
        problems.append("quiz feedback is visible before any answer")
    first = _answer(box, wrong)
    if not first["result"].startswith("Not quite") or first["shown"] != [wrong]:
        problems.append(f"a wrong answer got {first}")
    second = _answer(box, right)
    if second["result"] != "Correct." or second["shown"] != [right]:
        problems.append(f"the right answer got {second}")
    has_math = re.search(r"\$[^$]+\$", q["question"] + "".join(o["text"] for o in q["options"]))
    if has_math and not second["math"]:
        problems.append("the question's equations are not typeset")
    note = f"quiz question {number + 1}: wrong then right answered with the right feedback"
    return problems, note
