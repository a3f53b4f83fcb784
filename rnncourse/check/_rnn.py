"""Checkers for the vanilla RNN exercises: forward and backward, one step and a sequence.

Each checker runs the learner's function on three fixed float64 problems (the first has
D == H, so code that swaps or transposes the weights still runs), compares with
:mod:`rnncourse.rnn`, and matches wrong numbers against the outputs of typical mistakes.
"""

from typing import NamedTuple

import numpy as np

from .. import rnn
from ..activations import sigmoid
from ._harness import (
    call,
    checker,
    copy_tree,
    diagnose,
    expect_array,
    expect_tuple,
    expect_unchanged,
)

KEYS = ("W_xh", "W_hh", "b_h")
PARAMS_HINT = (KeyError, "", "params is a dict with the keys 'W_xh', 'W_hh' and 'b_h'.")
STEP_CACHE_HINT = (
    "the cache is an RNNStepCache with the fields x_t, h_prev, h_t, params, activation: "
    "read them as `cache.x_t`, `cache.h_prev`, ... or unpack all five in this order."
)
SEQ_CACHE_HINT = (
    "the cache is an RNNCache with the fields `steps` (one RNNStepCache per time step, "
    "`cache.steps[t]`) and `x_shape` (N, T, D)."
)


class Problem(NamedTuple):
    x: np.ndarray  # (N, T, D)
    h0: np.ndarray  # (N, H), values in (-1, 1)
    params: dict  # W_xh (D, H), W_hh (H, H), b_h (H,), all nonzero
    dh: np.ndarray  # (N, T, H) upstream gradient
    where: str  # " in test case k of 3 (N=.., T=.., D=.., H=..)"


# (seed, N, T, D, H): the first case has D == H; N, T and H differ in every case.
_SIZES = ((101, 2, 3, 4, 4), (102, 3, 5, 6, 4), (103, 4, 2, 3, 5))


def problems(step=False):
    """The three fixed test problems (``step=True``: describe them without T)."""
    out = []
    for k, (seed, N, T, D, H) in enumerate(_SIZES, start=1):
        rng = np.random.default_rng(seed)
        params = {
            "W_xh": 0.5 * rng.standard_normal((D, H)),
            "W_hh": 0.5 * rng.standard_normal((H, H)),
            "b_h": 0.5 * rng.standard_normal(H),
        }
        x = rng.standard_normal((N, T, D))
        h0 = np.tanh(rng.standard_normal((N, H)))
        dh = rng.standard_normal((N, T, H))
        dims = f"N={N}, D={D}, H={H}" if step else f"N={N}, T={T}, D={D}, H={H}"
        out.append(Problem(x, h0, params, dh, f" in test case {k} of 3 ({dims})"))
    return out


# ---------------------------------------------------------------- the activation argument

ACTIVATION_HINT = (
    "the cell must use the activation it is given: "
    "`act, _ = get_activation(activation)` and `h_t = act(a_t)`, not always `np.tanh`."
)


def _check_activation(fn, args, reference, name, where):
    """Call ``fn(*args, activation="relu")`` and compare its first output with the
    package's ``reference(*args, "relu")``: a cell that ignores the argument is told so."""
    hints = [(TypeError, "activation", "keep the parameter `activation=\"tanh\"` in the "
              "function's signature and use it.")]  # fmt: skip
    out = call(fn, *copy_tree(args), activation="relu", hints=hints)
    got, _ = expect_tuple(out, (name, "cache"), f"return the cache too: `return {name}, cache`.")
    expected = reference(*args, "relu")[0]
    tanh_version = reference(*args, "tanh")[0]
    expect_array(got, name, expected.shape, "(N, H)" if got.ndim == 2 else "(N, T, H)")
    diagnose(name, got, expected, [(ACTIVATION_HINT, tanh_version)], where)


# ---------------------------------------------------------------- rnn_step_forward


def _step_forward_variants(x_t, h_prev, p):
    W, U, b = p["W_xh"], p["W_hh"], p["b_h"]
    xw, hu = x_t @ W, h_prev @ U
    a = xw + hu + b
    variants = [
        ("the bias is missing: add `params['b_h']` to a_t before the tanh.", np.tanh(xw + hu)),
        ("h_t equals a_t: apply the tanh, `h_t = np.tanh(a_t)` (or you returned a_t).", a),
        ("that is the sigmoid; this cell uses `np.tanh(a_t)`.", sigmoid(a)),
        ("that is relu; this cell uses `np.tanh(a_t)`.", np.maximum(a, 0)),
        (
            "the recurrent term is missing: add `h_prev @ params['W_hh']`.",
            np.tanh(xw + b),
        ),
        ("the input term is missing: add `x_t @ params['W_xh']`.", np.tanh(hu + b)),
        (
            "W_hh is transposed: with row vectors the product is `h_prev @ W_hh` (papers use "
            "column vectors, `W_hh h_prev`, whose matrices are the transposes of ours).",
            np.tanh(xw + h_prev @ U.T + b),
        ),
    ]
    if W.shape[0] == W.shape[1]:  # only runs when D == H
        variants += [
            (
                "x_t and h_prev are multiplied by each other's weights: x_t goes with W_xh, "
                "h_prev with W_hh.",
                np.tanh(x_t @ U + h_prev @ W + b),
            ),
            (
                "W_xh is transposed: with row vectors the product is `x_t @ W_xh` (D, H).",
                np.tanh(x_t @ W.T + hu + b),
            ),
            (
                "both weight matrices are transposed: row-vector maths is "
                "`x_t @ W_xh + h_prev @ W_hh + b_h`.",
                np.tanh(x_t @ W.T + h_prev @ U.T + b),
            ),
        ]
    return variants


@checker("rnn_step_forward")
def rnn_step_forward(fn):
    """Check ``fn(x_t, h_prev, params) -> (h_t, cache)``; only h_t is compared."""
    for prob in problems(step=True):
        x_t, h_prev = prob.x[:, 0], prob.h0
        N, H = h_prev.shape
        originals = {"x_t": x_t, "h_prev": h_prev, "params": prob.params}
        given = copy_tree(originals)
        out = call(fn, given["x_t"], given["h_prev"], given["params"], hints=[PARAMS_HINT])
        h_t, _ = expect_tuple(out, ("h_t", "cache"), "return the cache too: `return h_t, cache`.")
        expect_unchanged(originals, given)
        expect_array(
            h_t,
            "h_t",
            (N, H),
            "(N, H)",
            {(H, N): "h_t is transposed: row-vector maths `x_t @ W_xh` gives (N, H)."},
        )
        expected, _ = rnn.rnn_step_forward(x_t, h_prev, prob.params)
        variants = _step_forward_variants(x_t, h_prev, prob.params)
        diagnose("h_t", h_t, expected, variants, prob.where)
    prob = problems(step=True)[1]
    where = ' with activation="relu"' + prob.where
    _check_activation(fn, (prob.x[:, 0], prob.h0, prob.params), rnn.rnn_step_forward, "h_t", where)
    return 'h_t matches the reference on all 3 test cases, and with activation="relu".'


# ---------------------------------------------------------------- rnn_forward


def _recur(x, h0, p, act=np.tanh, bias=True, from_h0=False):
    """Hidden states (N, T, H) of a forward pass, optionally with a mistake built in."""
    h, h_t = [], h0
    for t in range(x.shape[1]):
        h_in = h0 if from_h0 else h_t
        h_t = act(x[:, t] @ p["W_xh"] + h_in @ p["W_hh"] + (p["b_h"] if bias else 0))
        h.append(h_t)
    return np.stack(h, axis=1)  # T arrays (N, H) -> (N, T, H)


def _forward_variants(x, h0, p, expected):
    step_first = " (If your rnn_forward calls your rnn_step_forward, check that one first.)"
    shifted = np.concatenate([h0[:, None], expected[:, :-1]], axis=1)  # h0, h_0, ..., h_{T-2}
    last_only = np.zeros_like(expected)
    last_only[:, -1] = expected[:, -1]
    backwards = _recur(x[:, ::-1], h0, p)[:, ::-1]  # steps taken from t = T-1 down to 0
    return [
        (
            "every step starts from h0: feed the previous state back in, "
            "`h_t = step(x[:, t], h_t, ...)`, so the loop carries h_t forward.",
            _recur(x, h0, p, from_h0=True),
        ),
        (
            "off by one: h[:, t] holds the state before step t (h0 comes first). Store the "
            "new state after the step: `h_t, _ = step(...); h[:, t] = h_t`.",
            shifted,
        ),
        ("the tanh is missing." + step_first, _recur(x, h0, p, act=lambda a: a)),
        ("the bias b_h is missing." + step_first, _recur(x, h0, p, bias=False)),
        ("only h[:, -1] is filled: store every new state, `h[:, t] = h_t`.", last_only),
        ("the loop runs backward in time: the forward pass goes t = 0, 1, ..., T-1.", backwards),
    ]


@checker("rnn_forward")
def rnn_forward(fn):
    """Check ``fn(x, h0, params) -> (h, cache)`` with h (N, T, H); only h is compared."""
    for prob in problems():
        N, T, _ = prob.x.shape
        H = prob.h0.shape[1]
        originals = {"x": prob.x, "h0": prob.h0, "params": prob.params}
        given = copy_tree(originals)
        hints = [
            PARAMS_HINT,
            (
                ValueError,
                "x_t",
                "a step takes `x[:, t]` (N, D), the input at step t; `x[t]` would be sequence t.",
            ),
        ]
        out = call(fn, given["x"], given["h0"], given["params"], hints=hints)
        h, _ = expect_tuple(out, ("h", "cache"), "return the cache too: `return h, cache`.")
        expect_unchanged(originals, given)
        shape_hints = {
            (N, H): "only the last hidden state is returned: collect every h_t into h "
            "(N, T, H), `h[:, t] = h_t`.",
            (T, N, H): "h is time-major: the course is batch-major, `h[:, t] = h_t` "
            "(`np.stack(states, axis=1)`, not `np.array(states)`).",
            (N, T + 1, H): "h has T + 1 states: h0 is the input state, not an output; "
            "h[:, t] is the state after reading x[:, t].",
        }
        expect_array(h, "h", (N, T, H), "(N, T, H)", shape_hints)
        expected, _ = rnn.rnn_forward(prob.x, prob.h0, prob.params)
        variants = _forward_variants(prob.x, prob.h0, prob.params, expected)
        diagnose("h", h, expected, variants, prob.where)
    prob = problems()[1]
    where = ' with activation="relu"' + prob.where
    _check_activation(fn, (prob.x, prob.h0, prob.params), rnn.rnn_forward, "h", where)
    return 'h matches the reference on all 3 test cases, and with activation="relu".'
