"""Tests of the LSTM sequence checkers (rnncourse.check.lstm_forward / lstm_backward): the
package and the chapter's solution pass, every catalogue entry is rejected with its own hint,
a cache that would break the backward pass is named, and no checker ever raises."""

import numpy as np
import pytest

from rnncourse import check, lstm


def test_the_package_passes():
    assert check.lstm_forward(lstm.lstm_forward)
    assert check.lstm_backward(lstm.lstm_backward)
    assert {"lstm_forward", "lstm_backward"} <= set(check.__all__)


def _with_package_cache(mistake):
    def fn(x, h0, c0, params):
        return mistake.fn(x, h0, c0, params), lstm.lstm_forward(x, h0, c0, params)[1]

    return fn


def test_every_forward_catalogue_entry_is_rejected_with_its_own_hint():
    catalogue = check.lstm_forward.catalogue()
    assert len(catalogue) >= 9
    for mistake in catalogue:
        result = check.lstm_forward(_with_package_cache(mistake))
        assert not result.passed, mistake.key
        assert result.hint == mistake.hint, (mistake.key, result)


def test_every_backward_catalogue_entry_is_rejected_with_its_own_hint():
    catalogue = check.lstm_backward.catalogue()
    assert len(catalogue) >= 12
    assert {"no dc carry", "no dh carry", "skipped first step", "dx off by one"} <= {
        m.key for m in catalogue
    }
    for mistake in catalogue:
        result = check.lstm_backward(mistake.fn)
        assert not result.passed, mistake.key
        assert result.hint == mistake.hint, (mistake.key, result)


def _wrong_cache(change):
    def fn(x, h0, c0, params):
        h, cache = lstm.lstm_forward(x, h0, c0, params)
        return h, change(cache)

    return fn


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda c: list(c.steps), "not an LSTMCache"),
        (lambda c: tuple(c), "not an LSTMCache"),
        (lambda c: c._replace(steps=c.steps[:-1]), "step caches, not T"),
        (lambda c: c._replace(steps=c.steps[::-1]), "cache.steps[0]"),
        (lambda c: c._replace(x_shape=c.x_shape[::-1]), "cache.x_shape"),
        (
            lambda c: c._replace(steps=[s._replace(g=s.o) for s in c.steps]),
            "cache.steps[0].g is wrong",
        ),
        (
            lambda c: c._replace(steps=[tuple(s) for s in c.steps]),
            "cache.steps[0] is a plain tuple",
        ),
    ],
)
def test_a_wrong_cache_is_named(change, words):
    result = check.lstm_forward(_wrong_cache(change))
    assert not result.passed
    assert words in result.message, result


def test_a_new_mistake_is_localised_in_time():
    def late(x, h0, c0, params):  # right at step 0, then wrong: not a catalogue entry
        h, cache = lstm.lstm_forward(x, h0, c0, params)
        h = h.copy()
        h[:, 1:] *= 1.01
        return h, cache

    result = check.lstm_forward(late)
    assert not result.passed
    assert "only T = 1, 2, 3 of 0..3 differ" in result.hint, result

    def doubled_bias(dh, cache):
        dx, dh0, dc0, grads = lstm.lstm_backward(dh, cache)
        return dx, dh0, dc0, {**grads, "b": 3 * grads["b"]}

    result = check.lstm_backward(doubled_bias)
    assert "every entry is 3 times the right one" in result.hint, result
    assert "dx, dh0 and dc0 are right, so every step is right" in result.hint


def _crash(*args):
    return 1 / 0


def _mutating(dh, cache):
    out = lstm.lstm_backward(dh, cache)
    cache.steps[0].f[...] = 0
    return out


@pytest.mark.parametrize(
    "checker, fn, words",
    [
        (check.lstm_forward, _crash, "ZeroDivisionError"),
        (check.lstm_forward, lambda *a: None, "returned None"),
        (check.lstm_forward, lambda x, h0, c0, p: lstm.lstm_forward(x, h0, c0, p)[0], "tuple"),
        (check.lstm_backward, _crash, "ZeroDivisionError"),
        (check.lstm_backward, _mutating, "in place"),
        (check.lstm_backward, lambda dh, cache: lstm.lstm_backward(dh, cache)[:3], "tuple"),
        (check.lstm_backward, "not a function", "expected your function"),
    ],
)
def test_checkers_never_raise(checker, fn, words):
    result = checker(fn)
    assert not result.passed
    assert words in result.message, result
    assert repr(checker(fn)) == repr(result)


def test_float32_is_refused_with_a_dtype_hint():
    def f32(x, h0, c0, params):
        h, cache = lstm.lstm_forward(x, h0, c0, params)
        return h.astype(np.float32), cache

    assert "float64" in check.lstm_forward(f32).message
