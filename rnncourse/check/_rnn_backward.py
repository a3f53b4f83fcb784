"""Checkers for the vanilla RNN backward passes: one step and backpropagation through time.

The caches are made by :mod:`rnncourse.rnn`'s own forward functions, so only the
learner's backward code is under test.
"""

import numpy as np

from .. import rnn
from ._harness import (
    MATMUL_HINT,
    call,
    copy_tree,
    expect_array,
    expect_keys,
    expect_tuple,
    expect_unchanged,
)
from ._named import Mistake, Probe, check_float32, compare, named_checker, to_float32
from ._rnn import KEYS, PARAMS_HINT, SEQ_CACHE_HINT, STEP_CACHE_HINT, problems

# ---------------------------------------------------------------- rnn_step_backward


def _step_outputs(da, x_t, h_prev, p):
    """What one backward step returns for a given da = dL/da_t, keyed by label."""
    return {
        "dx_t": da @ p["W_xh"].T,  # (N, H) @ (H, D) -> (N, D)
        "dh_prev": da @ p["W_hh"].T,  # (N, H) @ (H, H) -> (N, H)
        "grads['W_xh']": x_t.T @ da,  # (D, N) @ (N, H) -> (D, H)
        "grads['W_hh']": h_prev.T @ da,  # (H, N) @ (N, H) -> (H, H)
        "grads['b_h']": da.sum(axis=0),  # (H,)
    }


def _step_backward_variants(dh_t, cache, square=None):
    x_t, h_prev, h_t, p, _ = cache
    W, U = p["W_xh"], p["W_hh"]
    a_t = x_t @ W + h_prev @ U + p["b_h"]
    da = dh_t * (1 - h_t**2)

    def wrong_da(hint, bad_da):
        return hint, _step_outputs(bad_da, x_t, h_prev, p)

    variants = [
        wrong_da("the tanh derivative is missing: `da = dh_t * (1 - h_t**2)` first.", dh_t),
        wrong_da(
            "`(1 - h_t)**2` is not the tanh derivative: use `1 - h_t**2`.", dh_t * (1 - h_t) ** 2
        ),
        wrong_da(
            "h_t is already tanh(a_t), so tanh'(a_t) = `1 - h_t**2`, not `1 - np.tanh(h_t)**2`.",
            dh_t * (1 - np.tanh(h_t) ** 2),
        ),
        wrong_da(
            "`1 - a_t**2` uses the pre-activation: tanh'(a_t) = 1 - tanh(a_t)**2 = `1 - h_t**2`.",
            dh_t * (1 - a_t**2),
        ),
        wrong_da(
            "the tanh derivative is taken at h_prev: use this step's output, `1 - h_t**2`.",
            dh_t * (1 - h_prev**2),
        ),
        wrong_da(
            "`h_t * (1 - h_t)` is the sigmoid's derivative; tanh's is `1 - h_t**2`.",
            dh_t * h_t * (1 - h_t),
        ),
        (
            "dW_hh pairs da with the state that was multiplied by W_hh: `h_prev.T @ da`, not h_t.",
            {"grads['W_hh']": h_t.T @ da},
        ),
        (
            "dW_hh is transposed: `h_prev.T @ da`, (H, N) @ (N, H).",
            {"grads['W_hh']": da.T @ h_prev},
        ),
        (
            "a bias shared by the whole batch gets the sum of its gradients: "
            "`da.sum(axis=0)`, not the mean.",
            {"grads['b_h']": da.mean(axis=0)},
        ),
        (
            "dh_prev is missing the transpose: the forward product h_prev @ W_hh goes back as "
            "`da @ W_hh.T`.",
            {"dh_prev": da @ U},
        ),
        ("dh_prev must go back through the weights: `da @ W_hh.T`.", {"dh_prev": da}),
    ]
    if square or (square is None and W.shape[0] == W.shape[1]):  # runs only when D == H
        variants += [
            (
                "dx_t and dh_prev are swapped: dx_t = `da @ W_xh.T`, dh_prev = `da @ W_hh.T`, "
                "returned as (dx_t, dh_prev, grads).",
                {"dx_t": da @ U.T, "dh_prev": da @ W.T},
            ),
            (
                "dx_t is missing the transpose: the forward product x_t @ W_xh goes back as "
                "`da @ W_xh.T`.",
                {"dx_t": da @ W},
            ),
            ("dW_xh is transposed: `x_t.T @ da`, (D, N) @ (N, H).", {"grads['W_xh']": da.T @ x_t}),
        ]
    return variants


def _grad_shape_hints(N, D, H):
    summed = "db_h must be summed over the batch: `da.sum(axis=0)` has shape (H,)."
    return {
        "W_xh": {(H, D): "dW_xh is transposed: `x_t.T @ da`, (D, N) @ (N, H) -> (D, H)."},
        "W_hh": {},
        "b_h": {
            (N, H): summed,
            (N,): "db_h is summed over the wrong axis: the batch is axis 0.",
            (1, H): "drop `keepdims=True`: db_h has shape (H,), like b_h.",
        },
    }


def _check_grads(grads, N, D, H):
    grads = expect_keys(grads, "grads", KEYS)
    shapes = {"W_xh": ((D, H), "(D, H)"), "W_hh": ((H, H), "(H, H)"), "b_h": ((H,), "(H,)")}
    shape_hints = _grad_shape_hints(N, D, H)
    for key in KEYS:
        shape, dims = shapes[key]
        expect_array(grads[key], f"grads[{key!r}]", shape, dims, shape_hints[key])
    return grads


def _as_step_outputs(out):
    return out["dx_t"], out["dh_prev"], {key: out[f"grads[{key!r}]"] for key in KEYS}


def step_backward_catalogue():
    """The typical mistakes of rnn_step_backward, each a small wrong implementation: the
    entries of :func:`_step_backward_variants`, made into functions of (dh_t, cache)."""
    prob = problems(step=True)[0]  # D == H: every variant is made there
    _, cache = rnn.rnn_step_forward(prob.x[:, 0], prob.h0, prob.params)
    hints = [hint for hint, _ in _step_backward_variants(prob.dh[:, 0], cache)]
    square_only = (  # the wrong code of the last three variants, which need D == H to run
        lambda da, x_t, W, U: {"dx_t": da @ U.T, "dh_prev": da @ W.T},
        lambda da, x_t, W, U: {"dx_t": da @ W},
        lambda da, x_t, W, U: {"grads['W_xh']": da.T @ x_t},
    )
    base = len(hints) - len(square_only)

    def entry(k):
        def fn(dh_t, cache):
            x_t, h_prev, h_t, p, _ = cache
            da = dh_t * (1 - h_t**2)
            if k < base:
                changed = _step_backward_variants(dh_t, cache, square=False)[k][1]
            else:
                changed = square_only[k - base](da, x_t, p["W_xh"], p["W_hh"])
            return _as_step_outputs(_step_outputs(da, x_t, h_prev, p) | changed)

        return Mistake(f"step backward {k}", hints[k], fn)

    return [entry(k) for k in range(len(hints))]


def _step_backward_probes():
    out = []
    for p in problems(step=True, probes=True):
        _, cache = rnn.rnn_step_forward(p.x[:, 0], p.h0, p.params)
        out.append(Probe(lambda p=p, cache=cache: ((p.dh[:, 0], copy_tree(cache)), {}), p.where))
    return out


def _grads_only(out):
    *states, grads = out
    return (*states, {key: grads[key] for key in KEYS})


def _step_backward_meaning(wrong, right):
    if wrong and all(k.startswith("grads") for k in wrong):
        return (
            "dx_t and dh_prev are right, so da is right: look at the products that make the "
            "weight gradients (`x_t.T @ da`, `h_prev.T @ da`, `da.sum(axis=0)`)."
        )
    if "dx_t" in wrong and "dh_prev" in wrong and not [k for k in wrong if "grads" in k]:
        return "The weight gradients are right, so da is right: look at the two products da @ W.T."
    return (
        "Start with da = dh_t * (1 - h_t**2), the gradient before the tanh; every output uses it."
    )


@named_checker(
    "rnn_step_backward", step_backward_catalogue, _step_backward_probes, project=_grads_only
)
def rnn_step_backward(fn):
    """Check ``fn(dh_t, cache) -> (dx_t, dh_prev, grads)`` against rnncourse.rnn."""
    for prob in problems(step=True):
        x_t, h_prev, dh_t = prob.x[:, 0], prob.h0, prob.dh[:, 0]
        N, D, H = x_t.shape[0], x_t.shape[1], h_prev.shape[1]
        _, cache = rnn.rnn_step_forward(x_t, h_prev, prob.params)
        originals = {"dh_t": dh_t, "cache": cache}
        given = copy_tree(originals)
        hints = [
            PARAMS_HINT,
            (AttributeError, "RNNStepCache", STEP_CACHE_HINT),
            (ValueError, "values to unpack", STEP_CACHE_HINT),
        ]
        out = call(fn, given["dh_t"], given["cache"], hints=hints)
        dx_t, dh_prev, grads = expect_tuple(out, ("dx_t", "dh_prev", "grads"))
        expect_unchanged(originals, given)
        expect_array(dx_t, "dx_t", (N, D), "(N, D)", {(D, N): MATMUL_HINT})
        expect_array(dh_prev, "dh_prev", (N, H), "(N, H)", {(H, N): MATMUL_HINT})
        grads = _check_grads(grads, N, D, H)
        dx_ref, dh_prev_ref, grads_ref = rnn.rnn_step_backward(dh_t, cache)
        got = {"dx_t": dx_t, "dh_prev": dh_prev}
        expected = {"dx_t": dx_ref, "dh_prev": dh_prev_ref}
        for key in KEYS:
            got[f"grads[{key!r}]"] = grads[key]
            expected[f"grads[{key!r}]"] = grads_ref[key]
        compare(got, expected, prob.where, meaning=_step_backward_meaning)
    return "dx_t, dh_prev and all three gradients match the reference on all 3 test cases."


# ---------------------------------------------------------------- rnn_backward


def _bptt(dh, cache, mode="full"):
    """Outputs of BPTT keyed by label, with the mistake ``mode`` built in.

    mode: "full" (right, as rnncourse.rnn.rnn_backward), "no_future" (dh_next never
    added), "no_upstream" (dh[:, t] added only at T-1), "forward" (loop runs t = 0..T-1),
    "first_only" / "last_only" (parameter gradients of one step, assigned, not accumulated).
    """
    N, T, D = cache.x_shape
    dx = np.zeros((N, T, D))
    grads = {key: np.zeros_like(cache.steps[0].params[key]) for key in KEYS}
    per_step = {}
    dh_next = dh_prev = np.zeros_like(dh[:, 0])
    order = range(T) if mode == "forward" else reversed(range(T))
    if mode == "skip_first":
        order = range(T - 1, 0, -1)
    for t in order:
        upstream = dh[:, t] if mode != "no_upstream" or t == T - 1 else 0
        future = dh_next if mode != "no_future" else 0
        dx_t, dh_prev, per_step[t] = rnn.rnn_step_backward(upstream + future, cache.steps[t])
        dx[:, (t - 1) % T if mode == "dx_off_by_one" else t] = dx_t
        dh_next = dh_prev
        for key in KEYS:
            grads[key] += per_step[t][key]
    if mode in ("first_only", "last_only"):
        grads = per_step[0 if mode == "first_only" else T - 1]
    if mode == "mean":
        grads = {key: value / T for key, value in grads.items()}
    out = {"dx": dx, "dh0": dh_prev}
    out.update({f"grads[{key!r}]": grads[key] for key in KEYS})
    return out


def _bptt_variants(dh, cache):
    not_added = (
        "the parameter gradients hold one step only: the weights are shared by every step, "
        "so add up each step's gradients (start from zeros, then `grads[k] += step_grads[k]`)."
    )
    return [
        (not_added, {k: v for k, v in _bptt(dh, cache, "first_only").items() if "grads" in k}),
        (not_added, {k: v for k, v in _bptt(dh, cache, "last_only").items() if "grads" in k}),
        (
            "each step uses only dh[:, t]: add the gradient coming from the future, "
            "`dh_t = dh[:, t] + dh_next`, where dh_next is the dh_prev of step t+1.",
            _bptt(dh, cache, "no_future"),
        ),
        (
            "the output gradient dh[:, t] is used only at the last step: add it at every "
            "step, `dh_t = dh[:, t] + dh_next`.",
            _bptt(dh, cache, "no_upstream"),
        ),
        (
            "the loop runs forward in time: backpropagation starts at the last step, "
            "`for t in reversed(range(T))`.",
            _bptt(dh, cache, "forward"),
        ),
        (
            "dh0 is the dh_prev of step t = 0, the last dh_next of the backward loop.",
            {"dh0": np.zeros_like(dh[:, 0])},
        ),
    ]


_BPTT_MODES = ("first_only", "last_only", "no_future", "no_upstream", "forward", "dh0_zero")


def backward_catalogue():
    """The typical mistakes of rnn_backward, each a small wrong implementation."""
    prob = problems()[0]
    _, cache = rnn.rnn_forward(prob.x, prob.h0, prob.params)
    hints = [hint for hint, _ in _bptt_variants(prob.dh, cache)]

    def entry(mode, hint):
        def fn(dh, cache):
            if mode == "dh0_zero":
                out = _bptt(dh, cache) | {"dh0": np.zeros_like(dh[:, 0])}
            else:
                out = _bptt(dh, cache, mode)
            return out["dx"], out["dh0"], {key: out[f"grads[{key!r}]"] for key in KEYS}

        return Mistake(mode, hint, fn)

    extra = [
        (
            "mean",
            "the weight gradients are T times too small: the loss is a sum over the steps, so "
            "their gradients add up over time (`+=`), with no division by T.",
        ),
        (
            "dx_off_by_one",
            "dx is stored one step too early (`dx[:, t - 1] = dx_t`): step t's dx_t belongs at "
            "`dx[:, t]`.",
        ),
        (
            "skip_first",
            "the loop stops before t = 0: `for t in reversed(range(T))` ends with step 0, whose "
            "dh_prev is dh0.",
        ),
    ]
    return [entry(m, h) for m, h in zip(_BPTT_MODES, hints, strict=True)] + [
        entry(m, h) for m, h in extra
    ]


def _backward_probes():
    out = []
    for p in problems(probes=True):
        _, cache = rnn.rnn_forward(p.x, p.h0, p.params)
        out.append(Probe(lambda p=p, cache=cache: ((p.dh, copy_tree(cache)), {}), p.where))
    return out


def _backward_meaning(wrong, right):
    grads = [k for k in wrong if k.startswith("grads")]
    if wrong == ["dx"]:
        return (
            "dh0 and the weight gradients are right, so every step got the right gradient: "
            "dx is stored at the wrong place (`dx[:, t] = dx_t`)."
        )
    if grads and not set(wrong) - set(grads):
        return (
            "dx and dh0 are right, so every step is right: look at how the steps' weight "
            "gradients are added up (from zeros, `+=` at every step)."
        )
    return (
        "Look at what each step receives: `dh_t = dh[:, t] + dh_next`, with dh_next the "
        "dh_prev of step t+1 (zeros after the last step). If your rnn_backward calls your own "
        "rnn_step_backward, run `check.rnn_step_backward` on it first."
    )


@named_checker("rnn_backward", backward_catalogue, _backward_probes, project=_grads_only)
def rnn_backward(fn):
    """Check ``fn(dh, cache) -> (dx, dh0, grads)`` against rnncourse.rnn."""
    for prob in problems(probes=True):  # with the N = 1 and T = 1 corners
        N, T, D = prob.x.shape
        H = prob.h0.shape[1]
        _, cache = rnn.rnn_forward(prob.x, prob.h0, prob.params)
        originals = {"dh": prob.dh, "cache": cache}
        given = copy_tree(originals)
        hints = [
            PARAMS_HINT,
            (AttributeError, "RNNCache", SEQ_CACHE_HINT),
            (TypeError, "RNNStepCache", "pass one step's cache: `cache.steps[t]`."),
            (
                ValueError,
                "dh_t has shape",
                "each step gets an (N, H) gradient: `dh[:, t] + dh_next`.",
            ),
        ]
        out = call(fn, given["dh"], given["cache"], hints=hints)
        dx, dh0, grads = expect_tuple(out, ("dx", "dh0", "grads"))
        expect_unchanged(originals, given)
        expect_array(
            dx, "dx", (N, T, D), "(N, T, D)", {(T, N, D): "dx is time-major: `dx[:, t] = dx_t`."}
        )
        expect_array(dh0, "dh0", (N, H), "(N, H)", {(N, T, H): "dh0 is the gradient of h0 only."})
        grads = _check_grads(grads, N, D, H)
        dx_ref, dh0_ref, grads_ref = rnn.rnn_backward(prob.dh, cache)
        got = {"dx": dx, "dh0": dh0}
        got.update({f"grads[{key!r}]": grads[key] for key in KEYS})
        expected = {"dx": dx_ref, "dh0": dh0_ref}
        expected.update({f"grads[{key!r}]": grads_ref[key] for key in KEYS})
        compare(
            got,
            expected,
            prob.where,
            axes={"dx": ("N", "T", "D")},
            sizes={"T": T},
            meaning=_backward_meaning,
        )
    prob = problems()[1]
    _, cache32 = rnn.rnn_forward(*to_float32((prob.x, prob.h0, prob.params)))
    dh32 = prob.dh.astype(np.float32)
    check_float32(fn, (dh32, cache32), rnn.rnn_backward(dh32, cache32), ("dx", "dh0", "grads"))
    return (
        "dx, dh0 and all three gradients match the reference on all 5 test cases "
        "(N = 1 and T = 1 included), and with float32 inputs."
    )
