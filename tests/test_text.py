"""Tests for rnncourse.data.text: number words, the corpus, the vocabulary, file loading and
cutting text into streams."""

import numpy as np
import pytest

from rnncourse.data import text

# ---------------------------------------------------------------- number words


@pytest.mark.parametrize(
    "n, words",
    [
        (0, "zero"),
        (7, "seven"),
        (13, "thirteen"),
        (20, "twenty"),
        (21, "twenty-one"),
        (99, "ninety-nine"),
        (100, "one hundred"),
        (101, "one hundred and one"),
        (115, "one hundred and fifteen"),
        (342, "three hundred and forty-two"),
        (800, "eight hundred"),
        (999, "nine hundred and ninety-nine"),
    ],
)
def test_number_words(n, words):
    assert text.number_words(n) == words
    assert text.number_words(np.int64(n)) == words


def test_every_name_is_different_and_parses_back():
    names = [text.number_words(n) for n in range(text.MAX_NUMBER + 1)]
    assert len(set(names)) == len(names)
    assert all(text.parse_number_words(w) == n for n, w in enumerate(names))


@pytest.mark.parametrize(
    "line", ["", "forty two", "fourty-two", "one hundred and", "twenty-zero", "Seven", "seven\n"]
)
def test_parse_rejects_what_is_not_a_name(line):
    assert text.parse_number_words(line) is None


@pytest.mark.parametrize(
    "n, error, words",
    [(-1, ValueError, "between 0 and 999"), (1000, ValueError, "got 1000"),
     (3.0, TypeError, "integer"), (True, TypeError, "integer")],
)  # fmt: skip
def test_number_words_refuses_bad_numbers(n, error, words):
    with pytest.raises(error, match=words):
        text.number_words(n)


# ---------------------------------------------------------------- the corpus


def test_split_numbers_is_a_deterministic_partition():
    train, valid = text.split_numbers(np.random.default_rng(0))
    assert len(valid) == 200 and len(train) == 799
    assert not set(train.tolist()) & set(valid.tolist())
    assert sorted(train.tolist() + valid.tolist()) == list(range(1, 1000))
    assert np.all(np.diff(train) > 0) and np.all(np.diff(valid) > 0)
    again = text.split_numbers(np.random.default_rng(0))
    np.testing.assert_array_equal(again[1], valid)
    other = text.split_numbers(np.random.default_rng(1))
    assert not np.array_equal(other[1], valid)


@pytest.mark.parametrize(
    "kwargs, words",
    [({"valid_fraction": 0}, "between 0 and 1"), ({"valid_fraction": 1.0}, "between 0 and 1"),
     ({"low": 50, "high": 10}, "not be greater"), ({"high": 1000}, "between 0 and 999")],
)  # fmt: skip
def test_split_numbers_refuses_bad_arguments(kwargs, words):
    with pytest.raises(ValueError, match=words):
        text.split_numbers(np.random.default_rng(0), **kwargs)
    with pytest.raises(TypeError, match="numpy Generator"):
        text.split_numbers(0)


def test_number_corpus_lines_are_names_of_the_given_numbers():
    numbers = np.array([3, 42, 117, 500])
    corpus = text.number_corpus(numbers, 50, np.random.default_rng(5))
    assert corpus.endswith("\n")
    lines = corpus.split("\n")[:-1]
    assert len(lines) == 50
    parsed = [text.parse_number_words(line) for line in lines]
    assert set(parsed) <= set(numbers.tolist()) and len(set(parsed)) > 1
    assert corpus == text.number_corpus(numbers, 50, np.random.default_rng(5))
    assert corpus != text.number_corpus(numbers, 50, np.random.default_rng(6))


def test_number_corpus_refuses_bad_numbers():
    with pytest.raises(ValueError, match="non-empty 1-D array of integers"):
        text.number_corpus([], 3, np.random.default_rng(0))
    with pytest.raises(ValueError, match="integers"):
        text.number_corpus([1.5, 2.0], 3, np.random.default_rng(0))
    with pytest.raises(ValueError, match="n_lines must be at least 1"):
        text.number_corpus([1, 2], 0, np.random.default_rng(0))


# ---------------------------------------------------------------- the vocabulary


def test_vocabulary_is_sorted_unique_and_round_trips():
    vocab = text.Vocabulary.from_text("hello world\n")
    assert vocab.chars == ("\n", " ", "d", "e", "h", "l", "o", "r", "w")
    assert len(vocab) == 9 and "l" in vocab and "z" not in vocab
    ids = vocab.encode("hello")
    assert ids.dtype == np.int64 and ids.tolist() == [4, 3, 5, 5, 6]
    assert vocab.decode(ids) == "hello"
    assert vocab.decode(ids.reshape(1, 5)) == "hello"
    assert vocab.decode(np.array([], dtype=int)) == ""
    assert vocab == text.Vocabulary(vocab.chars) and vocab != text.Vocabulary("ab")
    assert repr(vocab) == "Vocabulary(V=9, chars='\\n dehlorw')"


def test_vocabulary_handles_any_unicode():
    s = "naïve café — 你好 🙂"
    vocab = text.Vocabulary.from_text(s)
    assert vocab.decode(vocab.encode(s)) == s


def test_encode_names_an_unknown_character_and_its_position():
    vocab = text.Vocabulary.from_text("abc")
    with pytest.raises(ValueError, match=r"character 'x' at position 2 is not in the vocabulary"):
        vocab.encode("abxc")
    with pytest.raises(TypeError, match="must be a str"):
        vocab.encode(["a"])


def test_decode_refuses_bad_indices():
    vocab = text.Vocabulary.from_text("abc")
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        vocab.decode([0, 3])
    with pytest.raises(TypeError, match="integer indices"):
        vocab.decode(np.array([0.0, 1.0]))


@pytest.mark.parametrize(
    "chars, error, words",
    [((), ValueError, "at least one"), (("a", "a"), ValueError, "different"),
     (("ab",), TypeError, "one character"), ((1,), TypeError, "one character")],
)  # fmt: skip
def test_vocabulary_refuses_bad_characters(chars, error, words):
    with pytest.raises(error, match=words):
        text.Vocabulary(chars)


def test_from_text_refuses_empty_or_non_text():
    with pytest.raises(ValueError, match="empty"):
        text.Vocabulary.from_text("")
    with pytest.raises(TypeError, match="must be a str"):
        text.Vocabulary.from_text(b"abc")


# ---------------------------------------------------------------- loading a file


def test_load_text_reads_utf8_and_normalises_line_ends(tmp_path):
    path = tmp_path / "story.txt"
    path.write_bytes("\ufeffOnce upon a time,\r\nthere was naïve text.\r\n".encode())
    assert text.load_text(path, min_chars=10) == "Once upon a time,\nthere was naïve text.\n"
    assert text.load_text(str(path), min_chars=10).startswith("Once")


def test_load_text_missing_file(tmp_path):
    path = tmp_path / "nowhere.txt"
    with pytest.raises(FileNotFoundError, match="nowhere.txt"):
        text.load_text(path)


def test_load_text_folder(tmp_path):
    with pytest.raises(ValueError, match="not a file"):
        text.load_text(tmp_path)


@pytest.mark.parametrize(
    "content, words",
    [
        (b"", "is empty"),
        (b"abc\x00def" * 400, r"NUL bytes \(first at byte 3\)"),
        ("café ".encode("latin-1") * 400, r"not UTF-8 text \(byte 3"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(1, 256)) * 10, "not UTF-8 text"),
        (b"too short", "has 9 characters, fewer than min_chars=1000"),
    ],
    ids=["empty", "nul-bytes", "latin-1", "png-like", "too-short"],
)
def test_load_text_refuses_with_the_path(tmp_path, content, words):
    path = tmp_path / "input.bin"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=words) as info:
        text.load_text(path)
    assert str(path) in str(info.value)


def test_load_text_min_chars_is_checked(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("abc")
    with pytest.raises(ValueError, match="min_chars must be at least 1"):
        text.load_text(path, min_chars=0)
    assert text.load_text(path, min_chars=3) == "abc"


# ---------------------------------------------------------------- streams


def test_split_into_streams_rows_are_consecutive_and_targets_shifted():
    ids = np.arange(23)
    inputs, targets = text.split_into_streams(ids, 4)
    T = (23 - 1) // 4
    assert inputs.shape == targets.shape == (4, T) == (4, 5)
    np.testing.assert_array_equal(inputs.reshape(-1), np.arange(20))
    np.testing.assert_array_equal(targets, inputs + 1)
    np.testing.assert_array_equal(inputs[1], [5, 6, 7, 8, 9])  # row 1 continues where row 0 ends


def test_split_into_streams_refuses_bad_input():
    with pytest.raises(ValueError, match="too few for N=5"):
        text.split_into_streams(np.arange(5), 5)
    with pytest.raises(ValueError, match="1-D integer array"):
        text.split_into_streams(np.zeros(10), 2)
    with pytest.raises(ValueError, match="N must be at least 1"):
        text.split_into_streams(np.arange(10), 0)


# ---------------------------------------------------------------- the docstring corpus


def test_stdlib_docstrings_is_the_shipped_snapshot():
    corpus = text.stdlib_docstrings()
    assert 150_000 < len(corpus) < 300_000  # small package data, a few hundred kB at most
    assert corpus.isascii() and corpus.endswith("\n") and "\r" not in corpus
    assert ">>>" not in corpus  # prose only, no doctests
    assert "Return" in corpus  # the docstrings' favourite word
    assert round(len(corpus), -3) == 195_000  # as the module's docstring says
    assert len(text.Vocabulary.from_text(corpus)) == 95
    # the source and the licence are stated beside the file
    note = text.DOCSTRINGS_FILE.with_name("stdlib_docstrings.LICENSE.txt").read_text()
    assert "Python 3.11.7" in note and "PSF License Agreement" in note
    assert "PYTHON SOFTWARE FOUNDATION LICENSE VERSION 2" in note


def test_docstring_corpus_splits_at_a_blank_line():
    train_text, valid_text = text.docstring_corpus()
    assert train_text + valid_text == text.stdlib_docstrings()
    assert train_text.endswith("\n\n") and not valid_text.startswith("\n")
    assert 0.08 < len(valid_text) / (len(train_text) + len(valid_text)) < 0.12
    small_train, small_valid = text.docstring_corpus(0.5)
    assert len(small_valid) > len(valid_text)


@pytest.mark.parametrize(
    "fraction, error, words",
    [(0, ValueError, "between 0 and 1"), (1.5, ValueError, "but got 1.5"),
     ("0.1", TypeError, "got str"), (True, TypeError, "got bool")],
)  # fmt: skip
def test_docstring_corpus_bad_fraction(fraction, error, words):
    with pytest.raises(error, match=words):
        text.docstring_corpus(fraction)


def test_docstring_snapshot_ships_in_the_wheel():
    from pathlib import Path

    import tomllib

    pyproject = Path(text.__file__).resolve().parents[2] / "pyproject.toml"
    package_data = tomllib.loads(pyproject.read_text())["tool"]["setuptools"]["package-data"]
    assert "data/*.txt" in package_data["rnncourse"]  # the snapshot and its licence note
