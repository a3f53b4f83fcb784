"""Self-check quizzes that grade in the browser, so they work without a kernel.

Each chapter's questions live in a data file, ``rnncourse/quiz/banks/NN.json`` (validated by
``tests/test_quiz.py`` against ``banks/schema.json``), and a chapter shows them with one call::

    from rnncourse.quiz import show_quiz
    show_quiz("03")

The call returns an object whose HTML is the whole quiz: the questions and every piece of
feedback are rendered once, up front (so JupyterLab's and the static site's MathJax typeset
their equations), and the feedback stays hidden until the learner checks an answer. The
answers travel encoded in the page, and ``quiz.js`` grades them in the browser: a quiz works in
JupyterLab, on the static site (``make html``) and in any in-browser edition alike, and nothing
on the page shows an answer before the learner picks one.

Question types (``"type"``):

- ``"one"``: pick one option; each option has its own ``feedback`` saying why it is right or
  wrong.
- ``"many"``: tick every true option (at least one is true); wrong ticks show their own
  feedback, missed ones are counted.
- ``"number"``: type a number; right within ``tolerance`` of ``answer``; ``wrong`` lists
  typical wrong values (each with a tolerance and feedback), ``otherwise`` answers the rest.
- ``"shape"``: type a shape such as ``(N, T, H)``; compared entry by entry, letters in any
  case; ``wrong`` lists typical wrong shapes with feedback.

:func:`grade` is the grading rule in Python; ``quiz.js`` has the same rule for the browser, and
the tests run both on every question of every bank and require the same verdicts.
"""

import base64
import html
import json
import re
from functools import cache
from pathlib import Path

BANKS = Path(__file__).resolve().parent / "banks"
TYPES = ("one", "many", "number", "shape")
_SCRIPT = (Path(__file__).resolve().parent / "quiz.js").read_text(encoding="utf-8")


def bank_path(chapter):
    """The data file of ``chapter`` ("03", "A1")."""
    if not isinstance(chapter, str) or not re.fullmatch(r"[0-9A-Z][0-9]", chapter):
        raise ValueError(f"chapter must be a chapter number such as '03' or 'A1', got {chapter!r}")
    path = BANKS / f"{chapter}.json"
    if not path.exists():
        raise ValueError(f"chapter {chapter!r} has no quiz: no file {path.name} in {BANKS}")
    return path


@cache
def load_bank(chapter):
    """The questions of ``chapter``, checked for the mistakes a question author makes."""
    bank = json.loads(bank_path(chapter).read_text(encoding="utf-8"))
    questions = bank.get("questions")
    if not isinstance(questions, list) or not questions:
        raise ValueError(f"quiz bank {chapter}: 'questions' must be a non-empty list")
    for number, q in enumerate(questions, start=1):
        check_question(q, f"quiz bank {chapter}, question {number}")
    return questions


def check_question(q, where="question"):
    """Raise ValueError naming what is missing or inconsistent in one question."""
    kind = q.get("type")
    if kind not in TYPES:
        raise ValueError(f"{where}: type must be one of {TYPES}, got {kind!r}")
    if not isinstance(q.get("question"), str) or not q["question"].strip():
        raise ValueError(f"{where}: 'question' must be a non-empty string")
    if kind in ("one", "many"):
        options = q.get("options")
        if not isinstance(options, list) or len(options) < 2:
            raise ValueError(f"{where}: 'options' must list at least two options")
        for i, option in enumerate(options):
            for key, kind_of in (("text", str), ("correct", bool), ("feedback", str)):
                if not isinstance(option.get(key), kind_of):
                    raise ValueError(
                        f"{where}, option {i + 1}: {key!r} must be a {kind_of.__name__}"
                    )
            if not option["feedback"].strip():
                raise ValueError(
                    f"{where}, option {i + 1}: feedback must say why it is right or wrong"
                )
        right = sum(option["correct"] for option in options)
        if kind == "one" and right != 1:
            raise ValueError(
                f"{where}: a 'one' question needs exactly one correct option, has {right}"
            )
        if kind == "many" and right < 1:
            raise ValueError(f"{where}: a 'many' question needs at least one correct option")
    else:
        for key in ("answer", "feedback", "otherwise"):
            if key not in q:
                raise ValueError(f"{where}: a {kind!r} question needs {key!r}")
        values = [q["answer"]] + [w.get("value") for w in q.get("wrong", [])]
        for w in q.get("wrong", []):
            if not isinstance(w.get("feedback"), str) or not w["feedback"].strip():
                raise ValueError(f"{where}: every 'wrong' entry needs its feedback")
        if kind == "number":
            if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
                raise ValueError(f"{where}: answer and wrong values must be numbers")
            if not isinstance(q.get("tolerance"), (int, float)) or q["tolerance"] < 0:
                raise ValueError(f"{where}: 'tolerance' must be a number >= 0")
            if grade(q, str(q["answer"]))[0] is not True:
                raise ValueError(f"{where}: the answer itself is not accepted")
            for w in q.get("wrong", []):
                if grade(q, str(w["value"]))[0]:
                    raise ValueError(f"{where}: wrong value {w['value']} is accepted as right")
        else:
            if not all(isinstance(v, list) and all(isinstance(s, str) for s in v) for v in values):
                raise ValueError(f"{where}: answer and wrong shapes must be lists of strings")


def _shape_tokens(text):
    """ "(N, T, H)" -> ["N", "T", "H"]; brackets and spaces optional; case folded."""
    inner = text.strip().strip("()[] ")
    if not inner:
        return []
    return [token.strip().upper() for token in inner.split(",") if token.strip()]


def _near(value, target, tolerance):
    return abs(value - target) <= tolerance


def grade(question, response):
    """``(correct, feedback)`` for one response.

    ``response`` is an option index (``"one"``), a collection of option indices (``"many"``), or
    the text the learner typed (``"number"``, ``"shape"``); ``None`` means no answer yet.
    """
    kind = question["type"]
    if response is None or response == "" or (kind == "many" and len(response) == 0):
        return None, "Pick or type an answer first."
    if kind == "one":
        option = question["options"][response]
        return option["correct"], option["feedback"]
    if kind == "many":
        picked = set(response)
        options = question["options"]
        right = {i for i, o in enumerate(options) if o["correct"]}
        if picked == right:
            return True, " ".join(options[i]["feedback"] for i in sorted(right))
        wrong = [options[i]["feedback"] for i in sorted(picked - right)]
        missed = len(right - picked)
        if missed:
            verb = "s are" if missed > 1 else " is"
            wrong.append(f"{missed} true statement{verb} not ticked yet.")
        return False, " ".join(wrong)
    if kind == "number":
        try:
            value = float(response.strip().replace(" ", ""))
        except ValueError:
            return None, f"{response.strip()!r} is not a number: type digits, e.g. 0.25 or 1e-3."
        if _near(value, question["answer"], question["tolerance"]):
            return True, question["feedback"]
        for w in question.get("wrong", []):
            if _near(value, w["value"], w.get("tolerance", question["tolerance"])):
                return False, w["feedback"]
        return False, question["otherwise"]
    tokens = _shape_tokens(response)
    if tokens == [s.upper() for s in question["answer"]]:
        return True, question["feedback"]
    for w in question.get("wrong", []):
        if tokens == [s.upper() for s in w["value"]]:
            return False, w["feedback"]
    return False, question["otherwise"]


def render_text(text):
    """Escape HTML, keep $math$ for MathJax, and render `code` and **bold**."""
    out = html.escape(text, quote=False)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    return re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", out)


def _encode(payload):
    return base64.b64encode(json.dumps(payload).encode("utf-8")).decode("ascii")


def _question_html(chapter, number, q):
    name = f"rnnq-{chapter}-{number}"
    parts = [
        f'<fieldset class="rnnq-question" data-type="{q["type"]}">',
        f"<legend><b>{number}.</b> {render_text(q['question'])}</legend>",
    ]
    feedback = []
    if q["type"] in ("one", "many"):
        kind = "radio" if q["type"] == "one" else "checkbox"
        for i, option in enumerate(q["options"]):
            parts.append(
                f'<label class="rnnq-option"><input type="{kind}" name="{name}" value="{i}"> '
                f"{render_text(option['text'])}</label>"
            )
            feedback.append(option["feedback"])
        key = [i for i, o in enumerate(q["options"]) if o["correct"]]
        hint = "Tick every true statement." if q["type"] == "many" else ""
        if hint:
            parts.append(f'<div class="rnnq-hint">{hint}</div>')
    else:
        label = "Your number" if q["type"] == "number" else "Your shape, e.g. (N, H)"
        parts.append(
            f'<label class="rnnq-option">{label}: <input type="text" class="rnnq-text" '
            f'name="{name}" autocomplete="off" spellcheck="false"></label>'
        )
        feedback = [q["feedback"]] + [w["feedback"] for w in q.get("wrong", [])] + [q["otherwise"]]
        key = {k: q[k] for k in ("answer", "tolerance", "wrong") if k in q}
        key["wrong"] = [w.get("value") for w in q.get("wrong", [])]
        key["wrong_tolerance"] = [w.get("tolerance") for w in q.get("wrong", [])]
    parts.append(
        '<button type="button" class="rnnq-check" onclick="rnncourseQuiz.check(this)">'
        "Check</button>"
    )
    parts.append('<div class="rnnq-result" role="status" aria-live="polite"></div>')
    # Every feedback text is rendered (and typeset) now, and shown only when it applies.
    for i, text in enumerate(feedback):
        parts.append(
            f'<div class="rnnq-feedback" data-index="{i}" hidden>{render_text(text)}</div>'
        )
    parts.append(f'<input type="hidden" class="rnnq-key" value="{_encode(key)}">')
    parts.append("</fieldset>")
    return "\n".join(parts)


_STYLE = """<style>
.rnnq { max-width: 52em; }
.rnnq-question { border: 1px solid var(--jp-border-color1, #8a8a8a); border-radius: 4px;
  margin: 0 0 0.8em 0; padding: 0.4em 0.9em 0.6em 0.9em;
  color: var(--jp-content-font-color1, inherit); }
.rnnq-question legend { padding: 0 0.3em; }
.rnnq-option { display: block; margin: 0.25em 0; cursor: pointer; }
.rnnq-hint { font-style: italic; margin: 0.2em 0; }
.rnnq-text { font-family: var(--jp-code-font-family, monospace); width: 12em;
  color: inherit; background: transparent; border: 1px solid var(--jp-border-color1, #8a8a8a); }
.rnnq-check { margin-top: 0.4em; padding: 0.15em 1em; cursor: pointer; color: inherit;
  background: transparent; border: 1px solid var(--jp-border-color1, #8a8a8a); border-radius: 3px; }
.rnnq-result { font-weight: bold; margin-top: 0.4em; }
.rnnq-feedback { border-left: 4px solid #888; padding: 0.1em 0.6em; margin-top: 0.3em; }
.rnnq-right .rnnq-feedback { border-left-color: #1b7f3b; }
.rnnq-wrong .rnnq-feedback { border-left-color: #b8590d; }
</style>"""


class Quiz:
    """One chapter's quiz; Jupyter shows it through :meth:`_repr_html_`."""

    def __init__(self, chapter):
        self.chapter = chapter
        self.questions = load_bank(chapter)

    def __repr__(self):
        n = len(self.questions)
        return f"Self-check quiz for chapter {self.chapter}: {n} questions (open it in JupyterLab)"

    def _repr_html_(self):
        body = "\n".join(
            _question_html(self.chapter, number, q)
            for number, q in enumerate(self.questions, start=1)
        )
        return (
            f"{_STYLE}\n<script>{_SCRIPT}</script>\n"
            f'<div class="rnnq" data-chapter="{self.chapter}">\n{body}\n</div>'
        )


def show_quiz(chapter):
    """The self-check quiz of ``chapter`` ("03"), graded in the browser."""
    return Quiz(chapter)
