"""Tests of the LSTM exercise checkers (rnncourse.check.lstm_step_forward /
lstm_step_backward): the package passes, a stub is "not implemented", typical mistakes earn
their hint, and no checker ever raises."""

import numpy as np
import pytest

from rnncourse import check, lstm
from rnncourse.activations import sigmoid
from rnncourse.check import _lstm
from rnncourse.gradcheck import rel_error

# --- learner-style implementations, each with one optional mistake ----------------------


def learner_forward(x_t, h_prev, c_prev, params, mistake=None):
    """A learner's lstm_step_forward; ``mistake`` names one error to make."""
    H = h_prev.shape[1]
    b = 0 * params["b"] if mistake == "no_bias" else params["b"]
    a = x_t @ params["W_x"] + h_prev @ params["W_h"] + b  # (N, 4H)
    order = "ifog" if mistake == "order_ifog" else "ifgo"
    block = {gate: a[:, k * H : (k + 1) * H] for k, gate in enumerate(order)}
    i = sigmoid(block["i"])
    f = np.tanh(block["f"]) if mistake == "tanh_f" else sigmoid(block["f"])
    g = sigmoid(block["g"]) if mistake == "sigmoid_g" else np.tanh(block["g"])
    o = sigmoid(block["o"])
    if mistake == "no_f":
        c_t = c_prev + i * g
    elif mistake == "one_minus_f":
        c_t = (1 - f) * c_prev + i * g
    else:
        c_t = f * c_prev + i * g
    if mistake == "no_tanh":
        h_t = o * c_t
    elif mistake == "h_from_c_prev":
        h_t = o * np.tanh(c_prev)
    else:
        h_t = o * np.tanh(c_t)
    cache = lstm.LSTMStepCache(x_t, h_prev, c_prev, i, f, g, o, c_t, np.tanh(c_t), params)
    if mistake == "swapped_returns":
        return c_t, h_t, cache
    return h_t, c_t, cache


def learner_backward(dh_t, dc_t, cache, mistake=None):
    """A learner's lstm_step_backward; ``mistake`` names one error to make."""
    x_t, h_prev, c_prev, i, f, g, o, c_t, tanh_c, params = cache
    H = h_prev.shape[1]
    do = dh_t * tanh_c
    if mistake == "no_h_path":
        dc = dc_t
    else:
        dc = dc_t + dh_t * o * (1 - tanh_c**2)
    di, df, dg = dc * g, dc * c_prev, dc * i
    dc_prev = dc if mistake == "dc_prev_no_f" else dc * f
    if mistake == "preact":  # sigmoid derivative written with the pre-activations
        a = x_t @ params["W_x"] + h_prev @ params["W_h"] + params["b"]
        a_i, a_f, a_o = a[:, :H], a[:, H : 2 * H], a[:, 3 * H :]
        dai, daf, dao = di * a_i * (1 - a_i), df * a_f * (1 - a_f), do * a_o * (1 - a_o)
    else:
        dai, daf, dao = di * i * (1 - i), df * f * (1 - f), do * o * (1 - o)
    dag = dg * (1 - g**2)
    da = np.concatenate([dai, daf, dag, dao], axis=1)  # (N, 4H)
    da_for_grads = da
    if mistake == "grads_order_ifog":
        da_for_grads = np.concatenate([dai, daf, dao, dag], axis=1)
    if mistake == "da_order_ifog":
        da = da_for_grads = np.concatenate([dai, daf, dao, dag], axis=1)
    db = da_for_grads.sum(axis=0)
    if mistake == "not_summed":
        db = da_for_grads
    if mistake == "mean":
        db = da_for_grads.mean(axis=0)
    grads = {"W_x": x_t.T @ da_for_grads, "W_h": h_prev.T @ da_for_grads, "b": db}
    return da @ params["W_x"].T, da @ params["W_h"].T, dc_prev, grads


def with_mistake(fn, mistake):
    def wrong(*args, **kwargs):
        return fn(*args, **kwargs, mistake=mistake)

    return wrong


# --- the right answers pass ----------------------------------------------------------


def test_package_and_learner_style_reference_pass():
    for forward in (lstm.lstm_step_forward, learner_forward):
        result = check.lstm_step_forward(forward)
        assert result.passed, result
        assert "h_t, c_t and the cache match" in repr(result)
    for backward in (lstm.lstm_step_backward, learner_backward):
        result = check.lstm_step_backward(backward)
        assert result.passed, result
        assert "dc_prev" in repr(result)


def test_checkers_are_registered():
    assert check.lstm_step_forward is _lstm.lstm_step_forward
    assert check.lstm_step_backward is _lstm.lstm_step_backward
    assert {"lstm_step_forward", "lstm_step_backward"} <= set(check.__all__)


def test_checker_references_agree_with_the_package():
    for prob in _lstm.problems():
        p = prob.params
        h_t, c_t, cache = lstm.lstm_step_forward(prob.x_t, prob.h_prev, prob.c_prev, p)
        a = prob.x_t @ p["W_x"] + prob.h_prev @ p["W_h"] + p["b"]
        mine = _lstm._step(a, prob.c_prev)
        assert rel_error(mine["h_t"], h_t) < 1e-12 and rel_error(mine["c_t"], c_t) < 1e-12
        dx_t, dh_prev, dc_prev, grads = lstm.lstm_step_backward(prob.dh_t, prob.dc_t, cache)
        mine = _lstm._backward(prob.dh_t, prob.dc_t, cache)
        assert rel_error(mine["dx_t"], dx_t) < 1e-12
        assert rel_error(mine["dh_prev"], dh_prev) < 1e-12
        assert rel_error(mine["dc_prev"], dc_prev) < 1e-12
        for key in _lstm.KEYS:
            assert rel_error(mine[f"grads[{key!r}]"], grads[key]) < 1e-12, key


def _with_package_cache(mistake):
    """A learner's lstm_step_forward that makes ``mistake`` and returns the package's cache."""

    def fn(x_t, h_prev, c_prev, params):
        h_t, c_t = mistake.fn(x_t, h_prev, c_prev, params)
        return h_t, c_t, lstm.lstm_step_forward(x_t, h_prev, c_prev, params)[2]

    return fn


def test_every_forward_catalogue_entry_is_rejected_with_its_own_hint():
    catalogue = check.lstm_step_forward.catalogue()
    assert len(catalogue) >= 23 + 20  # 23 wrong gate orders and the other mistakes
    for mistake in catalogue:
        result = check.lstm_step_forward(_with_package_cache(mistake))
        assert not result.passed, mistake.key
        assert result.hint == mistake.hint, (mistake.key, result)


def test_every_backward_catalogue_entry_is_rejected_with_its_own_hint():
    catalogue = check.lstm_step_backward.catalogue()
    assert len(catalogue) == len(_lstm.BACKWARD_MISTAKES) + 2 * 23
    for mistake in catalogue:
        result = check.lstm_step_backward(mistake.fn)
        assert not result.passed, mistake.key
        assert result.hint == mistake.hint, (mistake.key, result)


def test_a_mistake_outside_the_catalogue_is_localised_not_named():
    def wrong_o(
        x_t, h_prev, c_prev, params
    ):  # the output gate's block scaled: not a catalogue entry
        h_t, c_t, cache = lstm.lstm_step_forward(x_t, h_prev, c_prev, params)
        return 0.5 * h_t, c_t, cache

    result = check.lstm_step_forward(wrong_o)
    hints = {m.hint for m in check.lstm_step_forward.catalogue()}
    assert not result.passed and result.hint not in hints
    assert "c_t is right" in result.hint and "0.5 times" in result.hint, result

    def wrong_b(dh_t, dc_t, cache):
        dx_t, dh_prev, dc_prev, grads = lstm.lstm_step_backward(dh_t, dc_t, cache)
        b = grads["b"].copy()
        b[: len(b) // 4] *= 3  # the input gate's block only
        return dx_t, dh_prev, dc_prev, {**grads, "b": b}

    result = check.lstm_step_backward(wrong_b)
    assert "Only the block of i (columns 0H:1H) differs" in result.hint, result
    assert "dx_t, dh_prev, dc_prev, grads['W_x'], grads['W_h'] are right" in result.hint


@pytest.mark.parametrize(
    "field, words",
    [
        ("f", "cache.f must hold the forget gate"),
        ("tanh_c", "cache.tanh_c must hold tanh(c_t)"),
        ("c_t", "cache.c_t must hold the new cell state"),
    ],
)
def test_a_wrong_cache_field_is_named(field, words):
    def wrong_cache(x_t, h_prev, c_prev, params):
        h_t, c_t, cache = lstm.lstm_step_forward(x_t, h_prev, c_prev, params)
        return h_t, c_t, cache._replace(**{field: cache.c_prev})

    result = check.lstm_step_forward(wrong_cache)
    assert not result.passed and f"cache.{field} is wrong" in result.message
    assert words in result.hint and "the field `c_prev`" in result.hint, result


def test_a_plain_tuple_cache_is_named():
    def plain(x_t, h_prev, c_prev, params):
        h_t, c_t, cache = lstm.lstm_step_forward(x_t, h_prev, c_prev, params)
        return h_t, c_t, tuple(cache)

    result = check.lstm_step_forward(plain)
    assert "plain tuple" in result.message and "LSTMStepCache(...)" in result.hint


# --- stubs and wrong answers -----------------------------------------------------------


def test_stubs_are_not_implemented():
    def lstm_step_forward(x_t, h_prev, c_prev, params):
        raise NotImplementedError()

    def lstm_step_backward(dh_t, dc_t, cache):
        raise NotImplementedError()

    for checker, stub in [
        (check.lstm_step_forward, lstm_step_forward),
        (check.lstm_step_backward, lstm_step_backward),
    ]:
        result = checker(stub)
        assert not result.passed
        assert "not implemented" in repr(result)


@pytest.mark.parametrize(
    "mistake, words",
    [
        ("order_ifog", "taken in the order i, f, o, g"),
        ("tanh_f", "gate f uses the sigmoid"),
        ("sigmoid_g", "candidate g uses tanh"),
        ("no_tanh", "squashes the cell state first"),
        ("no_f", "scaled by the forget gate"),
        ("one_minus_f", "not by (1 - f)"),
        ("h_from_c_prev", "reads the NEW cell state"),
        ("no_bias", "bias is missing"),
        ("swapped_returns", "h_t and c_t are swapped"),
    ],
)
def test_forward_mistakes_get_their_hint(mistake, words):
    result = check.lstm_step_forward(with_mistake(learner_forward, mistake))
    assert not result.passed
    assert words in result.hint, result


@pytest.mark.parametrize(
    "mistake, words",
    [
        ("dc_prev_no_f", "dc_prev is missing the forget gate"),
        ("no_h_path", "dc misses the path from h_t"),
        ("preact", "taken at the pre-activation"),
        ("grads_order_ifog", "put in the order i, f, o, g"),
        ("da_order_ifog", "put in the order i, f, o, g"),
        ("mean", "sum of its gradients"),
        ("not_summed", "db must be summed over the batch"),
    ],
)
def test_backward_mistakes_get_their_hint(mistake, words):
    result = check.lstm_step_backward(with_mistake(learner_backward, mistake))
    assert not result.passed
    assert words in result.hint, result


def test_wrong_grads_order_is_found_in_the_gradients():
    result = check.lstm_step_backward(with_mistake(learner_backward, "grads_order_ifog"))
    assert "grads['W_x'] is wrong" in result.message  # dx_t, dh_prev and dc_prev were right


# --- no checker ever raises ---------------------------------------------------------------


def _crash(*args, **kwargs):
    return 1 / 0


def _none(*args, **kwargs):
    return None


def _mutating_forward(x_t, h_prev, c_prev, params):
    params["b"] *= 0
    return lstm.lstm_step_forward(x_t, h_prev, c_prev, params)


def _mutating_backward(dh_t, dc_t, cache):
    out = lstm.lstm_step_backward(dh_t, dc_t, cache)
    cache.f[...] = 0
    return out


def _mutating_dc_t(dh_t, dc_t, cache):
    dc_t += dh_t * cache.o * (1 - cache.tanh_c**2)
    return lstm.lstm_step_backward(dh_t, np.zeros_like(dc_t), cache)


def _float32_forward(x_t, h_prev, c_prev, params):
    h_t, c_t, cache = lstm.lstm_step_forward(x_t, h_prev, c_prev, params)
    return h_t.astype(np.float32), c_t, cache


def _two_values_forward(x_t, h_prev, c_prev, params):
    h_t, _, cache = lstm.lstm_step_forward(x_t, h_prev, c_prev, params)
    return h_t, cache


def _all_gates_forward(x_t, h_prev, c_prev, params):
    a = x_t @ params["W_x"] + h_prev @ params["W_h"] + params["b"]
    return a, a, None


def _wrong_keys_backward(dh_t, dc_t, cache):
    *rest, grads = lstm.lstm_step_backward(dh_t, dc_t, cache)
    return (*rest, {f"d{key}": value for key, value in grads.items()})


def _bad_unpack_backward(dh_t, dc_t, cache):
    x_t, h_prev, c_prev, i, f, g, o, c_t, params = cache  # nine names for ten fields
    return None


@pytest.mark.parametrize(
    "checker, fn, words",
    [
        (check.lstm_step_forward, _crash, "ZeroDivisionError"),
        (check.lstm_step_forward, _none, "returned None"),
        (check.lstm_step_forward, _mutating_forward, "params['b']"),
        (check.lstm_step_forward, _float32_forward, "float64"),
        (check.lstm_step_forward, _two_values_forward, "tuple of 2 values"),
        (check.lstm_step_forward, _all_gates_forward, "has shape"),
        (check.lstm_step_forward, lambda *a, **k: np.zeros(3), "must return a tuple"),
        (check.lstm_step_forward, "not a function", "expected your function"),
        (check.lstm_step_backward, _crash, "ZeroDivisionError"),
        (check.lstm_step_backward, _none, "returned None"),
        (check.lstm_step_backward, _mutating_backward, "cache.f"),
        (check.lstm_step_backward, _mutating_dc_t, "`dc_t` in place"),
        (check.lstm_step_backward, _wrong_keys_backward, "no key"),
        (check.lstm_step_backward, _bad_unpack_backward, "too many values to unpack"),
        (
            check.lstm_step_backward,
            lambda dh_t, dc_t, cache: (dh_t,) * 3 + (None,),
            "grads is None",
        ),
    ],
)
def test_checkers_never_raise(checker, fn, words):
    result = checker(fn)
    assert not result.passed
    assert words in result.message, result
    assert repr(checker(fn)) == repr(result)  # deterministic text, nothing random


def test_hints_for_shapes_and_the_cache():
    result = check.lstm_step_forward(_all_gates_forward)
    assert "all four blocks" in result.hint
    result = check.lstm_step_backward(_bad_unpack_backward)
    assert "LSTMStepCache" in result.hint
