"""Tests for chapter 8's checker, check.adding_problem.

It must pass the package's generator and a learner's version with another order of random
draws, say "not implemented" for the exercise stub, reject typical wrong versions with a hint
naming the mistake, and never raise.
"""

import numpy as np
import pytest

from rnncourse import check
from rnncourse.check import CheckResult
from rnncourse.data import long_range as data


def stub(N, T, rng):
    # YOUR CODE HERE
    raise NotImplementedError()


def assert_hint(result, keyword):
    assert isinstance(result, CheckResult)
    assert not result, repr(result)
    assert keyword in f"{result.message} {result.hint}", repr(result)


def adding(N, T, rng, *, mistake=None):
    """A learner's generator, drawing in another order than the package, with one mistake."""
    half = T // 2
    rows = np.arange(N)
    if mistake == "same half":
        first, second = rng.integers(0, half, size=N), rng.integers(0, half, size=N)
    elif mistake == "anywhere":
        first, second = rng.integers(0, T, size=N), rng.integers(0, T, size=N)
    elif mistake == "one position per batch":
        first, second = np.full(N, rng.integers(0, half)), np.full(N, rng.integers(half, T))
    elif mistake == "off by one":
        first, second = rng.integers(0, max(half - 1, 1), size=N), rng.integers(half, T, size=N)
    else:
        first, second = rng.integers(0, half, size=N), rng.integers(half, T, size=N)
    if mistake == "global rng":
        values = np.random.default_rng().random((N, T))
    elif mistake == "own seeded rng":
        values = np.random.default_rng(0).random((N, T))
    elif mistake == "normal values":
        values = rng.standard_normal((N, T))
    elif mistake == "same values":
        values = np.tile(rng.random(T), (N, 1))
    else:
        values = rng.random((N, T))
    markers = np.zeros((N, T))
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    y = (values * markers).sum(axis=1, keepdims=True)
    if mistake == "sum of all":
        y = values.sum(axis=1, keepdims=True)
    if mistake == "mean":
        y = y / 2
    if mistake == "markers as values":
        markers = markers * values
    x = np.stack([values, markers], axis=2)
    if mistake == "swapped channels":
        x = x[:, :, ::-1].copy()
    if mistake == "time-major":
        x = x.transpose(1, 0, 2).copy()
    if mistake == "channels first":
        x = x.transpose(0, 2, 1).copy()
    if mistake == "flat y":
        y = y[:, 0]
    if mistake == "return x only":
        return x
    return x, y


def test_reference_and_another_draw_order_pass():
    for fn in (data.adding_problem, adding):
        result = check.adding_problem(fn)
        assert result, repr(result)
        assert "all 5 test cases" in repr(result)


def test_stub_says_not_implemented():
    result = check.adding_problem(stub)
    assert not result and "not implemented" in repr(result)


@pytest.mark.parametrize(
    "mistake, keyword",
    [
        ("same half", "half"),
        ("anywhere", "half"),
        ("one position per batch", "every sequence"),
        ("off by one", "never lands on step"),
        ("global rng", "same seed"),
        ("own seeded rng", "different seeds"),
        ("normal values", "[0, 1)"),
        ("same values", "rng.random((N, T))"),
        ("sum of all", "*marked* values only"),
        ("mean", "not their mean"),
        ("markers as values", "marked *values*"),
        ("swapped channels", "swapped"),
        ("time-major", "time-major"),
        ("channels first", "channels come before time"),
        ("flat y", "(N, 1)"),
        ("return x only", "return both arrays"),
    ],
)
def test_mistakes_are_named(mistake, keyword):
    def fn(N, T, rng):
        return adding(N, T, rng, mistake=mistake)

    assert_hint(check.adding_problem(fn), keyword)


def test_odd_return_values_never_raise():
    for fn in (
        lambda N, T, rng: None,
        lambda N, T, rng: (None, None),
        lambda N, T, rng: (np.zeros((N, T, 2)), 1.0),
        lambda N, T, rng: (np.zeros((N, T, 2), dtype=int), np.zeros((N, 1))),
        lambda N, T, rng: (np.full((N, T, 2), np.nan), np.zeros((N, 1))),
        lambda N, T, rng: ([[0.0]], [0.0]),
        lambda N, T, rng: 1 / 0,
        lambda N, T: None,  # wrong signature
        lambda N, T, rng: (np.zeros((N, T, 2)), np.zeros((N, 1))),  # no markers at all
    ):
        result = check.adding_problem(fn)
        assert isinstance(result, CheckResult) and not result, repr(result)
    assert not check.adding_problem("adding_problem")  # not a function


def test_result_text_is_deterministic():
    def fn(N, T, rng):
        return adding(N, T, rng, mistake="sum of all")

    assert repr(check.adding_problem(fn)) == repr(check.adding_problem(fn))


# ---------------------------------------------------------------- catalogue and distribution


@pytest.mark.parametrize("mistake", check.adding_problem.catalogue, ids=lambda m: m.key)
def test_every_catalogue_entry_is_rejected_with_its_own_hint(mistake):
    result = check.adding_problem(mistake.fn)
    assert not result, mistake.key
    assert mistake.hint in result.hint, (mistake.key, repr(result))


def test_the_catalogue_entries_fail_in_another_draw_order_too():
    # the hints come from properties, so drawing markers before values changes nothing
    def squared(N, T, rng):
        first = rng.integers(0, T // 2, size=N)
        second = rng.integers(T // 2, T, size=N)
        values = rng.random((N, T)) ** 2
        rows = np.arange(N)
        markers = np.zeros((N, T))
        markers[rows, first] = markers[rows, second] = 1.0
        y = (values[rows, first] + values[rows, second])[:, None]
        return np.stack([values, markers], axis=2), y

    assert_hint(check.adding_problem(squared), "squared")
