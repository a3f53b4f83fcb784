"""Checker for chapter 11's decoder step, where Bahdanau and Luong differ.

``decoder_step(model, y_prev, s_prev, enc, src_mask) -> (o, s, alpha)`` is one step of
:func:`rnncourse.seq2seq.decoder_step_forward` without its cache, for both variants:

- ``"bahdanau"``: the *previous* state queries, ``c_t, alpha = attention(s_{t-1}, enc)``;
  the context goes *into* the cell, ``s_t = GRU([y_{t-1}, c_t], s_{t-1})``; ``o_t = s_t``;
- ``"luong"``: the cell runs first, ``s_t = GRU(y_{t-1}, s_{t-1})``; the *new* state
  queries, ``c_t, alpha = attention(s_t, enc)``; the attentional state comes *after* the cell,
  ``o_t = tanh([c_t, s_t] W_c + b_c)``.

The checker runs small models of each kind (two sizes, padded sources, N = 1 and S = 1) and
compares o, s and alpha with the package. Its catalogue holds the mistakes that mix the two
(the wrong query, the context in the wrong place, the pieces of [c_t, s_t] swapped) and the
usual ones (the mask ignored, o returned as the next state).
"""

from typing import NamedTuple

import numpy as np

from .. import attention, gru, seq2seq
from ._catalogue import Mistake, Probe, pattern, with_catalogue
from ._harness import (
    CheckFailed,
    call,
    checker,
    copy_tree,
    diagnose,
    expect_array,
    expect_tuple,
    expect_unchanged,
)

NAMES = ("o", "s", "alpha")


class StepCase(NamedTuple):
    kind: str
    N: int
    S: int
    K: int
    H_enc: int
    H_dec: int
    seed: int

    @property
    def where(self):
        return (
            f" for {self.kind.capitalize()} (N={self.N}, S={self.S}, K={self.K}, "
            f"H_enc={self.H_enc}, H_dec={self.H_dec})"
        )


CASES = (
    StepCase("bahdanau", 3, 5, 4, 3, 5, 1101),
    StepCase("luong", 3, 5, 4, 3, 5, 1102),
    StepCase("bahdanau", 1, 1, 3, 2, 3, 1103),  # N = 1, S = 1
    StepCase("luong", 2, 6, 6, 2, 4, 1104),
    StepCase("luong", 1, 1, 3, 2, 3, 1105),
)


def case_inputs(case):
    """(model, y_prev, s_prev, enc, src_mask) for one case: random weights (so no mistake
    hides behind zero biases), one-hot y_prev, padding in every row but the first."""
    rng = np.random.default_rng(case.seed)
    model = seq2seq.init_seq2seq(3, case.K, case.H_enc, case.H_dec, rng, attention=case.kind)
    # a config as a loaded model has it: a string built at run time, not the literal
    # (so `config["attention"] is "bahdanau"` is caught)
    model.config["attention"] = "".join(list(case.kind))
    for key, value in model.params.items():
        model.params[key] = 0.6 * rng.standard_normal(value.shape)
    y_prev = np.eye(case.K)[rng.integers(0, case.K, size=case.N)]
    s_prev = rng.standard_normal((case.N, case.H_dec))
    enc = rng.standard_normal((case.N, case.S, 2 * case.H_enc))
    lengths = np.maximum(1, case.S - np.arange(case.N))  # row n has S - n real positions
    src_mask = (np.arange(case.S)[None, :] < lengths[:, None]).astype(float)
    return model, y_prev, s_prev, enc, src_mask


def decoder_step_reference(model, y_prev, s_prev, enc, src_mask=None):
    """The package's step, without the cache."""
    o, s, alpha, _ = seq2seq.decoder_step_forward(model, y_prev, s_prev, enc, src_mask)
    return o, s, alpha


def _step(model, y_prev, s_prev, enc, src_mask=None, *, k=None):
    """One decoder step with the mistake ``k`` switched on."""
    p, score = model.params, model.config["score"]
    att, dec = seq2seq.part(p, "att"), seq2seq.part(p, "dec")
    mask = None if k == "mask ignored" else src_mask
    if model.config["attention"] == "bahdanau":
        query = s_prev
        if k == "bahdanau queries a new state":
            h, _ = gru.gru_step_forward(
                np.concatenate([y_prev, np.zeros((len(y_prev), enc.shape[2]))], axis=1),
                s_prev, dec,
            )  # fmt: skip
            query = h
        context, alpha, _ = attention.attention_forward(query, enc, att, score, mask)
        pieces = [context, y_prev] if k == "context before y" else [y_prev, context]
        s, _ = gru.gru_step_forward(np.concatenate(pieces, axis=1), s_prev, dec)
        o = s_prev if k == "o is the previous state" else s
        return o, s, alpha
    s, _ = gru.gru_step_forward(y_prev, s_prev, dec)
    query = s_prev if k == "luong queries the previous state" else s
    context, alpha, _ = attention.attention_forward(query, enc, att, score, mask)
    cs = np.concatenate([s, context] if k == "[s, c] swapped" else [context, s], axis=1)
    pre = cs @ p["comb.W_c"] + p["comb.b_c"]
    o = pre if k == "no tanh" else np.tanh(pre)
    if k == "o is the state":
        o = s
    if k == "o returned as the state":
        return o, o, alpha
    return o, s, alpha


CATALOGUE_HINTS = {
    "luong queries the previous state": (
        "for Luong the cell runs *first* and the *new* state s_t asks: "
        "`s = GRU(y_prev, s_prev)`, then `attention(s, enc, ...)`; querying with s_prev is "
        "Bahdanau's order."
    ),
    "bahdanau queries a new state": (
        "for Bahdanau the *previous* state s_{t-1} asks, before the cell runs: "
        "`attention(s_prev, enc, ...)`, then `s = GRU([y_prev, context], s_prev)`."
    ),
    "context before y": (
        "the cell's input is `[y_prev, context]`, in that order: `np.concatenate([y_prev, "
        "context], axis=1)` (the rows of dec.W_x are the K symbols first, then the 2 H_enc "
        "context entries)."
    ),
    "[s, c] swapped": (
        "Luong's attentional state reads `[c_t, s_t]`, context first: "
        "`np.concatenate([context, s], axis=1) @ W_c + b_c` (both orders have the same width, "
        "so only the numbers show it)."
    ),
    "no tanh": "Luong's attentional state is `np.tanh([c_t, s_t] W_c + b_c)`: the tanh is missing.",
    "o is the state": (
        "for Luong o_t is the attentional state `tanh([c_t, s_t] W_c + b_c)`, not s_t: the "
        "context must reach the output (for Bahdanau it reaches it through the cell)."
    ),
    "o is the previous state": (
        "for Bahdanau o_t is the *new* state s_t, the cell's output: return `s, s, alpha`."
    ),
    "o returned as the state": (
        "the next state is the cell's s_t; the attentional state o_t only feeds the output "
        "layer (and, with input feeding, the next input), not the recurrence."
    ),
    "mask ignored": (
        "pass `src_mask` to the attention, `attention.attention_forward(query, enc, att, "
        "score, src_mask)`: padded source positions must get weight 0."
    ),
}


def _check_mask(alpha, mask, where):
    if mask is None or not (mask == 0).any():
        return
    leaked = np.abs(alpha[mask == 0]).max()
    if leaked > 1e-12:
        raise CheckFailed(
            f"alpha gives padded source positions a weight of up to {leaked:.3g}{where}.",
            CATALOGUE_HINTS["mask ignored"],
        )


@checker("decoder_step")
def _decoder_step(fn):
    """Check ``fn(model, y_prev, s_prev, enc, src_mask) -> (o, s, alpha)``."""
    for case in CASES:
        model, y_prev, s_prev, enc, src_mask = case_inputs(case)
        arrays = {"y_prev": y_prev, "s_prev": s_prev, "enc": enc, "src_mask": src_mask}
        given = copy_tree(arrays)
        params_before = copy_tree(model.params)
        out = call(fn, model, given["y_prev"], given["s_prev"], given["enc"], given["src_mask"])
        o, s, alpha = expect_tuple(out, NAMES)
        expect_unchanged({**arrays, "model.params": params_before},
                         {**given, "model.params": model.params})  # fmt: skip
        N, S, H = case.N, case.S, case.H_dec
        got = {
            "o": expect_array(o, "o", (N, H), "(N, H_dec)"),
            "s": expect_array(s, "s", (N, H), "(N, H_dec)"),
            "alpha": expect_array(alpha, "alpha", (N, S), "(N, S)"),
        }
        _check_mask(got["alpha"], src_mask, case.where)
        want = dict(zip(NAMES, decoder_step_reference(model, y_prev, s_prev, enc, src_mask),
                        strict=True))  # fmt: skip
        order = ("alpha", "s", "o") if case.kind == "bahdanau" else ("s", "alpha", "o")
        meaning = {
            "alpha": "the attention weights come first for Bahdanau: the query is s_prev.",
            "s": "the state is wrong: check the cell's input"
            + (" `[y_prev, context]`." if case.kind == "bahdanau" else ", y_prev alone."),
            "o": "s and alpha are right, so the output o is computed wrongly from them.",
        }
        for label in order:
            axes = ("N", "S") if label == "alpha" else ("N", "H_dec")
            diagnose(label, got[label], want[label], [], case.where, fallback=(
                meaning[label] + " " + pattern(got[label], want[label], axes)
            ).strip())  # fmt: skip
    return (
        f"o, s and alpha match rnncourse.seq2seq.decoder_step_forward on all {len(CASES)} test "
        "cases, Bahdanau's and Luong's."
    )


def _probes():
    return [Probe(lambda c=c: (case_inputs(c), {})) for c in CASES]


CATALOGUE = [
    Mistake(key, hint, lambda *a, key=key: _step(*a, k=key))
    for key, hint in CATALOGUE_HINTS.items()
]

decoder_step = with_catalogue(
    _decoder_step, _probes, CATALOGUE, decoder_step_reference, one_case_hints=()
)
