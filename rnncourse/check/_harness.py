"""Shared machinery for the exercise checkers: run safely, inspect outputs, name mistakes.

A checker is a function ``body(fn)`` wrapped by :func:`checker`. The body calls the
learner's ``fn`` through :func:`call`, inspects what came back with :func:`expect_tuple`,
:func:`expect_array`, :func:`expect_keys` and :func:`expect_unchanged`, and compares numbers
with :func:`diagnose`. Each of them raises :class:`CheckFailed` on the first problem; the
wrapper turns that (or anything unexpected) into a failed :class:`CheckResult`, so a checker
never raises. A new checker is a few lines::

    @checker("lstm_step_forward")
    def lstm_step_forward(fn):
        for case in cases:
            out = call(fn, *copy_tree(case.inputs))
            h_t, _ = expect_tuple(out, ("h_t", "cache"))
            expect_array(h_t, "h_t", case.shape, "(N, H)")
            diagnose("h_t", h_t, case.expected, [(hint, wrong), ...], where=case.where)
        return "h_t matches the reference on every test case."
"""

import functools
import warnings
from collections.abc import Mapping

import numpy as np

from .. import progress
from ..gradcheck import rel_error
from ._result import CheckResult

#: Two arrays agree when their relative error is below this (float64 throughout).
TOL = 1e-7

MATMUL_HINT = (
    "a matrix product got shapes that do not fit. With row vectors the batch comes first, "
    "e.g. `(N, D) @ (D, H) -> (N, H)`: print the shapes of both factors and check the order "
    "of the matrix product and which matrix is transposed."
)
BROADCAST_HINT = (
    "two arrays of different shapes were combined entry by entry. Print their shapes: "
    "is a `*` meant to be a matrix product `@`, or is a transpose or a `.sum(axis=0)` missing?"
)
NONE_HINT = "a value is None: does a function you call (yours or a helper) end without `return`?"
MUTATION_HINT = (
    "`+=`, `*=` or `a[...] = ...` on an argument changes the caller's array. Compute into a "
    "new array instead (`da = dh_t * ...`, not `dh_t *= ...`), or work on a `.copy()`."
)


class CheckFailed(Exception):
    """Raised inside a checker body to stop it with a failed result."""

    def __init__(self, message, hint=None):
        super().__init__(message)
        self.message = message
        self.hint = hint


def checker(name):
    """Turn ``body(fn) -> success message`` into a checker that returns a CheckResult."""

    def wrap(body):
        @functools.wraps(body)
        def run(fn):
            if not callable(fn):
                return CheckResult(
                    False,
                    name,
                    f"expected your function, but got {describe(fn)}.",
                    f"pass the function itself, without calling it: `check.{name}({name})`.",
                )
            try:
                message = body(fn)
            except CheckFailed as failure:
                return CheckResult(False, name, failure.message, failure.hint)
            except Exception as exc:  # a case the checker did not foresee: still never raise
                return CheckResult(
                    False,
                    name,
                    f"the check could not finish ({one_line(exc)}).",
                    "look at what your function returns: the types and shapes should match "
                    "the exercise's docstring.",
                )
            progress.record(name)  # where you are: chapter 0's table (never under nbgrader)
            return CheckResult(True, name, message)

        return run

    return wrap


def _text(exc):
    try:
        return str(exc)
    except Exception:  # an exception whose own __str__ fails
        return ""


def one_line(exc, limit=300):
    """``"TypeName: message"`` on one line, cut to ``limit`` characters."""
    text = " ".join(_text(exc).split())
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def describe(value):
    """A short, deterministic description of any object (no reprs, no addresses)."""
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"a numpy array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, tuple | list):
        n = len(value)
        return f"a {type(value).__name__} of {n} value{'s' * (n != 1)}"
    if isinstance(value, Mapping):
        return "a dict"
    if isinstance(value, bool | int | float | np.number):
        return f"a number ({type(value).__name__})"
    name = type(value).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def _not_implemented(fn, exc):
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    code = getattr(fn, "__code__", None)
    if tb is not None and code is not None and tb.tb_frame.f_code is not code:
        inner = tb.tb_frame.f_code.co_name
        return CheckFailed(
            f"not implemented yet: `{inner}`, which your function calls, still raises "
            "NotImplementedError.",
            f"finish `{inner}` first (and run its check), then run this check again.",
        )
    return CheckFailed(
        "not implemented yet: replace the `raise NotImplementedError()` line with your code, "
        "run that cell, then run this check again."
    )


def exception_hint(exc, hints=()):
    """A hint for a recognisable exception. ``hints`` are extra ``(type, text, hint)``
    triples, tried first: they match when ``exc`` is a ``type`` whose message contains
    ``text`` (``""`` matches any message)."""
    message = _text(exc)
    for kind, text, hint in hints:
        if isinstance(exc, kind) and text in message:
            return hint
    if isinstance(exc, ValueError | TypeError) and (
        "matmul" in message or "not aligned" in message
    ):
        return MATMUL_HINT
    if "could not be broadcast" in message:
        return BROADCAST_HINT
    if "NoneType" in message:
        return NONE_HINT
    if isinstance(exc, RecursionError):
        return "your function calls itself without end: does a helper have the same name?"
    if isinstance(exc, ZeroDivisionError):
        return "a division by zero: check each denominator (and its parentheses)."
    if isinstance(exc, NameError):
        if "'np'" in message:
            return "run `import numpy as np` (the notebook's first cell) before your code."
        return "a name is used before it has a value, or it lives in a cell you have not run."
    if isinstance(exc, IndexError):
        return (
            "an index is out of range or has too many axes. Layouts are batch-major: "
            "x (N, T, D), h (N, T, H); the input at step t is `x[:, t]`."
        )
    if isinstance(exc, TypeError) and ("positional argument" in message or "keyword" in message):
        return "the check calls your function like the exercise's signature: compare the two."
    return None


def call(fn, *args, hints=(), **kwargs):
    """Call ``fn(*args, **kwargs)`` and return its output; exceptions become CheckFailed.

    numpy's floating-point warnings are recorded, not printed: when the output holds NaN
    or infinity, the first warning is quoted to say where it came from.
    """
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn"):
        warnings.simplefilter("always")
        try:
            out = fn(*args, **kwargs)
        except NotImplementedError as exc:
            raise _not_implemented(fn, exc) from None
        except (Exception, SystemExit) as exc:  # not KeyboardInterrupt: the learner may stop it
            raise CheckFailed(
                f"your function raised {one_line(exc)}", exception_hint(exc, hints)
            ) from None
    numpy_warnings = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    if numpy_warnings and not _all_finite(out):
        raise CheckFailed(
            f"your function returned NaN or infinity; numpy warned: "
            f"{' '.join(str(numpy_warnings[0].message).split())}.",
            "an overflow or a division by zero: check the formula (e.g. a missing minus sign "
            "in an exponent, or a wrong denominator).",
        )
    return out


def _all_finite(value):
    if isinstance(value, np.ndarray):
        return value.dtype.kind not in "fc" or bool(np.isfinite(value).all())
    if isinstance(value, Mapping):
        return all(_all_finite(v) for v in value.values())
    if isinstance(value, tuple | list):
        return all(_all_finite(v) for v in value)
    return True


def expect_tuple(out, names, array_hint=None):
    """``out`` must be a tuple (or list) of ``len(names)`` values; return it as a tuple.

    ``array_hint`` is the hint when a single array came back (e.g. the cache is missing).
    """
    wanted = f"a tuple ({', '.join(names)})"
    returned = f"your function returned {describe(out)}, but must return {wanted}."
    if not isinstance(out, tuple | list):
        hint = "add `return " + ", ".join(names) + "` at the end of your function."
        if isinstance(out, np.ndarray) and array_hint:
            hint = array_hint
        raise CheckFailed(returned, hint)
    if len(out) != len(names):
        raise CheckFailed(
            returned,
            "return exactly these values, in this order: `return " + ", ".join(names) + "`.",
        )
    return tuple(out)


def expect_array(value, what, shape, dims, shape_hints=None):
    """``value`` must be a finite float64 numpy array of ``shape`` (axes named by ``dims``).

    ``shape_hints`` maps wrong shapes to the mistake that produces them,
    e.g. ``{(N, H): "only the last state is returned"}``.
    """
    shape = tuple(shape)
    if not isinstance(value, np.ndarray):
        hint = NONE_HINT if value is None else "build it with numpy (`np.zeros`, `@`, `np.tanh`)."
        if isinstance(value, tuple | list):
            hint = "convert it with `np.array(...)` or `np.stack(...)`, or fill a `np.zeros`."
        raise CheckFailed(
            f"{what} is {describe(value)}, but must be a numpy array {dims} = {shape}.", hint
        )
    if value.dtype != np.float64:
        if value.dtype.kind in "iub":
            hint = (
                "an integer array truncates every value: create it with `np.zeros_like` of a "
                "float array, or `np.zeros(shape)` (float64 by default)."
            )
        else:
            hint = "the inputs are float64: keep that dtype (no `.astype` or `np.float32`)."
        raise CheckFailed(f"{what} has dtype {value.dtype}, but must be float64.", hint)
    if value.shape != shape:
        hint = (shape_hints or {}).get(value.shape)
        if hint is None:
            hint = f"print the shapes of your intermediate arrays; {what} must be {dims}."
        raise CheckFailed(f"{what} has shape {value.shape}, but must be {dims} = {shape}.", hint)
    if not np.isfinite(value).all():
        raise CheckFailed(
            f"{what} contains NaN or infinity.",
            "an array made with `np.empty` and never filled, an overflow, or a division by zero?",
        )
    return value


def expect_keys(value, what, keys):
    """``value`` must be a dict holding every key in ``keys`` (extra keys are allowed)."""
    wanted = ", ".join(repr(k) for k in keys)
    if not isinstance(value, Mapping):
        raise CheckFailed(
            f"{what} is {describe(value)}, but must be a dict with the keys {wanted}.",
            "collect the gradients as `{" + ", ".join(f"{k!r}: d{k}" for k in keys) + "}`.",
        )
    missing = [k for k in keys if k not in value]
    if missing:
        found = ", ".join(repr(k) for k in sorted(value, key=str)) or "none"
        plural = "s" * (len(missing) > 1)
        raise CheckFailed(
            f"{what} has no key{plural} {', '.join(repr(k) for k in missing)} "
            f"(keys found: {found}).",
            f"use the same keys as params, without a `d` in front: {wanted}."
            if any(f"d{k}" in value for k in missing)
            else f"give every parameter its gradient, under the same keys as params: {wanted}.",
        )
    return value


def copy_tree(value):
    """A deep copy of arrays inside dicts, lists, tuples and named tuples."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, Mapping):
        return {k: copy_tree(v) for k, v in value.items()}
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)._make(copy_tree(v) for v in value)
    if isinstance(value, tuple | list):
        return type(value)(copy_tree(v) for v in value)
    return value


def find_change(before, after, path):
    """Where ``after`` differs from ``before`` (a path such as ``cache.params['W_hh']``)."""
    if isinstance(before, np.ndarray):
        same = (
            isinstance(after, np.ndarray)
            and after.shape == before.shape
            and after.dtype == before.dtype
            and np.array_equal(after, before, equal_nan=True)
        )
        return None if same else path
    if isinstance(before, Mapping):
        if not isinstance(after, Mapping) or set(after) != set(before):
            return path
        for key in before:
            found = find_change(before[key], after[key], f"{path}[{key!r}]")
            if found:
                return found
        return None
    if isinstance(before, tuple | list):
        if type(after) is not type(before) or len(after) != len(before):
            return path
        fields = getattr(before, "_fields", None)
        for i, (b, a) in enumerate(zip(before, after, strict=True)):
            found = find_change(b, a, f"{path}.{fields[i]}" if fields else f"{path}[{i}]")
            if found:
                return found
        return None
    return None if before == after else path


def expect_unchanged(originals, passed):
    """``passed`` (the copies given to the learner) must still equal ``originals``.

    Both are dicts ``{argument name: value}``.
    """
    for name, before in originals.items():
        where = find_change(before, passed[name], name)
        if where:
            raise CheckFailed(
                f"your function changed its input `{where}` in place; it must leave its "
                "inputs (and the cache) untouched.",
                MUTATION_HINT,
            )


def output_variants(right, candidates):
    """Keep the mistakes that change something: for each ``(hint, {label: wrong output})`` of
    ``candidates``, only the outputs that differ from ``right`` (a dict of the same labels);
    mistakes that change nothing here are dropped. The result suits :func:`diagnose_outputs`."""
    variants = []
    for hint, wrong in candidates:
        changed = {k: v for k, v in wrong.items() if rel_error(v, right[k]) >= TOL}
        if changed:
            variants.append((hint, changed))
    return variants


def diagnose_outputs(got, expected, variants=(), where="", fallback=None):
    """:func:`diagnose` for several outputs at once, in the order of ``expected``.

    ``got`` and ``expected`` are dicts ``{label: array}``; each variant is
    ``(hint, {label: wrong_array})`` and names only the outputs that mistake changes.
    """
    for label, want in expected.items():
        wrongs = [(hint, wrong[label]) for hint, wrong in variants if label in wrong]
        diagnose(label, got[label], want, wrongs, where, fallback)


def format_pair(a, b):
    """Two numbers with just enough digits (4 to 12) to tell them apart."""
    for digits in (4, 6, 8, 10, 12):
        left, right = f"{a:.{digits}g}", f"{b:.{digits}g}"
        if left != right:
            break
    return left, right


def _first_difference(got, expected):
    i = np.unravel_index(int(np.argmax(np.abs(got - expected))), got.shape)
    index = ", ".join(str(int(k)) for k in i)
    yours, right = format_pair(got[i], expected[i])
    return f"[{index}] is {yours}, expected {right}"


def diagnose(what, got, expected, variants=(), where="", fallback=None):
    """Return if ``got`` matches ``expected``; else raise CheckFailed naming the mistake.

    ``variants`` is a list of ``(hint, wrong_output)``: the outputs that typical wrong
    versions give on the same input. The first one ``got`` matches gives the hint;
    otherwise ``fallback``. Shapes must already agree (see :func:`expect_array`).
    """
    error = rel_error(got, expected)
    if error < TOL:
        return
    message = (
        f"{what} is wrong{where}: rel_error {error:.1e} (right means below {TOL:.0e}); "
        f"{what}{_first_difference(got, expected)}."
    )
    for hint, wrong in variants:
        if wrong is not None and wrong.shape == got.shape and rel_error(got, wrong) < TOL:
            raise CheckFailed(message, hint)
    if not got.any():
        fallback = f"{what} is all zeros: is a result computed but never stored or returned?"
    raise CheckFailed(message, fallback)
