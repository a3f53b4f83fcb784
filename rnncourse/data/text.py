"""Text for chapter 10's character language model: a corpus made in code, a vocabulary, files.

Shapes: L characters of text, V characters in the vocabulary, N streams of T steps.

**The shipped corpus** is English number words, one number per line::

    three hundred and forty-two
    seventeen
    nine hundred and one

made by :func:`number_words` (British style, with "and" after "hundred"), so nothing is
downloaded and the same seed gives the same text on every machine. It is small, but has
what a language model must learn: words, spelling, and a grammar (which words may follow
which). And a sample is easy to judge: a generated line is right when it is the name of a
number, which :func:`parse_number_words` checks. :func:`split_numbers` keeps some numbers
out of the training text, so a model that writes them has generalised, not memorised.

**A real text, shipped with the package**: :func:`stdlib_docstrings` returns the prose
docstrings of 45 modules of Python's standard library (about 195,000 characters of English
about programming, 95 distinct characters), a snapshot extracted once from the source of
Python 3.11.7 by ``scripts/extract_docstrings.py`` and stored in
``rnncourse/data/stdlib_docstrings.txt``.
The library itself is never read at run time (its docstrings differ between Python versions,
and the chapters' stored outputs must not). The text is copyright the Python Software
Foundation and used under the PSF License Agreement, reproduced with the modules' list in
``rnncourse/data/stdlib_docstrings.LICENSE.txt``. :func:`docstring_corpus` splits it into a
training and a validation text at a docstring boundary.

**Any UTF-8 text file** works as well: :func:`load_text` reads it, and refuses with a clear
message a missing, empty, binary or too-short file.

**Vocabulary and encoding.** :class:`Vocabulary` holds the sorted unique characters of a
text; character i of the vocabulary has index i. :meth:`Vocabulary.encode` turns text into
an integer array (L,), :meth:`Vocabulary.decode` turns indices back into text.

**Streams.** :func:`split_into_streams` cuts the encoded text into N consecutive pieces,
one row each, with the next character as the target of every step: inputs and targets
(N, T). Row i is one long stream, so training can walk it chunk by chunk and carry the
hidden state from one chunk into the next (stateful truncated BPTT).
"""

from pathlib import Path

import numpy as np

from .._validate import require_positive_int

__all__ = [
    "MAX_NUMBER",
    "DOCSTRINGS_FILE",
    "Vocabulary",
    "docstring_corpus",
    "load_text",
    "number_corpus",
    "number_words",
    "parse_number_words",
    "split_into_streams",
    "split_numbers",
    "stdlib_docstrings",
]

#: The shipped snapshot of the standard library's docstrings (PSF licence, see the note beside it).
DOCSTRINGS_FILE = Path(__file__).resolve().parent / "stdlib_docstrings.txt"

#: The largest number :func:`number_words` writes.
MAX_NUMBER = 999

_ONES = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
)  # fmt: skip
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


def _check_number(n):
    if isinstance(n, bool) or not isinstance(n, int | np.integer):
        raise TypeError(f"n must be an integer, but got {type(n).__name__}.")
    if not 0 <= n <= MAX_NUMBER:
        raise ValueError(f"n must be between 0 and {MAX_NUMBER}, but got {n}.")
    return int(n)


def _below_hundred(n):
    if n < 20:
        return _ONES[n]
    tens, ones = divmod(n, 10)
    return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")


def number_words(n):
    """The English name of a whole number 0 <= n <= 999, e.g. 342 -> "three hundred and forty-two".

    British style: "and" after "hundred" when something follows (101 -> "one hundred and
    one"), a hyphen inside 21..99 ("forty-two").
    """
    n = _check_number(n)
    hundreds, rest = divmod(n, 100)
    if not hundreds:
        return _below_hundred(rest)
    words = f"{_ONES[hundreds]} hundred"
    return f"{words} and {_below_hundred(rest)}" if rest else words


_WORDS_TO_NUMBER = {}  # filled on first use by parse_number_words


def parse_number_words(line):
    """The number whose name :func:`number_words` writes as ``line``, or None if there is none.

    Exact: "forty-two" gives 42, "forty two" and "fourty-two" give None.
    """
    if not _WORDS_TO_NUMBER:
        _WORDS_TO_NUMBER.update({number_words(n): n for n in range(MAX_NUMBER + 1)})
    return _WORDS_TO_NUMBER.get(line)


def _check_rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy Generator, e.g. np.random.default_rng(0), "
            f"but got {type(rng).__name__}."
        )


def split_numbers(rng, valid_fraction=0.2, low=1, high=MAX_NUMBER):
    """Split the numbers low..high at random into a training set and a held-out set.

    Returns ``(train_numbers, valid_numbers)``, two sorted int64 arrays that together hold
    every number from ``low`` to ``high`` once; about ``valid_fraction`` of them are held out.
    """
    _check_rng(rng)
    low, high = _check_number(low), _check_number(high)
    if low > high:
        raise ValueError(f"low must not be greater than high, but got low={low}, high={high}.")
    if not 0 < valid_fraction < 1:
        raise ValueError(f"valid_fraction must be between 0 and 1, but got {valid_fraction}.")
    numbers = rng.permutation(np.arange(low, high + 1))
    n_valid = max(1, round(valid_fraction * len(numbers)))
    return np.sort(numbers[n_valid:]), np.sort(numbers[:n_valid])


def number_corpus(numbers, n_lines, rng):
    """A text of ``n_lines`` lines, each the name of a number drawn at random from ``numbers``.

    Every line ends with "\\n". Same ``numbers`` and same seed: same text.
    """
    _check_rng(rng)
    n_lines = require_positive_int("n_lines", n_lines)
    numbers = np.asarray(numbers)
    if numbers.ndim != 1 or numbers.size == 0 or numbers.dtype.kind not in "iu":
        raise ValueError(
            f"numbers must be a non-empty 1-D array of integers, but got shape {numbers.shape} "
            f"and dtype {numbers.dtype}."
        )
    words = {int(n): number_words(int(n)) for n in np.unique(numbers)}
    drawn = rng.choice(numbers, size=n_lines)
    return "".join(words[int(n)] + "\n" for n in drawn)


class Vocabulary:
    """The characters of a text, sorted, and the index of each: ``chars[i]`` has index i.

    ``Vocabulary.from_text("hello")`` has the chars ``('e', 'h', 'l', 'o')``, so V = 4.
    """

    def __init__(self, chars):
        chars = tuple(chars)
        if not chars:
            raise ValueError("a vocabulary needs at least one character, but got none.")
        for c in chars:
            if not isinstance(c, str) or len(c) != 1:
                raise TypeError(f"every vocabulary entry must be one character, but got {c!r}.")
        if len(set(chars)) != len(chars):
            raise ValueError("the vocabulary's characters must be different from each other.")
        self.chars = chars
        self.index = {c: i for i, c in enumerate(chars)}

    @classmethod
    def from_text(cls, text):
        """The vocabulary of every character that occurs in ``text``, sorted."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, but got {type(text).__name__}.")
        if not text:
            raise ValueError("text is empty: a vocabulary needs at least one character.")
        return cls(sorted(set(text)))

    def __len__(self):
        return len(self.chars)

    def __contains__(self, char):
        return char in self.index

    def __eq__(self, other):
        return isinstance(other, Vocabulary) and self.chars == other.chars

    def __repr__(self):
        return f"Vocabulary(V={len(self)}, chars={''.join(self.chars)!r})"

    def encode(self, text):
        """Text -> int64 indices, shape (L,). An unknown character raises ValueError."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, but got {type(text).__name__}.")
        try:
            return np.array([self.index[c] for c in text], dtype=np.int64)
        except KeyError:
            position = next(i for i, c in enumerate(text) if c not in self.index)
            raise ValueError(
                f"character {text[position]!r} at position {position} is not in the vocabulary "
                f"({''.join(self.chars)!r})."
            ) from None

    def decode(self, ids):
        """Indices (any shape, flattened in order) -> text."""
        ids = np.asarray(ids)
        if ids.size and ids.dtype.kind not in "iu":
            raise TypeError(f"ids must hold integer indices, but has dtype {ids.dtype}.")
        ids = ids.reshape(-1)
        if ids.size and (ids.min() < 0 or ids.max() >= len(self)):
            raise ValueError(
                f"ids must be in [0, V) = [0, {len(self)}), but has {ids.min()}..{ids.max()}."
            )
        return "".join(self.chars[i] for i in ids)


def load_text(path, min_chars=1000):
    """Read a UTF-8 text file to train a character model on.

    Windows line ends ("\\r\\n") become "\\n", and a leading byte-order mark is dropped.
    Raises FileNotFoundError if there is no file at ``path``, and ValueError (naming the
    path) if it is empty, binary (NUL bytes, or bytes that are not UTF-8), or shorter than
    ``min_chars`` characters.
    """
    path = Path(path)
    min_chars = require_positive_int("min_chars", min_chars)
    if not path.exists():
        raise FileNotFoundError(f"no file at {path}: check the path (and the current folder).")
    if not path.is_file():
        raise ValueError(f"{path} is not a file (a folder?): give the path of a text file.")
    raw = path.read_bytes()
    if not raw:
        raise ValueError(f"{path} is empty: a language model needs text to learn from.")
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise ValueError(
            f"{path} contains NUL bytes (first at byte {nul}): it looks like a "
            "binary file, not text. Use a plain UTF-8 text file (.txt)."
        )
    try:
        text = raw.decode("utf-8-sig")  # -sig drops a byte-order mark
    except UnicodeDecodeError as err:
        raise ValueError(
            f"{path} is not UTF-8 text (byte {err.start} cannot be decoded): it may be binary, "
            "or in another encoding; save it as UTF-8 first."
        ) from None
    text = text.replace("\r\n", "\n")
    if len(text) < min_chars:
        raise ValueError(
            f"{path} has {len(text)} characters, fewer than min_chars={min_chars}: a language "
            "model needs more text than that (a few hundred thousand characters learn well)."
        )
    return text


def split_into_streams(ids, N):
    """Cut encoded text into N consecutive streams, the next character as each step's target.

    Inputs:
    - ids: encoded text, int (L,)
    - N: the number of streams (rows), 1 <= N

    Returns:
    - inputs: (N, T) with T = (L - 1) // N; row i is ``ids[i*T : (i+1)*T]``
    - targets: (N, T), the character after each input: row i is ``ids[i*T + 1 : (i+1)*T + 1]``

    The last ``L - 1 - N*T`` characters are left out so the rows have equal length.
    """
    ids = np.asarray(ids)
    if ids.ndim != 1 or ids.dtype.kind not in "iu":
        raise ValueError(
            f"ids must be a 1-D integer array (L,), but got shape {ids.shape} and dtype "
            f"{ids.dtype}."
        )
    N = require_positive_int("N", N)
    T = (len(ids) - 1) // N
    if T < 1:
        raise ValueError(
            f"ids has L={len(ids)} characters, too few for N={N} streams: need at least N + 1."
        )
    inputs = ids[: N * T].reshape(N, T)  # (N*T,) -> (N, T)
    targets = ids[1 : N * T + 1].reshape(N, T)
    return inputs, targets


def stdlib_docstrings():
    """The shipped snapshot of Python's standard library docstrings, one str.

    Docstrings of modules, classes and functions that read as prose (no code examples),
    separated by blank lines, every line ending with "\\n"; from Python 3.11.7, whatever
    Python runs this. Source and licence: ``stdlib_docstrings.LICENSE.txt`` beside the file.
    """
    return DOCSTRINGS_FILE.read_text(encoding="utf-8")


def docstring_corpus(valid_fraction=0.1):
    """:func:`stdlib_docstrings` split into ``(train_text, valid_text)``.

    The last ``valid_fraction`` of the text (about; the split moves forward to the next blank
    line, so no docstring is cut in two) is the validation text. Both keep their order.
    """
    if isinstance(valid_fraction, bool) or not isinstance(valid_fraction, int | float):
        raise TypeError(
            f"valid_fraction must be a number, but got {type(valid_fraction).__name__}."
        )
    if not 0 < valid_fraction < 1:
        raise ValueError(f"valid_fraction must be between 0 and 1, but got {valid_fraction}.")
    text = stdlib_docstrings()
    split = text.find("\n\n", int((1 - valid_fraction) * len(text)))
    split = len(text) - 1 if split < 0 else split + 2  # just after the blank line
    return text[:split], text[split:]
