"""Gradient clipping: keep one exploding gradient from wrecking a training step.

A gradient dict maps parameter names to arrays, as every backward function returns it
(``{"W_xh": dW_xh, "W_hh": dW_hh, "b_h": db_h}``). Both functions return new arrays in a
new dict with the same keys and dtypes; the input dict and its arrays are never changed.

- :func:`clip_by_value` clips every entry to [-limit, limit] on its own, as Karpathy's
  min-char-rnn does with ``np.clip(dparam, -5, 5, out=dparam)``. Simple, but entries that
  hit the limit are cut while the others are not, so the direction of the gradient changes.
- :func:`clip_by_global_norm` rescales all gradients together when their global norm
  ``sqrt(sum of every squared entry)`` exceeds ``max_norm`` (Pascanu, Mikolov and Bengio
  2013). The direction is kept; only the length of the step shrinks.

Clipping only ever shrinks a gradient. It tames exploding gradients; it cannot bring back
a vanished one.
"""

from collections.abc import Mapping

import numpy as np

from ._validate import require_finite, require_float_array


def _check_grads(grads):
    if not isinstance(grads, Mapping):
        raise TypeError(
            f"grads must be a dict of gradient arrays (name -> array), "
            f"but got {type(grads).__name__}."
        )
    for key, g in grads.items():
        require_float_array(f"grads[{key!r}]", g)
        require_finite(f"grads[{key!r}]", g)
    return grads


def _check_limit(name, value):
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name} must be a positive number, but got {type(value).__name__}.")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive, finite number, but got {value}.")
    return float(value)


def global_norm(grads):
    """The norm of all gradients together: sqrt of the sum of every squared entry.

    Computed without overflow: each array is divided by the largest absolute entry first.
    """
    _check_grads(grads)
    biggest = max((float(np.max(np.abs(g))) for g in grads.values() if g.size), default=0.0)
    if biggest == 0.0:
        return 0.0
    total = sum(float(np.sum((g / biggest) ** 2)) for g in grads.values())
    return biggest * float(np.sqrt(total))


def clip_by_value(grads, limit):
    """Clip every entry of every gradient to the interval [-limit, limit].

    Inputs:
    - grads: dict name -> gradient array (any shapes, float32 or float64)
    - limit: a positive number, e.g. 5.0 as in min-char-rnn

    Returns a new dict with the same keys; each array has its input's shape and dtype.
    """
    _check_grads(grads)
    limit = _check_limit("limit", limit)
    return {key: np.clip(g, -limit, limit).astype(g.dtype, copy=False) for key, g in grads.items()}


def clip_by_global_norm(grads, max_norm):
    """Rescale all gradients together so that their global norm is at most ``max_norm``.

    Inputs:
    - grads: dict name -> gradient array (any shapes, float32 or float64)
    - max_norm: a positive number

    Returns:
    - clipped: a new dict with the same keys, shapes and dtypes. When the global norm is
      above ``max_norm`` every array is multiplied by ``max_norm / total_norm``, so the
      global norm becomes ``max_norm`` and the direction is unchanged; otherwise every
      array is an unchanged copy.
    - total_norm: the global norm of the gradients *before* clipping, a float (worth
      logging: it shows when and how much clipping happened)
    """
    _check_grads(grads)
    max_norm = _check_limit("max_norm", max_norm)
    total_norm = global_norm(grads)
    if total_norm <= max_norm:
        return {key: g.copy() for key, g in grads.items()}, total_norm
    scale = max_norm / total_norm  # < 1: clipping only ever shrinks
    clipped = {key: (g * scale).astype(g.dtype, copy=False) for key, g in grads.items()}
    return clipped, total_norm
