"""Tests of the LSTM exercise checkers (rnncourse.check.lstm_step_forward /
lstm_step_backward): the package passes, a stub is "not implemented", typical mistakes earn
their hint, and no checker ever raises."""

import numpy as np
import pytest

from rnncourse import check, lstm
from rnncourse.activations import sigmoid
from rnncourse.check import _harness, _lstm
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
        assert "h_t and c_t match" in repr(result)
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


def test_every_forward_variant_is_wrong_and_recognised_as_itself():
    for prob in _lstm.problems():
        h_t, c_t, _ = lstm.lstm_step_forward(prob.x_t, prob.h_prev, prob.c_prev, prob.params)
        variants = _lstm._forward_variants(prob.x_t, prob.h_prev, prob.c_prev, prob.params)
        assert len(variants) >= 23 + 20  # 23 wrong gate orders and the other mistakes
        for hint, wrong in variants:
            assert max(rel_error(wrong["c_t"], c_t), rel_error(wrong["h_t"], h_t)) > 1e-3, hint
            with pytest.raises(_harness.CheckFailed) as failure:
                _harness.diagnose_outputs(wrong, {"c_t": c_t, "h_t": h_t}, variants)
            assert failure.value.hint == hint


def test_every_backward_mistake_shows_and_is_recognised_as_itself():
    seen = set()
    for prob in _lstm.problems():
        _, _, cache = lstm.lstm_step_forward(prob.x_t, prob.h_prev, prob.c_prev, prob.params)
        right = _lstm._backward(prob.dh_t, prob.dc_t, cache)
        variants = _lstm._backward_variants(prob.dh_t, prob.dc_t, cache)
        for hint, changed in variants:
            seen.add(hint)
            with pytest.raises(_harness.CheckFailed) as failure:
                _harness.diagnose_outputs(right | changed, right, variants)
            assert failure.value.hint == hint
    assert set(_lstm.BACKWARD_MISTAKES.values()) <= seen
    assert sum("blocks of da" in hint for hint in seen) == 23  # every wrong gate order


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
