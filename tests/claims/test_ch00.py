"""Chapter 00's claims, each quoted from the chapter and recomputed with numpy and the package."""

import re

import nbformat
import numpy as np
from _quote import ROOT, quote, quote_quiz

from rnncourse import course_map, notation, rnn


def _chapter(number):
    return next(c for c in course_map.CHAPTERS if c.number == number)


def test_times_are_in_the_course_map():
    quote(
        "00",
        "The [course map](#Course-map) at the end of this chapter gives the reading and "
        "exercise times of every part of every chapter, this one included.",
    )
    # the chapter states no number of minutes: the time model's table is the only source
    for chapter in course_map.CHAPTERS:
        reading, exercise = course_map.TIMES[chapter.number]
        assert reading > 0 and (exercise > 0) == bool(chapter.exercises), chapter.number
    nb = nbformat.read(ROOT / "notebooks" / "00_welcome.ipynb", as_version=4)
    assert not any("minutes" in c.source for c in nb.cells if c.cell_type == "markdown")
    assert any("course_map.table_markdown(" in c.source for c in nb.cells if c.cell_type == "code")


def test_row_vector_equation_is_the_package_step():
    quote("00", "$$h_t = \\tanh(x_t W_{xh} + h_{t-1} W_{hh} + b_h)$$")
    rng = np.random.default_rng(0)
    x_t, h_prev = rng.standard_normal((2, 3)), rng.standard_normal((2, 4))
    p = rnn.init_params(3, 4, rng)
    h_t, _ = rnn.rnn_step_forward(x_t, h_prev, p)
    assert np.allclose(h_t, np.tanh(x_t @ p["W_xh"] + h_prev @ p["W_hh"] + p["b_h"]))
    assert "x_t W_xh + h_{t-1} W_hh + b_h" in notation.ROW_VECTOR_FORM


def test_papers_matrices_are_our_transposes():
    quote("00", "So a paper's input matrix is our $W_{xh}^\\top$, of shape $(H, D)$")
    rng = np.random.default_rng(1)
    x_t, W_xh = rng.standard_normal((2, 3)), rng.standard_normal((3, 4))
    paper = W_xh.T  # (H, D)
    assert paper.shape == (4, 3)
    assert np.allclose((paper @ x_t.T).T, x_t @ W_xh)


def test_slicing_a_time_step():
    quote("00", "`x[:, i]` takes time index `i` of every sequence: shape $(N, D)$")
    quote("00", "so `x[:, 0]` is $x_1$, and in general $x_t$ is `x[:, t-1]`")
    quote("00", "`x[n]` is one whole sequence, $(T, D)$.")
    x = np.arange(2 * 3 * 4).reshape(2, 3, 4)
    assert x[:, 1].shape == (2, 4) and x[0].shape == (3, 4)
    # rnn_forward reads x_1 from x[:, 0]: changing x[:, 0] changes h_1
    p = rnn.init_params(4, 5, np.random.default_rng(0))
    xf = np.random.default_rng(1).standard_normal((2, 3, 4))
    h, _ = rnn.rnn_forward(xf, np.zeros((2, 5)), p)
    h1, _ = rnn.rnn_step_forward(xf[:, 0], np.zeros((2, 5)), p)
    assert np.allclose(h[:, 0], h1)


def test_matrix_product_shapes():
    quote("00", "The inner sizes must agree: $(N, D)$ `@` $(D, H)$ gives $(N, H)$.")
    assert (np.ones((2, 4)) @ np.ones((4, 5))).shape == (2, 5)


def test_bias_broadcasts_over_rows():
    quote("00", "Adding an array of shape $(H,)$ to one of shape $(N, H)$ adds it to **every row**")
    a, b = np.zeros((2, 3)), np.array([1.0, 2.0, 3.0])
    assert all(np.array_equal(row, b) for row in a + b)


def test_sums_and_keepdims():
    quote("00", "`a.sum(axis=0)` adds over the batch and drops that axis: $(N, H) \\to (H,)$.")
    quote("00", "With `keepdims=True` the summed axis stays with size 1")
    a = np.arange(6.0).reshape(2, 3)
    assert a.sum(axis=0).shape == (3,)
    assert a.sum(axis=1, keepdims=True).shape == (2, 1)
    assert (a / a.sum(axis=1, keepdims=True)).shape == (2, 3)


def test_stack_and_the_third_step():
    quote("00", "turns T arrays of\nshape $(N, H)$ into one array $(N, T, H)$.")
    quote(
        "00",
        "if the T arrays were the hidden states\n$h_1, \\dots, h_4$, then `h[:, 2]` would be "
        "$h_3$.",
    )
    states = [np.full((2, 3), t) for t in range(4)]
    h = np.stack(states, axis=1)
    assert h.shape == (2, 4, 3) and np.array_equal(h[:, 2], states[2])
    # the package stores h_t in h[:, t-1]: h[:, 2] is the state after the third input
    p = rnn.init_params(1, 3, np.random.default_rng(0))
    x = np.random.default_rng(2).standard_normal((2, 4, 1))
    hs, _ = rnn.rnn_forward(x, np.zeros((2, 3)), p)
    h_t = np.zeros((2, 3))
    for t in range(3):
        h_t, _ = rnn.rnn_step_forward(x[:, t], h_t, p)
    assert np.allclose(hs[:, 2], h_t)


def test_each_chapter_keeps_one_exercise_notebook():
    quote(
        "00",
        "Each chapter keeps one exercise notebook in `exercises/`, however many parts it has "
        "(chapter 7's is `exercises/07_training_toolbox.ipynb`); the *exercise* column of the "
        "course map (below) links it on the parts that teach its functions, and each part's "
        "*Exercises* cell names the functions that practise it.",
    )
    assert course_map.exercise_notebook("07") == "07_training_toolbox.ipynb"
    assert [c.number for c in course_map.parts_of("07")] == ["07a", "07b", "07c"]
    table = course_map.table_markdown().splitlines()[2:]
    for chapter, row in zip(course_map.CHAPTERS, table, strict=True):
        book = course_map.exercise_notebook(chapter.number)
        if chapter.exercises:
            assert (ROOT / "exercises" / book).exists(), chapter.number
            assert f"(../exercises/{book})" in row, chapter.number
            text = (ROOT / "notebooks" / chapter.file).read_text(encoding="utf-8")
            assert all(name in text for name in chapter.exercises), chapter.number
        else:
            assert "../exercises/" not in row, chapter.number


def test_parts_of_one_sitting_keep_the_section_numbers():
    quote("00", "chapter 7 is the three notebooks 7a, 7b and 7c")
    quote("00", "(section 4 of chapter 7 is in part 7b), so no part needs more than an hour")
    assert [c.number for c in course_map.parts_of("07")] == ["07a", "07b", "07c"]
    nb = nbformat.read(ROOT / "notebooks" / course_map.part("07b").file, as_version=4)
    headings = [c.source for c in nb.cells if c.cell_type == "markdown"]
    assert any(re.search(r"^## 4\. ", s, re.MULTILINE) for s in headings)
    assert all(course_map.TIMES[c.number][0] <= 60 for c in course_map.CHAPTERS)
    for c in course_map.CHAPTERS:  # the first cell of each part links the other parts
        first = nbformat.read(ROOT / "notebooks" / c.file, as_version=4).cells[0].source
        for other in course_map.parts_of(c.chapter):
            assert other is c or f"({other.file})" in first, (c.number, other.number)


def test_every_notebook_ends_with_a_quiz():
    quote("00", "Every notebook ends with a short quiz")
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        assert any("quiz" in c.source for c in nb.cells if c.cell_type == "code"), path.name


def test_the_notation_table_comes_from_the_package():
    quote("00", "The\ntable below is generated from `rnncourse.notation`")
    nb = nbformat.read(ROOT / "notebooks" / "00_welcome.ipynb", as_version=4)
    assert any("notation.table_markdown()" in c.source for c in nb.cells if c.cell_type == "code")
    for symbol in ("W_xh", "W_hh", "b_h", "h_t", "x_t"):
        assert symbol in notation.table_markdown(), symbol


def test_quiz_00_question_1():
    quote_quiz("00", "`x` has shape $(N, T, D) = (8, 20, 5)$. What is the shape of `x[:, 3]`?")
    quote_quiz(
        "00",
        "Right: the colon keeps all $N = 8$ sequences, the integer index 3 picks one time step "
        "(the fourth, $x_4$) and removes the time axis, and the $D = 5$ features stay: $(N, D)$.",
    )
    quote_quiz(
        "00",
        "Go through the axes one at a time: `:` keeps the batch axis of size 8, the integer 3 "
        "selects one step of the time axis (so that axis disappears), and the feature axis of "
        "size 5 is untouched.",
    )
    quote_quiz(
        "00",
        "That is the shape of `x[3]`, one whole sequence $(T, D)$. In `x[:, 3]` the colon "
        "stands first, so it is the batch axis that is kept and the time axis that is indexed.",
    )
    quote_quiz(
        "00",
        "This drops the feature axis instead. The index 3 is in the second position, which is "
        "the time axis $T$; the features $D$ (the last axis) are all kept.",
    )
    quote_quiz(
        "00",
        "That is `x[:, 3:4]`: a slice keeps its axis with length 1. An integer index removes "
        "the axis, so `x[:, 3]` is two-dimensional, ready for `x_t @ W_xh`.",
    )
    quote_quiz(
        "00",
        "One integer index removes only one axis. The colon keeps all 8 sequences, so the "
        "result is still a batch: one row of 5 features per sequence.",
    )
    x = np.zeros((8, 20, 5))  # (N, T, D)
    assert x[:, 3].shape == (8, 5) and x[3].shape == (20, 5) and x[:, 3:4].shape == (8, 1, 5)
    assert x[:, :, 3].shape == (8, 20)  # indexing the feature axis would drop D instead
    assert np.array_equal(x[:, 3], x[:, 3:4][:, 0])  # index 3 is the fourth step, x_4


def test_quiz_00_question_2():
    quote_quiz(
        "00",
        "The hidden states $h_1, \\dots, h_T$ are stacked into `h` of shape $(N, T, H)$, as in "
        "the notation table. `h[:, 2]` is $h_t$ for which $t$?",
    )
    quote_quiz(
        "00",
        "Right: the equations count steps from 1 and Python from 0, so `h[:, t-1]` is $h_t$ and "
        "index 2 is the third state, $h_3$ ($h_0$ is not stored in `h`).",
    )
    quote_quiz(
        "00",
        "Use the convention of section 2: $x_t$ is `x[:, t-1]` and $h_t$ is `h[:, t-1]`; solve "
        "$t - 1 = 2$.",
    )
    quote_quiz(
        "00",
        "That reads the Python index as the step number. The course's steps count from 1, so "
        "index 2 is the third step: $h_t$ = `h[:, t-1]`.",
    )
    quote_quiz(
        "00",
        "Index 0 is $h_1$ (the first state after the first input), because $h_0$ is not stored "
        "in `h`; so index 2 is two steps later, not one.",
    )
    x = np.random.default_rng(0).standard_normal((2, 4, 3))
    params = rnn.init_params(3, 5, np.random.default_rng(1))
    h, _ = rnn.rnn_forward(x, np.zeros((2, 5)), params)
    states, h_prev = [], np.zeros((2, 5))
    for t in range(1, 5):  # steps counted from 1: h_t reads x_t = x[:, t-1]
        h_prev = rnn.rnn_step_forward(x[:, t - 1], h_prev, params)[0]
        states.append(h_prev)
    assert h.shape == (2, 4, 5)  # h_0 is not stored
    assert np.allclose(h[:, 0], states[0]) and np.allclose(h[:, 2], states[2])  # index 2 is h_3


def test_quiz_00_question_6():
    quote_quiz(
        "00",
        "`a` has shape $(N, H) = (4, 6)$. What is the shape of `a.sum(axis=1, keepdims=True)`?",
    )
    quote_quiz(
        "00",
        "Right: axis 1 ($H$) is summed, leaving one value per row, and `keepdims=True` keeps "
        "the summed axis with size 1, so the result broadcasts against `a` (as in dividing each "
        "row by its sum).",
    )
    quote_quiz(
        "00",
        "Find the axis that is summed (axis 1 is the second, $H = 6$), then apply "
        "`keepdims=True`: that axis stays, with size 1.",
    )
    quote_quiz(
        "00",
        "That is `a.sum(axis=1)` without `keepdims`: the summed axis is dropped. "
        "`keepdims=True` keeps it with size 1.",
    )
    quote_quiz(
        "00",
        "That sums over axis 0, the batch, as the bias gradient in chapter 2 does. Axis 1 is "
        "the second axis, $H$; and `keepdims` would keep the summed axis.",
    )
    quote_quiz(
        "00",
        "That is `a.sum(axis=0, keepdims=True)`. Axis 1 is the $H$ axis, so it is the one "
        "reduced to size 1, and the 4 rows stay.",
    )
    a = np.arange(24.0).reshape(4, 6)  # (N, H)
    assert a.sum(axis=1, keepdims=True).shape == (4, 1) and a.sum(axis=1).shape == (4,)
    assert a.sum(axis=0).shape == (6,) and a.sum(axis=0, keepdims=True).shape == (1, 6)
    assert np.allclose(a / a.sum(axis=1, keepdims=True), a / a.sum(axis=1)[:, None])
