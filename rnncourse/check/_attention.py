"""Checkers for the attention exercises of chapter 11.

- ``additive_score(forward, backward=None)``: Bahdanau's scores
  ``tanh(q W_q + k_s W_k) v``, forward ``(q, k, params) -> (scores, cache)`` and, if given,
  backward ``(dscores, cache) -> (dq, dk, grads)``;
- ``luong_general_score(forward, backward=None)``: Luong's general scores ``q W_a k_s^T``,
  the same two signatures;
- ``masked_context(fn)``: ``(scores, mask, values) -> (context, alpha)``, the softmax over
  the real source positions, then the weighted average of the values.

Each runs the learner's code on three fixed float64 problems, compares with
:mod:`rnncourse.attention`, and matches wrong numbers against typical mistakes. A backward
function is called with the cache of the package's own forward function, so only the
backward code is under test. Forward is checked first; backward only once forward is right.
"""

from typing import NamedTuple

import numpy as np

from .. import attention
from ..activations import sigmoid, softmax
from ..gradcheck import rel_error
from ._catalogue import Mistake, Probe, with_catalogue
from ._harness import (
    TOL,
    CheckFailed,
    call,
    checker,
    copy_tree,
    describe,
    diagnose,
    diagnose_outputs,
    expect_array,
    expect_keys,
    expect_tuple,
    expect_unchanged,
)
from ._result import CheckResult

BROADCAST_QUERY_HINT = (
    ValueError,
    "broadcast",
    "one query meets S keys: give the query's part an axis for S, "
    "`(q @ W_q)[:, None, :]` is (N, 1, A), which adds to `k @ W_k` (N, S, A).",
)
SOFTMAX_TOO_EARLY = (
    "these are softmax weights, not scores: a score function returns the raw scores; the "
    "softmax over the source positions comes in the next step (`masked_softmax`)."
)
NAN_HINT = (
    "NaN appears where infinities meet: `np.inf * 0` (as in `scores - np.inf * (1 - mask)`, "
    "where mask is 1) and `np.exp(x)` of a large x divided by another infinity are both NaN. "
    "Fill the padded positions with `np.where(mask == 1, scores, -np.inf)`, then subtract each "
    "row's largest score (`.max(axis=1, keepdims=True)`) before `np.exp`: exp(-inf) is exactly 0 "
    "and nothing overflows."
)


class Problem(NamedTuple):
    q: np.ndarray  # (N, H_q)
    k: np.ndarray  # (N, S, H_k)
    params: dict  # the score's params
    dscores: np.ndarray  # (N, S) upstream gradient
    dims: str  # "N=.., S=.., ..."


def _checks(name, body, forward, backward):
    """Run ``body(forward, backward)`` as a checker called ``name`` (never raises)."""
    for label, fn in (("first", forward), ("second", backward)):
        if fn is not None and not callable(fn):
            return CheckResult(
                False,
                name,
                f"expected your function as the {label} argument, but got {describe(fn)}.",
                "pass the functions themselves, without calling them: "
                f"`check.{name}(your_forward, your_backward)`.",
            )
    return checker(name)(lambda fn: body(fn, backward))(forward)


def _backward_stage(failure):
    return CheckFailed(f"forward is right, but backward: {failure.message}", failure.hint)


def _where(k, prob, n=3):
    return f" (test case {k} of {n}: {prob.dims})"


# ---------------------------------------------------------------- additive score

#: (seed, N, S, H_q, H_k, A): case 1 is square (H_q = H_k = A) so a transposed weight gives
#: wrong numbers instead of a shape error; the other cases have all sizes different.
_ADDITIVE_SIZES = ((301, 2, 3, 4, 4, 4), (302, 3, 4, 2, 5, 3), (303, 4, 2, 3, 2, 5))


def additive_problems():
    """The three fixed problems of :func:`additive_score`."""
    out = []
    for seed, N, S, H_q, H_k, A in _ADDITIVE_SIZES:
        rng = np.random.default_rng(seed)
        params = {
            "W_q": 0.7 * rng.standard_normal((H_q, A)),
            "W_k": 0.7 * rng.standard_normal((H_k, A)),
            "v": rng.standard_normal(A),
        }
        q, k = rng.standard_normal((N, H_q)), rng.standard_normal((N, S, H_k))
        dims = f"N={N}, S={S}, H_q={H_q}, H_k={H_k}, A={A}"
        out.append(Problem(q, k, params, rng.standard_normal((N, S)), dims))
    return out


def _additive(q, k, p, *, act=np.tanh, W_q_T=False, W_k_T=False, v_sum=False, soft=False):
    """Additive scores with an optional mistake (written apart from rnncourse.attention)."""
    W_q = p["W_q"].T if W_q_T else p["W_q"]
    W_k = p["W_k"].T if W_k_T else p["W_k"]
    e = act((q @ W_q)[:, None, :] + k @ W_k)
    scores = e.sum(axis=2) if v_sum else e @ p["v"]
    return softmax(scores, axis=1) if soft else scores


def _additive_forward_variants(prob):
    q, k, p = prob.q, prob.k, prob.params
    square = p["W_q"].shape[0] == p["W_q"].shape[1] == p["W_k"].shape[0]
    variants = [
        ("the tanh is missing: `scores = np.tanh(q W_q + k W_k) @ v`.", {"act": lambda a: a}),
        ("the additive score uses tanh, not the sigmoid.", {"act": sigmoid}),
        (
            "v is missing: the A features of tanh(...) are combined by the vector v, "
            "`e @ v` with v (A,), not summed.",
            {"v_sum": True},
        ),
        (SOFTMAX_TOO_EARLY, {"soft": True}),
    ]
    if square:
        transposed = (
            "a weight matrix is transposed: with row vectors the query is `q @ W_q` (W_q is "
            "(H_q, A)) and each key `k @ W_k` (W_k is (H_k, A)); no `.T` in the forward pass."
        )
        variants += [
            (transposed, {"W_q_T": True}),
            (transposed, {"W_k_T": True}),
            (transposed, {"W_q_T": True, "W_k_T": True}),
        ]
    return [(hint, _additive(q, k, p, **mistake)) for hint, mistake in variants]


def _check_score_forward(fn, k, prob, reference, variants):
    N, S = prob.k.shape[:2]
    originals = {"q": prob.q, "k": prob.k, "params": prob.params}
    given = copy_tree(originals)
    out = call(fn, given["q"], given["k"], given["params"], hints=[BROADCAST_QUERY_HINT])
    scores, cache = expect_tuple(
        out, ("scores", "cache"), "return the cache too: `return scores, cache`."
    )
    expect_unchanged(originals, given)
    expect_array(
        scores,
        "scores",
        (N, S),
        "(N, S)",
        {
            (S, N): "scores is transposed: one row per sequence, one column per source position.",
            (N, S, 1): "drop the last axis: `e @ v` with v of shape (A,) gives (N, S).",
            (N, prob.k.shape[2]): "the sum runs over the feature axis of the keys (the last "
            "one), not over the source positions: one score per position s.",
        },
    )
    expected, want_cache = reference(prob.q, prob.k, prob.params)
    diagnose("scores", scores, expected, variants(prob), _where(k, prob))
    _check_cache(cache, want_cache, prob, _where(k, prob))


CACHE_FIELD_HINTS = {
    ("AdditiveScoreCache", "e"): "cache.e is `np.tanh(q W_q + k W_k)` (N, S, A): the value "
    "*after* the tanh and before v, which the backward step needs for the derivative 1 - e**2.",
    ("GeneralScoreCache", "qW"): "cache.qW is `q @ W_a` (N, H_k): the query after W_a, which "
    "the backward step pairs with each key.",
}


def _check_cache(cache, want, prob, where):
    """The cache is part of the answer: the backward step reads it. It must be the score's
    named cache, field by field equal to the package's."""
    kind = type(want)
    fields = ", ".join(kind._fields)
    build = f"`{kind.__name__}({fields})` (imported in the setup cell)"
    if not isinstance(cache, kind):
        shown = describe(cache)
        if isinstance(cache, tuple) and len(cache) == len(kind._fields):
            shown = "a plain tuple"
        raise CheckFailed(
            f"scores are right{where}, but the cache is {shown}, not a {kind.__name__}.",
            f"return the cache as {build}: the backward step reads its fields by name.",
        )
    for name in kind._fields:
        got, right = getattr(cache, name), getattr(want, name)
        if isinstance(right, dict):
            same = isinstance(got, dict) and set(got) == set(right) and all(
                isinstance(got[key], np.ndarray) and got[key].shape == right[key].shape
                and rel_error(got[key], right[key]) < TOL for key in right
            )  # fmt: skip
        else:
            same = (
                isinstance(got, np.ndarray)
                and got.shape == right.shape
                and rel_error(got, right) < TOL
            )
        if not same:
            shape = got.shape if isinstance(got, np.ndarray) else describe(got)
            hint = CACHE_FIELD_HINTS.get((kind.__name__, name), (
                f"cache.{name} must be the `{name}` the forward pass was given or computed, "
                f"in the order {build}."
            ))  # fmt: skip
            raise CheckFailed(
                f"scores are right{where}, but cache.{name} is not what the backward step "
                f"needs (yours: {shape}, expected {getattr(right, 'shape', 'a dict')}).",
                hint,
            )


def _additive_backward(dscores, cache, mistake=None):
    q, k, e, p = cache
    N, S, A = e.shape
    if mistake == "no_tanh_grad":
        da = dscores[:, :, None] * p["v"]
    elif mistake == "tanh_twice":
        da = dscores[:, :, None] * p["v"] * (1 - np.tanh(e) ** 2)
    else:
        da = dscores[:, :, None] * p["v"] * (1 - e**2)
    dv = e.sum(axis=(0, 1)) if mistake == "dv_no_dscores" else np.einsum("ns,nsa->a", dscores, e)
    da_q = da.mean(axis=1) if mistake == "mean_over_s" else da.sum(axis=1)
    W_q = p["W_q"] if mistake == "no_transpose" else p["W_q"].T
    W_k = p["W_k"] if mistake == "no_transpose" else p["W_k"].T
    dW_k = k.reshape(N * S, -1).T @ da.reshape(N * S, A)
    dW_q = q.T @ da_q
    if mistake == "dW_transposed":
        dW_k, dW_q = dW_k.T, dW_q.T
    return {
        "dq": da_q @ W_q,
        "dk": da @ W_k,
        "grads['W_q']": dW_q,
        "grads['W_k']": dW_k,
        "grads['v']": dv,
    }


ADDITIVE_BACKWARD_MISTAKES = {
    "no_tanh_grad": "the tanh derivative is missing: `da = dscores[:, :, None] * v * (1 - e**2)`.",
    "tanh_twice": (
        "the cache's e is already tanh(q W_q + k W_k): its derivative is `1 - e**2`, "
        "not `1 - np.tanh(e)**2`."
    ),
    "dv_no_dscores": (
        "dv must weigh each position's e by its upstream gradient: "
        "`np.einsum('ns,nsa->a', dscores, e)`, i.e. the sum over n and s of `dscores * e`."
    ),
    "mean_over_s": (
        "q W_q was added to every one of the S positions, so its gradient is the *sum* over "
        "S, `da.sum(axis=1)`, not the mean."
    ),
    "no_transpose": (
        "going back through a product `x @ W` multiplies by `W.T`: `dq = da_q @ W_q.T`, "
        "`dk = da @ W_k.T`."
    ),
    "dW_transposed": (
        "a weight gradient is transposed: dW_q has W_q's shape (H_q, A), "
        "`q.T @ da_q`; dW_k has W_k's shape (H_k, A)."
    ),
}


def _backward_variants(make, mistakes, dscores, cache):
    right = make(dscores, cache)
    variants = []
    for mistake, hint in mistakes.items():
        try:
            wrong = make(dscores, cache, mistake)
        except ValueError:  # the mistake needs square matrices; these are not
            continue
        changed = {
            label: value
            for label, value in wrong.items()
            if value.shape != right[label].shape or rel_error(value, right[label]) >= TOL
        }
        if changed:
            variants.append((hint, changed))
    return variants


def _check_score_backward(fn, k, prob, forward, make, mistakes, keys, shapes):
    N, S, H_k = prob.k.shape
    H_q = prob.q.shape[1]
    _, cache = forward(prob.q, prob.k, prob.params)
    originals = {"dscores": prob.dscores, "cache": cache}
    given = copy_tree(originals)
    cache_hint = (
        AttributeError,
        "",
        f"the cache is a {type(cache).__name__} with the fields {', '.join(cache._fields)}: "
        f"read them as `cache.{cache._fields[0]}`, ... or unpack all of them in this order.",
    )
    out = call(fn, given["dscores"], given["cache"], hints=[cache_hint])
    dq, dk, grads = expect_tuple(out, ("dq", "dk", "grads"))
    expect_unchanged(originals, given)
    sum_hint = "q met every position: sum over the source axis S (`axis=1`) for dq."
    expect_array(dq, "dq", (N, H_q), "(N, H_q)", {(N, S, H_q): sum_hint})
    expect_array(dk, "dk", (N, S, H_k), "(N, S, H_k)")
    grads = expect_keys(grads, "grads", keys)
    for key in keys:
        shape, dims = shapes[key]
        hints = {shape[::-1]: f"grads[{key!r}] is transposed: it has the shape of {key}, {dims}."}
        expect_array(grads[key], f"grads[{key!r}]", shape, dims, hints)
    reference = make(prob.dscores, cache)
    got = {"dq": dq, "dk": dk, **{f"grads[{key!r}]": grads[key] for key in keys}}
    variants = _backward_variants(make, mistakes, prob.dscores, cache)
    diagnose_outputs(got, reference, variants, _where(k, prob))


def _additive_body(forward, backward):
    cases = list(enumerate(additive_problems(), start=1))
    for k, prob in cases:
        _check_score_forward(
            forward, k, prob, attention.additive_score_forward, _additive_forward_variants
        )
    if backward is None:
        return (
            "scores match the reference on all 3 test cases. Pass your backward function too "
            "to check it: `check.additive_score(additive_score_forward, additive_score_backward)`."
        )
    for k, prob in cases:
        N, S, H_k = prob.k.shape
        H_q, A = prob.params["W_q"].shape
        shapes = {"W_q": ((H_q, A), "(H_q, A)"), "W_k": ((H_k, A), "(H_k, A)"), "v": ((A,), "(A,)")}
        try:
            _check_score_backward(
                backward, k, prob, attention.additive_score_forward, _additive_backward,
                ADDITIVE_BACKWARD_MISTAKES, ("W_q", "W_k", "v"), shapes,
            )  # fmt: skip
        except CheckFailed as failure:
            raise _backward_stage(failure) from None
    return "scores, dq, dk and the gradients of W_q, W_k and v match on all 3 test cases."


def _additive_score(forward, backward=None):
    """Check the additive (Bahdanau) score.

    - ``forward(q, k, params) -> (scores, cache)`` with q (N, H_q), k (N, S, H_k), params
      W_q (H_q, A), W_k (H_k, A), v (A,), scores (N, S); only scores is compared
    - ``backward(dscores, cache) -> (dq, dk, grads)`` (optional), called with the cache of
      ``rnncourse.attention.additive_score_forward`` (an ``AdditiveScoreCache``)
    """
    if backward is None:
        return _checks("additive_score", _additive_body, forward, None)
    return _checks("additive_score", _additive_body, forward, backward)


_TRANSPOSED_HINT = (
    "a weight matrix is transposed: with row vectors the query is `q @ W_q` (W_q is "
    "(H_q, A)) and each key `k @ W_k` (W_k is (H_k, A)); no `.T` in the forward pass."
)
ADDITIVE_HINTS = {
    "no tanh": (
        "the tanh is missing: `scores = np.tanh(q W_q + k W_k) @ v`.",
        {"act": lambda a: a},
    ),
    "sigmoid": ("the additive score uses tanh, not the sigmoid.", {"act": sigmoid}),
    "v summed": (
        "v is missing: the A features of tanh(...) are combined by the vector v, `e @ v` with "
        "v (A,), not summed.",
        {"v_sum": True},
    ),
    "softmax": (SOFTMAX_TOO_EARLY, {"soft": True}),
    "W_q transposed": (_TRANSPOSED_HINT, {"W_q_T": True}),
    "W_k transposed": (_TRANSPOSED_HINT, {"W_k_T": True}),
}


def _additive_mistake(key):
    hint, options = ADDITIVE_HINTS[key]

    def fn(q, k, params):
        return _additive(q, k, params, **options), None

    return Mistake(key, hint, fn)


def _additive_probes():
    return [Probe(lambda p=p: ((p.q, p.k, p.params), {})) for p in additive_problems()]


def _backward_mistake(make, mistake, hint, keys):
    def fn(dscores, cache):
        out = make(dscores, cache, mistake)
        return out["dq"], out["dk"], {key: out[f"grads[{key!r}]"] for key in keys}

    return Mistake(mistake, hint, fn)


def _one_transposed(make, key, keys):
    """A backward step with only grads[key] transposed (the catalogue's "dW_transposed"
    transposes every weight gradient)."""
    hint = ADDITIVE_BACKWARD_MISTAKES["dW_transposed"]

    def fn(dscores, cache):
        out = make(dscores, cache)
        grads = {k: out[f"grads[{k!r}]"] for k in keys}
        grads[key] = grads[key].T
        return out["dq"], out["dk"], grads

    return Mistake(f"only d{key} transposed", hint, fn)


def _backward_probes(problems, forward):
    def make(prob):
        return (prob.dscores, forward(prob.q, prob.k, prob.params)[1]), {}

    return [Probe(lambda p=p: make(p)) for p in problems()]


additive_score = with_catalogue(
    _additive_score,
    _additive_probes,
    [_additive_mistake(key) for key in ADDITIVE_HINTS],
    attention.additive_score_forward,
    lambda hint: hint in {h for h, _ in ADDITIVE_HINTS.values()},
    view=lambda out: out[0],
    second=(
        lambda: _backward_probes(additive_problems, attention.additive_score_forward),
        [
            _backward_mistake(_additive_backward, k, h, ("W_q", "W_k", "v"))
            for k, h in ADDITIVE_BACKWARD_MISTAKES.items()
        ]
        + [_one_transposed(_additive_backward, key, ("W_q", "W_k", "v")) for key in ("W_q", "W_k")],
        attention.additive_score_backward,
    ),
)


# ---------------------------------------------------------------- Luong's general score

#: (seed, N, S, H_q, H_k): case 1 has H_q = H_k, so a transposed W_a gives wrong numbers.
_GENERAL_SIZES = ((311, 2, 4, 3, 3), (312, 3, 2, 4, 5), (313, 4, 3, 5, 2))

TRANSPOSED_W_A = (
    "W_a is transposed: with row vectors the score is `q @ W_a` (W_a is (H_q, H_k)), then a "
    "dot product with each key."
)


def general_problems():
    """The three fixed problems of :func:`luong_general_score`."""
    out = []
    for seed, N, S, H_q, H_k in _GENERAL_SIZES:
        rng = np.random.default_rng(seed)
        params = {"W_a": rng.standard_normal((H_q, H_k))}
        q, k = rng.standard_normal((N, H_q)), rng.standard_normal((N, S, H_k))
        dims = f"N={N}, S={S}, H_q={H_q}, H_k={H_k}"
        out.append(Problem(q, k, params, rng.standard_normal((N, S)), dims))
    return out


def _general_forward_variants(prob):
    q, k, W_a = prob.q, prob.k, prob.params["W_a"]
    right = np.einsum("nh,nsh->ns", q @ W_a, k)
    variants = [(SOFTMAX_TOO_EARLY, softmax(right, axis=1))]
    if W_a.shape[0] == W_a.shape[1]:
        variants += [
            (TRANSPOSED_W_A, np.einsum("nh,nsh->ns", q @ W_a.T, k)),
            (
                "W_a is missing: that is Luong's *dot* score `q k_s^T`; the general score is "
                "`q W_a k_s^T`.",
                np.einsum("nh,nsh->ns", q, k),
            ),
        ]
    return variants


def _general_backward(dscores, cache, mistake=None):
    q, k, qW, p = cache
    W_a = p["W_a"]
    dqW = np.einsum("ns,nsh->nh", dscores, k)
    if mistake == "dq_no_W":
        dq = dqW
    elif mistake == "dq_W_not_T":
        dq = dqW @ W_a
    else:
        dq = dqW @ W_a.T
    if mistake == "dk_no_dscores":
        dk = np.broadcast_to(qW[:, None, :], k.shape).copy()
    elif mistake == "dk_no_W":
        dk = dscores[:, :, None] * q[:, None, :]
    else:
        dk = dscores[:, :, None] * qW[:, None, :]
    dW_a = q.T @ dqW
    if mistake == "dW_transposed":
        dW_a = dW_a.T
    elif mistake == "dW_no_dscores":
        dW_a = q.T @ k.sum(axis=1)
    return {"dq": dq, "dk": dk, "grads['W_a']": dW_a}


GENERAL_BACKWARD_MISTAKES = {
    "dq_no_W": (
        "dq is missing the product with W_a: the score is `(q @ W_a) . k_s`, so "
        "`dq = d(q W_a) @ W_a.T` with `d(q W_a) = einsum('ns,nsh->nh', dscores, k)`."
    ),
    "dq_W_not_T": (
        "going back through `q @ W_a` multiplies by `W_a.T`, not W_a: `dq = d(q W_a) @ W_a.T`."
    ),
    "dk_no_dscores": (
        "dk must be weighted by the upstream gradient of each score: "
        "`dk = dscores[:, :, None] * (q @ W_a)[:, None, :]`."
    ),
    "dk_no_W": (
        "each key meets `q @ W_a`, not q: `dk = dscores[:, :, None] * (q @ W_a)[:, None, :]` "
        "(cache.qW holds q @ W_a)."
    ),
    "dW_transposed": "dW_a is transposed: it has W_a's shape (H_q, H_k), `q.T @ d(q W_a)`.",
    "dW_no_dscores": (
        "dW_a must weigh each key by its score's upstream gradient: "
        "`q.T @ np.einsum('ns,nsh->nh', dscores, k)`."
    ),
}


def _general_body(forward, backward):
    cases = list(enumerate(general_problems(), start=1))
    for k, prob in cases:
        _check_score_forward(
            forward, k, prob, attention.general_score_forward, _general_forward_variants
        )
    if backward is None:
        return (
            "scores match the reference on all 3 test cases. Pass your backward function too "
            "to check it: `check.luong_general_score(general_score_forward, "
            "general_score_backward)`."
        )
    for k, prob in cases:
        shapes = {"W_a": (prob.params["W_a"].shape, "(H_q, H_k)")}
        try:
            _check_score_backward(
                backward, k, prob, attention.general_score_forward, _general_backward,
                GENERAL_BACKWARD_MISTAKES, ("W_a",), shapes,
            )  # fmt: skip
        except CheckFailed as failure:
            raise _backward_stage(failure) from None
    return "scores, dq, dk and the gradient of W_a match on all 3 test cases."


def _luong_general_score(forward, backward=None):
    """Check Luong's general score.

    - ``forward(q, k, params) -> (scores, cache)`` with q (N, H_q), k (N, S, H_k), params
      W_a (H_q, H_k), scores (N, S); only scores is compared
    - ``backward(dscores, cache) -> (dq, dk, grads)`` (optional), called with the cache of
      ``rnncourse.attention.general_score_forward`` (a ``GeneralScoreCache``)
    """
    return _checks("luong_general_score", _general_body, forward, backward)


# ---------------------------------------------------------------- masked softmax and context


class ContextProblem(NamedTuple):
    scores: np.ndarray  # (N, S)
    mask: np.ndarray  # (N, S) of 0.0 / 1.0, every row with a 1
    values: np.ndarray  # (N, S, H_k)
    dims: str


def context_problems():
    """Three fixed problems: right padding, a mask with holes, and very large scores (a
    softmax without the max shift overflows on those). Row 0 of every mask is all ones, so
    no column is fully masked."""
    masks = (
        [[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 0, 0, 0, 0]],
        [[1, 1, 1, 1], [0, 1, 1, 0]],
        [[1, 1, 1], [1, 1, 0], [1, 0, 1], [0, 1, 1]],
    )
    out = []
    for seed, (mask, H_k, scale) in enumerate(
        zip(masks, (2, 3, 4), (1.0, 2.0, 400.0), strict=True), 321
    ):
        rng = np.random.default_rng(seed)
        mask = np.array(mask, dtype=np.float64)
        N, S = mask.shape
        scores = scale * rng.standard_normal((N, S))
        values = rng.standard_normal((N, S, H_k))
        out.append(ContextProblem(scores, mask, values, f"N={N}, S={S}, H_k={H_k}"))
    rng = np.random.default_rng(324)
    # N = 1 and S = 1: a single real position gets all the weight
    out.append(ContextProblem(rng.standard_normal((1, 1)), np.ones((1, 1)),
                              rng.standard_normal((1, 1, 3)), "N=1, S=1, H_k=3"))  # fmt: skip
    # rows on very different scales, with large scores at the padded positions
    scores = rng.standard_normal((2, 4)) * np.array([[1e-3], [50.0]])
    scores[1, 3] = 1e4  # masked: it must not matter, however large
    mask = np.array([[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 0.0]])
    dims = "N=2, S=4, H_k=2, rows on different scales, a masked score of 1e4"
    out.append(ContextProblem(scores, mask, rng.standard_normal((2, 4, 2)), dims))
    return out


def _softmax_filled(scores, mask, axis=1):
    filled = np.where(mask == 1, scores, -np.inf)
    with np.errstate(all="ignore"):  # a fully masked column (axis=0) gives NaN, as it would
        e = np.exp(filled - filled.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)


def _alpha_variants(prob):
    s, m = prob.scores, prob.mask
    plain = softmax(s, axis=1)
    return [
        (
            "the softmax runs over the wrong axis: the weights of one query are spread over "
            "its S source positions, so normalise along `axis=1` (each row sums to 1).",
            _softmax_filled(s, m, axis=0),
        ),
        (
            "the mask is applied after the softmax without renormalising: padded positions "
            "took their share of the total before being zeroed, so the rows no longer sum to "
            "1. Set the masked scores to -inf *before* the softmax.",
            plain * m,
        ),
        (
            "the mask is ignored: padded positions get weight. Replace their scores with "
            "-inf before the softmax: `np.where(mask == 1, scores, -np.inf)`.",
            plain,
        ),
        (
            "multiplying the scores by the mask sets padded scores to 0, and exp(0) = 1 still "
            "gives them weight. Use -inf for them: `np.where(mask == 1, scores, -np.inf)`.",
            softmax(s * m, axis=1),
        ),
    ]


def _context_variants(prob, alpha):
    return [
        (
            "the context averages the values with the weights alpha, not with the raw "
            "scores: `context = einsum('ns,nsh->nh', alpha, values)`.",
            np.einsum("ns,nsh->nh", prob.scores, prob.values),
        ),
        (
            "the context is a weighted *sum* over the source positions (the weights already "
            "sum to 1); do not divide by S again.",
            np.einsum("ns,nsh->nh", alpha, prob.values) / prob.scores.shape[1],
        ),
    ]


def _check_context_case(fn, k, prob, n=3):
    N, S, H_k = prob.values.shape
    originals = {"scores": prob.scores, "mask": prob.mask, "values": prob.values}
    given = copy_tree(originals)
    try:
        out = call(fn, given["scores"], given["mask"], given["values"])
    except CheckFailed as failure:
        if "NaN or infinity" in failure.message:
            raise CheckFailed(failure.message + _where(k, prob, n), NAN_HINT) from None
        raise
    context, alpha = expect_tuple(out, ("context", "alpha"))
    expect_unchanged(originals, given)
    for name, value in (("alpha", alpha), ("context", context)):
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            if not np.isfinite(value).all():
                raise CheckFailed(f"{name} contains NaN or infinity{_where(k, prob, n)}.", NAN_HINT)
    expect_array(
        alpha,
        "alpha",
        (N, S),
        "(N, S)",
        {(S, N): "alpha is transposed: one row of S weights per sequence."},
    )
    expect_array(
        context,
        "context",
        (N, H_k),
        "(N, H_k)",
        {
            (N, S): "the context sums over the wrong axis: sum the weighted values over the "
            "source positions (`axis=1` of (N, S, H_k)), keeping the H_k features.",
            (N, N, H_k): "`alpha @ values` pairs every weight row with every sequence: use "
            "`np.einsum('ns,nsh->nh', alpha, values)` or `(alpha[:, :, None] * values)"
            ".sum(axis=1)`.",
            (H_k,): "keep the batch axis: one context vector per sequence, (N, H_k).",
        },
    )
    want_context, want_alpha = attention.masked_context(prob.scores, prob.mask, prob.values)
    diagnose("alpha", alpha, want_alpha, _alpha_variants(prob), _where(k, prob, n))
    diagnose("context", context, want_context, _context_variants(prob, alpha), _where(k, prob, n))


@checker("masked_context")
def _masked_context(fn):
    """Check ``fn(scores, mask, values) -> (context, alpha)``: scores (N, S), mask (N, S) of
    0.0/1.0 (1 = a real position), values (N, S, H_k); alpha (N, S), context (N, H_k)."""
    problems = context_problems()
    for k, prob in enumerate(problems, start=1):
        _check_context_case(fn, k, prob, len(problems))
    return (
        f"alpha and context match on all {len(problems)} test cases (padding, a mask with "
        "holes, very large scores, N = S = 1, rows on different scales)."
    )


def _context_by_hand(scores, mask, values, *, k=None):
    """masked_context with the mistake ``k`` switched on."""
    with np.errstate(all="ignore"):
        if k == "wrong axis":
            alpha = _softmax_filled(scores, mask, axis=0)
        elif k == "mask after softmax":
            alpha = softmax(scores, axis=1) * mask
        elif k == "mask ignored":
            alpha = softmax(scores, axis=1)
        elif k == "scores times mask":
            alpha = softmax(scores * mask, axis=1)
        elif k == "no max shift":
            e = np.where(mask == 1, np.exp(scores), 0.0)
            alpha = e / e.sum(axis=1, keepdims=True)
        else:
            alpha = _softmax_filled(scores, mask)
        weights = scores if k == "context from scores" else alpha
        context = np.einsum("ns,nsh->nh", weights, values)
        if k == "context divided by S":
            context = context / scores.shape[1]
        if k == "alpha transposed":
            return context, alpha.T
    return context, alpha


CONTEXT_HINTS = {
    "wrong axis": "the softmax runs over the wrong axis",
    "mask after softmax": "the mask is applied after the softmax without renormalising",
    "mask ignored": "the mask is ignored",
    "scores times mask": "multiplying the scores by the mask sets padded scores to 0",
    "no max shift": NAN_HINT,
    "context from scores": "not with the raw scores",
    "context divided by S": "do not divide by S again",
    "alpha transposed": "alpha is transposed",
}


def _context_probes():
    return [Probe(lambda p=p: ((p.scores, p.mask, p.values), {})) for p in context_problems()]


masked_context = with_catalogue(
    _masked_context,
    _context_probes,
    [
        Mistake(key, hint, lambda s, m, v, key=key: _context_by_hand(s, m, v, k=key))
        for key, hint in CONTEXT_HINTS.items()
    ],
    attention.masked_context,
    lambda hint: any(
        hint == h
        for p in context_problems()
        for h, _ in _alpha_variants(p) + _context_variants(p, p.mask)
    ),
)


GENERAL_FORWARD_HINTS = {
    "softmax": SOFTMAX_TOO_EARLY,
    "W_a transposed": TRANSPOSED_W_A,
    "W_a missing": (
        "W_a is missing: that is Luong's *dot* score `q k_s^T`; the general score is `q W_a k_s^T`."
    ),
}


def _general_by_hand(q, k, params, *, key=None):
    W_a = params["W_a"].T if key == "W_a transposed" else params["W_a"]
    qW = q if key == "W_a missing" else q @ W_a
    scores = np.einsum("nh,nsh->ns", qW, k)
    return (softmax(scores, axis=1) if key == "softmax" else scores), None


def _general_probes():
    return [Probe(lambda p=p: ((p.q, p.k, p.params), {})) for p in general_problems()]


luong_general_score = with_catalogue(
    _luong_general_score,
    _general_probes,
    [
        Mistake(key, hint, lambda q, k, p, key=key: _general_by_hand(q, k, p, key=key))
        for key, hint in GENERAL_FORWARD_HINTS.items()
    ],
    attention.general_score_forward,
    lambda hint: hint in set(GENERAL_FORWARD_HINTS.values()),
    view=lambda out: out[0],
    second=(
        lambda: _backward_probes(general_problems, attention.general_score_forward),
        [
            _backward_mistake(_general_backward, k, h, ("W_a",))
            for k, h in GENERAL_BACKWARD_MISTAKES.items()
        ],
        attention.general_score_backward,
    ),
)
