"""Honest times: the course map's minutes are the time model's, computed from the notebooks,
and no part of a chapter needs more than an hour of reading (the promise README and chapter 0
make)."""

import importlib.util
import json
from pathlib import Path

from rnncourse import course_map

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "tools" / "estimate_times.py"
spec = importlib.util.spec_from_file_location("estimate_times", TOOL)
estimate_times = importlib.util.module_from_spec(spec)
spec.loader.exec_module(estimate_times)


def test_course_map_times_are_the_models():
    assert estimate_times.main(["--check"]) == 0, "run python tools/estimate_times.py --write"


#: The promise, in the words README and chapter 0 use.
PROMISE = "no part needs more than an hour of reading"


def markdown_of(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def test_no_part_needs_more_than_an_hour_of_reading():
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    welcome = " ".join(markdown_of(ROOT / "notebooks" / "00_welcome.ipynb").split())
    assert PROMISE in readme and PROMISE in welcome
    over = {n: t[0] for n, t in course_map.TIMES.items() if t[0] > 60}
    assert not over, f"reading over 60 min: {over}"


def test_every_chapter_has_reading_and_every_exercise_time():
    assert set(course_map.TIMES) == {c.number for c in course_map.CHAPTERS}
    for c in course_map.CHAPTERS:
        reading, practice = course_map.TIMES[c.number]
        assert reading >= 10 and reading % 5 == 0, c.number
        assert (practice > 0) == bool(c.exercises), c.number


def test_model_counts_what_a_learner_does(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("word " * 300 + "$x_t$ " * 10 + "$$h_t = x_t$$"),
        nbformat.v4.new_code_cell('show_quiz("00")'),
        nbformat.v4.new_code_cell("1 + 1"),
    ]
    path = tmp_path / "99_x.ipynb"
    nbformat.write(nb, path)
    parts, minutes = estimate_times.reading_parts(path)
    assert parts == dict(words=300, inline=10, display=1, code=2, figures=0, widgets=0,
                         quiz=len(__import__("rnncourse.quiz").quiz.load_bank("00")))  # fmt: skip
    expected = (300 + 3 * 10) / 100 + 0.75 + 2 * 1.5 + parts["quiz"] * 1.0
    assert abs(minutes - expected) < 1e-9


def test_formulas_are_counted_as_markdown_writes_them():
    # a formula over a line break is one formula; an escaped dollar is a dollar; code is words
    source = "Costs \\$5 or \\$6, `x = $HOME` and $a +\nb$ then $c$.\n\n$$h_t$$\n```\nf('$x$')\n```"
    assert estimate_times.markdown_parts(source) == (10, 2, 1)
    # a dollar left open does not pair with one in the next paragraph
    assert estimate_times.markdown_parts("a $5 note\n\nand $x$") == (4, 1, 0)


def test_exercise_minutes_go_to_the_part_that_teaches_each_function(tmp_path):
    import nbformat

    from rnncourse.course_map import Chapter

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("def f(x):\n    ### BEGIN SOLUTION\n    ### END SOLUTION"),
        nbformat.v4.new_code_cell("check.f_check(f)"),
        nbformat.v4.new_code_cell("def g(x):\n    ### BEGIN SOLUTION\n    ### END SOLUTION"),
        nbformat.v4.new_code_cell("check.g_check(g, other)"),
        nbformat.v4.new_markdown_cell("Why?\n\n### BEGIN SOLUTION\nBecause.\n### END SOLUTION"),
        nbformat.v4.new_code_cell("def h(x):\n    ### BEGIN SOLUTION\n    ### END SOLUTION"),
    ]
    path = tmp_path / "99_x.ipynb"
    nbformat.write(nb, path)
    shares = estimate_times.exercise_shares(path, ["f_check", "g_check"])
    assert shares == {"f_check": 15.0, "g_check": 15.0, None: 20.0}  # written answer + h
    parts = [
        Chapter("99a", "", "", (), (), "", ("g_check",)),
        Chapter("99b", "", "", (), (), "", ("f_check",)),
        Chapter("99c", "", "", (), (), "", ()),
    ]
    # the rest goes to the last part with exercises; the parts add up to the whole notebook
    assert estimate_times.part_exercise_minutes(parts, path) == {"99a": 15, "99b": 35, "99c": 0}
    assert estimate_times.exercise_minutes(path) == 50
