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


@cache
def _markdown_cells(chapter, folder):
    matches = sorted((ROOT / folder).glob(f"{chapter}_*.ipynb"))
    if len(matches) != 1:
        raise AssertionError(f"expected one notebook {folder}/{chapter}_*.ipynb, found {matches}")
    nb = nbformat.read(matches[0], as_version=4)
    return matches[0].name, tuple(
        (i, _fold(c.source)) for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
    )


def quote(chapter, words, folder="notebooks"):
    """Assert that ``words`` stand in a Markdown cell of the chapter; return that cell's index."""
    name, cells = _markdown_cells(chapter, folder)
    wanted = _fold(words)
    for index, text in cells:
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
