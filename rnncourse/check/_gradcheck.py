"""Checker for the numerical-gradient exercise (central differences).

Four fixed cases: a curved scalar function (where forward and central differences differ
clearly), an array-valued function with an upstream gradient df, a function that reads x
through a closure (so x must change in place), and a 3-D x with an explicit step h.
"""

from typing import NamedTuple

import numpy as np

from ..gradcheck import numerical_gradient as reference
from ._harness import (
    CheckFailed,
    call,
    copy_tree,
    diagnose,
    expect_array,
    expect_unchanged,
    format_pair,
)
from ._named import Mistake, Probe, named_checker

HINTS = [
    (TypeError, "NoneType", "when df is None, f returns a number: use the difference itself; "
     "multiply by df only when it is given (`if df is None:`)."),
    (ValueError, "truth value", "test `if df is None:`, not `if df:` (df is an array)."),
    (TypeError, "argument 'h'", "the step is a parameter named h: "
     "`def numerical_gradient(f, x, df=None, h=1e-5)`."),
    (IndexError, "", "x may have any number of axes: visit every entry with "
     "`np.ndindex(x.shape)` or `np.nditer`."),
]  # fmt: skip

CENTRAL = "use the central difference `(f(x+h) - f(x-h)) / (2*h)`, whose error is far smaller."
SCHEME_HINTS = {
    "forward": "that is the forward difference `(f(x+h) - f(x)) / h`; " + CENTRAL,
    "backward": "that is the backward difference `(f(x) - f(x-h)) / h`; " + CENTRAL,
    "by_h": "dividing by h doubles the result: x+h and x-h are 2h apart, divide by `2 * h`.",
    "times_h": "`/ 2 * h` divides by 2, then multiplies by h: write `/ (2 * h)`.",
}


class Case(NamedTuple):
    x: np.ndarray  # what the learner gets (f may read this very array through a closure)
    f: object
    df: object  # None or an array shaped like f(x)
    h: object  # None (use the learner's default) or a step passed as h=...
    where: str
    extra: list  # (hint, kind) pairs: mistakes only this case shows (see _variants)
    fallback: object  # hint when no known mistake matches


def _estimate(f, x, df, h, scheme):
    """Finite differences with a chosen (often wrong) scheme; x is restored exactly."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        plus = np.array(f(x), dtype=np.float64)
        x[i] = old - h
        minus = np.array(f(x), dtype=np.float64)
        x[i] = old
        here = np.array(f(x), dtype=np.float64)
        diff = {
            "forward": (plus - here) / h,
            "backward": (here - minus) / h,
            "by_h": (plus - minus) / h,
            "times_h": (plus - minus) / 2 * h,
            "central": (plus - minus) / (2 * h),
        }[scheme]
        grad[i] = np.sum(diff if df is None else diff * df)
    return grad


def _cases():
    rng = np.random.default_rng(201)
    x1, w1 = 0.5 * rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    x2, W2 = rng.standard_normal((4, 3)), 0.7 * rng.standard_normal((3, 5))
    df2 = rng.standard_normal((4, 5))
    params = {"W": rng.standard_normal((3, 4))}
    v3, c3 = rng.standard_normal((2, 3)), rng.standard_normal((2, 4))
    x4, w4 = 0.5 * rng.standard_normal((2, 3, 2)), rng.standard_normal((2, 3, 2))

    def closure_loss(_):  # ignores its argument: reads params["W"], like a weight in a model
        return float(np.sum(c3 * np.tanh(v3 @ params["W"])))

    return [
        Case(x1, lambda x: float(np.sum(w1 * np.exp(2 * x))), None, None,
             " in test case 1 of 4 (x (3, 4), f returns a number, df=None)", [], None),
        Case(x2, lambda x: np.tanh(x @ W2), df2, None,
             " in test case 2 of 4 (x (4, 3), f returns an array (4, 5), df given)",
             [("df is ignored: weight the differences by df before summing, "
               "`np.sum((f_plus - f_minus) * df) / (2 * h)`.", "ignore_df")], None),
        Case(params["W"], closure_loss, None, None,
             " in test case 3 of 4 (f reads x through a closure)",
             [("f reads x through a closure here (like a weight inside params), so it sees only "
               "changes made to x itself: nudge `x[i]` in place, call f, restore it; do not "
               "nudge a copy.", "zeros")], None),
        Case(x4, lambda x: float(np.sum(w4 * np.exp(2 * x))), None, 1e-2,
             " in test case 4 of 4 (x (2, 3, 2), called with h=1e-2)",
             [("your function ignores its argument h: this case passes `h=1e-2`.", "h=1e-5")],
             "this case has a 3-D x and passes `h=1e-2`: visit every entry whatever the "
             "number of axes (`np.ndindex(x.shape)`), and use the h you are given."),
    ]  # fmt: skip


FALLBACK = (
    "compare one entry by hand: `(f(x + h e_i) - f(x - h e_i)) / (2 * h)`, weighted by df when "
    "df is given, with x restored after each entry."
)


def _variants(case, h):
    variants = [
        (hint, _estimate(case.f, case.x, case.df, h, s)) for s, hint in SCHEME_HINTS.items()
    ]
    for hint, kind in case.extra:
        if kind == "ignore_df":
            wrong = _estimate(case.f, case.x, np.ones_like(case.df), h, "central")
        elif kind == "zeros":
            wrong = np.zeros_like(case.x)
        else:  # "h=1e-5": the default step instead of the one passed
            wrong = reference(case.f, case.x, case.df, 1e-5)
        variants.append((hint, wrong))
    return variants


def _expect_restored(before, after):
    if np.allclose(after, before, rtol=1e-10, atol=1e-12):
        return
    i = np.unravel_index(int(np.argmax(np.abs(after - before))), before.shape)
    index = ", ".join(str(int(k)) for k in i)
    now, then = format_pair(after[i], before[i])
    raise CheckFailed(
        f"x is not restored: after your function returned, x[{index}] is {now} "
        f"instead of {then} (off by {after[i] - before[i]:.1e}).",
        RESTORE_HINT,
    )


RESTORE_HINT = (
    "save `old = x[i]` before nudging x[i], and put it back with `x[i] = old` after the "
    "two calls to f."
)


def catalogue():
    """The typical mistakes of numerical_gradient, each a small wrong implementation."""

    def scheme(s):
        return lambda f, x, df=None, h=1e-5: _estimate(f, x, df, h, s)

    def ignore_df(f, x, df=None, h=1e-5):
        return _estimate(f, x, None if df is None else np.ones_like(df), h, "central")

    def not_restored(f, x, df=None, h=1e-5):
        grad = reference(f, x, df, h)
        x -= h  # left at x - h, as after the second call to f
        return grad

    cases = _cases()
    return [Mistake(s, hint, scheme(s)) for s, hint in SCHEME_HINTS.items()] + [
        Mistake("ignores df", cases[1].extra[0][0], ignore_df),
        Mistake(
            "ignores h", cases[3].extra[0][0], lambda f, x, df=None, h=1e-5: reference(f, x, df)
        ),
        Mistake("x not restored", RESTORE_HINT, not_restored),
    ]


def _probes():
    """Cases 1, 2 and 4 (the closure of case 3 reads an array the probe would copy)."""

    def make(k):
        case = _cases()[k]
        args = (case.f, case.x) if case.df is None else (case.f, case.x, case.df)
        return args, {} if case.h is None else {"h": case.h}

    return [Probe(lambda k=k: make(k), str(k)) for k in (0, 1, 3)]


_CLOSURE_HINTS = {hint for hint, kind in _cases()[2].extra}


@named_checker("numerical_gradient", catalogue, _probes)
def numerical_gradient(fn):
    """Check ``fn(f, x, df=None, h=1e-5)`` against rnncourse.gradcheck.numerical_gradient."""
    for case in _cases():
        h = 1e-5 if case.h is None else case.h
        expected = reference(case.f, case.x, case.df, h)
        variants = _variants(case, h)
        x_before = case.x.copy()
        args = (case.f, case.x) if case.df is None else (case.f, case.x, copy_tree(case.df))
        kwargs = {} if case.h is None else {"h": case.h}
        grad = call(fn, *args, hints=HINTS, **kwargs)
        _expect_restored(x_before, case.x)
        if case.df is not None:
            expect_unchanged({"df": case.df}, {"df": args[2]})
        shape_hints = {
            (case.x.size,): "grad is flat: return it shaped like x, e.g. fill "
            "`grad = np.zeros_like(x)`.",
            (): "a single number: return one partial derivative per entry of x.",
        }
        expect_array(grad, "grad", case.x.shape, "shaped like x", shape_hints)
        # only the closure case names a mistake here (zeros: a copy of x was nudged, which
        # no other case can show); the catalogue names the rest when it explains every case
        robust = [(hint, wrong) for hint, wrong in variants if hint in _CLOSURE_HINTS]
        diagnose("grad", grad, expected, robust, case.where, case.fallback or FALLBACK)
    return "grad matches central differences on all 4 test cases."
