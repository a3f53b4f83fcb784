"""Tests for chapter 10's checkers: sample_with_temperature and perplexity.

Each checker must pass the reference, say "not implemented" for the exercise stub, reject
typical wrong versions with a hint naming the mistake, and never raise.
"""

import numpy as np
import pytest

from rnncourse import charlm, check
from rnncourse.activations import log_softmax
from rnncourse.check import CheckResult, _charlm


def stub(*args, **kwargs):
    # YOUR CODE HERE
    raise NotImplementedError()


def assert_hint(result, keyword):
    assert isinstance(result, CheckResult)
    assert not result, repr(result)
    assert keyword in f"{result.message} {result.hint}", repr(result)


# ---------------------------------------------------------------- sample_with_temperature


def sample(scores, temperature, rng, *, mistake=None):
    """A learner's sampler written by hand, with one mistake switched on."""
    z = scores * temperature if mistake == "multiplied" else scores / temperature
    if mistake == "ignored":
        z = scores
    if mistake != "no max":
        z = z - z.max()
    e = np.exp(z)
    probs = e if mistake == "not normalised" else e / e.sum()
    if mistake == "log-probs":
        return 0, log_softmax(scores / temperature)
    if mistake == "log-probs drawn":
        return rng.choice(len(probs), p=log_softmax(scores / temperature)), probs
    if mistake == "greedy":
        return int(np.argmax(probs)), probs
    if mistake == "global rng":
        return int(np.random.choice(len(probs), p=probs)), probs
    if mistake == "new rng":
        return int(np.random.default_rng(0).choice(len(probs), p=probs)), probs
    if mistake == "untempered draw":
        return int(rng.choice(len(probs), p=charlm.softmax_with_temperature(scores, 1.0))), probs
    if mistake == "uniform draw":
        return int(rng.choice(len(probs))), probs
    if mistake == "size 1":
        return rng.choice(len(probs), size=1, p=probs), probs
    if mistake == "out of range":
        return int(rng.choice(len(probs), p=probs)) + 1, probs
    if mistake == "probability":
        return float(probs.max()), probs
    if mistake == "swapped":
        return probs, int(rng.choice(len(probs), p=probs))
    return rng.choice(len(probs), p=probs), probs


def test_sample_reference_and_hand_version_pass():
    for fn in (charlm.sample_with_temperature, sample):
        result = check.sample_with_temperature(fn)
        assert result, repr(result)
        assert "all 4 test cases" in repr(result) and "2,000 draws" in repr(result)


def test_sample_with_searchsorted_passes():
    def by_cdf(scores, temperature, rng):
        z = scores / temperature
        e = np.exp(z - z.max())
        probs = e / e.sum()
        return int(np.searchsorted(np.cumsum(probs), rng.random(), side="right")), probs

    assert check.sample_with_temperature(by_cdf)


def test_sample_stub_says_not_implemented():
    result = check.sample_with_temperature(stub)
    assert not result and "not implemented" in repr(result)


@pytest.mark.parametrize(
    "mistake, keyword",
    [
        ("multiplied", "multiplied instead of divided"),
        ("ignored", "temperature has no effect"),
        ("no max", "Subtract the largest value"),
        ("not normalised", "sum to 1"),
        ("log-probs", "log-probabilities"),
        ("log-probs drawn", "negative 'probabilities'"),
        ("greedy", "not `np.argmax`"),
        ("global rng", "not with `np.random`"),
        ("new rng", "created inside your function"),
        ("untempered draw", "follow `softmax(scores)`"),
        ("uniform draw", "the draws are uniform"),
        ("size 1", "without a `size` argument"),
        ("out of range", "outside [0, V)"),
        ("probability", "an index is an integer"),
        ("swapped", "probs"),
    ],
)
def test_sample_mistakes_are_named(mistake, keyword):
    def fn(scores, temperature, rng):
        return sample(scores, temperature, rng, mistake=mistake)

    assert_hint(check.sample_with_temperature(fn), keyword)


def test_sample_overflow_names_the_low_temperature_case():
    result = check.sample_with_temperature(lambda s, t, r: sample(s, t, r, mistake="no max"))
    assert "test case 4 of 4" in result.message and "temperature=0.02" in result.message


def test_sample_probs_only_returned_without_sampling():
    def probs_without_nan_check(scores, temperature, rng):
        e = np.exp(scores / temperature)  # overflows at case 4, returns NaN probs
        return 0, e / e.sum()

    assert_hint(check.sample_with_temperature(probs_without_nan_check), "Subtract the largest")


def test_sample_in_place_division_is_caught():
    def in_place(scores, temperature, rng):
        scores /= temperature
        scores -= scores.max()
        probs = np.exp(scores) / np.exp(scores).sum()
        return int(rng.choice(len(probs), p=probs)), probs

    assert_hint(check.sample_with_temperature(in_place), "`z = scores / temperature`")


def test_sample_wrong_return_values():
    assert_hint(check.sample_with_temperature(lambda s, t, r: None), "must return a tuple")
    assert_hint(check.sample_with_temperature(lambda s, t, r: (0,)), "return exactly")
    assert_hint(
        check.sample_with_temperature(lambda s, t, r: (0, list(np.ones(len(s)) / len(s)))),
        "numpy array",
    )


def test_sample_variants_differ_from_the_reference():
    kept = []
    for case in _charlm.sample_cases():
        want = charlm.softmax_with_temperature(case.scores, case.temperature)
        variants = _charlm._probs_variants(case.scores, case.temperature)
        for hint, wrong in variants:
            assert not np.allclose(wrong, want), hint
        kept.append(len(variants))
    assert kept[0] == 3 and kept[1] == kept[2] == 6  # at temperature 1, 3 mistakes are right


# ---------------------------------------------------------------- perplexity


def perplexity(p_true, *, mistake=None):
    """A learner's perplexity written by hand, with one mistake switched on."""
    p = np.asarray(p_true)
    if mistake == "no exp":
        return -np.mean(np.log(p))
    if mistake == "sum":
        return np.exp(-np.sum(np.log(p)))
    if mistake == "log2 with exp":
        return np.exp(-np.mean(np.log2(p)))
    if mistake == "ln with 2**":
        return 2 ** (-np.mean(np.log(p)))
    if mistake == "no minus":
        return np.exp(np.mean(np.log(p)))
    if mistake == "arithmetic":
        return np.mean(1 / p)
    if mistake == "as losses":
        return np.exp(np.mean(p))
    if mistake == "per row":
        return np.exp(-np.mean(np.log(p), axis=-1))
    if mistake == "bits":
        return -np.mean(np.log2(p))
    if mistake == "base 2 throughout":
        return 2 ** (-np.mean(np.log2(p)))  # right: one base for both
    return float(np.exp(-np.mean(np.log(p))))


def test_perplexity_reference_and_hand_versions_pass():
    for fn in (charlm.perplexity, perplexity, lambda p: perplexity(p, mistake="base 2 throughout")):
        result = check.perplexity(fn)
        assert result, repr(result)
        assert "all 6 test cases" in repr(result)


def test_perplexity_stub_says_not_implemented():
    result = check.perplexity(stub)
    assert not result and "not implemented" in repr(result)


@pytest.mark.parametrize(
    "mistake, keyword",
    [
        ("no exp", "exp is missing"),
        ("sum", "not the sum"),
        ("log2 with exp", "different bases"),
        ("ln with 2**", "different bases"),
        ("no minus", "minus sign is missing"),
        ("arithmetic", "*geometric* mean"),
        ("as losses", "not losses"),
        ("per row", "without an `axis`"),
        ("bits", "in bits"),
    ],
)
def test_perplexity_mistakes_are_named(mistake, keyword):
    assert_hint(check.perplexity(lambda p: perplexity(p, mistake=mistake)), keyword)


def test_perplexity_odd_returns():
    assert_hint(check.perplexity(lambda p: None), "one number")
    assert_hint(check.perplexity(lambda p: "3.1"), "one number")
    assert_hint(check.perplexity(lambda p: np.inf), "returned inf")

    def in_place(p_true):
        p_true[...] = np.log(p_true)
        return float(np.exp(-p_true.mean()))

    assert_hint(check.perplexity(in_place), "in place")
    assert check.perplexity(lambda p: np.array(charlm.perplexity(p)))  # a 0-d array is fine


def test_perplexity_variants_differ_from_the_reference():
    kept = []
    for case in _charlm.perplexity_cases():
        want = charlm.perplexity(case.p_true)
        variants = _charlm._perplexity_variants(case.p_true)
        for hint, wrong in variants:
            assert not np.isclose(wrong, want), hint
        kept.append(len(variants))
    assert kept[0] == kept[1] == 11 and kept[2] < 11  # uniform p: 1/mean(p) is right too


# ---------------------------------------------------------------- never raises


class Weird:
    def __str__(self):
        raise RuntimeError("no str")


@pytest.mark.parametrize("target", [check.sample_with_temperature, check.perplexity])
@pytest.mark.parametrize(
    "fn",
    [
        None,
        42,
        lambda *a: Weird(),
        lambda *a: (Weird(), Weird()),
        lambda *a: 1 / 0,
        lambda *a: (_ for _ in ()).throw(KeyError("x")),
        lambda *a: (np.nan, np.full(3, np.nan)),
        lambda *a: np.array([1.0, np.nan]),
        lambda: 0,
    ],
    ids=["none", "int", "weird", "weird-pair", "zero-division", "key-error", "nan", "nan-array",
         "no-arguments"],
)  # fmt: skip
def test_checkers_never_raise(target, fn):
    result = target(fn)
    assert isinstance(result, CheckResult) and not result
    assert isinstance(repr(result), str) and isinstance(result._repr_html_(), str)


# ---------------------------------------------------------------- catalogues


@pytest.mark.parametrize(
    "checker, mistake",
    [(c, m) for c in (check.sample_with_temperature, check.perplexity) for m in c.catalogue],
    ids=lambda v: getattr(v, "key", getattr(v, "__name__", "")),
)
def test_every_catalogue_entry_is_rejected_with_its_own_hint(checker, mistake):
    result = checker(mistake.fn)
    assert not result, mistake.key
    assert mistake.hint in result.hint, (mistake.key, repr(result))


def test_a_perplexity_right_on_one_token_only_is_not_named_by_that_case():
    # the sum equals the mean for one token: that case alone must not decide
    def sum_except_long(p):
        return float(np.exp(-np.log(p).sum())) if p.size < 9 else float(np.exp(-np.log(p).mean()))

    result = check.perplexity(sum_except_long)
    assert not result and "not the sum" not in result.hint, repr(result)
