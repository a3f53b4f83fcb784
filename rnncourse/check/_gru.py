"""Checkers for the GRU exercises of chapter 5: one forward step and one backward step.

Each checker runs the learner's function on three fixed float64 problems with nonzero
biases, first with ``reset_after=True`` (PyTorch's candidate, the default) and then with
``reset_after=False`` (Cho et al. 2014), compares with :mod:`rnncourse.gru`, and matches
wrong numbers against the outputs of typical mistakes. When only ``reset_after=False``
fails, the message says so. The backward checker gets its caches from the package's own
:func:`rnncourse.gru.gru_step_forward`, so only the learner's backward code is under test.
"""

from typing import NamedTuple

import numpy as np

from .. import gru
from ..activations import sigmoid
from ._harness import (
    CheckFailed,
    call,
    copy_tree,
    expect_array,
    expect_keys,
    expect_tuple,
    expect_unchanged,
    output_variants,
)
from ._named import Mistake, Probe, check_step_cache, compare, named_checker

KEYS = ("W_x", "W_h", "b_x", "b_h")
PARAMS_HINT = (
    KeyError,
    "",
    "params is a dict with the keys 'W_x' (D, 3H), 'W_h' (H, 3H), 'b_x' (3H,) and 'b_h' (3H,); "
    "each holds the blocks r, z, n side by side.",
)
SIGNATURE_HINT = (
    TypeError,
    "reset_after",
    "the check passes `reset_after=True` or `reset_after=False`: keep the signature "
    "`def gru_step_forward(x_t, h_prev, params, reset_after=True)`.",
)
CACHE_HINT = (
    "the cache is a GRUStepCache with the fields x_t, h_prev, r, z, n, a_hn, params, "
    "reset_after: read them as `cache.r`, `cache.a_hn`, ... or unpack all eight in this order."
)
NONE_A_HN_HINT = (
    TypeError,
    "NoneType",
    "with reset_after=False the cache's a_hn is None: that candidate formula needs its own "
    "branch, `if cache.reset_after: ... else: ...`.",
)


class Problem(NamedTuple):
    x_t: np.ndarray  # (N, D)
    h_prev: np.ndarray  # (N, H), values in (-1, 1)
    params: dict  # W_x (D, 3H), W_h (H, 3H), b_x (3H,), b_h (3H,), all nonzero
    dh_t: np.ndarray  # (N, H) upstream gradient
    dims: str  # "N=.., D=.., H=.."


# (seed, N, D, H): N, D and H differ in every case; no case has D == 3H.
_SIZES = ((201, 2, 3, 4), (202, 3, 5, 2), (203, 4, 2, 3))


# Probes for naming a mistake: the test cases and an N = 1 corner.
_PROBE_SIZES = _SIZES + ((204, 1, 4, 2),)


def problems(probes=False):
    """The three fixed test problems (``probes=True``: and the extra probe problem)."""
    out = []
    for seed, N, D, H in _PROBE_SIZES if probes else _SIZES:
        rng = np.random.default_rng(seed)
        params = {
            "W_x": 0.6 * rng.standard_normal((D, 3 * H)),
            "W_h": 0.6 * rng.standard_normal((H, 3 * H)),
            "b_x": 0.5 * rng.standard_normal(3 * H),
            "b_h": 0.5 * rng.standard_normal(3 * H),
        }
        x_t = rng.standard_normal((N, D))
        h_prev = np.tanh(rng.standard_normal((N, H)))
        dh_t = rng.standard_normal((N, H))
        out.append(Problem(x_t, h_prev, params, dh_t, f"N={N}, D={D}, H={H}"))
    return out


def _where(k, prob, reset_after):
    return f" with reset_after={reset_after} (test case {k} of 3: {prob.dims})"


def _only_false_fails(failure):
    """Say that reset_after=True passed when the failure came from reset_after=False."""
    return CheckFailed(
        f"{failure.message} With reset_after=True every test case is right.", failure.hint
    )


# ---------------------------------------------------------------- gru_step_forward


def _blocks(a, H):
    """Split (N, 3H) into its r, z, n blocks, each (N, H)."""
    return a[:, :H], a[:, H : 2 * H], a[:, 2 * H :]


def _h_t(
    x_t, h_prev, p, reset_after, *, z_swapped=False, n_act=np.tanh, b_hn_outside=False, n_only=False
):
    """h_t of one step, optionally with a mistake built in (written apart from rnncourse.gru,
    so the tests can compare the two)."""
    H = h_prev.shape[1]
    x_r, x_z, x_n = _blocks(x_t @ p["W_x"] + p["b_x"], H)
    W_hn, b_hn = p["W_h"][:, 2 * H :], p["b_h"][2 * H :]
    h_r, h_z, _ = _blocks(h_prev @ p["W_h"] + p["b_h"], H)
    r, z = sigmoid(x_r + h_r), sigmoid(x_z + h_z)
    if b_hn_outside:  # r * (h_prev W_hn) + b_hn
        a_n = x_n + r * (h_prev @ W_hn) + b_hn
    elif reset_after:
        a_n = x_n + r * (h_prev @ W_hn + b_hn)
    else:
        a_n = x_n + (r * h_prev) @ W_hn + b_hn
    n = n_act(a_n)
    if n_only:
        return n
    if z_swapped:
        return (1 - z) * h_prev + z * n
    return (1 - z) * n + z * h_prev


def _with_blocks(p, **changes):
    """A copy of params with some blocks replaced: ``changes`` maps names ``key_gate``
    (e.g. ``b_h_n``, the n block of b_h) to new values, or "swap_rz" to True."""
    q = {key: value.copy() for key, value in p.items()}
    H = p["W_h"].shape[0]
    cols = {"r": slice(0, H), "z": slice(H, 2 * H), "n": slice(2 * H, 3 * H)}
    if changes.pop("swap_rz", False):
        for key in KEYS:
            q[key][..., cols["r"]], q[key][..., cols["z"]] = (
                p[key][..., cols["z"]],
                p[key][..., cols["r"]],
            )
    for name, value in changes.items():
        key, gate = name.rsplit("_", 1)
        q[key][..., cols[gate]] = value
    return q


def _forward_variants(x_t, h_prev, p, reset_after):
    other = not reset_after
    if reset_after:
        placement = (
            "with reset_after=True, r multiplies the product: `r * (h_prev @ W_hn + b_hn)`; "
            "your function applied r to h_prev before the product (the reset_after=False formula)."
        )
    else:
        placement = (
            "with reset_after=False, r multiplies h_prev before the product: "
            "`(r * h_prev) @ W_hn + b_hn`; your function computed the reset_after=True formula. "
            "Does it read its `reset_after` argument?"
        )
    no_b_h = _with_blocks(p, b_h_r=0.0, b_h_z=0.0, b_h_n=0.0)

    def h(params=p, flag=reset_after, **mistake):
        return _h_t(x_t, h_prev, params, flag, **mistake)

    variants = [
        (
            "the update rule is swapped: this course (like Cho et al. 2014 and PyTorch) writes "
            "`h_t = (1 - z) * n + z * h_prev`, so z is the share of the OLD state that is kept.",
            h(z_swapped=True),
        ),
        (placement, h(flag=other)),
        (
            "the gates r and z are swapped: the column blocks are in the order r, z, n "
            "(PyTorch's order; Keras stores z, r, n), so r is columns `0:H`, z is `H:2*H` and "
            "n is `2*H:3*H`.",
            h(params=_with_blocks(p, swap_rz=True)),
        ),
        (
            "the candidate needs its tanh: `n = np.tanh(...)`. Only r and z use the sigmoid.",
            h(n_act=lambda a: a),
        ),
        ("the candidate n uses tanh, not the sigmoid.", h(n_act=sigmoid)),
        (
            "b_h is missing: every gate adds both biases, b_x and b_h (the GRU keeps two "
            "because b_hn can be multiplied by r).",
            h(params=no_b_h),
        ),
        (
            "the n block of b_h (`b_h[2*H:]`) is missing from the candidate.",
            h(params=_with_blocks(p, b_h_n=0.0)),
        ),
        (
            "h_t is not the candidate alone: mix it with the old state, "
            "`h_t = (1 - z) * n + z * h_prev`.",
            h(n_only=True),
        ),
    ]
    if reset_after:
        variants.append(
            (
                "with reset_after=True, b_hn is inside the product with r: "
                "`r * (h_prev @ W_hn + b_hn)`, not `r * (h_prev @ W_hn) + b_hn`.",
                h(b_hn_outside=True),
            )
        )
    return variants


def _check_forward_case(fn, k, prob, reset_after):
    N, H = prob.h_prev.shape
    originals = {"x_t": prob.x_t, "h_prev": prob.h_prev, "params": prob.params}
    given = copy_tree(originals)
    out = call(
        fn,
        given["x_t"],
        given["h_prev"],
        given["params"],
        reset_after=reset_after,
        hints=[SIGNATURE_HINT, PARAMS_HINT],
    )
    h_t, _ = expect_tuple(out, ("h_t", "cache"), "return the cache too: `return h_t, cache`.")
    expect_unchanged(originals, given)
    expect_array(
        h_t,
        "h_t",
        (N, H),
        "(N, H)",
        {
            (H, N): "h_t is transposed: row-vector maths `x_t @ W_x` gives (N, 3H) blocks.",
            (N, 3 * H): "h_t has all three blocks: split the (N, 3H) pre-activations into "
            "r, z and n (H columns each) and return only the new state.",
        },
    )
    expected, want_cache = gru.gru_step_forward(prob.x_t, prob.h_prev, prob.params, reset_after)
    where = _where(k, prob, reset_after)
    compare({"h_t": h_t}, {"h_t": expected}, where, meaning=_forward_meaning)
    check_step_cache(out[1], want_cache, where, gru.GRUStepCache, CACHE_FIELDS)


#: What each field of a GRUStepCache holds, for the hint when one is wrong.
CACHE_FIELDS = {
    "x_t": "the input x_t",
    "h_prev": "the incoming state h_prev",
    "r": "the reset gate r = sigmoid(a[:, 0:H])",
    "z": "the update gate z = sigmoid(a[:, H:2*H])",
    "n": "the candidate n",
    "a_hn": "`h_prev @ W_hn + b_hn` with reset_after=True, and None with reset_after=False",
    "params": "the params dict",
    "reset_after": "the reset_after flag the step was called with",
}


def _forward_meaning(wrong, right):
    return (
        "Print r, z and n on their own: r and z are sigmoids of the blocks 0:H and H:2H of "
        "`x_t @ W_x + b_x + h_prev @ W_h + b_h`, n is a tanh, and "
        "`h_t = (1 - z) * n + z * h_prev`."
    )


def _forward_mistake(key, hint, params=None, flag=None, **mistake):
    """A wrong gru_step_forward returning h_t; ``flag`` fixes the formula it uses (None: the
    one asked for), ``params(p)`` changes the weights it reads."""

    def fn(x_t, h_prev, p, reset_after=True):
        q = p if params is None else params(p)
        ra = reset_after if flag is None else flag
        extra = dict(mistake)
        if extra.pop("b_hn_outside", False):
            extra["b_hn_outside"] = ra  # the mistake lives in the reset_after=True branch
        return _h_t(x_t, h_prev, q, ra, **extra)

    return Mistake(key, hint, fn)


def forward_catalogue():
    """The typical mistakes of gru_step_forward, each a small wrong implementation."""
    prob = problems()[0]
    hints_true = [h for h, _ in _forward_variants(prob.x_t, prob.h_prev, prob.params, True)]
    hints_false = [h for h, _ in _forward_variants(prob.x_t, prob.h_prev, prob.params, False)]
    no_b_h = lambda p: _with_blocks(p, b_h_r=0.0, b_h_z=0.0, b_h_n=0.0)  # noqa: E731
    return [
        _forward_mistake("z swapped", hints_true[0], z_swapped=True),
        _forward_mistake("always the reset_after=False formula", hints_true[1], flag=False),
        _forward_mistake("ignores reset_after", hints_false[1], flag=True),
        Mistake(
            "formulas swapped",
            "the two candidate formulas are swapped: with reset_after=True your function "
            "applied r to h_prev before the product (the reset_after=False formula), and with "
            "reset_after=False it computed `r * (h_prev @ W_hn + b_hn)`. Check the test "
            "`if reset_after:` and which branch holds which formula.",
            lambda x_t, h_prev, p, reset_after=True: _h_t(x_t, h_prev, p, not reset_after),
        ),
        _forward_mistake(
            "r and z swapped", hints_true[2], params=lambda p: _with_blocks(p, swap_rz=True)
        ),
        _forward_mistake("no tanh", hints_true[3], n_act=lambda a: a),
        _forward_mistake("sigmoid n", hints_true[4], n_act=sigmoid),
        _forward_mistake("no b_h", hints_true[5], params=no_b_h),
        _forward_mistake("no b_hn", hints_true[6], params=lambda p: _with_blocks(p, b_h_n=0.0)),
        _forward_mistake("n only", hints_true[7], n_only=True),
        _forward_mistake("b_hn outside", hints_true[8], b_hn_outside=True),
    ]


def _forward_probes():
    return [
        Probe(lambda p=p, ra=ra: ((p.x_t, p.h_prev, p.params), {"reset_after": ra}), p.dims)
        for ra in (True, False)
        for p in problems(probes=True)
    ]


def _first(out):
    return out[0]


@named_checker("gru_step_forward", forward_catalogue, _forward_probes, project=_first)
def gru_step_forward(fn):
    """Check ``fn(x_t, h_prev, params, reset_after=True) -> (h_t, cache)`` for both candidate
    formulas: h_t, and the cache (a GRUStepCache whose fields match the package's)."""
    cases = list(enumerate(problems(), start=1))
    for k, prob in cases:
        _check_forward_case(fn, k, prob, True)
    for k, prob in cases:
        try:
            _check_forward_case(fn, k, prob, False)
        except CheckFailed as failure:
            raise _only_false_fails(failure) from None
    return (
        "h_t and the cache match the reference for reset_after=True and False on all 3 test cases."
    )


# ---------------------------------------------------------------- gru_step_backward

#: Mistakes :func:`_backward` can build in, with the hint each one earns. The order matters:
#: for each output the first mistake that reproduces it gives the hint (b_hn_no_r changes
#: only db_h, so it comes before n_block_no_r, which changes db_h the same way and more).
BACKWARD_MISTAKES = {
    "no_direct": (
        "dh_prev is missing the direct path: h_t = (1 - z) * n + z * h_prev holds h_prev "
        "itself, so dh_prev starts at `dh_t * z`, then the gates' contributions are added."
    ),
    "dz_sign": (
        "dz has the wrong sign: from h_t = (1 - z) * n + z * h_prev, "
        "`dz = dh_t * (h_prev - n)`, not `dh_t * (n - h_prev)`."
    ),
    "z_swapped": (
        "this is the gradient of h_t = (1 - z) * h_prev + z * n; the course's rule is "
        "h_t = (1 - z) * n + z * h_prev: `dn = dh_t * (1 - z)`, `dz = dh_t * (h_prev - n)` and "
        "the direct path `dh_t * z`."
    ),
    "no_r": (
        "the gradient through the reset gate is missing: n depends on r, so "
        "`dr = dan * cache.a_hn` (reset_after=True) or `dr = (dan @ W_hn.T) * h_prev` "
        "(reset_after=False), then `dar = dr * r * (1 - r)` feeds dx_t, dh_prev and the r blocks."
    ),
    "b_hn_no_r": (
        "the n block of db_h is wrong: with reset_after=True, b_hn sits inside "
        "`r * (h_prev @ W_hn + b_hn)`, so its gradient is `(dan * r).sum(axis=0)`."
    ),
    "n_block_no_r": (
        "with reset_after=True, n's recurrent part is `r * (h_prev @ W_hn + b_hn)`: the "
        "gradient of `h_prev @ W_hn + b_hn` is `dan * r` (for the n blocks of dW_h and db_h, "
        "and for dh_prev)."
    ),
    "dW_hn_h_prev": (
        "with reset_after=False the n block of W_h multiplies `r * h_prev`, so its gradient "
        "is `(r * h_prev).T @ dan`, not `h_prev.T @ dan`."
    ),
    "no_r_in_dh_prev": (
        "with reset_after=False the candidate sees `r * h_prev`: its gradient reaches h_prev "
        "times r, `(dan @ W_hn.T) * r`."
    ),
    "no_tanh_grad": "the tanh derivative of n is missing: `dan = dn * (1 - n**2)`.",
    "no_sigmoid_grad": (
        "the sigmoid derivatives are missing: `daz = dz * z * (1 - z)` and "
        "`dar = dr * r * (1 - r)`."
    ),
    "mean": (
        "a bias shared by the whole batch gets the sum of its gradients: `.sum(axis=0)`, "
        "not the mean."
    ),
}


def _backward(dh_t, cache, mistake=None):
    """Outputs of one backward step keyed by label, with ``mistake`` (a key of
    :data:`BACKWARD_MISTAKES`) built in; ``None`` gives the right answer."""
    x_t, h_prev, r, z, n, a_hn, p, reset_after = cache
    H = h_prev.shape[1]
    W_hn = p["W_h"][:, 2 * H :]
    if mistake == "z_swapped":
        dn, dz, dh_prev = dh_t * z, dh_t * (n - h_prev), dh_t * (1 - z)
    else:
        dn = dh_t * (1 - z)
        dz = dh_t * (n - h_prev if mistake == "dz_sign" else h_prev - n)
        dh_prev = 0 * dh_t if mistake == "no_direct" else dh_t * z
    dan = dn if mistake == "no_tanh_grad" else dn * (1 - n**2)
    gate_grad = (lambda g: 1.0) if mistake == "no_sigmoid_grad" else (lambda g: g * (1 - g))
    daz = dz * gate_grad(z)
    if reset_after:
        dr = 0 * dan if mistake == "no_r" else dan * a_hn
        dar = dr * gate_grad(r)
        da_hn = dan if mistake == "n_block_no_r" else dan * r
        da_h = np.concatenate([dar, daz, da_hn], axis=1)  # (N, 3H)
        dh_prev = dh_prev + da_h @ p["W_h"].T
        dW_h = h_prev.T @ da_h
        db_h_rows = da_h
        if mistake == "b_hn_no_r":
            db_h_rows = np.concatenate([dar, daz, dan], axis=1)
    else:
        d_rh = dan @ W_hn.T  # gradient of r * h_prev
        dr = 0 * d_rh if mistake == "no_r" else d_rh * h_prev
        dar = dr * gate_grad(r)
        da_rz = np.concatenate([dar, daz], axis=1)  # (N, 2H)
        through_n = d_rh if mistake == "no_r_in_dh_prev" else d_rh * r
        dh_prev = dh_prev + through_n + da_rz @ p["W_h"][:, : 2 * H].T
        seen_by_n = h_prev if mistake == "dW_hn_h_prev" else r * h_prev
        dW_h = np.concatenate([h_prev.T @ da_rz, seen_by_n.T @ dan], axis=1)
        db_h_rows = np.concatenate([da_rz, dan], axis=1)
    da_x = np.concatenate([dar, daz, dan], axis=1)  # (N, 3H)
    total = (lambda a: a.mean(axis=0)) if mistake == "mean" else (lambda a: a.sum(axis=0))
    return {
        "dx_t": da_x @ p["W_x"].T,
        "dh_prev": dh_prev,
        "grads['W_x']": x_t.T @ da_x,
        "grads['W_h']": dW_h,
        "grads['b_x']": total(da_x),
        "grads['b_h']": total(db_h_rows),
    }


def _backward_variants(dh_t, cache):
    """(hint, {label: wrong output}) for every mistake that changes something here; each
    dict names only the outputs that mistake changes."""
    candidates = [(hint, _backward(dh_t, cache, m)) for m, hint in BACKWARD_MISTAKES.items()]
    return output_variants(_backward(dh_t, cache), candidates)


def _check_grads(grads, N, D, H):
    grads = expect_keys(grads, "grads", KEYS)
    summed = "sum the bias gradient over the batch: `.sum(axis=0)` has shape (3H,), like the bias."
    shapes = {
        "W_x": ((D, 3 * H), "(D, 3H)", {(3 * H, D): "dW_x is transposed: `x_t.T @ da_x`."}),
        "W_h": ((H, 3 * H), "(H, 3H)", {(3 * H, H): "dW_h is transposed: `h_prev.T @ da_h`."}),
        "b_x": ((3 * H,), "(3H,)", {(N, 3 * H): summed}),
        "b_h": ((3 * H,), "(3H,)", {(N, 3 * H): summed}),
    }
    for key in KEYS:
        shape, dims, hints = shapes[key]
        expect_array(grads[key], f"grads[{key!r}]", shape, dims, hints)
    return grads


def _check_backward_case(fn, k, prob, reset_after):
    N, D = prob.x_t.shape
    H = prob.h_prev.shape[1]
    _, cache = gru.gru_step_forward(prob.x_t, prob.h_prev, prob.params, reset_after)
    originals = {"dh_t": prob.dh_t, "cache": cache}
    given = copy_tree(originals)
    hints = [
        PARAMS_HINT,
        (AttributeError, "GRUStepCache", CACHE_HINT),
        (ValueError, "values to unpack", CACHE_HINT),
    ]
    if not reset_after:
        hints.insert(0, NONE_A_HN_HINT)
    out = call(fn, given["dh_t"], given["cache"], hints=hints)
    dx_t, dh_prev, grads = expect_tuple(out, ("dx_t", "dh_prev", "grads"))
    expect_unchanged(originals, given)
    expect_array(dx_t, "dx_t", (N, D), "(N, D)")
    expect_array(dh_prev, "dh_prev", (N, H), "(N, H)")
    grads = _check_grads(grads, N, D, H)
    dx_ref, dh_prev_ref, grads_ref = gru.gru_step_backward(prob.dh_t, cache)
    got = {"dx_t": dx_t, "dh_prev": dh_prev}
    expected = {"dx_t": dx_ref, "dh_prev": dh_prev_ref}
    for key in KEYS:
        got[f"grads[{key!r}]"] = grads[key]
        expected[f"grads[{key!r}]"] = grads_ref[key]
    blocks = {f"grads[{key!r}]": ("r", "z", "n") for key in KEYS}
    compare(got, expected, _where(k, prob, reset_after), gates=blocks, meaning=_backward_meaning)


def _backward_meaning(wrong, right):
    if wrong and all(k.startswith("grads") for k in wrong):
        return (
            "dx_t and dh_prev are right, so the gate gradients are right: look at the "
            "products that make the weight gradients, block by block (r, z, n)."
        )
    if wrong == ["dh_prev"]:
        return (
            "Only dh_prev is wrong: it adds the direct path `dh_t * z` and the paths through "
            "the three blocks of W_h."
        )
    return (
        "Work backwards from `h_t = (1 - z) * n + z * h_prev`: dn and dz first, then through "
        "the tanh and the sigmoids, then r."
    )


def _as_outputs(out):
    return out["dx_t"], out["dh_prev"], {key: out[f"grads[{key!r}]"] for key in KEYS}


def backward_catalogue():
    """The typical mistakes of gru_step_backward, each a small wrong implementation."""
    return [
        Mistake(m, hint, lambda dh_t, cache, m=m: _as_outputs(_backward(dh_t, cache, m)))
        for m, hint in BACKWARD_MISTAKES.items()
    ]


def _backward_probes():
    out = []
    for ra in (True, False):
        for p in problems(probes=True):
            _, cache = gru.gru_step_forward(p.x_t, p.h_prev, p.params, ra)
            out.append(Probe(lambda p=p, c=cache: ((p.dh_t, copy_tree(c)), {}), p.dims))
    return out


def _grads_only(out):
    dx_t, dh_prev, grads = out
    return dx_t, dh_prev, {key: grads[key] for key in KEYS}


@named_checker("gru_step_backward", backward_catalogue, _backward_probes, project=_grads_only)
def gru_step_backward(fn):
    """Check ``fn(dh_t, cache) -> (dx_t, dh_prev, grads)`` against rnncourse.gru, with caches
    of both candidate formulas."""
    cases = list(enumerate(problems(), start=1))
    for k, prob in cases:
        _check_backward_case(fn, k, prob, True)
    for k, prob in cases:
        try:
            _check_backward_case(fn, k, prob, False)
        except CheckFailed as failure:
            raise _only_false_fails(failure) from None
    return (
        "dx_t, dh_prev and all four gradients match the reference for reset_after=True and "
        "False on all 3 test cases."
    )
