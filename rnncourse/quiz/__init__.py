"""Self-check quizzes that grade in the browser, so they work without a kernel.

Each part's questions live in a data file, ``rnncourse/quiz/banks/07b.json`` (a chapter that
is not split into parts has one, ``00.json``; validated by ``tests/test_quiz_banks.py``
against ``banks/schema.json``), and a part shows them with one call::

    from rnncourse.quiz import show_quiz
    show_quiz("07b")

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
  typical wrong values (each with its feedback, and its own tolerance or the answer's),
  ``otherwise`` answers the rest.
  What counts as a number is :func:`parse_number`'s rule (``0.25``, ``-3``, ``1e-3``).
- ``"shape"``: type a shape such as ``(N, T, H)``; compared entry by entry
  (:func:`shape_tokens`: brackets optional, letters in any case, ``4*H`` is ``4H``); ``wrong``
  lists typical wrong shapes with feedback.

:func:`grade` is the grading rule in Python; ``quiz.js`` has the same rule for the browser, and
the tests run both on every question of every bank and require the same verdicts.

In JupyterLab a stored quiz output grades only once its cell has run (JupyterLab runs the
script of an output it trusts, and a notebook fresh from a download is not trusted); until
then the quiz says so in a line that the script hides.
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
    """The data file of ``chapter``: a chapter ("00", "A2") or one part of a chapter ("07b")."""
    if not isinstance(chapter, str) or not re.fullmatch(r"[0-9A-Z][0-9][a-h]?", chapter):
        raise ValueError(
            f"chapter must be a chapter or part number such as '00', '07b' or 'A1a', "
            f"got {chapter!r}"
        )
    path = BANKS / f"{chapter}.json"
    if not path.exists():
        raise ValueError(f"chapter {chapter!r} has no quiz: no file {path.name} in {BANKS}")
    return path


@cache
def load_bank(chapter):
    """The questions of ``chapter``, checked for the mistakes a question author makes."""
    path = bank_path(chapter)
    try:
        bank = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ValueError(f"quiz bank {path} is not valid JSON: {exc}") from None
    questions = bank.get("questions") if isinstance(bank, dict) else None
    if not isinstance(questions, list) or not questions:
        raise ValueError(f"quiz bank {chapter}: 'questions' must be a non-empty list")
    for number, q in enumerate(questions, start=1):
        check_question(q, f"quiz bank {chapter}, question {number}")
    return questions


def check_question(q, where="question"):
    """Raise ValueError naming what is missing or inconsistent in one question.

    Beyond the schema's checks: a 'one' question has exactly one correct option, a 'many' at
    least one, and a typed question accepts its own answer and answers every listed wrong value
    with that value's feedback (not an earlier entry's, not "right").
    """
    if not isinstance(q, dict):
        raise TypeError(f"{where}: a question must be a dict, got {type(q).__name__}")
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
            if not isinstance(option, dict):
                raise TypeError(f"{where}, option {i + 1}: must be a dict, got {option!r}")
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
        for key in ("feedback", "otherwise"):
            if not isinstance(q[key], str) or not q[key].strip():
                raise ValueError(f"{where}: {key!r} must be a non-empty string, got {q[key]!r}")
        wrong = q.get("wrong", [])
        if not isinstance(wrong, list) or not all(isinstance(w, dict) for w in wrong):
            raise TypeError(f"{where}: 'wrong' must be a list of dicts, got {wrong!r}")
        values = [q["answer"]] + [w.get("value") for w in wrong]
        for w in wrong:
            if not isinstance(w.get("feedback"), str) or not w["feedback"].strip():
                raise ValueError(f"{where}: every 'wrong' entry needs its feedback")
        if kind == "number":
            if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
                raise ValueError(f"{where}: answer and wrong values must be numbers, got {values}")
            tolerance = q.get("tolerance")
            if not isinstance(tolerance, (int, float)) or isinstance(tolerance, bool):
                raise ValueError(f"{where}: 'tolerance' must be a number >= 0, got {tolerance!r}")
            if tolerance < 0:
                raise ValueError(f"{where}: 'tolerance' must be a number >= 0, got {tolerance!r}")
            typed = [repr(float(v)) for v in values]
        else:
            if not all(
                isinstance(v, list) and v and all(isinstance(s, str) and s for s in v)
                for v in values
            ):
                raise ValueError(
                    f"{where}: answer and wrong shapes must be non-empty lists of non-empty "
                    f"strings, got {values}"
                )
            for v in values:
                if len(shape_tokens(", ".join(v))) != len(v):
                    raise ValueError(f"{where}: a shape entry holds a comma or bracket: {v}")
            typed = ["(" + ", ".join(v) + ")" for v in values]
        if grade(q, typed[0]) != (True, q["feedback"]):
            raise ValueError(f"{where}: the answer {typed[0]} is not accepted")
        for w, text in zip(wrong, typed[1:], strict=True):
            correct, feedback = grade(q, text)
            if correct is not False or feedback != w["feedback"]:
                why = "is accepted as right" if correct else "gets an earlier entry's feedback"
                raise ValueError(f"{where}: wrong value {text} {why}")


#: The characters read as space in typed answers (the same set in quiz.js).
SPACES = " \t\n\r\u00a0\u202f"
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def parse_number(text):
    """The number a learner typed, or ``None`` when it is not one.

    Spaces are ignored and a typographic minus (U+2212, as MathJax and the course's figures
    write it) reads as "-"; then the text must be digits with an optional decimal point and
    exponent: ``0.25``, ``-3``, ``1e-3``, ``.5``. Python-only or JavaScript-only spellings
    (``1_000``, ``inf``, ``0x10``) are not numbers, so the browser and Python agree.
    """
    cleaned = re.sub(f"[{SPACES}]", "", text).replace("\u2212", "-")
    return float(cleaned) if _NUMBER.fullmatch(cleaned) else None


def shape_tokens(text):
    """The entries of a typed shape: ``"(n, t, h)"`` -> ``["N", "T", "H"]``.

    Brackets are optional, entries are split at commas (at spaces when there is no comma),
    case is folded, and spaces and multiplication signs inside an entry are dropped, so
    ``(H, 4*H)`` and ``(H, 4 H)`` read as ``(H, 4H)``.
    """
    inner = text.strip(SPACES + "()[]")
    tokens = inner.split(",") if "," in inner else re.split(f"[{SPACES}]+", inner)
    tokens = [re.sub(f"[{SPACES}*\u00b7\u00d7]", "", token).upper() for token in tokens]
    return [token for token in tokens if token]


def grade(question, response):
    """``(correct, feedback)`` for one response.

    ``response`` is an option index (``"one"``), a collection of option indices (``"many"``), or
    the text the learner typed (``"number"``, ``"shape"``); ``None``, nothing ticked or blank
    text mean no answer yet (``correct`` is then ``None``, as for text that is no number).
    """
    kind = question["type"]
    if kind in ("one", "many"):
        options = question["options"]
        indices = [response] if kind == "one" else response
        if response is not None and (
            isinstance(indices, (str, bytes))
            or not all(
                isinstance(i, int) and not isinstance(i, bool) and 0 <= i < len(options)
                for i in indices
            )
        ):
            raise ValueError(
                f"response must be {'an option index' if kind == 'one' else 'option indices'} "
                f"from 0 to {len(options) - 1} (or None), got {response!r}"
            )
    elif response is not None and not isinstance(response, str):
        raise TypeError(f"response must be the text typed (a str) or None, got {response!r}")
    if (
        response is None
        or (kind == "many" and len(response) == 0)
        or (isinstance(response, str) and not response.strip(SPACES))
    ):
        return None, "Pick or type an answer first."
    if kind == "one":
        option = options[response]
        return option["correct"], option["feedback"]
    if kind == "many":
        picked = set(response)
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
        value = parse_number(response)
        if value is None:
            typed = response.strip(SPACES)
            if parse_number(typed.replace(",", ".")) is not None:
                return None, f"'{typed}': write the decimal point as a point, e.g. 0.25."
            return None, f"'{typed}' is not a number: type digits, e.g. 0.25, -3 or 1e-3."
        if abs(value - question["answer"]) <= question["tolerance"]:
            return True, question["feedback"]
        for w in question.get("wrong", []):
            if abs(value - w["value"]) <= w.get("tolerance", question["tolerance"]):
                return False, w["feedback"]
        return False, question["otherwise"]
    tokens = shape_tokens(response)
    if tokens == shape_tokens(", ".join(question["answer"])):
        return True, question["feedback"]
    for w in question.get("wrong", []):
        if tokens == shape_tokens(", ".join(w["value"])):
            return False, w["feedback"]
    return False, question["otherwise"]


#: Math ($$...$$, \(...\), $...$ not opened by an escaped \$) and `code` spans of a bank's text.
_SPANS = re.compile(r"(\$\$.+?\$\$|\\\(.+?\\\)|(?<!\\)\$(?:[^$\\]|\\.)+?\$|`[^`]+`)", re.DOTALL)


def render_text(text):
    """A bank's text as HTML: escaped (``<`` and ``&`` show as themselves), math left for
    MathJax, `code` as code, and **bold** outside math and code only (so ``a ** 2`` in code
    and ``h^{**}`` in math stay as written)."""
    out = []
    for i, piece in enumerate(_SPANS.split(text)):
        if i % 2 and piece.startswith("`"):
            out.append(f"<code>{html.escape(piece[1:-1], quote=False)}</code>")
        elif i % 2:  # math: MathJax reads the page's text, where &lt; is "<" again
            out.append(html.escape(piece, quote=False))
        else:
            out.append(re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", html.escape(piece, quote=False)))
    return "".join(out)


def plain_text(text):
    """A text's words without TeX markup, for screen readers: an option that is only a formula
    is typeset by MathJax into an element assistive technology may skip, so its input also
    carries this as its accessible name ("$dc_t \\odot f_t$" -> "dc_t odot f_t")."""
    out = text.replace("$", "").replace("`", "")
    out = re.sub(r"\\[,;:! ]", " ", out)  # TeX spacing commands
    out = re.sub(r"\\([A-Za-z]+)", r"\1", out)  # \odot -> odot
    out = re.sub(r"[{}]", "", out)
    return re.sub(r"\s+", " ", out).strip()


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
                f'<label class="rnnq-option"><input type="{kind}" name="{name}" value="{i}" '
                f'aria-label="{html.escape(plain_text(option["text"]))}"> '
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
            f'name="{name}" autocomplete="off" spellcheck="false" '
            "onkeydown=\"if (event.key === 'Enter') rnncourseQuiz.check(this)\"></label>"
        )
        wrong = q.get("wrong", [])
        feedback = [q["feedback"]] + [w["feedback"] for w in wrong] + [q["otherwise"]]
        key = {"answer": q["answer"], "wrong": [w["value"] for w in wrong]}
        if q["type"] == "number":
            key["tolerance"] = q["tolerance"]
            key["wrong_tolerance"] = [w.get("tolerance", q["tolerance"]) for w in wrong]
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
.rnnq-hint, .rnnq-notice { font-style: italic; margin: 0.2em 0; }
.rnnq-text { font-family: var(--jp-code-font-family, monospace); width: 12em;
  color: inherit; background: transparent; border: 1px solid var(--jp-border-color1, #8a8a8a); }
.rnnq-check { margin-top: 0.4em; padding: 0.15em 1em; cursor: pointer; color: inherit;
  background: transparent; border: 1px solid var(--jp-border-color1, #8a8a8a); border-radius: 3px; }
.rnnq-result { font-weight: bold; margin-top: 0.4em; }
.rnnq-feedback { border-left: 4px solid #888; padding: 0.1em 0.6em; margin-top: 0.3em; }
.rnnq-right .rnnq-feedback { border-left-color: #1b7f3b; }
.rnnq-wrong .rnnq-feedback { border-left-color: #b8590d; }
</style>"""


#: Shown until quiz.js runs: in JupyterLab, a stored output's script runs once its cell has run.
NOTICE = "To check answers here, run this cell first (Shift+Enter)."


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
        # The script comes after the quiz: it hides the notice of the quiz just before it.
        return (
            f'{_STYLE}\n<div class="rnnq" data-chapter="{self.chapter}">\n'
            f'<p class="rnnq-notice">{NOTICE}</p>\n{body}\n</div>\n<script>{_SCRIPT}</script>'
        )


def show_quiz(chapter):
    """The self-check quiz of ``chapter`` ("00") or of one part of a chapter ("07b"), graded in
    the browser."""
    return Quiz(chapter)
