"""Catalogues of typical mistakes, and a checker that names one only when it explains everything.

A checker's catalogue is a list of :class:`Mistake`: a short key, the hint a learner gets, and
a small wrong implementation with the exercise's signature. :func:`with_catalogue` wraps a
checker (a function ``fn -> CheckResult`` made with :func:`rnncourse.check._harness.checker`):

1. the checker runs as before; when it passes, that is the answer;
2. when it fails, the learner's function and every catalogue entry are run on the same
   probes (:class:`Probe`: fixed inputs of several sizes, fresh copies and generators each
   time). A mistake is named only when the learner's outputs equal that entry's on *every*
   probe (same shapes, values within 1e-7, same exceptions, same in-place changes and
   aliasing), so a count or a shape that coincides on one size never names the wrong mistake;
3. otherwise, if the checker's own hint was a catalogue hint (it matched on one test case
   only), that hint is replaced by a localising one: the checker's message already says which
   output and which element first differ, and :func:`pattern` says what the difference looks
   like (a constant factor, a sign, a shift by one step, only some steps or rows wrong).

The tests of each checker run every entry of its catalogue and assert that it is rejected with
its own hint; ``make mutants`` (tools/) measures the same checkers against mutated solutions.
"""

import contextlib
import io
import warnings
from collections.abc import Callable, Mapping
from typing import NamedTuple

import numpy as np

from ..gradcheck import rel_error
from ._harness import TOL, copy_tree, find_change
from ._result import CheckResult

COPY_HINT = (
    "your function returned one of its inputs (or an array that shares memory with it), not a "
    "new array. The caller still uses its arrays: build a new one (`x * mask`, `param - step`, "
    "`x.copy()`), so that changing your result never changes the input, nor the other way round."
)


ONE_CASE_HINT = (
    "on this test case your output is what a known mistake gives, but not on every test case, "
    "so it is probably something else. Compare the element named above by hand, and run the "
    "smallest case (N = 1, T = 1) to see where it starts."
)


class Mistake(NamedTuple):
    """One typical mistake: ``fn`` is a small wrong implementation, ``hint`` what to say."""

    key: str  # a short name, e.g. "no bias correction" (tests and reports use it)
    hint: str
    fn: Callable


class Probe(NamedTuple):
    """One fixed call: ``make()`` returns fresh ``(args, kwargs)`` (new copies, new rngs).

    With ``repeat`` > 1 the function is called that many times on copies of the same
    arguments (a generator among them is shared, so it moves on): the outcome is the list of
    outputs, which tells samplers apart where one draw could coincide."""

    make: Callable
    label: str = ""
    repeat: int = 1


class _Raised(NamedTuple):
    kind: str  # the exception's type name


class Outcome(NamedTuple):
    """What one call did: its output, which input it changed, whether it aliased an input."""

    out: object
    changed: object  # None, or the path of the first changed input
    aliased: bool


def _arrays(value):
    if isinstance(value, np.ndarray):
        yield value
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _arrays(v)
    elif isinstance(value, tuple | list):
        for v in value:
            yield from _arrays(v)


def shares_input(out, given):
    """True when an array in ``out`` shares memory with an array in ``given``."""
    try:
        inputs = list(_arrays(given))
        return any(np.shares_memory(a, b) for a in _arrays(out) for b in inputs)
    except Exception:  # an object whose memory cannot be inspected
        return False


def _quiet():
    """Swallow what a function prints while it is probed."""
    stack = contextlib.ExitStack()
    stack.enter_context(contextlib.redirect_stdout(io.StringIO()))
    stack.enter_context(contextlib.redirect_stderr(io.StringIO()))
    return stack


def run_probe(fn, probe):
    """Call ``fn`` on one probe; never raises. Returns an :class:`Outcome`."""
    args, kwargs = probe.make()
    given_args, given_kwargs = copy_tree(args), copy_tree(kwargs)
    try:  # quietly: the learner already saw what their function prints
        with np.errstate(all="ignore"), warnings.catch_warnings(), _quiet():
            warnings.simplefilter("ignore")
            out = fn(*given_args, **given_kwargs)
            if probe.repeat > 1:
                out = [out] + [
                    fn(*copy_tree(args), **copy_tree(kwargs)) for _ in range(probe.repeat - 1)
                ]
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 - a probe records, never raises
        return Outcome(_Raised(type(exc).__name__), None, False)
    try:
        changed = find_change(tuple(args), tuple(given_args), "args") or find_change(
            kwargs, given_kwargs, "kwargs"
        )
    except Exception:
        changed = "?"
    return Outcome(out, changed, shares_input(out, (given_args, given_kwargs)))


def same(a, b):
    """Deep comparison of two outputs: arrays within TOL, numbers within TOL, same structure."""
    try:
        if isinstance(a, _Raised) or isinstance(b, _Raised):
            return isinstance(a, _Raised) and isinstance(b, _Raised) and a.kind == b.kind
        if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
            if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
                return False
            if a.shape != b.shape or a.dtype.kind != b.dtype.kind:
                return False
            if a.dtype.kind not in "fc":
                return bool(np.array_equal(a, b))
            fa, fb = np.isfinite(a), np.isfinite(b)
            if not np.array_equal(fa, fb) or not np.array_equal(a[~fa], b[~fb], equal_nan=True):
                return False
            return a.size == 0 or not fa.any() or rel_error(a[fa], b[fb]) < TOL
        if isinstance(a, Mapping):
            return isinstance(b, Mapping) and set(a) == set(b) and all(same(a[k], b[k]) for k in a)
        if isinstance(a, tuple | list):
            return (
                isinstance(b, tuple | list)
                and len(a) == len(b)
                and all(same(x, y) for x, y in zip(a, b, strict=True))
            )
        if isinstance(a, bool | np.bool_) or isinstance(b, bool | np.bool_):
            return type(a) is type(b) and a == b
        if isinstance(a, int | float | np.number) and isinstance(b, int | float | np.number):
            if np.isnan(a) or np.isnan(b):
                return bool(np.isnan(a) and np.isnan(b))
            return a == b or abs(a - b) <= TOL * (abs(a) + abs(b))
        return type(a) is type(b) and bool(a == b)
    except Exception:
        return False


def same_outcome(a, b):
    """Two :class:`Outcome` agree: same output, same input changed or not, same aliasing."""
    return (
        (a.changed is None) == (b.changed is None)
        and bool(a.aliased) == bool(b.aliased)
        and bool(same(a.out, b.out))
    )


def outcomes(fn, probes, view=None):
    """The outcome of every probe; ``view`` (optional) keeps the part of an output that is
    compared, e.g. the scores without the cache."""
    found = [run_probe(fn, p) for p in probes]
    if view is None:
        return found

    def part(out):
        try:
            return out if isinstance(out, _Raised) else view(out)
        except Exception:
            return _Raised("view")

    # the viewed part is compared; what the rest (a cache) shares with the inputs is not
    return [o._replace(out=part(o.out), aliased=False) for o in found]


def _undefined(outcome):
    """The mistake has no answer here: it raised, or gave NaN or infinity."""
    out = outcome.out
    if isinstance(out, _Raised):
        return True
    try:
        return any(a.dtype.kind in "fc" and not np.isfinite(a).all() for a in _arrays(out))
    except Exception:
        return False


def find_mistake(fn, probes, catalogue, reference=None, view=None):
    """The first catalogue entry whose outcomes equal ``fn``'s on every probe, or None.

    With ``reference``, a probe where the mistake has no answer (it raises or gives NaN, e.g.
    a division by p at p = 0) and ``fn`` gives the reference's answer does not count against
    the match: the learner guarded that case and made the same mistake everywhere else.
    """
    got = outcomes(fn, probes, view)
    right = outcomes(reference, probes, view) if reference is not None else [None] * len(probes)
    for mistake in catalogue:
        want = outcomes(mistake.fn, probes, view)
        triples = list(zip(got, want, right, strict=True))
        explained = all(
            same_outcome(g, w) or (r is not None and _undefined(w) and same_outcome(g, r))
            for g, w, r in triples
        )
        all_right = all(r is not None and same_outcome(g, r) for g, _, r in triples)
        if explained and not all_right:
            return mistake
    return None


def with_catalogue(
    check, probes, catalogue, reference=None, one_case_hints=None, view=None, second=None
):
    """Wrap ``check`` so that a mistake is named only when it explains every probe.

    ``probes`` is a list of :class:`Probe` (or a function returning one), ``catalogue`` a list
    of :class:`Mistake`, ``reference`` the right implementation (see :func:`find_mistake`).
    ``one_case_hints`` are the hints ``check`` gives after comparing numbers with a mistake's
    on one test case (default: every catalogue hint); when the catalogue does not confirm them
    on every probe they are replaced by a localising hint (it may also be a predicate
    ``hint -> bool``). Hints ``check`` draws from a property
    (a mask that changes over time, an exception) stay. The wrapped checker keeps ``check``'s
    name and docstring and gains the attributes ``catalogue``, ``probes`` and ``reference``
    (the tests and ``make mutants`` use them). ``view`` picks the compared part of an output
    (see :func:`outcomes`). ``second`` is ``(probes, catalogue, reference)`` for a checker's
    optional second function (a backward pass): used when that one is given and fails.
    """
    if one_case_hints is None:
        one_case_hints = {m.hint for m in catalogue}
    if callable(one_case_hints):
        by_one_case = one_case_hints
    else:
        hints = set(one_case_hints)

        def by_one_case(hint):
            return hint in hints

    def run(fn, *more):
        result = check(fn, *more)
        if result or not callable(fn):
            return result
        if more:
            return _second(result, more[0])
        try:
            plist = probes() if callable(probes) else probes
            found = find_mistake(fn, plist, catalogue, reference, view)
        except Exception:  # the wrapper must never raise either
            return result
        if found is not None:  # the checker's own text wins when it already says as much
            hint = result.hint if result.hint and found.hint in result.hint else found.hint
            return CheckResult(False, result.name, result.message, hint)
        if result.hint and by_one_case(result.hint):
            return CheckResult(False, result.name, result.message, ONE_CASE_HINT)
        return result

    def _second(result, fn2):
        if second is None or not callable(fn2) or "backward" not in result.message:
            return result
        probes2, catalogue2, reference2 = second
        try:
            found = find_mistake(fn2, probes2() if callable(probes2) else probes2, catalogue2,
                                 reference2)  # fmt: skip
        except Exception:
            return result
        if found is not None:
            hint = result.hint if result.hint and found.hint in result.hint else found.hint
            return CheckResult(False, result.name, result.message, hint)
        if result.hint in {m.hint for m in catalogue2}:
            return CheckResult(False, result.name, result.message, ONE_CASE_HINT)
        return result

    run.__name__ = getattr(check, "__name__", "checker")
    run.__doc__ = check.__doc__
    run.__wrapped__ = check
    run.catalogue = catalogue
    run.probes = probes
    run.reference = reference
    run.second = second
    return run


def pattern(got, want, axis_names=None, sizes=None):
    """A sentence on what separates ``got`` from ``want`` (same shape), or ``""``.

    ``axis_names`` names the axes (e.g. ``("N", "T", "H")``); ``sizes`` maps letters to their
    values in this case (``{"T": 5}``), so a factor of T can be called a sum over steps.
    """
    try:
        got, want = np.asarray(got, float), np.asarray(want, float)
        if got.shape != want.shape or got.size == 0:
            return ""
        diff = ~np.isclose(got, want, rtol=1e-7, atol=1e-12)
        if not diff.any():
            return ""
        sizes = sizes or {}
        mask = np.abs(want) > 1e-12
        if mask.sum() >= 2 and not (np.abs(got[~mask]) > 1e-12).any():
            ratio = got[mask] / want[mask]
            r = float(np.median(ratio))
            if np.allclose(ratio, r, rtol=1e-7):
                if np.isclose(r, -1):
                    return "every entry has the wrong sign (a minus sign is missing or extra)."
                if np.isclose(r, 0):
                    return "every entry is zero: is a result computed but never stored?"
                for letter, n in sizes.items():
                    if n > 1 and np.isclose(r, n):
                        return (f"every entry is {letter} = {n} times too large: a sum over "
                                f"{letter} where a mean was meant?")  # fmt: skip
                    if n > 1 and np.isclose(r, 1 / n):
                        return (f"every entry is {letter} = {n} times too small: a mean over "
                                f"{letter} where a sum was meant?")  # fmt: skip
                return f"every entry is {r:.4g} times the right one: a factor is wrong or missing."
        if axis_names and len(axis_names) == got.ndim:
            for axis, name in enumerate(axis_names):
                if got.shape[axis] < 2:
                    continue
                bad = np.nonzero(diff.any(axis=tuple(i for i in range(got.ndim) if i != axis)))[0]
                n = got.shape[axis]
                if len(bad) < n:
                    shown = ", ".join(str(int(i)) for i in bad[:4])
                    shown += ", ..." if len(bad) > 4 else ""
                    text = f"only {name} = {shown} of 0..{n - 1} differ; the others are right"
                    if name in ("T", "t") and list(bad) == [0]:
                        text += " (the first step: the initial state, or a loop that skips it?)"
                    elif name in ("T", "t") and list(bad) == [n - 1]:
                        text += " (the last step: does the loop stop one step early?)"
                    return text + "."
                for shift in (1, -1):
                    moved = np.roll(want, shift, axis=axis)
                    inner = [slice(None)] * got.ndim
                    inner[axis] = slice(1, None) if shift == 1 else slice(None, -1)
                    if np.allclose(got[tuple(inner)], moved[tuple(inner)], rtol=1e-7, atol=1e-12):
                        later = "later" if shift == 1 else "earlier"
                        return (
                            f"your values are the right ones moved by one {name} ({later}): "
                            "an index off by one."
                        )
        if got.ndim == 2 and got.shape[0] == got.shape[1] and np.allclose(got, want.T):
            return "your array is the transpose of the right one."
        share = diff.mean()
        return f"{share:.0%} of the entries differ."
    except Exception:
        return ""
