"""Tests for rnncourse.check: right answers pass, typical mistakes get their own hint,
and nothing a learner's function does can make a checker raise."""

import numpy as np
import pytest

from rnncourse import check, gradcheck, rnn
from rnncourse.activations import sigmoid
from rnncourse.check import CheckResult

# ------------------------------------------------------------------ helpers


def assert_fails(result, *keywords):
    """The result is a falsy CheckResult whose message or hint mentions every keyword."""
    assert isinstance(result, CheckResult)
    assert not result
    assert result.passed is False
    text = f"{result.message} {result.hint}"
    for keyword in keywords:
        assert keyword in text, f"{keyword!r} not in {text!r}"
    assert repr(result).startswith("✗ ")


def assert_hint(result, keyword):
    """Failed, and the *hint* (the named mistake) contains the keyword."""
    assert_fails(result)
    assert result.hint is not None and keyword in result.hint, repr(result)


def stub(*args, **kwargs):
    raise NotImplementedError()


# ------------------------------------------------------------------ right answers

CHECKERS = {
    "rnn_step_forward": (check.rnn_step_forward, rnn.rnn_step_forward),
    "rnn_forward": (check.rnn_forward, rnn.rnn_forward),
    "rnn_step_backward": (check.rnn_step_backward, rnn.rnn_step_backward),
    "rnn_backward": (check.rnn_backward, rnn.rnn_backward),
    "numerical_gradient": (check.numerical_gradient, gradcheck.numerical_gradient),
}


@pytest.mark.parametrize("name", CHECKERS)
def test_reference_passes(name):
    checker, reference = CHECKERS[name]
    result = checker(reference)
    assert isinstance(result, CheckResult)
    assert result and result.passed is True
    assert result.name == name and result.hint is None
    assert repr(result).startswith(f"✓ {name}: ")
    assert "#1a7f37" in result._repr_html_()


@pytest.mark.parametrize("name", CHECKERS)
def test_stub_says_not_implemented(name):
    checker, _ = CHECKERS[name]
    result = checker(stub)
    assert_fails(result, "not implemented yet", "raise NotImplementedError()")
    assert "#b35900" in result._repr_html_()


@pytest.mark.parametrize("name", CHECKERS)
def test_repr_and_bool_are_deterministic(name):
    checker, reference = CHECKERS[name]

    def wrong(*args, **kwargs):
        out = reference(*args, **kwargs)
        return (out[0] * 1.5,) + tuple(out[1:]) if isinstance(out, tuple) else out * 1.5

    for fn in (reference, stub, wrong):
        first, second = checker(fn), checker(fn)
        assert repr(first) == repr(second)
        assert bool(first) == bool(second)
        assert "0x" not in repr(first)
    assert not checker(wrong)


# ------------------------------------------------------------------ never raises


def returns_none(*args, **kwargs):
    return None


def divides_by_zero(*args, **kwargs):
    return 1 / 0


@pytest.mark.parametrize("name", CHECKERS)
@pytest.mark.parametrize("fn", [returns_none, divides_by_zero, lambda *a, **k: (1, 2, 3, 4, 5)])
def test_broken_functions_are_rejected(name, fn):
    checker, _ = CHECKERS[name]
    result = checker(fn)
    assert not result
    assert result.message


def test_zero_division_is_shown_in_one_line_with_a_hint():
    result = check.rnn_step_forward(divides_by_zero)
    assert_fails(result, "ZeroDivisionError: division by zero", "division by zero")
    assert "\n" not in result.message and "Traceback" not in repr(result)


@pytest.mark.parametrize("name", ["rnn_step_forward", "rnn_forward"])
def test_wrong_tuple_length(name):
    checker, reference = CHECKERS[name]
    assert_fails(checker(lambda *a: (reference(*a)[0],)), "tuple of 1 value,")
    assert_fails(checker(lambda *a: reference(*a)[0]), "numpy array", "must return a tuple")


@pytest.mark.parametrize("name", ["rnn_step_backward", "rnn_backward"])
def test_wrong_tuple_length_backward(name):
    checker, reference = CHECKERS[name]
    assert_fails(checker(lambda *a: reference(*a)[:2]), "tuple of 2 values", "(dx")


def test_not_a_function():
    h_t = np.zeros((2, 4))
    assert_fails(check.rnn_step_forward(h_t), "numpy array", "without calling it")


def test_wrong_signature():
    result = check.rnn_step_forward(lambda x_t, h_prev: (x_t, None))
    assert_fails(result, "TypeError", "signature")


def test_wrong_dtype_and_nan():
    def float32(x_t, h_prev, params):
        h_t, cache = rnn.rnn_step_forward(x_t, h_prev, params)
        return h_t.astype(np.float32), cache

    assert_fails(check.rnn_step_forward(float32), "dtype float32", "float64")

    def nan(x_t, h_prev, params):
        return np.full((x_t.shape[0], h_prev.shape[1]), np.nan), None

    assert_fails(check.rnn_step_forward(nan), "NaN")

    def log_of_negative(x_t, h_prev, params):  # numpy warns; pytest turns warnings into errors
        return np.log(-np.abs(x_t @ params["W_xh"])), None

    assert_fails(check.rnn_step_forward(log_of_negative), "numpy warned", "invalid value")


def test_html_escapes_the_learners_text():
    def raises(*args):
        raise ValueError("<script>alert(1)</script> & `code`")

    result = check.rnn_step_forward(raises)
    html = result._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html and "&amp;" in html
    assert "<code>code</code>" in html


def test_inner_function_not_implemented_is_named():
    def rnn_step_forward(x_t, h_prev, params):
        raise NotImplementedError()

    def rnn_forward(x, h0, params):
        h_t = h0
        for t in range(x.shape[1]):
            h_t, _ = rnn_step_forward(x[:, t], h_t, params)
        return h_t, None

    result = check.rnn_forward(rnn_forward)
    assert_fails(result, "not implemented yet", "`rnn_step_forward`")


# ------------------------------------------------------------------ rnn_step_forward


ACT = {"tanh": np.tanh, "relu": lambda a: np.maximum(a, 0)}


def _step(x_t, h_prev, p, act=np.tanh, bias=True, wx=None, wh=None):
    a = x_t @ (p["W_xh"] if wx is None else wx) + h_prev @ (p["W_hh"] if wh is None else wh)
    h_t = act(a + (p["b_h"] if bias else 0))
    return h_t, (x_t, h_prev, h_t, p, "tanh")  # the cache the backward step unpacks


STEP_FORWARD_MISTAKES = {
    "bias": lambda x, h, p: _step(x, h, p, bias=False),
    "apply the tanh": lambda x, h, p: _step(x, h, p, act=lambda a: a),
    "sigmoid": lambda x, h, p: _step(x, h, p, act=sigmoid),
    "each other's weights": lambda x, h, p: _step(x, h, p, wx=p["W_hh"], wh=p["W_xh"]),
    "W_hh is transposed": lambda x, h, p: _step(x, h, p, wh=p["W_hh"].T),
    "recurrent term is missing": lambda x, h, p: _step(x, h, p, wh=0 * p["W_hh"]),
    "order of the matrix product": lambda x, h, p: (np.tanh(p["W_xh"] @ x + h @ p["W_hh"]), 0),
    "h_t is transposed": lambda x, h, p: (np.tanh(x @ p["W_xh"] + h @ p["W_hh"] + p["b_h"]).T, 0),
}


def test_step_forward_returning_a_t_is_named():
    def returns_a_t(x_t, h_prev, params):
        a_t = x_t @ params["W_xh"] + h_prev @ params["W_hh"] + params["b_h"]
        h_t = np.tanh(a_t)
        return a_t, h_t

    assert_hint(check.rnn_step_forward(returns_a_t), "a_t")


@pytest.mark.parametrize("keyword", STEP_FORWARD_MISTAKES)
def test_step_forward_mistakes(keyword):
    result = check.rnn_step_forward(STEP_FORWARD_MISTAKES[keyword])
    assert_hint(result, keyword)
    assert "rel_error" in result.message or "shape" in result.message or "raised" in result.message


def test_step_forward_mutation():
    def in_place(x_t, h_prev, params):
        h_prev *= 0.5
        return rnn.rnn_step_forward(x_t, h_prev, params)

    assert_fails(check.rnn_step_forward(in_place), "changed its input `h_prev`", "copy")

    def adds_key(x_t, h_prev, params):
        params["a"] = x_t
        return rnn.rnn_step_forward(x_t, h_prev, params)

    assert_fails(check.rnn_step_forward(adds_key), "`params`")


def test_step_forward_wrong_params_key():
    result = check.rnn_step_forward(lambda x, h, p: (np.tanh(x @ p["Wxh"]), None))
    assert_fails(result, "KeyError", "'W_xh'")


# ------------------------------------------------------------------ rnn_forward


def _forward(x, h0, p, mistake=None):
    h, h_t = [], h0
    for t in range(x.shape[1]):
        a = x[:, t] @ p["W_xh"] + (h0 if mistake == "h0" else h_t) @ p["W_hh"] + p["b_h"]
        new = a if mistake == "linear" else np.tanh(a)
        h.append(h_t if mistake == "shift" else new)
        h_t = new
    return np.stack(h, axis=1), None


def _forward_x_t_slip(x, h0, p):
    h, h_t = [], h0
    for t in range(x.shape[1]):
        h_t, _ = rnn.rnn_step_forward(x[t], h_t, p)  # x[t] is sequence t, not step t
        h.append(h_t)
    return np.stack(h, axis=1), None


FORWARD_MISTAKES = {
    "last hidden state": lambda x, h0, p: (rnn.rnn_forward(x, h0, p)[0][:, -1], None),
    "time-major": lambda x, h0, p: (rnn.rnn_forward(x, h0, p)[0].transpose(1, 0, 2), None),
    "starts from h0": lambda x, h0, p: _forward(x, h0, p, "h0"),
    "off by one": lambda x, h0, p: _forward(x, h0, p, "shift"),
    "tanh is missing": lambda x, h0, p: _forward(x, h0, p, "linear"),
    "T + 1": lambda x, h0, p: (
        np.concatenate([h0[:, None], rnn.rnn_forward(x, h0, p)[0]], axis=1),
        None,
    ),
    "bias": lambda x, h0, p: rnn.rnn_forward(x, h0, {**p, "b_h": 0 * p["b_h"]}),
    "`x[:, t]`": _forward_x_t_slip,
}


@pytest.mark.parametrize("keyword", FORWARD_MISTAKES)
def test_forward_mistakes(keyword):
    assert_hint(check.rnn_forward(FORWARD_MISTAKES[keyword]), keyword)


def test_forward_never_stored_is_all_zeros():
    def never_stores(x, h0, params):
        N, T, _ = x.shape
        h, h_t = np.zeros((N, T, h0.shape[1])), h0
        for t in range(T):
            h_t, _ = rnn.rnn_step_forward(x[:, t], h_t, params)
        return h, None

    assert_hint(check.rnn_forward(never_stores), "all zeros")


def test_forward_mutation():
    def in_place(x, h0, params):
        x[:, 0] = 0
        return rnn.rnn_forward(x, h0, params)

    assert_fails(check.rnn_forward(in_place), "changed its input `x`")


# ------------------------------------------------------------------ rnn_step_backward


def _step_backward(dh_t, cache, da_of=None, dW_hh_with="h_prev", db_axis=0, swap=False, keys=None):
    x_t, h_prev, h_t, p, _ = cache
    da = dh_t * (1 - h_t**2) if da_of is None else da_of(dh_t, h_t)
    dx_t, dh_prev = da @ p["W_xh"].T, da @ p["W_hh"].T
    if swap:
        dx_t, dh_prev = dh_prev, dx_t
    state = h_prev if dW_hh_with == "h_prev" else h_t
    grads = {"W_xh": x_t.T @ da, "W_hh": state.T @ da, "b_h": da.sum(axis=db_axis)}
    if keys:
        grads = {keys + k: v for k, v in grads.items()}
    return dx_t, dh_prev, grads


STEP_BACKWARD_MISTAKES = {
    "`(1 - h_t)**2`": lambda d, c: _step_backward(d, c, da_of=lambda d, h: d * (1 - h) ** 2),
    "np.tanh(h_t)": lambda d, c: _step_backward(d, c, da_of=lambda d, h: d * (1 - np.tanh(h) ** 2)),
    "derivative is missing": lambda d, c: _step_backward(d, c, da_of=lambda d, h: d),
    "summed over the batch": lambda d, c: _step_backward(d, c, db_axis=()),
    "not h_t": lambda d, c: _step_backward(d, c, dW_hh_with="h_t"),
    "swapped": lambda d, c: _step_backward(d, c, swap=True),
    "without a `d` in front": lambda d, c: _step_backward(d, c, keys="d"),
    "order of the matrix product": lambda d, c: (
        c.params["W_xh"] @ (d * (1 - c.h_t**2)),
        *_step_backward(d, c)[1:],
    ),
    "wrong axis": lambda d, c: _step_backward(d, c, db_axis=1),
    "sigmoid's derivative": lambda d, c: _step_backward(d, c, da_of=lambda d, h: d * h * (1 - h)),
}


@pytest.mark.parametrize("keyword", STEP_BACKWARD_MISTAKES)
def test_step_backward_mistakes(keyword):
    assert_hint(check.rnn_step_backward(STEP_BACKWARD_MISTAKES[keyword]), keyword)


def test_step_backward_reference_in_test_file_passes():
    assert check.rnn_step_backward(_step_backward)


def test_step_backward_mutation():
    def scales_dh_t(dh_t, cache):
        dh_t *= 1 - cache.h_t**2  # the classic in-place slip
        return _step_backward(dh_t, cache, da_of=lambda d, h: d)

    assert_fails(check.rnn_step_backward(scales_dh_t), "changed its input `dh_t`", "`dh_t *=")

    def touches_cache(dh_t, cache):
        cache.params["W_hh"][0, 0] = 0.0
        return rnn.rnn_step_backward(dh_t, cache)

    assert_fails(check.rnn_step_backward(touches_cache), "cache.params['W_hh']")


def test_step_backward_cache_fields():
    def wrong_fields(dh_t, cache):
        x, prev_h, Wx, Wh = cache  # the cache has five fields
        return x, prev_h, {}

    assert_hint(check.rnn_step_backward(wrong_fields), "x_t, h_prev, h_t, params, activation")


# ------------------------------------------------------------------ rnn_backward


def _backward(dh, cache, mistake=None):
    N, T, D = cache.x_shape
    dx = np.zeros((N, T, D))
    grads = {k: np.zeros_like(v) for k, v in cache.steps[0].params.items()}
    dh_next = np.zeros_like(dh[:, 0])
    for t in range(T) if mistake == "forward" else reversed(range(T)):
        if mistake == "no_future":
            dh_t = dh[:, t]
        elif mistake == "no_upstream":
            dh_t = dh_next + (dh[:, t] if t == T - 1 else 0)
        else:
            dh_t = dh[:, t] + dh_next
        dx[:, t], dh_next, step = rnn.rnn_step_backward(dh_t, cache.steps[t])
        for k in grads:
            if mistake == "assign":
                grads[k] = step[k]
            else:
                grads[k] += step[k]
    dh0 = np.zeros_like(dh_next) if mistake == "dh0" else dh_next
    return dx, dh0, grads


BACKWARD_MISTAKES = {
    "add up each step's gradients": "assign",
    "coming from the future": "no_future",
    "at every step": "no_upstream",
    "forward in time": "forward",
    "dh0 is the dh_prev of step t = 0": "dh0",
}


def test_backward_reference_in_test_file_passes():
    assert check.rnn_backward(_backward)


@pytest.mark.parametrize("keyword", BACKWARD_MISTAKES)
def test_backward_mistakes(keyword):
    mistake = BACKWARD_MISTAKES[keyword]
    assert_hint(check.rnn_backward(lambda dh, cache: _backward(dh, cache, mistake)), keyword)


def test_backward_time_major_and_whole_cache():
    def time_major(dh, cache):
        dx, dh0, grads = rnn.rnn_backward(dh, cache)
        return dx.transpose(1, 0, 2), dh0, grads

    assert_hint(check.rnn_backward(time_major), "time-major")

    def passes_whole_cache(dh, cache):
        return rnn.rnn_step_backward(dh[:, -1], cache)

    assert_hint(check.rnn_backward(passes_whole_cache), "cache.steps[t]")


def test_backward_mutation():
    def in_place(dh, cache):
        dh[:, -1] += 1.0
        return rnn.rnn_backward(dh, cache)

    assert_fails(check.rnn_backward(in_place), "changed its input `dh`")

    def drops_a_step(dh, cache):
        out = rnn.rnn_backward(dh, cache)
        cache.steps.pop()
        return out

    assert_fails(check.rnn_backward(drops_a_step), "`cache.steps`")


# ------------------------------------------------------------------ numerical_gradient


def _numgrad(f, x, df=None, h=1e-5, scheme="central", restore=True, copy=False, divide=2.0):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        target = x.copy() if copy else x
        old = target[i]
        target[i] = old + h
        plus = np.array(f(target), dtype=np.float64)
        target[i] = old - h if scheme == "central" else old
        minus = np.array(f(target), dtype=np.float64)
        if restore:
            target[i] = old
        diff = plus - minus if df is None else (plus - minus) * df
        grad[i] = np.sum(diff) / (divide * h if scheme == "central" else h)
    return grad


NUMGRAD_MISTAKES = {
    "forward difference": lambda f, x, df=None, h=1e-5: _numgrad(f, x, df, h, scheme="forward"),
    "put it back": lambda f, x, df=None, h=1e-5: _numgrad(f, x, df, h, restore=False),
    "divide by `2 * h`": lambda f, x, df=None, h=1e-5: _numgrad(f, x, df, h, divide=1.0),
    "`/ (2 * h)`": lambda f, x, df=None, h=1e-5: _numgrad(f, x, df, h) * h**2,
    "df is ignored": lambda f, x, df=None, h=1e-5: _numgrad(f, x, None if df is None else 1, h),
    "closure": lambda f, x, df=None, h=1e-5: _numgrad(f, x, df, h, copy=True),
    "ignores its argument h": lambda f, x, df=None, h=1e-5: _numgrad(f, x, df),
    "flat": lambda f, x, df=None, h=1e-5: _numgrad(f, x, df, h).ravel(),
    "`if df is None:`": lambda f, x, df=None, h=1e-5: _numgrad(f, x, df if df else None, h),
}


def test_numgrad_reference_in_test_file_passes():
    assert check.numerical_gradient(_numgrad)


@pytest.mark.parametrize("keyword", NUMGRAD_MISTAKES)
def test_numgrad_mistakes(keyword):
    assert_hint(check.numerical_gradient(NUMGRAD_MISTAKES[keyword]), keyword)


def test_numgrad_not_restored_names_the_entry():
    result = check.numerical_gradient(NUMGRAD_MISTAKES["put it back"])
    assert_fails(result, "x is not restored", "off by -1.0e-05", "`x[i] = old`")


def test_numgrad_mutates_df_and_integer_result():
    def scales_df(f, x, df=None, h=1e-5):
        if df is not None:
            df *= 2
        return _numgrad(f, x, df, h)

    assert_fails(check.numerical_gradient(scales_df), "changed its input `df`")

    def integer(f, x, df=None, h=1e-5):
        return _numgrad(f, x, df, h).astype(int)

    assert_hint(check.numerical_gradient(integer), "integer")


# ------------------------------------------------------------------ odd outputs, machinery


class Weird:
    def __eq__(self, other):
        raise RuntimeError("no comparing")

    def __len__(self):
        raise RuntimeError("no length")


ODD_OUTPUTS = [
    {},
    "text",
    [1, 2],
    (None, None),
    (None, None, None),
    (np.zeros(3), {}, {}),
    (np.array(["a", "b"]), None, {"W_xh": "x"}),
    1.5,
    np.float64(2.0),
    Weird(),
    (Weird(), Weird(), Weird()),
]


@pytest.mark.parametrize("name", CHECKERS)
@pytest.mark.parametrize("value", ODD_OUTPUTS, ids=lambda v: type(v).__name__)
def test_odd_outputs_never_raise(name, value):
    checker, _ = CHECKERS[name]
    result = checker(lambda *a, **k: value)
    assert isinstance(result, CheckResult) and not result
    assert repr(result) == repr(checker(lambda *a, **k: value))


@pytest.mark.parametrize("name", CHECKERS)
def test_sys_exit_is_caught(name):
    def exits(*args, **kwargs):
        raise SystemExit(3)

    assert_fails(CHECKERS[name][0](exits), "SystemExit")


def test_check_result_text_and_html():
    good = CheckResult(True, "f", "right.")
    bad = CheckResult(False, "f", "wrong <b>", "try `x @ W`")
    assert bool(good) and not bad
    assert repr(good) == "✓ f: right." and str(good) == repr(good)
    assert repr(bad) == "✗ f: wrong <b>\n  Hint: try `x @ W`"
    assert "#1a7f37" in good._repr_html_() and "Hint" not in good._repr_html_()
    html = bad._repr_html_()
    assert "#b35900" in html and "wrong &lt;b&gt;" in html and "<code>x @ W</code>" in html


def test_diagnose_names_the_first_matching_variant():
    from rnncourse.check._harness import CheckFailed, diagnose

    expected = np.arange(1.0, 7.0).reshape(2, 3)
    diagnose("y", expected + 1e-12, expected)  # within tolerance: no exception
    with pytest.raises(CheckFailed) as info:
        diagnose("y", 2 * expected, expected, [("halved", expected / 2), ("doubled", 2 * expected)])
    assert info.value.hint == "doubled" and "y[1, 2] is 12, expected 6" in info.value.message
    with pytest.raises(CheckFailed) as info:
        diagnose("y", 0 * expected, expected, [], fallback="other")
    assert "all zeros" in info.value.hint


def test_importing_check_needs_no_plotting_or_ipython():
    import subprocess
    import sys

    code = (
        "import sys; from rnncourse import check; "
        "print(sorted(m for m in ('IPython', 'matplotlib', 'plotly', 'ipywidgets') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ------------------------------------------------------------------ other right answers pass


def numgrad_arithmetic_restore(f, x, df=None, h=1e-5):
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        i = it.multi_index
        x[i] += h
        plus = f(x)
        x[i] -= 2 * h
        minus = f(x)
        x[i] += h  # back to (almost exactly) the old value
        if df is None:
            grad[i] = (plus - minus) / (2 * h)
        else:
            grad[i] = (np.sum(plus * df) - np.sum(minus * df)) / (2 * h)
        it.iternext()
    return grad


def step_backward_from_a(dh_t, cache):
    x_t, h_prev, _, params, _ = cache
    a = x_t @ params["W_xh"] + h_prev @ params["W_hh"] + params["b_h"]
    da = dh_t * (1 - np.tanh(a) ** 2)  # the same derivative, from the pre-activation
    grads = {"b_h": np.sum(da, axis=0), "W_hh": h_prev.T @ da, "W_xh": x_t.T @ da}
    return da @ params["W_xh"].T, da @ params["W_hh"].T, grads


def forward_with_list(x, h0, params, activation="tanh"):
    act = {"tanh": np.tanh, "relu": lambda a: np.maximum(a, 0)}[activation]
    states, h_t = [], h0
    for t in range(x.shape[1]):
        h_t = act(x[:, t] @ params["W_xh"] + h_t @ params["W_hh"] + params["b_h"])
        states.append(h_t)
    return np.stack(states, axis=1), rnn.rnn_forward(x, h0, params, activation)[1].steps


def backward_with_own_step(dh, cache):
    N, T, D = cache.x_shape
    dx = np.zeros((N, T, D))
    grads = {key: 0.0 for key in ("W_xh", "W_hh", "b_h")}
    dh_next = 0.0
    for t in range(T - 1, -1, -1):
        dx[:, t], dh_next, step = step_backward_from_a(dh[:, t] + dh_next, cache.steps[t])
        grads = {key: grads[key] + step[key] for key in grads}
    return dx, dh_next, grads


@pytest.mark.parametrize(
    "checker, fn",
    [
        (check.numerical_gradient, numgrad_arithmetic_restore),
        (check.rnn_step_backward, step_backward_from_a),
        (check.rnn_forward, forward_with_list),
        (check.rnn_backward, backward_with_own_step),
        (
            check.rnn_step_forward,
            lambda x, h, p, activation="tanh": (
                _step(x, h, p, act=ACT[activation])[0],
                (x, h, _step(x, h, p, act=ACT[activation])[0], p, activation),
            ),
        ),
    ],
)
def test_other_right_answers_pass(checker, fn):
    result = checker(fn)
    assert result, repr(result)


def test_exception_with_a_broken_str():
    class Odd(Exception):
        def __str__(self):
            raise RuntimeError("no text")

    def raises(*args):
        raise Odd()

    assert_fails(check.rnn_step_forward(raises), "your function raised Odd")


# ------------------------------------------------------------------ the activation argument


def test_ignoring_the_activation_is_named():
    def always_tanh(x_t, h_prev, params, activation="tanh"):
        return _step(x_t, h_prev, params)

    def always_tanh_forward(x, h0, params, activation="tanh"):
        return forward_with_list(x, h0, params)

    assert_hint(check.rnn_step_forward(always_tanh), "activation it is given")
    assert_hint(check.rnn_forward(always_tanh_forward), "activation it is given")


def test_missing_activation_parameter_is_named():
    def no_activation(x_t, h_prev, params):
        return _step(x_t, h_prev, params)

    assert_hint(check.rnn_step_forward(no_activation), "activation=")


# ------------------------------------------------------------------ catalogues and caches


def _package_cache(checker, reference):
    def wrap(mistake):
        def fn(*args, **kwargs):
            return mistake.fn(*args, **kwargs), reference(*args, **kwargs)[1]

        return fn

    return wrap


@pytest.mark.parametrize(
    "checker, wrap",
    [
        (check.rnn_step_forward, _package_cache(check.rnn_step_forward, rnn.rnn_step_forward)),
        (check.rnn_forward, _package_cache(check.rnn_forward, rnn.rnn_forward)),
        (check.rnn_step_backward, lambda m: m.fn),
        (check.rnn_backward, lambda m: m.fn),
        (check.numerical_gradient, lambda m: m.fn),
    ],
    ids=["rnn_step_forward", "rnn_forward", "rnn_step_backward", "rnn_backward", "numgrad"],
)
def test_every_catalogue_entry_is_rejected_with_its_own_hint(checker, wrap):
    catalogue = checker.catalogue()
    assert len(catalogue) >= 7
    for mistake in catalogue:
        result = checker(wrap(mistake))
        assert not result.passed, mistake.key
        assert result.hint == mistake.hint, (mistake.key, result)


def test_backward_catalogue_names_time_mistakes():
    keys = {m.key for m in check.rnn_backward.catalogue()}
    assert {"mean", "dx_off_by_one", "skip_first", "no_future", "first_only"} <= keys


@pytest.mark.parametrize(
    "cache, words",
    [
        (lambda x, h, ht, p, a: None, "the cache is None"),
        (lambda x, h, ht, p, a: (x, h, ht, p), "five values"),
        (lambda x, h, ht, p, a: (x, ht, h, p, a), "cache.h_prev is wrong"),
        (lambda x, h, ht, p, a: (x, h, x @ p["W_xh"], p, a), "cache.h_t is wrong"),
        (lambda x, h, ht, p, a: (x, h, ht, a, p), "cache.params is wrong"),
    ],
)
def test_a_wrong_step_cache_is_named(cache, words):
    def fn(x_t, h_prev, params, activation="tanh"):
        h_t, _ = rnn.rnn_step_forward(x_t, h_prev, params, activation)
        return h_t, cache(x_t, h_prev, h_t, params, activation)

    assert_fails(check.rnn_step_forward(fn), words)


def test_a_wrong_sequence_cache_is_named():
    def reversed_steps(x, h0, params, activation="tanh"):
        h, cache = rnn.rnn_forward(x, h0, params, activation)
        return h, cache.steps[::-1]

    assert_fails(check.rnn_forward(reversed_steps), "cache[0].x_t is wrong")

    def one_step(x, h0, params, activation="tanh"):
        h, cache = rnn.rnn_forward(x, h0, params, activation)
        return h, cache.steps[-1]

    assert_fails(check.rnn_forward(one_step), "not the T = 3 step caches")


def test_a_new_backward_mistake_is_localised():
    def half_dx_late(dh, cache):
        dx, dh0, grads = rnn.rnn_backward(dh, cache)
        dx = dx.copy()
        dx[:, -1] *= 0.5
        return dx, dh0, grads

    result = check.rnn_backward(half_dx_late)
    assert not result and "only T = 2 of 0..2 differ" in result.hint, result
    assert "dx is stored at the wrong place" in result.hint
