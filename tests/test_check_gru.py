"""Tests of the GRU exercise checkers (rnncourse.check.gru_step_forward / gru_step_backward):
the package passes, a stub is "not implemented", typical mistakes earn their hint, and no
checker ever raises."""

import numpy as np
import pytest

from rnncourse import check, gru
from rnncourse.activations import sigmoid
from rnncourse.check import _gru
from rnncourse.gradcheck import rel_error

# --- learner-style implementations, each with one optional mistake ----------------------


def learner_forward(x_t, h_prev, params, reset_after=True, mistake=None):
    """A learner's gru_step_forward; ``mistake`` names one error to make."""
    H = h_prev.shape[1]
    a_x = x_t @ params["W_x"] + params["b_x"]
    b_h = 0 * params["b_h"] if mistake == "no_b_h" else params["b_h"]
    a_h = h_prev @ params["W_h"] + b_h
    first, second = (1, 0) if mistake == "order_zr" else (0, 1)
    r = sigmoid(a_x[:, first * H : (first + 1) * H] + a_h[:, first * H : (first + 1) * H])
    z = sigmoid(a_x[:, second * H : (second + 1) * H] + a_h[:, second * H : (second + 1) * H])
    if mistake == "ignore_flag":
        reset_after = True
    if mistake == "placement":
        reset_after = not reset_after
    if reset_after:
        a_n = a_x[:, 2 * H :] + r * a_h[:, 2 * H :]
    else:
        a_n = a_x[:, 2 * H :] + (r * h_prev) @ params["W_h"][:, 2 * H :] + b_h[2 * H :]
    n = a_n if mistake == "no_tanh" else np.tanh(a_n)
    if mistake == "z_swapped":
        h_t = (1 - z) * h_prev + z * n
    else:
        h_t = (1 - z) * n + z * h_prev
    a_hn = a_h[:, 2 * H :] if reset_after else None
    return h_t, gru.GRUStepCache(x_t, h_prev, r, z, n, a_hn, params, reset_after)


def learner_backward(dh_t, cache, mistake=None):
    """A learner's gru_step_backward; ``mistake`` names one error to make."""
    x_t, h_prev, r, z, n, a_hn, params, reset_after = cache
    H = h_prev.shape[1]
    W_h = params["W_h"]
    dn = dh_t * (1 - z)
    dz = dh_t * (n - h_prev) if mistake == "dz_sign" else dh_t * (h_prev - n)
    dh_prev = np.zeros_like(h_prev) if mistake == "no_direct" else dh_t * z
    dan = dn * (1 - n**2)
    daz = dz * z * (1 - z)
    if reset_after:
        dr = np.zeros_like(r) if mistake == "no_r" else dan * a_hn
        dar = dr * r * (1 - r)
        da_hn = dan if mistake == "n_block_no_r" else dan * r
        da_h = np.concatenate([dar, daz, da_hn], axis=1)
        dh_prev = dh_prev + da_h @ W_h.T
        dW_h = h_prev.T @ da_h
        db_h = da_h.sum(axis=0)
        if mistake == "b_hn_no_r":
            db_h = np.concatenate([dar, daz, dan], axis=1).sum(axis=0)
    else:
        d_rh = dan @ W_h[:, 2 * H :].T
        dr = np.zeros_like(r) if mistake == "no_r" else d_rh * h_prev
        dar = dr * r * (1 - r)
        da_rz = np.concatenate([dar, daz], axis=1)
        dh_prev = dh_prev + d_rh * r + da_rz @ W_h[:, : 2 * H].T
        dW_h = np.concatenate([h_prev.T @ da_rz, (r * h_prev).T @ dan], axis=1)
        db_h = np.concatenate([da_rz, dan], axis=1).sum(axis=0)
    da_x = np.concatenate([dar, daz, dan], axis=1)
    db_x = da_x.sum(axis=0)
    if mistake == "not_summed":
        db_x = da_x
    if mistake == "mean":
        db_x, db_h = db_x / len(x_t), db_h / len(x_t)
    grads = {"W_x": x_t.T @ da_x, "W_h": dW_h, "b_x": db_x, "b_h": db_h}
    return da_x @ params["W_x"].T, dh_prev, grads


def with_mistake(fn, mistake):
    def wrong(*args, **kwargs):
        return fn(*args, **kwargs, mistake=mistake)

    return wrong


# --- the right answers pass ----------------------------------------------------------


def test_package_and_learner_style_reference_pass():
    for forward in (gru.gru_step_forward, learner_forward):
        result = check.gru_step_forward(forward)
        assert result.passed, result
        assert "reset_after=True and False" in repr(result)
    for backward in (gru.gru_step_backward, learner_backward):
        result = check.gru_step_backward(backward)
        assert result.passed, result


def test_learner_forward_cache_works_with_the_package_backward():
    prob = _gru.problems()[0]
    for reset_after in (True, False):
        _, cache = learner_forward(prob.x_t, prob.h_prev, prob.params, reset_after)
        _, ref_cache = gru.gru_step_forward(prob.x_t, prob.h_prev, prob.params, reset_after)
        for got, want in zip(
            gru.gru_step_backward(prob.dh_t, cache)[:2],
            gru.gru_step_backward(prob.dh_t, ref_cache)[:2],
            strict=True,
        ):
            assert rel_error(got, want) < 1e-12


def test_checker_references_agree_with_the_package():
    for prob in _gru.problems():
        for reset_after in (True, False):
            h_t, cache = gru.gru_step_forward(prob.x_t, prob.h_prev, prob.params, reset_after)
            assert (
                rel_error(_gru._h_t(prob.x_t, prob.h_prev, prob.params, reset_after), h_t) < 1e-12
            )
            dx_t, dh_prev, grads = gru.gru_step_backward(prob.dh_t, cache)
            mine = _gru._backward(prob.dh_t, cache)
            assert rel_error(mine["dx_t"], dx_t) < 1e-12
            assert rel_error(mine["dh_prev"], dh_prev) < 1e-12
            for key in _gru.KEYS:
                assert rel_error(mine[f"grads[{key!r}]"], grads[key]) < 1e-12, key


def test_every_forward_variant_is_wrong_on_every_case():
    for prob in _gru.problems():
        for reset_after in (True, False):
            right, _ = gru.gru_step_forward(prob.x_t, prob.h_prev, prob.params, reset_after)
            for hint, wrong in _gru._forward_variants(
                prob.x_t, prob.h_prev, prob.params, reset_after
            ):
                assert rel_error(wrong, right) > 1e-3, hint


def test_every_backward_mistake_shows_on_some_formula():
    seen = set()
    for prob in _gru.problems():
        for reset_after in (True, False):
            _, cache = gru.gru_step_forward(prob.x_t, prob.h_prev, prob.params, reset_after)
            seen |= {hint for hint, _ in _gru._backward_variants(prob.dh_t, cache)}
    assert seen == set(_gru.BACKWARD_MISTAKES.values())


# --- stubs and wrong answers -----------------------------------------------------------


def test_stubs_are_not_implemented():
    def gru_step_forward(x_t, h_prev, params, reset_after=True):
        raise NotImplementedError()

    def gru_step_backward(dh_t, cache):
        raise NotImplementedError()

    for checker, stub in [
        (check.gru_step_forward, gru_step_forward),
        (check.gru_step_backward, gru_step_backward),
    ]:
        result = checker(stub)
        assert not result.passed
        assert "not implemented" in repr(result)


@pytest.mark.parametrize(
    "mistake, words",
    [
        ("z_swapped", "update rule is swapped"),
        ("placement", "applied r to h_prev before the product"),
        ("order_zr", "r and z are swapped"),
        ("no_tanh", "needs its tanh"),
        ("no_b_h", "b_h is missing"),
    ],
)
def test_forward_mistakes_get_their_hint(mistake, words):
    result = check.gru_step_forward(with_mistake(learner_forward, mistake))
    assert not result.passed
    assert words in result.hint, result


def test_forward_that_ignores_reset_after_is_told_which_formula_fails():
    result = check.gru_step_forward(with_mistake(learner_forward, "ignore_flag"))
    assert not result.passed
    assert "with reset_after=False" in result.message
    assert "With reset_after=True every test case is right" in result.message
    assert "reset_after` argument" in result.hint


def test_forward_without_the_reset_after_parameter():
    def gru_step_forward(x_t, h_prev, params):
        return gru.gru_step_forward(x_t, h_prev, params)

    result = check.gru_step_forward(gru_step_forward)
    assert not result.passed
    assert "unexpected keyword argument 'reset_after'" in result.message
    assert "reset_after=True" in result.hint


@pytest.mark.parametrize(
    "mistake, words",
    [
        ("no_direct", "direct path"),
        ("dz_sign", "dz has the wrong sign"),
        ("no_r", "through the reset gate"),
        ("b_hn_no_r", "b_hn sits inside"),
        ("n_block_no_r", "is `dan * r`"),
        ("mean", "sum of its gradients"),
        ("not_summed", "sum the bias gradient over the batch"),
    ],
)
def test_backward_mistakes_get_their_hint(mistake, words):
    result = check.gru_step_backward(with_mistake(learner_backward, mistake))
    assert not result.passed
    assert words in result.hint, result


def test_backward_for_reset_after_true_only():
    def gru_step_backward(dh_t, cache):
        return learner_backward(dh_t, cache._replace(reset_after=True))  # a_hn may be None

    result = check.gru_step_backward(gru_step_backward)
    assert not result.passed
    assert "With reset_after=True every test case is right" in result.message
    assert "own branch" in result.hint


# --- no checker ever raises ---------------------------------------------------------------


def _crash(*args, **kwargs):
    return 1 / 0


def _none(*args, **kwargs):
    return None


def _mutating_forward(x_t, h_prev, params, reset_after=True):
    params["b_h"] *= 0
    return gru.gru_step_forward(x_t, h_prev, params, reset_after)


def _mutating_backward(dh_t, cache):
    out = gru.gru_step_backward(dh_t, cache)
    cache.z[...] = 0
    return out


def _float32_forward(x_t, h_prev, params, reset_after=True):
    h_t, cache = gru.gru_step_forward(x_t, h_prev, params, reset_after)
    return h_t.astype(np.float32), cache


def _wrong_keys_backward(dh_t, cache):
    dx_t, dh_prev, grads = gru.gru_step_backward(dh_t, cache)
    return dx_t, dh_prev, {f"d{key}": value for key, value in grads.items()}


@pytest.mark.parametrize(
    "checker, fn, words",
    [
        (check.gru_step_forward, _crash, "ZeroDivisionError"),
        (check.gru_step_forward, _none, "returned None"),
        (check.gru_step_forward, _mutating_forward, "in place"),
        (check.gru_step_forward, _float32_forward, "float64"),
        (check.gru_step_forward, lambda *a, **k: np.zeros(3), "must return a tuple"),
        (check.gru_step_forward, "not a function", "expected your function"),
        (check.gru_step_backward, _crash, "ZeroDivisionError"),
        (check.gru_step_backward, _none, "returned None"),
        (check.gru_step_backward, _mutating_backward, "cache.z"),
        (check.gru_step_backward, _wrong_keys_backward, "no key"),
        (check.gru_step_backward, lambda dh_t, cache: (dh_t, dh_t, None), "dx_t has shape"),
    ],
)
def test_checkers_never_raise(checker, fn, words):
    result = checker(fn)
    assert not result.passed
    assert words in result.message, result
    assert repr(checker(fn)) == repr(result)  # deterministic text, nothing random


# --- catalogues and caches ------------------------------------------------------------------


def _with_package_cache(mistake):
    def fn(x_t, h_prev, params, reset_after=True):
        h_t = mistake.fn(x_t, h_prev, params, reset_after=reset_after)
        return h_t, gru.gru_step_forward(x_t, h_prev, params, reset_after)[1]

    return fn


def test_every_forward_catalogue_entry_is_rejected_with_its_own_hint():
    catalogue = check.gru_step_forward.catalogue()
    assert len(catalogue) >= 10
    for mistake in catalogue:
        result = check.gru_step_forward(_with_package_cache(mistake))
        assert not result.passed, mistake.key
        assert result.hint == mistake.hint, (mistake.key, result)


def test_every_backward_catalogue_entry_is_rejected_with_its_own_hint():
    catalogue = check.gru_step_backward.catalogue()
    assert len(catalogue) == len(_gru.BACKWARD_MISTAKES)
    for mistake in catalogue:
        result = check.gru_step_backward(mistake.fn)
        assert not result.passed, mistake.key
        assert result.hint == mistake.hint, (mistake.key, result)


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda c: tuple(c), "plain tuple"),
        (lambda c: c._replace(r=c.z), "cache.r is wrong"),
        (lambda c: c._replace(reset_after=not c.reset_after), "cache.reset_after is wrong"),
        (lambda c: c._replace(n=c.n * 0.5), "cache.n is wrong"),
    ],
)
def test_a_wrong_cache_is_named(change, words):
    def fn(x_t, h_prev, params, reset_after=True):
        h_t, cache = gru.gru_step_forward(x_t, h_prev, params, reset_after)
        return h_t, change(cache)

    result = check.gru_step_forward(fn)
    assert not result.passed and words in result.message, result


def test_a_new_backward_mistake_is_localised_by_block():
    def z_block_doubled(dh_t, cache):
        dx_t, dh_prev, grads = gru.gru_step_backward(dh_t, cache)
        H = dh_t.shape[1]
        W_x = grads["W_x"].copy()
        W_x[:, H : 2 * H] *= 2
        return dx_t, dh_prev, {**grads, "W_x": W_x}

    result = check.gru_step_backward(z_block_doubled)
    assert not result.passed
    assert "Only the block of z (columns 1H:2H) differs" in result.hint, result
