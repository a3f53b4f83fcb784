"""Checkers for chapter 7: one Adam update, and variational dropout forward and backward.

- ``adam_step(param, grad, m, v, t, lr, beta1, beta2, eps) -> (new_param, m, v)`` is
  compared with :class:`rnncourse.optim.Adam` (its state set to m, v and t - 1 updates).
- ``variational_dropout_forward(x, p, rng, train) -> (out, mask)`` and
  ``variational_dropout_backward(dout, mask) -> dx`` are compared with
  :mod:`rnncourse.dropout`, given a generator with the same seed.

Each runs the learner's function on fixed float64 problems and matches wrong numbers against
the outputs of typical mistakes.
"""

from typing import NamedTuple

import numpy as np

from .. import dropout, optim
from ..gradcheck import rel_error
from ._catalogue import COPY_HINT, Mistake, Probe, pattern, shares_input, with_catalogue
from ._harness import (
    TOL,
    CheckFailed,
    call,
    checker,
    copy_tree,
    diagnose,
    expect_array,
    expect_tuple,
    expect_unchanged,
)

# ---------------------------------------------------------------- adam_step


class AdamCase(NamedTuple):
    param: np.ndarray
    grad: np.ndarray
    m: np.ndarray  # the running mean of g before this update
    v: np.ndarray  # the running mean of g**2 before this update
    t: int  # the number of this update, 1 for the first
    hyper: dict  # lr, beta1, beta2, eps
    where: str


DEFAULTS = {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}


def _adam_cases():
    rng = np.random.default_rng(701)
    # 1: t = 3, positive gradients (so even a wrong formula has no square root of a
    #    negative number), lr large enough that every mistake shows in new_param
    g1 = rng.uniform(0.5, 1.5, size=(3, 4))
    m1 = rng.uniform(0.1, 0.3, size=(3, 4))
    v1 = rng.uniform(0.01, 0.05, size=(3, 4))
    case1 = AdamCase(
        rng.standard_normal((3, 4)), g1, m1, v1, 3, {**DEFAULTS, "lr": 0.1},
        " in test case 1 of 5 (t=3, W of shape (3, 4), lr=0.1)",
    )  # fmt: skip
    # 2: the first update, t = 1, with m and v still zero
    case2 = AdamCase(
        rng.standard_normal(5), rng.standard_normal(5), np.zeros(5), np.zeros(5), 1,
        {**DEFAULTS, "lr": 0.05}, " in test case 2 of 5 (the first update: t=1, m = v = 0)",
    )  # fmt: skip
    # 3: tiny gradients, where eps matters: sqrt(v_hat) is about as small as eps
    g3 = 1e-4 * rng.standard_normal((2, 3))
    case3 = AdamCase(
        0.1 * rng.standard_normal((2, 3)), g3, 0.5 * g3, 0.5 * g3**2, 2,
        {**DEFAULTS, "lr": 0.01}, " in test case 3 of 5 (tiny gradients, t=2)",
    )  # fmt: skip
    # 4: other hyperparameters, later in training
    g4 = rng.standard_normal((4, 2))
    case4 = AdamCase(
        rng.standard_normal((4, 2)), g4, 0.3 * rng.standard_normal((4, 2)),
        rng.uniform(0.2, 1.0, (4, 2)), 10, {"lr": 0.02, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6},
        " in test case 4 of 5 (t=10, lr=0.02, beta1=0.8, beta2=0.99, eps=1e-6)",
    )  # fmt: skip
    # 5: small betas (below 0.5: `1 % beta` is no longer `1 - beta`), one row
    g5 = rng.standard_normal((1, 3))
    case5 = AdamCase(
        rng.standard_normal((1, 3)), g5, 0.2 * rng.standard_normal((1, 3)),
        rng.uniform(0.1, 0.5, (1, 3)), 3, {"lr": 0.05, "beta1": 0.3, "beta2": 0.4, "eps": 1e-8},
        " in test case 5 of 5 (t=3, beta1=0.3, beta2=0.4, param of shape (1, 3))",
    )  # fmt: skip
    return [case1, case2, case3, case4, case5]


def adam_reference(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """The package's Adam (rnncourse.optim.Adam), started from m, v after t - 1 updates."""
    opt = optim.Adam(lr, beta1, beta2, eps)
    new_param = param.copy()
    opt.state["p"] = {"m": m.copy(), "v": v.copy(), "t": t - 1}
    opt.step({"p": new_param}, {"p": grad})
    return new_param, opt.state["p"]["m"], opt.state["p"]["v"]


def _adam_formula(c, *, t=None, v_from="g2", inside=False, sign=-1.0, correct=True, hyper=None):
    """Adam written out, with one mistake switched on by the options."""
    h = hyper or c.hyper
    lr, b1, b2, eps = h["lr"], h["beta1"], h["beta2"], h["eps"]
    t = c.t if t is None else t
    g = c.grad
    m = b1 * c.m + (1 - b1) * g
    v = b2 * c.v + (1 - b2) * (g * g if v_from == "g2" else g)
    m_hat, v_hat = (m / (1 - b1**t), v / (1 - b2**t)) if correct else (m, v)
    with np.errstate(all="ignore"):
        denom = np.sqrt(v_hat + eps) if inside else np.sqrt(v_hat) + eps
        return c.param + sign * lr * m_hat / denom, m, v


def _adam_variants(c):
    """(hint, {output: wrong array}) for the typical mistakes, on case ``c``."""
    b1, b2 = c.hyper["beta1"], c.hyper["beta2"]
    ref_m = b1 * c.m + (1 - b1) * c.grad
    ref_v = b2 * c.v + (1 - b2) * c.grad**2
    out = [
        (
            "the bias correction is missing: divide m by `1 - beta1**t` and v by "
            "`1 - beta2**t` before the update (m and v start at zero, so early on they are "
            "too small).",
            {"new_param": _adam_formula(c, correct=False)[0]},
        ),
        (
            "the bias correction uses t - 1: t is the number of *this* update, 1 at the "
            "first one, so use `1 - beta1**t` as it is (t does not start at 0).",
            {"new_param": _adam_formula(c, t=c.t - 1)[0]} if c.t > 1 else {},
        ),
        (
            "the bias correction uses t + 1: t is already the number of this update (1 at "
            "the first); do not add 1 to it.",
            {"new_param": _adam_formula(c, t=c.t + 1)[0]},
        ),
        (
            "eps is inside the square root: Adam divides by `np.sqrt(v_hat) + eps`, not "
            "`np.sqrt(v_hat + eps)`.",
            {"new_param": _adam_formula(c, inside=True)[0]},
        ),
        (
            "v must average the *squared* gradient: `v = beta2 * v + (1 - beta2) * grad**2`.",
            {"v": _adam_formula(c, v_from="g")[2]},
        ),
        (
            "the sign is wrong: gradient descent *subtracts* the step, "
            "`param - lr * m_hat / (np.sqrt(v_hat) + eps)`.",
            {"new_param": _adam_formula(c, sign=+1.0)[0]},
        ),
        (
            "return the running averages m and v themselves, not the bias-corrected m_hat and "
            "v_hat: the next update continues from m and v.",
            {"m": ref_m / (1 - b1**c.t), "v": ref_v / (1 - b2**c.t)},
        ),
        (
            "the weights of the running averages are swapped: "
            "`m = beta1 * m + (1 - beta1) * grad` keeps beta1 of the old m.",
            {"m": (1 - b1) * c.m + b1 * c.grad, "v": (1 - b2) * c.v + b2 * c.grad**2},
        ),
        (
            "use the arguments lr, beta1, beta2 and eps, not fixed numbers: this test case "
            "passes other values.",
            dict(zip(("new_param", "m", "v"), _adam_formula(c, hyper=DEFAULTS), strict=True))
            if c.hyper != DEFAULTS
            else {},
        ),
    ]
    ref = dict(zip(("new_param", "m", "v"), adam_reference(*c[:5], **c.hyper), strict=True))
    kept = []
    for hint, wrong in out:  # keep only the outputs a mistake really changes on this case
        wrong = {k: a for k, a in wrong.items() if rel_error(a, ref[k]) >= TOL}
        if wrong:
            kept.append((hint, wrong))
    return kept


def _diagnose_all(got, expected, variants, where):
    """Check the outputs in order; a mistake is named when it explains the first wrong one."""
    for label, want in expected.items():
        if rel_error(got[label], want) < TOL:
            continue
        wrongs = [(hint, wrong[label]) for hint, wrong in variants if label in wrong]
        others = [k for k in expected if k != label and rel_error(got[k], expected[k]) < TOL]
        shape = pattern(got[label], want)
        fallback = shape if "times" in shape or "sign" in shape else ""
        if label == "m":
            fallback += (
                " m is the running mean of the gradient: `m = beta1 * m + (1 - beta1) * grad`."
            )
        if label == "v":
            fallback += (
                " v is the running mean of the squared gradient: "
                "`v = beta2 * v + (1 - beta2) * grad**2`."
            )
        if label == "new_param" and len(others) == 2:
            fallback += (
                " m and v are right, so the update itself differs: `param - lr * m_hat / "
                "(np.sqrt(v_hat) + eps)` with `m_hat = m / (1 - beta1**t)` and "
                "`v_hat = v / (1 - beta2**t)`."
            )
        fallback = fallback.strip() or None
        diagnose(label, got[label], want, wrongs, where, fallback)


@checker("adam_step")
def _adam_step(fn):
    """Check ``fn(param, grad, m, v, t, lr, beta1, beta2, eps) -> (new_param, m, v)``."""
    hints = [
        (ZeroDivisionError, "", "a division by zero: at t = 1 the correction is "
         "`1 - beta1**1`; did you use t - 1, or `beta1**0`?"),
    ]  # fmt: skip
    for case in _adam_cases():
        originals = {"param": case.param, "grad": case.grad, "m": case.m, "v": case.v}
        given = copy_tree(originals)
        out = call(
            fn, given["param"], given["grad"], given["m"], given["v"], case.t,
            hints=hints, **case.hyper,
        )  # fmt: skip
        new_param, m, v = expect_tuple(out, ("new_param", "m", "v"))
        expect_unchanged(originals, given)
        if shares_input((new_param, m, v), given):
            raise CheckFailed(
                f"new_param, m or v is one of the arrays you were given{case.where}.", COPY_HINT
            )
        shape = case.param.shape
        dims = f"the shape of param, {shape}"
        got = {
            "m": expect_array(m, "m", shape, dims),
            "v": expect_array(v, "v", shape, dims),
            "new_param": expect_array(new_param, "new_param", shape, dims),
        }
        want_param, want_m, want_v = adam_reference(
            case.param, case.grad, case.m, case.v, case.t, **case.hyper
        )
        expected = {"m": want_m, "v": want_v, "new_param": want_param}
        _diagnose_all(got, expected, _adam_variants(case), case.where)
    return "new_param, m and v match rnncourse.optim.Adam on all 5 test cases."


def _adam_by_hand(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, *, k=None):
    """Adam written out, with the mistake ``k`` (a catalogue key) switched on."""
    if k == "fixed hyperparameters":
        beta1, beta2, eps = 0.9, 0.999, 1e-8
    if k == "weights swapped":
        m2, v2 = (1 - beta1) * m + beta1 * grad, (1 - beta2) * v + beta2 * grad**2
    else:
        m2 = beta1 * m + (1 - beta1) * grad
        v2 = beta2 * v + (1 - beta2) * (grad if k == "v from grad" else grad**2)
    tc = {"t - 1": t - 1, "t + 1": t + 1}.get(k, t)
    with np.errstate(all="ignore"):
        if k == "no bias correction":
            m_hat, v_hat = m2, v2
        else:
            m_hat, v_hat = m2 / (1 - beta1**tc), v2 / (1 - beta2**tc)
        denom = np.sqrt(v_hat + eps) if k == "eps inside" else np.sqrt(v_hat) + eps
        step = lr * m_hat / denom
    new = param + step if k == "sign" else param - step
    if k == "returns m_hat":
        return new, m_hat, v_hat
    if k == "in place":
        m *= beta1
        m += (1 - beta1) * grad
        v *= beta2
        v += (1 - beta2) * grad**2
        param -= step
        return param, m, v
    if k == "old m and v returned":
        return new, m, v
    return new, m2, v2


def _adam_mistake(key, hint):
    return Mistake(key, hint, lambda *a, **kw: _adam_by_hand(*a, **kw, k=key))


def _adam_hint(fragment):
    """The hint of _adam_variants that contains ``fragment`` (one text for both)."""
    hints = [h for c in _adam_cases() for h, _ in _adam_variants(c)]
    return next(h for h in hints if fragment in h)


def _adam_catalogue():
    return [
        _adam_mistake("no bias correction", _adam_hint("bias correction is missing")),
        _adam_mistake("t - 1", _adam_hint("uses t - 1")),
        _adam_mistake("t + 1", _adam_hint("uses t + 1")),
        _adam_mistake("eps inside", _adam_hint("inside the square root")),
        _adam_mistake("v from grad", _adam_hint("*squared* gradient")),
        _adam_mistake("sign", _adam_hint("sign is wrong")),
        _adam_mistake("returns m_hat", _adam_hint("not the bias-corrected")),
        _adam_mistake("weights swapped", _adam_hint("weights of the running averages")),
        _adam_mistake("fixed hyperparameters", _adam_hint("use the arguments")),
        _adam_mistake("in place", MUTATION_HINT_ADAM),
        _adam_mistake(
            "old m and v returned",
            "m and v are returned as they came in: return the *updated* running averages "
            "(`m = beta1 * m + (1 - beta1) * grad`, likewise v), the next step "
            "continues from them.",
        ),
    ]


MUTATION_HINT_ADAM = (
    "`m *= beta1`, `v += ...` or `param -= ...` change the caller's arrays. Compute new ones: "
    "`m = beta1 * m + (1 - beta1) * grad`, `new_param = param - lr * m_hat / (...)`."
)


def _adam_probes():
    return [
        Probe(lambda c=c: ((c.param, c.grad, c.m, c.v, c.t), dict(c.hyper)), c.where)
        for c in _adam_cases()
    ]


adam_step = with_catalogue(
    _adam_step,
    _adam_probes,
    _adam_catalogue(),
    adam_reference,
    [h for c in _adam_cases() for h, _ in _adam_variants(c)],
)


# ---------------------------------------------------------------- variational dropout


class DropoutCase(NamedTuple):
    x: np.ndarray  # (N, T, F), no zero entries
    p: float
    seed: int
    where: str


def _dropout_cases():
    rng = np.random.default_rng(711)
    out = []
    for k, (N, T, F, p, seed) in enumerate(
        ((4, 5, 6, 0.3, 31), (3, 6, 8, 0.6, 32), (2, 3, 4, 0.0, 33)), start=1
    ):
        x = rng.uniform(0.5, 2.0, (N, T, F)) * rng.choice([-1.0, 1.0], (N, T, F))  # no zeros
        out.append(DropoutCase(x, p, seed, f" in test case {k} of 3 (N={N}, T={T}, F={F}, p={p})"))
    return out


def _mask_variants(u, p):
    """Masks that typical mistakes draw from the same uniform numbers u (N, F)."""
    keep, q = u < 1 - p, 1 - p
    with np.errstate(divide="ignore", invalid="ignore"):
        by_p = (u < p) / p if p > 0 else None
    return [
        ("the kept units are not scaled: inverted dropout multiplies them by `1 / (1 - p)`, "
         "so the expected value of every unit stays the same.", keep.astype(float)),
        ("p is the probability of *dropping* a unit, so a unit is kept with probability "
         "1 - p: `keep = u < 1 - p`, then scale by `1 / (1 - p)`.", (u < p) / q),
        ("p is the probability of *dropping* a unit: keep with probability 1 - p "
         "(`u < 1 - p`) and scale by `1 / (1 - p)`, not by `1 / p`.", by_p),
        ("scale by `1 / (1 - p)`, the probability of *keeping* a unit, not by `1 / p`.",
         keep / p if p > 0 else None),
        ("the mask is scaled the wrong way round: multiply the kept units by `1 / (1 - p)`, "
         "not by `1 - p`.", keep * q),
        ("p is the probability of *dropping* a unit: keep with probability 1 - p "
         "(`u < 1 - p`), and scale the kept units by `1 / (1 - p)`.", (u < p).astype(float)),
    ]  # fmt: skip


def _check_time_sharing(out, x, where):
    """The units dropped at step 0 must be dropped at every step (same mask over time)."""
    ratio = out / x  # (N, T, F), x has no zeros
    if not np.allclose(ratio, ratio[:, :1], rtol=1e-9, atol=0):
        raise CheckFailed(
            f"out is wrong{where}: the units dropped differ from one time step to the next.",
            "a new mask each step is ordinary dropout. Variational dropout draws *one* mask "
            "(N, F) per sequence, `rng.random((N, F))` once, and uses it at every step: "
            "`out = x * mask[:, None, :]`.",
        )


@checker("variational_dropout_forward")
def _variational_dropout_forward(fn):
    """Check ``fn(x, p, rng, train=True) -> (out, mask)`` against rnncourse.dropout."""
    hints = [
        (ValueError, "broadcast", "the mask is (N, F) and x (N, T, F): give the mask a time "
         "axis, `mask[:, None, :]` (N, 1, F), so it is the same at every step."),
    ]  # fmt: skip
    for case in _dropout_cases():
        N, T, F = case.x.shape
        given = copy_tree({"x": case.x})
        out = call(fn, given["x"], case.p, np.random.default_rng(case.seed), hints=hints)
        out, mask = expect_tuple(out, ("out", "mask"))
        expect_unchanged({"x": case.x}, given)
        shape_hints = {
            (N, T, F): "the mask has a time axis: variational dropout draws one mask per "
            "sequence, (N, F), and uses it at every step.",
            (N, 1, F): "return the mask as (N, F); add the time axis only to multiply: "
            "`x * mask[:, None, :]`.",
            (F,): "one mask per *sequence*: (N, F), `rng.random((N, F))`, not one for the "
            "whole batch.",
            (T, F): "the mask is (N, F): one row per sequence, shared by the T steps.",
        }
        mask = expect_array(mask, "mask", (N, F), "(N, F)", shape_hints)
        out = expect_array(out, "out", (N, T, F), "(N, T, F)")
        _check_time_sharing(out, case.x, case.where)

        u = np.random.default_rng(case.seed).random((N, F))
        want, want_mask = dropout.variational_dropout_forward(
            case.x, case.p, np.random.default_rng(case.seed)
        )
        alternative = (u >= case.p) / (1 - case.p)  # keeping u >= p is just as right
        if rel_error(mask, alternative) < TOL:
            want, want_mask = case.x * alternative[:, None, :], alternative
        variants = [(hint, m) for hint, m in _mask_variants(u, case.p) if m is not None]
        rng_hint = None
        values_ok = np.all(np.isclose(mask, 0) | np.isclose(mask, 1 / (1 - case.p)))
        if values_ok:
            rng_hint = (
                "the mask looks right but holds other random numbers: draw them from the rng "
                "you are given, once: `u = rng.random((N, F))` (not np.random, not per step), "
                "and keep `u < 1 - p`."
            )
        diagnose("mask", mask, want_mask, variants, case.where, fallback=rng_hint)
        diagnose(
            "out", out, want, [], case.where,
            fallback="out must be `x * mask[:, None, :]`, with the mask you return.",
        )  # fmt: skip

    # evaluation: nothing is dropped and nothing is scaled
    case = _dropout_cases()[0]
    given = copy_tree({"x": case.x})
    eval_hints = [
        (AttributeError, "NoneType", "with train=False nothing is dropped: return before "
         "drawing a mask (rng may be None at evaluation)."),
    ]  # fmt: skip
    result = call(fn, given["x"], case.p, None, train=False, hints=eval_hints)
    out, mask = expect_tuple(result, ("out", "mask"))
    expect_unchanged({"x": case.x}, given)
    if shares_input(out, given):
        raise CheckFailed(
            "with train=False your function returned x itself (or a view of it).",
            COPY_HINT + " At evaluation: `return x.copy(), np.ones((N, F))`.",
        )
    N, T, F = case.x.shape
    mask = expect_array(mask, "mask", (N, F), "(N, F)")
    out = expect_array(out, "out", (N, T, F), "(N, T, F)")
    where = " with train=False (evaluation)"
    diagnose(
        "out", out, case.x, [
            ("at evaluation inverted dropout does nothing: the scaling by 1 / (1 - p) "
             "happened in training, so return x unchanged (not x * (1 - p)).",
             case.x * (1 - case.p)),
        ], where,
        fallback="with train=False return x unchanged and a mask of ones.",
    )  # fmt: skip
    diagnose("mask", mask, np.ones((N, F)), [], where, fallback="the mask is all ones.")
    return "out and mask match the reference on all 3 test cases and at evaluation."


@checker("variational_dropout_backward")
def _variational_dropout_backward(fn):
    """Check ``fn(dout, mask) -> dx`` against rnncourse.dropout."""
    hints = [
        (ValueError, "broadcast", "the mask is (N, F) and dout (N, T, F): give the mask a "
         "time axis, `mask[:, None, :]`, so the same mask multiplies every step."),
    ]  # fmt: skip
    rng = np.random.default_rng(721)
    for case in _dropout_cases():
        N, T, F = case.x.shape
        dout = rng.standard_normal((N, T, F))
        _, mask = dropout.variational_dropout_forward(
            case.x, case.p, np.random.default_rng(case.seed)
        )
        originals = {"dout": dout, "mask": mask}
        given = copy_tree(originals)
        dx = call(fn, given["dout"], given["mask"], hints=hints)
        expect_unchanged(originals, given)
        if shares_input(dx, given):
            raise CheckFailed(f"dx is the array dout you were given{case.where}.", COPY_HINT)
        shape_hints = {
            (N, F): "dx has the shape of x, (N, T, F): do not sum over time; each step's "
            "gradient is that step's dout times the mask."
        }
        dx = expect_array(dx, "dx", (N, T, F), "(N, T, F)", shape_hints)
        want = dropout.variational_dropout_backward(dout, mask)
        q = 1 - case.p
        variants = [
            ("the gradient must go back through the same mask: `dx = dout * mask[:, None, :]`; "
             "a dropped unit gets no gradient.", dout),
            ("the mask already holds the scaling 1 / (1 - p); multiply by the mask alone.",
             dout * mask[:, None, :] / q),
            ("the mask already holds the scaling 1 / (1 - p); multiply by the mask alone.",
             dout * mask[:, None, :] * q),
            ("multiply by the mask, do not divide: the forward pass was `x * mask`.",
             np.where(mask[:, None, :] == 0, 0.0, dout / np.where(mask == 0, 1, mask)[:, None])),
        ]  # fmt: skip
        if case.p > 0:
            diagnose("dx", dx, want, variants, case.where, pattern(dx, want, ("N", "T", "F")))
        else:  # with p = 0 the mask is all ones: only dout itself is right
            diagnose("dx", dx, want, [], case.where, pattern(dx, want, ("N", "T", "F")))
    return "dx matches the reference on all 3 test cases."


# ---------------------------------------------------------------- dropout catalogues


def _vd_by_hand(x, p, rng=None, train=True, *, k=None):
    """Variational dropout written out, with the mistake ``k`` switched on."""
    N, T, F = x.shape
    if not train:
        if k == "scaled at evaluation":
            return x * (1 - p), np.ones((N, F))
        if k == "x itself at evaluation":
            return x, np.ones((N, F))
        if k != "draws at evaluation":
            return x.copy(), np.ones((N, F))
    if k == "new mask each step":
        masks = [(rng.random((N, F)) < 1 - p) / (1 - p) for _ in range(T)]
        return x * np.stack(masks, axis=1), masks[-1]
    if k == "mask with a time axis":
        mask = (rng.random((N, T, F)) < 1 - p) / (1 - p)
        return x * mask, mask
    u = np.random.default_rng(0).random((N, F)) if k == "own generator" else rng.random((N, F))
    keep, q = u < 1 - p, 1 - p
    with np.errstate(all="ignore"):
        mask = {
            "not scaled": keep.astype(float),
            "keep and drop confused": (u < p) / q,
            "keep u < p, scale 1 / p": (u < p) / p,
            "scale 1 / p": keep / p,
            "scale by 1 - p": keep * q,
            "keep u < p, not scaled": (u < p).astype(float),
        }.get(k, keep / q)
    if k == "no time axis":
        return x * mask, mask
    if k == "mask returned as (N, 1, F)":
        return x * mask[:, None, :], mask[:, None, :]
    if k == "in place":
        x *= mask[:, None, :]
        return x, mask
    return x * mask[:, None, :], mask


def _vd_mistake(key, hint):
    return Mistake(key, hint, lambda *a, **kw: _vd_by_hand(*a, **kw, k=key))


def _mask_hint(fragment):
    u = np.random.default_rng(0).random((3, 4))
    return next(h for h, _ in _mask_variants(u, 0.3) if fragment in h)


def _dropout_forward_catalogue():
    return [
        _vd_mistake("not scaled", _mask_hint("not scaled")),
        _vd_mistake("keep and drop confused", _mask_hint("so a unit is kept with probability")),
        _vd_mistake("keep u < p, scale 1 / p", _mask_hint("not by `1 / p`")),
        _vd_mistake("scale 1 / p", _mask_hint("the probability of *keeping*")),
        _vd_mistake("scale by 1 - p", _mask_hint("wrong way round")),
        _vd_mistake("keep u < p, not scaled", _mask_hint("and scale the kept units")),
        _vd_mistake(
            "new mask each step",
            "a new mask each step is ordinary dropout. Variational dropout draws *one* mask "
            "(N, F) per sequence, `rng.random((N, F))` once, and uses it at every step: "
            "`out = x * mask[:, None, :]`.",
        ),
        _vd_mistake(
            "mask with a time axis",
            "the mask has a time axis: variational dropout draws one mask per "
            "sequence, (N, F), and uses it at every step.",
        ),
        _vd_mistake(
            "own generator",
            "the mask looks right but holds other random numbers: draw them from the rng "
            "you are given, once: `u = rng.random((N, F))` (not np.random, not per step), "
            "and keep `u < 1 - p`.",
        ),
        _vd_mistake(
            "scaled at evaluation",
            "at evaluation inverted dropout does nothing: the scaling by 1 / (1 - p) "
            "happened in training, so return x unchanged (not x * (1 - p)).",
        ),
        _vd_mistake(
            "draws at evaluation",
            "with train=False nothing is dropped: return before drawing a mask (rng may be "
            "None at evaluation).",
        ),
        _vd_mistake(
            "x itself at evaluation",
            COPY_HINT + " At evaluation: `return x.copy(), np.ones((N, F))`.",
        ),  # fmt: skip
        _vd_mistake(
            "no time axis",
            "the mask is (N, F) and x (N, T, F): give the mask a time axis, `mask[:, None, :]` "
            "(N, 1, F), so it is the same at every step.",
        ),
        _vd_mistake(
            "mask returned as (N, 1, F)",
            "return the mask as (N, F); add the time axis only to multiply: "
            "`x * mask[:, None, :]`.",
        ),
        _vd_mistake(
            "in place",
            "`x *= mask[:, None, :]` changes the caller's x: compute a new array, "
            "`out = x * mask[:, None, :]`.",
        ),
    ]


def _dropout_forward_probes():
    out = [
        Probe(lambda c=c: ((c.x, c.p, np.random.default_rng(c.seed)), {}), c.where)
        for c in _dropout_cases()
    ]
    c = _dropout_cases()[0]
    out.append(Probe(lambda: ((c.x, c.p, None), {"train": False}), "evaluation"))
    return out


def _vd_backward_by_hand(dout, mask, *, k=None):
    q = 1 / mask.max() if mask.max() > 0 else 1.0
    with np.errstate(all="ignore"):
        if k == "no mask":
            return dout.copy()
        if k == "dout itself":
            return dout
        if k == "no time axis":
            return dout * mask
        if k == "summed over time":
            return (dout * mask[:, None, :]).sum(axis=1)
        if k == "scaled again":
            return dout * mask[:, None, :] / q
        if k == "scaled back":
            return dout * mask[:, None, :] * q
        if k == "divided by the mask":
            safe = np.where(mask == 0, 1.0, mask)
            return np.where(mask[:, None, :] == 0, 0.0, dout / safe[:, None, :])
        if k == "in place":
            dout *= mask[:, None, :]
            return dout
    return dout * mask[:, None, :]


def _dropout_backward_catalogue():
    texts = {
        "no mask": "the gradient must go back through the same mask: "
        "`dx = dout * mask[:, None, :]`; a dropped unit gets no gradient.",
        "dout itself": "dx is dout itself: the gradient must go back through the same mask, "
        "`dx = dout * mask[:, None, :]` (a new array).",
        "no time axis": "the mask is (N, F) and dout (N, T, F): give the mask a "
        "time axis, `mask[:, None, :]`, so the same mask multiplies every step.",
        "summed over time": "dx has the shape of x, (N, T, F): do not sum over time; each "
        "step's gradient is that step's dout times the mask.",
        "scaled again": "the mask already holds the scaling 1 / (1 - p); multiply by the mask "
        "alone (dividing by 1 - p again scales twice).",
        "scaled back": "the mask already holds the scaling 1 / (1 - p); multiply by the mask "
        "alone (multiplying by 1 - p undoes it).",
        "divided by the mask": "multiply by the mask, do not divide: the forward pass was "
        "`x * mask`.",
        "in place": "`dout *= mask[:, None, :]` changes the caller's dout: compute a new "
        "array, `dx = dout * mask[:, None, :]`.",
    }
    return [
        Mistake(key, hint, lambda d, m, key=key: _vd_backward_by_hand(d, m, k=key))
        for key, hint in texts.items()
    ]


def _dropout_backward_probes():
    rng = np.random.default_rng(721)
    out = []
    for c in _dropout_cases():
        dout = rng.standard_normal(c.x.shape)
        _, mask = dropout.variational_dropout_forward(c.x, c.p, np.random.default_rng(c.seed))
        out.append(Probe(lambda d=dout, m=mask: ((d, m), {}), c.where))
    return out


variational_dropout_forward = with_catalogue(
    _variational_dropout_forward,
    _dropout_forward_probes,
    _dropout_forward_catalogue(),
    dropout.variational_dropout_forward,
    [h for h, _ in _mask_variants(np.random.default_rng(0).random((3, 4)), 0.3)],
)
variational_dropout_backward = with_catalogue(
    _variational_dropout_backward,
    _dropout_backward_probes,
    _dropout_backward_catalogue(),
    dropout.variational_dropout_backward,
)
