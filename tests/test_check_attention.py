"""Tests of the attention exercise checkers (rnncourse.check.additive_score,
luong_general_score, masked_context): the package passes, a stub is "not implemented",
typical mistakes earn their hint, and no checker ever raises."""

import numpy as np
import pytest

from rnncourse import attention, check
from rnncourse.activations import softmax
from rnncourse.check import _attention

# --- learner-style implementations, each with one optional mistake ----------------------


def additive_forward(q, k, params, mistake=None):
    W_q, W_k, v = params["W_q"], params["W_k"], params["v"]
    if mistake == "transposed":
        W_q = W_q.T
    a = (q @ W_q)[:, None, :] + k @ W_k
    if mistake == "no_broadcast":
        a = q @ W_q + k @ W_k
    e = a if mistake == "no_tanh" else np.tanh(a)
    scores = e.sum(axis=2) if mistake == "no_v" else e @ v
    if mistake == "softmax":
        scores = softmax(scores, axis=1)
    return scores, attention.AdditiveScoreCache(q, k, e, params)


def additive_backward(dscores, cache, mistake=None):
    q, k, e, params = cache
    N, S, A = e.shape
    da = dscores[:, :, None] * params["v"]
    if mistake != "no_tanh_grad":
        da = da * (1 - e**2)
    dv = np.einsum("ns,nsa->a", dscores, e)
    da_q = da.sum(axis=1)
    if mistake == "no_sum_over_s":
        da_q = da
    dq = da_q @ params["W_q"].T
    dk = da @ params["W_k"].T
    dW_k = k.reshape(N * S, -1).T @ da.reshape(N * S, A)
    dW_q = q.T @ da_q if mistake != "no_sum_over_s" else np.zeros_like(params["W_q"])
    if mistake == "dW_transposed":
        dW_q = dW_q.T
    if mistake == "dv_no_dscores":
        dv = e.sum(axis=(0, 1))
    return dq, dk, {"W_q": dW_q, "W_k": dW_k, "v": dv}


def general_forward(q, k, params, mistake=None):
    W_a = params["W_a"].T if mistake == "transposed" else params["W_a"]
    qW = q @ W_a
    if mistake == "dot":
        qW = q
    scores = np.einsum("nh,nsh->ns", qW, k)
    if mistake == "wrong_axis":
        scores = (qW[:, None, :] * k).sum(axis=1)
    if mistake == "softmax":
        scores = softmax(scores, axis=1)
    return scores, attention.GeneralScoreCache(q, k, qW, params)


def general_backward(dscores, cache, mistake=None):
    q, k, qW, params = cache
    W_a = params["W_a"]
    dqW = np.einsum("ns,nsh->nh", dscores, k)
    dq = dqW @ (W_a if mistake == "dq_W_not_T" else W_a.T)
    dk = dscores[:, :, None] * (q if mistake == "dk_no_W" else qW)[:, None, :]
    if mistake == "dk_no_dscores":
        dk = np.broadcast_to(qW[:, None, :], k.shape).copy()
    dW_a = q.T @ dqW
    if mistake == "dW_transposed":
        dW_a = dqW.T @ q
    return dq, dk, {"W_a": dW_a}


def context_fn(scores, mask, values, mistake=None):
    if mistake == "nan":
        filled = scores - np.inf * (1 - mask)
    elif mistake == "times_mask":
        filled = scores * mask
    elif mistake in ("ignore_mask", "after_softmax"):
        filled = scores
    else:
        filled = np.where(mask == 1, scores, -np.inf)
    axis = 0 if mistake == "wrong_axis" else 1
    if mistake == "no_shift":
        e = np.exp(filled)
    else:
        e = np.exp(filled - filled.max(axis=axis, keepdims=True))
    alpha = e / e.sum(axis=axis, keepdims=True)
    if mistake == "after_softmax":
        alpha = alpha * mask
    if mistake == "renormalised_after":  # right in exact arithmetic, NaN for a huge masked score
        plain = softmax(scores, axis=1) * mask
        alpha = plain / plain.sum(axis=1, keepdims=True)
    context = np.einsum("ns,nsh->nh", alpha, values)
    if mistake == "context_axis":
        context = (alpha[:, :, None] * values).sum(axis=2)
    if mistake == "context_scores":
        context = np.einsum("ns,nsh->nh", scores, values)
    if mistake == "mutate":
        scores[:] = 0.0
    return context, alpha


def with_mistake(fn, mistake):
    def wrong(*args):
        return fn(*args, mistake=mistake)

    return wrong


def stub(*args):
    raise NotImplementedError()


# --- the right answers pass ----------------------------------------------------------


def test_package_and_learner_style_references_pass():
    for forward, backward in (
        (attention.additive_score_forward, attention.additive_score_backward),
        (additive_forward, additive_backward),
    ):
        result = check.additive_score(forward, backward)
        assert result.passed, result
        assert "W_q, W_k and v" in repr(result)
    for forward, backward in (
        (attention.general_score_forward, attention.general_score_backward),
        (general_forward, general_backward),
    ):
        assert check.luong_general_score(forward, backward).passed
    for fn in (
        attention.masked_context,
        context_fn,
    ):
        result = check.masked_context(fn)
        assert result.passed, result


def test_forward_alone_passes_and_asks_for_the_backward():
    result = check.additive_score(additive_forward)
    assert result.passed and "Pass your backward function too" in result.message
    result = check.luong_general_score(general_forward)
    assert result.passed and "general_score_backward" in result.message


def test_checker_problems_are_fixed_and_well_posed():
    for problems in (_attention.additive_problems, _attention.general_problems):
        a, b = problems(), problems()
        for x, y in zip(a, b, strict=True):
            np.testing.assert_array_equal(x.q, y.q)
    for prob in _attention.context_problems():
        assert prob.mask.any(axis=1).all() and prob.mask.any(axis=0).all()


# --- stubs say "not implemented" -------------------------------------------------------


def test_stubs_are_not_implemented():
    for result in (
        check.additive_score(stub),
        check.additive_score(stub, stub),
        check.luong_general_score(stub, stub),
        check.masked_context(stub),
    ):
        assert not result.passed
        assert "not implemented" in repr(result).lower()
    result = check.additive_score(additive_forward, stub)
    assert "forward is right, but backward: not implemented" in result.message
    result = check.luong_general_score(general_forward, stub)
    assert "not implemented" in result.message


# --- typical mistakes earn their hint ---------------------------------------------------


@pytest.mark.parametrize(
    ("mistake", "keyword"),
    [
        ("no_tanh", "tanh is missing"),
        ("no_v", "v is missing"),
        ("softmax", "softmax weights, not scores"),
        ("transposed", "transposed"),
        ("no_broadcast", "[:, None, :]"),
    ],
)
def test_additive_forward_mistakes(mistake, keyword):
    result = check.additive_score(with_mistake(additive_forward, mistake), additive_backward)
    assert not result.passed
    assert keyword in (result.hint or ""), result


@pytest.mark.parametrize(
    ("mistake", "keyword"),
    [
        ("no_tanh_grad", "tanh derivative"),
        ("no_sum_over_s", "sum over the source axis"),
        ("dW_transposed", "transposed"),
        ("dv_no_dscores", "upstream gradient"),
    ],
)
def test_additive_backward_mistakes(mistake, keyword):
    result = check.additive_score(additive_forward, with_mistake(additive_backward, mistake))
    assert not result.passed
    assert result.message.startswith("forward is right, but backward")
    assert keyword in (result.hint or ""), result


@pytest.mark.parametrize(
    ("mistake", "keyword"),
    [
        ("transposed", "W_a is transposed"),
        ("dot", "W_a is missing"),
        ("softmax", "softmax weights"),
        ("wrong_axis", "feature axis"),
    ],
)
def test_general_forward_mistakes(mistake, keyword):
    result = check.luong_general_score(with_mistake(general_forward, mistake))
    assert not result.passed
    assert keyword in (result.hint or ""), result


@pytest.mark.parametrize(
    ("mistake", "keyword"),
    [
        ("dq_W_not_T", "W_a.T"),
        ("dk_no_W", "each key meets"),
        ("dk_no_dscores", "upstream gradient"),
        ("dW_transposed", "transposed"),
    ],
)
def test_general_backward_mistakes(mistake, keyword):
    result = check.luong_general_score(general_forward, with_mistake(general_backward, mistake))
    assert not result.passed
    assert keyword in (result.hint or ""), result


@pytest.mark.parametrize(
    ("mistake", "keyword"),
    [
        ("wrong_axis", "wrong axis"),
        ("after_softmax", "after the softmax"),
        ("ignore_mask", "mask is ignored"),
        ("times_mask", "exp(0) = 1"),
        ("nan", "NaN appears"),
        ("no_shift", "NaN appears"),
        ("context_axis", "wrong axis"),
        ("context_scores", "not with the raw"),
        ("mutate", "in place"),
    ],
)
def test_masked_context_mistakes(mistake, keyword):
    result = check.masked_context(with_mistake(context_fn, mistake))
    assert not result.passed
    assert keyword in (result.message + " " + (result.hint or "")), result


# --- never raises ---------------------------------------------------------------------


def raises(*args):
    raise KeyError("W_q")


@pytest.mark.parametrize(
    "fn",
    [
        raises,
        lambda *a: None,
        lambda *a: np.zeros(3),
        lambda *a: (np.zeros(3), None),
        lambda *a: ([[0.0]], None, None),
        lambda *a: (np.zeros((2, 3), dtype=int), None),
        lambda *a: (np.full((2, 3), np.nan), None),
        lambda *a: "scores",
    ],
)
def test_checkers_never_raise(fn):
    for result in (
        check.additive_score(fn),
        check.additive_score(additive_forward, fn),
        check.luong_general_score(fn, fn),
        check.luong_general_score(general_forward, fn),
        check.masked_context(fn),
    ):
        assert not result.passed
        assert result.message
        assert "0x" not in repr(result)


def test_non_callables_are_explained():
    result = check.additive_score(additive_forward(*_first_additive()))
    assert not result.passed and "without calling" in result.hint
    result = check.luong_general_score(general_forward, "backward")
    assert not result.passed and "second argument" in result.message
    assert not check.masked_context(None).passed


def _first_additive():
    prob = _attention.additive_problems()[0]
    return prob.q, prob.k, prob.params


# ---------------------------------------------------------------- catalogue


@pytest.mark.parametrize("mistake", check.masked_context.catalogue, ids=lambda m: m.key)
def test_every_masked_context_catalogue_entry_gets_its_own_hint(mistake):
    result = check.masked_context(mistake.fn)
    assert not result, mistake.key
    assert mistake.hint in result.hint, (mistake.key, repr(result))


def test_a_large_finite_fill_is_also_right():
    def fill_minus_1e30(scores, mask, values):
        filled = np.where(mask == 1, scores, -1e30)
        e = np.exp(filled - filled.max(axis=1, keepdims=True))
        alpha = e / e.sum(axis=1, keepdims=True)
        return np.einsum("ns,nsh->nh", alpha, values), alpha

    assert check.masked_context(fill_minus_1e30)


def test_renormalising_after_a_plain_softmax_fails_on_a_large_masked_score():
    # softmax over every position, then mask and renormalise: right in exact arithmetic, but
    # the masked score 1e4 of test case 5 takes the max shift, and the real positions underflow
    result = check.masked_context(with_mistake(context_fn, "renormalised_after"))
    assert not result and "test case 5 of 5" in result.message, repr(result)


@pytest.mark.parametrize("mistake", check.additive_score.catalogue, ids=lambda m: m.key)
def test_every_additive_catalogue_entry_gets_its_own_hint(mistake):
    result = check.additive_score(mistake.fn)
    assert not result, mistake.key
    assert result.hint == mistake.hint, (mistake.key, repr(result))


@pytest.mark.parametrize("mistake", check.luong_general_score.catalogue, ids=lambda m: m.key)
def test_every_general_forward_catalogue_entry_gets_its_own_hint(mistake):
    result = check.luong_general_score(mistake.fn)
    assert not result, mistake.key
    assert result.hint == mistake.hint, (mistake.key, repr(result))


@pytest.mark.parametrize(
    "checker, forward, mistake",
    [
        (check.additive_score, attention.additive_score_forward, m)
        for m in check.additive_score.second[1]
    ]
    + [
        (check.luong_general_score, attention.general_score_forward, m)
        for m in check.luong_general_score.second[1]
    ],
    ids=lambda v: getattr(v, "key", ""),
)
def test_every_backward_catalogue_entry_gets_its_own_hint(checker, forward, mistake):
    result = checker(forward, mistake.fn)
    assert not result and "backward" in result.message, mistake.key
    assert result.hint == mistake.hint, (mistake.key, repr(result))


# ---------------------------------------------------------------- caches are part of the answer


def test_a_cache_holding_the_value_before_the_tanh_is_named():
    def pre_activation_cache(q, k, params):
        a = (q @ params["W_q"])[:, None, :] + k @ params["W_k"]
        return np.tanh(a) @ params["v"], attention.AdditiveScoreCache(q, k, a, params)

    result = check.additive_score(pre_activation_cache)
    assert not result and "cache.e" in result.message and "*after* the tanh" in result.hint


def test_a_plain_tuple_cache_is_named():
    def plain(q, k, params):
        scores, cache = attention.additive_score_forward(q, k, params)
        return scores, tuple(cache)

    result = check.additive_score(plain)
    assert not result and "a plain tuple" in result.message and "by name" in result.hint


def test_cache_fields_in_another_order_are_named():
    def swapped(q, k, params):
        scores, (q_, k_, qW, p) = attention.general_score_forward(q, k, params)
        return scores, attention.GeneralScoreCache(k_, q_, qW, p)

    result = check.luong_general_score(swapped)
    assert not result and "cache.q" in result.message, repr(result)
