"""Attention: a decoder state looks up the encoder outputs it needs, by soft weights.

Shapes use the course's letters: N sequences in a batch, S source positions (the length of
the encoded input sequence), H_q the size of the query (a decoder state) and H_k the size of
each key (an encoder output), A the size of the additive score's hidden layer. Maths is
row-vector and batch-major, as everywhere in the course.

One attention step has three parts:

1. **Scores** (N, S): how well the query q (N, H_q) matches each key k_s, the rows of
   k (N, S, H_k). Three score functions are in use::

       additive (Bahdanau et al. 2015):   score_s = tanh(q W_q + k_s W_k) v
       dot (Luong et al. 2015):           score_s = q k_s^T                (needs H_q = H_k)
       general (Luong et al. 2015):       score_s = q W_a k_s^T

   with W_q (H_q, A), W_k (H_k, A), v (A,) and W_a (H_q, H_k). The papers write column
   vectors. Bahdanau's ``v_a^T tanh(W_a s + U_a h)`` becomes the additive score with
   W_q = W_a^T, W_k = U_a^T and v = v_a: the transposes, as in the rest of the course.
   Luong's general ``h_t^T W_a h_s`` is a number; with the rows q = h_t^T and k_s = h_s^T it
   is ``q W_a k_s^T`` with the *same* W_a, (H_q, H_k) in the paper and here. Luong's third
   score, which he calls "concat", ``v_a^T tanh(W_a [h_t; h_s])``, has the additive form but
   is scored with the current state; it is not implemented here.
2. **Alignment weights** alpha (N, S): the softmax of the scores over the S source positions,
   so every row sums to 1. A mask (N, S) of 0/1 marks the real positions (1) and the padding
   (0) of a batch of sources of different lengths; padded positions get weight exactly 0 and
   the weights of the real ones still sum to 1 (:func:`masked_softmax`).
3. **Context** (N, H_k): the weighted average of the values, ``c = sum_s alpha_s k_s``. Here
   the values are the keys themselves (the encoder outputs), as in both papers.

:func:`attention_forward` and :func:`attention_backward` chain the three for any score
function. Every part has its own forward and backward function, and backward functions
never change their inputs or the cache.
"""

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from . import init
from ._validate import require_finite, require_float_array, require_ndim, require_same_dtype

#: The score functions and the parameters each one needs, with their shapes.
SCORE_PARAMS = {
    "additive": {"W_q": "(H_q, A)", "W_k": "(H_k, A)", "v": "(A,)"},
    "dot": {},
    "general": {"W_a": "(H_q, H_k)"},
}


# ---------------------------------------------------------------- input checks


def _check_query_keys(q, k):
    """Validate q (N, H_q) and k (N, S, H_k); return (N, S, H_q, H_k)."""
    require_float_array("q", q)
    require_ndim("q", q, "(N, H_q)")
    require_float_array("k", k)
    require_ndim("k", k, "(N, S, H_k)")
    if k.shape[0] != q.shape[0]:
        raise ValueError(
            f"q has shape {q.shape} and k has shape {k.shape}: both need the same N "
            "(one query per sequence of keys)."
        )
    if k.shape[0] == 0 or k.shape[1] == 0:
        raise ValueError(f"k has shape {k.shape}: attention needs N >= 1 and S >= 1.")
    require_same_dtype("q", q, k=k)
    require_finite("q", q)
    require_finite("k", k)
    return k.shape[0], k.shape[1], q.shape[1], k.shape[2]


def _check_params(params, score, H_q, H_k, dtype):
    """Validate the params of score function ``score`` for these sizes."""
    spec = SCORE_PARAMS[score]
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a dict of arrays, but got {type(params).__name__}.")
    missing = [key for key in spec if key not in params]
    if missing:
        wanted = ", ".join(f"{key} {dims}" for key, dims in spec.items())
        raise ValueError(
            f"params is missing {', '.join(repr(k) for k in missing)}; the {score} score "
            f"needs {wanted}."
        )
    for key in spec:
        require_float_array(f"params[{key!r}]", params[key])
        if params[key].dtype != dtype:
            raise TypeError(
                f"params[{key!r}] is {params[key].dtype} but q is {dtype}: use one dtype for "
                f"queries, keys and parameters."
            )
        require_finite(f"params[{key!r}]", params[key])
    if score == "additive":
        W_q, W_k, v = params["W_q"], params["W_k"], params["v"]
        require_ndim("params['v']", v, "(A,)")
        A = v.shape[0]
        for key, a, rows in (("W_q", W_q, ("H_q", H_q)), ("W_k", W_k, ("H_k", H_k))):
            if a.shape != (rows[1], A):
                raise ValueError(
                    f"params[{key!r}] has shape {a.shape}, but must be ({rows[0]}, A) = "
                    f"{(rows[1], A)} ({rows[0]}={rows[1]} from "
                    f"{'q' if key == 'W_q' else 'k'}, A={A} from v)."
                )
    elif score == "general":
        W_a = params["W_a"]
        if W_a.shape != (H_q, H_k):
            raise ValueError(
                f"params['W_a'] has shape {W_a.shape}, but must be (H_q, H_k) = {(H_q, H_k)} "
                "(H_q from q, H_k from k)."
            )


def check_score(score):
    """Raise ValueError unless ``score`` names one of :data:`SCORE_PARAMS`."""
    if score not in SCORE_PARAMS:
        raise ValueError(f"score must be one of {list(SCORE_PARAMS)}, but got {score!r}.")
    return score


def check_mask(mask, shape):
    """Validate a 0/1 mask of ``shape`` (N, S) and return it as a bool array.

    Every row needs at least one 1: a query with nothing to attend to has no defined
    weights (the softmax of no numbers), so a fully masked row is an error, not a NaN.
    """
    mask = np.asarray(mask)
    if mask.shape != tuple(shape):
        raise ValueError(
            f"mask has shape {mask.shape}, but must be (N, S) = {tuple(shape)} "
            "(one entry per source position)."
        )
    if mask.dtype.kind not in "biuf" or not np.isin(mask, (0, 1)).all():
        raise ValueError("mask must hold only 0 (padding) and 1 (a real position).")
    mask = mask.astype(bool)
    empty = np.flatnonzero(~mask.any(axis=1))
    if empty.size:
        raise ValueError(
            f"row {int(empty[0])} of mask is all zeros: every query needs at least one "
            "source position to attend to (is a source sequence empty?)."
        )
    return mask


# ---------------------------------------------------------------- the score functions


class AdditiveScoreCache(NamedTuple):
    """What :func:`additive_score_forward` keeps for :func:`additive_score_backward`."""

    q: np.ndarray  # (N, H_q) queries
    k: np.ndarray  # (N, S, H_k) keys
    e: np.ndarray  # (N, S, A) tanh(q W_q + k_s W_k) for every position s
    params: dict  # W_q (H_q, A), W_k (H_k, A), v (A,)


def additive_score_forward(q, k, params):
    """Additive (Bahdanau) scores: ``score_s = tanh(q W_q + k_s W_k) v`` for every s.

    Inputs:
    - q: queries, (N, H_q)
    - k: keys, (N, S, H_k)
    - params: dict with W_q (H_q, A), W_k (H_k, A), v (A,)

    Returns:
    - scores: (N, S)
    - cache: an :class:`AdditiveScoreCache` for :func:`additive_score_backward`
    """
    _, _, H_q, H_k = _check_query_keys(q, k)
    _check_params(params, "additive", H_q, H_k, q.dtype)
    W_q, W_k, v = params["W_q"], params["W_k"], params["v"]
    # one query per row, broadcast over the S keys: (N, 1, A) + (N, S, A)
    e = np.tanh((q @ W_q)[:, None, :] + k @ W_k)  # (N, S, A)
    scores = e @ v  # (N, S, A) @ (A,) -> (N, S)
    return scores, AdditiveScoreCache(q, k, e, params)


def additive_score_backward(dscores, cache):
    """Backward pass of :func:`additive_score_forward`.

    Inputs:
    - dscores: gradient of the loss with respect to the scores, (N, S)
    - cache: the :class:`AdditiveScoreCache` from :func:`additive_score_forward`

    Returns:
    - dq: (N, H_q)
    - dk: (N, S, H_k)
    - grads: dict with W_q (H_q, A), W_k (H_k, A), v (A,)
    """
    if not isinstance(cache, AdditiveScoreCache):
        raise TypeError(
            "cache must be the AdditiveScoreCache returned by additive_score_forward, "
            f"but got {type(cache).__name__}."
        )
    q, k, e, params = cache
    _check_dscores(dscores, e.shape[:2])
    N, S, A = e.shape
    W_q, W_k, v = params["W_q"], params["W_k"], params["v"]
    dv = np.einsum("ns,nsa->a", dscores, e)  # v is shared by every position and sequence
    da = dscores[:, :, None] * v * (1 - e**2)  # through the tanh, (N, S, A)
    dk = da @ W_k.T  # (N, S, A) @ (A, H_k) -> (N, S, H_k)
    dW_k = k.reshape(N * S, -1).T @ da.reshape(N * S, A)  # (H_k, N*S) @ (N*S, A) -> (H_k, A)
    da_q = da.sum(axis=1)  # q W_q was added to every position: sum over S, (N, A)
    dq = da_q @ W_q.T  # (N, A) @ (A, H_q) -> (N, H_q)
    dW_q = q.T @ da_q  # (H_q, N) @ (N, A) -> (H_q, A)
    return dq, dk, {"W_q": dW_q, "W_k": dW_k, "v": dv}


class DotScoreCache(NamedTuple):
    """What :func:`dot_score_forward` keeps for :func:`dot_score_backward`."""

    q: np.ndarray  # (N, H) queries
    k: np.ndarray  # (N, S, H) keys


def dot_score_forward(q, k, params=None):
    """Dot-product (Luong "dot") scores: ``score_s = q k_s^T``.

    Inputs:
    - q: queries, (N, H); k: keys, (N, S, H): queries and keys must have the same size
    - params: unused (the dot score has no parameters); accepted for a uniform interface

    Returns scores (N, S) and a :class:`DotScoreCache`.
    """
    _, _, H_q, H_k = _check_query_keys(q, k)
    if H_q != H_k:
        raise ValueError(
            f"the dot score needs queries and keys of one size, but q has H_q={H_q} and k has "
            f"H_k={H_k}; use the general score (W_a of shape (H_q, H_k)) instead."
        )
    scores = np.einsum("nh,nsh->ns", q, k)  # for each n: (S, H) @ (H,) -> (S,)
    return scores, DotScoreCache(q, k)


def dot_score_backward(dscores, cache):
    """Backward pass of :func:`dot_score_forward`: returns dq (N, H), dk (N, S, H), {}."""
    if not isinstance(cache, DotScoreCache):
        raise TypeError(
            "cache must be the DotScoreCache returned by dot_score_forward, "
            f"but got {type(cache).__name__}."
        )
    q, k = cache
    _check_dscores(dscores, k.shape[:2])
    dq = np.einsum("ns,nsh->nh", dscores, k)  # every key pulls on the query
    dk = dscores[:, :, None] * q[:, None, :]  # (N, S, 1) * (N, 1, H) -> (N, S, H)
    return dq, dk, {}


class GeneralScoreCache(NamedTuple):
    """What :func:`general_score_forward` keeps for :func:`general_score_backward`."""

    q: np.ndarray  # (N, H_q) queries
    k: np.ndarray  # (N, S, H_k) keys
    qW: np.ndarray  # (N, H_k) q W_a
    params: dict  # W_a (H_q, H_k)


def general_score_forward(q, k, params):
    """General (Luong "general") scores: ``score_s = q W_a k_s^T``.

    Inputs:
    - q: queries, (N, H_q)
    - k: keys, (N, S, H_k)
    - params: dict with W_a (H_q, H_k)

    Returns:
    - scores: (N, S)
    - cache: a :class:`GeneralScoreCache` for :func:`general_score_backward`
    """
    _, _, H_q, H_k = _check_query_keys(q, k)
    _check_params(params, "general", H_q, H_k, q.dtype)
    qW = q @ params["W_a"]  # (N, H_q) @ (H_q, H_k) -> (N, H_k): the query in key space
    scores = np.einsum("nh,nsh->ns", qW, k)  # a dot product with every key, (N, S)
    return scores, GeneralScoreCache(q, k, qW, params)


def general_score_backward(dscores, cache):
    """Backward pass of :func:`general_score_forward`.

    Inputs:
    - dscores: gradient of the loss with respect to the scores, (N, S)
    - cache: the :class:`GeneralScoreCache` from :func:`general_score_forward`

    Returns:
    - dq: (N, H_q)
    - dk: (N, S, H_k)
    - grads: dict with W_a (H_q, H_k)
    """
    if not isinstance(cache, GeneralScoreCache):
        raise TypeError(
            "cache must be the GeneralScoreCache returned by general_score_forward, "
            f"but got {type(cache).__name__}."
        )
    q, k, qW, params = cache
    _check_dscores(dscores, k.shape[:2])
    dqW = np.einsum("ns,nsh->nh", dscores, k)  # (N, H_k)
    dk = dscores[:, :, None] * qW[:, None, :]  # (N, S, 1) * (N, 1, H_k) -> (N, S, H_k)
    dq = dqW @ params["W_a"].T  # (N, H_k) @ (H_k, H_q) -> (N, H_q)
    dW_a = q.T @ dqW  # (H_q, N) @ (N, H_k) -> (H_q, H_k)
    return dq, dk, {"W_a": dW_a}


def _check_dscores(dscores, shape):
    require_float_array("dscores", dscores)
    if dscores.shape != tuple(shape):
        raise ValueError(
            f"dscores has shape {dscores.shape}, but must be (N, S) = {tuple(shape)} "
            "(the shape of the scores)."
        )


_SCORES = {
    "additive": (additive_score_forward, additive_score_backward),
    "dot": (dot_score_forward, dot_score_backward),
    "general": (general_score_forward, general_score_backward),
}


def init_params(score, H_q, H_k, rng, A=None, dtype=np.float64):
    """New params for score function ``score``: Xavier-uniform matrices, v uniform in
    +/- 1/sqrt(A). ``A`` (the additive score's hidden size) defaults to H_k. The dot score
    has no params (an empty dict)."""
    check_score(score)
    if score == "dot":
        return {}
    if score == "general":
        return {"W_a": init.xavier_uniform((H_q, H_k), rng, dtype=dtype)}
    A = H_k if A is None else A
    limit = 1.0 / np.sqrt(A)
    return {
        "W_q": init.xavier_uniform((H_q, A), rng, dtype=dtype),
        "W_k": init.xavier_uniform((H_k, A), rng, dtype=dtype),
        "v": rng.uniform(-limit, limit, size=A).astype(dtype),
    }


# ---------------------------------------------------------------- softmax with a mask


def masked_softmax(scores, mask=None):
    """Softmax over the S source positions, leaving out masked (padded) positions.

    Inputs:
    - scores: (N, S)
    - mask: optional (N, S) of 0/1 (or False/True): 1 marks a real position. Every row
      needs at least one 1 (:func:`check_mask`).

    Returns alpha (N, S): each row sums to 1 over its real positions; padded positions
    get exactly 0.

    Masked scores are replaced by -inf *before* the softmax, so exp gives exactly 0 there
    and the remaining weights are renormalised by the softmax itself. Each row is shifted
    by its largest *real* score, so exp never overflows and never sees ``-inf - (-inf)``
    (that would be NaN, which is why a fully masked row is refused). Multiplying the weights
    by the mask *after* the softmax would leave rows that no longer sum to 1.
    """
    require_float_array("scores", scores)
    require_ndim("scores", scores, "(N, S)")
    require_finite("scores", scores)
    if mask is None:
        mask = np.ones(scores.shape, dtype=bool)
    mask = check_mask(mask, scores.shape)
    filled = np.where(mask, scores, -np.inf)  # (N, S): padded positions can never win
    shifted = filled - filled.max(axis=1, keepdims=True)  # each row's best real score is 0
    e = np.exp(shifted)  # exp(-inf) = 0 exactly: padding gets no weight
    return e / e.sum(axis=1, keepdims=True)


def masked_softmax_backward(dalpha, alpha):
    """Backward pass of :func:`masked_softmax`.

    Inputs:
    - dalpha: gradient of the loss with respect to alpha, (N, S)
    - alpha: the weights :func:`masked_softmax` returned, (N, S)

    Returns dscores (N, S): ``alpha * (dalpha - sum_s alpha_s dalpha_s)``, row by row (the
    softmax's Jacobian times dalpha). It is 0 at padded positions, where alpha is 0.
    """
    require_float_array("dalpha", dalpha)
    require_float_array("alpha", alpha)
    if dalpha.shape != alpha.shape:
        raise ValueError(
            f"dalpha has shape {dalpha.shape}, but must have alpha's shape {alpha.shape}."
        )
    return alpha * (dalpha - np.sum(alpha * dalpha, axis=1, keepdims=True))


# ---------------------------------------------------------------- the context vector


def context_forward(alpha, values):
    """The context vector: the alpha-weighted average of the values over the S positions.

    Inputs:
    - alpha: weights, (N, S), each row summing to 1
    - values: (N, S, H_k)

    Returns context (N, H_k): ``context[n] = sum_s alpha[n, s] * values[n, s]``.
    """
    require_float_array("alpha", alpha)
    require_float_array("values", values)
    require_ndim("values", values, "(N, S, H_k)")
    if alpha.shape != values.shape[:2]:
        raise ValueError(
            f"alpha has shape {alpha.shape}, but must be (N, S) = {values.shape[:2]} "
            "(N and S of values)."
        )
    return np.einsum("ns,nsh->nh", alpha, values)  # sum over the source axis s


def context_backward(dcontext, alpha, values):
    """Backward pass of :func:`context_forward`.

    Inputs: dcontext (N, H_k), alpha (N, S) and values (N, S, H_k) from the forward pass.
    Returns dalpha (N, S) and dvalues (N, S, H_k).
    """
    require_float_array("dcontext", dcontext)
    if dcontext.shape != (values.shape[0], values.shape[2]):
        raise ValueError(
            f"dcontext has shape {dcontext.shape}, but must be (N, H_k) = "
            f"{(values.shape[0], values.shape[2])} (the shape of the context)."
        )
    dalpha = np.einsum("nh,nsh->ns", dcontext, values)  # how much each value agrees with dc
    dvalues = alpha[:, :, None] * dcontext[:, None, :]  # (N, S, 1) * (N, 1, H_k)
    return dalpha, dvalues


def masked_context(scores, mask, values):
    """Masked softmax, then the context vector: :func:`masked_softmax` and
    :func:`context_forward` in one call (forward only).

    Inputs: scores (N, S), mask (N, S) of 0/1 or None, values (N, S, H_k).
    Returns context (N, H_k) and alpha (N, S).
    """
    alpha = masked_softmax(scores, mask)
    return context_forward(alpha, values), alpha


# ---------------------------------------------------------------- one attention step


class AttentionCache(NamedTuple):
    """What :func:`attention_forward` keeps for :func:`attention_backward`."""

    score: str  # "additive", "dot" or "general"
    score_cache: tuple  # the score function's cache
    alpha: np.ndarray  # (N, S) alignment weights
    keys: np.ndarray  # (N, S, H_k) keys, which are also the values


def attention_forward(query, keys, params, score="additive", mask=None):
    """One attention step: scores, masked softmax, context.

    Inputs:
    - query: (N, H_q), e.g. a decoder state
    - keys: (N, S, H_k), e.g. the encoder outputs; they are also the values
    - params: the score function's params (see :data:`SCORE_PARAMS`; {} for "dot")
    - score: "additive" (Bahdanau), "dot" or "general" (Luong)
    - mask: optional (N, S) of 0/1: 1 marks a real source position, 0 padding

    Returns:
    - context: (N, H_k)
    - alpha: alignment weights, (N, S); rows sum to 1, padded positions are 0
    - cache: an :class:`AttentionCache` for :func:`attention_backward`
    """
    check_score(score)
    forward, _ = _SCORES[score]
    scores, score_cache = forward(query, keys, params)
    alpha = masked_softmax(scores, mask)
    context = context_forward(alpha, keys)
    return context, alpha, AttentionCache(score, score_cache, alpha, keys)


def attention_backward(dcontext, cache, dalpha=None):
    """Backward pass of :func:`attention_forward`.

    Inputs:
    - dcontext: gradient of the loss with respect to the context, (N, H_k)
    - cache: the :class:`AttentionCache` from :func:`attention_forward`
    - dalpha: optional gradient with respect to alpha itself, (N, S) (None means zero)

    Returns:
    - dquery: (N, H_q)
    - dkeys: (N, S, H_k): the keys' gradient through the scores plus, as values, through
      the context
    - grads: dict with the keys of the score's params ({} for "dot")
    """
    if not isinstance(cache, AttentionCache):
        raise TypeError(
            "cache must be the AttentionCache returned by attention_forward, "
            f"but got {type(cache).__name__}."
        )
    dalpha_c, dvalues = context_backward(dcontext, cache.alpha, cache.keys)
    if dalpha is not None:
        require_float_array("dalpha", dalpha)
        dalpha_c = dalpha_c + dalpha
    dscores = masked_softmax_backward(dalpha_c, cache.alpha)
    _, backward = _SCORES[cache.score]
    dquery, dkeys, grads = backward(dscores, cache.score_cache)
    return dquery, dkeys + dvalues, grads  # the keys were used twice: as keys and as values
