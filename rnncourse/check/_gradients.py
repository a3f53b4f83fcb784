"""Checkers for chapter 3: gradient norms per step, and clipping by the global norm.

Both run the learner's function on fixed float64 problems, compare with the package
(:mod:`rnncourse.gradients`, :mod:`rnncourse.clipping`), and match wrong numbers against
the outputs of typical mistakes.
"""

from typing import NamedTuple

import numpy as np

from .. import clipping, gradients, rnn
from ..gradcheck import rel_error
from ._catalogue import COPY_HINT, shares_input
from ._harness import (
    TOL,
    CheckFailed,
    call,
    copy_tree,
    describe,
    diagnose,
    expect_array,
    expect_keys,
    expect_tuple,
    expect_unchanged,
)
from ._named import Mistake, Probe, compare, named_checker
from ._rnn import STEP_CACHE_HINT

# ---------------------------------------------------------------- gradient_norms_per_step


class NormsProblem(NamedTuple):
    cache: object  # rnn.RNNCache of a tanh RNN
    dh_last: np.ndarray  # (N, H)
    where: str


# (seed, N, T, D, H, scale of W_hh): W_hh is not symmetric, so W_hh and W_hh.T differ.
_NORM_SIZES = ((301, 2, 5, 3, 4, 0.9), (302, 1, 7, 2, 5, 0.8), (303, 3, 4, 4, 3, 1.0))


def _norm_problems():
    out = []
    for k, (seed, N, T, D, H, scale) in enumerate(_NORM_SIZES, start=1):
        rng = np.random.default_rng(seed)
        params = {
            "W_xh": 0.5 * rng.standard_normal((D, H)),
            "W_hh": scale * rng.standard_normal((H, H)),
            "b_h": 0.2 * rng.standard_normal(H),
        }
        x = rng.standard_normal((N, T, D))
        h0 = np.tanh(rng.standard_normal((N, H)))
        _, cache = rnn.rnn_forward(x, h0, params)
        dh_last = rng.standard_normal((N, H))
        where = f" in test case {k} of 3 (N={N}, T={T}, D={D}, H={H})"
        out.append(NormsProblem(cache, dh_last, where))
    return out


def _walk(dh_last, cache, step, carry="replace"):
    """Per-step gradients [dL/dh_0, ..., dL/dh_{T-1}] and dL/dh0 with a backward ``step``.

    ``step(g, t)`` returns the gradient sent to h_{t-1}; ``carry="add"`` keeps a running
    sum instead of replacing the carried gradient (a mistake).
    """
    T = len(cache.steps)
    grads = [None] * T
    g = dh_last
    for t in reversed(range(T)):
        grads[t] = g
        back = step(g, t)
        g = g + back if carry == "add" else back
    return grads, g


def _norms_variants(dh_last, cache):
    steps = cache.steps
    W = steps[0].params["W_hh"]

    def norms(gs):
        return np.array([np.linalg.norm(g) for g in gs])

    def right(g, t):
        return (g * (1 - steps[t].h_t ** 2)) @ W.T

    grads, dh0 = _walk(dh_last, cache, right)
    ref = norms(grads)
    variants = [
        (
            "the tanh derivative is missing: going back through step t, multiply by "
            "`1 - h_t**2` before the product with W_hh.T (or call `rnn.rnn_step_backward`).",
            norms(_walk(dh_last, cache, lambda g, t: g @ W.T)[0]),
        ),
        (
            "W_hh is not transposed: the forward product h_prev @ W_hh goes back as `da @ W_hh.T`.",
            norms(_walk(dh_last, cache, lambda g, t: (g * (1 - steps[t].h_t ** 2)) @ W)[0]),
        ),
        (
            "the tanh derivative is taken at h_prev: step t's derivative is `1 - h_t**2`, "
            "with step t's own output h_t.",
            norms(_walk(dh_last, cache, lambda g, t: (g * (1 - steps[t].h_prev ** 2)) @ W.T)[0]),
        ),
        (
            "off by one: norms[t] holds the gradient sent on to h_{t-1} (dh_prev). Store the "
            "norm of the gradient that *reaches* h_t, before stepping back through step t; "
            "norms[T-1] is the norm of dh_last itself.",
            np.concatenate([[np.linalg.norm(dh0)], ref[:-1]]),
        ),
        (
            "the carried gradient accumulates: each step's dh_prev must *replace* it "
            "(`dh_t = dh_prev`), not be added to it. With the loss on the last state only, "
            "nothing else enters along the way.",
            norms(_walk(dh_last, cache, right, carry="add")[0]),
        ),
        (
            "the norms are in reverse order: walking backward you meet t = T-1 first. Store "
            "them by index, `norms[t] = ...`, or reverse the list at the end.",
            ref[::-1],
        ),
        (
            "these are squared norms: use `np.linalg.norm(dh_t)`, the square root of the sum "
            "of squares.",
            ref**2,
        ),
        (
            "these are the norms of da_t = dh_t * (1 - h_t**2); store the norm of dh_t, the "
            "gradient reaching h_t, before going back through the tanh.",
            norms([g * (1 - steps[t].h_t ** 2) for t, g in enumerate(grads)]),
        ),
    ]
    # with N = 1 these equal the right norms, as the wrong code would
    variants.append(
        (
            "norms[t] is the norm over the whole batch: `np.linalg.norm(dh_t)` of the "
            "(N, H) array, not a mean or sum of the N per-sequence norms.",
            np.array([np.mean(np.linalg.norm(g, axis=1)) for g in grads]),
        )
    )
    variants.append(
        (
            "norms[t] is the norm over the whole batch: `np.linalg.norm(dh_t)` of the "
            "(N, H) array, not a mean or sum of the N per-sequence norms.",
            np.array([np.sum(np.linalg.norm(g, axis=1)) for g in grads]),
        )
    )
    # with T = 1, steps[t - 1] is steps[0]: the same, as the wrong code would give
    variants.append(
        (
            "each step must go back with its own cache: step t uses `cache.steps[t]`.",
            norms(_walk(dh_last, cache, lambda g, t: (g * (1 - steps[t - 1].h_t ** 2)) @ W.T)[0]),
        )
    )
    return ref, variants


def _as_array_or(value):
    """What the catalogue compares: the norms as a float64 array when they convert."""
    return _as_array(value)


def _as_array(value):
    """A number, or a list or tuple of numbers, becomes a float64 array; anything else is
    returned as is."""
    if isinstance(value, list | tuple | float | int | np.number) and not isinstance(value, bool):
        try:
            return np.array(value, dtype=np.float64)
        except (TypeError, ValueError):
            return value
    return value


def norms_catalogue():
    """The typical mistakes of gradient_norms_per_step, each a small wrong implementation."""
    prob = _norm_problems()[0]
    hints = [hint for hint, _ in _norms_variants(prob.dh_last, prob.cache)[1]]
    return [
        Mistake(
            f"norms {k}",
            hint,
            lambda dh_last, cache, k=k: _norms_variants(dh_last, cache)[1][k][1],
        )
        for k, hint in enumerate(hints)
        if k != len(hints) - 1  # steps[t - 1] gives the same norms as the h_prev mistake
    ]


def _norms_probes():
    out = [
        Probe(lambda p=p: ((p.dh_last, copy_tree(p.cache)), {}), p.where) for p in _norm_problems()
    ]
    rng = np.random.default_rng(304)  # a T = 1 corner
    params = {"W_xh": rng.standard_normal((3, 2)), "W_hh": rng.standard_normal((2, 2)),
              "b_h": rng.standard_normal(2)}  # fmt: skip
    _, cache = rnn.rnn_forward(rng.standard_normal((2, 1, 3)), np.zeros((2, 2)), params)
    dh_last = rng.standard_normal((2, 2))
    out.append(Probe(lambda: ((dh_last, copy_tree(cache)), {}), "T = 1"))
    return out


def _norms_meaning(wrong, right):
    return (
        "norms[T-1] is the norm of dh_last itself; each step back multiplies by the tanh "
        "derivative `1 - h_t**2` of that step, then by `W_hh.T`."
    )


@named_checker("gradient_norms_per_step", norms_catalogue, _norms_probes, project=_as_array_or)
def gradient_norms_per_step(fn):
    """Check ``fn(dh_last, cache) -> norms`` (T,) against rnncourse.gradients."""
    hints = [
        (AttributeError, "RNNCache", "the cache is an RNNCache: one step's cache is "
         "`cache.steps[t]`, and T is `len(cache.steps)` (or `cache.x_shape[1]`)."),
        (AttributeError, "RNNStepCache", STEP_CACHE_HINT),
        (TypeError, "RNNStepCache", "pass one step's cache, `cache.steps[t]`."),
        (ValueError, "dh_t has shape", "each step gets an (N, H) gradient, like dh_last."),
    ]  # fmt: skip
    for prob in _norm_problems():
        N, T, _ = prob.cache.x_shape
        originals = {"dh_last": prob.dh_last, "cache": prob.cache}
        given = copy_tree(originals)
        out = _as_array(call(fn, given["dh_last"], given["cache"], hints=hints))
        expect_unchanged(originals, given)
        shape_hints = {
            (T + 1,): "norms has T + 1 entries: leave out the gradient reaching h0; "
            "norms[t] belongs to h[:, t], t = 0..T-1.",
            (T - 1,): "norms has T - 1 entries: include the last step, norms[T-1] = ||dh_last||.",
            (N, T): "one norm per step over the whole batch: `np.linalg.norm(dh_t)` of the "
            "(N, H) array.",
            (T, N): "one norm per step over the whole batch: `np.linalg.norm(dh_t)` of the "
            "(N, H) array.",
            (): "return one norm per time step, an array (T,), not a single number.",
        }
        norms = expect_array(out, "norms", (T,), "(T,)", shape_hints)
        reference = gradients.gradient_norms_per_step(prob.dh_last, prob.cache)
        compare(
            {"norms": norms},
            {"norms": reference},
            prob.where,
            axes={"norms": ("T",)},
            meaning=_norms_meaning,
        )
    return "norms matches ||dL/dh_t|| for every step on all 3 test cases."


# ---------------------------------------------------------------- clip_by_global_norm


class ClipCase(NamedTuple):
    grads: dict  # name -> float64 array
    max_norm: float
    where: str


def _clip_cases():
    rng = np.random.default_rng(311)
    big = {  # global norm far above 5; W_hh alone is above 5, W_xh and b_h below
        "W_xh": 0.5 * rng.standard_normal((3, 4)),
        "W_hh": 8.0 * rng.standard_normal((4, 4)),
        "b_h": 1.5 * rng.standard_normal(4),
    }
    small = {  # global norm below 5: nothing to clip
        "W_xh": 0.3 * rng.standard_normal((2, 3)),
        "W_hh": 0.4 * rng.standard_normal((3, 3)),
        "b_h": 0.5 * rng.standard_normal(3),
    }
    lstm_like = {  # other names and shapes; global norm about 4, max_norm 1
        "W_x": 0.5 * rng.standard_normal((2, 8)),
        "W_h": 0.6 * rng.standard_normal((2, 8)),
        "b": np.array([0.1, -0.2, 2.0, 0.3, -0.1, 0.2, -0.3, 0.1]),
    }
    return [
        ClipCase(big, 5.0, " in test case 1 of 3 (global norm above max_norm=5)"),
        ClipCase(small, 5.0, " in test case 2 of 3 (global norm below max_norm=5)"),
        ClipCase(lstm_like, 1.0, " in test case 3 of 3 (keys W_x, W_h, b; max_norm=1)"),
    ]


def _norm(g):
    return float(np.sqrt(np.sum(g**2)))


def _clip_variants(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g**2) for g in grads.values())))
    squared = total**2
    summed = sum(_norm(g) for g in grads.values())

    def scaled(factor):
        return {f"clipped[{k!r}]": g * factor for k, g in grads.items()}

    clipped_variants = [
        (
            "each array is clipped by its own norm: clipping by the *global* norm scales all "
            "of them by one factor, `max_norm / total_norm`, where total_norm = "
            "sqrt(sum over every array of np.sum(g**2)).",
            {
                f"clipped[{k!r}]": g * min(1.0, max_norm / _norm(g)) if _norm(g) else g
                for k, g in grads.items()
            },
        ),
        (
            "the gradients are rescaled even though their global norm is below max_norm "
            "(that even makes them longer): clip only when `total_norm > max_norm`; "
            "otherwise return unchanged copies.",
            scaled(max_norm / total),
        ),
        (
            "that is clipping by value, entry by entry (`np.clip`), which changes the "
            "direction: rescale whole arrays by `max_norm / total_norm` instead.",
            {f"clipped[{k!r}]": np.clip(g, -max_norm, max_norm) for k, g in grads.items()},
        ),
        (
            "the scale factor is upside down: multiply by `max_norm / total_norm` (< 1), "
            "not `total_norm / max_norm`.",
            scaled(total / max_norm),
        ),
        (
            "total_norm must be the square root of the sum of squares (`np.sqrt(...)`); "
            "without it the factor max_norm / total_norm is wrong.",
            scaled(max_norm / squared) if squared > max_norm else None,
        ),
        (
            "the global norm is sqrt(sum of all squared entries), not the sum of the arrays' "
            "norms.",
            scaled(max_norm / summed) if summed > max_norm else None,
        ),
    ]
    clipped_variants = [(h, w) for h, w in clipped_variants if w is not None]
    total_variants = [
        (
            "total_norm must be the global norm *before* clipping (it shows how big the "
            "gradient was); you returned the norm after clipping.",
            min(total, max_norm),
        ),
        ("total_norm is the squared norm: take `np.sqrt` of the sum of squares.", squared),
        (
            "the global norm is sqrt(sum of all squared entries), not the sum of the arrays' "
            "norms.",
            summed,
        ),
    ]
    return total, clipped_variants, total_variants


def _diagnose_together(got, expected, variants, where):
    """Like :func:`diagnose_outputs`, but a mistake is named only if it explains every
    output at once (clipping by value and per array both leave small arrays unchanged)."""
    wrong = [label for label in expected if rel_error(got[label], expected[label]) >= TOL]
    if not wrong:
        return
    for hint, outputs in variants:
        if all(rel_error(got[label], outputs[label]) < TOL for label in expected):
            diagnose(wrong[0], got[wrong[0]], expected[wrong[0]], [(hint, got[wrong[0]])], where)
    diagnose(wrong[0], got[wrong[0]], expected[wrong[0]], (), where)


def _as_number(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "fiu":
        return float(value.reshape(()))
    return None


def _check_total(total_norm, expected, variants, where):
    number = _as_number(total_norm)
    if number is None:
        raise CheckFailed(
            f"total_norm is {describe(total_norm)}, but must be a number (the global norm "
            "before clipping).",
            "compute it as one float, e.g. `float(np.sqrt(sum(np.sum(g**2) for g in "
            "grads.values())))`.",
        )
    if abs(number - expected) <= 1e-7 * abs(expected):
        return
    message = f"total_norm is wrong{where}: got {number:.6g}, expected {expected:.6g}."
    for hint, wrong in variants:
        if wrong is not None and abs(number - wrong) <= 1e-7 * abs(wrong):
            raise CheckFailed(message, hint)
    raise CheckFailed(
        message,
        "total_norm is the norm of all gradients together: the square root of the sum, over "
        "every array, of its squared entries.",
    )


def _clip_reference(
    grads,
    max_norm,
    *,
    total_of=None,
    factor_of=None,
    per_array=False,
    by_value=False,
    always=False,
    report_after=False,
    alias=None,
    in_place=False,
):
    """clip_by_global_norm with a mistake switched on by the arguments (the catalogue)."""
    squares = sum(np.sum(g**2) for g in grads.values())
    total = float(np.sqrt(squares)) if total_of is None else float(total_of(grads))
    if by_value:
        clipped = {k: np.clip(g, -max_norm, max_norm) for k, g in grads.items()}
    elif per_array:
        clipped = {k: g * min(1.0, max_norm / _norm(g)) if _norm(g) else g.copy()
                   for k, g in grads.items()}  # fmt: skip
    elif total > max_norm or always:
        scale = max_norm / total if factor_of is None else factor_of(max_norm, total)
        if in_place:
            for g in grads.values():
                g *= scale
            clipped = grads
        else:
            clipped = {k: g * scale for k, g in grads.items()}
    elif alias == "dict":
        clipped = grads
    elif alias == "arrays":
        clipped = dict(grads)
    else:
        clipped = {k: g.copy() for k, g in grads.items()}
    reported = min(total, max_norm) if report_after else total
    return clipped, reported


def clip_catalogue():
    """The typical mistakes of clip_by_global_norm, each a small wrong implementation."""
    case = _clip_cases()[0]
    _, clipped_hints, total_hints = _clip_variants(case.grads, case.max_norm)
    c = [h for h, _ in clipped_hints]
    t = [h for h, _ in total_hints]

    def entry(key, hint, **kw):
        return Mistake(key, hint, lambda grads, max_norm: _clip_reference(grads, max_norm, **kw))

    return [
        entry("per array", c[0], per_array=True),
        entry("always rescale", c[1], always=True),
        entry("by value", c[2], by_value=True),
        entry("factor upside down", c[3], factor_of=lambda m, t: t / m),
        entry("no sqrt", c[4], total_of=lambda g: sum(np.sum(a**2) for a in g.values())),
        entry("sum of norms", c[5], total_of=lambda g: sum(_norm(a) for a in g.values())),
        entry("total after clipping", t[0], report_after=True),
        entry("input dict returned", ALIAS_HINT, alias="dict"),
        entry("in place", IN_PLACE_HINT, in_place=True),
    ]


ALIAS_HINT = (
    "when nothing is clipped, your function returns the grads dict it was given, or a new "
    "dict holding the very same arrays (`dict(grads)` and `{k: g for ...}` copy the dict, "
    "not the arrays). " + COPY_HINT + " Here: `{k: g.copy() for k, g in grads.items()}`."
)
IN_PLACE_HINT = (
    "`g *= scale` changes the caller's gradients in place: build new arrays, "
    "`{k: g * scale for k, g in grads.items()}`."
)


def _clip_probes():
    return [
        Probe(lambda c=c: ((copy_tree(c.grads), c.max_norm), {}), c.where) for c in _clip_cases()
    ]


def _check_copies(clipped, given, where):
    """The result must hold new arrays: not grads itself, nor grads' arrays."""
    if clipped is given:
        raise CheckFailed(f"clipped is the grads dict your function was given{where}.", ALIAS_HINT)
    for key, value in clipped.items():
        if shares_input(value, given):
            raise CheckFailed(
                f"clipped[{key!r}] is (or shares memory with) an array of grads{where}.",
                ALIAS_HINT,
            )


@named_checker("clip_by_global_norm", clip_catalogue, _clip_probes)
def clip_by_global_norm(fn):
    """Check ``fn(grads, max_norm) -> (clipped, total_norm)`` against rnncourse.clipping."""
    hints = [
        (AttributeError, "items", "grads is a dict: loop over `grads.items()`."),
        (KeyError, "", "use the keys of the grads dict you are given; do not assume names "
         "such as 'W_hh' (test case 3 has W_x, W_h and b)."),
    ]  # fmt: skip
    for case in _clip_cases():
        keys = tuple(case.grads)
        originals = {"grads": case.grads}
        given = copy_tree(originals)
        out = call(fn, given["grads"], case.max_norm, hints=hints)
        clipped, total_norm = expect_tuple(out, ("clipped", "total_norm"))
        expect_unchanged(originals, given)
        clipped = expect_keys(clipped, "clipped", keys)
        for key in keys:
            shape = case.grads[key].shape
            expect_array(clipped[key], f"clipped[{key!r}]", shape, f"the shape of grads[{key!r}]")
        want, want_total = clipping.clip_by_global_norm(case.grads, case.max_norm)
        _, clipped_variants, total_variants = _clip_variants(case.grads, case.max_norm)
        got = {f"clipped[{k!r}]": clipped[k] for k in keys}
        expected = {f"clipped[{k!r}]": want[k] for k in keys}
        _diagnose_together(got, expected, clipped_variants, case.where)
        _check_total(total_norm, want_total, total_variants, case.where)
        _check_copies(clipped, given["grads"], case.where)
    return "clipped (new arrays) and total_norm match the reference on all 3 test cases."
