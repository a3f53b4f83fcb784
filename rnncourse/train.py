"""A small training loop for sequence models: a cell, a linear output layer, a loss.

Shapes use the course's letters: N sequences, T time steps, D input features, H hidden
units, K outputs (classes, or numbers to predict per step). The model is a cell (``"rnn"``,
``"lstm"`` or ``"gru"``, run by :func:`rnncourse.deep.cell_forward`) and the output layer
``y_t = h_t W_hy + b_y`` on every step; its params are one dict: the cell's keys plus
``W_hy`` (H, K) and ``b_y`` (K,). ::

    model = init_model("lstm", D, H, K, rng)
    history = train(model, x, y, optim.Adam(1e-2), epochs=5, seq_len=20, stateful=True,
                    max_norm=5.0)

The data is x (N, T, D) with labels y (N, T) for ``loss="cross_entropy"`` or targets
y (N, T, K) for ``loss="mse"``. Each step trains on a minibatch of ``batch_size`` sequences
(rows) and a chunk of ``seq_len`` consecutive time steps: in an epoch, each group of rows is
walked through time chunk by chunk. That is truncated BPTT as in Karpathy's min-char-rnn:
full BPTT inside a chunk, no gradient across chunk boundaries. With ``stateful=True`` the
hidden state at the end of one chunk is the initial state of the next (only its value: no
gradient flows back through it); with ``stateful=False`` every chunk starts from zeros.

One training step:

1. forward over the chunk, output layer, loss;
2. backward: output layer, then BPTT through the chunk;
3. if the loss, a gradient or (after the update) a parameter is NaN or infinite, stop with
   :class:`TrainingDiverged`, which names the step and the array;
4. clip the gradients by their global norm (:func:`rnncourse.clipping.clip_by_global_norm`),
   if ``max_norm`` is given;
5. the optimiser's update (:mod:`rnncourse.optim`).

The same loop trains chapter 8's long-range tasks (``readout="last"``, a ``mask``, a batch
source that makes a new batch every step), chapter 9's forecaster (a model that brings its
own forward and backward pass: any object with ``params`` and
``loss_and_grads(x, y, state, mask)``) and character models that read integer ids through an
**embedding** (``init_model(..., V=V)``: params ``E`` (V, D), the inputs x (N, T) ids, the
cell reads ``x_t = E[ids_t]``, and ``dE`` adds up the cell's input gradients dx row by row).
"""

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from . import clipping, deep, fast, gru, init, layers, losses, lstm, rnn
from ._validate import require_float_array, require_ndim, require_positive_int

#: The losses ``train`` knows: name -> function(scores, y) -> (loss, dscores).
LOSSES = {"cross_entropy": losses.softmax_cross_entropy, "mse": losses.mse_loss}

_INIT = {"rnn": rnn.init_params, "lstm": lstm.init_params, "gru": gru.init_params}


@dataclass
class Model:
    """A cell with a linear output layer on every step.

    - cell: "rnn", "lstm" or "gru"
    - params: the cell's params plus W_hy (H, K) and b_y (K,), changed in place by training
    - options: the cell's options, e.g. ``{"activation": "relu"}`` for the RNN

    With an embedding (``"E"`` in params, (V, D)) the model reads integer ids (N, T) in [0, V)
    instead of vectors (N, T, D).
    """

    cell: str
    params: dict
    options: dict = field(default_factory=dict)


def init_model(cell, D, H, K, rng, *, V=None, dtype=np.float64, init_options=None, **options):
    """A new :class:`Model` with D inputs, H hidden units and K outputs.

    ``init_options`` go to the cell's ``init_params`` (e.g. ``{"w_hh": "identity"}`` for the
    RNN, ``{"forget_bias": 0.0}`` for the LSTM); ``options`` are the cell's options
    (``activation="relu"`` for the RNN). The output layer starts Xavier-uniform, b_y at zero.

    With ``V`` (a vocabulary size) the model gets an embedding ``E`` (V, D), Xavier-uniform,
    drawn after the other params (so the cell and the output layer start as without it), and
    reads integer ids (N, T) in [0, V): the cell's input at step t is ``E[ids[:, t]]`` (N, D).
    """
    deep.check_cell(cell)
    params = _INIT[cell](D, H, rng, dtype=dtype, **(init_options or {}))
    params["W_hy"] = init.xavier_uniform((H, K), rng, dtype=dtype)
    params["b_y"] = init.zeros((K,), dtype=dtype)
    if V is not None:
        params["E"] = init.xavier_uniform((require_positive_int("V", V), D), rng, dtype=dtype)
    return Model(cell, params, dict(options))


def _embedded(model, x):
    """What the cell reads: x itself (N, T, D), or for a model with an embedding the rows
    ``E[x]`` (N, T, D) of the ids x (N, T)."""
    ids = np.asarray(x)
    is_ids = ids.dtype.kind in "iu"
    if "E" not in model.params:
        if is_ids:
            raise TypeError(
                f"x holds integer ids {ids.shape}, but this model has no embedding: give it "
                "vectors (N, T, D) (e.g. one-hot), or build it with init_model(..., V=V)."
            )
        return x
    E = model.params["E"]
    if not is_ids:
        raise TypeError(
            f"this model reads integer ids (N, T) through its embedding E {E.shape}, but x "
            f"has dtype {ids.dtype}."
        )
    require_ndim("x", ids, "(N, T)")
    if ids.size and (ids.min() < 0 or ids.max() >= E.shape[0]):
        raise ValueError(
            f"x must hold ids in [0, V) = [0, {E.shape[0]}), but has {ids.min()}..{ids.max()}."
        )
    return E[ids]  # (N, T) -> (N, T, D): one row of E per id


def _embedding_grad(dx, ids, V):
    """dE (V, D) from the cell's input gradients dx (N, T, D): row c adds up dx at every step
    whose id is c (as :func:`rnncourse.charlm.embedding_backward`)."""
    dE = np.zeros((V, dx.shape[-1]), dtype=dx.dtype)
    np.add.at(dE, np.asarray(ids).reshape(-1), dx.reshape(-1, dx.shape[-1]))  # (N*T, D) rows
    return dE


def zero_state(model, N):
    """The all-zero initial state for N sequences: h0 (N, H), or (h0, c0) for the LSTM."""
    H = model.params["W_hy"].shape[0]
    h0 = np.zeros((N, H), dtype=model.params["W_hy"].dtype)
    return (h0, h0.copy()) if model.cell == "lstm" else h0


def forward(model, x, state0=None):
    """Run the model over x (N, T, D) (ids (N, T) for a model with an embedding) from
    ``state0`` (zeros by default).

    Returns scores (N, T, K), the state after the last step, and the caches for backward.
    """
    if state0 is None:
        state0 = zero_state(model, x.shape[0])
    p = model.params
    inputs = _embedded(model, x)  # (N, T, D)
    h, state_final, cell_cache = deep.cell_forward(model.cell, inputs, state0, p, **model.options)
    scores, head_cache = layers.linear_forward(h, p["W_hy"], p["b_y"])  # (N, T, K)
    return scores, state_final, (cell_cache, head_cache)


def loss_and_grads(model, x, y, state0=None, loss="cross_entropy", readout="every", mask=None):
    """One forward and backward pass over a batch.

    Inputs: the model, x (N, T, D), y, the initial state (zeros if None), and
    - loss: a key of :data:`LOSSES`, or a function ``loss(scores, y, mask) -> (value, dscores)``
    - readout: ``"every"``: the scores of every step (N, T, K) against y (N, T) or (N, T, K);
      ``"last"``: only the scores after the last step (N, K) against y (N,) or (N, K)
    - mask: optional 0/1 array (N, T) of the steps that count (``readout="every"``)

    Returns:
    - value: the loss, a float (the mean over steps and sequences)
    - grads: dict with a gradient for every key of ``model.params``
    - state_final: the state after the last step (to carry into the next chunk)

    Computed by :func:`rnncourse.fast.loss_and_grads`: the numbers of
    :func:`step_by_step_loss_and_grads` below (tests/test_fast.py checks that they agree),
    with the work rearranged to run faster (about 2x at batch 32, 5x at batch 1). A loss
    named in :data:`LOSSES` with ``readout="last"``, a mask or an embedding takes
    :func:`fast_cells_loss_and_grads` (the cells of :mod:`rnncourse.fast`, this module's output
    layer and loss). A loss function takes the step-by-step path (chapter 8's stored sweep was
    made that way; tests/test_one_loop.py re-runs it bit for bit). A model that is not a
    :class:`Model` brings its own pass: ``model.loss_and_grads(x, y, state0, mask)``.
    """
    if not isinstance(model, Model):
        return model.loss_and_grads(x, y, state0, mask)
    if not isinstance(loss, str):
        return step_by_step_loss_and_grads(model, x, y, state0, loss, readout, mask)
    if readout == "every" and mask is None and "E" not in model.params:
        return fast.loss_and_grads(model, _embedded(model, x), y, state0, loss)
    return fast_cells_loss_and_grads(model, x, y, state0, loss, readout, mask)


def _head_and_loss(model, h, y, loss, readout, mask):
    """The output layer and the loss on the cell's outputs h (N, T, H).

    Returns the loss, dh (N, T, H), dW_hy and db_y. With ``readout="last"`` only h_T is read,
    so dh is zero at every step but the last.
    """
    p = model.params
    loss_fn = LOSSES[loss] if isinstance(loss, str) else loss
    if readout == "last":  # only the output after the last step counts
        scores, head_cache = layers.linear_forward(h[:, -1], p["W_hy"], p["b_y"])  # (N, K)
        value, dscores = loss_fn(scores, y)
        dh_T, dW_hy, db_y = layers.linear_backward(dscores, head_cache)  # (N, H)
        dh = np.zeros_like(h)
        dh[:, -1] = dh_T  # the gradient enters at step T alone
        return value, dh, dW_hy, db_y
    scores, head_cache = layers.linear_forward(h, p["W_hy"], p["b_y"])  # (N, T, K)
    value, dscores = loss_fn(scores, y, mask)
    dh, dW_hy, db_y = layers.linear_backward(dscores, head_cache)  # dh (N, T, H)
    return value, dh, dW_hy, db_y


def fast_cells_loss_and_grads(
    model, x, y, state0=None, loss="cross_entropy", readout="every", mask=None
):
    """:func:`loss_and_grads` through the cells of :mod:`rnncourse.fast` (forward and BPTT)
    with this module's output layer and loss, for every ``readout``, ``mask`` and embedding.

    The numbers of :func:`step_by_step_loss_and_grads` up to rounding (tests/test_train.py
    compares them in float64 and checks the gradients numerically). For a model with an
    embedding, ``dE`` comes from the cell's input gradients dx (N, T, D).
    """
    if state0 is None:
        state0 = zero_state(model, np.shape(x)[0])
    inputs = _embedded(model, x)  # (N, T, D)
    h, state_final, cell_cache = fast.cell_forward(
        model.cell, inputs, state0, model.params, **model.options
    )
    value, dh, dW_hy, db_y = _head_and_loss(model, h, y, loss, readout, mask)
    dx, _, grads = fast.cell_backward(cell_cache, dh)  # BPTT through the chunk; dx (N, T, D)
    grads = {**grads, "W_hy": dW_hy, "b_y": db_y}
    if "E" in model.params:
        grads["E"] = _embedding_grad(dx, x, model.params["E"].shape[0])
    return value, grads, state_final


def step_by_step_loss_and_grads(
    model, x, y, state0=None, loss="cross_entropy", readout="every", mask=None
):
    """:func:`loss_and_grads` through the chapters' cells, which loop over their step
    functions: forward, output layer, loss, then the backward of each in reverse order."""
    scores, state_final, (cell_cache, head_cache) = forward(model, x, state0)
    loss_fn = LOSSES[loss] if isinstance(loss, str) else loss
    if readout == "last":  # only the output after the last step counts
        value, dlast = loss_fn(scores[:, -1], y)  # (N, K)
        dscores = np.zeros_like(scores)
        dscores[:, -1] = dlast  # the gradient enters at step T alone
    else:
        value, dscores = loss_fn(scores, y, mask)
    dh, dW_hy, db_y = layers.linear_backward(dscores, head_cache)  # dh (N, T, H)
    dx, _, grads = deep.cell_backward(model.cell, dh, cell_cache)  # BPTT through the chunk
    grads = {**grads, "W_hy": dW_hy, "b_y": db_y}
    if "E" in model.params:  # the embedding's rows get the input gradients dx (N, T, D)
        grads["E"] = _embedding_grad(dx, x, model.params["E"].shape[0])
    return value, grads, state_final


class Step(NamedTuple):
    """What the callback receives after every training step."""

    step: int  # 1, 2, ... over the whole run
    epoch: int  # 1, 2, ...
    loss: float  # the loss of this step's batch (before the update)
    grad_norm: float  # the global norm of the gradients, before clipping


@dataclass
class History:
    """Per-step records of a training run (one entry per step)."""

    loss: list = field(default_factory=list)
    grad_norm: list = field(default_factory=list)


class TrainingDiverged(FloatingPointError):
    """Training stopped because the loss, a gradient or a parameter became NaN or infinite.

    Attributes: ``step`` (counted from 1, None inside :func:`train_step`), ``name`` (the
    array: ``"loss"``, a parameter's key, or ``"forward pass"``) and ``history`` (the
    :class:`History` up to the step before).
    """

    def __init__(self, message, name, step=None, history=None):
        super().__init__(message)
        self.name, self.step, self.history = name, step, history


def _first_bad(arrays):
    """The key of the first array with NaN or infinity, or None."""
    return next((k for k, a in arrays.items() if not np.isfinite(a).all()), None)


def train_step(
    model, x, y, state, optimizer, max_norm=None, loss="cross_entropy", readout="every", mask=None
):
    """One training step on a batch x (N, T, D), y, from the initial state ``state``
    (``loss``, ``readout`` and ``mask`` as in :func:`loss_and_grads`).

    Returns the loss (before the update), the global norm of the gradients (before
    clipping) and the state after the last step. Raises :class:`TrainingDiverged` if the
    loss, a gradient or an updated parameter holds NaN or infinity.
    """
    with np.errstate(all="ignore"):  # an overflow shows up as NaN or inf: checked below
        try:
            value, grads, state = loss_and_grads(model, x, y, state, loss, readout, mask)
        except ValueError as err:  # the cells and losses refuse NaN and inf
            if "NaN or infinity" not in str(err):
                raise
            found = str(err).split(" (")[0]  # e.g. "h_prev contains NaN or infinity"
            raise TrainingDiverged(
                f"the forward pass overflowed ({found})", "forward pass"
            ) from err
        if not np.isfinite(value):
            raise TrainingDiverged("the loss is NaN or infinite", "loss")
        bad = _first_bad(grads)
        if bad is not None:
            raise TrainingDiverged(f"the gradient of {bad!r} contains NaN or infinity", bad)
        if max_norm is None:
            grad_norm = clipping.global_norm(grads)
        else:
            grads, grad_norm = clipping.clip_by_global_norm(grads, max_norm)
        optimizer.step(model.params, grads)  # changes model.params in place
        bad = _first_bad(model.params)
        if bad is not None:
            raise TrainingDiverged(f"{bad!r} contains NaN or infinity after the update", bad)
    return value, grad_norm, state


def _explain(err, step, epoch, history, optimizer, max_norm):
    """The message of a :class:`TrainingDiverged` raised by :func:`train`."""
    last = f"{history.loss[-1]:.4g} at step {step - 1}" if history.loss else "none yet"
    lr = getattr(optimizer, "lr", None)
    lr_text = f" (now {lr:g})" if lr is not None else ""
    clip_text = f"now {max_norm:g}: try a smaller one" if max_norm else "now off"
    message = (
        f"training stopped at step {step} (epoch {epoch}): {err}. "
        f"Last finite loss: {last}. Try a lower learning rate{lr_text}, or clip the "
        f"gradients by their global norm (max_norm=1.0 or 5.0; {clip_text})."
    )
    return TrainingDiverged(message, err.name, step, history)


def _check_data(x, y, loss, readout, mask):
    if isinstance(x, np.ndarray) and x.dtype.kind in "iu":  # ids, for a model with an embedding
        require_ndim("x", x, "(N, T)")
    else:
        require_float_array("x", x)
        require_ndim("x", x, "(N, T, D)")
        if not np.isfinite(x).all():
            raise ValueError("x contains NaN or infinity: clean the data before training.")
    if not (callable(loss) or loss in LOSSES):
        raise ValueError(f"loss must be one of {sorted(LOSSES)} or a function, but got {loss!r}.")
    if readout not in ("every", "last"):
        raise ValueError(f"readout must be 'every' or 'last', but got {readout!r}.")
    y = np.asarray(y)
    if readout == "last" and y.shape[:1] != x.shape[:1]:
        raise ValueError(
            f"y has shape {y.shape}, but x has shape {x.shape}: with readout='last', y must "
            f"start with N = {x.shape[0]} (labels (N,), or targets (N, K) for loss='mse')."
        )
    if readout == "every" and y.shape[:2] != x.shape[:2]:
        raise ValueError(
            f"y has shape {y.shape}, but x has shape {x.shape}: y must start with "
            f"(N, T) = {x.shape[:2]} (labels (N, T), or targets (N, T, K) for loss='mse')."
        )
    if mask is not None and np.shape(mask) != x.shape[:2]:
        raise ValueError(f"mask has shape {np.shape(mask)}, but must be (N, T) = {x.shape[:2]}.")
    return y


def _batches(N, batch_size, rng):
    """Row indices of each minibatch: in order, or shuffled when ``rng`` is given."""
    rows = np.arange(N) if rng is None else rng.permutation(N)
    return [rows[i : i + batch_size] for i in range(0, N, batch_size)]


def _chunks(x, y, mask, epochs, batch_size, seq_len, readout, rng):
    """Every step's (epoch, x, y, mask, first) from fixed data: each epoch, minibatches of
    rows, each walked through time chunk by chunk; ``first`` marks a minibatch's first chunk."""
    T = x.shape[1]
    for epoch in range(1, epochs + 1):
        for rows in _batches(x.shape[0], batch_size, rng):
            for start in range(0, T, seq_len):  # consecutive chunks in time
                chunk = slice(start, start + seq_len)
                y_rows = y[rows] if readout == "last" else y[rows, chunk]  # "last": one chunk
                mask_rows = None if mask is None else mask[rows, chunk]
                yield epoch, x[rows, chunk], y_rows, mask_rows, start == 0


def _fresh_batches(sample, steps, batch_size, rng):
    """Every step's (1, x, y, mask, True) from a batch source: a new batch each step."""
    for _ in range(steps):
        x, y, mask = sample(batch_size, rng)
        yield 1, x, y, mask, True


def _plan(x, y, mask, epochs, batch_size, seq_len, steps, loss, readout, rng):
    """The arguments of :func:`train` checked: its batches, one per step, and their number."""
    if callable(x):  # a batch source: a new batch every step
        if y is not None or mask is not None:
            raise ValueError(
                "x is a batch source, which makes y and the mask too: y and mask must be "
                f"None, but got y={type(y).__name__}, mask={type(mask).__name__}."
            )
        if steps is None or batch_size is None:
            raise ValueError(
                f"x is a batch source: give steps (training steps) and batch_size (sequences "
                f"per batch), but got steps={steps}, batch_size={batch_size}."
            )
        batch_size = require_positive_int("batch_size", batch_size)
        total = require_positive_int("steps", steps)
        return _fresh_batches(x, total, batch_size, rng), total
    y = _check_data(x, y, loss, readout, mask)
    N, T = x.shape[:2]
    epochs = require_positive_int("epochs", epochs)
    batch_size = N if batch_size is None else require_positive_int("batch_size", batch_size)
    batch_size = min(batch_size, N)
    seq_len = T if seq_len is None else require_positive_int("seq_len", seq_len)
    if readout == "last" and seq_len < T:
        raise ValueError(f"readout='last' reads the whole sequence: seq_len must be T={T}.")
    total = epochs * -(-N // batch_size) * -(-T // seq_len)  # ceiling divisions
    return _chunks(x, y, mask, epochs, batch_size, seq_len, readout, rng), total


def train(
    model,
    x,
    y,
    optimizer,
    *,
    epochs=1,
    batch_size=None,
    seq_len=None,
    stateful=False,
    max_norm=None,
    loss="cross_entropy",
    readout="every",
    mask=None,
    steps=None,
    rng=None,
    progress=False,
    callback=None,
):
    """Train ``model`` in place and return its :class:`History`.

    Inputs:
    - model: a :class:`Model` (its params change in place), or any object with ``params`` and
      ``loss_and_grads(x, y, state, mask) -> (loss, grads, state)`` (chapter 9's forecaster)
    - x: inputs, (N, T, D); y: labels (N, T), or targets (N, T, K) for ``loss="mse"``;
      with ``readout="last"``: labels (N,) or targets (N, K)
    - x can instead be a batch source, ``x(batch_size, rng) -> (x, y, mask)``, which makes a
      new batch at every call (the long-range tasks); then y is None and ``steps`` is given
    - optimizer: an optimiser of :mod:`rnncourse.optim` (anything with ``step(params, grads)``)
    - epochs: passes over the data
    - batch_size: sequences per step (all N by default)
    - seq_len: time steps per chunk, the BPTT length (all T by default: full BPTT)
    - stateful: carry the hidden state from one chunk into the next (True), or start every
      chunk from zeros (False)
    - max_norm: clip the gradients to this global norm (None: no clipping)
    - loss: "cross_entropy" or "mse", or a function ``loss(scores, y, mask) -> (loss, dscores)``
    - readout: "every" (the loss sees the output of every step, scores (N, T, K)) or "last"
      (only the output after the last step, scores (N, K); no chunks)
    - mask: optional 0/1 array (N, T): the steps the loss counts (``readout="every"``)
    - steps: with a batch source, the number of training steps (one new batch each; the
      epoch is 1 throughout)
    - rng: a ``numpy.random.Generator`` to shuffle the sequences each epoch (None: in order);
      with a batch source, the generator every batch is drawn from
    - progress: show a tqdm progress bar (off by default)
    - callback: called as ``callback(Step(...))`` after every step, e.g. to plot the loss

    Raises :class:`TrainingDiverged` when the loss, a gradient or a parameter becomes NaN or
    infinite; its message names the step and the array and says what to try.
    """
    batches, total = _plan(x, y, mask, epochs, batch_size, seq_len, steps, loss, readout, rng)
    if max_norm is not None and not max_norm > 0:
        raise ValueError(f"max_norm must be a positive number or None, but got {max_norm}.")
    bar = None
    if progress:
        from tqdm.auto import tqdm  # imported only when a bar is wanted

        bar = tqdm(total=total, desc="training", unit="step")

    history, step, state = History(), 0, None
    try:
        for epoch, x_step, y_step, mask_step, first in batches:
            if first or not stateful:
                state = None  # zeros; else: carried from the last chunk
            step += 1
            try:
                value, grad_norm, state = train_step(
                    model, x_step, y_step, state, optimizer, max_norm, loss, readout, mask_step
                )
            except TrainingDiverged as err:
                raise _explain(err, step, epoch, history, optimizer, max_norm) from None
            history.loss.append(value)
            history.grad_norm.append(grad_norm)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{value:.4f}", refresh=False)
            if callback is not None:
                callback(Step(step, epoch, value, grad_norm))
    finally:
        if bar is not None:
            bar.close()
    return history
