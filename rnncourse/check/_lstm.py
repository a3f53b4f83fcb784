"""Checkers for the LSTM exercises of chapter 4: one forward step and one backward step.

Each checker runs the learner's function on three fixed float64 problems (nonzero biases,
cell states and upstream gradients; the first has D == H, so code that swaps W_x and W_h
still runs), compares with :mod:`rnncourse.lstm`, and matches wrong numbers against the
outputs of typical mistakes, written here apart from the package. The backward checker
gets its caches from the package's own :func:`rnncourse.lstm.lstm_step_forward`, so only
the learner's backward code is under test.
"""

from itertools import permutations
from typing import NamedTuple

import numpy as np

from .. import lstm
from ..activations import sigmoid
from ._harness import (
    call,
    copy_tree,
    expect_array,
    expect_keys,
    expect_tuple,
    expect_unchanged,
    output_variants,
)
from ._named import Mistake, Probe, check_step_cache, compare, named_checker

KEYS = ("W_x", "W_h", "b")
GATES = lstm.GATES  # ("i", "f", "g", "o")
PARAMS_HINT = (
    KeyError,
    "",
    "params is a dict with the keys 'W_x' (D, 4H), 'W_h' (H, 4H) and 'b' (4H,); each holds "
    "the blocks i, f, g, o side by side.",
)
CACHE_HINT = (
    "the cache is an LSTMStepCache with the fields x_t, h_prev, c_prev, i, f, g, o, c_t, "
    "tanh_c, params: read them as `cache.f`, `cache.tanh_c`, ... or unpack all ten in this order."
)
ORDER_HINT = (
    "the gate blocks are taken in the order {order}, but the package stacks them as "
    "i, f, g, o (PyTorch's order): columns `0:H` input gate, `H:2*H` forget gate, "
    "`2*H:3*H` candidate g, `3*H:4*H` output gate."
)


class Problem(NamedTuple):
    x_t: np.ndarray  # (N, D)
    h_prev: np.ndarray  # (N, H), values in (-1, 1)
    c_prev: np.ndarray  # (N, H), nonzero
    params: dict  # W_x (D, 4H), W_h (H, 4H), b (4H,), all nonzero
    dh_t: np.ndarray  # (N, H) upstream gradient of h_t
    dc_t: np.ndarray  # (N, H) upstream gradient of c_t, nonzero
    where: str  # " in test case k of 3 (N=.., D=.., H=..)"


# (seed, N, D, H): the first case has D == H; N and H differ in every case.
_SIZES = ((401, 2, 4, 4), (402, 3, 5, 2), (403, 4, 2, 3))
# Probes for naming a mistake: the test cases, N = 1, and one whose rows have very different
# scales (the last row's gates saturate: sigmoid near 0 or 1, tanh near -1 or 1).
_PROBE_SIZES = _SIZES + ((404, 1, 3, 2), (405, 3, 2, 5, "scaled"))


def _problem(seed, N, D, H, where, scaled=False):
    rng = np.random.default_rng(seed)
    params = {
        "W_x": 0.5 * rng.standard_normal((D, 4 * H)),
        "W_h": 0.5 * rng.standard_normal((H, 4 * H)),
        "b": 0.5 * rng.standard_normal(4 * H),
    }
    x_t = rng.standard_normal((N, D))
    if scaled:  # rows 1e-3, 1, 30 times as large: tiny, ordinary and saturated gates
        x_t = x_t * np.array([1e-3, 1.0, 30.0])[:N, None]
    h_prev = np.tanh(rng.standard_normal((N, H)))
    c_prev = rng.standard_normal((N, H))
    dh_t, dc_t = rng.standard_normal((N, H)), rng.standard_normal((N, H))
    return Problem(x_t, h_prev, c_prev, params, dh_t, dc_t, where)


def problems(probes=False):
    """The three fixed test problems (``probes=True``: and the extra probe problems)."""
    out = []
    for k, (seed, N, D, H, *scaled) in enumerate(_PROBE_SIZES if probes else _SIZES, start=1):
        where = f" in test case {k} of 3 (N={N}, D={D}, H={H})"
        out.append(_problem(seed, N, D, H, where, bool(scaled)))
    return out


def _blocks(a, order=GATES):
    """Split (N, 4H) into a dict gate -> (N, H), reading the blocks in ``order``."""
    H = a.shape[1] // 4
    return {gate: a[:, k * H : (k + 1) * H] for k, gate in enumerate(order)}


# ---------------------------------------------------------------- lstm_step_forward

#: Ways to compute c_t: the right one first.
_UPDATES = {
    "right": lambda i, f, g, c_prev: f * c_prev + i * g,
    "no_f": lambda i, f, g, c_prev: c_prev + i * g,
    "no_c_prev": lambda i, f, g, c_prev: i * g,
    "one_minus_f": lambda i, f, g, c_prev: (1 - f) * c_prev + i * g,
    "coupled": lambda i, f, g, c_prev: f * c_prev + (1 - f) * g,
    "sigmoid_f_again": lambda i, f, g, c_prev: sigmoid(f) * c_prev + i * g,
    "no_i": lambda i, f, g, c_prev: f * c_prev + g,
    "no_g": lambda i, f, g, c_prev: f * c_prev + i,
}

#: Ways to compute h_t from o, c_t and c_prev.
_OUTPUTS = {
    "right": lambda o, c_t, c_prev: o * np.tanh(c_t),
    "no_tanh": lambda o, c_t, c_prev: o * c_t,
    "c_prev": lambda o, c_t, c_prev: o * np.tanh(c_prev),
    "tanh_outside": lambda o, c_t, c_prev: np.tanh(o * c_t),
    "no_o": lambda o, c_t, c_prev: np.tanh(c_t),
}

_UPDATE_HINTS = {
    "no_f": "c_prev must be scaled by the forget gate: `c_t = f * c_prev + i * g`.",
    "no_c_prev": (
        "the old cell state is missing: `c_t = f * c_prev + i * g` (keep part of c_prev, "
        "then add part of the candidate)."
    ),
    "one_minus_f": (
        "c_prev is multiplied by f itself, not by (1 - f): f is the share of the old cell "
        "that is kept, `c_t = f * c_prev + i * g`."
    ),
    "coupled": (
        "the candidate is scaled by the input gate i, not by (1 - f): "
        "`c_t = f * c_prev + i * g` (the LSTM has separate input and forget gates)."
    ),
    "sigmoid_f_again": (
        "f is already a sigmoid's output: do not apply the sigmoid again in "
        "`c_t = f * c_prev + i * g`."
    ),
    "no_i": "the candidate must pass through the input gate: `c_t = f * c_prev + i * g`.",
    "no_g": "the input gate scales the candidate g: `c_t = f * c_prev + i * g`, not `+ i`.",
}

_OUTPUT_HINTS = {
    "no_tanh": "h_t squashes the cell state first: `h_t = o * np.tanh(c_t)`, not `o * c_t`.",
    "c_prev": "h_t reads the NEW cell state: `h_t = o * np.tanh(c_t)`, not tanh(c_prev).",
    "tanh_outside": "the output gate multiplies after the tanh: `h_t = o * np.tanh(c_t)`.",
    "no_o": "the output gate is missing: `h_t = o * np.tanh(c_t)`.",
}


def _step(a, c_prev, *, order=GATES, acts=None, update="right", output="right"):
    """{"c_t", "h_t"} of one step from the pre-activations a (N, 4H), optionally with a
    mistake built in."""
    z = _blocks(a, order)
    act = {"i": sigmoid, "f": sigmoid, "g": np.tanh, "o": sigmoid} | (acts or {})
    i, f, g, o = (act[gate](z[gate]) for gate in GATES)
    c_t = _UPDATES[update](i, f, g, c_prev)
    return {"c_t": c_t, "h_t": _OUTPUTS[output](o, c_t, c_prev)}


_TERMS = {  # the pre-activations a (N, 4H), right and wrong
    "right": lambda x, h, c, p: x @ p["W_x"] + h @ p["W_h"] + p["b"],
    "no bias": lambda x, h, c, p: x @ p["W_x"] + h @ p["W_h"],
    "no recurrent term": lambda x, h, c, p: x @ p["W_x"] + p["b"],
    "no input term": lambda x, h, c, p: h @ p["W_h"] + p["b"],
    "c_prev for h_prev": lambda x, h, c, p: x @ p["W_x"] + c @ p["W_h"] + p["b"],
    "weights swapped": lambda x, h, c, p: x @ p["W_h"] + h @ p["W_x"] + p["b"],
}


def _forward_mistake(key, hint, terms="right", swap=False, **step):
    """A wrong lstm_step_forward returning (h_t, c_t): pre-activations from ``terms``, the
    step built by :func:`_step` with ``step``'s mistake, outputs swapped when ``swap``."""

    def fn(x_t, h_prev, c_prev, params):
        out = _step(_TERMS[terms](x_t, h_prev, c_prev, params), c_prev, **step)
        return (out["c_t"], out["h_t"]) if swap else (out["h_t"], out["c_t"])

    return Mistake(key, hint, fn)


def forward_catalogue():
    """The typical mistakes of lstm_step_forward, each a small wrong implementation."""
    hints = dict(_forward_variants_hints())
    out = [
        _forward_mistake(
            "h_t and c_t swapped",
            "h_t and c_t are swapped: return them in the order `h_t, c_t, cache`.",
            swap=True,
        )
    ]
    for order in permutations(GATES):
        if order != GATES:
            key = "order " + "".join(order)
            out.append(
                _forward_mistake(key, ORDER_HINT.format(order=", ".join(order)), order=order)
            )
    for gate in ("i", "f", "o"):
        out.append(_forward_mistake(f"tanh {gate}", hints[f"tanh {gate}"], acts={gate: np.tanh}))
    out += [
        _forward_mistake("sigmoid g", hints["sigmoid g"], acts={"g": sigmoid}),
        _forward_mistake("all tanh", hints["all tanh"], acts=dict.fromkeys("ifgo", np.tanh)),
        _forward_mistake(
            "no nonlinearity", hints["no nonlinearity"], acts=dict.fromkeys("ifgo", lambda z: z)
        ),
    ]
    out += [_forward_mistake(u, h, update=u) for u, h in _UPDATE_HINTS.items()]
    out += [_forward_mistake(o, h, output=o) for o, h in _OUTPUT_HINTS.items()]
    out += [_forward_mistake(t, hints[t], terms=t) for t in _TERMS if t != "right"]
    return out


def _forward_variants_hints():
    """The hints of the gate and term mistakes, keyed like :func:`forward_catalogue`."""
    return {
        "tanh i": _gate_hint("i"),
        "tanh f": _gate_hint("f"),
        "tanh o": _gate_hint("o"),
        "sigmoid g": "the candidate g uses tanh (values between -1 and 1), not the sigmoid: "
        "`g = np.tanh(a[:, 2*H:3*H])`.",
        "all tanh": "the gates use the sigmoid: only g (and tanh(c_t) in h_t) use tanh.",
        "no nonlinearity": "the nonlinearities are missing: i, f, o need the sigmoid and g "
        "needs tanh.",
        "no bias": "the bias is missing: add `params['b']` to the pre-activations.",
        "no recurrent term": "the recurrent term is missing: add `h_prev @ params['W_h']`.",
        "no input term": "the input term is missing: add `x_t @ params['W_x']`.",
        "c_prev for h_prev": "the recurrent term multiplies h_prev, not c_prev: "
        "`h_prev @ params['W_h']`.",
        "weights swapped": "x_t and h_prev are multiplied by each other's weights: x_t goes "
        "with W_x, h_prev with W_h.",
    }


def _gate_hint(gate):
    return (
        f"the gate {gate} uses the sigmoid (values between 0 and 1), not tanh: "
        "tanh is only for the candidate g and for tanh(c_t) in h_t."
    )


def _forward_probes():
    return [
        Probe(lambda p=p: ((p.x_t, p.h_prev, p.c_prev, p.params), {}), p.where)
        for p in problems(probes=True)
    ]


def _h_and_c(out):
    h_t, c_t, _ = out
    return h_t, c_t


#: What each field of an LSTMStepCache holds, for the hint when one is wrong.
CACHE_FIELDS = {
    "x_t": "the input x_t",
    "h_prev": "the incoming hidden state h_prev",
    "c_prev": "the incoming cell state c_prev",
    "i": "the input gate i = sigmoid(a[:, 0:H])",
    "f": "the forget gate f = sigmoid(a[:, H:2*H])",
    "g": "the candidate g = np.tanh(a[:, 2*H:3*H])",
    "o": "the output gate o = sigmoid(a[:, 3*H:4*H])",
    "c_t": "the new cell state c_t",
    "tanh_c": "tanh(c_t)",
    "params": "the params dict",
}


@named_checker("lstm_step_forward", forward_catalogue, _forward_probes, project=_h_and_c)
def lstm_step_forward(fn):
    """Check ``fn(x_t, h_prev, c_prev, params) -> (h_t, c_t, cache)``: h_t and c_t, and the
    cache (an LSTMStepCache whose fields match the package's, so the backward step can use
    it)."""
    for prob in problems():
        N, H = prob.h_prev.shape
        originals = {
            "x_t": prob.x_t,
            "h_prev": prob.h_prev,
            "c_prev": prob.c_prev,
            "params": prob.params,
        }
        given = copy_tree(originals)
        out = call(
            fn, given["x_t"], given["h_prev"], given["c_prev"], given["params"], hints=[PARAMS_HINT]
        )
        h_t, c_t, cache = expect_tuple(
            out,
            ("h_t", "c_t", "cache"),
            "return the new cell state and the cache too: `return h_t, c_t, cache`.",
        )
        expect_unchanged(originals, given)
        shape_hints = {
            (H, N): "it is transposed: row-vector maths `x_t @ W_x` gives (N, 4H).",
            (N, 4 * H): "it holds all four blocks: slice out each gate's H columns, "
            "e.g. `a[:, H:2*H]` for the forget gate, and combine them.",
        }
        expect_array(h_t, "h_t", (N, H), "(N, H)", shape_hints)
        expect_array(c_t, "c_t", (N, H), "(N, H)", shape_hints)
        h_ref, c_ref, cache_ref = lstm.lstm_step_forward(
            prob.x_t, prob.h_prev, prob.c_prev, prob.params
        )
        compare(
            {"c_t": c_t, "h_t": h_t},
            {"c_t": c_ref, "h_t": h_ref},
            prob.where,
            meaning=_forward_meaning,
        )
        check_step_cache(cache, cache_ref, prob.where, lstm.LSTMStepCache, CACHE_FIELDS)
    return "h_t, c_t and the cache match the reference on all 3 test cases."


def _forward_meaning(wrong, right):
    if wrong == ["h_t"]:
        return (
            "c_t is right, so the gates i, f, g and the cell update are right: look at "
            "`h_t = o * np.tanh(c_t)` (the output gate o is the block 3H:4H)."
        )
    return (
        "c_t is wrong, so look at the pre-activations and the gates i, f, g first, then "
        "`c_t = f * c_prev + i * g`."
    )


# ---------------------------------------------------------------- lstm_step_backward

#: Mistakes :func:`_backward` can build in, with the hint each one earns.
BACKWARD_MISTAKES = {
    "dc_prev_no_f": (
        "dc_prev is missing the forget gate: c_t = f * c_prev + i * g, so the gradient "
        "going back along the cell is `dc_prev = dc * f`."
    ),
    "dc_prev_future_only": (
        "dc_prev must use the full dc, both paths (from c_{t+1} and from h_t): "
        "`dc_prev = dc * f`, with `dc = dc_t + dh_t * o * (1 - tanh_c**2)`."
    ),
    "no_h_path": (
        "dc misses the path from h_t: c_t reaches the loss through c_{t+1} (dc_t) AND "
        "through h_t = o * tanh(c_t), so `dc = dc_t + dh_t * o * (1 - tanh_c**2)`."
    ),
    "no_future": (
        "dc misses the gradient from the future: add dc_t, "
        "`dc = dc_t + dh_t * o * (1 - tanh_c**2)`."
    ),
    "no_tanh_grad": (
        "the path from h_t = o * tanh(c_t) needs the tanh derivative: "
        "`dc = dc_t + dh_t * o * (1 - tanh_c**2)`."
    ),
    "tanh_grad_of_c": (
        "the tanh derivative is `1 - tanh(c_t)**2 = 1 - tanh_c**2`, not `1 - c_t**2`."
    ),
    "do_no_tanh": "h_t = o * tanh(c_t), so `do = dh_t * tanh_c`, not `dh_t * c_t`.",
    "df_c_t": "c_t = f * c_prev + i * g, so `df = dc * c_prev`, not `dc * c_t`.",
    "preact": (
        "the sigmoid derivative is taken at the pre-activation: with i = sigmoid(a_i), "
        "sigmoid'(a_i) = `i * (1 - i)`, written with the gate's OUTPUT (the cache holds it)."
    ),
    "sigmoid_again": (
        "the cache holds the gates' outputs: their derivative is `i * (1 - i)`; "
        "`sigmoid(i) * (1 - sigmoid(i))` applies the sigmoid a second time."
    ),
    "tanh_grad_on_gates": (
        "i, f and o are sigmoids: their derivative is `i * (1 - i)`, not `1 - i**2` "
        "(that is tanh's, right only for g)."
    ),
    "g_sigmoid_grad": "g is a tanh: its derivative is `1 - g**2`, not `g * (1 - g)`.",
    "no_gate_grads": (
        "the gates' nonlinearities are missing from backward: multiply by `i * (1 - i)`, "
        "`f * (1 - f)`, `1 - g**2` and `o * (1 - o)` before the matrix products."
    ),
    "dW_h_h_t": (
        "dW_h pairs da with the state that was multiplied by W_h: `h_prev.T @ da`, not h_t."
    ),
    "mean": (
        "a bias shared by the whole batch gets the sum of its gradients: `da.sum(axis=0)`, "
        "not the mean."
    ),
}


def _backward(dh_t, dc_t, cache, mistake=None, order=GATES, grads_order=None):
    """Outputs of one backward step keyed by label, with ``mistake`` (a key of
    :data:`BACKWARD_MISTAKES`) built in; ``order`` is the order in which the gate blocks of
    da are put side by side (all outputs), ``grads_order`` the same for the parameter
    gradients only. The defaults give the right answer."""
    x_t, h_prev, c_prev, i, f, g, o, c_t, tanh_c, p = cache
    do = dh_t * (c_t if mistake == "do_no_tanh" else tanh_c)
    through_h = {
        "no_tanh_grad": dh_t * o,
        "tanh_grad_of_c": dh_t * o * (1 - c_t**2),
        "no_h_path": 0 * dh_t,
    }.get(mistake, dh_t * o * (1 - tanh_c**2))
    dc = (0 * dc_t if mistake == "no_future" else dc_t) + through_h
    di, dg = dc * g, dc * i
    df = dc * (c_t if mistake == "df_c_t" else c_prev)
    dc_prev = {"dc_prev_no_f": dc, "dc_prev_future_only": dc_t * f}.get(mistake, dc * f)
    gate = {"i": i, "f": f, "g": g, "o": o}
    a = _blocks(x_t @ p["W_x"] + h_prev @ p["W_h"] + p["b"])  # pre-activations
    if mistake == "preact":
        slope = {k: a[k] * (1 - a[k]) for k in "ifo"}
    elif mistake == "sigmoid_again":
        slope = {k: sigmoid(gate[k]) * (1 - sigmoid(gate[k])) for k in "ifo"}
    elif mistake == "tanh_grad_on_gates":
        slope = {k: 1 - gate[k] ** 2 for k in "ifo"}
    else:
        slope = {k: gate[k] * (1 - gate[k]) for k in "ifo"}
    slope["g"] = g * (1 - g) if mistake == "g_sigmoid_grad" else 1 - g**2
    if mistake == "no_gate_grads":
        slope = dict.fromkeys(GATES, 1.0)
    d_gate = {"i": di, "f": df, "g": dg, "o": do}
    da_gate = {k: d_gate[k] * slope[k] for k in GATES}
    da = np.concatenate([da_gate[k] for k in order], axis=1)  # (N, 4H)
    da_p = np.concatenate([da_gate[k] for k in grads_order or order], axis=1)
    h_seen = o * tanh_c if mistake == "dW_h_h_t" else h_prev
    return {
        "dx_t": da @ p["W_x"].T,  # (N, 4H) @ (4H, D) -> (N, D)
        "dh_prev": da @ p["W_h"].T,  # (N, 4H) @ (4H, H) -> (N, H)
        "dc_prev": dc_prev,
        "grads['W_x']": x_t.T @ da_p,
        "grads['W_h']": h_seen.T @ da_p,
        "grads['b']": da_p.mean(axis=0) if mistake == "mean" else da_p.sum(axis=0),
    }


def _as_outputs(out):
    """The tuple lstm_step_backward returns, from :func:`_backward`'s labelled dict."""
    grads = {key: out[f"grads[{key!r}]"] for key in KEYS}
    return out["dx_t"], out["dh_prev"], out["dc_prev"], grads


def _backward_mistake(key, hint, **kwargs):
    return Mistake(
        key, hint, lambda dh_t, dc_t, cache: _as_outputs(_backward(dh_t, dc_t, cache, **kwargs))
    )


def backward_catalogue():
    """The typical mistakes of lstm_step_backward, each a small wrong implementation."""
    out = [_backward_mistake(m, hint, mistake=m) for m, hint in BACKWARD_MISTAKES.items()]
    for order in permutations(GATES):
        if order != GATES:
            hint = ORDER_HINT.format(order=", ".join(order))
            hint = hint.replace("the gate blocks are taken", "the gate blocks of da are put")
            key = "".join(order)
            out.append(_backward_mistake(f"da order {key}", hint, order=order))
            out.append(_backward_mistake(f"grads order {key}", hint, grads_order=order))
    return out


def _backward_probes():
    out = []
    for p in problems(probes=True):
        _, _, cache = lstm.lstm_step_forward(p.x_t, p.h_prev, p.c_prev, p.params)
        out.append(
            Probe(lambda p=p, cache=cache: ((p.dh_t, p.dc_t, copy_tree(cache)), {}), p.where)
        )
    return out


def _grads_only(out):
    dx_t, dh_prev, dc_prev, grads = out
    return dx_t, dh_prev, dc_prev, {key: grads[key] for key in KEYS}


def _backward_meaning(wrong, right):
    grads = [k for k in wrong if k.startswith("grads")]
    if set(wrong) == {"dc_prev"}:
        return "Only dc_prev is wrong: it is `dc * f`, with dc holding both paths into c_t."
    if grads and not set(wrong) - set(grads):
        return (
            "dx_t, dh_prev and dc_prev are right, so da is right: look at the products that "
            "make the weight gradients (`x_t.T @ da`, `h_prev.T @ da`, `da.sum(axis=0)`)."
        )
    if "dc_prev" in right:
        return (
            "dc_prev is right, so dc is right: look at the gate derivatives and the order of "
            "the blocks in da (i, f, g, o)."
        )
    return "As dc_prev is wrong too, start with dc: `dc = dc_t + dh_t * o * (1 - tanh_c**2)`."


def _backward_variants(dh_t, dc_t, cache):
    """(hint, {label: wrong output}) for every mistake that changes something here; each
    dict names only the outputs that mistake changes."""
    right = _backward(dh_t, dc_t, cache)
    candidates = [(hint, _backward(dh_t, dc_t, cache, m)) for m, hint in BACKWARD_MISTAKES.items()]
    for order in permutations(GATES):
        if order != GATES:
            hint = ORDER_HINT.format(order=", ".join(order))
            hint = hint.replace("the gate blocks are taken", "the gate blocks of da are put")
            candidates.append((hint, _backward(dh_t, dc_t, cache, order=order)))
            candidates.append((hint, _backward(dh_t, dc_t, cache, grads_order=order)))
    return output_variants(right, candidates)


def _check_grads(grads, N, D, H):
    grads = expect_keys(grads, "grads", KEYS)
    summed = "db must be summed over the batch: `da.sum(axis=0)` has shape (4H,), like b."
    shapes = {
        "W_x": ((D, 4 * H), "(D, 4H)", {(4 * H, D): "dW_x is transposed: `x_t.T @ da`."}),
        "W_h": ((H, 4 * H), "(H, 4H)", {(4 * H, H): "dW_h is transposed: `h_prev.T @ da`."}),
        "b": (
            (4 * H,),
            "(4H,)",
            {
                (N, 4 * H): summed,
                (1, 4 * H): "drop `keepdims=True`: db has shape (4H,), like b.",
                (N,): "db is summed over the wrong axis: the batch is axis 0.",
            },
        ),
    }
    for key in KEYS:
        shape, dims, hints = shapes[key]
        expect_array(grads[key], f"grads[{key!r}]", shape, dims, hints)
    return grads


@named_checker("lstm_step_backward", backward_catalogue, _backward_probes, project=_grads_only)
def lstm_step_backward(fn):
    """Check ``fn(dh_t, dc_t, cache) -> (dx_t, dh_prev, dc_prev, grads)`` against
    rnncourse.lstm, with caches from the package's lstm_step_forward."""
    for prob in problems():
        N, D = prob.x_t.shape
        H = prob.h_prev.shape[1]
        _, _, cache = lstm.lstm_step_forward(prob.x_t, prob.h_prev, prob.c_prev, prob.params)
        originals = {"dh_t": prob.dh_t, "dc_t": prob.dc_t, "cache": cache}
        given = copy_tree(originals)
        hints = [
            PARAMS_HINT,
            (AttributeError, "LSTMStepCache", CACHE_HINT),
            (ValueError, "values to unpack", CACHE_HINT),
        ]
        out = call(fn, given["dh_t"], given["dc_t"], given["cache"], hints=hints)
        dx_t, dh_prev, dc_prev, grads = expect_tuple(out, ("dx_t", "dh_prev", "dc_prev", "grads"))
        expect_unchanged(originals, given)
        expect_array(dx_t, "dx_t", (N, D), "(N, D)", {(D, N): "dx_t is transposed."})
        expect_array(dh_prev, "dh_prev", (N, H), "(N, H)", {(H, N): "dh_prev is transposed."})
        expect_array(
            dc_prev,
            "dc_prev",
            (N, H),
            "(N, H)",
            {(N, 4 * H): "dc_prev is (N, H), like c_prev: `dc * f`."},
        )
        grads = _check_grads(grads, N, D, H)
        dx_ref, dh_prev_ref, dc_prev_ref, grads_ref = lstm.lstm_step_backward(
            prob.dh_t, prob.dc_t, cache
        )
        got = {"dx_t": dx_t, "dh_prev": dh_prev, "dc_prev": dc_prev}
        expected = {"dx_t": dx_ref, "dh_prev": dh_prev_ref, "dc_prev": dc_prev_ref}
        for key in KEYS:
            got[f"grads[{key!r}]"] = grads[key]
            expected[f"grads[{key!r}]"] = grads_ref[key]
        gates = {k: GATES for k in ("grads['W_x']", "grads['W_h']", "grads['b']")}
        compare(got, expected, prob.where, gates=gates, meaning=_backward_meaning)
    return "dx_t, dh_prev, dc_prev and all three gradients match the reference on all 3 test cases."
