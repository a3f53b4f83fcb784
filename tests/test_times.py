"""Honest times: the course map's minutes are the time model's, computed from the notebooks."""

import importlib.util
from pathlib import Path

from rnncourse import course_map

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "tools" / "estimate_times.py"
spec = importlib.util.spec_from_file_location("estimate_times", TOOL)
estimate_times = importlib.util.module_from_spec(spec)
spec.loader.exec_module(estimate_times)


def test_course_map_times_are_the_models():
    assert estimate_times.main(["--check"]) == 0, "run python tools/estimate_times.py --write"


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
        nbformat.v4.new_code_cell('show_quiz("03")'),
        nbformat.v4.new_code_cell("1 + 1"),
    ]
    path = tmp_path / "99_x.ipynb"
    nbformat.write(nb, path)
    parts, minutes = estimate_times.reading_parts(path)
    assert parts == dict(words=300, inline=10, display=1, code=2, figures=0, widgets=0,
                         quiz=len(__import__("rnncourse.quiz").quiz.load_bank("03")))  # fmt: skip
    expected = (300 + 3 * 10) / 100 + 0.75 + 2 * 1.5 + parts["quiz"] * 1.0
    assert abs(minutes - expected) < 1e-9


def test_formulas_are_counted_as_markdown_writes_them():
    # a formula over a line break is one formula; an escaped dollar is a dollar; code is words
    source = "Costs \\$5 or \\$6, `x = $HOME` and $a +\nb$ then $c$.\n\n$$h_t$$\n```\nf('$x$')\n```"
    assert estimate_times.markdown_parts(source) == (10, 2, 1)
    # a dollar left open does not pair with one in the next paragraph
    assert estimate_times.markdown_parts("a $5 note\n\nand $x$") == (4, 1, 0)
