"""An encoder-decoder (sequence to sequence) model, with or without attention, in numpy.

Shapes use the course's letters: N sequences in a batch, S source positions, T output
steps, D source symbols (the input vocabulary; inputs are one-hot), K output symbols,
H_enc encoder units per direction, H_dec decoder units, A the additive score's hidden size.

**Encoder.** A bidirectional GRU or LSTM (two :func:`rnncourse.deep.cell_forward` runs)
reads the one-hot source x (N, S, D) and gives one output per position,
``enc[:, s] = concat(h_fwd[:, s], h_bwd[:, s])`` (N, S, 2 H_enc). Sources in a batch may have
different lengths: they are padded on the right and ``src_mask`` (N, S) marks the real
positions. The backward direction reverses each source *within its own length*, so both
directions read real symbols first and padding only ever comes after them: the outputs at
real positions never see padding. (With equal lengths this is exactly
:func:`rnncourse.deep.bidirectional_forward`.) A bridge makes the decoder's first state
from the two summaries, ``s_0 = tanh([h_fwd at the last real position, h_bwd at 0] W + b)``.

**Decoder.** A GRU cell run step by step. Its input at step t is the previous output symbol
y_{t-1} (one-hot, K; the start symbol at t = 1): during training the *true* previous symbol
(teacher forcing), when translating its own previous prediction (greedy decoding). Three
variants, chosen by ``attention``:

- ``"bahdanau"`` (Bahdanau, Cho and Bengio 2015): the *previous* state queries the encoder
  outputs, and the context is part of the cell's input::

      c_t, alpha_t = attention(s_{t-1}, enc)         score "additive" by default
      s_t = GRU([y_{t-1}, c_t], s_{t-1});   o_t = s_t

- ``"luong"`` (Luong, Pham and Manning 2015): the cell runs first, the *current* state
  queries, and context and state are combined after the cell::

      s_t = GRU(y_{t-1}, s_{t-1})
      c_t, alpha_t = attention(s_t, enc)             score "general" by default
      o_t = tanh([c_t, s_t] W_c + b_c)               Luong's attentional state h~_t

- ``"none"``: no attention; the decoder sees the source only through s_0, the final
  encoder states (the fixed-size bottleneck of Cho et al. 2014 and Sutskever et al. 2014)::

      s_t = GRU(y_{t-1}, s_{t-1});   o_t = s_t

In every variant the output scores are ``y_t = o_t W_hy + b_y`` (N, K), and the loss is the
softmax cross-entropy over the T steps (a target mask may leave out padded steps).

**Parameters** are one flat dict (so one optimiser serves the whole model), keyed
``"<part>.<symbol>"``: ``enc_fwd.*`` and ``enc_bwd.*`` (the encoder cells' params),
``bridge.W`` (2 H_enc, H_dec) and ``bridge.b`` (H_dec,), ``dec.*`` (the GRU's params; its
input is K + 2 H_enc wide for Bahdanau, K otherwise), ``att.*`` (the score's params, see
:mod:`rnncourse.attention`), ``comb.W_c`` (2 H_enc + H_dec, H_dec) and ``comb.b_c`` (H_dec,)
for Luong, ``out.W_hy`` (H_dec, K) and ``out.b_y`` (K,).

**Training.** :func:`seq2seq_loss` is the loss and gradients of one teacher-forced batch,
computed one decoder step at a time, as the chapter explains it. :class:`TeacherForcing`
hands a model to chapter 7's loop, :func:`rnncourse.train.train`, which trains it on the fast
path (:mod:`rnncourse.fast_seq2seq`: the same numbers, less work); :class:`DecayingLR` lowers
the learning rate over the second half of a run.

A model is saved to and loaded from a ``.npz`` file of plain arrays: the params, the config
as a JSON string, and any extra arrays (vocabularies, metrics). No pickles.
"""

import json
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from . import attention, deep, gru, init, layers, losses, lstm
from ._validate import require_positive_int
from .attention import init_params as init_attention_params  # `attention` is also an argument

#: The decoder variants.
ATTENTIONS = ("bahdanau", "luong", "none")

#: The score function each variant uses unless told otherwise.
DEFAULT_SCORE = {"bahdanau": "additive", "luong": "general", "none": None}

#: The encoder cells.
ENCODER_CELLS = ("gru", "lstm")

#: Written into every saved file; a file without it (or with another) is refused.
FILE_FORMAT = "rnncourse.seq2seq/1"

_CONFIG_KEYS = ("encoder_cell", "attention", "score", "D", "K", "H_enc", "H_dec", "A", "start")


@dataclass
class Seq2Seq:
    """An encoder-decoder model.

    - config: dict with ``encoder_cell`` ("gru" or "lstm"), ``attention`` (one of
      :data:`ATTENTIONS`), ``score`` ("additive", "dot", "general", or None without attention),
      the sizes ``D``, ``K``, ``H_enc``, ``H_dec``, ``A`` (None unless the score is
      additive) and ``start``, the index of the start symbol among the K output symbols
    - params: the flat dict described in the module docstring, changed in place by training
    """

    config: dict
    params: dict


def part(params, prefix):
    """The params of one part, keys without the prefix: ``part(p, "dec")["W_x"]`` is
    ``p["dec.W_x"]`` (the same array, not a copy)."""
    start = prefix + "."
    return {key[len(start) :]: value for key, value in params.items() if key.startswith(start)}


def _prefixed(prefix, grads):
    return {f"{prefix}.{key}": value for key, value in grads.items()}


# ---------------------------------------------------------------- config and params


def check_config(config):
    """Validate a config dict (see :class:`Seq2Seq`) and return it."""
    if not isinstance(config, dict):
        raise TypeError(f"config must be a dict, but got {type(config).__name__}.")
    missing = [key for key in _CONFIG_KEYS if key not in config]
    if missing:
        raise ValueError(f"config is missing {', '.join(repr(k) for k in missing)}.")
    if config["encoder_cell"] not in ENCODER_CELLS:
        raise ValueError(
            f"config['encoder_cell'] must be one of {ENCODER_CELLS}, "
            f"but got {config['encoder_cell']!r}."
        )
    if config["attention"] not in ATTENTIONS:
        raise ValueError(
            f"config['attention'] must be one of {ATTENTIONS}, but got {config['attention']!r}."
        )
    for key in ("D", "K", "H_enc", "H_dec"):
        require_positive_int(f"config[{key!r}]", config[key])
    score = config["score"]
    if config["attention"] == "none":
        if score is not None:
            raise ValueError(f"config['score'] must be None without attention, not {score!r}.")
    else:
        attention.check_score(score)
        if score == "dot" and config["H_dec"] != 2 * config["H_enc"]:
            raise ValueError(
                "the dot score needs queries and keys of one size: H_dec must be 2 * H_enc "
                f"= {2 * config['H_enc']}, but is {config['H_dec']}."
            )
    if score == "additive":
        require_positive_int("config['A']", config["A"])
    elif config["A"] is not None:
        raise ValueError(f"config['A'] must be None unless the score is additive ({score!r}).")
    start = config["start"]
    if isinstance(start, bool) or not isinstance(start, int) or not 0 <= start < config["K"]:
        raise ValueError(f"config['start'] must be an output index in [0, K), but got {start!r}.")
    return config


def param_shapes(config):
    """The shape of every parameter of a model with this config, key -> tuple."""
    check_config(config)
    D, K, H_e, H_d = config["D"], config["K"], config["H_enc"], config["H_dec"]
    gates = {"gru": 3, "lstm": 4}[config["encoder_cell"]]
    shapes = {}
    for direction in ("enc_fwd", "enc_bwd"):
        shapes[f"{direction}.W_x"] = (D, gates * H_e)
        shapes[f"{direction}.W_h"] = (H_e, gates * H_e)
        if config["encoder_cell"] == "gru":
            shapes[f"{direction}.b_x"] = (3 * H_e,)
            shapes[f"{direction}.b_h"] = (3 * H_e,)
        else:
            shapes[f"{direction}.b"] = (4 * H_e,)
    shapes["bridge.W"] = (2 * H_e, H_d)
    shapes["bridge.b"] = (H_d,)
    D_dec = K + 2 * H_e if config["attention"] == "bahdanau" else K
    shapes.update({"dec.W_x": (D_dec, 3 * H_d), "dec.W_h": (H_d, 3 * H_d)})
    shapes.update({"dec.b_x": (3 * H_d,), "dec.b_h": (3 * H_d,)})
    if config["score"] == "additive":
        A = config["A"]
        shapes.update({"att.W_q": (H_d, A), "att.W_k": (2 * H_e, A), "att.v": (A,)})
    elif config["score"] == "general":
        shapes["att.W_a"] = (H_d, 2 * H_e)
    if config["attention"] == "luong":
        shapes["comb.W_c"] = (2 * H_e + H_d, H_d)
        shapes["comb.b_c"] = (H_d,)
    shapes["out.W_hy"] = (H_d, K)
    shapes["out.b_y"] = (K,)
    return shapes


def init_seq2seq(
    D,
    K,
    H_enc,
    H_dec,
    rng,
    *,
    attention="bahdanau",
    score=None,
    encoder_cell="gru",
    A=None,
    start=0,
    dtype=np.float64,
):
    """A new :class:`Seq2Seq` with random weights from ``rng`` (a numpy Generator).

    ``score`` defaults to :data:`DEFAULT_SCORE` of the variant; ``A`` (additive score only)
    defaults to H_dec. Cells use their modules' ``init_params``; the other matrices are
    Xavier-uniform, biases zero.
    """
    score = DEFAULT_SCORE.get(attention) if score is None else score
    if score == "additive" and A is None:
        A = H_dec
    config = {
        "encoder_cell": encoder_cell, "attention": attention, "score": score, "D": D, "K": K,
        "H_enc": H_enc, "H_dec": H_dec, "A": A if score == "additive" else None, "start": start,
    }  # fmt: skip
    shapes = param_shapes(config)
    cell_init = {"gru": gru.init_params, "lstm": lstm.init_params}[encoder_cell]
    params = {}
    for direction in ("enc_fwd", "enc_bwd"):
        params.update(_prefixed(direction, cell_init(D, H_enc, rng, dtype=dtype)))
    params["bridge.W"] = init.xavier_uniform(shapes["bridge.W"], rng, dtype=dtype)
    params["bridge.b"] = init.zeros(shapes["bridge.b"], dtype=dtype)
    D_dec = shapes["dec.W_x"][0]
    params.update(_prefixed("dec", gru.init_params(D_dec, H_dec, rng, dtype=dtype)))
    if score is not None:
        att_params = init_attention_params(score, H_dec, 2 * H_enc, rng, A, dtype)
        params.update(_prefixed("att", att_params))
    if attention == "luong":
        params["comb.W_c"] = init.xavier_uniform(shapes["comb.W_c"], rng, dtype=dtype)
        params["comb.b_c"] = init.zeros(shapes["comb.b_c"], dtype=dtype)
    params["out.W_hy"] = init.xavier_uniform(shapes["out.W_hy"], rng, dtype=dtype)
    params["out.b_y"] = init.zeros(shapes["out.b_y"], dtype=dtype)
    return Seq2Seq(config, params)


def check_model(model):
    """Raise a clear error unless ``model`` is a :class:`Seq2Seq` whose params fit its
    config (every key present, no extra key, every shape right, one float dtype)."""
    if not isinstance(model, Seq2Seq):
        raise TypeError(f"model must be a Seq2Seq, but got {type(model).__name__}.")
    shapes = param_shapes(model.config)
    missing = [key for key in shapes if key not in model.params]
    extra = [key for key in model.params if key not in shapes]
    if missing or extra:
        raise ValueError(
            "the params do not fit the config: "
            + "; ".join(
                text
                for text in (
                    f"missing {', '.join(missing)}" if missing else "",
                    f"unexpected {', '.join(extra)}" if extra else "",
                )
                if text
            )
            + "."
        )
    dtype = None
    for key, shape in shapes.items():
        value = model.params[key]
        if not isinstance(value, np.ndarray) or value.dtype not in (np.float32, np.float64):
            raise TypeError(f"params[{key!r}] must be a float32 or float64 numpy array.")
        if value.shape != shape:
            raise ValueError(
                f"params[{key!r}] has shape {value.shape}, but the config needs {shape}."
            )
        dtype = value.dtype if dtype is None else dtype
        if value.dtype != dtype:
            raise TypeError(f"params[{key!r}] is {value.dtype}, the others are {dtype}.")
    return model


# ---------------------------------------------------------------- inputs


def one_hot(ids, V, dtype=np.float64):
    """One-hot rows: ids (...) of integers in [0, V) -> (..., V)."""
    ids = np.asarray(ids)
    if ids.dtype.kind not in "iu":
        raise TypeError(f"ids must hold integer symbol indices, but has dtype {ids.dtype}.")
    if ids.size and (ids.min() < 0 or ids.max() >= V):
        raise ValueError(f"ids must lie in [0, {V}), but range over {ids.min()}..{ids.max()}.")
    return np.eye(V, dtype=dtype)[ids]  # (..., V)


def source_lengths(src_mask, shape):
    """Check a source mask (N, S) of right-padded sequences; return the lengths (N,).

    ``None`` means no padding. Each row must be ones then zeros, with at least one one.
    """
    if src_mask is None:
        return np.full(shape[0], shape[1], dtype=np.int64)
    mask = attention.check_mask(src_mask, shape)  # bool, no empty row
    lengths = mask.sum(axis=1)
    if not np.array_equal(mask, np.arange(shape[1]) < lengths[:, None]):
        raise ValueError(
            "src_mask must pad on the right: each row is ones (the source) then zeros."
        )
    return lengths


def teacher_forcing_inputs(targets, start):
    """The decoder inputs for teacher forcing: the start symbol, then the targets shifted
    right by one step. targets (N, T) of ints -> (N, T)."""
    targets = np.asarray(targets)
    first = np.full((targets.shape[0], 1), start, dtype=targets.dtype)
    return np.concatenate([first, targets[:, :-1]], axis=1)  # (N, 1) + (N, T-1) -> (N, T)


# ---------------------------------------------------------------- encoder


class EncoderCache(NamedTuple):
    """What :func:`encoder_forward` keeps for :func:`encoder_backward`."""

    cell: str  # "gru" or "lstm"
    fwd: tuple  # the forward direction's cell cache
    bwd: tuple  # the backward direction's cell cache (its run on the reversed sources)
    rev: np.ndarray  # (N, S) the per-row reversal: position s <-> rev[n, s]
    lengths: np.ndarray  # (N,) source lengths
    summary: np.ndarray  # (N, 2 H_enc) [h_fwd at the last real position, h_bwd at 0]
    s0: np.ndarray  # (N, H_dec) the decoder's first state


def _zero_state(cell, N, H, dtype):
    h = np.zeros((N, H), dtype=dtype)
    return (h, np.zeros_like(h)) if cell == "lstm" else h


def encoder_forward(model, x, lengths):
    """Run the bidirectional encoder and the bridge.

    Inputs:
    - model: a :class:`Seq2Seq`
    - x: one-hot sources, (N, S, D), right-padded
    - lengths: (N,) the real length of each source

    Returns:
    - enc: encoder outputs, (N, S, 2 H_enc); positions past a source's length hold
      whatever the cells computed on the padding (attention masks them)
    - s0: the decoder's first state, (N, H_dec)
    - cache: an :class:`EncoderCache`
    """
    cell, p = model.config["encoder_cell"], model.params
    N, S, _ = x.shape
    H_e = model.config["H_enc"]
    steps = np.arange(S)
    # per row: reverse the first lengths[n] positions, leave the padding in place
    rev = np.where(steps < lengths[:, None], lengths[:, None] - 1 - steps, steps)  # (N, S)
    state0 = _zero_state(cell, N, H_e, x.dtype)
    h_fwd, _, cache_fwd = deep.cell_forward(cell, x, state0, part(p, "enc_fwd"))
    x_rev = np.take_along_axis(x, rev[:, :, None], axis=1)  # (N, S, D), each source reversed
    h_rev, _, cache_bwd = deep.cell_forward(cell, x_rev, state0, part(p, "enc_bwd"))
    h_bwd = np.take_along_axis(h_rev, rev[:, :, None], axis=1)  # back into time order
    enc = np.concatenate([h_fwd, h_bwd], axis=2)  # 2 x (N, S, H_enc) -> (N, S, 2 H_enc)
    last = h_fwd[np.arange(N), lengths - 1]  # (N, H_enc): forward state after the last symbol
    summary = np.concatenate([last, h_bwd[:, 0]], axis=1)  # (N, 2 H_enc)
    s0 = np.tanh(summary @ p["bridge.W"] + p["bridge.b"])  # (N, H_dec)
    return enc, s0, EncoderCache(cell, cache_fwd, cache_bwd, rev, lengths, summary, s0)


def encoder_backward(denc, ds0, cache, params):
    """Backward pass of :func:`encoder_forward`.

    Inputs:
    - denc: gradient with respect to enc, (N, S, 2 H_enc)
    - ds0: gradient with respect to s0, (N, H_dec)
    - cache: the :class:`EncoderCache`; params: the model's params

    Returns a dict of gradients for the ``enc_fwd.*``, ``enc_bwd.*`` and ``bridge.*`` keys.
    (The sources are one-hot constants, so no gradient is returned for them.)
    """
    N = denc.shape[0]
    H_e = denc.shape[2] // 2
    da = ds0 * (1 - cache.s0**2)  # through the bridge's tanh, (N, H_dec)
    grads = {"bridge.W": cache.summary.T @ da, "bridge.b": da.sum(axis=0)}
    dsummary = da @ params["bridge.W"].T  # (N, H_dec) @ (H_dec, 2 H_enc) -> (N, 2 H_enc)
    dh_fwd = denc[:, :, :H_e].copy()  # (N, S, H_enc); a copy: the caller's denc stays intact
    dh_fwd[np.arange(N), cache.lengths - 1] += dsummary[:, :H_e]
    dh_bwd = denc[:, :, H_e:].copy()
    dh_bwd[:, 0] += dsummary[:, H_e:]
    dh_rev = np.take_along_axis(dh_bwd, cache.rev[:, :, None], axis=1)  # the reversal undoes itself
    _, _, grads_fwd = deep.cell_backward(cache.cell, dh_fwd, cache.fwd)
    _, _, grads_bwd = deep.cell_backward(cache.cell, dh_rev, cache.bwd)
    grads.update(_prefixed("enc_fwd", grads_fwd))
    grads.update(_prefixed("enc_bwd", grads_bwd))
    return grads


# ---------------------------------------------------------------- one decoder step


class DecoderStepCache(NamedTuple):
    """What :func:`decoder_step_forward` keeps for :func:`decoder_step_backward`."""

    gru: tuple  # the GRU step's cache
    att: tuple | None  # the AttentionCache, or None without attention
    cs: np.ndarray | None  # (N, 2 H_enc + H_dec) [c_t, s_t], Luong only
    o: np.ndarray  # (N, H_dec) the step's output features


def decoder_step_forward(model, y_prev, s_prev, enc, src_mask=None):
    """One decoder step, for the variant in ``model.config["attention"]``.

    Inputs:
    - model: a :class:`Seq2Seq`
    - y_prev: the previous output symbol, one-hot, (N, K)
    - s_prev: the decoder state s_{t-1}, (N, H_dec)
    - enc: encoder outputs, (N, S, 2 H_enc): the keys and values of attention
    - src_mask: (N, S) 0/1, the real source positions (None: all)

    Returns:
    - o: the output features o_t, (N, H_dec); the scores are ``o @ W_hy + b_y``
    - s: the new state s_t, (N, H_dec)
    - alpha: attention weights over the source, (N, S), or None without attention
    - cache: a :class:`DecoderStepCache`
    """
    config, p = model.config, model.params
    kind, score = config["attention"], config["score"]
    if kind == "bahdanau":  # the previous state asks; the context goes into the cell
        context, alpha, att_cache = attention.attention_forward(
            s_prev, enc, part(p, "att"), score, src_mask
        )
        x_t = np.concatenate([y_prev, context], axis=1)  # (N, K + 2 H_enc)
        s, gru_cache = gru.gru_step_forward(x_t, s_prev, part(p, "dec"))
        return s, s, alpha, DecoderStepCache(gru_cache, att_cache, None, s)
    s, gru_cache = gru.gru_step_forward(y_prev, s_prev, part(p, "dec"))
    if kind == "none":
        return s, s, None, DecoderStepCache(gru_cache, None, None, s)
    # Luong: the new state asks; context and state are combined after the cell
    context, alpha, att_cache = attention.attention_forward(s, enc, part(p, "att"), score, src_mask)
    cs = np.concatenate([context, s], axis=1)  # (N, 2 H_enc + H_dec)
    o = np.tanh(cs @ p["comb.W_c"] + p["comb.b_c"])  # (N, H_dec), the attentional state
    return o, s, alpha, DecoderStepCache(gru_cache, att_cache, cs, o)


def decoder_step_backward(do, ds_next, cache, model):
    """Backward pass of :func:`decoder_step_forward`.

    Inputs:
    - do: gradient with respect to o_t, (N, H_dec)
    - ds_next: gradient reaching s_t from the next step, (N, H_dec)
    - cache: the :class:`DecoderStepCache`; model: the :class:`Seq2Seq`

    Returns:
    - ds_prev: gradient with respect to s_{t-1}, (N, H_dec)
    - denc: gradient with respect to enc, (N, S, 2 H_enc), or None without attention
    - grads: dict of this step's gradients (``dec.*``, ``att.*``, ``comb.*`` keys)
    """
    kind, p = model.config["attention"], model.params
    K = model.config["K"]
    if kind == "bahdanau":
        dx_t, ds_prev, grads_dec = gru.gru_step_backward(do + ds_next, cache.gru)
        dcontext = dx_t[:, K:]  # the context's columns of the cell input
        dq, denc, grads_att = attention.attention_backward(dcontext, cache.att)
        grads = _prefixed("dec", grads_dec) | _prefixed("att", grads_att)
        return ds_prev + dq, denc, grads  # s_{t-1} was both the query and the cell's state
    if kind == "none":
        _, ds_prev, grads_dec = gru.gru_step_backward(do + ds_next, cache.gru)
        return ds_prev, None, _prefixed("dec", grads_dec)
    da = do * (1 - cache.o**2)  # through the tanh of o_t, (N, H_dec)
    grads = {"comb.W_c": cache.cs.T @ da, "comb.b_c": da.sum(axis=0)}
    dcs = da @ p["comb.W_c"].T  # (N, H_dec) @ (H_dec, 2 H_enc + H_dec)
    H_k = cache.att.keys.shape[2]
    dq, denc, grads_att = attention.attention_backward(dcs[:, :H_k], cache.att)
    ds = dcs[:, H_k:] + dq + ds_next  # s_t fed o_t, the query, and the next step
    _, ds_prev, grads_dec = gru.gru_step_backward(ds, cache.gru)
    grads |= _prefixed("dec", grads_dec) | _prefixed("att", grads_att)
    return ds_prev, denc, grads


# ---------------------------------------------------------------- the whole model


class Seq2SeqCache(NamedTuple):
    """What :func:`seq2seq_forward` keeps for :func:`seq2seq_backward`."""

    encoder: EncoderCache
    steps: list  # T DecoderStepCache, in time order
    output: tuple  # the output layer's cache
    enc_shape: tuple  # (N, S, 2 H_enc)


def _check_sources(model, src, src_mask):
    src = np.asarray(src)
    if src.ndim != 2 or 0 in src.shape:
        raise ValueError(f"src must be (N, S) symbol indices with N, S >= 1, got {src.shape}.")
    lengths = source_lengths(src_mask, src.shape)
    dtype = model.params["out.W_hy"].dtype
    return one_hot(src, model.config["D"], dtype), lengths, src_mask


def seq2seq_forward(model, src, src_mask, tgt_in):
    """Teacher-forced forward pass.

    Inputs:
    - model: a :class:`Seq2Seq`
    - src: source symbol indices, (N, S), right-padded
    - src_mask: (N, S) 0/1 marking the real source positions, or None (no padding)
    - tgt_in: decoder input symbols, (N, T): the start symbol, then the targets shifted by
      one (:func:`teacher_forcing_inputs`)

    Returns:
    - scores: output scores, (N, T, K)
    - alphas: attention weights, (N, T, S) (all zeros without attention)
    - cache: a :class:`Seq2SeqCache` for :func:`seq2seq_backward`
    """
    x, lengths, src_mask = _check_sources(model, src, src_mask)
    enc, s, enc_cache = encoder_forward(model, x, lengths)
    y_in = one_hot(tgt_in, model.config["K"], x.dtype)  # (N, T, K)
    N, T = y_in.shape[:2]
    alphas = np.zeros((N, T, x.shape[1]), dtype=x.dtype)
    outputs, steps = [], []
    for t in range(T):
        o, s, alpha, step = decoder_step_forward(model, y_in[:, t], s, enc, src_mask)
        outputs.append(o)
        steps.append(step)
        if alpha is not None:
            alphas[:, t] = alpha
    o_all = np.stack(outputs, axis=1)  # T x (N, H_dec) -> (N, T, H_dec)
    scores, out_cache = layers.linear_forward(
        o_all, model.params["out.W_hy"], model.params["out.b_y"]
    )
    return scores, alphas, Seq2SeqCache(enc_cache, steps, out_cache, enc.shape)


def seq2seq_backward(dscores, cache, model):
    """Backward pass of :func:`seq2seq_forward`.

    Inputs: dscores (N, T, K), the :class:`Seq2SeqCache`, the :class:`Seq2Seq`.
    Returns grads: a dict with the keys and shapes of ``model.params``.
    """
    grads = {key: np.zeros_like(value) for key, value in model.params.items()}
    do_all, dW_hy, db_y = layers.linear_backward(dscores, cache.output)  # (N, T, H_dec)
    grads["out.W_hy"] += dW_hy
    grads["out.b_y"] += db_y
    denc = np.zeros(cache.enc_shape, dtype=dscores.dtype)  # every step's attention adds here
    ds = np.zeros_like(do_all[:, 0])  # nothing reaches the last state from the future
    for t in reversed(range(len(cache.steps))):
        ds, denc_t, step_grads = decoder_step_backward(do_all[:, t], ds, cache.steps[t], model)
        if denc_t is not None:
            denc += denc_t
        for key, value in step_grads.items():
            grads[key] += value  # shared weights: every step adds its share
    # ds is now the gradient with respect to s_0, which the bridge made
    for key, value in encoder_backward(denc, ds, cache.encoder, model.params).items():
        grads[key] += value
    return grads


def seq2seq_loss(model, src, src_mask, targets, tgt_mask=None):
    """Loss and gradients for one batch, with teacher forcing.

    Inputs:
    - model: a :class:`Seq2Seq`
    - src: (N, S) source indices; src_mask: (N, S) 0/1 or None
    - targets: (N, T) target indices (the decoder's inputs are built from them)
    - tgt_mask: optional (N, T) 0/1: which target steps count

    Returns:
    - loss: mean softmax cross-entropy over the counted target steps
    - grads: dict with the keys and shapes of ``model.params``
    """
    tgt_in = teacher_forcing_inputs(targets, model.config["start"])
    scores, _, cache = seq2seq_forward(model, src, src_mask, tgt_in)
    loss, dscores = losses.softmax_cross_entropy(scores, np.asarray(targets), tgt_mask)
    return loss, seq2seq_backward(dscores, cache, model)


def greedy_decode(model, src, src_mask, T):
    """Translate: at every step feed back the most likely symbol of the step before.

    Inputs:
    - model: a :class:`Seq2Seq`
    - src: (N, S) source indices; src_mask: (N, S) 0/1 or None
    - T: how many output symbols to produce

    Returns:
    - ids: (N, T) output symbol indices
    - alphas: (N, T, S) attention weights of every step (zeros without attention)
    """
    T = require_positive_int("T", T)
    x, lengths, src_mask = _check_sources(model, src, src_mask)
    enc, s, _ = encoder_forward(model, x, lengths)
    N, K = x.shape[0], model.config["K"]
    W_hy, b_y = model.params["out.W_hy"], model.params["out.b_y"]
    ids = np.zeros((N, T), dtype=np.int64)
    alphas = np.zeros((N, T, x.shape[1]), dtype=x.dtype)
    y_prev = one_hot(np.full(N, model.config["start"]), K, x.dtype)  # (N, K)
    for t in range(T):
        o, s, alpha, _ = decoder_step_forward(model, y_prev, s, enc, src_mask)
        ids[:, t] = np.argmax(o @ W_hy + b_y, axis=1)  # (N, K) scores -> (N,) best symbol
        if alpha is not None:
            alphas[:, t] = alpha
        y_prev = one_hot(ids[:, t], K, x.dtype)
    return ids, alphas


# ---------------------------------------------------------------- saving and loading


def save_model(path, model, **extras):
    """Save ``model`` and ``extras`` (name -> array of numbers or strings) to ``path``.

    The file is a compressed ``.npz`` of plain arrays: ``param.<key>`` for every parameter,
    ``config`` (a JSON string), ``format`` (:data:`FILE_FORMAT`) and ``extra.<name>`` for
    every extra. Object arrays are refused, so the file never needs pickle to load.
    """
    check_model(model)
    arrays = {f"param.{key}": value for key, value in model.params.items()}
    for name, value in extras.items():
        value = np.asarray(value)
        if value.dtype.kind == "O":
            raise TypeError(f"extra {name!r} is an object array; save numbers or strings only.")
        arrays[f"extra.{name}"] = value
    arrays["config"] = np.array(json.dumps(model.config, sort_keys=True))
    arrays["format"] = np.array(FILE_FORMAT)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:  # a file object, so numpy does not append ".npz"
        np.savez_compressed(f, **arrays)


def load_model(path):
    """Load a model saved by :func:`save_model` (``allow_pickle=False``).

    Returns ``(model, extras)``: a :class:`Seq2Seq` (float64 params) and a dict of the
    extra arrays. A missing file raises FileNotFoundError; a file that is not such a model
    (corrupt, truncated, another format, params that do not fit the config) raises
    ValueError saying what is wrong.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {path}.")
    try:
        with np.load(path, allow_pickle=False) as data:
            contents = {name: data[name] for name in data.files}
    except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as exc:
        raise ValueError(
            f"{path} is not a readable .npz model file ({type(exc).__name__}: {exc}). "
            "Re-create it with scripts/train_dates.py."
        ) from exc
    if "format" not in contents or str(contents["format"]) != FILE_FORMAT:
        raise ValueError(
            f"{path} is not an rnncourse seq2seq model: its 'format' entry is missing or is "
            f"not {FILE_FORMAT!r}."
        )
    try:
        config = json.loads(str(contents["config"]))
    except (KeyError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path} has no readable 'config' entry ({exc}).") from exc
    params = {
        name[len("param.") :]: value.astype(np.float64)
        for name, value in contents.items()
        if name.startswith("param.")
    }
    extras = {
        name[len("extra.") :]: value
        for name, value in contents.items()
        if name.startswith("extra.")
    }
    model = Seq2Seq(config, params)
    try:
        check_model(model)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path} does not hold a consistent model: {exc}") from exc
    return model, extras


# ---------------------------------------------------------------- training with train.train


class TeacherForcing:
    """A :class:`Seq2Seq` as :func:`rnncourse.train.train` trains it, with teacher forcing.

    ``train.train`` takes any object with ``params`` and ``loss_and_grads(x, y, state,
    mask)``; for a sequence-to-sequence model these are:

    - x: source symbol indices, (N, S), right-padded
    - y: target symbol indices, (N, T); the decoder's inputs are made from them
      (:func:`teacher_forcing_inputs`)
    - state: unused (every batch starts from its own encoder); ``None`` is returned
    - mask: the source mask (N, S), or a pair ``(src_mask, tgt_mask)`` when the targets are
      padded too, or None

    ``fast=True`` (the default) computes the loss and gradients on the training path,
    :func:`rnncourse.fast_seq2seq.seq2seq_loss`; ``fast=False`` with :func:`seq2seq_loss`,
    one step function after another. Both give the same numbers (tests/test_fast_attention.py).
    """

    def __init__(self, model, fast=True):
        self.model = check_model(model)
        self.params = model.params  # the same dict: the optimiser's updates reach the model
        self.fast = bool(fast)

    def loss_and_grads(self, x, y, state=None, mask=None):
        src_mask, tgt_mask = mask if isinstance(mask, tuple) else (mask, None)
        if self.fast:
            from . import fast_seq2seq  # imported here: fast_seq2seq builds on this module

            return (*fast_seq2seq.seq2seq_loss(self.model, x, src_mask, y, tgt_mask), None)
        return (*seq2seq_loss(self.model, x, src_mask, y, tgt_mask), None)


class DecayingLR:
    """An optimiser whose learning rate is constant for the first half of ``steps`` steps,
    then falls geometrically to ``lr_final`` at the last step.

    It wraps an optimiser of :mod:`rnncourse.optim` (whose ``lr`` it sets before each step),
    and :func:`rnncourse.train.train` uses it as any optimiser: ``step(params, grads)``.
    """

    def __init__(self, optimizer, steps, lr_final):
        self.optimizer = optimizer
        self.steps = require_positive_int("steps", steps)
        if not 0 < lr_final <= optimizer.lr:
            raise ValueError(
                f"lr_final must be in (0, lr] = (0, {optimizer.lr:g}], but got {lr_final!r}."
            )
        self.lr_start, self.lr_final, self.count = optimizer.lr, lr_final, 0

    @property
    def lr(self):
        return self.optimizer.lr

    def lr_at(self, step):
        """The learning rate of step ``step`` (counted from 0)."""
        half = self.steps // 2
        if step < half:
            return self.lr_start
        fraction = min((step - half) / max(self.steps - 1 - half, 1), 1.0)
        return self.lr_start * (self.lr_final / self.lr_start) ** fraction

    def step(self, params, grads):
        self.optimizer.lr = self.lr_at(self.count)
        self.count += 1
        self.optimizer.step(params, grads)
