"""Training a cell on the long-range tasks of :mod:`rnncourse.data.long_range`.

Shapes use the course's letters: N sequences, T time steps, D input features, H hidden
units, K outputs. The model is :class:`rnncourse.train.Model`: a cell (``"rnn"``, ``"lstm"``
or ``"gru"``) and a linear output layer ``y_t = h_t W_hy + b_y``. What differs from
:func:`rnncourse.train.train` is what the loss looks at:

- ``readout="last"``: only the output after the last step counts, scores (N, K) against
  targets (N, K). The adding problem asks for one number at the end of the sequence.
- ``readout="every"``: every step's output counts, scores (N, T, K), except the steps a
  ``mask`` (N, T) leaves out. The copy task scores only its recall steps; embedded Reber
  strings have different lengths and are padded.

And every training step draws a **new** batch from the task's generator (the tasks are
infinite), while a fixed evaluation batch measures progress. The training loop is
:func:`rnncourse.train.train`, chapter 7's, with the task's generator as its batch source:
forward, loss, backward through the whole sequence (full BPTT), clipping by the global norm,
the optimiser's update.

A :class:`Task` bundles what a task needs: its sizes, its generator, its loss and its
metrics. :func:`adding_task`, :func:`copy_task` and :func:`reber_task` make them.
"""

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from . import deep, layers, losses, optim, train
from . import fast as fast_cells
from ._validate import require_positive_int
from .activations import sigmoid
from .data import long_range as data


def sigmoid_cross_entropy(scores, y, mask=None):
    """Binary cross-entropy of independent sigmoid outputs, for multi-label targets.

    Each of the K outputs answers a yes/no question (for the Reber grammar: "may this symbol
    come next?"), with probability ``p = sigmoid(score)``.

    Inputs:
    - scores: (N, T, K) (or (N, K)); y: 0/1 targets of the same shape
    - mask: optional 0/1 array (N, T) (or (N,)): which steps count

    Returns:
    - loss: over the counted steps, the mean of the sum over K of
      ``-(y log p + (1 - y) log(1 - p))``
    - dscores: its gradient, ``(p - y) / count`` at the counted steps, 0 elsewhere
    """
    if scores.shape != np.shape(y):
        raise ValueError(f"y has shape {np.shape(y)}, but must match scores {scores.shape}.")
    m = np.ones(scores.shape[:-1]) if mask is None else np.asarray(mask, dtype=scores.dtype)
    count = m.sum()
    # log(1 + exp(-|s|)) + max(s, 0) - s y: the same value, without overflow for large |s|
    per_entry = np.log1p(np.exp(-np.abs(scores))) + np.maximum(scores, 0) - scores * y
    loss = float(np.sum(per_entry.sum(axis=-1) * m) / count)
    dscores = (sigmoid(scores) - y) * (m / count)[..., None]
    return loss, dscores.astype(scores.dtype, copy=False)


#: The losses a task can use: name -> function(scores, y, mask) -> (loss, dscores).
LOSSES = {
    "mse": losses.mse_loss,
    "cross_entropy": losses.softmax_cross_entropy,
    "sigmoid_cross_entropy": sigmoid_cross_entropy,
}


class Batch(NamedTuple):
    """One batch of a task: inputs x (N, T, D), targets y, and the mask (None: all count)."""

    x: np.ndarray
    y: np.ndarray
    mask: np.ndarray | None


@dataclass(frozen=True)
class Task:
    """A long-range task: its sizes, its data and how to score a model on it.

    - name: e.g. ``"adding T=50"``
    - D, K: input features and outputs per step
    - sample: ``sample(N, rng) -> Batch``, a new batch from the task's generator
    - loss: a key of :data:`LOSSES`
    - readout: ``"last"`` (one output after the last step) or ``"every"`` (every step)
    - metrics: ``metrics(scores, batch) -> dict`` of floats, computed at evaluation
    - baseline: the loss of the best prediction that ignores the inputs (None: not given)
    """

    name: str
    D: int
    K: int
    sample: object
    loss: str
    readout: str
    metrics: object
    baseline: float | None = None


# ---------------------------------------------------------------- the three tasks

#: The adding problem counts a sequence as answered right when the absolute error of the output
#: is below 0.04. Hochreiter and Schmidhuber (1997, section 5.4) used 0.04 on a target scaled to
#: [0, 1]; our target is the raw sum in [0, 2), so this test is twice as strict as theirs.
ADDING_TOLERANCE = 0.04


def adding_metrics(y_pred, batch):
    """MSE and the fraction of sequences whose output is within 0.04 of the target.

    ``y_pred`` and ``batch.y`` are (N, 1).
    """
    error = y_pred - batch.y
    return {
        "mse": float(np.mean(error**2)),
        "accuracy": float(np.mean(np.abs(error[:, 0]) < ADDING_TOLERANCE)),
    }


def adding_task(T):
    """The adding problem with sequences of T steps (:func:`data.long_range.adding_problem`).

    One output after the last step, the MSE loss; the baseline is 1/6, the MSE of always
    answering 1.0.
    """
    T = require_positive_int("T", T, minimum=2)

    def sample(N, rng):
        x, y = data.adding_problem(N, T, rng)
        return Batch(x, y, None)

    return Task(f"adding T={T}", 2, 1, sample, "mse", "last", adding_metrics,
                data.ADDING_BASELINE_MSE)  # fmt: skip


def copy_metrics(scores, batch):
    """Accuracy over the recall steps, per symbol and per sequence (all S symbols right)."""
    right = scores.argmax(axis=-1) == batch.y  # (N, T)
    counted = batch.mask
    per_sequence = (right | ~counted).all(axis=1)
    return {
        "accuracy": float(right[counted].mean()),
        "sequence_accuracy": float(per_sequence.mean()),
    }


def copy_task(n_symbols, lag, vocab=8):
    """The copy task: S symbols, ``lag`` blanks, a delimiter, then recall the S symbols.

    Outputs at every step (K = V + 1 classes: the symbols and the blank), softmax
    cross-entropy over the S recall steps only. The baseline is ``log V``, the loss of
    guessing uniformly among the V symbols.
    """
    S = require_positive_int("n_symbols", n_symbols)
    lag = require_positive_int("lag", lag, minimum=0)
    V = require_positive_int("vocab", vocab)

    def sample(N, rng):
        return Batch(*data.copy_task(N, S, lag, rng, vocab=V))

    return Task(f"copy S={S} lag={lag}", V + 2, V + 1, sample, "cross_entropy", "every",
                copy_metrics, float(np.log(V)))  # fmt: skip


def reber_metrics(scores, batch):
    """How well the symbols allowed next are predicted on embedded Reber strings.

    A step is right when the symbols with probability above 0.5 are exactly the allowed
    ones. Returns the fraction of right steps, of strings right at every step, and of
    strings right at the long-range step (after the inner E: only the second symbol).
    """
    predicted = scores > 0  # sigmoid(score) > 0.5
    right = (predicted == (batch.y > 0.5)).all(axis=-1)  # (N, T)
    lengths = batch.mask.sum(axis=1)  # L - 1 input steps per string
    long_range = right[np.arange(len(lengths)), lengths - 2]  # step L - 3
    return {
        "step_accuracy": float(right[batch.mask].mean()),
        "string_accuracy": float((right | ~batch.mask).all(axis=1).mean()),
        "long_range_accuracy": float(long_range.mean()),
    }


def reber_task(max_length=None):
    """Next-symbol prediction on the embedded Reber grammar, at every step.

    K = 7 sigmoid outputs (one per symbol), binary cross-entropy over the real steps.
    """

    def sample(N, rng):
        batch = data.embedded_reber_batch(N, rng, max_length)
        return Batch(batch.x, batch.y, batch.mask)

    K = len(data.REBER_SYMBOLS)
    return Task("embedded Reber", K, K, sample, "sigmoid_cross_entropy", "every", reber_metrics)


# ---------------------------------------------------------------- forward, loss, backward


def predict(model, x, readout="last", fast=False):
    """The model's outputs: (N, K) after the last step, or (N, T, K) for ``"every"``.

    ``fast=True`` runs the cells of :mod:`rnncourse.fast` (the same numbers up to rounding).
    """
    if not fast:
        scores, _, _ = train.forward(model, x)  # (N, T, K)
        return scores[:, -1] if readout == "last" else scores
    p = model.params
    state0 = train.zero_state(model, x.shape[0])
    h, _, _ = fast_cells.cell_forward(model.cell, x, state0, p, **model.options)  # (N, T, H)
    h_read = h[:, -1] if readout == "last" else h  # (N, H) or (N, T, H)
    return layers.linear_forward(h_read, p["W_hy"], p["b_y"])[0]


def evaluate(model, task, batch, fast=False):
    """The loss and the task's metrics on a fixed batch, as a dict of floats (``fast`` as in
    :func:`predict`)."""
    scores = predict(model, batch.x, task.readout, fast)
    loss_fn = LOSSES[task.loss]
    value = (
        loss_fn(scores, batch.y) if task.readout == "last" else loss_fn(scores, batch.y, batch.mask)
    )
    return {"loss": value[0], **task.metrics(scores, batch)}


# ---------------------------------------------------------------- the training run


@dataclass
class RunHistory:
    """What :func:`train_on_task` records.

    - loss: the training loss of every step (each on a new batch)
    - grad_norm: the global norm of the gradients of every step, before clipping
    - eval_steps: the steps after which the evaluation batch was scored (0: before training)
    - evals: metric name -> one value per entry of eval_steps (the loss and the task's
      metrics)
    - diverged: the step at which the loss or a gradient became NaN or infinite (None: never)
    """

    loss: list = field(default_factory=list)
    grad_norm: list = field(default_factory=list)
    eval_steps: list = field(default_factory=list)
    evals: dict = field(default_factory=dict)
    diverged: int | None = None

    def record(self, step, metrics):
        self.eval_steps.append(step)
        for key, value in metrics.items():
            self.evals.setdefault(key, []).append(value)


def train_on_task(
    model,
    task,
    optimizer,
    steps,
    rng,
    *,
    batch_size=32,
    max_norm=1.0,
    eval_batch=None,
    eval_every=50,
    callback=None,
    fast=False,
    progress=False,
):
    """Train ``model`` in place on ``steps`` new batches of ``task``; return a RunHistory.

    Inputs:
    - model: a :class:`rnncourse.train.Model` with ``task.D`` inputs and ``task.K`` outputs
    - task: a :class:`Task`
    - optimizer: an optimiser of :mod:`rnncourse.optim`
    - steps: the number of training steps
    - rng: a ``numpy.random.Generator``; every training batch is drawn from it
    - batch_size: sequences per training batch
    - max_norm: clip the gradients to this global norm (None: no clipping)
    - eval_batch: a fixed :class:`Batch` to score every ``eval_every`` steps (and before
      the first step); None: no evaluation
    - callback: called as ``callback(step, loss)`` after every step
    - fast: False (the default) computes each step through the chapters' step-by-step cells,
      as the stored sweep was made (tests/test_one_loop.py re-runs one of its runs bit for
      bit); True through the cells of :mod:`rnncourse.fast`
      (:func:`rnncourse.train.fast_cells_loss_and_grads`): the same numbers up to rounding,
      in about half the time, for a task whose loss :mod:`rnncourse.train` knows by name
      ("mse", "cross_entropy"; the Reber task's sigmoid loss stays step by step); the
      evaluations run on the fast cells too
    - progress: show a progress bar (tqdm)

    If the loss or a gradient becomes NaN or infinite (or a parameter, after its update),
    training stops there and ``history.diverged`` holds the step: a failed run is a result
    too. The steps are those of :func:`rnncourse.train.train`, with ``task.sample`` as its
    batch source and the task's loss, readout and mask.
    """
    steps = require_positive_int("steps", steps)
    eval_every = require_positive_int("eval_every", eval_every)
    history = RunHistory()
    if eval_batch is not None:
        history.record(0, evaluate(model, task, eval_batch, fast))

    def after_step(step):
        history.loss.append(step.loss)
        history.grad_norm.append(step.grad_norm)
        if callback is not None:
            callback(step.step, step.loss)
        if eval_batch is not None and step.step % eval_every == 0:
            history.record(step.step, evaluate(model, task, eval_batch, fast))

    # a loss by name takes the fast cells, a loss function the step-by-step ones
    loss = task.loss if fast and task.loss in train.LOSSES else LOSSES[task.loss]
    try:
        train.train(
            model, task.sample, None, optimizer, steps=steps, batch_size=batch_size,
            max_norm=max_norm, loss=loss, readout=task.readout, rng=rng, progress=progress,
            callback=after_step,
        )  # fmt: skip
    except train.TrainingDiverged as err:
        history.diverged = err.step  # a failed run is a result too
    return history


#: The models compared in the chapter: name -> (cell, init_options, cell options).
#: "irnn" is Le, Jaitly and Hinton's (2015) relu RNN with W_hh starting at the identity.
MODELS = {
    "rnn": ("rnn", {}, {}),
    "lstm": ("lstm", {}, {}),
    "gru": ("gru", {}, {}),
    "irnn": ("rnn", {"w_hh": "identity"}, {"activation": "relu"}),
}


def make_model(name, task, H, rng):
    """A new model for ``task``: one of :data:`MODELS` with H hidden units."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of {sorted(MODELS)}.")
    cell, init_options, options = MODELS[name]
    return train.init_model(cell, task.D, H, task.K, rng, init_options=init_options, **options)


# ---------------------------------------------------------------- trained live

#: The live comparison of :func:`compare_live`: the sweep's configuration
#: (``scripts/long_range_sweep.py``, "full") with half its steps, at the length where the
#: sweep's tanh RNN stays at the baseline while the LSTM and the GRU learn.
LIVE = {"T": 50, "steps": 1000, "H": 32, "batch_size": 32, "lr": 0.01, "max_norm": 1.0,
        "eval_size": 500, "eval_every": 100}  # fmt: skip

#: The models compared live, in the sweep's order (their index m picks the seed).
LIVE_MODELS = ("rnn", "lstm", "gru")


class LiveRun(NamedTuple):
    """What :func:`compare_live` returns for one model."""

    model: train.Model  # trained in place
    history: RunHistory  # with evals every LIVE["eval_every"] steps
    seconds: float  # the wall time of its training (and evaluations)


def compare_live(T=None, *, steps=None, H=None, seed=0, models=LIVE_MODELS, progress=False):
    """Train the RNN, the LSTM and the GRU on the adding problem of length T, now.

    The sweep's setup (:data:`LIVE`, defaults for T, steps and H): Adam (lr 0.01), batches
    of 32 new sequences, clipping at a global norm of 1, and the fast cells
    (``train_on_task(..., fast=True)``). Model m (its index in the sweep's ``models``) draws
    its weights and batches from ``np.random.default_rng([seed, T, m])``, and every model is
    scored on the sweep's evaluation batch of length T, ``default_rng([10_000, T])``: so a live
    run follows the stored sweep's run of the same seed, up to rounding.

    Returns a dict: model name -> :class:`LiveRun`.
    """
    T = require_positive_int("T", LIVE["T"] if T is None else T, minimum=2)
    steps = require_positive_int("steps", LIVE["steps"] if steps is None else steps)
    H = require_positive_int("H", LIVE["H"] if H is None else H)
    order = list(MODELS)  # the sweep's model index, for the seeds
    unknown = [name for name in models if name not in MODELS]
    if unknown or not models:
        raise ValueError(f"models must be names from {sorted(MODELS)}, but got {models!r}.")
    task = adding_task(T)
    eval_batch = task.sample(LIVE["eval_size"], np.random.default_rng([10_000, T]))
    runs = {}
    for name in models:
        start = time.perf_counter()
        rng = np.random.default_rng([seed, T, order.index(name)])  # weights, then batches
        model = make_model(name, task, H, rng)
        history = train_on_task(
            model, task, optim.Adam(LIVE["lr"]), steps, rng, batch_size=LIVE["batch_size"],
            max_norm=LIVE["max_norm"], eval_batch=eval_batch, eval_every=LIVE["eval_every"],
            fast=True, progress=progress,
        )  # fmt: skip
        runs[name] = LiveRun(model, history, time.perf_counter() - start)
    return runs


# ---------------------------------------------------------------- the precomputed sweep

#: Where ``scripts/long_range_sweep.py`` stores its results (package data).
SWEEP_PATH = Path(__file__).resolve().parent / "weights" / "long_range_sweep.npz"


def load_sweep(path=None):
    """The results of ``scripts/long_range_sweep.py`` (see its docstring for every array).

    Returns a dict of numpy arrays, plus ``"config"`` (a dict: the configuration that made
    them) and ``"command"`` (a str: the command that made them).
    """
    with np.load(SWEEP_PATH if path is None else path, allow_pickle=False) as stored:
        out = {key: stored[key] for key in stored.files}
    out["config"] = json.loads(str(out["config"]))
    out["command"] = str(out["command"])
    return out


def final_values(curves, last=1):
    """The value at the end of training, averaged over seeds.

    ``curves`` is (..., S, E): S seeds, E evaluations. Returns (...,): the mean over seeds
    of the mean of the last ``last`` evaluations. A diverged run (NaN) makes the result NaN.
    """
    curves = np.asarray(curves, dtype=np.float64)
    return curves[..., -last:].mean(axis=-1).mean(axis=-1)


def input_gradient_norms(model, x):
    """How strongly the output after the last step reacts to the input at each step.

    Backpropagates ``sum(y_T)`` (the last step's outputs, summed over K) through the model
    and returns (T,): for every step t the root mean square over the N sequences of
    ``||d sum(y_T) / d x_t||``. For the adding problem, the entries at the marked steps say
    how much a change of a marked value can move the answer, and so how much training
    signal reaches the weights that read it.
    """
    scores, _, (cell_cache, head_cache) = train.forward(model, x)  # (N, T, K)
    dscores = np.zeros_like(scores)
    dscores[:, -1] = 1.0  # d sum(y_T) / d y_T
    dh, _, _ = layers.linear_backward(dscores, head_cache)  # (N, T, H)
    dx, _, _ = deep.cell_backward(model.cell, dh, cell_cache)  # (N, T, D)
    return np.sqrt(np.mean(np.sum(dx**2, axis=2), axis=0))  # (N, T, D) -> (T,)
