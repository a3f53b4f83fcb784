"""Checkers for the vanilla RNN exercises: forward and backward, one step and a sequence.

Each checker runs the learner's function on three fixed float64 problems (the first has
D == H, so code that swaps or transposes the weights still runs), compares with
:mod:`rnncourse.rnn`, and matches wrong numbers against the outputs of typical mistakes.
"""

from typing import NamedTuple

import numpy as np

from .. import rnn
from ..activations import get_activation, sigmoid
from ._harness import (
    CheckFailed,
    call,
    copy_tree,
    describe,
    diagnose,
    expect_array,
    expect_tuple,
    expect_unchanged,
)
from ._named import (
    Mistake,
    Probe,
    check_float32,
    check_step_cache,
    compare,
    named_checker,
    to_float32,
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


# Probes for naming a mistake: the test cases and the N = 1 and T = 1 corners.
_PROBE_SIZES = _SIZES + ((104, 1, 3, 2, 3), (105, 3, 1, 5, 2))


def problems(step=False, probes=False):
    """The three fixed test problems (``step=True``: describe them without T;
    ``probes=True``: and the extra problems the catalogue is run on)."""
    out = []
    sizes = _PROBE_SIZES if probes else _SIZES
    for k, (seed, N, T, D, H) in enumerate(sizes, start=1):
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
        out.append(Problem(x, h0, params, dh, f" in test case {k} of {len(sizes)} ({dims})"))
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


def _step_mistake(key, hint, pre, act=None):
    """A wrong rnn_step_forward returning h_t: ``pre(x_t, h_prev, W_xh, W_hh, b_h)`` gives
    a_t, ``act`` the activation used (None: the one asked for)."""

    def fn(x_t, h_prev, params, activation="tanh"):
        a = pre(x_t, h_prev, params["W_xh"], params["W_hh"], params["b_h"])
        return (act or get_activation(activation)[0])(a)

    return Mistake(key, hint, fn)


def step_forward_catalogue():
    """The typical mistakes of rnn_step_forward, each a small wrong implementation."""
    right = lambda x, h, W, U, b: x @ W + h @ U + b  # noqa: E731
    hints = dict((h.split(":")[0], h) for h, _ in _step_forward_hints())
    return [
        _step_mistake("no bias", hints["the bias is missing"], lambda x, h, W, U, b: x @ W + h @ U),
        _step_mistake("no activation", hints["h_t equals a_t"], right, act=lambda a: a),
        _step_mistake(
            "sigmoid",
            hints["that is the sigmoid; this cell uses `np.tanh(a_t)`."],
            right,
            act=sigmoid,
        ),
        _step_mistake(
            "relu",
            hints["that is relu; this cell uses `np.tanh(a_t)`."],
            right,
            act=lambda a: np.maximum(a, 0),
        ),
        _step_mistake(
            "no recurrent term",
            hints["the recurrent term is missing"],
            lambda x, h, W, U, b: x @ W + b,
        ),
        _step_mistake(
            "no input term", hints["the input term is missing"], lambda x, h, W, U, b: h @ U + b
        ),
        _step_mistake(
            "W_hh transposed",
            hints["W_hh is transposed"],
            lambda x, h, W, U, b: x @ W + h @ U.T + b,
        ),
        _step_mistake(
            "weights swapped",
            hints["x_t and h_prev are multiplied by each other's weights"],
            lambda x, h, W, U, b: x @ U + h @ W + b,
        ),
        _step_mistake(
            "W_xh transposed",
            hints["W_xh is transposed"],
            lambda x, h, W, U, b: x @ W.T + h @ U + b,
        ),
        _step_mistake(
            "both transposed",
            hints["both weight matrices are transposed"],
            lambda x, h, W, U, b: x @ W.T + h @ U.T + b,
        ),
    ]


def _step_forward_hints():
    """The hints of :func:`_step_forward_variants`, on a square case (all of them)."""
    prob = problems(step=True)[0]
    return _step_forward_variants(prob.x[:, 0], prob.h0, prob.params)


def _step_probes():
    out = [
        Probe(lambda p=p: ((p.x[:, 0], p.h0, p.params), {}), p.where)
        for p in problems(step=True, probes=True)
    ]
    return out


def _first(out):
    return out[0]


#: What each field of the step cache holds (the fields of rnn.RNNStepCache).
STEP_CACHE_FIELDS = {
    "x_t": "the input x_t",
    "h_prev": "the incoming state h_prev",
    "h_t": "the new state h_t (the backward step reads tanh' = 1 - h_t**2 from it)",
    "params": "the params dict",
    "activation": 'the name of the activation, e.g. "tanh"',
}


def check_rnn_step_cache(cache, want, where, step=""):
    """The cache must be the five values (x_t, h_prev, h_t, params, activation), in this
    order (a tuple, or rnn.RNNStepCache); the package's rnn_step_backward must accept it."""
    fields = rnn.RNNStepCache._fields
    if not isinstance(cache, tuple | list) or len(cache) != len(fields):
        raise CheckFailed(
            f"h_t is right, but the cache{step} is {describe(cache)}{where}; it must hold the "
            f"five values ({', '.join(fields)}).",
            "return `h_t, (x_t, h_prev, h_t, params, activation)`: the backward step of "
            "chapter 2 unpacks these five, in this order.",
        )
    check_step_cache(
        rnn.RNNStepCache._make(cache), want, where, rnn.RNNStepCache, STEP_CACHE_FIELDS, step
    )


@named_checker("rnn_step_forward", step_forward_catalogue, _step_probes, project=_first)
def rnn_step_forward(fn):
    """Check ``fn(x_t, h_prev, params) -> (h_t, cache)``: h_t, and the cache (the five values
    x_t, h_prev, h_t, params, activation that the backward step needs)."""
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
        expected, want_cache = rnn.rnn_step_forward(x_t, h_prev, prob.params)
        compare({"h_t": h_t}, {"h_t": expected}, prob.where, meaning=_step_meaning)
        check_rnn_step_cache(out[1], want_cache, prob.where)
    prob = problems(step=True)[1]
    where = ' with activation="relu"' + prob.where
    _check_activation(fn, (prob.x[:, 0], prob.h0, prob.params), rnn.rnn_step_forward, "h_t", where)
    return 'h_t and the cache match the reference on all 3 test cases, and with activation="relu".'


def _step_meaning(wrong, right):
    return (
        "Compare each term with `h_t = tanh(x_t @ W_xh + h_prev @ W_hh + b_h)`: print "
        "`x_t @ params['W_xh']` and `h_prev @ params['W_hh']` on their own."
    )


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


def forward_catalogue():
    """The typical mistakes of rnn_forward, each a small wrong implementation returning h."""

    def entry(key, hint, make):
        def fn(x, h0, params, activation="tanh"):
            act = get_activation(activation)[0]
            return make(x, h0, params, act)

        return Mistake(key, hint, fn)

    def shifted(x, h0, p, act):
        h = _recur(x, h0, p, act)
        return np.concatenate([h0[:, None], h[:, :-1]], axis=1)

    def last_only(x, h0, p, act):
        h = _recur(x, h0, p, act)
        out = np.zeros_like(h)
        out[:, -1] = h[:, -1]
        return out

    def skip_first(x, h0, p, act):
        h = np.zeros((x.shape[0], x.shape[1], h0.shape[1]))
        if x.shape[1] > 1:
            h[:, 1:] = _recur(x[:, 1:], h0, p, act)
        return h

    hints = {
        key: hint
        for key, (hint, _) in zip(_FORWARD_KEYS, _forward_variants(*_square()), strict=True)
    }
    return [
        entry(
            "from h0", hints["from h0"], lambda x, h0, p, act: _recur(x, h0, p, act, from_h0=True)
        ),
        entry("store off by one", hints["store off by one"], shifted),
        entry(
            "no activation", hints["no tanh"], lambda x, h0, p, act: _recur(x, h0, p, lambda a: a)
        ),
        entry("no bias", hints["no bias"], lambda x, h0, p, act: _recur(x, h0, p, act, bias=False)),
        entry("last only", hints["last only"], last_only),
        entry(
            "backwards",
            hints["backwards"],
            lambda x, h0, p, act: _recur(x[:, ::-1], h0, p, act)[:, ::-1],
        ),
        entry(
            "skipped first step",
            "the first step is skipped: h[:, 0] is the state after reading x[:, 0], so the loop "
            "starts at t = 0, `for t in range(T)`.",
            skip_first,
        ),
    ]


_FORWARD_KEYS = ("from h0", "store off by one", "no tanh", "no bias", "last only", "backwards")


def _square():
    prob = problems()[0]
    h, _ = rnn.rnn_forward(prob.x, prob.h0, prob.params)
    return prob.x, prob.h0, prob.params, h


def _forward_probes():
    out = [Probe(lambda p=p: ((p.x, p.h0, p.params), {}), p.where) for p in problems(probes=True)]
    return out


def check_rnn_sequence_cache(cache, want, where):
    """rnn_forward's cache: the list of the T step caches, each (x_t, h_prev, h_t, params,
    activation), in time order."""
    T = len(want.steps)
    if isinstance(cache, rnn.RNNCache):  # the package's own cache is fine too
        cache = cache.steps
    if not isinstance(cache, tuple | list) or len(cache) != T:
        n = f"{len(cache)} values" if isinstance(cache, tuple | list) else describe(cache)
        raise CheckFailed(
            f"h is right, but the cache holds {n}, not the T = {T} step caches{where}.",
            "append every step's cache to a list in the loop, `caches.append(step_cache)`, and "
            "return that list: `return h, caches`.",
        )
    for t in range(T):
        check_rnn_step_cache(cache[t], want.steps[t], where, f"[{t}]")


def _forward_meaning(wrong, right):
    return (
        "The loop carries h_t from one step to the next and stores each new state at "
        "h[:, t]. (If your rnn_forward calls your rnn_step_forward, check that one first.)"
    )


@named_checker("rnn_forward", forward_catalogue, _forward_probes, project=_first)
def rnn_forward(fn):
    """Check ``fn(x, h0, params) -> (h, cache)`` with h (N, T, H), and the cache: the list of
    the T step caches, in time order."""
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
        expected, want_cache = rnn.rnn_forward(prob.x, prob.h0, prob.params)
        compare(
            {"h": h},
            {"h": expected},
            prob.where,
            axes={"h": ("N", "T", "H")},
            meaning=_forward_meaning,
        )
        check_rnn_sequence_cache(out[1], want_cache, prob.where)
    prob = problems()[1]
    where = ' with activation="relu"' + prob.where
    _check_activation(fn, (prob.x, prob.h0, prob.params), rnn.rnn_forward, "h", where)
    args = (prob.x, prob.h0, prob.params)
    want, _ = rnn.rnn_forward(*to_float32(args))
    check_float32(fn, args, (want,), ("h",), hints=[PARAMS_HINT])
    return (
        'h and the cache match the reference on all 3 test cases, with activation="relu", '
        "and with float32 inputs."
    )
