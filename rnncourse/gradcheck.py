"""Numerical gradients by central differences, to check every backward pass.

Used by the tests, the notebooks and the exercise checkers alike.
"""

import numpy as np


def numerical_gradient(f, x, df=None, h=1e-5):
    """Estimate the gradient of ``sum(f(x) * df)`` with respect to ``x``.

    Each entry ``x[i]`` is nudged to ``x[i] + h`` and ``x[i] - h`` *in place*, and
    ``(f(x+) - f(x-)) / 2h`` is taken; ``x`` is restored afterwards, even if ``f`` fails.
    Because ``x`` changes in place, ``f`` may ignore its argument and read ``x`` through a
    closure (handy for a parameter inside a dict).

    Inputs:
    - f: function called as ``f(x)``; returns an array (of any shape) or a number
    - x: float array to differentiate with respect to (any shape)
    - df: upstream gradient with the shape of ``f(x)``; ``None`` when ``f`` returns a number
    - h: step size (1e-5 suits float64; float32 is too coarse for a tight check)

    Returns: an array shaped like ``x``.
    """
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise TypeError("x must be a floating-point numpy array (it is changed in place).")
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        try:
            x[i] = old + h
            plus = np.array(f(x), dtype=np.float64, copy=True)
            x[i] = old - h
            minus = np.array(f(x), dtype=np.float64, copy=True)
        finally:
            x[i] = old
        diff = plus - minus
        if df is None:
            if diff.size != 1:
                raise ValueError(
                    "f returned an array of shape "
                    f"{diff.shape}; pass df (the upstream gradient, same shape) or make f "
                    "return a number."
                )
            grad[i] = diff.item() / (2 * h)
        else:
            grad[i] = np.sum(diff * df) / (2 * h)
    return grad


def rel_error(a, b):
    """Relative error between two arrays: ``||a - b|| / (||a|| + ||b||)``, 0 if both are 0.

    Below about 1e-7 in float64 means an analytic gradient agrees with a numerical one.
    Taken over whole arrays, not entry by entry, so tiny entries do not inflate it.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error needs two arrays of one shape, got {a.shape} and {b.shape}.")
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)
