"""Checker for chapter 9: cutting a time series into windows and targets.

:func:`sliding_windows` calls the learner's ``fn(series, T, horizon=1) -> (X, y)`` on three
fixed float64 series whose values are all different, so every wrong index shows up as a
wrong number. It compares with :func:`rnncourse.forecast.sliding_windows`: X (N, T, 1) with
``X[i, :, 0] = series[i : i + T]`` and y (N, horizon) with
``y[i] = series[i + T : i + T + horizon]``, N = L - T - horizon + 1.

Typical mistakes are named: a target that overlaps its window or skips a value, windows
that start one step late (and so contain their own target), windows reversed in time, the
wrong number of windows, windows that do not slide by one step, a missing feature axis
((N, T) instead of (N, T, 1)), time-major X (T, N, 1), y ignoring ``horizon``, and y of
shape (N,) for horizon 1. That last one is **not accepted**: the model's forecast y_hat is
(N, 1), and ``y_hat - y`` with y (N,) broadcasts to an (N, N) array whose mean is a wrong
loss, without any error.
"""

from typing import NamedTuple

import numpy as np

from .. import forecast
from ..gradcheck import rel_error
from ._harness import (
    TOL,
    call,
    checker,
    copy_tree,
    diagnose,
    expect_array,
    expect_tuple,
    expect_unchanged,
)

RANGE_HINT = (
    "near the end of the series a slice ran past the last value. Window i is "
    "`series[i : i + T]` and its target `series[i + T : i + T + horizon]`; there are "
    "`N = L - T - horizon + 1` windows, so the last one (i = N - 1) has its target end "
    "exactly at the series' last value. Loop with `for i in range(N)`."
)
COUNT_HINT = (
    "there must be `N = L - T - horizon + 1` windows: one starting at every index i from 0 "
    "to N - 1, the last one with its target ending at the series' last value."
)


class Case(NamedTuple):
    series: np.ndarray  # (L,), all values different
    T: int
    horizon: int
    pass_horizon: bool  # False: call fn(series, T), to test the default horizon=1
    where: str


def cases():
    """The three fixed test cases."""
    out = []
    for k, (seed, L, T, horizon, pass_horizon) in enumerate(
        ((901, 12, 4, 1, False), (902, 15, 5, 3, True), (903, 7, 6, 1, True)), start=1
    ):
        rng = np.random.default_rng(seed)
        series = np.round(np.cumsum(rng.uniform(0.1, 1.0, L)) - 3.0, 3)  # increasing: distinct
        where = f" in test case {k} of 3 (L={L}, T={T}, horizon={horizon})"
        out.append(Case(series, T, horizon, pass_horizon, where))
    return out


def _cut(series, starts, length, offset=0):
    """``series[i + offset : i + offset + length]`` for every i in ``starts``, stacked into
    (len(starts), length): pieces cut the way a mistake cuts them (apart from the package)."""
    return np.array([series[i + offset : i + offset + length] for i in starts])


def _shape_hints_X(case, N):
    L, T, h = len(case.series), case.T, case.horizon
    hints = {
        (N, T): "X has no feature axis: the RNN reads x_t of shape (N, D), so X must be "
        "(N, T, D) = (N, T, 1). Add it with `X[:, :, None]` or `X.reshape(N, T, 1)`.",
        (T, N, 1): "X is time-major (T, N, 1); the course is batch-major: one row per window, "
        "X (N, T, 1), with `X[i, :, 0] = series[i : i + T]`.",
        (T, N): "X is time-major and has no feature axis: it must be (N, T, 1), one row per "
        "window, `X[i, :, 0] = series[i : i + T]`.",
        (N, 1, T): "the feature axis comes last: X is (N, T, 1), not (N, 1, T).",
        (N, T + 1, 1): "each window must hold T values, `series[i : i + T]`: yours holds T + 1, "
        "so its last value is the target itself.",
        (N, T - 1, 1): "each window must hold T values, `series[i : i + T]` (the end index is "
        "excluded by Python's slicing, so do not subtract 1).",
    }
    stride_T = (L - h - T) // T + 1  # windows that do not overlap: starts 0, T, 2T, ...
    if stride_T != N:
        hints.setdefault(
            (stride_T, T, 1),
            "windows must start one step apart (0, 1, 2, ...), so that they overlap; yours "
            "start T steps apart and leave out most of the training examples.",
        )
    for n in (N - 1, N + 1, N + h - 1, N - h):
        if n > 0 and n != N:
            hints.setdefault((n, T, 1), f"X has {n} windows, but the series gives {N}: "
                             + COUNT_HINT)  # fmt: skip
    return hints


def _shape_hints_y(case, N):
    h = case.horizon
    hints = {}
    if h == 1:
        hints[(N,)] = (
            "y must be (N, 1), not (N,), even for horizon 1: the model's forecast y_hat is "
            "(N, K) = (N, 1), and `y_hat - y` with y (N,) silently broadcasts to (N, N), a "
            "wrong loss. Keep the axis: `y[i] = series[i + T : i + T + horizon]` into "
            "an (N, horizon) array."
        )
    else:
        hints[(N, 1)] = (
            f"y must hold the next horizon={h} values of each window: "
            "`y[i] = series[i + T : i + T + horizon]`, an (N, horizon) array."
        )
        hints[(N,)] = hints[(N, 1)]
    hints.setdefault((h, N), "y is transposed: one row per window, (N, horizon).")
    hints.setdefault((N, h, 1), "y has no feature axis: it is (N, horizon), like y_hat.")
    for n in (N - 1, N + 1):
        if n > 0:
            hints.setdefault((n, h), f"y has {n} rows, but there are {N} windows: "
                             + COUNT_HINT)  # fmt: skip
    return hints


def _rows_match(got, wrong, rows):
    """True when the first ``rows`` rows of got equal those of wrong."""
    return rows > 0 and rel_error(got[:rows], wrong[:rows]) < TOL


def _diagnose_y(y, case, want_y, where):
    if rel_error(y, want_y) < TOL:
        return
    series, T, h = case.series, case.T, case.horizon
    N = want_y.shape[0]
    overlap = _cut(series, range(N), h, offset=T - 1)
    if rel_error(y, overlap) < TOL:
        hint = (
            "the target overlaps its window: y[i] starts with the window's last value. The "
            "target starts right after the window, at index i + T: "
            "`y[i] = series[i + T : i + T + horizon]`."
        )
        diagnose("y", y, want_y, [(hint, overlap)], where)
    skip = _cut(series, range(N - 1), h, offset=T + 1)  # for i = N - 1 it runs off the end
    if _rows_match(y, skip, N - 1):
        diagnose("y", y, want_y, [], where, fallback=(
            "the target skips a value: y[i] must start right after the window, at index "
            "i + T (Python's slice `series[i : i + T]` already stops before i + T)."
        ))  # fmt: skip
    if h > 1:
        first_only = np.repeat(want_y[:, :1], h, axis=1)
        if rel_error(y, first_only) < TOL:
            diagnose("y", y, want_y, [], where, fallback=(
                "every column of y holds the first target: y[i] is the *next horizon values*, "
                "`series[i + T : i + T + horizon]`."
            ))  # fmt: skip
    diagnose("y", y, want_y, [], where, fallback=(
        "y[i] must be the horizon values right after window i: "
        "`series[i + T : i + T + horizon]`."
    ))  # fmt: skip


@checker("sliding_windows")
def sliding_windows(fn):
    """Check ``fn(series, T, horizon=1) -> (X, y)`` against rnncourse.forecast."""
    hints = [
        (ValueError, "could not broadcast", RANGE_HINT),
        (ValueError, "inhomogeneous", RANGE_HINT),
        (IndexError, "out of bounds", RANGE_HINT),
    ]
    for case in cases():
        given = copy_tree({"series": case.series})
        kwargs = {"horizon": case.horizon} if case.pass_horizon else {}
        out = call(fn, given["series"], case.T, hints=hints, **kwargs)
        X, y = expect_tuple(out, ("X", "y"))
        expect_unchanged({"series": case.series}, given)
        want_X, want_y = forecast.sliding_windows(case.series, case.T, case.horizon)
        N, T, h = want_X.shape[0], case.T, case.horizon
        X = expect_array(X, "X", (N, T, 1), "(N, T, 1)", _shape_hints_X(case, N))
        y = expect_array(y, "y", (N, h), "(N, horizon)", _shape_hints_y(case, N))

        late = _cut(case.series, range(1, N + 1), T)[:, :, None]  # (N, T, 1)
        variants = [
            ("each window starts one step late, so it ends with (or contains) the value it "
             "should predict: the model would be shown the answer. Window i is "
             "`series[i : i + T]`, starting at i = 0.", late),
            ("the values of each window are in reverse order: keep time order, oldest "
             "first, `X[i, :, 0] = series[i : i + T]`.", want_X[:, ::-1]),
        ]  # fmt: skip
        diagnose("X", X, want_X, variants, case.where, fallback=(
            "window i must hold `series[i : i + T]`, in time order."
        ))  # fmt: skip
        _diagnose_y(y, case, want_y, case.where)
    return "X and y match rnncourse.forecast.sliding_windows on all 3 test cases."
