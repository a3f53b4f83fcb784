"""The chapters' self-check quizzes: data files, the grading rule in Python and in the browser.

Every bank validates against rnncourse/quiz/banks/schema.json; every wrong option says why it
is wrong in its own words; the page shows no answer before a pick; and quiz.js (run under node)
gives the same verdicts and feedback as rnncourse.quiz.grade on every question of every bank.
"""

import base64
import itertools
import json
import re
import subprocess
from pathlib import Path

import jsonschema
import nbformat
import pytest

from rnncourse import quiz

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted(p.name.split("_")[0] for p in (ROOT / "notebooks").glob("*.ipynb"))
SCHEMA = json.loads((quiz.BANKS / "schema.json").read_text())
GENERIC = re.compile(r"^(think again|not quite|try again|no\.?|wrong\.?)", re.IGNORECASE)


def bank(chapter):
    return json.loads(quiz.bank_path(chapter).read_text(encoding="utf-8"))


def page_of(questions, chapter="99"):
    """The quiz page of any questions (the engine's HTML, no bank file needed)."""
    shown = quiz.Quiz.__new__(quiz.Quiz)
    shown.chapter, shown.questions = chapter, questions
    return shown._repr_html_()


NUMBER_Q = {
    "type": "number",
    "question": "?",
    "answer": -0.001,
    "tolerance": 0.0001,
    "feedback": "right",
    "otherwise": "other",
    "wrong": [{"value": 0.5, "feedback": "half"}, {"value": 3, "tolerance": 0.5, "feedback": "3"}],
}
SHAPE_Q = {
    "type": "shape",
    "question": "?",
    "answer": ["N", "4H"],
    "feedback": "right",
    "otherwise": "other",
    "wrong": [{"value": ["4H", "N"], "feedback": "transposed"}],
}
ALL_TRUE_Q = {
    "type": "many",
    "question": "Every one is true: $a < b$ & `x ** 2`",
    "options": [
        {"text": "a", "correct": True, "feedback": "a is true"},
        {"text": "b", "correct": True, "feedback": "b is true"},
    ],
}
#: What learners type: spacing, commas, signs, exponents, other languages' spellings.
TYPED = ["1e-3", "-1e-3", "\u22121e-3", " -0.001 ", "-.001", "- 0.001", "0,5", " 0,5", "0.5",
         "3.4", "2.4", "+3", "3.", "1_0", "0x10", "inf", "nan", "Infinity", "1e999", "--1", "3 0",
         "", "   ", "abc", "(N, 4H)", "[n,4h]", "N 4H", "(N, 4*H)", "(N, 4 H)", "(4H, N,)", "((N))",
         "N,,4H", "(N)", "()", "(N, T, 4H)"]  # fmt: skip


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_bank_matches_schema_and_loads(chapter):
    jsonschema.validate(bank(chapter), SCHEMA)
    assert bank(chapter)["chapter"] == chapter
    assert len(quiz.load_bank(chapter)) >= 3


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_option_has_its_own_feedback(chapter):
    for number, q in enumerate(quiz.load_bank(chapter), start=1):
        texts = [o["feedback"] for o in q.get("options", [])]
        texts += [q.get("feedback", "")] + [w["feedback"] for w in q.get("wrong", [])]
        texts = [t for t in texts if t]
        assert len(set(texts)) == len(texts), f"{chapter} question {number}: repeated feedback"
        for text in texts:
            assert not GENERIC.match(text), f"{chapter} q{number}: generic feedback {text!r}"


def test_the_course_uses_every_question_type():
    kinds = {q["type"] for c in CHAPTERS for q in quiz.load_bank(c)}
    assert kinds == set(quiz.TYPES)


@pytest.mark.parametrize("chapter", sorted({c.rstrip("abcdefgh") for c in CHAPTERS} - {"A2"}))
def test_each_chapter_asks_more_than_single_choice(chapter):
    """Across its parts' banks, a chapter asks more than single-choice questions."""
    parts = [c for c in CHAPTERS if c.rstrip("abcdefgh") == chapter]
    assert any(q["type"] != "one" for part in parts for q in quiz.load_bank(part))


def test_bad_questions_are_named():
    with pytest.raises(TypeError, match="must be a dict, got list"):
        quiz.check_question([])
    with pytest.raises(ValueError, match="exactly one correct option"):
        quiz.check_question(
            {
                "type": "one",
                "question": "?",
                "options": [
                    {"text": "a", "correct": True, "feedback": "because"},
                    {"text": "b", "correct": True, "feedback": "because too"},
                ],
            }
        )
    with pytest.raises(ValueError, match="wrong value 2.0 is accepted as right"):
        quiz.check_question(
            {
                "type": "number",
                "question": "?",
                "answer": 1,
                "tolerance": 1.5,
                "feedback": "f",
                "otherwise": "o",
                "wrong": [{"value": 2, "feedback": "w"}],
            }
        )
    twice = [{"value": ["4*h", "n"], "feedback": "a"}, {"value": ["4H", "N"], "feedback": "b"}]
    with pytest.raises(ValueError, match=r"wrong value \(4H, N\) gets an earlier entry's feedback"):
        quiz.check_question(dict(SHAPE_Q, wrong=twice))
    with pytest.raises(ValueError, match=r"a shape entry holds a comma or bracket: \['N', 'T,H'\]"):
        quiz.check_question(dict(SHAPE_Q, answer=["N", "T,H"]))
    with pytest.raises(ValueError, match="non-empty lists"):
        quiz.check_question(dict(SHAPE_Q, answer=[]))
    with pytest.raises(ValueError, match="the answer inf is not accepted"):
        quiz.check_question(dict(NUMBER_Q, answer=float("inf")))
    with pytest.raises(ValueError, match="'tolerance' must be a number >= 0, got -1"):
        quiz.check_question(dict(NUMBER_Q, tolerance=-1))
    with pytest.raises(ValueError, match="'otherwise' must be a non-empty string"):
        quiz.check_question(dict(NUMBER_Q, otherwise=""))
    for good in (NUMBER_Q, SHAPE_Q, ALL_TRUE_Q):
        quiz.check_question(good)
    with pytest.raises(ValueError, match="chapter must be"):
        quiz.show_quiz(3)
    with pytest.raises(ValueError, match="has no quiz"):
        quiz.show_quiz("Z9")
    with pytest.raises(ValueError, match="has no quiz: no file Z9b.json"):
        quiz.show_quiz("Z9b")
    with pytest.raises(ValueError, match="chapter must be a chapter or part number"):
        quiz.show_quiz("07bb")


def test_a_broken_bank_file_is_named(tmp_path, monkeypatch):
    monkeypatch.setattr(quiz, "BANKS", tmp_path)
    (tmp_path / "Y8.json").write_text('{"questions": [}')
    with pytest.raises(ValueError, match=r"quiz bank .*Y8.json is not valid JSON"):
        quiz.load_bank("Y8")
    (tmp_path / "Y7.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="quiz bank Y7: 'questions' must be a non-empty list"):
        quiz.load_bank("Y7")


def test_grading_rule():
    assert quiz.grade(SHAPE_Q, "(n, 4h)") == (True, "right")
    assert quiz.grade(SHAPE_Q, "4H,N") == (False, "transposed")
    assert quiz.grade(SHAPE_Q, "(N, T, 4H)") == (False, "other")
    assert quiz.grade(SHAPE_Q, "")[0] is None
    num = {
        "type": "number",
        "question": "?",
        "answer": 0.47,
        "tolerance": 0.01,
        "feedback": "right",
        "otherwise": "other",
        "wrong": [{"value": 2.06, "feedback": "s"}],
    }
    assert quiz.grade(num, "0.475") == (True, "right")
    assert quiz.grade(num, " 2.06 ") == (False, "s")
    assert quiz.grade(num, "abc")[0] is None
    comma = "'0,47': write the decimal point as a point, e.g. 0.25."
    assert quiz.grade(num, " 0,47") == (None, comma)
    assert quiz.grade(NUMBER_Q, "\u22121e-3") == (True, "right")  # MathJax's minus sign
    assert quiz.grade(NUMBER_Q, "1_0")[0] is None  # Python reads 10, JavaScript NaN: neither
    assert quiz.grade(NUMBER_Q, "   ") == (None, "Pick or type an answer first.")
    assert quiz.grade(SHAPE_Q, "(N, 4*h)") == (True, "right")
    assert quiz.grade(SHAPE_Q, "[4H N]") == (False, "transposed")
    assert quiz.grade(ALL_TRUE_Q, [0, 1]) == (True, "a is true b is true")
    assert quiz.grade(ALL_TRUE_Q, [1]) == (False, "1 true statement is not ticked yet.")
    assert quiz.grade(ALL_TRUE_Q, []) == (None, "Pick or type an answer first.")
    for bad, error in (([2], ValueError), (-1, ValueError), ("0", ValueError)):
        with pytest.raises(error, match="response must be"):
            quiz.grade(ALL_TRUE_Q if isinstance(bad, list) else dict(ALL_TRUE_Q, type="one"), bad)
    with pytest.raises(TypeError, match="response must be the text typed"):
        quiz.grade(NUMBER_Q, 0.5)


def test_text_is_escaped_and_math_and_code_survive():
    html = quiz.render_text("If $a < b$ & `a ** 2 + b ** 2` is **big**, $h^{**}$ \\(p < q\\) \\$5")
    assert html == (
        "If $a &lt; b$ &amp; <code>a ** 2 + b ** 2</code> is <b>big</b>, $h^{**}$ "
        "\\(p &lt; q\\) \\$5"
    )
    page = page_of([ALL_TRUE_Q])
    legend = "<legend><b>1.</b> Every one is true: $a &lt; b$ &amp; <code>x ** 2</code></legend>"
    assert legend in page


def test_the_notice_stands_until_the_script_runs():
    """A stored output in a notebook JupyterLab does not trust runs no script: it says so."""
    page = quiz.show_quiz("00")._repr_html_()
    assert f'<p class="rnnq-notice">{quiz.NOTICE}</p>' in page
    # the script follows the quiz, so document.currentScript.previousElementSibling is the quiz
    assert page.rstrip().endswith("</div>\n<script>" + quiz._SCRIPT + "</script>")


def visible(page):
    """What a learner sees before checking: no script, no hidden feedback, no encoded key."""
    page = re.sub(r"<script>.*?</script>", "", page, flags=re.DOTALL)
    page = re.sub(r'<div class="rnnq-feedback"[^>]*hidden>.*?</div>', "", page, flags=re.DOTALL)
    return re.sub(r'class="rnnq-key" value="[^"]+"', "", page)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_page_shows_no_answer_before_a_pick(chapter):
    page = quiz.show_quiz(chapter)._repr_html_()
    questions = quiz.load_bank(chapter)
    assert page.count('class="rnnq-question"') == len(questions)
    # every piece of feedback is on the page (typeset with it) but hidden
    hidden = re.findall(r"data-index=\"\d+\" hidden>", page)
    assert page.count('class="rnnq-feedback"') == len(hidden)
    # moving the right answer to another option changes nothing a learner can see
    for number, q in enumerate(questions):
        if q["type"] != "one":
            continue
        moved = [dict(o, correct=False) for o in q["options"]]
        moved[(next(i for i, o in enumerate(q["options"]) if o["correct"]) + 1) % len(moved)][
            "correct"
        ] = True
        changed = questions[:number] + [dict(q, options=moved)] + questions[number + 1 :]
        assert visible(page_of(changed, chapter)) == visible(page), f"{chapter} q{number + 1}"
    keys = re.findall(r'class="rnnq-key" value="([^"]+)"', page)
    assert len(keys) == len(questions)
    json.loads(base64.b64decode(keys[0]))


def responses(q):
    """Every answer a learner can give to a choice question; typical ones for typed answers."""
    if q["type"] == "one":
        return [None] + list(range(len(q["options"])))
    if q["type"] == "many":
        n = len(q["options"])
        return [list(c) for k in range(n + 1) for c in itertools.combinations(range(n), k)]
    if q["type"] == "number":
        typed = [q["answer"]] + [w["value"] for w in q.get("wrong", [])]
        return [str(v) for v in typed] + ["12345.6", "not a number", ""]
    typed = [q["answer"]] + [w["value"] for w in q.get("wrong", [])]
    return ["(" + ", ".join(v) + ")" for v in typed] + ["(Q, Q)", "()"]


NODE_DRIVER = """
const quiz = require(process.argv[2]);
const cases = JSON.parse(require("fs").readFileSync(0, "utf-8"));
const out = cases.map(c => {
  const v = quiz.grade(c.type, quiz.decode(c.key), c.response);
  const texts = v.show.map(i => c.feedback[i]).concat(v.note ? [v.note] : []);
  return {correct: v.correct, text: texts.join(" ")};
});
process.stdout.write(JSON.stringify(out));
"""


def test_browser_and_python_grade_alike(tmp_path):
    cases, expected = [], []
    pages = [(quiz.load_bank(c), quiz.show_quiz(c)._repr_html_()) for c in CHAPTERS]
    edge = [NUMBER_Q, SHAPE_Q, ALL_TRUE_Q]
    pages.append((edge, page_of(edge)))
    for questions, page in pages:
        blocks = page.split('<fieldset class="rnnq-question"')[1:]
        for q, block in zip(questions, blocks, strict=True):
            key = re.search(r'class="rnnq-key" value="([^"]+)"', block).group(1)
            feedback = [q["options"][i]["feedback"] for i in range(len(q.get("options", [])))]
            if q["type"] in ("number", "shape"):
                feedback = [q["feedback"]] + [w["feedback"] for w in q.get("wrong", [])]
                feedback.append(q["otherwise"])
            typed = TYPED if q["type"] in ("number", "shape") else []
            for response in responses(q) + typed:
                correct, text = quiz.grade(q, response)
                cases.append(
                    {"type": q["type"], "key": key, "response": response, "feedback": feedback}
                )
                expected.append({"correct": correct, "text": text})
    driver = tmp_path / "driver.js"
    driver.write_text(NODE_DRIVER)
    run = subprocess.run(
        ["node", str(driver), str(ROOT / "rnncourse" / "quiz" / "quiz.js")],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        check=True,
    )
    got = json.loads(run.stdout)
    mismatches = [(c, e, g) for c, e, g in zip(cases, expected, got, strict=True) if e != g]
    assert not mismatches, f"{len(mismatches)} differ, first: {mismatches[0]}"
    assert len(cases) > 1000


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_quiz_cell_is_one_short_call(chapter):
    path = next((ROOT / "notebooks").glob(f"{chapter}_*.ipynb"))
    nb = nbformat.read(path, as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert f'show_quiz("{chapter}")' in code, f"{path.name}: no cell that is show_quiz({chapter!r})"
    assert not any('"answer":' in s or "'answer':" in s for s in code), path.name


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_choice_has_an_accessible_name(chapter):
    # an option that is only a formula is typeset into an element screen readers may skip
    page = quiz.show_quiz(chapter)._repr_html_()
    inputs = re.findall(r'<input type="(?:radio|checkbox)"[^>]*>', page)
    assert inputs and all(re.search(r'aria-label="[^"]+"', i) for i in inputs)
    assert quiz.plain_text(r"$(dc_t \odot f_t)\, W_h^\top$") == "(dc_t odot f_t) W_h^top"
