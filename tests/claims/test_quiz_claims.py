"""Every number a quiz states is checked: quoted by a claims test, or allow-listed with a reason.

The developers' guide asks that a number be printed by a cell or asserted by a test that quotes
the sentence. For the quizzes (rnncourse/quiz/banks/NN.json) that test quotes the words with
``quote_quiz("NN", "words")``. This file scans every bank's texts (question, option, option
feedback, feedback, otherwise, feedback of a wrong value), white space folded as ``quote_quiz``
folds it, finds every number in them by the rule below, and fails naming the bank, the text and
the number unless the number lies inside a string that some tests/claims/*.py passes to
``quote_quiz`` for that bank (a literal found with ``ast``; a quote covers the numbers it
contains, so a test that quotes "$200 + 400 + 20 = 620$" covers all four), or the number is in
``ALLOWED`` with the reason recomputing it adds nothing.

The rule. A number is a decimal literal: digits, with thousands commas (100,000) and a decimal
part, taken together with what makes it one value: a sign written right before it, "\\cdot
10^{-7}" after it, an exponent of digits ("0.8^{10}", "2^{1.5}"), and "\\tfrac12",
"\\tfrac{1}{12}". These digits are not numbers:

1. part of a name: digits touching a letter, "_" or "\\" on either side (`weight_hh_l0`,
   "07b", "A1", "arXiv:1406.1078v1", a shape's symbol such as "4H" or "2D");
2. an index or a power of a symbol: a LaTeX subscript (``h_1``, ``x_{t-1}``) and a
   superscript on anything but a number (``h_t^2``, ``W^{(2)}``);
3. a step index: ``t = 2`` (also ``t = 1, 5, 20``) and "step 3" (the word "step" before the
   number; "3 steps" is a count and is a number);
4. a label: a number right after the words chapter, section, item, article, part, appendix,
   layer, Python or TensorFlow (and a number joined to such a label by "and", "or" or "to");
   a year, 1940 to 2029 not followed by a word other than "is", "and", "to" ("Elman 1990",
   "(2000)", "the 1997 cell"; "2000 batches" is a count and is a number); a journal's
   volume(issue), "9(8)"; the precision a question asks for, "(4 decimals)". A paper's year
   and volume are checked in the part's references, not by recomputing;
5. a constant of a formula: in LaTeX math, a literal joined to a symbol (a letter, or a Greek
   command such as ``\\eta``) directly or through one operator (+, -, \\cdot, /, \\odot, *),
   brackets skipped: the 1 in ``1 - z_t``, the 4 in ``4(DH + H^2 + H)``, the 50 in
   ``1 - 50\\eta``. Such a digit states the form of an equation, which the chapter's own claims
   check; the values the formula gives (``4 (200 + 400 + 20) = 2480``) are numbers.

Everything else is a number: values, counts, premises of a question (D = 10), tuples, code
arguments (`optim.Adam(0.1)`), percentages.
"""

import ast
import json
import re
from functools import cache
from pathlib import Path

import pytest
from _quote import ROOT, _fold

HERE = Path(__file__).parent
BANKS = ROOT / "rnncourse" / "quiz" / "banks"

# (bank, number as written, words around it that single it out) -> why recomputing adds nothing.
ALLOWED = {
    ("04a", "1997", "That was the 1997 cell"): (
        "the year of Hochreiter and Schmidhuber's paper, in the part's references; a year used "
        "as a name of the cell, nothing to recompute"
    ),
    ("04b", "1", "PyTorch draws every bias uniformly from $\\pm 1/\\sqrt{H}$"): (
        "PyTorch's documented initialisation, a statement about a framework that the part's "
        "references check; PyTorch is not installed here to recompute it"
    ),
}

# Banks whose numbers are not all checked yet: the test is an expected failure for them (strict,
# so a bank that becomes complete fails here until it is taken off this list).
_TODO = "numbers in this bank are not all quoted and recomputed yet (the failure lists them)"
PENDING = {
    "07a": _TODO,
    "07b": _TODO,
    "07c": _TODO,
    "08a": _TODO,
    "08b": _TODO,
    "09a": _TODO,
    "09b": _TODO,
    "10a": _TODO,
    "10b": _TODO,
    "10c": _TODO,
    "11a": _TODO,
    "11b": _TODO,
    "12a": _TODO,
    "12b": _TODO,
    "A1a": _TODO,
    "A1c": _TODO,
}

_GREEK = (
    "alpha beta gamma delta epsilon eta theta lambda mu rho sigma tau phi psi omega ell"
).split()
_LABEL_WORDS = {
    "chapter",
    "chapters",
    "section",
    "sections",
    "item",
    "items",
    "article",
    "articles",
    "part",
    "parts",
    "appendix",
    "layer",
    "python",
    "tensorflow",
}
_NUMBER = re.compile(
    r"(?P<frac>\\t?frac(?:\{\d+\}\{\d+\}|\d\d))"
    r"|(?P<num>-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
    r"(?:\s*\\cdot\s*10\^\{-?\d+\}|\^\{-?[\d.]+\}|\^\d)?)"
)
_SUBSCRIPT = re.compile(r"_(\{(?:[^{}]|\{[^{}]*\})*\}|\\?[A-Za-z0-9])")
_SUPER = re.compile(r"(?<=[^\d\s{])\^(\{(?:[^{}]|\{[^{}]*\})*\}|\\?[A-Za-z0-9])")


def _math_spans(text):
    """(start, end) of every $...$ span (a $$...$$ span counts as one)."""
    return [m.span() for m in re.finditer(r"\$\$.+?\$\$|\$.+?\$", text)]


def _blank(text, spans):
    chars = list(text)
    for a, b in spans:
        chars[a:b] = " " * (b - a)
    return "".join(chars)


def _is_symbol_token(s):
    """A variable of a formula: a Latin letter or a Greek command."""
    return bool(re.fullmatch(r"[A-Za-z]", s)) or s.lstrip("\\") in _GREEK


_OPERATORS = {"+", "-", "*", "/", "\\cdot", "\\odot", "\\times"}
_SKIP = {"(", ")", "[", "]", "{", "}", "\\,", "\\;", "\\!", "\\left", "\\right"}
_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[\d.,]*\d|\S")


def _formula_constant(math, a, b):
    """True if the literal at math[a:b] (positions in the math span) is joined to a symbol
    directly or through one operator, brackets and thin spaces skipped (rule 5)."""
    tokens = [(m.start(), m.group(0)) for m in _TOKEN.finditer(math)]
    tokens = [(pos, t) for pos, t in tokens if t not in _SKIP]
    before = [t for pos, t in tokens if pos < a]
    after = [t for pos, t in tokens if pos >= b]
    for side in (before[::-1], after):
        if side and _is_symbol_token(side[0]):
            return True
        if len(side) > 1 and side[0] in _OPERATORS and _is_symbol_token(side[1]):
            return True
    return False


def numbers_in(text):
    """The numbers of one folded text by the module's rule: [(start, end, literal)]."""
    found = []
    maths = _math_spans(text)
    # rule 2: in math, subscripts and superscripts of symbols are blanked before anything is
    # read (outside math, "_" is part of a code name: rule 1)
    scan = text
    for s, e in maths:
        part = _blank(scan[s:e], [m.span() for m in _SUPER.finditer(scan[s:e])])
        part = _blank(part, [m.span() for m in _SUBSCRIPT.finditer(part)])
        scan = scan[:s] + part + scan[e:]
    for m in _NUMBER.finditer(scan):
        a, b = m.span()
        lit = m.group(0)
        if m.group("num") and lit.startswith("-") and a > 0 and scan[a - 1] not in " ($(,=":
            a, lit = a + 1, lit[1:]  # a minus between two terms is an operator, not a sign
        before, after = scan[max(0, a - 1) : a], scan[b : b + 1]
        if re.match(r"[A-Za-z_\\]", before) or re.match(r"[A-Za-z_]", after):
            continue  # rule 1: part of a name or a symbol
        if re.search(r"\^\{?-?$", scan[:a]):
            continue  # rule 2: a power of a symbol whose subscript came first
        if m.group("num") and re.match(r"\.\d", scan[b : b + 2]):
            continue  # a version such as 3.11.7 is a name
        words = re.findall(r"[A-Za-z.']+", scan[max(0, a - 40) : a])
        last = words[-1].lower() if words else ""
        if last == "step" or re.search(r"(?<![\w\\])t\s*=\s*(?:\d+,\s*)*$", scan[:a]):
            continue  # rule 3: a step index
        if last in _LABEL_WORDS or (
            last in ("and", "to", "or")
            and len(words) > 1
            and re.search(
                rf"\b(?:{'|'.join(_LABEL_WORDS)})\s+\S+\s+(?:and|to|or)\s*$", scan[:a], re.I
            )
        ):
            continue  # rule 4: a label
        if re.fullmatch(r"19[4-9]\d|20[0-2]\d", lit) and not re.match(
            r"\s+(?!is\b|and\b|to\b)[a-z]", scan[b:]
        ):
            continue  # rule 4: a year
        if re.match(r"\(\d+\)", scan[b:]) or (
            re.search(r"\d\($", scan[:a]) and scan[b : b + 1] == ")"
        ):
            continue  # rule 4: a journal's volume(issue)
        if re.match(r"\s*decimals\b", scan[b:]):
            continue  # rule 4: "(4 decimals)" asks for a precision, it states nothing
        inside = next(((s, e) for s, e in maths if s <= a < e), None)
        if (
            inside
            and m.group("num")
            and _formula_constant(
                scan[inside[0] + 1 : inside[1] - 1], a - inside[0] - 1, b - inside[0] - 1
            )
        ):
            continue  # rule 5: a constant of a formula
        found.append((a, b, text[a:b]))
    return found


def bank_texts(bank):
    """(where, folded text) of every text of one bank, in the order of the file."""
    data = json.loads((BANKS / f"{bank}.json").read_text(encoding="utf-8"))
    out = []
    for n, q in enumerate(data["questions"], start=1):
        out.append((f"question {n}", q["question"]))
        for k in ("feedback", "otherwise"):
            if q.get(k):
                out.append((f"question {n} {k}", q[k]))
        for i, o in enumerate(q.get("options", []), start=1):
            out.append((f"question {n} option {i}", o["text"]))
            out.append((f"question {n} option {i} feedback", o["feedback"]))
        for w in q.get("wrong", []):
            out.append((f"question {n} feedback of {w['value']!r}", w["feedback"]))
    return [(where, _fold(t)) for where, t in out]


def all_banks():
    return sorted(p.stem for p in BANKS.glob("*.json") if p.stem != "schema")


@cache
def quoted():
    """{bank: [folded words]} of every literal ``quote_quiz("bank", "words")`` in the claims."""
    out = {}
    for path in sorted(HERE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "quote_quiz"
                and len(node.args) >= 2
                and all(isinstance(a, ast.Constant) for a in node.args[:2])
            ):
                out.setdefault(node.args[0].value, []).append(_fold(node.args[1].value))
    return out


def _covered(text, a, b, quotes):
    for q in quotes:
        start = text.find(q)
        while start >= 0:
            if start <= a and b <= start + len(q):
                return True
            start = text.find(q, start + 1)
    return False


def _allowed(bank, text, a, b):
    for (abank, literal, words), _reason in ALLOWED.items():
        if abank != bank or text[a:b] != literal or words not in text:
            continue
        at = text.find(words)
        while at >= 0:
            if at <= a and b <= at + len(words):
                return True
            at = text.find(words, at + 1)
    return False


def unchecked(bank):
    """[(where, text, number)] of the bank's numbers that no quote covers and no entry allows."""
    quotes = quoted().get(bank, [])
    out = []
    for where, text in bank_texts(bank):
        for a, b, lit in numbers_in(text):
            if not _covered(text, a, b, quotes) and not _allowed(bank, text, a, b):
                out.append((where, text, lit))
    return out


def test_the_rule_on_examples():
    def nums(t):
        return [lit for _, _, lit in numbers_in(t)]

    assert nums("$DH + H^2 + H = 200 + 400 + 20 = 620$") == ["200", "400", "20", "620"]
    assert nums("$4(DH + H^2 + H) = 4 (200 + 400 + 20) = 2480$") == [
        "4",
        "200",
        "400",
        "20",
        "2480",
    ]
    assert nums("$h_t = (1 - z_t) \\odot n_t$, at $t = 3$, step 2, `weight_hh_l0`, (4H, D)") == []
    assert nums("($5.4 \\cdot 10^{-3}$ against $0.8^{10}$), 100,000 draws") == [
        "5.4 \\cdot 10^{-3}",
        "0.8^{10}",
        "100,000",
    ]
    assert nums("Elman (1990), Gers et al. 2000, chapter 3 and 4, 2000 batches") == ["2000"]
    assert nums("$b = -0.0860$, $\\tfrac16$ (4 decimals), Computation 9(8)") == [
        "-0.0860",
        "\\tfrac16",
    ]


def test_allow_list_entries_still_match_a_number():
    stale = []
    for bank, literal, words in ALLOWED:
        texts = [t for _, t in bank_texts(bank)]
        if not any(
            words in t and any(lit == literal for _, _, lit in numbers_in(words)) for t in texts
        ):
            stale.append((bank, literal, words))
    assert not stale, f"allow-list entries that match no number of their bank: {stale}"


@pytest.mark.parametrize(
    "bank",
    [
        pytest.param(b, marks=pytest.mark.xfail(reason=PENDING[b], strict=True))
        if b in PENDING
        else b
        for b in all_banks()
    ],
)
def test_every_quiz_number_is_quoted_by_a_claims_test(bank):
    missing = unchecked(bank)
    lines = [f"{bank} {where}: {number!r} in {text[:100]!r}" for where, text, number in missing]
    assert not missing, f"{len(missing)} numbers of quiz {bank} no claims test quotes:\n" + (
        "\n".join(lines)
    )
