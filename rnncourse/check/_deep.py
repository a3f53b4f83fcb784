"""Checkers for chapter 6: a bidirectional RNN layer, and counting a deep LSTM's parameters.

:func:`bidirectional_forward` runs the learner's layer on three fixed float64 problems in
which the two directions have different params and different initial states, compares h
with :func:`rnncourse.deep.bidirectional_forward`, and matches wrong numbers against the
outputs of typical mistakes (written here apart from the package): the backward direction's
outputs not reversed back, the sequence never reversed, the wrong axis reversed, the halves
in the wrong order, one direction's params or initial state used for the other, and every
pair of these. :func:`lstm_param_count` compares a count with the sizes of the arrays that
:func:`rnncourse.deep.init_stacked_params` makes (and, for PyTorch's count, with the arrays
:func:`rnncourse.interop.state_dict_from_params` makes under PyTorch's names).
"""

from itertools import combinations, product
from typing import NamedTuple

import numpy as np

from .. import deep, interop
from ._harness import (
    CheckFailed,
    call,
    copy_tree,
    describe,
    expect_array,
    expect_tuple,
    expect_unchanged,
)
from ._named import Mistake, Probe, compare, named_checker

PARAMS_HINT = (KeyError, "", "each params dict has the keys 'W_xh', 'W_hh' and 'b_h'.")


class Problem(NamedTuple):
    x: np.ndarray  # (N, T, D)
    state0_fwd: np.ndarray  # (N, H), values in (-1, 1)
    state0_bwd: np.ndarray  # (N, H), different from state0_fwd
    params_fwd: dict  # W_xh (D, H), W_hh (H, H), b_h (H,)
    params_bwd: dict  # the same shapes, other values
    where: str  # " in test case k of 3 (N=.., T=.., D=.., H=..)"


# (seed, N, T, D, H): N != T everywhere (so (2N, T, H) and (N, 2T, H) differ), T >= 3 so
# that reversing matters, N >= 2 in the first two cases so that the batch axis matters.
_SIZES = ((601, 2, 4, 3, 2), (602, 3, 5, 2, 3), (603, 1, 3, 4, 4))


def problems():
    """The three fixed test problems."""
    out = []
    for k, (seed, N, T, D, H) in enumerate(_SIZES, start=1):
        rng = np.random.default_rng(seed)

        def params(D=D, H=H, rng=rng):
            return {
                "W_xh": 0.6 * rng.standard_normal((D, H)),
                "W_hh": 0.6 * rng.standard_normal((H, H)),
                "b_h": 0.3 * rng.standard_normal(H),
            }

        params_fwd, params_bwd = params(), params()
        x = rng.standard_normal((N, T, D))
        state0_fwd = np.tanh(rng.standard_normal((N, H)))
        state0_bwd = np.tanh(rng.standard_normal((N, H)))
        where = f" in test case {k} of 3 (N={N}, T={T}, D={D}, H={H})"
        out.append(Problem(x, state0_fwd, state0_bwd, params_fwd, params_bwd, where))
    return out


# ---------------------------------------------------------------- bidirectional_forward


def _run(x, h0, p):
    """A tanh RNN over (N, T, D) from h0 (N, H), written apart from the package."""
    h_t, states = h0, []
    for t in range(x.shape[1]):
        h_t = np.tanh(x[:, t] @ p["W_xh"] + h_t @ p["W_hh"] + p["b_h"])
        states.append(h_t)
    return np.stack(states, axis=1)  # T x (N, H) -> (N, T, H)


_FLIPS = {
    "time": lambda a: a[:, ::-1],
    "none": lambda a: a,
    "batch": lambda a: a[::-1],
    "all": lambda a: a[::-1, ::-1, ::-1],  # np.flip(a) with no axis
}

#: Each kind of mistake: the right choice first, then (wrong choice, hint).
_REVERSAL = [
    (("time", "time"), None),
    (
        ("time", "none"),
        "the backward direction's outputs are not reversed back. Its run on `x[:, ::-1]` "
        "stores the state after x_T first, so `h_rev[:, 0]` belongs to step T: reverse it "
        "back into time order, `h_bwd = h_rev[:, ::-1]`, before concatenating.",
    ),
    (
        ("none", "none"),
        "the backward direction is never reversed in time: it reads x_1 first, like the "
        "forward one. Run it on `x[:, ::-1]` (so it reads x_T first), then reverse its "
        "outputs back. (`x[::-1]` reverses axis 0, the batch of sequences; time is axis 1.)",
    ),
    (
        ("none", "time"),
        "only the outputs are reversed: the backward direction must also *read* the reversed "
        "sequence, `rnn_forward(x[:, ::-1], ...)`, before its outputs are reversed back.",
    ),
    (
        ("time", "batch"),
        "`h_rev[::-1]` reverses axis 0, the batch of sequences, not time. Time is axis 1: "
        "reverse the outputs back with `h_rev[:, ::-1]`.",
    ),
    (
        ("all", "all"),
        "`np.flip(a)` without an axis reverses every axis (batch, time and features). "
        "Reverse time only: `np.flip(a, axis=1)` or `a[:, ::-1]`.",
    ),
    (
        ("time", "all"),
        "the outputs are reversed along every axis (`np.flip(h_rev)` with no axis), which "
        "also reverses the batch and the hidden units. Reverse time only: `h_rev[:, ::-1]`.",
    ),
]
_ORDER = [
    ("fwd_first", None),
    (
        "bwd_first",
        "the two halves are in the wrong order: the forward direction comes first, "
        "`np.concatenate([h_fwd, h_bwd], axis=2)`, as in PyTorch.",
    ),
]
_PARAMS = [
    (("fwd", "bwd"), None),
    (
        ("fwd", "fwd"),
        "both directions use params_fwd: the backward direction has its own weights, `params_bwd`.",
    ),
    (
        ("bwd", "bwd"),
        "both directions use params_bwd: the forward direction uses `params_fwd`.",
    ),
    (
        ("bwd", "fwd"),
        "the params are swapped: `params_fwd` belongs to the forward direction and "
        "`params_bwd` to the backward one.",
    ),
]
_STATES = [
    (("fwd", "bwd"), None),
    (
        ("bwd", "fwd"),
        "the initial states are swapped: the forward direction starts from `state0_fwd`, "
        "the backward direction (reading x_T first) from `state0_bwd`.",
    ),
    (
        ("fwd", "fwd"),
        "both directions start from state0_fwd: the backward direction starts from `state0_bwd`.",
    ),
    (
        ("bwd", "bwd"),
        "both directions start from state0_bwd: the forward direction starts from `state0_fwd`.",
    ),
    (
        ("zeros", "zeros"),
        "the initial states are ignored (both directions start from zeros): start the "
        "forward direction from `state0_fwd` and the backward one from `state0_bwd`.",
    ),
    (
        ("fwd", "chained"),
        "the backward direction starts from the forward direction's last state; the two "
        "directions are independent, and the backward one starts from `state0_bwd`.",
    ),
]
_KINDS = (_REVERSAL, _ORDER, _PARAMS, _STATES)


def _layer(prob, reversal, order, params, states, h_fwd_cache):
    """The output (N, T, 2H) of a bidirectional layer built with the given choices."""
    flip_in, flip_out = (_FLIPS[k] for k in reversal)
    p = {"fwd": prob.params_fwd, "bwd": prob.params_bwd}
    s = {"fwd": prob.state0_fwd, "bwd": prob.state0_bwd, "zeros": 0 * prob.state0_fwd}
    key = (params[0], states[0])
    if key not in h_fwd_cache:
        h_fwd_cache[key] = _run(prob.x, s[states[0]], p[params[0]])
    h_fwd = h_fwd_cache[key]
    s["chained"] = h_fwd[:, -1]
    h_bwd = flip_out(_run(flip_in(prob.x), s[states[1]], p[params[1]]))
    halves = [h_fwd, h_bwd] if order == "fwd_first" else [h_bwd, h_fwd]
    return np.concatenate(halves, axis=2)  # 2 x (N, T, H) -> (N, T, 2H)


def _bidirectional_variants(prob):
    """(hint, wrong h) for every single mistake and every pair of mistakes of two kinds."""
    cache = {}
    return [(hint, _layer(prob, *choices, cache)) for hint, choices in _variant_choices()]


def _variant_choices():
    """(hint, choices) for every single mistake and every pair of mistakes of two kinds."""
    right = [kind[0][0] for kind in _KINDS]
    out = []
    for count in (1, 2):
        for kinds in combinations(range(len(_KINDS)), count):
            for wrongs in product(*(_KINDS[k][1:] for k in kinds)):
                choices = list(right)
                for k, (choice, _) in zip(kinds, wrongs, strict=True):
                    choices[k] = choice
                hints = [hint for _, hint in wrongs]
                hint = hints[0] if count == 1 else f"two mistakes: (1) {hints[0]} (2) {hints[1]}"
                out.append((hint, choices))
    return out


def bidirectional_catalogue():
    """Every single mistake and every pair of two kinds, each a small wrong layer."""

    def entry(hint, choices):
        def fn(x, state0_fwd, state0_bwd, params_fwd, params_bwd, cell="rnn"):
            prob = Problem(x, state0_fwd, state0_bwd, params_fwd, params_bwd, "")
            return _layer(prob, *choices, {})

        return Mistake(" + ".join(map(str, choices)), hint, fn)

    return [entry(hint, choices) for hint, choices in _variant_choices()]


def _bidirectional_probes():
    return [
        Probe(lambda p=p: ((p.x, p.state0_fwd, p.state0_bwd, p.params_fwd, p.params_bwd), {}))
        for p in problems()
    ]


def _h_only(out):
    return out[0]


def _bidirectional_meaning(wrong, right):
    return (
        "Compare the forward half `h[:, :, :H]` with `rnn_forward(x, state0_fwd, params_fwd)[0]` "
        "and the backward half with the reversed run, one at a time."
    )


@named_checker("bidirectional_forward", bidirectional_catalogue, _bidirectional_probes, _h_only)
def bidirectional_forward(fn):
    """Check ``fn(x, state0_fwd, state0_bwd, params_fwd, params_bwd) -> (h, cache)`` for
    the tanh RNN cell; only h (N, T, 2H) is compared."""
    for prob in problems():
        N, T, _ = prob.x.shape
        H = prob.state0_fwd.shape[1]
        originals = {
            "x": prob.x,
            "state0_fwd": prob.state0_fwd,
            "state0_bwd": prob.state0_bwd,
            "params_fwd": prob.params_fwd,
            "params_bwd": prob.params_bwd,
        }
        given = copy_tree(originals)
        out = call(fn, *given.values(), hints=[PARAMS_HINT])
        h, _ = expect_tuple(out, ("h", "cache"), "return the cache too: `return h, cache`.")
        expect_unchanged(originals, given)
        side_by_side = "put them side by side along the last axis, `axis=2`, to get (N, T, 2H)."
        shape_hints = {
            (N, T, H): "h has H numbers per step but needs 2H: keep both directions (not one "
            "of them, not their sum), `np.concatenate([h_fwd, h_bwd], axis=2)`.",
            (N, 2 * T, H): "the halves are concatenated along the time axis (axis=1): "
            + side_by_side,
            (2 * N, T, H): "the halves are concatenated along the batch axis (axis=0): "
            + side_by_side,
            (N, T, 2, H): "`np.stack` adds a new axis: " + side_by_side,
            (2, N, T, H): "`np.stack` adds a new axis: " + side_by_side,
        }
        expect_array(h, "h", (N, T, 2 * H), "(N, T, 2H)", shape_hints)
        expected, _ = deep.bidirectional_forward(
            prob.x, prob.state0_fwd, prob.state0_bwd, prob.params_fwd, prob.params_bwd
        )
        compare(
            {"h": h},
            {"h": expected},
            prob.where,
            axes={"h": ("N", "T", "2H")},
            gates={"h": ("forward", "backward")},
            meaning=_bidirectional_meaning,
        )
    return "h matches the reference on all 3 test cases."


# ---------------------------------------------------------------- lstm_param_count

# (D, H, L, bidirectional, two_biases): the first is the 2-layer bidirectional LSTM whose
# PyTorch numbers the course stores (rnncourse/data/torch_reference).
_COUNT_CASES = (
    (4, 6, 2, True, False),
    (4, 6, 2, True, True),
    (3, 5, 1, False, False),
    (7, 2, 3, False, True),
    (2, 3, 3, True, False),
    (5, 4, 1, True, True),
)


def _reference_count(D, H, L, bidirectional, two_biases):
    """Count the entries of the arrays the package (or interop, for PyTorch) makes."""
    layer_params = deep.init_stacked_params(
        "lstm", D, H, L, np.random.default_rng(0), bidirectional
    )
    total = 0
    for layer, entry in enumerate(layer_params):
        for direction, params in enumerate(entry if bidirectional else [entry]):
            if two_biases:  # PyTorch's weight_ih, weight_hh, bias_ih, bias_hh
                arrays = interop.state_dict_from_params(params, "lstm", layer, direction).values()
            else:
                arrays = params.values()
            total += sum(a.size for a in arrays)
    return total


def _formula(D, H, L, bidirectional, two_biases, *, gates=4, wide=True, input_D=False,
             directions=True, biases=None, recurrent=True):  # fmt: skip
    """The count with optional mistakes built in (the defaults give the right count)."""
    dirs = 2 if bidirectional and directions else 1
    n_bias = (2 if two_biases else 1) if biases is None else biases
    total = 0
    for layer in range(L):
        if layer == 0 or input_D:
            D_in = D
        else:
            D_in = (2 if bidirectional and wide else 1) * H
        per_direction = gates * H * (D_in + (H if recurrent else 0)) + n_bias * gates * H
        total += dirs * per_direction
    return total


def _count_variants(case):
    D, H, L, bidirectional, two_biases = case
    return [
        (
            "layers above the first read the output of the layer below, which has 2H numbers "
            "per step when the layers are bidirectional: their W_x is (2H, 4H).",
            _formula(*case, wide=False),
        ),
        (
            "only the first layer reads the D input features; layer l > 1 reads the layer "
            "below, H numbers per step (2H when bidirectional).",
            _formula(*case, input_D=True),
        ),
        (
            "an LSTM stacks 4 gate blocks (i, f, g, o) in every matrix and bias: "
            "W_x (D_in, 4H), W_h (H, 4H), b (4H,).",
            _formula(*case, gates=1),
        ),
        (
            "a bidirectional layer has two directions, each with its own W_x, W_h and b.",
            _formula(*case, directions=False),
        ),
        (
            "PyTorch keeps two bias vectors per layer and direction (bias_ih and bias_hh, "
            "4H each); rnncourse keeps one, b (4H,). Count 2 when `two_biases` is True, "
            "else 1.",
            _formula(*case, biases=1 if two_biases else 2),
        ),
        ("the biases are missing: 4H per bias vector.", _formula(*case, biases=0)),
        ("the recurrent weights W_h (H, 4H) are missing.", _formula(*case, recurrent=False)),
    ]


_COUNT_MISTAKES = (
    ("narrow upper layers", {"wide": False}),
    ("every layer reads D", {"input_D": True}),
    ("one gate", {"gates": 1}),
    ("one direction", {"directions": False}),
    ("bias count swapped", "swap"),
    ("no biases", {"biases": 0}),
    ("no recurrent weights", {"recurrent": False}),
)


def count_catalogue():
    """The typical mistakes of lstm_param_count, each a small wrong implementation."""
    hints = [hint for hint, _ in _count_variants(_COUNT_CASES[0])]

    def entry(key, hint, kw):
        def fn(D, H, L, bidirectional=False, two_biases=False):
            extra = {"biases": 1 if two_biases else 2} if kw == "swap" else kw
            return _formula(D, H, L, bidirectional, two_biases, **extra)

        return Mistake(key, hint, fn)

    return [entry(key, hint, kw) for (key, kw), hint in zip(_COUNT_MISTAKES, hints, strict=True)]


def _count_probes():
    return [Probe(lambda c=c: (c, {})) for c in _COUNT_CASES]


def _count_fallback(got, expected, H):
    """Say how far off the count is, in units that point at a part of the formula."""
    diff = int(got) - expected
    text = f"your count is {abs(diff)} too {'large' if diff > 0 else 'small'}"
    if diff % (4 * H) == 0:
        text += f", {abs(diff) // (4 * H)} times 4H = {4 * H} (one column of 4H per input, "
        text += "state unit or bias vector)"
    return (
        f"{text}. Count per layer and direction: W_x (D_in, 4H), W_h (H, 4H) and the bias "
        "vectors; D_in is D for the first layer, H or 2H above it."
    )


@named_checker("lstm_param_count", count_catalogue, _count_probes)
def lstm_param_count(fn):
    """Check ``fn(D, H, L, bidirectional, two_biases) -> int`` on six configurations."""
    for D, H, L, bidirectional, two_biases in _COUNT_CASES:
        case = (D, H, L, bidirectional, two_biases)
        where = f" for D={D}, H={H}, L={L}, bidirectional={bidirectional}, two_biases={two_biases}"
        got = call(fn, D, H, L, bidirectional, two_biases)
        if isinstance(got, bool) or not isinstance(got, int | np.integer):
            hint = "return a whole number, e.g. `int(total)`."
            if isinstance(got, float | np.floating) and float(got).is_integer():
                hint = "return an int: `//` and `int(...)` keep whole numbers whole."
            raise CheckFailed(f"your function returned {describe(got)}, not an int.", hint)
        expected = _reference_count(*case)
        if got == expected:
            continue
        message = f"the count is wrong{where}: you returned {int(got)}, expected {expected}."
        raise CheckFailed(message, _count_fallback(got, expected, H))
    return "the counts match the package's arrays (and PyTorch's) on all 6 configurations."
