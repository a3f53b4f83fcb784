"""Losses over time steps, forward and backward in one call.

Each function returns ``(loss, dscores)``: the scalar loss and its gradient with respect
to the predictions, ready for the backward pass. An optional ``mask`` (1 = real step,
0 = padding) leaves padded steps out of both; the loss is the mean over the steps that count.
"""

import numpy as np

from ._validate import require_finite, require_float_array
from .activations import log_softmax


def _mask_for(mask, shape, dtype):
    if mask is None:
        return np.ones(shape, dtype=dtype)
    mask = np.asarray(mask)
    if mask.shape != tuple(shape):
        raise ValueError(f"mask has shape {mask.shape}, but must be {tuple(shape)} (one per step).")
    if not np.isin(mask, (0, 1)).all():
        raise ValueError("mask must hold only 0 and 1 (or False and True).")
    if not mask.any():
        raise ValueError("mask is all zeros: no step is left to compute a loss on.")
    return mask.astype(dtype)


def mse_loss(y_pred, y, mask=None):
    """Mean squared error, the loss for regression (e.g. forecasting a time series).

    Inputs:
    - y_pred: predictions, (N, T, K) (or any shape whose first axes the mask covers)
    - y: targets, the same shape
    - mask: optional 0/1 array of shape (N, T): which steps count

    Returns:
    - loss: mean over the counted steps and the K outputs of ``(y_pred - y) ** 2``
    - dy_pred: gradient with respect to y_pred, shaped like y_pred
    """
    require_float_array("y_pred", y_pred)
    require_float_array("y", y)
    if y.shape != y_pred.shape:
        raise ValueError(f"y has shape {y.shape}, but must match y_pred's shape {y_pred.shape}.")
    require_finite("y_pred", y_pred)
    require_finite("y", y)
    mask_shape = y.shape[:2] if mask is not None else y.shape
    m = _mask_for(mask, mask_shape, y_pred.dtype)
    m = m.reshape(m.shape + (1,) * (y.ndim - m.ndim))  # broadcast over the output axes
    count = m.sum() * (y.size / np.prod(mask_shape))
    diff = (y_pred - y) * m
    loss = float(np.sum(diff**2) / count)
    dy_pred = (2.0 / count) * diff
    return loss, dy_pred.astype(y_pred.dtype, copy=False)


def softmax_cross_entropy(scores, y, mask=None):
    """Softmax cross-entropy, the loss for classification and language models.

    Inputs:
    - scores: unnormalised log-probabilities, (N, T, V) (or (N, V) for one label per sequence)
    - y: integer class labels in [0, V), (N, T) (or (N,))
    - mask: optional 0/1 array shaped like y: which steps count

    Returns:
    - loss: mean over the counted steps of ``-log softmax(scores)[y]``
    - dscores: gradient with respect to scores, ``(softmax(scores) - onehot(y)) / count``
    """
    require_float_array("scores", scores)
    y = np.asarray(y)
    if y.dtype.kind not in "iu":
        raise TypeError(f"y must hold integer class labels, but has dtype {y.dtype}.")
    if scores.shape[:-1] != y.shape:
        raise ValueError(
            f"y has shape {y.shape}, but scores has shape {scores.shape}: "
            f"y must be {scores.shape[:-1]} (one label per step)."
        )
    V = scores.shape[-1]
    if y.size and (y.min() < 0 or y.max() >= V):
        raise ValueError(f"y must hold labels in [0, V) = [0, {V}), but has {y.min()}..{y.max()}.")
    require_finite("scores", scores)
    m = _mask_for(mask, y.shape, scores.dtype)
    count = m.sum()
    logp = log_softmax(scores)  # (..., V)
    picked = np.take_along_axis(logp, y[..., None], axis=-1)[..., 0]  # log p of the true class
    loss = float(-np.sum(picked * m) / count)
    dscores = np.exp(logp)  # softmax
    np.put_along_axis(dscores, y[..., None], np.take_along_axis(dscores, y[..., None], -1) - 1, -1)
    dscores *= (m / count)[..., None]
    return loss, dscores
