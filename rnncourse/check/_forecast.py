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
from ._catalogue import Mistake, Probe, pattern, shares_input, with_catalogue
from ._harness import (
    TOL,
    CheckFailed,
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


N_CASES = 5


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
        (
            (901, 12, 4, 1, False),
            (902, 15, 5, 3, True),
            (903, 7, 6, 1, True),
            (904, 6, 4, 2, True),  # N = 1: a single window
            (905, 9, 1, 2, True),  # T = 1: windows of one value
        ),
        start=1,
    ):
        rng = np.random.default_rng(seed)
        series = np.round(np.cumsum(rng.uniform(0.1, 1.0, L)) - 3.0, 3)  # increasing: distinct
        where = f" in test case {k} of {N_CASES} (L={L}, T={T}, horizon={horizon})"
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
def _sliding_windows(fn):
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
    return f"X and y match rnncourse.forecast.sliding_windows on all {N_CASES} test cases."


# ---------------------------------------------------------------- sliding_windows catalogue


def _windows_by_hand(series, T, horizon=1, *, k=None):
    """sliding_windows written out, with the mistake ``k`` switched on."""
    L = len(series)
    N = L - T - horizon + 1 + {"one too few": -1, "one too many": 1}.get(k, 0)
    start = 1 if k == "window late" else 0
    offset = {"target overlaps window": -1, "target skips a value": 1}.get(k, 0)
    X = np.zeros((max(N, 0), T, 1))
    y = np.zeros((max(N, 0), horizon))
    for i in range(max(N, 0)):
        piece = series[i + start : i + start + T]
        X[i, : len(piece), 0] = piece
        target = series[i + T + offset : i + T + offset + horizon]
        y[i, : len(target)] = target  # a careful learner avoids the crash at the end
    if k == "no feature axis":
        X = X[:, :, 0]
    if k == "time-major":
        X = X.transpose(1, 0, 2)
    if k == "y flat" and horizon == 1:
        y = y[:, 0]
    if k == "reversed":
        X = X[:, ::-1]
    if k == "horizon ignored":
        y = y[:, :1]
    if k == "first target repeated":
        y = np.repeat(y[:, :1], horizon, axis=1)
    if k == "stride T":
        keep = np.arange(0, len(X), T)
        X, y = X[keep], y[keep]
    return X, y


WINDOW_HINTS = {
    "target overlaps window": "the target overlaps its window",
    "target skips a value": "the target skips a value",
    "window late": "each window starts one step late",
    "one too few": COUNT_HINT,
    "one too many": COUNT_HINT,
    "no feature axis": "X has no feature axis",
    "time-major": "X is time-major",
    "y flat": "silently broadcasts to (N, N)",
    "reversed": "the values of each window are in reverse order",
    "horizon ignored": "`y[i] = series[i + T : i + T + horizon]`, an (N, horizon) array.",
    "first target repeated": "every column of y holds the first target",
    "stride T": "windows must start one step apart",
}


def _window_one_case(hint):
    """Hints drawn from one case's numbers or counts (a coincidence is possible there)."""
    fragments = (
        "one step late",
        "reverse order",
        "overlaps its window",
        "skips a value",
        "holds the first target",
        "windows, but the series gives",
        "rows, but there",
    )
    return any(f in hint for f in fragments)


def _window_probes():
    return [
        Probe(lambda c=c: ((c.series, c.T), {"horizon": c.horizon} if c.pass_horizon else {}))
        for c in cases()
    ]


sliding_windows = with_catalogue(
    _sliding_windows,
    _window_probes,
    [
        Mistake(key, hint, lambda s, T, horizon=1, key=key: _windows_by_hand(s, T, horizon, k=key))
        for key, hint in WINDOW_HINTS.items()
    ],
    forecast.sliding_windows,
    _window_one_case,
)


# ---------------------------------------------------------------- split_and_scale

LEAK_HINT = (
    "the scaling statistics must come from the training part only, `series[:split]`: a mean "
    "or standard deviation that has seen later values leaks the future into training (the "
    "model learns where the series goes next, which it could not know when forecasting)."
)
SHUFFLE_HINT = (
    "the windows were shuffled (or mixed) before the split: some validation targets come from "
    "before `split`, and training windows from after it, so the model trains on the future. "
    "Split in time order first, then cut the windows of each part; shuffle only the training "
    "windows, later, inside the training loop."
)


class SplitCase(NamedTuple):
    series: np.ndarray
    T: int
    split: int
    where: str


def split_cases():
    """Trending series (so that statistics of the whole series differ from the training
    part's), one with a single validation window, one with T = 1."""
    out = []
    settings = ((931, 40, 5, 30), (932, 25, 3, 24), (933, 18, 1, 12), (934, 60, 8, 41))
    for k, (seed, L, T, split) in enumerate(settings, start=1):
        rng = np.random.default_rng(seed)
        t = np.arange(L)
        series = 0.3 * t + np.sin(0.7 * t) + 0.2 * rng.standard_normal(L) + 5.0
        where = f" in test case {k} of {len(settings)} (L={L}, T={T}, split={split})"
        out.append(SplitCase(series, T, split, where))
    return out


SPLIT_NAMES = ("X_train", "y_train", "X_valid", "y_valid", "mean", "std")


def split_reference(series, T, split):
    """The package's answer: rnncourse.forecast.time_split_windows, as a flat tuple."""
    w = forecast.time_split_windows(series, T, split)
    return w.X_train, w.y_train, w.X_valid, w.y_valid, w.scaler.mean, w.scaler.std


def _expect_float(value, what, where):
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(())[()]
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise CheckFailed(
            f"{what} is {type(value).__name__}{where}, but must be one number.",
            f"return the training part's {what} as a number: "
            f"`{what} = float(np.{what}(series[:split]))`.",
        )
    return float(value)


def _check_order(y_valid, series, split, scale, where):
    """The validation targets must be series[split:], in time order (SHUFFLE_HINT)."""
    mean, std = scale
    if std == 0 or not np.isfinite(std):
        return
    values = y_valid[:, 0] * std + mean
    future = series[split:]
    if values.shape == future.shape and np.allclose(values, future, rtol=1e-9, atol=1e-9):
        return
    known = np.isclose(values[:, None], series[None, :], rtol=1e-9, atol=1e-9)
    if known.any(axis=1).all() and (np.argmax(known, axis=1) < split).any():
        raise CheckFailed(
            f"y_valid holds values from before the split{where}: validation targets must be "
            f"series[split:], in time order.",
            SHUFFLE_HINT,
        )


@checker("split_and_scale")
def _split_and_scale(fn):
    """Check ``fn(series, T, split) -> (X_train, y_train, X_valid, y_valid, mean, std)``."""
    for case in split_cases():
        given = copy_tree({"series": case.series})
        out = call(fn, given["series"], case.T, case.split)
        got = expect_tuple(out, SPLIT_NAMES)
        expect_unchanged({"series": case.series}, given)
        want = split_reference(case.series, case.T, case.split)
        mean = _expect_float(got[4], "mean", case.where)
        std = _expect_float(got[5], "std", case.where)
        leak_stats = [
            (case.series.mean(), case.series.std()),
            (case.series[case.split :].mean(), case.series[case.split :].std()),
            (case.series[case.split - case.T :].mean(), case.series[case.split - case.T :].std()),
        ]
        for m, sd in leak_stats:
            if np.isclose(mean, m, rtol=1e-9) or np.isclose(std, sd, rtol=1e-9):
                raise CheckFailed(
                    f"mean = {mean:.6g} and std = {std:.6g}{case.where}, but the training part "
                    f"series[:split] has mean {want[4]:.6g} and std {want[5]:.6g}.",
                    LEAK_HINT,
                )
        for label, value, right in (("mean", mean, want[4]), ("std", std, want[5])):
            if abs(value - right) > TOL * (abs(value) + abs(right)):
                hint = (
                    "use `np.std(series[:split])` (numpy's default, ddof=0), as fit_scaler does."
                    if label == "std"
                    and np.isclose(value, np.std(case.series[: case.split], ddof=1), rtol=1e-9)
                    else f"the {label} of the training part, `np.{label}(series[:split])`."
                )
                raise CheckFailed(
                    f"{label} is {value:.8g}{case.where}, expected {right:.8g}.", hint
                )
        N_train, N_valid = want[0].shape[0], want[2].shape[0]
        arrays = {}
        for label, value, right, count in zip(
            SPLIT_NAMES[:4], got[:4], want[:4], (N_train, N_train, N_valid, N_valid), strict=True
        ):
            part = label.split("_")[1]
            dims = f"(N_{part}, T, 1)" if label.startswith("X") else f"(N_{part}, 1)"
            hints = {}
            if label.endswith("valid"):
                hints[(count - case.T, *right.shape[1:])] = (
                    "the validation windows start T steps before the split, `z[split - T:]`, "
                    "so that their targets are exactly the values from `split` on; cut from "
                    "`z[split:]`, the first T validation values are never forecast."
                )
            else:
                hints[(count + 1, *right.shape[1:])] = (
                    "the last training window's target is `series[split]`, a validation value: "
                    "cut the training windows from `z[:split]` only."
                )
            arrays[label] = expect_array(value, label, right.shape, dims, hints)
        if shares_input(got[:4], given):
            raise CheckFailed(
                f"an array you returned shares memory with series{case.where}.",
                "scale into a new array, `z = (series - mean) / std`, and cut the windows from it.",
            )
        _check_order(arrays["y_valid"], case.series, case.split, (mean, std), case.where)
        for label, right in zip(SPLIT_NAMES[:4], want[:4], strict=True):
            value = arrays[label]
            if label.startswith("y") and np.allclose(value, right * want[5] + want[4], rtol=1e-9):
                diagnose(label, value, right, [], case.where, fallback=(
                    f"{label} is in the series' units: scale the targets too, with the same "
                    "mean and std as the inputs (`z = (series - mean) / std`, then cut)."
                ))  # fmt: skip
            if label.startswith("X") and np.allclose(value, right * want[5] + want[4], rtol=1e-9):
                diagnose(label, value, right, [], case.where, fallback=(
                    f"{label} is not scaled: cut the windows from `z = (series - mean) / std`."
                ))  # fmt: skip
            axes = ("N", "T", "D") if label.startswith("X") else ("N", "horizon")
            diagnose(label, value, right, [], case.where, fallback=(
                pattern(value, right, axes)
                + " Scale the whole series with the training statistics, "
                "`z = (series - mean) / std`, then `sliding_windows(z[:split], T)` and "
                "`sliding_windows(z[split - T:], T)`."
            ).strip())  # fmt: skip
    return (
        "the windows, targets and statistics match rnncourse.forecast.time_split_windows on "
        f"all {len(split_cases())} test cases: no statistics from validation data, nothing "
        "shuffled across the split."
    )


def _split_by_hand(series, T, split, *, k=None):
    """split_and_scale written out, with the mistake ``k`` switched on."""
    part = {
        "statistics of the whole series": series,
        "statistics of the validation part": series[split:],
    }.get(k, series[:split])
    mean, std = float(np.mean(part)), float(np.std(part, ddof=1 if k == "ddof=1" else 0))
    z = (series - mean) / std
    if k == "each part its own statistics":
        train, valid = series[:split], series[split - T :]
        zt = (train - train.mean()) / train.std()
        zv = (valid - valid.mean()) / valid.std()
        Xt, yt = forecast.sliding_windows(zt, T)
        Xv, yv = forecast.sliding_windows(zv, T)
        return Xt, yt, Xv, yv, float(train.mean()), float(train.std())
    if k == "shuffled before the split":
        X, y = forecast.sliding_windows(z, T)
        order = np.random.default_rng(0).permutation(len(X))
        X, y = X[order], y[order]
        n_train = split - T
        return X[:n_train], y[:n_train], X[n_train:], y[n_train:], mean, std
    if k == "targets unscaled":
        Xt, _ = forecast.sliding_windows(z[:split], T)
        Xv, _ = forecast.sliding_windows(z[split - T :], T)
        _, yt = forecast.sliding_windows(series[:split], T)
        _, yv = forecast.sliding_windows(series[split - T :], T)
        return Xt, yt, Xv, yv, mean, std
    if k == "not scaled":
        z = series.copy()
    train_part = z[: split + 1] if k == "training target at the split" else z[:split]
    valid_part = z[split:] if k == "validation from the split" else z[split - T :]
    Xt, yt = forecast.sliding_windows(train_part, T)
    Xv, yv = forecast.sliding_windows(valid_part, T)
    return Xt, yt, Xv, yv, mean, std


SPLIT_HINTS = {
    "statistics of the whole series": LEAK_HINT,
    "statistics of the validation part": LEAK_HINT,
    "each part its own statistics": "scale both parts with the training statistics",
    "shuffled before the split": SHUFFLE_HINT,
    "ddof=1": "numpy's default, ddof=0",
    "targets unscaled": "scale the targets too",
    "not scaled": "is not scaled",
    "training target at the split": "the last training window's target is `series[split]`",
    "validation from the split": "the validation windows start T steps before the split",
}


def _split_probes():
    return [Probe(lambda c=c: ((c.series, c.T, c.split), {})) for c in split_cases()]


split_and_scale = with_catalogue(
    _split_and_scale,
    _split_probes,
    [
        Mistake(key, hint, lambda s, T, split, key=key: _split_by_hand(s, T, split, k=key))
        for key, hint in SPLIT_HINTS.items()
    ],
    split_reference,
    one_case_hints=(),
)
