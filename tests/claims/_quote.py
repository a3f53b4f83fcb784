"""The mechanism behind tests/claims/: every quantitative sentence of a chapter is recomputed.

A claims test quotes the words of the chapter it checks, then recomputes what they say with the
package::

    from _quote import quote

    def test_spectral_radius_is_small():
        quote("03", "the spectral radius is only 0.47")   # fails if the sentence changed
        assert round(max(abs(np.linalg.eigvals(W))), 2) == 0.47

``quote`` finds the notebook by its chapter prefix ("03", "A1") in notebooks/ (or solutions/
with ``folder="solutions"``), and fails unless the words stand in one of its Markdown cells
(white space folded, so line breaks in the notebook do not matter). So when a sentence is
rewritten, its test fails until the claim and the test are brought back together.
"""

import re
from functools import cache
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]


def _fold(text):
    return re.sub(r"\s+", " ", text).strip()


def _chapter_files(chapter, folder):
    """The notebooks of ``chapter``: "07" is 07_*.ipynb, or its parts 07a_*, 07b_*, ...;
    a part's own number ("07b") names that part alone."""
    whole = sorted((ROOT / folder).glob(f"{chapter}_*.ipynb"))
    parts = sorted((ROOT / folder).glob(f"{chapter}[a-z]_*.ipynb"))
    if len(whole) + bool(parts) != 1:
        raise AssertionError(
            f"expected {folder}/{chapter}_*.ipynb or its parts {chapter}a_*.ipynb, ..., "
            f"found {whole + parts}"
        )
    return whole or parts


@cache
def _markdown_cells(chapter, folder):
    """``(names, ((notebook name, cell index, folded Markdown), ...))`` of every notebook of
    the chapter."""
    files = _chapter_files(chapter, folder)
    cells = []
    for path in files:
        nb = nbformat.read(path, as_version=4)
        cells += [
            (path.name, i, _fold(c.source))
            for i, c in enumerate(nb.cells)
            if c.cell_type == "markdown"
        ]
    return ", ".join(p.name for p in files), tuple(cells)


def quote(chapter, words, folder="notebooks"):
    """Assert that ``words`` stand in a Markdown cell of the chapter (any of its parts); return
    that cell's index in its notebook."""
    name, cells = _markdown_cells(chapter, folder)
    wanted = _fold(words)
    for _, index, text in cells:
        if wanted in text:
            return index
    raise AssertionError(
        f"{name} no longer says {wanted!r}: the sentence changed, so update its claim test"
    )


def quote_quiz(chapter, words):
    """Assert that ``words`` stand in the chapter's quiz bank (rnncourse/quiz/banks/NN.json):
    a question, an option or a feedback text, white space folded."""
    from rnncourse.quiz import load_bank

    texts = []
    for q in load_bank(chapter):
        texts += [q["question"], q.get("feedback", ""), q.get("otherwise", "")]
        texts += [o[k] for o in q.get("options", []) for k in ("text", "feedback")]
        texts += [w["feedback"] for w in q.get("wrong", [])]
    wanted = _fold(words)
    if not any(wanted in _fold(t) for t in texts):
        raise AssertionError(
            f"chapter {chapter}'s quiz no longer says {wanted!r}: update its claim test"
        )
