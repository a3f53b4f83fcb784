"""Forecasting a time series with a vanilla RNN: windows, scaling, a model, baselines.

Shapes use the course's letters: L values in a series, N windows (the batch), T time steps
per window, D = 1 feature per step, H hidden units, K outputs. Every function here works on
one series with one feature; the model is Keras's classic ``SimpleRNN(H)`` + ``Dense(K)``::

    h_t = tanh(x_t W_xh + h_{t-1} W_hh + b_h)     t = 1..T, h_0 = 0      h_t (N, H)
    y_hat = h_T W_hy + b_y                         only the last state    y_hat (N, K)

``W_xh`` (D, H), ``W_hh`` (H, H), ``b_h`` (H,) are the RNN cell's (:mod:`rnncourse.rnn`),
``W_hy`` (H, K), ``b_y`` (K,) the output layer's (:mod:`rnncourse.layers`). This is
Keras's ``return_sequences=False``: the outputs h_1..h_{T-1} exist but feed nothing, so in
the backward pass only h_T receives a gradient from the loss.

The pipeline, in the order the chapter follows:

1. :func:`sliding_windows` cuts a series into inputs X (N, T, 1) and targets y (N, horizon);
2. :func:`fit_scaler` learns a mean and a standard deviation from the *training part only*;
   :func:`time_split_windows` splits in time order and returns scaled windows;
3. :func:`init_forecaster`, :func:`forecaster_forward`, :func:`forecaster_backward` and
   :func:`fit` train the model (RMSprop or any optimiser of :mod:`rnncourse.optim`);
4. :func:`predict` forecasts one step ahead from true values; :func:`recursive_forecast`
   forecasts many steps by feeding each prediction back in as the newest input;
5. :func:`last_value_forecast`, :func:`seasonal_naive_forecast` and :func:`mean_forecast` are
   the baselines every model must beat; :func:`mse` and :func:`mse_per_step` score them.
"""

from typing import NamedTuple

import numpy as np

from . import init, layers, losses, optim, rnn, train
from ._validate import (
    require_finite,
    require_float_array,
    require_ndim,
    require_params,
    require_positive_int,
)

__all__ = [
    "FORECASTER_SHAPES",
    "Forecaster",
    "ForecasterCache",
    "History",
    "Scaler",
    "SignalModel",
    "WindowSplit",
    "count_params",
    "fit",
    "fit_scaler",
    "forecaster_backward",
    "forecaster_forward",
    "init_forecaster",
    "last_value_forecast",
    "mean_forecast",
    "mse",
    "mse_per_step",
    "predict",
    "recursive_forecast",
    "seasonal_naive_forecast",
    "sliding_windows",
    "time_split_windows",
    "train_on_signal",
]

#: The model's parameters and their shapes: the RNN cell's, then the output layer's.
FORECASTER_SHAPES = {
    "W_xh": "(D, H)",
    "W_hh": "(H, H)",
    "b_h": "(H,)",
    "W_hy": "(H, K)",
    "b_y": "(K,)",
}


# ---------------------------------------------------------------- windows


def _check_series(series):
    require_float_array("series", series)
    require_ndim("series", series, "(L,)")
    require_finite("series", series)


def sliding_windows(series, T, horizon=1):
    """Cut a series into overlapping input windows and the values that follow each one.

    Window i holds ``series[i : i + T]``; its target is the next ``horizon`` values,
    ``series[i + T : i + T + horizon]``, so a target never overlaps its own window and no
    value is skipped between them. Windows start one step apart, which gives
    ``N = L - T - horizon + 1`` windows for a series of L values.

    Inputs:
    - series: the values, a 1-D float array (L,)
    - T: the window length, the time steps the model reads
    - horizon: how many of the following values to predict (1: one step ahead)

    Returns:
    - X: (N, T, 1), ``X[i, :, 0] = series[i : i + T]``; the last axis is the D = 1 feature
    - y: (N, horizon), ``y[i] = series[i + T : i + T + horizon]``; (N, 1) for horizon 1,
      never (N,), so that y has the shape of the model's output y_hat (N, K)
    """
    _check_series(series)
    T = require_positive_int("T", T)
    horizon = require_positive_int("horizon", horizon)
    L = len(series)
    N = L - T - horizon + 1
    if N < 1:
        raise ValueError(
            f"series has L={L} values, too few for one window of T={T} values followed by "
            f"horizon={horizon} target value(s): L must be at least T + horizon = {T + horizon}."
        )
    X = np.empty((N, T, 1), dtype=series.dtype)
    y = np.empty((N, horizon), dtype=series.dtype)
    for i in range(N):
        X[i, :, 0] = series[i : i + T]  # the inputs: T consecutive values
        y[i] = series[i + T : i + T + horizon]  # the targets: the values right after them
    return X, y


class Scaler(NamedTuple):
    """A mean and a standard deviation, learnt from the training part of a series."""

    mean: float
    std: float

    def transform(self, values):
        """``(values - mean) / std``: zero mean and unit spread on the training part."""
        return (values - self.mean) / self.std

    def inverse(self, values):
        """Back to the original units: ``values * std + mean``."""
        return values * self.std + self.mean


def fit_scaler(train_part):
    """The :class:`Scaler` of ``train_part`` (L,): its mean and standard deviation.

    Fit it on the training part only. Statistics of the whole series would let the future
    leak into training: the mean of the validation part tells the model where the series
    goes next, which it could not know when forecasting for real.
    """
    _check_series(train_part)
    std = float(np.std(train_part))
    if std == 0.0:
        raise ValueError("train_part is constant (standard deviation 0): it cannot be scaled.")
    return Scaler(float(np.mean(train_part)), std)


class WindowSplit(NamedTuple):
    """Scaled windows before and after a split point in time (see :func:`time_split_windows`)."""

    X_train: np.ndarray  # (N_train, T, 1)
    y_train: np.ndarray  # (N_train, horizon)
    X_valid: np.ndarray  # (N_valid, T, 1)
    y_valid: np.ndarray  # (N_valid, horizon)
    scaler: Scaler  # fitted on series[:split]


def time_split_windows(series, T, split, horizon=1):
    """Split a series in time order at index ``split``, scale it, and cut windows.

    The scaler is fitted on ``series[:split]`` only. Training windows are those whose targets
    all lie before ``split``; validation windows are those whose targets all lie at or after
    ``split`` (their inputs may reach back before it: those values are known when the
    forecast is made). With horizon > 1, the few windows whose targets straddle the split
    belong to neither. Nothing is shuffled across the split.

    Returns a :class:`WindowSplit` of scaled arrays.
    """
    _check_series(series)
    T = require_positive_int("T", T)
    split = require_positive_int("split", split)
    if not T + 1 <= split <= len(series) - 1:
        raise ValueError(
            f"split must leave at least T + 1 = {T + 1} values before it and one after it, "
            f"i.e. lie in [{T + 1}, {len(series) - 1}], but got {split}."
        )
    scaler = fit_scaler(series[:split])
    z = scaler.transform(series)
    X_train, y_train = sliding_windows(z[:split], T, horizon)
    X_valid, y_valid = sliding_windows(z[split - T :], T, horizon)
    return WindowSplit(X_train, y_train, X_valid, y_valid, scaler)


# ---------------------------------------------------------------- the model


class ForecasterCache(NamedTuple):
    """What :func:`forecaster_forward` keeps for :func:`forecaster_backward`."""

    rnn_cache: rnn.RNNCache  # the RNN over all T steps
    head_cache: tuple  # the output layer on h_T
    h_shape: tuple  # (N, T, H)


def init_forecaster(D, H, K, rng, dtype=np.float64):
    """Parameters of ``SimpleRNN(H)`` + ``Dense(K)`` with Keras's default initialisers.

    W_xh (D, H) Glorot-uniform, W_hh (H, H) orthogonal, b_h (H,) zeros, as Keras's
    ``kernel_initializer``, ``recurrent_initializer`` and ``bias_initializer``; W_hy (H, K)
    Glorot-uniform and b_y (K,) zeros, as Keras's Dense. Draws W_xh, W_hh, then W_hy.
    """
    params = rnn.init_params(D, H, rng, w_xh="glorot_uniform", w_hh="orthogonal", dtype=dtype)
    params["W_hy"] = init.xavier_uniform((H, K), rng, dtype=dtype)
    params["b_y"] = init.zeros((K,), dtype=dtype)
    return params


def count_params(params):
    """Trainable numbers per layer: ``{"rnn": D*H + H*H + H, "dense": H*K + K}``."""
    require_params(params, FORECASTER_SHAPES, "forecaster")
    return {
        "rnn": sum(params[k].size for k in ("W_xh", "W_hh", "b_h")),
        "dense": params["W_hy"].size + params["b_y"].size,
    }


def forecaster_forward(X, params):
    """Run the RNN over each window from h_0 = 0 and read the forecast from h_T.

    Inputs:
    - X: windows, (N, T, D)
    - params: W_xh (D, H), W_hh (H, H), b_h (H,), W_hy (H, K), b_y (K,)

    Returns:
    - y_hat: the forecasts, (N, K)
    - cache: a :class:`ForecasterCache` for :func:`forecaster_backward`
    """
    sizes = require_params(params, FORECASTER_SHAPES, "forecaster")
    require_float_array("X", X)
    require_ndim("X", X, "(N, T, D)")
    h0 = np.zeros((X.shape[0], sizes["H"]), dtype=X.dtype)  # (N, H): every window starts afresh
    h, rnn_cache = rnn.rnn_forward(X, h0, params)  # (N, T, H)
    h_T = h[:, -1]  # (N, H): the last state only (return_sequences=False)
    y_hat, head_cache = layers.linear_forward(h_T, params["W_hy"], params["b_y"])  # (N, K)
    return y_hat, ForecasterCache(rnn_cache, head_cache, h.shape)


def forecaster_backward(dy_hat, cache):
    """Backward pass of :func:`forecaster_forward`.

    Inputs:
    - dy_hat: gradient of the loss with respect to y_hat, (N, K)
    - cache: the :class:`ForecasterCache`

    Returns grads, a dict with the keys of params: W_xh (D, H), W_hh (H, H), b_h (H,),
    W_hy (H, K), b_y (K,).
    """
    if not isinstance(cache, ForecasterCache):
        raise TypeError(
            f"cache must be the ForecasterCache returned by forecaster_forward, "
            f"but got {type(cache).__name__}."
        )
    dh_T, dW_hy, db_y = layers.linear_backward(dy_hat, cache.head_cache)  # dh_T (N, H)
    dh = np.zeros(cache.h_shape, dtype=dh_T.dtype)  # (N, T, H): h_1..h_{T-1} feed no output
    dh[:, -1] = dh_T
    _, _, grads = rnn.rnn_backward(dh, cache.rnn_cache)  # BPTT from h_T back to step 1
    return {**grads, "W_hy": dW_hy, "b_y": db_y}


def predict(X, params, batch_size=256):
    """The forecasts y_hat (N, K) for windows X (N, T, D), without a cache.

    Runs ``batch_size`` windows at a time (Keras's ``predict`` batches too): the result is
    the same, but small matrix products stay fast where a large one would start many
    threads on a busy machine.
    """
    batch_size = require_positive_int("batch_size", batch_size)
    if X.shape[0] <= batch_size:
        return forecaster_forward(X, params)[0]
    chunks = [forecaster_forward(X[i : i + batch_size], params)[0]
              for i in range(0, X.shape[0], batch_size)]  # fmt: skip
    return np.concatenate(chunks, axis=0)  # (N, K)


class Forecaster(NamedTuple):
    """The forecaster as :func:`rnncourse.train.train` sees a model: its params and its pass."""

    params: dict  # from init_forecaster; training changes them in place

    def loss_and_grads(self, x, y, state=None, mask=None):
        """The MSE of the forecasts y_hat (N, K) against y (N, K), and its gradients.

        Every window starts from h_0 = 0, so ``state`` is not used (None is returned for
        it); every output counts, so there is no ``mask``.
        """
        y_hat, cache = forecaster_forward(x, self.params)
        loss, dy_hat = losses.mse_loss(y_hat, y)
        return loss, forecaster_backward(dy_hat, cache), None


class History(NamedTuple):
    """What :func:`fit` records."""

    batch_loss: list  # the loss of every minibatch, before its update
    train_loss: list  # after each epoch: the MSE over the whole training set
    valid_loss: list  # after each epoch: the MSE over the validation set (empty without one)


def fit(
    params,
    X,
    y,
    optimizer,
    *,
    epochs=10,
    batch_size=32,
    rng=None,
    X_valid=None,
    y_valid=None,
    max_norm=None,
):
    """Train the forecaster in place with the mean squared error, as Keras's ``model.fit``.

    Inputs:
    - params: from :func:`init_forecaster`; changed in place
    - X: windows (N, T, D); y: targets (N, K)
    - optimizer: an optimiser of :mod:`rnncourse.optim`, e.g. ``optim.RMSprop(1e-3)``
    - epochs: passes over the data; batch_size: windows per update (the last may be smaller)
    - rng: a ``numpy.random.Generator`` to shuffle the windows every epoch, as Keras's
      ``shuffle=True`` does (None: in order). Shuffling inside the training part is fine:
      each window carries its own past. What must never happen is a validation window
      entering training.
    - X_valid, y_valid: optional validation windows, scored after every epoch
    - max_norm: clip the gradients to this global norm (None: no clipping)

    Returns a :class:`History`. The steps are those of :func:`rnncourse.train.train`, chapter
    7's loop, with ``readout="last"`` and the :class:`Forecaster`'s own pass; like it, ``fit``
    raises :class:`rnncourse.train.TrainingDiverged` if the loss, a gradient or a parameter
    becomes NaN or infinite.
    """
    require_float_array("y", y)
    require_ndim("y", y, "(N, K)")
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X has N={X.shape[0]} windows but y has {y.shape[0]} rows.")
    epochs = require_positive_int("epochs", epochs)
    batch_size = require_positive_int("batch_size", batch_size)
    steps_per_epoch = -(-X.shape[0] // batch_size)  # the last minibatch may be smaller
    history = History([], [], [])

    def after_step(step):
        history.batch_loss.append(step.loss)
        if step.step % steps_per_epoch == 0:  # the end of an epoch: score the whole sets
            history.train_loss.append(mse(predict(X, params), y))
            if X_valid is not None:
                history.valid_loss.append(mse(predict(X_valid, params), y_valid))

    train.train(
        Forecaster(params), X, y, optimizer, epochs=epochs, batch_size=batch_size,
        max_norm=max_norm, loss="mse", readout="last", rng=rng, callback=after_step,
    )  # fmt: skip
    return history


# ---------------------------------------------------------------- forecasting and baselines


def recursive_forecast(X, params, steps):
    """Forecast ``steps`` values after each window by feeding every forecast back in.

    The first forecast reads the true window. Each later one reads a window whose newest
    values are earlier *forecasts*: the oldest value is dropped and the forecast appended.
    Errors therefore compound: a wrong forecast becomes a wrong input.

    Inputs:
    - X: windows, (N, T, 1) (the model must have D = K = 1)
    - params: the forecaster's parameters
    - steps: how many values to forecast

    Returns the forecasts, (N, steps).
    """
    sizes = require_params(params, FORECASTER_SHAPES, "forecaster")
    if sizes["D"] != 1 or sizes["K"] != 1:
        raise ValueError(
            f"recursive_forecast needs a model with one input and one output (D = K = 1), "
            f"but this one has D={sizes['D']}, K={sizes['K']}."
        )
    steps = require_positive_int("steps", steps)
    window = X
    out = np.empty((X.shape[0], steps), dtype=X.dtype)
    for k in range(steps):
        y_next = predict(window, params)  # (N, 1)
        out[:, k] = y_next[:, 0]
        window = np.concatenate([window[:, 1:], y_next[:, None, :]], axis=1)  # (N, T, 1)
    return out


def _check_windows(X):
    require_float_array("X", X)
    require_ndim("X", X, "(N, T, D)")
    if X.shape[2] != 1:
        raise ValueError(f"X has shape {X.shape}, but the baselines need one feature: (N, T, 1).")


def last_value_forecast(X, horizon=1):
    """Tomorrow looks like today: repeat each window's last value. Returns (N, horizon)."""
    _check_windows(X)
    horizon = require_positive_int("horizon", horizon)
    return np.repeat(X[:, -1, :], horizon, axis=1)  # (N, 1) -> (N, horizon)


def seasonal_naive_forecast(X, period, horizon=1):
    """Repeat the last full period: the forecast k steps ahead is the value one period
    before it, ``X[:, T - period + (k - 1) % period, 0]`` for k = 1..horizon.

    Needs ``period <= T`` (the window must hold a whole period). Returns (N, horizon).
    """
    _check_windows(X)
    T = X.shape[1]
    period = require_positive_int("period", period)
    horizon = require_positive_int("horizon", horizon)
    if period > T:
        raise ValueError(f"period must be at most T={T} (the window's length), but got {period}.")
    index = T - period + np.arange(horizon) % period  # (horizon,)
    return X[:, index, 0]


def mean_forecast(X, mean=0.0, horizon=1):
    """Always the training mean (0 after scaling with :func:`fit_scaler`). Returns (N, horizon)."""
    _check_windows(X)
    horizon = require_positive_int("horizon", horizon)
    return np.full((X.shape[0], horizon), float(mean), dtype=X.dtype)


def mse(y_pred, y):
    """The mean squared error over every entry, a float. Shapes must match exactly: a
    (N, 1) forecast against (N,) targets would broadcast to (N, N) and give nonsense."""
    y_pred, y = np.asarray(y_pred), np.asarray(y)
    if y_pred.shape != y.shape:
        raise ValueError(f"y_pred has shape {y_pred.shape}, but y has shape {y.shape}.")
    return float(np.mean((y_pred - y) ** 2))


def mse_per_step(y_pred, y):
    """The mean squared error k steps ahead, for k = 1..horizon: inputs (N, horizon),
    returns (horizon,)."""
    y_pred, y = np.asarray(y_pred), np.asarray(y)
    if y_pred.shape != y.shape or y.ndim != 2:
        raise ValueError(
            f"y_pred and y must both be (N, horizon), but have shapes {y_pred.shape} and {y.shape}."
        )
    return np.mean((y_pred - y) ** 2, axis=0)


# ---------------------------------------------------------------- one signal, end to end


class SignalModel(NamedTuple):
    """A forecaster trained on the part of ``series`` before ``split``."""

    series: np.ndarray  # (L,) in original units
    split: int  # index of the first validation value
    T: int  # window length
    scaler: Scaler  # fitted on series[:split]
    params: dict  # the trained forecaster
    history: History


def train_on_signal(series, T, split, H=16, epochs=20, seed=0, lr=1e-2, batch_size=32):
    """Scale, window and train a forecaster on one series; returns a :class:`SignalModel`.

    Adam with learning rate ``lr``, gradients clipped to global norm 5, windows shuffled
    every epoch. ``seed`` fixes the initial weights and the shuffling.
    """
    data = time_split_windows(series, T, split)
    rng = np.random.default_rng(seed)
    params = init_forecaster(1, H, 1, rng)
    history = fit(
        params, data.X_train, data.y_train, optim.Adam(lr), epochs=epochs, batch_size=batch_size,
        rng=rng, X_valid=data.X_valid, y_valid=data.y_valid, max_norm=5.0,
    )  # fmt: skip
    return SignalModel(series, split, T, data.scaler, params, history)
