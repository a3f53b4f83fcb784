"""Tests for chapter 9's checker, check.sliding_windows: it passes correct versions, says
"not implemented" for the exercise stub, names typical mistakes, and never raises."""

import numpy as np
import pytest

from rnncourse import check, forecast
from rnncourse.check import CheckResult, _forecast


def stub(series, T, horizon=1):
    # YOUR CODE HERE
    raise NotImplementedError()


def windows(series, T, horizon=1, *, mistake=None):
    """A learner's sliding_windows written by hand, with one mistake switched on."""
    L = len(series)
    N = L - T - horizon + 1
    if mistake == "one too few":
        N -= 1
    if mistake == "one too many":
        N += 1
    start = 1 if mistake == "window late" else 0
    offset = {"target overlaps window": -1, "target skips a value": 1}.get(mistake, 0)
    X = np.zeros((N, T, 1))
    y = np.zeros((N, horizon))
    for i in range(N):
        X[i, :, 0] = series[i + start : i + start + T]
        target = series[i + T + offset : i + T + offset + horizon]
        y[i, : len(target)] = target  # a careful learner avoids the crash at the end
    if mistake == "no feature axis":
        X = X[:, :, 0]
    if mistake == "time-major":
        X = X.transpose(1, 0, 2)
    if mistake == "y flat" and horizon == 1:
        y = y[:, 0]
    if mistake == "reversed":
        X = X[:, ::-1]
    if mistake == "horizon ignored":
        y = y[:, :1]
    if mistake == "stride T":
        keep = np.arange(0, N, T)
        X, y = X[keep], y[keep]
    return X, y


def vectorised(series, T, horizon=1):
    """A correct version another way: numpy's sliding_window_view."""
    view = np.lib.stride_tricks.sliding_window_view(series, T + horizon)  # (N, T + horizon)
    return view[:, :T, None], view[:, T:]


def assert_hint(result, keyword):
    assert isinstance(result, CheckResult)
    assert not result, repr(result)
    assert keyword in f"{result.message} {result.hint}", repr(result)


@pytest.mark.parametrize("fn", [forecast.sliding_windows, windows, vectorised])
def test_correct_versions_pass(fn):
    result = check.sliding_windows(fn)
    assert result, repr(result)
    assert "all 5 test cases" in repr(result)


def test_stub_says_not_implemented():
    result = check.sliding_windows(stub)
    assert not result and "not implemented" in repr(result)


@pytest.mark.parametrize(
    "mistake, keyword",
    [
        ("target overlaps window", "target overlaps its window"),
        ("target skips a value", "skips a value"),
        ("window late", "one step late"),
        ("one too few", "must be `N = L - T - horizon + 1` windows"),
        ("one too many", "must be `N = L - T - horizon + 1` windows"),
        ("no feature axis", "no feature axis"),
        ("time-major", "time-major"),
        ("y flat", "broadcasts to (N, N)"),
        ("reversed", "reverse order"),
        ("horizon ignored", "next horizon=3 values"),
        ("stride T", "one step apart"),
    ],
)
def test_mistakes_are_named(mistake, keyword):
    def fn(series, T, horizon=1):
        return windows(series, T, horizon, mistake=mistake)

    assert_hint(check.sliding_windows(fn), keyword)


def test_running_off_the_end_gets_the_range_hint():
    def crashes(series, T, horizon=1):
        N = len(series) - T + 1  # ignores horizon and counts one too many
        X, y = np.zeros((N, T, 1)), np.zeros((N, horizon))
        for i in range(N):
            X[i, :, 0] = series[i : i + T]
            y[i] = series[i + T : i + T + horizon]  # empty slice at the end: ValueError
        return X, y

    def index_error(series, T, horizon=1):
        N = len(series) - T + 1
        return np.zeros((N, T, 1)), np.array([[series[i + T]] for i in range(N)])

    for fn in (crashes, index_error):
        assert_hint(check.sliding_windows(fn), "ran past the last value")


def test_other_failures_are_reported_not_raised():
    def mutates(series, T, horizon=1):
        series[0] = 0.0
        return forecast.sliding_windows(series, T, horizon)

    def float32(series, T, horizon=1):
        X, y = forecast.sliding_windows(series, T, horizon)
        return X.astype(np.float32), y

    def no_horizon(series, T):
        return forecast.sliding_windows(series, T)

    assert_hint(check.sliding_windows(mutates), "in place")
    assert_hint(check.sliding_windows(float32), "float64")
    assert_hint(check.sliding_windows(no_horizon), "signature")
    assert_hint(check.sliding_windows(lambda s, T, horizon=1: None), "return X, y")
    assert_hint(check.sliding_windows(lambda s, T, horizon=1: (1, 2, 3)), "(X, y)")
    assert_hint(check.sliding_windows(lambda s, T, horizon=1: ([1.0], [2.0])), "numpy array")
    assert_hint(check.sliding_windows(forecast.sliding_windows(np.ones(5), 2)), "without calling")


@pytest.mark.parametrize(
    "fn",
    [
        lambda s, T, horizon=1: 1 / 0,
        lambda s, T, horizon=1: (np.full((8, 4, 1), np.nan), np.zeros((8, 1))),
        lambda s, T, horizon=1: (object(), object()),
        lambda s, T, horizon=1: {"X": 1},
        lambda s, T, horizon=1: (np.zeros((8, 4, 1)), np.zeros((8, 1))),
        lambda s, T, horizon=1: exec("raise SystemExit(3)"),
    ],
)
def test_never_raises(fn):
    result = check.sliding_windows(fn)
    assert isinstance(result, CheckResult) and not result
    assert result.message


# ---------------------------------------------------------------- catalogues and split_and_scale


@pytest.mark.parametrize(
    "checker, mistake",
    [(c, m) for c in (check.sliding_windows, check.split_and_scale) for m in c.catalogue],
    ids=lambda v: getattr(v, "key", getattr(v, "__name__", "")),
)
def test_every_catalogue_entry_is_rejected_with_its_own_hint(checker, mistake):
    result = checker(mistake.fn)
    assert not result, mistake.key
    assert mistake.hint in result.hint, (mistake.key, repr(result))


def test_split_and_scale_passes_the_reference_and_a_hand_version():
    def by_hand(series, T, split):
        mean, std = np.mean(series[:split]), np.std(series[:split])
        z = (series - mean) / std
        X_train, y_train = forecast.sliding_windows(z[:split], T)
        X_valid, y_valid = forecast.sliding_windows(z[split - T :], T)
        return X_train, y_train, X_valid, y_valid, mean, std

    for fn in (_forecast.split_reference, by_hand):
        result = check.split_and_scale(fn)
        assert result and "all 4 test cases" in repr(result), repr(result)


def test_split_and_scale_shuffled_another_way_is_caught():
    def shuffled(series, T, split):
        mean, std = np.mean(series[:split]), np.std(series[:split])
        X, y = forecast.sliding_windows((series - mean) / std, T)
        order = np.random.default_rng(5).permutation(len(X))  # not the catalogue's permutation
        n = split - T
        return X[order][:n], y[order][:n], X[order][n:], y[order][n:], mean, std

    assert_hint(check.split_and_scale(shuffled), "shuffled")


def test_split_and_scale_stub_and_odd_returns_never_raise():
    assert "not implemented" in repr(check.split_and_scale(stub))
    for fn in (lambda s, T, split: None, lambda s, T, split: (1, 2, 3, 4, 5, 6), lambda *a: 1 / 0):
        result = check.split_and_scale(fn)
        assert isinstance(result, CheckResult) and not result
