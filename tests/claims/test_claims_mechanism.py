"""The claims mechanism: a quote the chapter does not hold fails; every chapter has claims."""

from pathlib import Path

import pytest
from _quote import ROOT, quote


def test_quote_finds_words_across_line_breaks():
    assert quote("00", "Welcome") >= 0


def test_quote_fails_for_words_the_chapter_does_not_say():
    with pytest.raises(AssertionError, match="no longer says"):
        quote("03", "the spectral radius alone decides everything, always, in every network")


def test_every_chapter_has_a_claims_file():
    # one file per chapter: the parts of chapter 07 (07a, 07b, 07c) share test_ch07.py
    numbers = [p.name.split("_")[0] for p in (ROOT / "notebooks").glob("*.ipynb")]
    chapters = sorted({n.rstrip("abcdefgh") for n in numbers})
    here = Path(__file__).parent
    missing = [c for c in chapters if not (here / f"test_ch{c}.py").exists()]
    assert not missing, f"chapters without tests/claims/test_chNN.py: {missing}"
