"""A character-level language model: read text one character at a time, predict the next.

Shapes use the course's letters: N streams, T time steps, V characters in the vocabulary
(the input size D and the output size K are both V), H hidden units, L characters of text.

The model is :class:`rnncourse.train.Model`: a cell (RNN, LSTM or GRU) and an output layer
``s_t = h_t W_hy + b_y`` giving one score per character, (N, V). Its input x_t is the
**one-hot** vector of the current character, (N, V), and ``x_t W_xh`` is then row ``c`` of
W_xh when the character is c: a one-hot input times a matrix is a row lookup, which is what
an **embedding** is (:func:`embedding_forward`; same numbers, no multiplication). Training
is :func:`rnncourse.train.train` with softmax cross-entropy, the next character as the label
of every step, and stateful truncated BPTT over long streams of text
(:func:`rnncourse.data.text.split_into_streams`).

- Sampling: :func:`softmax_with_temperature`, :func:`sample_with_temperature`,
  :func:`generate` (deterministic for a seed).
- Watching it learn: :class:`SamplePrinter`, a callback for :func:`rnncourse.train.train`
  that samples (and prints) a few characters every ``every`` steps, at a fixed temperature
  and seed, so the text can be seen emerging as the loss falls.
- Evaluation: :func:`target_probabilities` and :func:`perplexity`, ``exp`` of the mean
  cross-entropy: a model that guesses uniformly among V characters has perplexity V.
- Reading ids through an embedding instead: :func:`init_model` with ``D`` gives a model with
  an embedding matrix ``E`` (V, D) among its params (:func:`rnncourse.train.init_model` with
  ``V``); :func:`rnncourse.train.train` trains it on the ids themselves, (N, T), and ``dE``
  comes from the cell's input gradients. Every function below takes either kind of model.
- Chapter 10's full run in one call: :func:`numbers_data` and :func:`train_numbers`
  (:data:`NUMBERS_RUN`), and :func:`number_lines`, which counts the sampled lines that name a
  number.
- Files: :func:`save_model` and :func:`load_model` (``.npz``, never pickle);
  :func:`load_pretrained` loads the models shipped in ``rnncourse/weights``
  (:data:`PRETRAINED`, made by ``scripts/train_charlm.py``).
- Karpathy's min-char-rnn (2015), written out faithfully with column vectors and a batch of
  one, as a reference: :func:`min_char_rnn`, :func:`min_char_rnn_loss`,
  :func:`min_char_rnn_sample`, and :func:`min_char_rnn_to_model` to map its parameters
  onto ours (its matrices are the transposes of ours).
"""

import json
import zipfile
import zlib
from pathlib import Path
from typing import NamedTuple

import numpy as np

from . import gru, lstm, optim, rnn, train
from ._validate import require_float_array, require_positive_int
from .activations import log_softmax, softmax
from .data import text as text_data
from .data.text import Vocabulary, split_into_streams

__all__ = [
    "FILE_FORMAT",
    "MinCharRNN",
    "NumbersData",
    "PRETRAINED",
    "SamplePrinter",
    "embedding_backward",
    "embedding_forward",
    "NUMBERS_RUN",
    "generate",
    "init_model",
    "input_size",
    "load_model",
    "load_pretrained",
    "min_char_rnn",
    "min_char_rnn_loss",
    "min_char_rnn_sample",
    "min_char_rnn_to_model",
    "next_char_probabilities",
    "number_lines",
    "numbers_data",
    "one_hot",
    "perplexity",
    "sample_with_temperature",
    "save_model",
    "softmax_with_temperature",
    "target_probabilities",
    "train_numbers",
    "vocab_size",
]

#: The ``format`` entry of a file written by :func:`save_model`.
FILE_FORMAT = "rnncourse-charlm-1"

#: The shipped models: name -> file in ``rnncourse/weights`` (see ``scripts/train_charlm.py``).
PRETRAINED = {
    "numbers": "charlm_numbers.npz",  # chapter 10's full run on the number words
    "docstrings": "charlm_docstrings.npz",  # a longer run on text.stdlib_docstrings()
}

_WEIGHTS = Path(__file__).resolve().parent / "weights"

_CELL_SHAPES = {"rnn": rnn.PARAM_SHAPES, "lstm": lstm.PARAM_SHAPES, "gru": gru.PARAM_SHAPES}
_INPUT_WEIGHT = {"rnn": "W_xh", "lstm": "W_x", "gru": "W_x"}
_ENTRIES = ("format", "cell", "options", "vocab")  # besides params/<key>


# ---------------------------------------------------------------- inputs: one-hot, embedding


def _check_ids(name, ids, V=None):
    ids = np.asarray(ids)
    if ids.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer indices, but has dtype {ids.dtype}.")
    if V is not None and ids.size and (ids.min() < 0 or ids.max() >= V):
        raise ValueError(f"{name} must be in [0, V) = [0, {V}), but has {ids.min()}..{ids.max()}.")
    return ids


def one_hot(ids, V, dtype=np.float64):
    """Indices of any shape (...) -> one-hot vectors (..., V): 1 at the index, 0 elsewhere."""
    V = require_positive_int("V", V)
    ids = _check_ids("ids", ids, V)
    x = np.zeros(ids.shape + (V,), dtype=dtype)
    np.put_along_axis(x, ids[..., None], 1, axis=-1)  # a 1 at each index
    return x


def embedding_forward(ids, E):
    """Look up the rows of an embedding matrix: ``x[n, t] = E[ids[n, t]]``.

    Inputs:
    - ids: character indices, int (N, T) (any shape works)
    - E: the embedding matrix, (V, D): row c is the vector of character c

    Returns x (N, T, D): the same numbers as ``one_hot(ids, V) @ E``, without building the
    one-hot vectors and without the multiplication by their zeros.
    """
    require_float_array("E", E)
    if E.ndim != 2:
        raise ValueError(f"E must have 2 dimensions (V, D), but has shape {E.shape}.")
    ids = _check_ids("ids", ids, E.shape[0])
    return E[ids]  # (N, T) -> (N, T, D)


def embedding_backward(dx, ids, V):
    """Gradient of :func:`embedding_forward` with respect to E.

    Inputs: dx (N, T, D), the gradient with respect to x; ids (N, T); V, the rows of E.
    Returns dE (V, D): row c is the sum of dx over every step whose character is c (a
    character that occurs several times gets all its gradients added up; one that does not
    occur gets zeros). It equals ``one_hot(ids, V).reshape(-1, V).T @ dx.reshape(-1, D)``.
    """
    require_float_array("dx", dx)
    V = require_positive_int("V", V)
    ids = _check_ids("ids", ids, V)
    if dx.shape[:-1] != ids.shape:
        raise ValueError(
            f"dx has shape {dx.shape}, but ids has shape {ids.shape}: dx must be "
            f"{ids.shape + (dx.shape[-1],)}, one vector per index."
        )
    dE = np.zeros((V, dx.shape[-1]), dtype=dx.dtype)
    np.add.at(dE, ids.reshape(-1), dx.reshape(-1, dx.shape[-1]))  # (N*T, D) rows added at ids
    return dE


# ---------------------------------------------------------------- sampling


def _check_temperature(temperature):
    if isinstance(temperature, bool) or not isinstance(
        temperature, int | float | np.integer | np.floating
    ):
        raise TypeError(f"temperature must be a number, but got {type(temperature).__name__}.")
    if not np.isfinite(temperature) or temperature < 0:
        raise ValueError(
            f"temperature must be a finite number >= 0 (0 means greedy), but got {temperature}."
        )
    return float(temperature)


def softmax_with_temperature(scores, temperature):
    """The probabilities ``softmax(scores / temperature)`` over the last axis.

    Inputs:
    - scores: the output layer's scores, (..., V), e.g. (V,) for one step
    - temperature: tau >= 0. tau = 1 gives the model's own probabilities; tau < 1 sharpens
      them (tau -> 0: all the mass on the highest score); tau > 1 flattens them (tau -> inf:
      uniform). tau = 0 is taken as that limit: 1 for the highest score (the first one, on
      ties), 0 for the others (greedy decoding).

    Returns probabilities (..., V), each row summing to 1. The largest score is subtracted
    *before* dividing by tau, so no exponent is positive and nothing overflows, however
    small tau is.
    """
    require_float_array("scores", scores)
    temperature = _check_temperature(temperature)
    if temperature == 0:
        return one_hot(np.argmax(scores, axis=-1), scores.shape[-1], scores.dtype)
    shifted = scores - np.max(scores, axis=-1, keepdims=True)  # <= 0, the largest is 0
    return softmax(shifted / temperature)


def sample_with_temperature(scores, temperature, rng):
    """Draw the index of the next character from ``softmax(scores / temperature)``.

    Inputs:
    - scores: one step's scores, (V,)
    - temperature: tau >= 0 (see :func:`softmax_with_temperature`; 0 is greedy)
    - rng: a ``numpy.random.Generator``: the same seed draws the same characters

    Returns ``(index, probs)``: the index drawn, an int in [0, V), and the probabilities it
    was drawn from, (V,).
    """
    require_float_array("scores", scores)
    if scores.ndim != 1:
        raise ValueError(f"scores must be one step's scores (V,), but has shape {scores.shape}.")
    probs = softmax_with_temperature(scores, temperature)
    index = int(rng.choice(len(probs), p=probs))  # one draw: P(index = c) = probs[c]
    return index, probs


def input_size(model):
    """The input size D of a model's cell (V for a character model)."""
    return model.params[_INPUT_WEIGHT[model.cell]].shape[0]


def init_model(cell, V, H, rng, *, D=None, dtype=np.float64, **options):
    """A new character model for V characters with H hidden units.

    Without ``D``: the one-hot model of this chapter, ``train.init_model(cell, V, H, V, rng)``
    (the cell reads one-hot vectors, (N, T, V)). With ``D``: a model that reads the ids
    (N, T) through an embedding ``E`` (V, D), ``train.init_model(cell, D, H, V, rng, V=V)``.
    ``options`` go to :func:`rnncourse.train.init_model`.
    """
    V = require_positive_int("V", V)
    if D is None:
        return train.init_model(cell, V, H, V, rng, dtype=dtype, **options)
    return train.init_model(cell, require_positive_int("D", D), H, V, rng, V=V, dtype=dtype,
                            **options)  # fmt: skip


def vocab_size(model):
    """The V characters a character model reads: E's rows, or the one-hot input size."""
    return model.params["E"].shape[0] if "E" in model.params else input_size(model)


def _inputs(model, ids):
    """What the model reads for the ids (N, T): the ids themselves (embedding) or one-hot."""
    if "E" in model.params:
        return ids
    return one_hot(ids, input_size(model), model.params["W_hy"].dtype)  # (N, T, V)


def _check_model_vocab(model, vocab):
    if not isinstance(model, train.Model):
        raise TypeError(f"model must be a rnncourse.train.Model, but got {type(model).__name__}.")
    if not isinstance(vocab, Vocabulary):
        raise TypeError(f"vocab must be a Vocabulary, but got {type(vocab).__name__}.")
    D, K, V = vocab_size(model), model.params["W_hy"].shape[1], len(vocab)
    if D != V or K != V:
        raise ValueError(
            f"the model reads D={D} and predicts K={K} characters, but the vocabulary has "
            f"V={V}: a character model needs D = K = V (use the vocabulary it was trained with)."
        )


def _prompt_ids(vocab, prompt):
    """The prompt's indices; an empty prompt starts a new line ("\\n"), or the first char."""
    if not isinstance(prompt, str):
        raise TypeError(f"prompt must be a str, but got {type(prompt).__name__}.")
    if not prompt:
        prompt = "\n" if "\n" in vocab else vocab.chars[0]
    return vocab.encode(prompt)


def _read(model, ids, state, V):
    """Run the model over the indices ``ids`` (T,) from ``state``; last scores (V,), state."""
    x = _inputs(model, ids[None, :])  # (1, T, V) one-hot, or the ids (1, T)
    scores, state, _ = train.forward(model, x, state)
    return scores[0, -1], state


def next_char_probabilities(model, vocab, prompt, temperature=1.0):
    """The probabilities of the character after ``prompt``, at ``temperature``: (V,)."""
    _check_model_vocab(model, vocab)
    scores, _ = _read(model, _prompt_ids(vocab, prompt), train.zero_state(model, 1), len(vocab))
    return softmax_with_temperature(scores, temperature)


def generate(model, vocab, prompt="", n_chars=100, temperature=1.0, seed=0):
    """Sample ``n_chars`` characters that follow ``prompt``, one at a time.

    The model reads the prompt from the zero state, then repeatedly draws the next character
    with :func:`sample_with_temperature` and reads it back in. An empty prompt starts a new
    line. Same arguments, same text: the draws come from ``np.random.default_rng(seed)``.

    Returns the generated text (without the prompt). A prompt character that is not in the
    vocabulary raises ValueError.
    """
    _check_model_vocab(model, vocab)
    n_chars = require_positive_int("n_chars", n_chars)
    temperature = _check_temperature(temperature)
    rng = np.random.default_rng(seed)
    V = len(vocab)
    scores, state = _read(model, _prompt_ids(vocab, prompt), train.zero_state(model, 1), V)
    out = []
    for k in range(n_chars):
        index, _ = sample_with_temperature(scores, temperature, rng)
        out.append(index)
        if k < n_chars - 1:
            scores, state = _read(model, np.array([index]), state, V)
    return vocab.decode(out)


# ---------------------------------------------------------------- watching it learn


class SamplePrinter:
    """A callback for :func:`rnncourse.train.train`: a sample every ``every`` steps.

    ``train.train(model, x, y, opt, callback=SamplePrinter(model, vocab, every=100))``
    prints, after steps 100, 200, ... (or after the steps listed in ``at``, e.g.
    ``at=(10, 50, 200, 1000)``: early steps change most), the step, its loss and ``n_chars``
    characters that :func:`generate` writes after ``prompt`` at ``temperature`` from the
    same ``seed`` each time, so only the weights change from one sample to the next: the
    classic progression from noise to words. :meth:`show` adds a sample outside training
    (``show(0)`` before it starts).

    Inputs:
    - model, vocab: the model being trained (read at each sample, never changed) and its
      vocabulary
    - every: steps between samples, a positive int; or None, and ``at``: the steps after
      which to sample (a sequence of positive ints)
    - prompt, n_chars, temperature, seed: as in :func:`generate`
    - out: called with each formatted sample (``print`` by default; None: print nothing,
      only record)
    - then: another callback (e.g. a ``LiveLossCurve``) called with every step first

    ``samples`` holds ``(step, loss, text)`` for every sample, in order (loss is None for
    :meth:`show` without a loss). Sampling does not touch the training's random numbers, so
    training with or without the printer gives the same model.
    """

    def __init__(
        self, model, vocab, every=None, *, at=None, prompt="", n_chars=80, temperature=0.8,
        seed=0, out=print, then=None,
    ):  # fmt: skip
        _check_model_vocab(model, vocab)
        if (every is None) == (at is None):
            raise ValueError(
                "give either every (sample every k steps) or at (the steps to sample after), "
                f"not {'both' if at is not None else 'neither'}."
            )
        self.every = None if every is None else require_positive_int("every", every)
        if isinstance(at, str | bytes) or (at is not None and not hasattr(at, "__iter__")):
            raise TypeError(f"at must be a sequence of step numbers, but got {type(at).__name__}.")
        self.at = None if at is None else {require_positive_int("at's steps", k) for k in at}
        self.n_chars = require_positive_int("n_chars", n_chars)
        self.temperature = _check_temperature(temperature)
        _prompt_ids(vocab, prompt)  # an unknown character stops here, not during training
        if out is not None and not callable(out):
            raise TypeError(f"out must be callable or None, but got {type(out).__name__}.")
        if then is not None and not callable(then):
            raise TypeError(f"then must be callable or None, but got {type(then).__name__}.")
        self.model, self.vocab, self.prompt, self.seed = model, vocab, prompt, seed
        self.out, self.then = out, then
        self.samples = []

    def __call__(self, step):
        if self.then is not None:
            self.then(step)
        if (step.step in self.at) if self.every is None else (step.step % self.every == 0):
            self.show(step.step, step.loss)

    def show(self, step, loss=None):
        """Sample now; record it, print it (through ``out``) and return its text."""
        sample = generate(
            self.model, self.vocab, self.prompt, self.n_chars, self.temperature, self.seed
        )
        self.samples.append((int(step), None if loss is None else float(loss), sample))
        if self.out is not None:
            self.out(self.format(step, loss, sample))
        return sample

    def format(self, step, loss, sample):
        """One sample as printed: a header line, then the prompt and text, indented."""
        head = f"step {step}" + ("" if loss is None else f", loss {loss:.3f}")
        body = (self.prompt + sample).rstrip("\n").replace("\n", "\n    ")
        return f"{head}:\n    {body}"


# ---------------------------------------------------------------- evaluation


def target_probabilities(model, ids, N=1):
    """The probability the model gives to each true next character of a text.

    Inputs:
    - model: a character model (D = K = V)
    - ids: the encoded text, int (L,)
    - N: read the text as N streams side by side (faster; each stream starts from the zero
      state), see :func:`rnncourse.data.text.split_into_streams`

    Returns p_true (N, T): ``p_true[n, t]`` is the softmax probability of the character that
    really comes next. Its mean ``-log`` is the cross-entropy loss; :func:`perplexity` of it
    is the model's perplexity on the text.
    """
    V = vocab_size(model)
    inputs, targets = split_into_streams(_check_ids("ids", ids, V), N)
    scores, _, _ = train.forward(model, _inputs(model, inputs))
    logp = log_softmax(scores)  # (N, T, V)
    return np.exp(np.take_along_axis(logp, targets[..., None], axis=-1)[..., 0])  # (N, T)


def perplexity(p_true):
    """Perplexity from the probabilities a model gave to the true tokens (any shape).

    ``exp(mean(-ln p))``: the exponential of the mean cross-entropy in nats, which is the
    inverse of the geometric mean of the probabilities. A model that gives every one of V
    tokens probability 1/V has perplexity V; a model that is always sure and right, 1.
    A probability of 0 gives infinity.
    """
    p = np.asarray(p_true, dtype=np.float64)
    if p.size == 0:
        raise ValueError("p_true is empty: perplexity needs at least one probability.")
    if not np.all((p >= 0) & (p <= 1)):  # also False for NaN
        raise ValueError("p_true must hold probabilities in [0, 1] (no NaN).")
    with np.errstate(divide="ignore"):  # log(0) = -inf: perplexity infinity
        return float(np.exp(-np.mean(np.log(p))))


# ---------------------------------------------------------------- chapter 10's full run

#: Chapter 10's full run (section 7) on the number words, as its cells and
#: ``scripts/train_charlm.py`` do it: N streams, chunks of seq_len steps, stateful truncated
#: BPTT, Adam, clipping by the global norm. Validation perplexity about 1.36 after 10 passes.
NUMBERS_RUN = {"cell": "rnn", "H": 128, "N": 32, "seq_len": 25, "epochs": 10, "lr": 0.01,
               "max_norm": 5.0, "seed": 1}  # fmt: skip


class NumbersData(NamedTuple):
    """Chapter 10's number-word corpus: the texts, their vocabulary and the streams."""

    train_text: str
    valid_text: str
    valid_numbers: np.ndarray  # the held-out numbers (none of them is in train_text)
    vocab: Vocabulary
    inputs: np.ndarray  # (N, T) ids of the N streams of train_text
    targets: np.ndarray  # (N, T) the next character of each


def numbers_data(N=NUMBERS_RUN["N"]):
    """The corpus of chapter 10's sections 1 and 6: 4,000 training lines and 300 validation
    lines of held-out numbers (seeds 0, 1, 2), split into N streams."""
    train_numbers, valid_numbers = text_data.split_numbers(np.random.default_rng(0))
    train_text = text_data.number_corpus(train_numbers, 4000, np.random.default_rng(1))
    valid_text = text_data.number_corpus(valid_numbers, 300, np.random.default_rng(2))
    vocab = Vocabulary.from_text(train_text + valid_text)
    inputs, targets = split_into_streams(vocab.encode(train_text), N)
    return NumbersData(train_text, valid_text, valid_numbers, vocab, inputs, targets)


def train_numbers(data=None, *, D=None, epochs=None, dtype=np.float64, progress=False,
                  callback=None):  # fmt: skip
    """Chapter 10's full run (:data:`NUMBERS_RUN`) through :func:`rnncourse.train.train`.

    Inputs: ``data`` from :func:`numbers_data` (made if None); ``D``: None for the chapter's
    one-hot model, or an embedding size (the model then reads the ids through E (V, D));
    ``epochs`` (10 by default), ``dtype``, ``progress`` and ``callback`` as in ``train``.

    Returns ``(model, history)``.
    """
    data = numbers_data() if data is None else data
    run = NUMBERS_RUN
    V = len(data.vocab)
    model = init_model(run["cell"], V, run["H"], np.random.default_rng(run["seed"]), D=D,
                       dtype=dtype)  # fmt: skip
    history = train.train(
        model, _inputs(model, data.inputs), data.targets, optim.Adam(run["lr"]),
        epochs=run["epochs"] if epochs is None else epochs, seq_len=run["seq_len"],
        stateful=True, max_norm=run["max_norm"], progress=progress, callback=callback,
    )  # fmt: skip
    return model, history


def number_lines(model, vocab, n_chars=3000, temperature=1.0, seed=1):
    """Sample ``n_chars`` characters and count its lines: ``(complete lines, lines that name
    a number)`` (:func:`rnncourse.data.text.parse_number_words`), as chapter 10 counts them."""
    lines = generate(model, vocab, "", n_chars, temperature, seed).split("\n")[:-1]
    named = [n for n in map(text_data.parse_number_words, lines) if n is not None]
    return len(lines), len(named)


# ---------------------------------------------------------------- saving and loading


def save_model(path, model, vocab):
    """Save a character model and its vocabulary to ``path`` (a ``.npz`` file).

    The file holds plain arrays only: ``params/<key>`` for every parameter, ``cell``,
    ``options`` (JSON), ``vocab`` (the characters' Unicode code points, int) and ``format``
    (:data:`FILE_FORMAT`), so :func:`load_model` never needs pickle.
    """
    _check_model_vocab(model, vocab)
    arrays = {f"params/{key}": value for key, value in model.params.items()}
    arrays["cell"] = np.array(model.cell)
    arrays["options"] = np.array(json.dumps(model.options, sort_keys=True))
    arrays["vocab"] = np.array([ord(c) for c in vocab.chars], dtype=np.int64)
    arrays["format"] = np.array(FILE_FORMAT)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:  # a file object, so numpy does not append ".npz"
        np.savez_compressed(f, **arrays)


def _string(contents, key, path):
    value = contents[key]
    if value.shape != () or value.dtype.kind != "U":
        raise ValueError(f"{path}: the entry {key!r} must be a string, but is {value.dtype}.")
    return str(value)


def load_model(path):
    """Load a model saved by :func:`save_model`; returns ``(model, vocab)``.

    Reads with ``allow_pickle=False``. Raises FileNotFoundError when there is no file, and
    ValueError naming the file when it is not such a model: not a readable ``.npz``
    (truncated, corrupt), arrays that need pickle, missing or unexpected entries, or
    parameters whose shapes do not fit each other and the vocabulary.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {path}.")
    if not zipfile.is_zipfile(path):  # an .npz is a zip archive; np.load would try pickle
        raise ValueError(
            f"{path} is not a readable .npz model file: it is not a zip archive (truncated, "
            "corrupt, or another kind of file). Save the model again with charlm.save_model."
        )
    try:
        with np.load(path, allow_pickle=False) as data:
            contents = {name: data[name] for name in data.files}
    except ValueError as exc:
        if "allow_pickle" in str(exc):
            raise ValueError(
                f"{path} holds Python objects that only pickle can load; load_model refuses "
                "them (unpickling can run code). Save the model with charlm.save_model."
            ) from None
        raise ValueError(f"{path} is not a readable .npz model file ({exc}).") from exc
    except (OSError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as exc:
        raise ValueError(
            f"{path} is not a readable .npz model file ({type(exc).__name__}: {exc}); it may "
            "be truncated or corrupt. Save the model again with charlm.save_model."
        ) from exc
    missing = [k for k in _ENTRIES if k not in contents]
    if missing:
        raise ValueError(
            f"{path} is not a character model saved by charlm.save_model: it has no "
            f"{', '.join(repr(k) for k in missing)} entry."
        )
    if _string(contents, "format", path) != FILE_FORMAT:
        raise ValueError(f"{path} has format {str(contents['format'])!r}, not {FILE_FORMAT!r}.")
    cell = _string(contents, "cell", path)
    if cell not in _CELL_SHAPES:
        raise ValueError(f"{path}: unknown cell {cell!r}; expected one of {sorted(_CELL_SHAPES)}.")
    try:
        options = json.loads(_string(contents, "options", path))
        codes = contents["vocab"]
        if codes.ndim != 1 or codes.dtype.kind not in "iu":
            raise ValueError(f"'vocab' must be a 1-D integer array, but is {codes.dtype}")
        vocab = Vocabulary(chr(int(c)) for c in codes)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValueError(f"{path}: the 'options' or 'vocab' entry is not valid ({exc}).") from exc
    params = {k[len("params/") :]: v for k, v in contents.items() if k.startswith("params/")}
    wanted = [*_CELL_SHAPES[cell], "W_hy", "b_y"] + (["E"] if "E" in params else [])
    missing = [k for k in wanted if k not in params]
    extra = sorted(k for k in contents if k not in _ENTRIES and not k.startswith("params/"))
    extra += [f"params/{k}" for k in params if k not in wanted]
    if missing or extra:
        parts = [f"missing params {missing}"] if missing else []
        parts += [f"unexpected entries {extra}"] if extra else []
        raise ValueError(f"{path} does not hold a {cell} character model: {'; '.join(parts)}.")
    model = train.Model(cell, params, options)
    try:
        _check_params(model, len(vocab))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path} does not hold a consistent model: {exc}") from exc
    return model, vocab


def load_pretrained(name):
    """A shipped model, ``(model, vocab)``: one of :data:`PRETRAINED` ("numbers", "docstrings").

    Read with :func:`load_model` (``allow_pickle=False``). ``scripts/train_charlm.py`` made
    the files, with fixed seeds, and can make them again.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, but got {type(name).__name__}.")
    if name not in PRETRAINED:
        raise ValueError(f"name must be one of {sorted(PRETRAINED)}, but got {name!r}.")
    return load_model(_WEIGHTS / PRETRAINED[name])


def _check_params(model, V):
    """Every parameter a finite float array of the right shape, for D = K = V (or, with an
    embedding E (V, D), K = V)."""
    from ._validate import require_params, require_shape

    sizes = require_params(model.params, _CELL_SHAPES[model.cell], model.cell.upper())
    H = model.params["W_hh" if model.cell == "rnn" else "W_h"].shape[0]
    if "E" in model.params:
        require_float_array("params['E']", model.params["E"])
        require_shape("params['E']", model.params["E"], (V, sizes["D"]), "(V, D)")
    elif sizes["D"] != V:
        raise ValueError(f"the input weights have D={sizes['D']} rows, but the vocabulary V={V}.")
    require_float_array("params['W_hy']", model.params["W_hy"])
    require_shape("params['W_hy']", model.params["W_hy"], (H, V), "(H, V)")
    require_float_array("params['b_y']", model.params["b_y"])
    require_shape("params['b_y']", model.params["b_y"], (V,), "(V,)")


# ---------------------------------------------------------------- min-char-rnn (Karpathy 2015)


class MinCharRNN(NamedTuple):
    """What :func:`min_char_rnn` returns."""

    params: dict  # Wxh (H, V), Whh (H, H), Why (V, H), bh (H, 1), by (V, 1): column vectors
    hprev: np.ndarray  # (H, 1), the hidden state after the last chunk
    loss: list  # per iteration: the loss summed over the seq_length steps of the chunk
    smooth_loss: list  # per iteration: the running average min-char-rnn prints


def min_char_rnn_loss(inputs, targets, hprev, params):
    """min-char-rnn's ``lossFun``: forward and backward over one chunk, batch of one.

    Inputs: ``inputs`` and ``targets``, lists of seq_length character indices; hprev (H, 1);
    params with Wxh (H, V), Whh (H, H), Why (V, H), bh (H, 1), by (V, 1).

    Returns ``loss, grads, h``: the loss *summed* over the chunk, the gradients (dict, the
    keys of params, each clipped to [-5, 5] entry by entry) and the last hidden state (H, 1).
    Column vectors as in the original: h_t = tanh(Wxh x_t + Whh h_{t-1} + bh).
    """
    Wxh, Whh, Why, bh, by = (params[k] for k in ("Wxh", "Whh", "Why", "bh", "by"))
    V = Why.shape[0]
    xs, hs, ys, ps = {}, {}, {}, {}
    hs[-1] = np.copy(hprev)
    loss = 0
    # forward pass
    for t in range(len(inputs)):
        xs[t] = np.zeros((V, 1))  # encode in 1-of-k representation
        xs[t][inputs[t]] = 1
        hs[t] = np.tanh(np.dot(Wxh, xs[t]) + np.dot(Whh, hs[t - 1]) + bh)  # hidden state
        ys[t] = np.dot(Why, hs[t]) + by  # unnormalized log probabilities for next chars
        ps[t] = np.exp(ys[t]) / np.sum(np.exp(ys[t]))  # probabilities (no max shift, as written)
        loss += -np.log(ps[t][targets[t], 0])  # softmax (cross-entropy loss)
    # backward pass: compute gradients going backwards
    dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
    dbh, dby = np.zeros_like(bh), np.zeros_like(by)
    dhnext = np.zeros_like(hs[0])
    for t in reversed(range(len(inputs))):
        dy = np.copy(ps[t])
        dy[targets[t]] -= 1  # backprop into y: softmax minus one-hot
        dWhy += np.dot(dy, hs[t].T)
        dby += dy
        dh = np.dot(Why.T, dy) + dhnext  # backprop into h
        dhraw = (1 - hs[t] * hs[t]) * dh  # backprop through tanh nonlinearity
        dbh += dhraw
        dWxh += np.dot(dhraw, xs[t].T)
        dWhh += np.dot(dhraw, hs[t - 1].T)
        dhnext = np.dot(Whh.T, dhraw)
    for dparam in [dWxh, dWhh, dWhy, dbh, dby]:
        np.clip(dparam, -5, 5, out=dparam)  # clip to mitigate exploding gradients
    grads = {"Wxh": dWxh, "Whh": dWhh, "Why": dWhy, "bh": dbh, "by": dby}
    return float(loss), grads, hs[len(inputs) - 1]


def min_char_rnn_sample(params, h, seed_ix, n, rng):
    """min-char-rnn's ``sample``: ``n`` indices drawn one at a time (temperature 1).

    h (H, 1) is the state to start from and ``seed_ix`` the first input; ``rng`` replaces
    the original's global ``np.random``. Returns a list of n indices.
    """
    Wxh, Whh, Why, bh, by = (params[k] for k in ("Wxh", "Whh", "Why", "bh", "by"))
    V = Why.shape[0]
    x = np.zeros((V, 1))
    x[seed_ix] = 1
    ixes = []
    for _ in range(n):
        h = np.tanh(np.dot(Wxh, x) + np.dot(Whh, h) + bh)
        y = np.dot(Why, h) + by
        p = np.exp(y) / np.sum(np.exp(y))
        ix = rng.choice(range(V), p=p.ravel())
        x = np.zeros((V, 1))
        x[ix] = 1
        ixes.append(int(ix))
    return ixes


def min_char_rnn(
    data, V, hidden_size=100, seq_length=25, learning_rate=1e-1, n_iterations=1000, seed=0
):
    """Karpathy's min-char-rnn (2015), its training loop written out as in the original.

    One sequence (a batch of one), column vectors, chunks of ``seq_length`` characters
    walked through the text in order with the hidden state carried from chunk to chunk
    (reset to zeros at the start and whenever the text runs out), gradients clipped to
    [-5, 5] entry by entry, and Adagrad with learning rate 0.1. Weights start as
    ``0.01 * standard normal``, biases at zero. Differences from the original: it stops
    after ``n_iterations`` instead of running for ever, it takes the encoded text and V
    instead of reading input.txt, draws from ``np.random.default_rng(seed)``, and does not
    print samples.

    Inputs:
    - data: the encoded text, int (L,)
    - V: the vocabulary size
    - hidden_size (H), seq_length, learning_rate, n_iterations: as named

    Returns a :class:`MinCharRNN`. :func:`min_char_rnn_to_model` turns its params into a
    :class:`rnncourse.train.Model`, to sample or evaluate with this module's functions.
    """
    data = _check_ids("data", data, V)
    hidden_size = require_positive_int("hidden_size", hidden_size)
    seq_length = require_positive_int("seq_length", seq_length)
    n_iterations = require_positive_int("n_iterations", n_iterations)
    if data.ndim != 1 or len(data) < seq_length + 2:
        raise ValueError(
            f"data must be a 1-D array of more than seq_length + 1 = {seq_length + 1} indices, "
            f"but has shape {data.shape}."
        )
    rng = np.random.default_rng(seed)
    params = {
        "Wxh": rng.standard_normal((hidden_size, V)) * 0.01,  # input to hidden
        "Whh": rng.standard_normal((hidden_size, hidden_size)) * 0.01,  # hidden to hidden
        "Why": rng.standard_normal((V, hidden_size)) * 0.01,  # hidden to output
        "bh": np.zeros((hidden_size, 1)),  # hidden bias
        "by": np.zeros((V, 1)),  # output bias
    }
    mem = {k: np.zeros_like(v) for k, v in params.items()}  # memory variables for Adagrad
    smooth_loss = -np.log(1.0 / V) * seq_length  # loss at iteration 0
    losses, smooth_losses = [], []
    p = 0
    hprev = np.zeros((hidden_size, 1))
    for n in range(n_iterations):
        # prepare inputs (we're sweeping from left to right in steps seq_length long)
        if p + seq_length + 1 >= len(data) or n == 0:
            hprev = np.zeros((hidden_size, 1))  # reset RNN memory
            p = 0  # go from start of data
        inputs = data[p : p + seq_length]
        targets = data[p + 1 : p + seq_length + 1]
        # forward seq_length characters through the net and fetch gradient
        loss, grads, hprev = min_char_rnn_loss(inputs, targets, hprev, params)
        smooth_loss = smooth_loss * 0.999 + loss * 0.001
        # perform parameter update with Adagrad
        for key in params:
            mem[key] += grads[key] * grads[key]
            params[key] += -learning_rate * grads[key] / np.sqrt(mem[key] + 1e-8)
        losses.append(loss)
        smooth_losses.append(float(smooth_loss))
        p += seq_length  # move data pointer
    return MinCharRNN(params, hprev, losses, smooth_losses)


def min_char_rnn_to_model(params):
    """min-char-rnn's column-vector params as a row-vector :class:`rnncourse.train.Model`.

    ``h_t = tanh(Wxh x_t + Whh h_{t-1} + bh)`` with column vectors is
    ``h_t = tanh(x_t W_xh + h_{t-1} W_hh + b_h)`` with rows when W_xh = Wxh.T (V, H),
    W_hh = Whh.T, b_h = bh[:, 0], and likewise W_hy = Why.T (H, V), b_y = by[:, 0].
    The arrays are copies.
    """
    return train.Model(
        "rnn",
        {
            "W_xh": params["Wxh"].T.copy(),  # (H, V) -> (V, H)
            "W_hh": params["Whh"].T.copy(),
            "b_h": params["bh"][:, 0].copy(),  # (H, 1) -> (H,)
            "W_hy": params["Why"].T.copy(),  # (V, H) -> (H, V)
            "b_y": params["by"][:, 0].copy(),
        },
    )
