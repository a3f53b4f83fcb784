"""Dates written by people, translated to ISO 8601: a small sequence-to-sequence task.

"Tuesday 9 October 1993", "09/10/93", "oct 9, 1993" and a dozen other ways of writing a
date all translate to "1993-10-09". The task is small enough to train in numpy in minutes,
and the attention of a trained model is easy to read: to write the month, look at the month
name (or its digits).

Dates run from 1 January 1950 to 31 December 2049, so a two-digit year is unambiguous
(50-99 is 19xx, 00-49 is 20xx). Numeric formats put the **day first** ("09/10/93" is
9 October), as in most of Europe. Month and weekday names are English and written out by
this module, not by the ``locale``, so the data is the same on every machine. Every 10th
day (``date.toordinal() % 10 == 0``) is held out: training data never contains it, test
data contains only such days, so a test date has never been seen in any format.

Shapes: N dates, S source characters (padded), T = 10 target characters.
"""

import datetime
import json
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .. import optim, seq2seq, train
from .._validate import require_positive_int

MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

FIRST_DATE = datetime.date(1950, 1, 1)
LAST_DATE = datetime.date(2049, 12, 31)

#: Every HELDOUT_EVERY-th day (by ``date.toordinal()``) is kept for testing only.
HELDOUT_EVERY = 10

#: Length of every target, "YYYY-MM-DD".
TARGET_LENGTH = 10

#: Longest source the models accept; longer text is cut (the longest format gives 29).
MAX_SOURCE_LENGTH = 40

#: Where the stored models live (package data).
WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "weights"


def _ordinal(day):
    if day in (11, 12, 13):
        return f"{day}th"
    return f"{day}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(day % 10, 'th') }"


def _month(d):
    return MONTHS[d.month - 1]


def _weekday(d):
    return WEEKDAYS[d.weekday()]  # weekday() is 0 for Monday


#: The formats, name -> function(date) -> text. The names show the pattern.
FORMATS = {
    "Weekday D Month YYYY": lambda d: f"{_weekday(d)} {d.day} {_month(d)} {d.year}",
    "Weekday, Month D, YYYY": lambda d: f"{_weekday(d)}, {_month(d)} {d.day}, {d.year}",
    "Wkd, D Mon YYYY": lambda d: f"{_weekday(d)[:3]}, {d.day} {_month(d)[:3]} {d.year}",
    "D Month YYYY": lambda d: f"{d.day} {_month(d)} {d.year}",
    "Dth Month YYYY": lambda d: f"{_ordinal(d.day)} {_month(d)} {d.year}",
    "D MONTH YYYY": lambda d: f"{d.day} {_month(d).upper()} {d.year}",
    "d month yyyy": lambda d: f"{d.day} {_month(d).lower()} {d.year}",
    "Month D, YYYY": lambda d: f"{_month(d)} {d.day}, {d.year}",
    "mon d, yyyy": lambda d: f"{_month(d)[:3].lower()} {d.day}, {d.year}",
    "D Mon YYYY": lambda d: f"{d.day} {_month(d)[:3]} {d.year}",
    "DD-Mon-YY": lambda d: f"{d.day:02d}-{_month(d)[:3]}-{d.year % 100:02d}",
    "DD/MM/YY": lambda d: f"{d.day:02d}/{d.month:02d}/{d.year % 100:02d}",
    "DD/MM/YYYY": lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}",
    "D/M/YYYY": lambda d: f"{d.day}/{d.month}/{d.year}",
    "D.M.YYYY": lambda d: f"{d.day}.{d.month}.{d.year}",
    "YYYY.MM.DD": lambda d: f"{d.year}.{d.month:02d}.{d.day:02d}",
    "YYYY-MM-DD": lambda d: d.isoformat(),
}


def format_date(d, fmt):
    """Write the date ``d`` (a ``datetime.date``) in the format named ``fmt``."""
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of the names in FORMATS, but got {fmt!r}.")
    if not isinstance(d, datetime.date):
        raise TypeError(f"d must be a datetime.date, but got {type(d).__name__}.")
    return FORMATS[fmt](d)


def to_iso(d):
    """The target: ISO 8601, "YYYY-MM-DD"."""
    return d.isoformat()


def is_heldout(d):
    """True for the days kept out of training (every HELDOUT_EVERY-th day)."""
    return d.toordinal() % HELDOUT_EVERY == 0


# ---------------------------------------------------------------- vocabularies


class Vocab:
    """Symbols <-> indices. The special symbols come first, so "<pad>" is index 0.

    - tokens: tuple of all symbols, specials first (one character each otherwise)
    - index: dict symbol -> index
    """

    def __init__(self, chars, specials):
        self.tokens = tuple(specials) + tuple(chars)
        if len(set(self.tokens)) != len(self.tokens):
            raise ValueError("a vocabulary cannot hold the same symbol twice.")
        self.index = {token: i for i, token in enumerate(self.tokens)}
        self.pad = self.index["<pad>"]
        self.unk = self.index.get("<unk>")

    def __len__(self):
        return len(self.tokens)

    def __eq__(self, other):
        return isinstance(other, Vocab) and self.tokens == other.tokens

    def __repr__(self):
        return f"Vocab({len(self)} symbols)"

    def encode(self, texts, length=None):
        """Encode strings as right-padded index rows.

        Inputs: a list of N strings; ``length`` (S) pads or cuts every row to S symbols
        (default: the longest text). A character not in the vocabulary becomes "<unk>", or
        raises ValueError if this vocabulary has none.

        Returns ids (N, S) int64 (padding is "<pad>" = 0) and mask (N, S) bool (True for a
        real character).
        """
        if isinstance(texts, str):
            raise TypeError("texts must be a list of strings, not one string.")
        texts = list(texts)
        S = max((len(text) for text in texts), default=0) if length is None else length
        S = require_positive_int("length", max(S, 1))
        ids = np.full((len(texts), S), self.pad, dtype=np.int64)
        for n, text in enumerate(texts):
            for s, char in enumerate(text[:S]):
                if char in self.index:
                    ids[n, s] = self.index[char]
                elif self.unk is not None:
                    ids[n, s] = self.unk
                else:
                    raise ValueError(f"{char!r} (in {text!r}) is not in the vocabulary.")
        lengths = np.array([min(len(text), S) for text in texts], dtype=np.int64)
        mask = np.arange(S) < lengths[:, None]  # (N, S)
        return ids, mask

    def decode(self, ids):
        """Index rows (N, T) -> list of N strings; special symbols are left out."""
        specials = {i for i, token in enumerate(self.tokens) if token.startswith("<")}
        return ["".join(self.tokens[i] for i in row if i not in specials) for row in ids]


def _source_chars():
    """Every character any format can write: all formats applied to days that cover
    every month, weekday, ordinal suffix and digit."""
    days = [datetime.date(1998, month, day) for month in range(1, 13) for day in (1, 2, 3, 28)]
    days += [datetime.date(2011, 1, day) for day in range(1, 8)]  # all seven weekdays
    chars = {char for d in days for fmt in FORMATS.values() for char in fmt(d)}
    return sorted(chars | set("0123456789"))


#: The source vocabulary: "<pad>", "<unk>", then every character the formats use.
SOURCE_VOCAB = Vocab(_source_chars(), ("<pad>", "<unk>"))

#: The target vocabulary: "<pad>", "<s>" (the decoder's start symbol), digits and "-".
TARGET_VOCAB = Vocab("0123456789-", ("<pad>", "<s>"))


# ---------------------------------------------------------------- data sets


class DatePairs(NamedTuple):
    """N examples: ``sources[n]`` is ``dates[n]`` in format ``formats[n]``."""

    sources: list  # N strings, e.g. "oct 9, 1993"
    targets: list  # N strings, e.g. "1993-10-09"
    formats: list  # N format names (keys of FORMATS)
    dates: list  # N datetime.date


def random_dates(n, rng, split="train"):
    """``n`` dates drawn uniformly, with replacement, from the training days (``split=
    "train"``) or the held-out days (``split="test"``), using ``rng`` (a numpy Generator)."""
    n = require_positive_int("n", n)
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', but got {split!r}.")
    days = np.arange(FIRST_DATE.toordinal(), LAST_DATE.toordinal() + 1)
    heldout = days % HELDOUT_EVERY == 0
    pool = days[heldout] if split == "test" else days[~heldout]
    return [datetime.date.fromordinal(int(o)) for o in rng.choice(pool, size=n)]


def date_pairs(n, rng, split="train", formats=None):
    """``n`` (source, target) examples: random dates of ``split``, each written in a format
    drawn uniformly from ``formats`` (default: all of :data:`FORMATS`)."""
    names = list(FORMATS) if formats is None else list(formats)
    for name in names:
        if name not in FORMATS:
            raise ValueError(f"unknown format {name!r}; choose from the names in FORMATS.")
    dates = random_dates(n, rng, split)
    picks = rng.integers(len(names), size=len(dates))
    chosen = [names[i] for i in picks]
    sources = [format_date(d, fmt) for d, fmt in zip(dates, chosen, strict=True)]
    return DatePairs(sources, [to_iso(d) for d in dates], chosen, dates)


def encode_pairs(pairs, source_vocab=SOURCE_VOCAB, target_vocab=TARGET_VOCAB):
    """Index arrays for training: src (N, S), src_mask (N, S), targets (N, T)."""
    src, src_mask = source_vocab.encode(pairs.sources)
    targets, _ = target_vocab.encode(pairs.targets, TARGET_LENGTH)
    return src, src_mask, targets


# ---------------------------------------------------------------- trained models


class DateModel(NamedTuple):
    """A trained date translator: the model, its vocabularies, and what was stored with it."""

    model: seq2seq.Seq2Seq
    source_vocab: Vocab
    target_vocab: Vocab
    info: dict  # the file's other extras: metrics, the training command, ...


def stored_model_path(name):
    """The path of a stored model, e.g. ``stored_model_path("dates_attention")``."""
    return WEIGHTS_DIR / f"{name}.npz"


def save_date_model(path, date_model):
    """Save a :class:`DateModel` (the vocabularies go in as arrays of strings)."""
    seq2seq.save_model(
        path,
        date_model.model,
        source_tokens=np.array(date_model.source_vocab.tokens),
        target_tokens=np.array(date_model.target_vocab.tokens),
        **date_model.info,
    )


def _vocab_from(tokens, name, path):
    tokens = [str(t) for t in tokens]
    specials = [t for t in tokens if t.startswith("<")]
    if tokens[: len(specials)] != specials or "<pad>" not in specials:
        raise ValueError(f"{path}: {name} must start with the special symbols, '<pad>' first.")
    return Vocab(tokens[len(specials) :], specials)


def load_date_model(name_or_path="dates_attention"):
    """Load a stored date translator: a name in :data:`WEIGHTS_DIR` (``"dates_attention"``,
    ...) or a path to a ``.npz`` file written by ``scripts/train_dates.py``.

    Raises FileNotFoundError if there is no such file and ValueError if the file is not a
    consistent date model (see :func:`rnncourse.seq2seq.load_model`).
    """
    text = str(name_or_path)
    path = Path(text) if text.endswith(".npz") or "/" in text else stored_model_path(text)
    model, extras = seq2seq.load_model(path)
    for key in ("source_tokens", "target_tokens"):
        if key not in extras:
            raise ValueError(f"{path} holds a model but no {key!r}: not a date model.")
    source_vocab = _vocab_from(extras.pop("source_tokens"), "source_tokens", path)
    target_vocab = _vocab_from(extras.pop("target_tokens"), "target_tokens", path)
    config = model.config
    if len(source_vocab) != config["D"] or len(target_vocab) != config["K"]:
        raise ValueError(
            f"{path}: the vocabularies ({len(source_vocab)} and {len(target_vocab)} symbols) "
            f"do not fit the model (D={config['D']}, K={config['K']})."
        )
    if target_vocab.tokens[config["start"]] != "<s>":
        raise ValueError(f"{path}: the model's start symbol is not '<s>'.")
    info = {key: value.item() if value.ndim == 0 else value for key, value in extras.items()}
    return DateModel(model, source_vocab, target_vocab, info)


def translate(date_model, texts):
    """Translate strings with a :class:`DateModel` by greedy decoding.

    Inputs: a list of N strings (each cut to MAX_SOURCE_LENGTH characters).

    Returns:
    - outputs: list of N strings of TARGET_LENGTH characters (special symbols left out)
    - alphas: attention weights, (N, T, S) with S the longest text (zeros without attention)
    - mask: (N, S) bool, the real source characters
    """
    texts = [str(text)[:MAX_SOURCE_LENGTH] for text in texts]
    if not texts or min(len(text) for text in texts) == 0:
        raise ValueError("every text must have at least one character.")
    src, mask = date_model.source_vocab.encode(texts)
    ids, alphas = seq2seq.greedy_decode(date_model.model, src, mask, TARGET_LENGTH)
    return date_model.target_vocab.decode(ids), alphas, mask


def exact_match(date_model, pairs, batch_size=1000):
    """Which examples of ``pairs`` (a :class:`DatePairs`) the model translates exactly:
    a bool array (N,). Texts are translated ``batch_size`` at a time."""
    correct = []
    for start in range(0, len(pairs.sources), batch_size):
        outputs, _, _ = translate(date_model, pairs.sources[start : start + batch_size])
        correct += [out == want for out, want in zip(outputs, pairs.targets[start:], strict=False)]
    return np.array(correct, dtype=bool)


# ---------------------------------------------------------------- training live


def batch_source(split="train"):
    """A batch source for :func:`rnncourse.train.train`: ``sample(batch_size, rng)`` draws
    new dates of ``split`` at every call and returns src (N, S), targets (N, T) and the
    source mask (N, S) (every target has TARGET_LENGTH characters: no target mask)."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', but got {split!r}.")

    def sample(batch_size, rng):
        src, src_mask, targets = encode_pairs(date_pairs(batch_size, rng, split=split))
        return src, targets, src_mask

    return sample


#: The settings of :func:`train_live`: the stored models' sizes (scripts/train_dates.py),
#: a higher learning rate, float32, and fewer steps.
LIVE_CONFIG = {
    "encoder_cell": "gru",
    "H_enc": 32,
    "H_dec": 64,
    "A": 32,
    "batch_size": 64,
    "lr": 6e-3,
    "lr_final": 6e-4,
    "max_norm": 5.0,
    "dtype": "float32",
}

#: Training steps of :func:`train_live` for each variant, unless told otherwise.
LIVE_STEPS = {"bahdanau": 400, "luong": 400, "none": 1500}


class LiveRun(NamedTuple):
    """What :func:`train_live` returns."""

    date_model: DateModel  # the trained model; its info holds the numbers below
    accuracy: float  # held-out exact match, on eval_size test dates
    seconds: float  # the training's wall-clock time (train.train), without the evaluation
    eval_seconds: float  # the held-out evaluation's wall-clock time
    history: train.History  # the loss and gradient norm of every step


def train_live(attention="bahdanau", *, steps=None, seed=0, progress=False, eval_size=1000):
    """Train a date translator from scratch through :func:`rnncourse.train.train`, then
    score it on held-out dates.

    Inputs:
    - attention: "bahdanau", "luong" or "none" (the decoder variant)
    - steps: training steps, each on a batch of new dates (default :data:`LIVE_STEPS`)
    - seed: seeds the weights and the training batches (``seed + 1000`` the test dates)
    - progress: show train.train's progress bar
    - eval_size: how many held-out dates to score (by greedy decoding)

    Returns a :class:`LiveRun`. The model is the encoder-decoder of :mod:`rnncourse.seq2seq`
    with :data:`LIVE_CONFIG`, trained with teacher forcing on the fast path
    (:class:`rnncourse.seq2seq.TeacherForcing`), Adam with the learning rate lowered over the
    second half (:class:`rnncourse.seq2seq.DecayingLR`) and clipping at a global norm.
    """
    if attention not in seq2seq.ATTENTIONS:
        raise ValueError(f"attention must be one of {seq2seq.ATTENTIONS}, but got {attention!r}.")
    steps = LIVE_STEPS[attention] if steps is None else require_positive_int("steps", steps)
    eval_size = require_positive_int("eval_size", eval_size)
    c = LIVE_CONFIG
    rng = np.random.default_rng(seed)
    model = seq2seq.init_seq2seq(
        len(SOURCE_VOCAB), len(TARGET_VOCAB), c["H_enc"], c["H_dec"], rng,
        attention=attention, encoder_cell=c["encoder_cell"], A=c["A"],
        start=TARGET_VOCAB.index["<s>"], dtype=np.dtype(c["dtype"]).type,
    )  # fmt: skip
    optimizer = seq2seq.DecayingLR(optim.Adam(c["lr"]), steps, c["lr_final"])
    start = time.perf_counter()
    history = train.train(
        seq2seq.TeacherForcing(model), batch_source("train"), None, optimizer,
        steps=steps, batch_size=c["batch_size"], max_norm=c["max_norm"], rng=rng,
        progress=progress,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    date_model = DateModel(model, SOURCE_VOCAB, TARGET_VOCAB, {})
    start = time.perf_counter()
    test = date_pairs(eval_size, np.random.default_rng(seed + 1000), split="test")
    accuracy = float(exact_match(date_model, test).mean())
    eval_seconds = time.perf_counter() - start
    info = {
        "heldout_accuracy": accuracy,
        "heldout_size": eval_size,
        "train_seconds": round(seconds, 1),
        "train_config": json.dumps(c | {"steps": steps, "seed": seed}, sort_keys=True),
        "command": f"rnncourse.data.dates.train_live({attention!r}, steps={steps}, seed={seed})",
    }
    return LiveRun(date_model._replace(info=info), accuracy, seconds, eval_seconds, history)
