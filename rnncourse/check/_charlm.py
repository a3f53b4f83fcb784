"""Checkers for chapter 10: sampling with a temperature, and perplexity.

:func:`sample_with_temperature` calls the learner's ``fn(scores, temperature, rng) ->
(index, probs)``. The probabilities are compared exactly with
:func:`rnncourse.charlm.softmax_with_temperature` on four fixed cases (the last one at a
low temperature, where a softmax that does not subtract the largest score overflows). The
index is checked by what it must do: be an integer in [0, V), come from the ``rng`` it was
given (the same seed draws the same indices), and follow ``probs``: over 2,000 draws at a
temperature of 0.5 the frequencies must match the probabilities within 5 standard errors.

:func:`perplexity` calls ``fn(p_true) -> float`` on four arrays of probabilities of the
true tokens and compares with :func:`rnncourse.charlm.perplexity`, ``exp(mean(-ln p))``.

Typical mistakes are named: the temperature multiplied instead of divided, or ignored;
probabilities that do not sum to 1; log-probabilities returned; the overflow; always the
most likely index; sampling from the untempered or uniform distribution; a global or new
random generator; and for perplexity: exp missing, the sum instead of the mean, log bases
mixed, the minus sign missing, an arithmetic instead of a geometric mean, the probabilities
taken for losses.
"""

from typing import NamedTuple

import numpy as np

from .. import charlm
from ..activations import log_softmax, softmax
from ..gradcheck import rel_error
from ._catalogue import Mistake, Probe, with_catalogue
from ._harness import (
    TOL,
    CheckFailed,
    call,
    checker,
    copy_tree,
    describe,
    diagnose,
    expect_array,
    expect_tuple,
    expect_unchanged,
    format_pair,
)

OVERFLOW_HINT = (
    "at a low temperature `scores / temperature` is large and `np.exp` overflows to inf "
    "(inf / inf is NaN). Subtract the largest value before `np.exp`: "
    "`z = scores / temperature; z = z - z.max()`. The probabilities do not change, and no "
    "exponent is above 0."
)
NORMALISE_HINT = (
    "the probabilities must sum to 1: divide `np.exp(z)` by its sum, `probs = e / e.sum()`."
)
NEGATIVE_HINT = (
    "`rng.choice` got negative 'probabilities': pass the softmax's output, not the scores or "
    "log-probabilities."
)
MUTATION_HINT = (
    "`scores /= temperature` or `scores -= scores.max()` changes the caller's array (the "
    "model's scores). Compute new arrays instead: `z = scores / temperature`, "
    "`z = z - z.max()`."
)
DRAW_HINT = "draw one index from the probabilities: `index = rng.choice(len(probs), p=probs)`."


class SampleCase(NamedTuple):
    scores: np.ndarray  # (V,)
    temperature: float
    seed: int
    where: str


def sample_cases():
    """The four fixed cases; the last one at a low temperature with large scores."""
    rng = np.random.default_rng(1010)
    settings = (
        (rng.normal(0.0, 1.5, 5), 1.0),
        (rng.normal(0.0, 1.5, 6), 0.5),
        (rng.normal(0.0, 2.0, 4), 2.5),
        (np.array([12.0, 30.0, 25.0, -4.0, 29.5]), 0.02),  # scores / tau up to 1500
    )
    return [
        SampleCase(scores, tau, 100 + k, f" in test case {k} of 4 (temperature={tau})")
        for k, (scores, tau) in enumerate(settings, start=1)
    ]


def _differ(variants, want):
    """Keep the (hint, wrong) pairs whose wrong answer really differs from ``want``."""
    return [(h, w) for h, w in variants if np.all(np.isfinite(w)) and rel_error(w, want) >= TOL]


def _probs_variants(scores, tau):
    """(hint, wrong probs) for the typical mistakes, where they differ from the right probs."""
    z = scores / tau
    with np.errstate(all="ignore"):
        e = np.exp(z - z.max())
        variants = [
            ("the temperature is multiplied instead of divided: use `scores / temperature`. "
             "A temperature below 1 must make the distribution sharper, above 1 flatter.",
             softmax(scores * tau)),
            ("the temperature has no effect: divide the *scores* by it before the softmax, "
             "`softmax(scores / temperature)` (dividing after the softmax, or dividing "
             "`np.exp(scores)` by it, is undone by the normalisation).", softmax(scores)),
            (NORMALISE_HINT, e),
            (NORMALISE_HINT, np.exp(z)),
            ("these are log-probabilities: return `np.exp(z) / np.exp(z).sum()` itself, "
             "not its logarithm.", log_softmax(z)),
            ("`probs ** (1 / temperature)` is right only if you normalise again: "
             "divide by the sum.", softmax(scores) ** (1 / tau)),
        ]  # fmt: skip
    return _differ(variants, charlm.softmax_with_temperature(scores, tau))


def _expect_index(index, V, where):
    if isinstance(index, np.ndarray) and index.ndim == 0 and index.dtype.kind in "iu":
        index = index.item()
    if isinstance(index, np.ndarray):
        raise CheckFailed(
            f"index is {describe(index)}, but must be one integer{where}.",
            "draw a single index: `rng.choice(len(probs), p=probs)` without a `size` argument "
            "(or `int(...)` of a one-element array).",
        )
    if isinstance(index, bool) or not isinstance(index, int | np.integer):
        hint = DRAW_HINT
        if isinstance(index, float | np.floating):
            hint = "an index is an integer: return the position drawn, not a probability. " + hint
        raise CheckFailed(f"index is {describe(index)}, but must be an integer{where}.", hint)
    if not 0 <= index < V:
        raise CheckFailed(
            f"index is {int(index)}, outside [0, V) = [0, {V}){where}.",
            "an index counts the characters from 0 to V - 1. " + DRAW_HINT,
        )
    return int(index)


def _run(fn, case, rng, hints):
    given = copy_tree({"scores": case.scores})
    try:
        out = call(fn, given["scores"], case.temperature, rng, hints=hints)
    except CheckFailed as failure:
        if case.temperature < 0.1 and "NaN" in failure.message:
            raise CheckFailed(failure.message + case.where, OVERFLOW_HINT) from None
        raise
    index, probs = expect_tuple(out, ("index", "probs"))
    try:
        expect_unchanged({"scores": case.scores}, given)
    except CheckFailed as failure:
        raise CheckFailed(failure.message, MUTATION_HINT) from None
    return index, probs


def _draws(fn, case, seed, n, hints):
    """n draws from one generator seeded with ``seed``, each a fresh call of fn."""
    rng = np.random.default_rng(seed)
    V = len(case.scores)
    return np.array([_expect_index(_run(fn, case, rng, hints)[0], V, case.where) for _ in range(n)])


def _check_frequencies(draws, probs, scores, where):
    """The frequencies of ``draws`` must match ``probs`` within 5 standard errors."""
    n, V = len(draws), len(probs)
    freq = np.bincount(draws, minlength=V) / n

    def fits(p):
        return np.all(np.abs(freq - p) <= 5 * np.sqrt(p * (1 - p) / n) + 1e-12)

    if fits(probs):
        return
    shown = ", ".join(f"{f:.3f}" for f in freq)
    wanted = ", ".join(f"{p:.3f}" for p in probs)
    message = (
        f"over {n} draws{where} the indices came out with frequencies [{shown}], but probs is "
        f"[{wanted}]."
    )
    if len(set(draws.tolist())) == 1:
        which = ", the most likely one" if draws[0] == np.argmax(probs) else ""
        hint = (
            f"every draw gave index {draws[0]}{which}. Sampling draws at random, with the "
            "`rng` you are given: `rng.choice(len(probs), p=probs)`; not `np.argmax` (that is "
            "greedy decoding), and not a generator created inside your function (it starts "
            "from the same seed at every call, so it repeats the same draw)."
        )
    elif fits(softmax(scores)):
        hint = (
            "the indices follow `softmax(scores)`, not the tempered probabilities: draw from "
            "the `probs` you return."
        )
    elif fits(np.full(V, 1 / V)):
        hint = "the draws are uniform: pass the probabilities, `rng.choice(V, p=probs)`."
    else:
        hint = DRAW_HINT
    raise CheckFailed(message, hint)


@checker("sample_with_temperature")
def _sample_with_temperature(fn):
    """Check ``fn(scores, temperature, rng) -> (index, probs)``."""
    hints = [
        (ValueError, "contain NaN", OVERFLOW_HINT),
        (ValueError, "sum to 1", NORMALISE_HINT),
        (ValueError, "non-negative", NEGATIVE_HINT),
        (ZeroDivisionError, "", "a division by zero: the temperature is > 0 in every test."),
    ]
    for case in sample_cases():
        V = len(case.scores)
        index, probs = _run(fn, case, np.random.default_rng(case.seed), hints)
        probs = expect_array(probs, "probs", (V,), "(V,)")
        want = charlm.softmax_with_temperature(case.scores, case.temperature)
        diagnose("probs", probs, want, _probs_variants(case.scores, case.temperature), case.where)
        _expect_index(index, V, case.where)

    # the draws: from the rng given, and following probs
    q = np.array([0.1, 0.2, 0.3, 0.4])
    case = SampleCase(0.5 * np.log(q), 0.5, 7, " (V=4, temperature=0.5)")  # probs = q exactly
    first, second = _draws(fn, case, 77, 30, hints), _draws(fn, case, 77, 30, hints)
    if not np.array_equal(first, second):
        raise CheckFailed(
            f"two runs from generators with the same seed drew different indices{case.where}.",
            "draw with the `rng` you are given (`rng.choice(...)`), not with `np.random`: "
            "the same seed must give the same characters.",
        )
    _check_frequencies(_draws(fn, case, 78, 2000, hints), q, case.scores, case.where)
    return (
        "probs match softmax(scores / temperature) on all 4 test cases, and 2,000 draws "
        "follow them."
    )


# ---------------------------------------------------------------- perplexity


class PerplexityCase(NamedTuple):
    p_true: np.ndarray  # probabilities of the true tokens, any shape
    where: str


def perplexity_cases():
    """The six fixed cases: 1-D, 2-D, uniform over 21 characters (perplexity 21), mixed, one
    token, float32."""
    rng = np.random.default_rng(1020)
    arrays = (
        rng.uniform(0.05, 0.95, 8),
        rng.uniform(0.02, 0.9, (3, 5)),
        np.full(10, 1 / 21),
        np.array([[0.99, 0.5, 0.98, 0.01], [0.9, 0.95, 0.2, 0.999]]),
        np.array([0.25]),  # one token (N = 1): the mean and the sum agree here
        np.full((2, 3), 0.5, dtype=np.float32),  # float32 probabilities
    )
    return [
        PerplexityCase(p, f" in test case {k} of 6 (p_true of shape {p.shape}, {p.dtype})")
        for k, p in enumerate(arrays, start=1)
    ]


def _perplexity_variants(p):
    """(hint, wrong perplexity) for the typical mistakes, where they differ from the right one."""
    ln = np.log(p)
    mean_ce = -ln.mean()
    geometric = "the inverse of the *geometric* mean of the probabilities"
    variants = [
        ("exp is missing: what you return is the mean cross-entropy (in nats). "
         "Perplexity is `np.exp` of it.", mean_ce),
        ("use the mean over the tokens, not the sum: the summed loss grows with the length of "
         "the text, the mean does not. Perplexity is `exp(mean(-log p))`.", np.exp(-ln.sum())),
        ("the log and the exp have different bases: `np.exp` undoes `np.log` (base e), "
         "`2 **` undoes `np.log2`. Use one base for both.", np.exp(-np.log2(p).mean())),
        ("the log and the exp have different bases: `np.exp` undoes `np.log` (base e), "
         "`2 **` undoes `np.log2`. Use one base for both.", 2.0**mean_ce),
        ("the log and the exp have different bases: `np.exp` undoes `np.log` (base e), "
         "`10 **` undoes `np.log10`. Use one base for both.", np.exp(-np.log10(p).mean())),
        ("a minus sign is missing: the loss of a token is `-log p`, so perplexity is "
         "`exp(-mean(log p))`; yours is its inverse, 1 / perplexity.", np.exp(ln.mean())),
        (f"perplexity is {geometric}, `exp(-mean(log p))`, not the mean of 1/p.",
         (1 / p).mean()),
        (f"perplexity is {geometric}, `exp(-mean(log p))`, not 1 / mean(p).", 1 / p.mean()),
        ("p_true holds probabilities, not losses: the loss of a token is `-np.log(p)`; "
         "take the mean of that, then `np.exp`.", np.exp(p.mean())),
        ("take the log of the probabilities first: `exp(-mean(log p))`.", np.exp(-p.mean())),
        ("that is the mean cross-entropy in bits; perplexity is 2 to that power "
         "(or exp of the loss in nats).", -np.log2(p).mean()),
    ]  # fmt: skip
    return [(h, float(w)) for h, w in _differ(variants, charlm.perplexity(p))]


def _expect_number(value, where):
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, np.ndarray):
        hint = "return one number for the whole array: average over every token, `np.mean(...)` "
        hint += "without an `axis`."
        raise CheckFailed(f"your function returned {describe(value)}{where}; expected one number.",
                          hint)  # fmt: skip
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise CheckFailed(
            f"your function returned {describe(value)}{where}; expected one number.",
            "return the perplexity, e.g. `return float(np.exp(...))`.",
        )
    return float(value)


@checker("perplexity")
def _perplexity(fn):
    """Check ``fn(p_true) -> float`` against :func:`rnncourse.charlm.perplexity`."""
    for case in perplexity_cases():
        given = copy_tree({"p_true": case.p_true})
        out = call(fn, given["p_true"])
        expect_unchanged({"p_true": case.p_true}, given)
        got = _expect_number(out, case.where)
        if not np.isfinite(got):
            raise CheckFailed(
                f"your function returned {got}{case.where}.",
                "every probability here is above 0: is something divided by zero, or a "
                "sum exponentiated?",
            )
        want = charlm.perplexity(case.p_true)
        if abs(got - want) <= TOL * (abs(got) + abs(want)):
            continue
        ln_ratio = np.log(got) / np.log(want) if got > 0 and want != 1 else None
        if ln_ratio is not None and np.isclose(ln_ratio, case.p_true.size, rtol=1e-9):
            found = f"log(yours) is M = {case.p_true.size} times log(perplexity): a sum over the "
            found += "tokens where the mean was meant? "
        elif ln_ratio is not None and np.isclose(ln_ratio, round(ln_ratio), rtol=1e-9):
            found = f"log(yours) is {round(ln_ratio)} times log(perplexity). "
        else:
            found = f"yours is {got / want:.4g} times the right value. "
        hint = next(
            (h for h, w in _perplexity_variants(case.p_true) if abs(got - w) <= TOL * abs(w)),
            found + "Perplexity is `np.exp(-np.mean(np.log(p_true)))`: the exp of the mean loss.",
        )
        yours, right = format_pair(got, want)
        raise CheckFailed(f"the perplexity is {yours}{case.where}, expected {right}.", hint)
    return "matches exp(mean(-ln p)) on all 6 test cases (the uniform one gives V = 21)."


# ---------------------------------------------------------------- catalogues


def _sample_by_hand(scores, temperature, rng, *, k=None):
    """A sampler with the mistake ``k`` switched on."""
    with np.errstate(all="ignore"):
        z = scores * temperature if k == "multiplied" else scores / temperature
        if k == "ignored":
            z = scores
        if k != "no max":
            z = z - z.max()
        e = np.exp(z)
        probs = e if k == "not normalised" else e / e.sum()
    V = len(probs)
    if k == "log-probs":
        return 0, log_softmax(scores / temperature)
    if k == "greedy":
        return int(np.argmax(probs)), probs
    if k == "new rng":
        return int(np.random.default_rng(0).choice(V, p=probs)), probs
    if k == "untempered draw":
        return int(rng.choice(V, p=softmax(scores))), probs
    if k == "uniform draw":
        return int(rng.choice(V)), probs
    if k == "size 1":
        return rng.choice(V, size=1, p=probs), probs
    if k == "out of range":
        return int(rng.choice(V, p=probs)) + 1, probs
    if k == "probability":
        return float(probs.max()), probs
    if k == "in place":
        scores /= temperature
        scores -= scores.max()
        e = np.exp(scores)
        return int(rng.choice(V, p=e / e.sum())), e / e.sum()
    return int(rng.choice(V, p=probs)), probs


SAMPLE_HINTS = {
    "multiplied": "the temperature is multiplied instead of divided",
    "ignored": "the temperature has no effect",
    "no max": OVERFLOW_HINT,
    "not normalised": NORMALISE_HINT,
    "log-probs": "these are log-probabilities",
    "greedy": "not `np.argmax`",
    "new rng": "not a generator created inside your function",
    "untempered draw": "the indices follow `softmax(scores)`",
    "uniform draw": "the draws are uniform",
    "size 1": "without a `size` argument",
    "out of range": "an index counts the characters from 0 to V - 1",
    "probability": "an index is an integer",
    "in place": MUTATION_HINT,
}


def _sample_probes():
    q = np.array([0.1, 0.2, 0.3, 0.4])
    return [
        Probe(lambda c=c: ((c.scores, c.temperature, np.random.default_rng(c.seed)), {}))
        for c in sample_cases()
    ] + [Probe(lambda: ((0.5 * np.log(q), 0.5, np.random.default_rng(77)), {}), repeat=40)]


sample_with_temperature = with_catalogue(
    _sample_with_temperature,
    _sample_probes,
    [
        Mistake(key, hint, lambda s, t, r, key=key: _sample_by_hand(s, t, r, k=key))
        for key, hint in SAMPLE_HINTS.items()
    ],
    charlm.sample_with_temperature,
    lambda hint: any(
        hint == h for c in sample_cases() for h, _ in _probs_variants(c.scores, c.temperature)
    ),
)


def _perplexity_by_hand(p, *, k=None):
    with np.errstate(all="ignore"):
        ln = np.log(p)
        return float(
            {
                "exp missing": lambda: -ln.mean(),
                "sum": lambda: np.exp(-ln.sum()),
                "log2 then exp": lambda: np.exp(-np.log2(p).mean()),
                "ln then 2**": lambda: 2.0 ** (-ln.mean()),
                "log10 then exp": lambda: np.exp(-np.log10(p).mean()),
                "minus sign": lambda: np.exp(ln.mean()),
                "mean of 1/p": lambda: (1 / p).mean(),
                "1 / mean p": lambda: 1 / p.mean(),
                "p as losses": lambda: np.exp(p.mean()),
                "no log": lambda: np.exp(-p.mean()),
                "bits": lambda: -np.log2(p).mean(),
            }[k]()
        )


PERPLEXITY_HINTS = {
    "exp missing": "exp is missing",
    "sum": "use the mean over the tokens, not the sum",
    "log2 then exp": "the log and the exp have different bases",
    "ln then 2**": "the log and the exp have different bases",
    "log10 then exp": "`10 **` undoes `np.log10`",
    "minus sign": "a minus sign is missing",
    "mean of 1/p": "not the mean of 1/p",
    "1 / mean p": "not 1 / mean(p)",
    "p as losses": "p_true holds probabilities, not losses",
    "no log": "take the log of the probabilities first",
    "bits": "the mean cross-entropy in bits",
}


def _perplexity_probes():
    return [Probe(lambda c=c: ((c.p_true,), {})) for c in perplexity_cases()]


perplexity = with_catalogue(
    _perplexity,
    _perplexity_probes,
    [
        Mistake(key, hint, lambda p, key=key: _perplexity_by_hand(p, k=key))
        for key, hint in PERPLEXITY_HINTS.items()
    ],
    charlm.perplexity,
    lambda hint: any(
        hint == h for c in perplexity_cases() for h, _ in _perplexity_variants(c.p_true)
    ),
)
