"""Tests for chapter 3's checkers: gradient_norms_per_step and clip_by_global_norm.

Each checker must pass the reference, say "not implemented" for the exercise stub, reject
typical wrong versions with a hint naming the mistake, and never raise.
"""

import numpy as np
import pytest

from rnncourse import check, clipping, gradients, rnn
from rnncourse.check import _gradients

# ---------------------------------------------------------------- gradient_norms_per_step


def walk(dh_last, cache, *, deriv="h_t", transpose=True, store="reach", carry="replace"):
    """A learner's loop written by hand, with one mistake switched on by the options."""
    T = len(cache.steps)
    norms = np.zeros(T)
    dh_t = dh_last
    for t in reversed(range(T)):
        step = cache.steps[t]
        if store == "reach":
            norms[t] = np.linalg.norm(dh_t)
        factor = {"h_t": 1 - step.h_t**2, "none": 1.0, "h_prev": 1 - step.h_prev**2}[deriv]
        W = step.params["W_hh"]
        dh_prev = (dh_t * factor) @ (W.T if transpose else W)
        if store == "prev":
            norms[t] = np.linalg.norm(dh_prev)
        dh_t = dh_t + dh_prev if carry == "add" else dh_prev
    return norms


def reference_norms(dh_last, cache):
    T = len(cache.steps)
    norms = np.zeros(T)
    dh_t = dh_last
    for t in reversed(range(T)):
        norms[t] = np.linalg.norm(dh_t)
        _, dh_t, _ = rnn.rnn_step_backward(dh_t, cache.steps[t])
    return norms


def stub(dh_last, cache):
    # YOUR CODE HERE
    raise NotImplementedError()


def test_reference_and_hand_walk_pass():
    for fn in (gradients.gradient_norms_per_step, reference_norms, walk):
        result = check.gradient_norms_per_step(fn)
        assert result, repr(result)
        assert "all 3 test cases" in repr(result)


def test_list_of_floats_is_accepted():
    result = check.gradient_norms_per_step(lambda d, c: list(reference_norms(d, c)))
    assert result, repr(result)


def test_stub_says_not_implemented():
    result = check.gradient_norms_per_step(stub)
    assert not result
    assert "not implemented" in repr(result)


@pytest.mark.parametrize(
    "fn, keyword",
    [
        (lambda d, c: walk(d, c, deriv="none"), "tanh derivative is missing"),
        (lambda d, c: walk(d, c, transpose=False), "not transposed"),
        (lambda d, c: walk(d, c, store="prev"), "off by one"),
        (lambda d, c: walk(d, c, carry="add"), "accumulates"),
        (lambda d, c: walk(d, c, deriv="h_prev"), "at h_prev"),
        (lambda d, c: reference_norms(d, c)[::-1].copy(), "reverse order"),
        (lambda d, c: reference_norms(d, c) ** 2, "squared norms"),
        (lambda d, c: np.append(reference_norms(d, c), 0.0), "T + 1 entries"),
        (lambda d, c: float(reference_norms(d, c)[0]), "not a single number"),
    ],
    ids=[
        "no-tanh-derivative",
        "W_hh-not-transposed",
        "off-by-one",
        "accumulating",
        "derivative-at-h_prev",
        "reversed",
        "squared",
        "T+1",
        "scalar",
    ],
)
def test_wrong_norms_are_named(fn, keyword):
    result = check.gradient_norms_per_step(fn)
    assert not result
    assert keyword in repr(result), repr(result)


def test_per_sequence_norms_are_named():
    def mean_over_batch(dh_last, cache):
        T = len(cache.steps)
        norms, dh_t = np.zeros(T), dh_last
        for t in reversed(range(T)):
            norms[t] = np.mean(np.linalg.norm(dh_t, axis=1))
            _, dh_t, _ = rnn.rnn_step_backward(dh_t, cache.steps[t])
        return norms

    result = check.gradient_norms_per_step(mean_over_batch)
    assert not result and "whole batch" in repr(result), repr(result)


def test_mutating_dh_last_is_caught():
    def mutating(dh_last, cache):
        norms = reference_norms(dh_last.copy(), cache)
        dh_last *= 0
        return norms

    result = check.gradient_norms_per_step(mutating)
    assert not result and "in place" in repr(result), repr(result)


def test_variants_differ_from_the_reference():
    # every planted mistake must give numbers a correct function cannot give
    for prob in _gradients._norm_problems():
        reference = gradients.gradient_norms_per_step(prob.dh_last, prob.cache)
        _, variants = _gradients._norms_variants(prob.dh_last, prob.cache)
        for hint, wrong in variants:
            assert wrong.shape == reference.shape, hint
            if prob.dh_last.shape[0] == 1 and "whole batch" in hint:
                continue  # with N = 1 the batch norm and the per-sequence norm agree
            assert np.linalg.norm(wrong - reference) > 1e-3 * np.linalg.norm(reference), hint
        # the norms stay within a few orders of magnitude, so rel_error sees every entry
        assert reference.max() / reference.min() < 1e3


# ---------------------------------------------------------------- clip_by_global_norm


def clip_reference(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g**2) for g in grads.values())))
    scale = min(1.0, max_norm / total)
    return {k: g * scale for k, g in grads.items()}, total


def clip_stub(grads, max_norm):
    # YOUR CODE HERE
    raise NotImplementedError()


def per_tensor(grads, max_norm):
    out = {}
    for k, g in grads.items():
        n = np.linalg.norm(g)
        out[k] = g * min(1.0, max_norm / n)
    total = float(np.sqrt(sum(np.sum(g**2) for g in grads.values())))
    return out, total


def always(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g**2) for g in grads.values())))
    return {k: g * (max_norm / total) for k, g in grads.items()}, total


def by_value(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g**2) for g in grads.values())))
    return {k: np.clip(g, -max_norm, max_norm) for k, g in grads.items()}, total


def mutating(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g**2) for g in grads.values())))
    if total > max_norm:
        for g in grads.values():
            g *= max_norm / total
    return grads, total


def mutating_dict(grads, max_norm):
    clipped, total = clip_reference(grads, max_norm)
    grads.update(clipped)
    return grads, total


def clipped_norm(grads, max_norm):
    clipped, total = clip_reference(grads, max_norm)
    return clipped, min(total, max_norm)


def squared_total(grads, max_norm):
    clipped, total = clip_reference(grads, max_norm)
    return clipped, total**2


def test_clip_reference_passes():
    for fn in (clipping.clip_by_global_norm, clip_reference):
        result = check.clip_by_global_norm(fn)
        assert result, repr(result)


def test_clip_stub_says_not_implemented():
    result = check.clip_by_global_norm(clip_stub)
    assert not result and "not implemented" in repr(result)


@pytest.mark.parametrize(
    "fn, keyword",
    [
        (per_tensor, "its own norm"),
        (always, "below max_norm"),
        (by_value, "clipping by value"),
        (mutating, "in place"),
        (mutating_dict, "in place"),
        (clipped_norm, "*before* clipping"),
        (squared_total, "squared norm"),
        (lambda g, m: clip_reference(g, m)[0], "tuple (clipped, total_norm)"),
        (lambda g, m: (clip_reference(g, m)[0], "big"), "must be a number"),
        (lambda g, m: ({"W_hh": g["W_hh"]}, 1.0), "has no key"),
    ],
    ids=[
        "per-tensor",
        "always",
        "by-value",
        "mutating-arrays",
        "mutating-dict",
        "clipped-norm",
        "squared",
        "no-tuple",
        "string-norm",
        "missing-key",
    ],
)
def test_wrong_clipping_is_named(fn, keyword):
    result = check.clip_by_global_norm(fn)
    assert not result
    assert keyword in repr(result), repr(result)


def test_clip_cases_separate_the_mistakes():
    cases = _gradients._clip_cases()
    totals = [clipping.global_norm(c.grads) for c in cases]
    assert totals[0] > cases[0].max_norm and totals[2] > cases[2].max_norm
    assert totals[1] < cases[1].max_norm
    big = cases[0].grads
    assert np.abs(big["W_hh"]).max() > 5  # value clipping changes something
    assert np.linalg.norm(big["W_xh"]) < 5 < np.linalg.norm(big["W_hh"])  # per-tensor differs


@pytest.mark.parametrize(
    "checker", [check.clip_by_global_norm, check.gradient_norms_per_step], ids=["clip", "norms"]
)
def test_checkers_never_raise(checker):
    def boom(*args):
        raise RuntimeError("boom")

    def nan(*args):
        return np.full(3, np.nan), np.nan

    for fn in (None, 3, boom, nan, lambda *a: None, lambda *a: "text", lambda *a: (1, 2, 3)):
        result = checker(fn)
        assert not result
        assert isinstance(repr(result), str) and isinstance(result._repr_html_(), str)


# ---------------------------------------------------------------- catalogues and copies


@pytest.mark.parametrize("name", ["gradient_norms_per_step", "clip_by_global_norm"])
def test_every_catalogue_entry_is_rejected_with_its_own_hint(name):
    checker = getattr(check, name)
    catalogue = checker.catalogue()
    assert len(catalogue) >= 9
    for mistake in catalogue:
        result = checker(mistake.fn)
        assert not result.passed, mistake.key
        assert result.hint == mistake.hint, (mistake.key, result)


@pytest.mark.parametrize(
    "fn, words",
    [
        (
            lambda grads, m: (
                (grads, clipping.clip_by_global_norm(grads, m)[1])
                if clipping.clip_by_global_norm(grads, m)[1] <= m
                else clipping.clip_by_global_norm(grads, m)
            ),
            "the grads dict your function was given",
        ),
        (
            lambda grads, m: (
                (dict(grads), clipping.clip_by_global_norm(grads, m)[1])
                if clipping.clip_by_global_norm(grads, m)[1] <= m
                else clipping.clip_by_global_norm(grads, m)
            ),
            "shares memory with",
        ),
    ],
)
def test_returning_the_input_arrays_is_refused_with_a_copy_hint(fn, words):
    result = check.clip_by_global_norm(fn)
    assert not result.passed and words in result.message, result
    assert "copy" in result.hint
