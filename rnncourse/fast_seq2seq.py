"""The training path of :mod:`rnncourse.seq2seq`: the same encoder-decoder, arranged to run fast.

Shapes use the course's letters: N sequences, S source positions, T output steps, K output
symbols, H_enc encoder units per direction, H_dec (written H below) decoder units,
H_k = 2 H_enc the size of a key (an encoder output), A the additive score's hidden size.
Arrays are batch-major, as in the chapters: (N, T, ...) holds step t at ``[:, t]``.

:func:`rnncourse.seq2seq.seq2seq_loss` runs the model the way chapter 11 explains it: one
decoder step at a time, each step calling the attention and GRU step functions, which check
their inputs and keep their own caches. This module computes the same numbers
(tests/test_fast_attention.py compares the two in float64 and float32 and checks the
gradients numerically) with less work, in seven ways:

1. **Check once.** The batch is checked once (:func:`rnncourse.seq2seq.check_model` and the
   source checks), not at every step.
2. **The cells on the fast path.** The encoder's two GRU (or LSTM) runs, and the decoder's
   GRU when its input does not depend on attention (Luong, none), run on
   :mod:`rnncourse.fast`: states as columns, the input projection of all steps hoisted out
   of the loop, the gates stacked, the weight gradients summed after the loop (its docstring
   says why each helps).
3. **All T attention steps at once (Luong).** Luong's cell never reads the context (there is
   no input feeding here), so after the GRU's run every query s_1..s_T is known, and the T
   queries meet the S keys in batched products ((N, T, H) against (N, S, H_k)) instead of T
   small ones. Only Bahdanau needs a loop over the steps: its query s_{t-1} depends on the
   context of the step before.
4. **Precomputed key projections.** The additive score's ``k_s W_k`` does not depend on the
   step, so ``enc W_k`` (N, S, A) is computed once per batch, not at every step; the
   gradients it gets from the T steps are added first and go back through W_k in one product.
5. **Teacher-forced inputs looked up in advance (Bahdanau).** With teacher forcing every
   step's input symbol y_{t-1} is known before the loop, and a one-hot row times W_x is a row
   of W_x: the symbols' part of the cell's input projection is one lookup for all T steps,
   ``W_x[:K][y_in] + b_x`` (N, T, 3H). The loop adds only the context's part ``c_t W_x[K:]``.
6. **Stacked gates.** One product ``s_{t-1} W_h`` gives the state's part of r, z and n
   (chapter 12b fuses gates the same way, and says what that buys).
7. **Shared weights' gradients after the loop.** Backward keeps in the loop only what the
   recurrence needs (the gradient reaching s_{t-1}). The weights' gradients are sums over
   the T steps, so the loop stores each step's pieces and one product over all N*T rows
   adds them: dW_h, dW_x, the score's parameters, and the keys' gradient as values
   (``alpha^T dc``, one batched product).

The sigmoid gates are computed as ``sigmoid(a) = (1 + tanh(a / 2)) / 2``: the same function,
with no overflow for any a and no branch. Every array keeps the params' dtype.
"""

from typing import NamedTuple

import numpy as np

from . import fast, losses, seq2seq
from .seq2seq import part


def _sigmoid(a):
    return 0.5 * (1.0 + np.tanh(0.5 * a))  # = 1 / (1 + exp(-a)), never overflows


def _rows(a):
    """(N, T, X) -> (N*T, X): every step of every sequence as one row (a view if it can)."""
    return a.reshape(-1, a.shape[-1])


# ---------------------------------------------------------------- encoder


class EncoderCache(NamedTuple):
    """What :func:`encoder_forward` keeps for :func:`encoder_backward`."""

    fwd: tuple  # (cell, cache) of the forward direction's fast run
    bwd: tuple  # (cell, cache) of the backward direction's run on the reversed sources
    rev: np.ndarray  # (N, S) the per-row reversal
    lengths: np.ndarray  # (N,)
    summary: np.ndarray  # (N, 2 H_enc)
    s0: np.ndarray  # (N, H)


def encoder_forward(model, x, lengths):
    """:func:`rnncourse.seq2seq.encoder_forward` with the cells of :mod:`rnncourse.fast`.

    x (N, S, D) one-hot, lengths (N,) -> enc (N, S, 2 H_enc), s0 (N, H), an EncoderCache.
    """
    cell, p = model.config["encoder_cell"], model.params
    N, S, _ = x.shape
    steps = np.arange(S)
    rev = np.where(steps < lengths[:, None], lengths[:, None] - 1 - steps, steps)  # (N, S)
    h = np.zeros((N, model.config["H_enc"]), dtype=x.dtype)
    state0 = (h, h.copy()) if cell == "lstm" else h
    h_fwd, _, cache_fwd = fast.cell_forward(cell, x, state0, part(p, "enc_fwd"))
    x_rev = np.take_along_axis(x, rev[:, :, None], axis=1)  # each source reversed
    h_rev, _, cache_bwd = fast.cell_forward(cell, x_rev, state0, part(p, "enc_bwd"))
    h_bwd = np.take_along_axis(h_rev, rev[:, :, None], axis=1)  # back into time order
    enc = np.concatenate([h_fwd, h_bwd], axis=2)  # (N, S, 2 H_enc)
    last = h_fwd[np.arange(N), lengths - 1]  # (N, H_enc)
    summary = np.concatenate([last, h_bwd[:, 0]], axis=1)  # (N, 2 H_enc)
    s0 = np.tanh(summary @ p["bridge.W"] + p["bridge.b"])  # (N, H)
    return enc, s0, EncoderCache(cache_fwd, cache_bwd, rev, lengths, summary, s0)


def encoder_backward(denc, ds0, cache, params):
    """Backward of :func:`encoder_forward`: the ``enc_fwd.*``, ``enc_bwd.*``, ``bridge.*``
    gradients from denc (N, S, 2 H_enc) and ds0 (N, H)."""
    N, _, H_k = denc.shape
    H_e = H_k // 2
    da = ds0 * (1 - cache.s0**2)  # through the bridge's tanh
    grads = {"bridge.W": cache.summary.T @ da, "bridge.b": da.sum(axis=0)}
    dsummary = da @ params["bridge.W"].T  # (N, 2 H_enc)
    dh_fwd = denc[:, :, :H_e].copy()
    dh_fwd[np.arange(N), cache.lengths - 1] += dsummary[:, :H_e]
    dh_bwd = denc[:, :, H_e:].copy()
    dh_bwd[:, 0] += dsummary[:, H_e:]
    dh_rev = np.take_along_axis(dh_bwd, cache.rev[:, :, None], axis=1)
    for prefix, run, dh in (("enc_fwd", cache.fwd, dh_fwd), ("enc_bwd", cache.bwd, dh_rev)):
        _, _, cell_grads = fast.cell_backward(run, dh, need_dx=False)  # one-hot input: no dx
        grads.update({f"{prefix}.{key}": value for key, value in cell_grads.items()})
    return grads


# ---------------------------------------------------------------- attention for M queries at once
#
# q (N, M, H_q) holds M queries per sequence: M = T for Luong (all steps at once), M = 1 for
# one Bahdanau step. keys (N, S, H_k) are the encoder outputs, which are also the values.


def _key_projection(score, keys, p):
    """What the score needs from the keys alone, computed once per batch (optimisation 4):
    ``keys W_k`` (N, S, A) for the additive score, None for the others."""
    return keys @ p["W_k"] if score == "additive" else None


def _scores(score, q, keys, kW, p):
    """Scores (N, M, S) of M queries against the S keys, and what backward needs: e
    (N, M, S, A) for the additive score, ``q W_a`` (N, M, H_k) for general, q for dot."""
    if score == "additive":
        e = np.tanh((q @ p["W_q"])[:, :, None, :] + kW[:, None])  # (N, M, 1, A) + (N, 1, S, A)
        return e @ p["v"], e  # (N, M, S, A) @ (A,) -> (N, M, S)
    qW = q @ p["W_a"] if score == "general" else q  # (N, M, H_k): the query in key space
    return qW @ keys.transpose(0, 2, 1), qW  # (N, M, H_k) @ (N, H_k, S) -> (N, M, S)


def _softmax(scores, bias):
    """The masked softmax over S: bias (N, 1, S) is 0 at real positions, -inf at padding."""
    filled = scores + bias
    e = np.exp(filled - filled.max(axis=-1, keepdims=True))  # exp(-inf) = 0: no weight
    return e / e.sum(axis=-1, keepdims=True)


def _softmax_backward(dalpha, alpha):
    return alpha * (dalpha - np.sum(alpha * dalpha, axis=-1, keepdims=True))


def _scores_backward_query(score, dscores, saved, keys, p):
    """The part of the scores' backward the recurrence needs: dq (N, M, H_q), and the
    gradient of ``saved`` (de or d(q W_a)) that :func:`_scores_backward_rest` sums up."""
    if score == "additive":
        de = dscores[..., None] * p["v"] * (1 - saved**2)  # through the tanh, (N, M, S, A)
        return de.sum(axis=2) @ p["W_q"].T, de  # q W_q went to every position: sum over S
    dqW = dscores @ keys  # (N, M, S) @ (N, S, H_k) -> (N, M, H_k)
    return (dqW @ p["W_a"].T if score == "general" else dqW), dqW


def _scores_backward_rest(score, dscores, saved, dsaved, q, keys, p):
    """The rest of the scores' backward, for all M queries at once: the keys' gradient
    through the scores (N, S, H_k) and the score's parameter gradients (optimisation 7)."""
    if score == "additive":
        dkW = dsaved.sum(axis=1)  # (N, S, A): every query's share of keys W_k, added first
        grads = {
            "W_q": _rows(q).T @ _rows(dsaved.sum(axis=2)),  # (H_q, N*M) @ (N*M, A)
            "W_k": _rows(keys).T @ _rows(dkW),  # (H_k, N*S) @ (N*S, A): one product
            "v": np.tensordot(dscores, saved, axes=3),  # sum over n, m, s: (A,)
        }
        return dkW @ p["W_k"].T, grads  # (N, S, A) @ (A, H_k)
    dkeys = dscores.transpose(0, 2, 1) @ saved  # (N, S, M) @ (N, M, H_k)
    grads = {"W_a": _rows(q).T @ _rows(dsaved)} if score == "general" else {}
    return dkeys, grads


# ---------------------------------------------------------------- the decoders


def _gru_rows_forward(a_x, s_prev, W_h, b_h):
    """One GRU step (reset after, as in :mod:`rnncourse.gru`) from the input's part of the
    pre-activation a_x (N, 3H); returns s_t and r, z, n, a_hn (each (N, H))."""
    H = s_prev.shape[1]
    a_h = s_prev @ W_h + b_h  # (N, 3H): r, z and n in one product (optimisation 6)
    rz = _sigmoid(a_x[:, : 2 * H] + a_h[:, : 2 * H])
    r, z, a_hn = rz[:, :H], rz[:, H:], a_h[:, 2 * H :]
    n = np.tanh(a_x[:, 2 * H :] + r * a_hn)
    return n + z * (s_prev - n), r, z, n, a_hn  # (1 - z) * n + z * s_prev


class BahdanauCache(NamedTuple):
    states: np.ndarray  # (N, T+1, H): s_0 .. s_T
    contexts: np.ndarray  # (N, T, H_k)
    alpha: np.ndarray  # (N, T, S)
    saved: np.ndarray  # the score's saved arrays of every step, (N, T, ...)
    r: np.ndarray  # (N, T, H) and likewise z, n, a_hn
    z: np.ndarray
    n: np.ndarray
    a_hn: np.ndarray
    y_in: np.ndarray  # (N, T) the input symbols


def _bahdanau_forward(model, enc, bias, s0, y_in):
    """The Bahdanau decoder over T steps: s_{t-1} asks, the context feeds the cell."""
    p, score, K = model.params, model.config["score"], model.config["K"]
    att, W_x = part(p, "att"), p["dec.W_x"]
    W_xc, W_h, b_h = W_x[K:], p["dec.W_h"], p["dec.b_h"]
    N, T = y_in.shape
    H = s0.shape[1]
    A_y = W_x[:K][y_in] + p["dec.b_x"]  # (N, T, 3H): the symbols' part (optimisation 5)
    kW = _key_projection(score, enc, att)  # once for all steps (optimisation 4)
    states = np.empty((N, T + 1, H), dtype=s0.dtype)
    states[:, 0] = s0
    contexts = np.empty((N, T, enc.shape[2]), dtype=s0.dtype)
    alpha = np.empty((N, T, enc.shape[1]), dtype=s0.dtype)
    r, z, n, a_hn = (np.empty((N, T, H), dtype=s0.dtype) for _ in range(4))
    saved = None
    for t in range(T):
        s_prev = states[:, t]
        scores_t, saved_t = _scores(score, s_prev[:, None], enc, kW, att)  # (N, 1, S)
        if saved is None:
            saved = np.empty((N, T, *saved_t.shape[2:]), dtype=s0.dtype)
        saved[:, t] = saved_t[:, 0]
        alpha_t = _softmax(scores_t, bias)  # (N, 1, S)
        contexts[:, t] = (alpha_t @ enc)[:, 0]  # (N, 1, S) @ (N, S, H_k) -> (N, H_k)
        alpha[:, t] = alpha_t[:, 0]
        a_x = A_y[:, t] + contexts[:, t] @ W_xc  # (N, 3H): only the context's part is new
        states[:, t + 1], r[:, t], z[:, t], n[:, t], a_hn[:, t] = _gru_rows_forward(
            a_x, s_prev, W_h, b_h
        )
    cache = BahdanauCache(states, contexts, alpha, saved, r, z, n, a_hn, y_in)
    return states[:, 1:], alpha, cache  # o_t = s_t


def _bahdanau_backward(do, cache, model, enc):
    """Backward of :func:`_bahdanau_forward`: do (N, T, H) -> ds0, denc, grads."""
    p, score, K = model.params, model.config["score"], model.config["K"]
    att, W_x, W_h = part(p, "att"), p["dec.W_x"], p["dec.W_h"]
    W_xc_T, W_h_T = W_x[K:].T, W_h.T
    states, contexts, alpha, saved, r, z, n, a_hn, y_in = cache
    N, T, H = do.shape
    da_x = np.empty((N, T, 3 * H), dtype=do.dtype)  # each step's gradient of a_x ...
    da_h = np.empty((N, T, 3 * H), dtype=do.dtype)  # ... and of a_h, for optimisation 7
    dcontexts = np.empty_like(contexts)
    dscores = np.empty_like(alpha)
    dsaved = np.empty_like(saved)
    ds = np.zeros_like(do[:, 0])  # nothing reaches s_T from the future
    for t in reversed(range(T)):
        s_prev, z_t, n_t, r_t = states[:, t], z[:, t], n[:, t], r[:, t]
        ds = ds + do[:, t]  # s_t is o_t and the next step's state
        dan = ds * (1 - z_t) * (1 - n_t**2)  # through (1 - z) * n and n's tanh
        daz = ds * (s_prev - n_t) * z_t * (1 - z_t)  # through z's sigmoid
        dar = dan * a_hn[:, t] * r_t * (1 - r_t)  # n's pre-activation holds r * a_hn
        da_x[:, t] = np.concatenate([dar, daz, dan], axis=1)
        da_h[:, t] = np.concatenate([dar, daz, dan * r_t], axis=1)
        ds_prev = ds * z_t + da_h[:, t] @ W_h_T  # (N, 3H) @ (3H, H)
        dcontexts[:, t] = da_x[:, t] @ W_xc_T  # (N, 3H) @ (3H, H_k)
        dalpha = (dcontexts[:, t, None] @ enc.transpose(0, 2, 1))[:, 0]  # (N, S)
        dscores[:, t] = _softmax_backward(dalpha, alpha[:, t])
        dq, dsaved_t = _scores_backward_query(
            score, dscores[:, t, None], saved[:, t, None], enc, att
        )
        dsaved[:, t] = dsaved_t[:, 0]
        ds = ds_prev + dq[:, 0]  # s_{t-1} was the cell's state and the query
    # the shared weights' gradients, summed over the steps in one product each
    y_onehot = np.eye(K, dtype=do.dtype)[y_in]  # (N, T, K)
    dW_x = np.concatenate([_rows(y_onehot), _rows(contexts)], axis=1).T @ _rows(da_x)
    grads = {
        "dec.W_x": dW_x,  # (K + H_k, N*T) @ (N*T, 3H)
        "dec.W_h": _rows(states[:, :-1]).T @ _rows(da_h),  # (H, N*T) @ (N*T, 3H)
        "dec.b_x": _rows(da_x).sum(axis=0),
        "dec.b_h": _rows(da_h).sum(axis=0),
    }
    dkeys, att_grads = _scores_backward_rest(
        score, dscores, saved, dsaved, states[:, :-1], enc, att
    )
    grads.update({f"att.{key}": value for key, value in att_grads.items()})
    denc = dkeys + alpha.transpose(0, 2, 1) @ dcontexts  # as keys, and as values
    return ds, denc, grads


class LuongCache(NamedTuple):
    gru: tuple  # the decoder GRU's fast run
    s: np.ndarray  # (N, T, H) states s_1..s_T, the queries
    alpha: np.ndarray  # (N, T, S)
    saved: np.ndarray  # the score's saved arrays
    cs: np.ndarray  # (N, T, H_k + H) [c_t, s_t]
    o: np.ndarray  # (N, T, H) the attentional states


def _luong_forward(model, enc, bias, s0, y_onehot):
    """The Luong decoder: the cell's whole run first, then attention for all T steps."""
    p, score = model.params, model.config["score"]
    att = part(p, "att")
    s, _, gru_run = fast.cell_forward("gru", y_onehot, s0, part(p, "dec"))  # (N, T, H)
    scores, saved = _scores(score, s, enc, _key_projection(score, enc, att), att)
    alpha = _softmax(scores, bias)  # (N, T, S)
    cs = np.concatenate([alpha @ enc, s], axis=2)  # contexts (N, T, H_k), then s_t
    o = np.tanh(cs @ p["comb.W_c"] + p["comb.b_c"])  # (N, T, H)
    return o, alpha, LuongCache(gru_run, s, alpha, saved, cs, o)


def _luong_backward(do, cache, model, enc):
    p, score = model.params, model.config["score"]
    att = part(p, "att")
    da = do * (1 - cache.o**2)  # through the tanh of o_t
    grads = {"comb.W_c": _rows(cache.cs).T @ _rows(da), "comb.b_c": _rows(da).sum(axis=0)}
    dcs = da @ p["comb.W_c"].T  # (N, T, H_k + H)
    H_k = enc.shape[2]
    dcontexts, ds = dcs[:, :, :H_k], dcs[:, :, H_k:]
    dalpha = dcontexts @ enc.transpose(0, 2, 1)  # (N, T, H_k) @ (N, H_k, S)
    dscores = _softmax_backward(dalpha, cache.alpha)
    dq, dsaved = _scores_backward_query(score, dscores, cache.saved, enc, att)
    dkeys, att_grads = _scores_backward_rest(score, dscores, cache.saved, dsaved, cache.s, enc, att)
    grads.update({f"att.{key}": value for key, value in att_grads.items()})
    _, ds0, dec_grads = fast.cell_backward(cache.gru, ds + dq, need_dx=False)
    grads.update({f"dec.{key}": value for key, value in dec_grads.items()})
    denc = dkeys + cache.alpha.transpose(0, 2, 1) @ dcontexts
    return ds0, denc, grads


# ---------------------------------------------------------------- the whole model


class Seq2SeqCache(NamedTuple):
    encoder: EncoderCache
    enc: np.ndarray  # (N, S, 2 H_enc)
    decoder: tuple  # the decoder's cache (the GRU's fast run without attention)
    o: np.ndarray  # (N, T, H) the output features


def seq2seq_forward(model, src, src_mask, tgt_in):
    """What :func:`rnncourse.seq2seq.seq2seq_forward` computes, on the fast path.

    Inputs and outputs as there: src (N, S), src_mask (N, S) or None, tgt_in (N, T);
    returns scores (N, T, K), alphas (N, T, S) (zeros without attention) and a cache for
    :func:`seq2seq_backward`.
    """
    seq2seq.check_model(model)
    x, lengths, src_mask = seq2seq._check_sources(model, src, src_mask)
    tgt_in = np.asarray(tgt_in)
    K, kind = model.config["K"], model.config["attention"]
    y_onehot = seq2seq.one_hot(tgt_in, K, x.dtype)  # (N, T, K); also checks the symbols
    enc, s0, enc_cache = encoder_forward(model, x, lengths)
    real = np.arange(x.shape[1]) < lengths[:, None]  # (N, S)
    bias = np.where(real, 0.0, -np.inf).astype(x.dtype)[:, None, :]  # (N, 1, S)
    if kind == "bahdanau":
        o, alphas, dec_cache = _bahdanau_forward(model, enc, bias, s0, tgt_in)
    elif kind == "luong":
        o, alphas, dec_cache = _luong_forward(model, enc, bias, s0, y_onehot)
    else:
        o, _, dec_cache = fast.cell_forward("gru", y_onehot, s0, part(model.params, "dec"))
        alphas = np.zeros((*tgt_in.shape, x.shape[1]), dtype=x.dtype)
    scores = o @ model.params["out.W_hy"] + model.params["out.b_y"]  # (N, T, K), all at once
    return scores, alphas, Seq2SeqCache(enc_cache, enc, dec_cache, o)


def seq2seq_backward(dscores, cache, model):
    """What :func:`rnncourse.seq2seq.seq2seq_backward` computes: dscores (N, T, K) -> grads,
    a dict with the keys and shapes of ``model.params``."""
    p, kind = model.params, model.config["attention"]
    grads = {"out.W_hy": _rows(cache.o).T @ _rows(dscores), "out.b_y": _rows(dscores).sum(0)}
    do = dscores @ p["out.W_hy"].T  # (N, T, K) @ (K, H)
    if kind == "bahdanau":
        ds0, denc, dec_grads = _bahdanau_backward(do, cache.decoder, model, cache.enc)
    elif kind == "luong":
        ds0, denc, dec_grads = _luong_backward(do, cache.decoder, model, cache.enc)
    else:
        _, ds0, gru_grads = fast.cell_backward(cache.decoder, do, need_dx=False)
        dec_grads = {f"dec.{key}": value for key, value in gru_grads.items()}
        denc = np.zeros_like(cache.enc)  # only s_0 sees the source
    grads.update(dec_grads)
    grads.update(encoder_backward(denc, ds0, cache.encoder, p))
    return {key: grads[key] for key in p}  # the params' order


def seq2seq_loss(model, src, src_mask, targets, tgt_mask=None):
    """What :func:`rnncourse.seq2seq.seq2seq_loss` computes, on the fast path: the mean
    cross-entropy of a teacher-forced batch and the gradients of every parameter."""
    seq2seq.check_model(model)
    tgt_in = seq2seq.teacher_forcing_inputs(targets, model.config["start"])
    scores, _, cache = seq2seq_forward(model, src, src_mask, tgt_in)
    loss, dscores = losses.softmax_cross_entropy(scores, np.asarray(targets), tgt_mask)
    return loss, seq2seq_backward(dscores, cache, model)
