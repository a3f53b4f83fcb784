"""Checker for chapter 8: a generator for the adding problem.

``adding_problem(N, T, rng) -> (x, y)`` must return x (N, T, 2), channel 0 values uniform in
[0, 1) and channel 1 a marker that is 1 at exactly two steps, one in each half
(``0 <= t < T // 2`` and ``T // 2 <= t < T``), and y (N, 1), the sum of the two marked
values (the variant of :func:`rnncourse.data.long_range.adding_problem`).

Random draws depend on the order in which they are made, so the checker tests properties,
not exact numbers: shapes and dtypes, the ranges of both channels, where the markers are, the
target, that every sequence gets its own draws and that the same seed gives the same data.
"""

import numpy as np

from ._catalogue import Mistake, Probe, with_catalogue
from ._harness import CheckFailed, call, checker, describe, expect_array, expect_tuple

#: The test cases (N, T, seed). Only in the second, the markers' spread is checked: it is
#: large enough that a right generator puts a marker on every allowed step (it misses one
#: with probability below 1e-20, whatever the order of its draws).
CASES = ((40, 12, 801), (500, 20, 802), (6, 2, 803), (3, 50, 804), (1, 7, 805))
SPREAD_CASE = 2

#: The sample on which the distribution is tested: 4,000 sequences of 20 steps, 80,000
#: values. Every tolerance below is at least 6 standard errors of a right generator, and far
#: below what each mistake it is meant for changes.
DIST_CASE = (4000, 20, 806)

SAME_HALF = (
    "draw the first marker from the first half and the second from the second half: "
    "`rng.integers(0, T // 2, size=N)` and `rng.integers(T // 2, T, size=N)`."
)


def _where(N, T, k):
    return f" in test case {k} of {len(CASES)} (N={N}, T={T})"


def _check_shapes(x, y, N, T, where):
    x_hints = {}
    for shape, hint in (  # the first mistake that explains a shape wins
        ((T, N, 2), "x is time-major (T, N, 2); the course is batch-major: x (N, T, 2), with "
         "`np.stack([values, markers], axis=2)` of two (N, T) arrays."),
        ((N, 2, T), "the channels come before time: stack the two (N, T) arrays along the "
         "last axis, `np.stack([values, markers], axis=2)`, to get (N, T, 2)."),
        ((2, N, T), "`np.stack` put the channels first: stack along the last axis, "
         "`np.stack([values, markers], axis=2)`."),
        ((N, T), "x needs both channels: values and markers, stacked into (N, T, 2)."),
    ):  # fmt: skip
        x_hints.setdefault(shape, hint)
    x = expect_array(x, "x", (N, T, 2), "(N, T, 2)", x_hints)
    y_hints = {
        (N,): "y must be (N, 1), one column: add the axis with `y[:, None]` or `.reshape(N, 1)`.",
        (1, N): "y is transposed: it must be (N, 1), one row per sequence.",
        (N, 2): "y is one number per sequence, the sum of the two marked values: (N, 1).",
        (N, T): "y is one number per sequence, not one per step: (N, 1).",
    }
    if isinstance(y, np.ndarray) and y.ndim == 0:
        raise CheckFailed(
            f"y is a single number{where}, but must be (N, 1) = {(N, 1)}.",
            "compute one sum per sequence: index with arrays of rows and steps, not a loop "
            "that overwrites one variable.",
        )
    y = expect_array(y, "y", (N, 1), "(N, 1)", y_hints)
    return x, y


def _check_channels(x, where):
    values, markers = x[:, :, 0], x[:, :, 1]
    zero_one = np.isin(values, (0.0, 1.0)).all()
    if zero_one and not np.isin(markers, (0.0, 1.0)).all():
        raise CheckFailed(
            f"channel 0 of x holds only 0s and 1s{where}, and channel 1 other values.",
            "the channels are swapped: channel 0 (`x[:, :, 0]`) is the values, channel 1 "
            "(`x[:, :, 1]`) the markers.",
        )
    if values.min() < 0 or values.max() > 1:
        hint = "draw the values with `rng.random((N, T))`, uniform in [0, 1)."
        if values.min() < 0:
            hint = "the values must lie in [0, 1): " + hint + " (`standard_normal` is not.)"
        raise CheckFailed(
            f"the values (channel 0) run from {values.min():.4g} to {values.max():.4g}{where}, "
            "but must lie in [0, 1].",
            hint,
        )
    if not np.isin(markers, (0.0, 1.0)).all():
        odd = markers[~np.isin(markers, (0.0, 1.0))]
        hint = "the marker channel holds only 0.0 and 1.0: 1.0 at the two marked steps."
        marked_values = (markers != 0) & np.isclose(markers, values)
        if marked_values.any():
            hint = (
                "the marker channel holds the marked *values*; it must hold 1.0 at the two "
                "marked steps and 0.0 elsewhere (the values are already in channel 0)."
            )
        raise CheckFailed(
            f"the markers (channel 1) must be 0 or 1, but include {odd[0]:.4g}{where}.", hint
        )
    return values, markers


def _check_markers(markers, T, where):
    count = markers.sum(axis=1)
    half = T // 2
    if (count != 2).any():
        n = int(np.argmax(count != 2))
        found = int(count[n])
        hint = SAME_HALF
        if found == 1:
            hint = "both markers landed on the same step, so only one is left: " + SAME_HALF
        elif found > 2:
            hint = "set exactly two entries per sequence, `markers[rows, first] = 1`, "
            hint += "with rows = `np.arange(N)`, and likewise for the second."
        raise CheckFailed(
            f"sequence {n} has {found} marker{'s' * (found != 1)}{where}, "
            "but every sequence needs exactly two.",
            hint,
        )
    in_first = markers[:, :half].sum(axis=1)
    if (in_first != 1).any():
        n = int(np.argmax(in_first != 1))
        where_they_are = "first" if in_first[n] == 2 else "second"
        raise CheckFailed(
            f"both markers of sequence {n} are in the {where_they_are} half{where} "
            f"(steps {', '.join(str(int(t)) for t in np.nonzero(markers[n])[0])}; "
            f"the first half is 0 <= t < {half}).",
            "one marker in each half, so both halves matter: " + SAME_HALF,
        )


def _check_target(values, markers, y, where):
    want = (values * markers).sum(axis=1)
    got = y[:, 0]
    if np.allclose(got, want, rtol=1e-12, atol=1e-12):
        return
    if np.allclose(got, values.sum(axis=1), rtol=1e-12, atol=1e-12):
        hint = "the target sums every value; it is the sum of the two *marked* values only."
    elif np.allclose(got, want / 2, rtol=1e-12, atol=1e-12):
        hint = "the target is the *sum* of the two marked values, not their mean."
    elif np.allclose(got, values[:, [0, -1]].sum(axis=1), rtol=1e-12, atol=1e-12):
        hint = "the target adds the first and last values; add the values at the marked steps."
    else:
        hint = (
            "add the values where the markers are: `values[rows, first] + values[rows, "
            "second]`, or `(values * markers).sum(axis=1)`, computed from the arrays you return."
        )
    n = int(np.argmax(~np.isclose(got, want, rtol=1e-12, atol=1e-12)))
    raise CheckFailed(
        f"y[{n}, 0] is {got[n]:.6g}, but the two marked values of sequence {n} add up to "
        f"{want[n]:.6g}{where}.",
        hint,
    )


def _check_spread(values, markers, T, where, coverage):
    """Every sequence gets its own draws; with ``coverage``, the markers must vary and reach
    every allowed step (only on a case large enough that a right generator always does)."""
    N, half = values.shape[0], T // 2
    if N > 1 and np.array_equal(values[0], values[1]):
        raise CheckFailed(
            f"sequences 0 and 1 have the same values{where}.",
            "draw the values for the whole batch at once, `rng.random((N, T))`, so every "
            "sequence gets its own.",
        )
    if not coverage:
        return
    first = markers[:, :half].argmax(axis=1)
    second = half + markers[:, half:].argmax(axis=1)
    for label, steps, low, high in (("first", first, 0, half), ("second", second, half, T)):
        if np.all(steps == steps[0]):
            raise CheckFailed(
                f"the {label} marker is at step {int(steps[0])} in every sequence{where}.",
                "draw the marked steps at random, one per sequence: "
                "`rng.integers(low, high, size=N)`.",
            )
        missing = sorted(set(range(low, high)) - {int(t) for t in steps})
        if missing:
            raise CheckFailed(
                f"in {N} sequences the {label} marker never lands on step "
                f"{', '.join(str(t) for t in missing[:3])}{where}; every step of the "
                f"{label} half ({low} <= t < {high}) should be possible.",
                "`rng.integers(low, high)` never returns high itself: use exactly "
                f"`rng.integers({'0, T // 2' if label == 'first' else 'T // 2, T'}, size=N)`.",
            )


def _check_seeding(fn, N, T, seed, x, y):
    again = call(fn, N, T, np.random.default_rng(seed))
    if not isinstance(again, tuple | list) or len(again) != 2:
        raise CheckFailed(f"a second call returned {describe(again)}, not a tuple (x, y).")
    same = all(
        isinstance(a, np.ndarray) and a.shape == b.shape and np.array_equal(a, b)
        for a, b in zip(again, (x, y), strict=True)
    )
    if not same:
        raise CheckFailed(
            f"two calls with generators of the same seed ({seed}) gave different data.",
            "draw every random number from the `rng` argument (`rng.random`, "
            "`rng.integers`), not from `np.random.rand` or `np.random.randint`.",
        )
    other = call(fn, N, T, np.random.default_rng(seed + 1000))
    if not (isinstance(other, tuple | list) and len(other) == 2):
        return
    x_other = other[0]
    if not (isinstance(x_other, np.ndarray) and x_other.shape == x.shape):
        return
    for c, channel in enumerate(("values", "markers")):
        if np.array_equal(x_other[:, :, c], x[:, :, c]):
            raise CheckFailed(
                f"generators with different seeds gave the same {channel}.",
                "use the `rng` you are given for every draw; do not create your own "
                "generator inside the function (`np.random.default_rng(0)`).",
            )


def _check_distribution(values, markers, T, where):
    """The values must be uniform on [0, 1) and independent; the markers uniform on their
    half and independent of each other and across rows (see DIST_CASE)."""
    N, half = values.shape[0], T // 2
    v = values.ravel()
    distinct = np.unique(v).size
    if distinct <= 2:
        raise CheckFailed(
            f"the {v.size} values (channel 0) take only {distinct} different numbers{where}.",
            "`rng.integers(0, 2, ...)` draws only 0 or 1: the values are real numbers, "
            "uniform in [0, 1), `rng.random((N, T))`.",
        )
    if distinct < 0.99 * v.size:
        on_grid = any(np.allclose(v, np.round(v, d), rtol=0, atol=1e-12) for d in range(1, 7))
        raise CheckFailed(
            f"the {v.size} values (channel 0) take only {distinct} different numbers{where}; "
            "uniform real numbers are practically all different.",
            "the values are rounded (or drawn from a few levels): keep `rng.random((N, T))` "
            "as it is, without `np.round` or `.astype(int)`."
            if on_grid
            else "the same values appear in several places: draw every value independently, "
            "all at once, `rng.random((N, T))` (no rows copied or shifted from one another).",
        )
    mean, var = v.mean(), v.var()
    if v.max() < 0.55 or v.min() > 0.45:
        low, high = ("0", "0.5") if v.max() < 0.55 else ("0.5", "1")
        raise CheckFailed(
            f"the values run from {v.min():.3f} to {v.max():.3f}{where}: only half the range.",
            f"the values cover [{low}, {high}) only: draw them uniform in [0, 1), "
            "`rng.random((N, T))`, with no factor or offset.",
        )
    if abs(mean - 0.5) > 0.01 or abs(var - 1 / 12) > 0.005:
        hint = "draw the values uniform in [0, 1), `rng.random((N, T))`, and use them as drawn."
        if abs(mean - 1 / 3) < 0.01 and abs(var - 4 / 45) < 0.005:
            hint = "the values are squared (the mean of u**2 is 1/3): " + hint
        raise CheckFailed(
            f"the values have mean {mean:.4f} and variance {var:.4f}{where}; uniform values "
            f"in [0, 1) have mean 0.5 and variance 1/12 = {1 / 12:.4f}.",
            hint,
        )
    tol = 6 / np.sqrt(N)  # six standard errors of a correlation of N independent pairs

    def corr(a, b):
        a, b = a - a.mean(), b - b.mean()
        denom = np.sqrt((a * a).sum() * (b * b).sum())
        return 1.0 if denom == 0 else float((a * b).sum() / denom)

    r_rows = corr(values[:-1].ravel(), values[1:].ravel())
    r_time = corr(values[:, :-1].ravel(), values[:, 1:].ravel())
    if abs(r_rows) > tol or abs(r_time) > tol:
        which = "sequence n and sequence n + 1" if abs(r_rows) > tol else "step t and step t + 1"
        raise CheckFailed(
            f"the values of {which} are correlated (r = {max(r_rows, r_time, key=abs):.3f})"
            f"{where}; independent draws give |r| below {tol:.3f}.",
            "draw every value independently, all at once: `rng.random((N, T))` (no sorting, "
            "no cumulative sum, no rows copied or shifted from one another).",
        )
    first = markers[:, :half].argmax(axis=1)
    second = half + markers[:, half:].argmax(axis=1)
    for label, steps, k in (("first", first, half), ("second", second - half, T - half)):
        counts = np.bincount(steps, minlength=k)
        expected = N / k
        spread = 6 * np.sqrt(expected) + 1
        if np.any(np.abs(counts - expected) > spread):
            raise CheckFailed(
                f"the {label} marker lands on the steps of its half {counts.min()} to "
                f"{counts.max()} times in {N} sequences{where}; uniform draws give about "
                f"{expected:.0f} each.",
                "draw each marked step uniformly from its half: "
                "`rng.integers(0, T // 2, size=N)` and `rng.integers(T // 2, T, size=N)`.",
            )
        r = corr(steps[:-1].astype(float), steps[1:].astype(float))
        if abs(r) > tol:
            raise CheckFailed(
                f"the {label} marker of sequence n + 1 depends on that of sequence n "
                f"(r = {r:.3f}){where}.",
                "draw the marked steps of all sequences independently, in one call: "
                "`rng.integers(low, high, size=N)`, not a position that moves row by row.",
            )
    r = corr(first.astype(float), second.astype(float))
    if abs(r) > tol:
        raise CheckFailed(
            f"the second marker depends on the first (r = {r:.3f}){where}.",
            "draw the two marked steps independently: `second = rng.integers(T // 2, T, "
            "size=N)`, not `first + T // 2`.",
        )
    marked = values[markers == 1]
    if abs(marked.mean() - 0.5) > 6 * 0.29 / np.sqrt(marked.size):
        raise CheckFailed(
            f"the marked values have mean {marked.mean():.4f}{where}, but are uniform draws "
            "like the others (mean 0.5).",
            "choose the marked steps at random, without looking at the values.",
        )


@checker("adding_problem")
def _adding_problem(fn):
    """Check ``fn(N, T, rng) -> (x, y)``, a generator of the adding problem."""
    for k, (N, T, seed) in enumerate(CASES, start=1):
        where = _where(N, T, k)
        out = call(fn, N, T, np.random.default_rng(seed))
        x, y = expect_tuple(out, ("x", "y"), array_hint="return both arrays: `return x, y`.")
        x, y = _check_shapes(x, y, N, T, where)
        values, markers = _check_channels(x, where)
        _check_markers(markers, T, where)
        _check_target(values, markers, y, where)
        _check_spread(values, markers, T, where, coverage=k == SPREAD_CASE)
        if k == SPREAD_CASE:
            _check_seeding(fn, N, T, seed, x, y)
    N, T, seed = DIST_CASE
    where = f" in the distribution test (N={N}, T={T})"
    x, y = expect_tuple(call(fn, N, T, np.random.default_rng(seed)), ("x", "y"))
    x, y = _check_shapes(x, y, N, T, where)
    values, markers = _check_channels(x, where)
    _check_markers(markers, T, where)
    _check_target(values, markers, y, where)
    _check_distribution(values, markers, T, where)
    return (
        f"x and y have the right shapes, markers and targets on all {len(CASES)} test cases, "
        f"the same seed gives the same data, and {N * T:,} values and {N} marker pairs have "
        "the right distribution."
    )


# ---------------------------------------------------------------- the catalogue


def _adding_by_hand(N, T, rng, *, k=None):
    """A generator of the adding problem with the mistake ``k`` switched on."""
    half = T // 2
    values = {
        "values 0 or 1": lambda: rng.integers(0, 2, (N, T)).astype(float),
        "rounded values": lambda: np.round(rng.random((N, T)), 2),
        "squared values": lambda: rng.random((N, T)) ** 2,
        "half the range": lambda: 0.5 * rng.random((N, T)),
        "sorted in time": lambda: np.sort(rng.random((N, T)), axis=1),
        "rows shifted": lambda: np.lib.stride_tricks.sliding_window_view(
            rng.random(N + T - 1), T
        ).copy(),
    }.get(k, lambda: rng.random((N, T)))()
    first = rng.integers(0, half, size=N)
    second = rng.integers(half, T, size=N)
    if k == "second follows the first":
        second = first + half
    if k == "marker moves row by row":
        first = (int(rng.integers(0, half)) + np.arange(N)) % half
    if k == "marker only at even steps":
        first = 2 * rng.integers(0, (half + 1) // 2, size=N)
    if k == "high marked values":
        first = np.argmax(values[:, :half], axis=1)
    rows = np.arange(N)
    markers = np.zeros((N, T))
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    y = (values[rows, first] + values[rows, second])[:, None]
    return np.stack([values, markers], axis=2), y


#: Each mistake and (a fragment of) the hint it must get; for a generator the checker's
#: property tests give the hint, since a learner's draws need not come in our order.
CATALOGUE_HINTS = {
    "values 0 or 1": "`rng.integers(0, 2, ...)` draws only 0 or 1",
    "rounded values": "the values are rounded",
    "squared values": "the values are squared",
    "half the range": "the values cover [0, 0.5) only",
    "sorted in time": "draw every value independently",
    "rows shifted": "draw every value independently",
    "second follows the first": "draw the two marked steps independently",
    "marker moves row by row": "not a position that moves row by row",
    "marker only at even steps": "draw each marked step uniformly from its half",
    "high marked values": "without looking at the values",
}


def _catalogue():
    return [
        Mistake(key, hint, lambda N, T, rng, key=key: _adding_by_hand(N, T, rng, k=key))
        for key, hint in CATALOGUE_HINTS.items()
    ]


def _probes():
    cases = (*CASES, DIST_CASE)
    return [Probe(lambda c=c: ((c[0], c[1], np.random.default_rng(c[2])), {})) for c in cases]


adding_problem = with_catalogue(_adding_problem, _probes, _catalogue(), one_case_hints=())
