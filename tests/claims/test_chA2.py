"""Claims of appendix A2 (the glossary): the notebook's words and numbers agree with the data."""

import re

import nbformat
from _quote import ROOT, quote, quote_quiz

from rnncourse import course_map
from rnncourse.glossary import CHAPTERS, TERMS, search

NOTEBOOK = ROOT / "notebooks" / "A2_glossary.ipynb"


def _outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    return [
        "".join(o.get("text", "") for o in c.outputs if o.output_type == "stream")
        for c in nb.cells
        if c.cell_type == "code"
    ]


def _chapter_text(prefix):
    # Another chapter's Markdown (every part of it, or one part: "11", "11b"), lower-cased
    # (its sentences are that chapter's to quote).
    folder = ROOT / "notebooks"
    paths = sorted(folder.glob(f"{prefix}_*.ipynb")) + sorted(folder.glob(f"{prefix}[a-h]_*.ipynb"))
    assert paths, prefix
    cells = [c for p in paths for c in nbformat.read(p, as_version=4).cells]
    return " ".join(" ".join(c.source.split()) for c in cells if c.cell_type == "markdown").lower()


def _entry(english):
    (term,) = [t for t in TERMS if t.english == english]
    return term


def test_scores_and_weights_are_two_entries():
    quote("A2", "the *scores* (注意力分数, also 注意力得分 or 对齐分数)")
    quote("A2", "the glossary has two entries, because the softmax stands between them")
    scores, weights = _entry("attention scores"), _entry("attention weights")
    assert "注意力分数" in scores.chinese and "对齐分数" in scores.chinese
    assert "注意力分数" not in weights.chinese and "注意力权重" in weights.chinese
    assert "softmax" in weights.definition and "before" not in weights.definition


def test_encoder_positions_are_S_as_in_chapter_11():
    quote("A2", "each of the S encoder positions")
    assert "over s (key, value) pairs" in _chapter_text("11")
    for name in ("attention scores", "attention weights"):
        definition = _entry(name).definition
        assert "S encoder positions" in definition or "s = 1, ..., S" in definition
        assert not re.search(r"\bT encoder", definition)


def test_grouped_by_part_in_course_order():
    quote(
        "A2",
        "Grouped by the part of a chapter that first explains each term, in the course's order",
    )
    order = [list(CHAPTERS).index(t.chapter) for t in TERMS]
    assert order == sorted(order)
    assert list(CHAPTERS) == [c.file for c in course_map.CHAPTERS if c.chapter[0].isdigit()]


def test_each_terms_part_names_it():
    # the part a term links to speaks of it: the start of the term's longest word is in its text
    for term in TERMS:
        words = re.findall(r"[A-Za-z]+", term.english.split("(")[0])
        stem = max(words, key=len)[:5].lower()
        assert stem in _chapter_text(term.chapter.split("_")[0]), (term.english, term.chapter)


def test_printed_term_count_and_per_chapter_counts():
    outputs = _outputs()
    assert outputs[0].startswith(f"{len(TERMS)} terms")
    table = next(o for o in outputs if o.startswith("00 Welcome"))
    printed = {line.split()[0]: int(line.split()[-1]) for line in table.strip().splitlines()}
    expected = {ch.split("_")[0]: sum(t.chapter == ch for t in TERMS) for ch in CHAPTERS}
    assert printed == expected


def test_reset_gate_and_clipping_answers_of_the_quiz():
    # the self-check says 重置门 is the GRU's and 梯度裁剪 the remedy for exploding gradients
    assert [t.english for t in search("重置门")] == ["reset gate"]
    assert _entry("reset gate").chapter == course_map.part("05a").file
    assert "exploding" in _entry("gradient clipping").definition


def test_several_translations_named_in_section_1_are_in_the_table():
    quote("A2", "the hidden state is 隐藏状态 or 隐状态")
    quote("A2", "dropout is 暂退法")
    assert {"隐藏状态", "隐状态", "状态向量"} <= set(_entry("hidden state").chinese.split(" / "))
    assert {"细胞状态", "记忆单元"} <= set(_entry("cell state (memory cell)").chinese.split(" / "))
    assert {"暂退法", "丢弃法"} <= set(_entry("dropout").chinese.split(" / "))


def test_lstm_and_forget_bias_credit_gers_et_al():
    lstm = _entry("long short-term memory (LSTM)")
    assert "Gers, Schmidhuber and Cummins (2000)" in lstm.definition
    assert "Gers, Schmidhuber and Cummins 2000" in _entry("forget-gate bias").definition


def test_teacher_forcing_and_padding_link_to_the_chapters_that_name_them():
    assert "teacher forcing" in _chapter_text("11b") and "teacher forcing" not in _chapter_text(
        "11a"
    )
    assert "teacher forcing" not in _chapter_text("10")
    assert _entry("teacher forcing").chapter == course_map.part("11b").file
    quote("12", "passes a **mask** to the loss")
    assert "passes a **mask** to the loss" in _chapter_text("12b")
    assert _entry("padding and mask").chapter == course_map.part("12b").file


def test_quiz_A2_question_4():
    quote_quiz("A2", "They are positive and sum to 1")
    quote_quiz(
        "A2",
        "Right: 注意力分数 (also 注意力得分, 对齐分数) are the $e_s$ of chapter 11, "
        "$(N, S)$; 注意力权重 are "
        "$\\alpha_s = \\mathrm{softmax}(e)_s$, positive and summing to 1. The glossary keeps "
        "two entries because the softmax stands between them.",
    )
    import numpy as np

    from rnncourse.activations import softmax

    e = np.random.default_rng(0).standard_normal((3, 5)) * 4  # (N, S) scores
    alpha = softmax(e)
    assert np.all(alpha > 0) and np.allclose(alpha.sum(axis=1), 1)
