"""Time series for chapter 9, generated in code: no downloads, the same numbers from a seed.

Every generator returns a 1-D float64 array of length L, the values at t = 0, 1, ..., L-1.
The random ones take a ``numpy.random.Generator`` (``np.random.default_rng(seed)``), never
numpy's global random state.

- :func:`sine`: ``amplitude * sin(2 pi t / period + phase)``, perfectly predictable;
- :func:`noisy_sine`: the same plus independent Gaussian noise: the noise can never be
  predicted, so its variance is the lowest mean squared error any forecast can reach;
- :func:`sum_of_sines`: several periods added up, so one period does not repeat the signal;
- :func:`random_walk`: each value is the previous one plus an independent Gaussian step.
  The best forecast of the next value is the last value; nothing that reads the past can
  do better, because the next step is independent of it. A cautionary case.

:func:`make_signal` builds any of them by name (:data:`SIGNALS`), as the chapter's
comparison table and widget do.
"""

import numpy as np

from .._validate import require_positive_int

__all__ = ["PERIOD", "SIGNALS", "make_signal", "noisy_sine", "random_walk", "sine", "sum_of_sines"]

#: The main period of the periodic signals, in time steps (what the seasonal naive forecast
#: looks back).
PERIOD = 20

#: The signals :func:`make_signal` knows, in the order of the chapter's table.
SIGNALS = ("sine", "noisy sine", "sum of sines", "random walk")


def _check_rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy Generator, e.g. np.random.default_rng(0), "
            f"but got {type(rng).__name__}."
        )


def _positive_number(name, value):
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name} must be a number, but got {type(value).__name__}.")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive, finite number, but got {value}.")
    return float(value)


def sine(L, period=PERIOD, amplitude=1.0, phase=0.0):
    """``amplitude * sin(2 pi t / period + phase)`` for t = 0..L-1; returns (L,)."""
    L = require_positive_int("L", L)
    period = _positive_number("period", period)
    t = np.arange(L, dtype=np.float64)
    return amplitude * np.sin(2 * np.pi * t / period + phase)


def noisy_sine(L, rng, period=PERIOD, amplitude=1.0, noise=0.2):
    """:func:`sine` plus Gaussian noise of standard deviation ``noise``; returns (L,).

    The noise is drawn once, ``rng.standard_normal(L)``, after the argument checks.
    """
    _check_rng(rng)
    clean = sine(L, period, amplitude)
    if noise < 0:
        raise ValueError(f"noise must be 0 or greater, but got {noise}.")
    return clean + noise * rng.standard_normal(len(clean))


def sum_of_sines(L, periods=(PERIOD, 7.0), amplitudes=(1.0, 0.5)):
    """``sum_k amplitudes[k] * sin(2 pi t / periods[k])``; returns (L,).

    With the default periods 20 and 7 the sum repeats only every 140 steps, so looking back
    one main period (20 steps) does not give the next value.
    """
    if len(periods) != len(amplitudes) or len(periods) == 0:
        raise ValueError(
            f"periods and amplitudes must have the same, nonzero length, but have "
            f"{len(periods)} and {len(amplitudes)}."
        )
    return sum(sine(L, p, a) for p, a in zip(periods, amplitudes, strict=True))


def random_walk(L, rng, step=0.1, start=0.0):
    """``x_0 = start + e_0``, ``x_t = x_{t-1} + e_t`` with independent ``e_t ~ N(0, step**2)``.

    Returns (L,). The steps are drawn once, ``rng.standard_normal(L)``.
    """
    _check_rng(rng)
    L = require_positive_int("L", L)
    step = _positive_number("step", step)
    return start + np.cumsum(step * rng.standard_normal(L))


def make_signal(name, L, seed=0):
    """The signal called ``name`` (one of :data:`SIGNALS`), L values, random parts from ``seed``.

    Uses every generator's defaults: period 20, noise 0.2, periods (20, 7), steps of 0.1.
    """
    if name not in SIGNALS:
        raise ValueError(f"unknown signal {name!r}; choose one of {list(SIGNALS)}.")
    rng = np.random.default_rng(seed)
    if name == "sine":
        return sine(L)
    if name == "noisy sine":
        return noisy_sine(L, rng)
    if name == "sum of sines":
        return sum_of_sines(L)
    return random_walk(L, rng)
