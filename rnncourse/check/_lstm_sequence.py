"""Checkers for the LSTM at the sequence level (chapter 4): lstm_forward and lstm_backward.

As in CS231n's assignment, the sequence functions only loop over the step functions: forward
carries (h_t, c_t) from step to step and keeps every step's cache; backward walks the steps in
reverse, adding the gradient that comes back through h_{t+1} to the output's and carrying
dc_{t+1} into the step before. The checkers run four fixed problems (D != H, N != T, one with
T = 1 and one with N = 1), compare with :mod:`rnncourse.lstm`, check the cache of the forward
pass with the package's backward, and name a mistake from the catalogue only when the
learner's outputs equal that mistake's on every probe.
"""

from typing import NamedTuple

import numpy as np

from .. import lstm
from ._harness import CheckFailed, call, copy_tree, expect_array, expect_tuple, expect_unchanged
from ._lstm import CACHE_FIELDS, KEYS, PARAMS_HINT, _check_grads
from ._named import (
    Mistake,
    Probe,
    check_float32,
    check_step_cache,
    compare,
    named_checker,
    to_float32,
)

SEQ_CACHE_HINT = (
    "the cache is an LSTMCache with the fields `steps` (one LSTMStepCache per time step, "
    "`cache.steps[t]`) and `x_shape` (N, T, D)."
)
STEP_FIRST = " (If your function calls your step function, run that step's check first.)"


class Problem(NamedTuple):
    x: np.ndarray  # (N, T, D)
    h0: np.ndarray  # (N, H)
    c0: np.ndarray  # (N, H), nonzero
    params: dict  # W_x (D, 4H), W_h (H, 4H), b (4H,)
    dh: np.ndarray  # (N, T, H) upstream gradient
    where: str


# (seed, N, T, D, H): N, T, D and H differ within each case; T = 1 and N = 1 corners.
_SIZES = ((411, 2, 4, 3, 5), (412, 3, 5, 4, 2), (413, 4, 1, 2, 3), (414, 1, 3, 5, 4))


def problems():
    """The four fixed test problems."""
    out = []
    for k, (seed, N, T, D, H) in enumerate(_SIZES, start=1):
        rng = np.random.default_rng(seed)
        params = {
            "W_x": 0.5 * rng.standard_normal((D, 4 * H)),
            "W_h": 0.5 * rng.standard_normal((H, 4 * H)),
            "b": 0.5 * rng.standard_normal(4 * H),
        }
        x = rng.standard_normal((N, T, D))
        h0 = np.tanh(rng.standard_normal((N, H)))
        c0 = rng.standard_normal((N, H))
        dh = rng.standard_normal((N, T, H))
        where = f" in test case {k} of {len(_SIZES)} (N={N}, T={T}, D={D}, H={H})"
        out.append(Problem(x, h0, c0, params, dh, where))
    return out


def _sizes(prob):
    """Only T: a factor of T is a sum over steps where a mean was meant (or the reverse);
    a factor that happens to equal N, D or H would be a coincidence, not a diagnosis."""
    return {"T": prob.x.shape[1]}


# ---------------------------------------------------------------- lstm_forward

step = lstm.lstm_step_forward


def _run(x, h0, c0, params, *, carry_h=True, carry_c=True, order=None, swap_hc=False):
    """h (N, T, H) of a forward loop, with a mistake switched on by the arguments."""
    N, T, _ = x.shape
    h = np.zeros((N, T, h0.shape[1]))
    h_t, c_t = h0, c0
    for t in order if order is not None else range(T):
        h_in, c_in = (h_t if carry_h else h0), (c_t if carry_c else c0)
        if swap_hc:
            h_in, c_in = c_in, h_in
        h_t, c_t, _ = step(x[:, t], h_in, c_in, params)
        h[:, t] = h_t
    return h


def _forward_fns():
    def shifted(x, h0, c0, params):
        h = _run(x, h0, c0, params)
        return np.concatenate([h0[:, None], h[:, :-1]], axis=1)

    def last_only(x, h0, c0, params):
        h = _run(x, h0, c0, params)
        out = np.zeros_like(h)
        out[:, -1] = h[:, -1]
        return out

    def cells(x, h0, c0, params):
        out, h_t, c_t = [], h0, c0
        for t in range(x.shape[1]):
            h_t, c_t, _ = step(x[:, t], h_t, c_t, params)
            out.append(c_t)
        return np.stack(out, axis=1)

    def skip_first(x, h0, c0, params):
        h = np.zeros((x.shape[0], x.shape[1], h0.shape[1]))
        h_t, c_t = h0, c0
        for t in range(1, x.shape[1]):
            h_t, c_t, _ = step(x[:, t], h_t, c_t, params)
            h[:, t] = h_t
        return h

    return [
        (
            "no carry",
            "every step starts from h0 and c0: feed the new states back in, "
            "`h_t, c_t, step_cache = lstm_step_forward(x[:, t], h_t, c_t, params)`.",
            lambda x, h0, c0, p: _run(x, h0, c0, p, carry_h=False, carry_c=False),
        ),
        (
            "c not carried",
            "the cell state is not carried: every step gets c0. Carry c_t like h_t, "
            "`h_t, c_t, step_cache = lstm_step_forward(x[:, t], h_t, c_t, params)`.",
            lambda x, h0, c0, p: _run(x, h0, c0, p, carry_c=False),
        ),
        (
            "h not carried",
            "the hidden state is not carried: every step gets h0. Carry h_t like c_t.",
            lambda x, h0, c0, p: _run(x, h0, c0, p, carry_h=False),
        ),
        (
            "h and c swapped",
            "h_t and c_t are passed to the step in the wrong order: it takes "
            "`(x_t, h_prev, c_prev, params)`.",
            lambda x, h0, c0, p: _run(x, h0, c0, p, swap_hc=True),
        ),
        (
            "store off by one",
            "off by one: h[:, t] holds the state before step t (h0 comes first). Store the new "
            "state after the step: `h[:, t] = h_t`.",
            shifted,
        ),
        (
            "last only",
            "only h[:, -1] is filled: store every new state, `h[:, t] = h_t`.",
            last_only,
        ),
        (
            "backwards",
            "the loop runs backward in time: the forward pass goes t = 0, 1, ..., T-1.",
            lambda x, h0, c0, p: _run(x, h0, c0, p, order=range(x.shape[1] - 1, -1, -1)),
        ),
        (
            "cell states",
            "h holds the cell states c_t: the layer's output is the hidden state, `h[:, t] = h_t`.",
            cells,
        ),
        (
            "skipped first step",
            "the first step is skipped: the loop must start at t = 0, `for t in range(T)`.",
            skip_first,
        ),
    ]


def forward_catalogue():
    """The typical mistakes of lstm_forward, each a small wrong implementation returning h."""
    return [Mistake(key, hint, fn) for key, hint, fn in _forward_fns()]


def _forward_probes():
    return [Probe(lambda p=p: ((p.x, p.h0, p.c0, p.params), {}), p.where) for p in problems()]


def _h_only(out):
    h, _ = out
    return h


def _forward_meaning(wrong, right):
    return (
        "The loop carries (h_t, c_t) from one step to the next and stores each new h_t at "
        "h[:, t]; if h[:, 0] is right and later steps are wrong, look at what is carried."
        + STEP_FIRST
    )


def check_sequence_cache(cache, x, h0, c0, params, dh, where):
    """The cache of lstm_forward: an LSTMCache whose steps match the package's, and that the
    package's lstm_backward turns into the right gradients."""
    if not isinstance(cache, lstm.LSTMCache):
        hint = "return `lstm.LSTMCache(steps, x.shape)`, with steps the list of the T step caches."
        if isinstance(cache, list):
            hint = "the list of step caches goes into `lstm.LSTMCache(caches, x.shape)`."
        raise CheckFailed(f"h is right, but the cache is not an LSTMCache{where}.", hint)
    _, want = lstm.lstm_forward(x, h0, c0, params)
    T = x.shape[1]
    if tuple(cache.x_shape) != x.shape:
        raise CheckFailed(
            f"h is right, but cache.x_shape is {cache.x_shape}, not x.shape = {x.shape}{where}.",
            "store the input's shape: `lstm.LSTMCache(caches, x.shape)`.",
        )
    if not isinstance(cache.steps, list | tuple) or len(cache.steps) != T:
        n = len(cache.steps) if isinstance(cache.steps, list | tuple) else "no"
        raise CheckFailed(
            f"h is right, but cache.steps holds {n} step caches, not T = {T}{where}.",
            "append each step's cache in the loop: `caches.append(step_cache)`, one per step.",
        )
    for t in range(T):
        check_step_cache(
            cache.steps[t], want.steps[t], where, lstm.LSTMStepCache, CACHE_FIELDS, f".steps[{t}]"
        )
    got = lstm.lstm_backward(dh, cache)
    ref = lstm.lstm_backward(dh, want)
    for label, a, b in zip(("dx", "dh0", "dc0"), got, ref, strict=False):
        if not np.allclose(a, b, rtol=1e-7, atol=1e-12):
            raise CheckFailed(
                f"h is right, but lstm.lstm_backward gives a wrong {label} from your cache{where}.",
                "the step caches must be in time order, cache.steps[t] for step t.",
            )


@named_checker("lstm_forward", forward_catalogue, _forward_probes, project=_h_only)
def lstm_forward(fn):
    """Check ``fn(x, h0, c0, params) -> (h, cache)``: h, and the cache (an LSTMCache that the
    package's lstm_backward can use)."""
    for prob in problems():
        N, T, D = prob.x.shape
        H = prob.h0.shape[1]
        originals = {"x": prob.x, "h0": prob.h0, "c0": prob.c0, "params": prob.params}
        given = copy_tree(originals)
        hints = [
            PARAMS_HINT,
            (ValueError, "x_t", "a step takes `x[:, t]` (N, D); `x[t]` would be sequence t."),
        ]
        out = call(fn, given["x"], given["h0"], given["c0"], given["params"], hints=hints)
        h, cache = expect_tuple(out, ("h", "cache"), "return the cache too: `return h, cache`.")
        expect_unchanged(originals, given)
        shape_hints = {
            (N, H): "only the last hidden state is returned: store every h_t, `h[:, t] = h_t`.",
            (T, N, H): "h is time-major: the course is batch-major, `h[:, t] = h_t`.",
            (N, T + 1, H): "h has T + 1 states: h0 is the input state, not an output.",
        }
        expect_array(h, "h", (N, T, H), "(N, T, H)", shape_hints)
        want, _ = lstm.lstm_forward(prob.x, prob.h0, prob.c0, prob.params)
        compare(
            {"h": h},
            {"h": want},
            prob.where,
            axes={"h": ("N", "T", "H")},
            sizes=_sizes(prob),
            meaning=_forward_meaning,
        )
        check_sequence_cache(cache, prob.x, prob.h0, prob.c0, prob.params, prob.dh, prob.where)
    prob = problems()[0]
    args = (prob.x, prob.h0, prob.c0, prob.params)
    want, _ = lstm.lstm_forward(*to_float32(args))
    check_float32(fn, args, (want,), ("h",), hints=[PARAMS_HINT])
    return (
        "h and the cache match the reference on all 4 test cases (T = 1 and N = 1 included), "
        "and h with float32 inputs."
    )


# ---------------------------------------------------------------- lstm_backward

back = lstm.lstm_step_backward


def _bptt(dh, cache, *, carry_h=True, carry_c=True, upstream="all", order="reverse",
          grads="sum", dx_at=0, skip_first=False):  # fmt: skip
    """(dx, dh0, dc0, grads) of a backward loop with a mistake switched on by the arguments."""
    N, T, D = cache.x_shape
    H = cache.steps[0].c_t.shape[1]
    dx = np.zeros((N, T, D))
    total = {key: np.zeros_like(cache.steps[0].params[key]) for key in KEYS}
    per_step = {}
    dh_next, dc_next = np.zeros((N, H)), np.zeros((N, H))
    steps = range(T) if order == "forward" else range(T - 1, 0 if skip_first else -1, -1)
    for t in steps:
        up = dh[:, t] if upstream == "all" or t == T - 1 else 0
        dh_t = up + (dh_next if carry_h else 0)
        dx_t, dh_prev, dc_prev, per_step[t] = back(dh_t, dc_next if carry_c else 0 * dc_next,
                                                   cache.steps[t])  # fmt: skip
        dx[:, (t + dx_at) % T] = dx_t  # dx_at = -1: the off-by-one `dx[:, t - 1]`
        dh_next, dc_next = dh_prev, dc_prev
        for key in KEYS:
            total[key] = total[key] + per_step[t][key]
    if grads == "first":
        total = per_step[min(per_step)]
    elif grads == "last":
        total = per_step[max(per_step)]
    elif grads == "mean":
        total = {key: v / T for key, v in total.items()}
    return dx, dh_next, dc_next, total


def backward_catalogue():
    """The typical mistakes of lstm_backward, each a small wrong implementation."""
    accumulate = (
        "the weight gradients hold one step only: the weights are shared by every step, so "
        "add up each step's gradients (start from zeros, then `grads[k] += step_grads[k]`)."
    )
    entries = [
        (
            "no dh carry",
            "each step uses only dh[:, t]: add the gradient coming back from step t+1, "
            "`dh_t = dh[:, t] + dh_next`, where dh_next is the dh_prev of step t+1.",
            {"carry_h": False},
        ),
        (
            "no dc carry",
            "the cell's gradient is not carried: each step gets dc_t = 0. Pass the dc_prev of "
            "step t+1 on as the dc_t of step t (it starts as zeros after the last step).",
            {"carry_c": False},
        ),
        (
            "upstream only at the end",
            "the output gradient dh[:, t] is used only at the last step: add it at every step, "
            "`dh_t = dh[:, t] + dh_next`.",
            {"upstream": "last"},
        ),
        (
            "loop forward",
            "the loop runs forward in time: backpropagation starts at the last step, "
            "`for t in reversed(range(T))`.",
            {"order": "forward"},
        ),
        ("grads of the first step", accumulate, {"grads": "first"}),
        ("grads of the last step", accumulate, {"grads": "last"}),
        (
            "mean over time",
            "the weight gradients are T times too small: the loss is a sum over steps, so their "
            "gradients add up over time (`+=`), no division by T.",
            {"grads": "mean"},
        ),
        (
            "dx off by one",
            "dx is stored one step too early (`dx[:, t - 1] = dx_t`): step t's dx_t belongs at "
            "`dx[:, t]`.",
            {"dx_at": -1},
        ),
        (
            "skipped first step",
            "the loop stops before t = 0: `for t in reversed(range(T))` ends with step 0, whose "
            "dh_prev is dh0.",
            {"skip_first": True},
        ),
    ]
    out = [
        Mistake(key, hint, lambda dh, cache, kw=kw: _bptt(dh, cache, **kw))
        for key, hint, kw in entries
    ]
    out.append(
        Mistake(
            "dh0 zero",
            "dh0 is the dh_prev of step t = 0, the last dh_next of the loop: return it.",
            lambda dh, cache: _with(_bptt(dh, cache), 1, np.zeros_like(dh[:, 0])),
        )
    )
    out.append(
        Mistake(
            "dc0 zero",
            "dc0 is the dc_prev of step t = 0, the last dc_next of the loop: return it.",
            lambda dh, cache: _with(_bptt(dh, cache), 2, np.zeros_like(dh[:, 0])),
        )
    )
    out.append(
        Mistake(
            "dh0 and dc0 swapped",
            "dh0 and dc0 are swapped: return `dx, dh0, dc0, grads`.",
            lambda dh, cache: _swap(_bptt(dh, cache), 1, 2),
        )
    )
    return out


def _with(out, k, value):
    out = list(out)
    out[k] = value
    return tuple(out)


def _swap(out, a, b):
    out = list(out)
    out[a], out[b] = out[b], out[a]
    return tuple(out)


def _caches():
    out = []
    for prob in problems():
        _, cache = lstm.lstm_forward(prob.x, prob.h0, prob.c0, prob.params)
        out.append((prob, cache))
    return out


def _backward_probes():
    return [Probe(lambda p=p, c=c: ((p.dh, copy_tree(c)), {}), p.where) for p, c in _caches()]


def _grads_only(out):
    dx, dh0, dc0, grads = out
    return dx, dh0, dc0, {key: grads[key] for key in KEYS}


def _backward_meaning(wrong, right):
    grads = [k for k in wrong if k.startswith("grads")]
    if wrong == ["dx"]:
        return (
            "dh0, dc0 and the weight gradients are right, so every step got the right "
            "gradients: dx is stored at the wrong place (`dx[:, t] = dx_t`)."
        )
    if grads and not set(wrong) - set(grads):
        return (
            "dx, dh0 and dc0 are right, so every step is right: look at how the steps' weight "
            "gradients are added up (from zeros, `+=` at every step)."
        )
    if "dc0" in wrong and "dh0" not in wrong:
        return (
            "Among the states only dc0 is wrong: carry the cell's gradient, the dc_prev of "
            "step t+1 is the dc_t of step t."
        )
    return (
        "Look at what each step receives: `dh_t = dh[:, t] + dh_next` and `dc_next`, both "
        "from step t+1 (zeros after the last step)." + STEP_FIRST
    )


@named_checker("lstm_backward", backward_catalogue, _backward_probes, project=_grads_only)
def lstm_backward(fn):
    """Check ``fn(dh, cache) -> (dx, dh0, dc0, grads)`` against rnncourse.lstm, with caches
    from the package's lstm_forward."""
    for prob, cache in _caches():
        N, T, D = prob.x.shape
        H = prob.h0.shape[1]
        originals = {"dh": prob.dh, "cache": cache}
        given = copy_tree(originals)
        hints = [
            PARAMS_HINT,
            (AttributeError, "LSTMCache", SEQ_CACHE_HINT),
            (TypeError, "LSTMStepCache", "pass one step's cache: `cache.steps[t]`."),
            (
                ValueError,
                "dh_t has shape",
                "each step gets an (N, H) gradient: `dh[:, t] + dh_next`.",
            ),
        ]
        out = call(fn, given["dh"], given["cache"], hints=hints)
        dx, dh0, dc0, grads = expect_tuple(out, ("dx", "dh0", "dc0", "grads"))
        expect_unchanged(originals, given)
        expect_array(dx, "dx", (N, T, D), "(N, T, D)")
        expect_array(dh0, "dh0", (N, H), "(N, H)")
        expect_array(dc0, "dc0", (N, H), "(N, H)")
        grads = _check_grads(grads, N, D, H)
        dx_ref, dh0_ref, dc0_ref, grads_ref = lstm.lstm_backward(prob.dh, cache)
        got = {"dx": dx, "dh0": dh0, "dc0": dc0}
        expected = {"dx": dx_ref, "dh0": dh0_ref, "dc0": dc0_ref}
        for key in KEYS:
            got[f"grads[{key!r}]"] = grads[key]
            expected[f"grads[{key!r}]"] = grads_ref[key]
        compare(
            got,
            expected,
            prob.where,
            axes={"dx": ("N", "T", "D")},
            sizes=_sizes(prob),
            meaning=_backward_meaning,
        )
    prob = problems()[0]
    _, cache32 = lstm.lstm_forward(*to_float32((prob.x, prob.h0, prob.c0, prob.params)))
    dh32 = prob.dh.astype(np.float32)
    want = lstm.lstm_backward(dh32, cache32)
    check_float32(fn, (dh32, cache32), want, ("dx", "dh0", "dc0", "grads"))
    return (
        "dx, dh0, dc0 and all three gradients match the reference on all 4 test cases, and "
        "with float32 inputs."
    )
