"""Chapters 1-6: checkers that name a mistake only when it explains every probe, else localise.

A checker here is a body ``body(fn) -> success message`` (as for :func:`checker`) plus a
catalogue of :class:`Mistake` entries (small wrong implementations with the exercise's
signature) and probes (fixed calls of several sizes: D != H, N != T, and the N = 1 and T = 1
corners). :func:`named_checker` runs the body; when it fails, the learner's function and every
catalogue entry run on the probes, and a mistake is named only when its outputs equal the
learner's on *every* probe (:func:`rnncourse.check._catalogue.find_mistake`). ``project``
picks what is compared (e.g. ``h_t`` but not the cache, whose type is the learner's choice).

Otherwise the body's own hint stands. Bodies compare with :func:`compare`, whose hint
localises: which outputs are right and which wrong, where the first difference is (time step,
gate block), what the difference looks like (:func:`rnncourse.check._catalogue.pattern`), and
what that pattern usually means.
"""

import functools

import numpy as np

from ..gradcheck import rel_error
from ._catalogue import Mistake, Probe, find_mistake, pattern
from ._harness import TOL, CheckFailed, call, checker, copy_tree, describe, format_pair
from ._result import CheckResult

__all__ = ["Mistake", "Probe", "check_step_cache", "compare", "named_checker", "projected"]


def projected(fn, project):
    """``fn`` whose output passes through ``project`` (e.g. keep ``h_t``, drop the cache)."""

    def run(*args, **kwargs):
        return project(fn(*args, **kwargs))

    return run


def named_checker(name, catalogue, probes, project=None):
    """:func:`checker` whose failures name a catalogue mistake when it explains every probe.

    ``catalogue`` is a function returning a list of :class:`Mistake` (built lazily, so that
    importing the package stays cheap), ``probes`` a function returning a list of
    :class:`Probe`. The mistakes' functions return what ``project`` keeps of the learner's
    output. The checker gains the attributes ``catalogue`` and ``probes`` (the tests use them).
    """

    def wrap(body):
        inner = checker(name)(body)

        @functools.wraps(body)
        def run(fn):
            result = inner(fn)
            if result or not callable(fn):
                return result
            try:
                learner = fn if project is None else projected(fn, project)
                found = find_mistake(learner, probes(), catalogue())
            except Exception:  # naming is a bonus: a checker never raises
                found = None
            if found is None:
                return result
            return CheckResult(False, result.name, result.message, found.hint)

        run.catalogue = catalogue
        run.probes = probes
        run.project = project
        return run

    return wrap


def _first_difference(got, want):
    i = np.unravel_index(int(np.argmax(np.abs(got - want))), got.shape)
    index = ", ".join(str(int(k)) for k in i)
    yours, right = format_pair(got[i], want[i])
    return i, f"[{index}] is {yours}, expected {right}"


def _blocks_text(got, want, gates):
    """Which column blocks of a (..., k*H) array differ, for gates = ("i", "f", "g", "o")."""
    k = len(gates)
    if got.ndim < 1 or got.shape[-1] % k or got.shape[-1] < k:
        return ""
    H = got.shape[-1] // k
    bad = [
        gate
        for b, gate in enumerate(gates)
        if rel_error(got[..., b * H : (b + 1) * H], want[..., b * H : (b + 1) * H]) >= TOL
    ]
    if not bad or len(bad) == k:
        return f" All {k} gate blocks ({', '.join(gates)}) differ." if bad else ""
    blocks = ", ".join(f"{g} (columns {gates.index(g)}H:{gates.index(g) + 1}H)" for g in bad)
    return f" Only the block{'s' * (len(bad) > 1)} of {blocks} differ{'s' * (len(bad) == 1)}."


def compare(got, expected, where="", axes=None, gates=None, sizes=None, meaning=None):
    """Raise CheckFailed for the first output of ``expected`` that ``got`` misses.

    ``got`` and ``expected`` are dicts ``{label: array}`` of equal shapes. ``axes`` maps a
    label to its axis letters (``{"h": ("N", "T", "H")}``), ``gates`` maps a label to the names
    of its column blocks, ``sizes`` gives the letters' values (``{"T": 5}``), and ``meaning``
    is ``f(wrong_labels, right_labels) -> sentence or ""``: what that split usually means.
    The hint says which outputs are right, where the first difference is and what it looks
    like; it never names a mistake (the catalogue does that, when it explains every probe).
    """
    wrong = [k for k in expected if rel_error(got[k], expected[k]) >= TOL]
    if not wrong:
        return
    right = [k for k in expected if k not in wrong]
    label = wrong[0]
    g, w = np.asarray(got[label], float), np.asarray(expected[label], float)
    error = rel_error(g, w)
    _, first = _first_difference(g, w)
    message = (
        f"{label} is wrong{where}: rel_error {error:.1e} (right means below {TOL:.0e}); "
        f"{label}{first}."
    )
    parts = []
    if len(expected) > 1:
        if right:
            parts.append(f"{', '.join(right)} {'is' if len(right) == 1 else 'are'} right; ")
        parts.append(f"wrong: {', '.join(wrong)}.")
    if not g.any():
        parts.append(f" {label} is all zeros: is a result computed but never stored or returned?")
    else:
        shape = pattern(g, w, (axes or {}).get(label), sizes)
        if shape:
            parts.append(f" In {label}, {shape}")
        if gates and label in gates:
            parts.append(_blocks_text(g, w, gates[label]))
    if meaning is not None:
        try:
            said = meaning(wrong, right)
        except Exception:
            said = ""
        if said:
            parts.append(f" {said}")
    raise CheckFailed(message, "".join(parts).strip() or None)


def _same_array(got, right):
    return (
        isinstance(got, np.ndarray)
        and isinstance(right, np.ndarray)
        and got.shape == right.shape
        and rel_error(got, right) < TOL
    )


def check_step_cache(cache, want, where, kind, fields, step=""):
    """``cache`` must be a ``kind`` (a NamedTuple class) whose fields equal ``want``'s.

    ``fields`` maps each field to what it holds. The first wrong field is named, and when it
    holds another field's value, so is that one (fields in the wrong order)."""
    name = kind.__name__
    if not isinstance(cache, kind):
        if isinstance(cache, tuple | list) and len(cache) == len(kind._fields):
            hint = (
                f"build the cache as `{name}(...)`, with the fields in this order: "
                f"{', '.join(kind._fields)}. The backward step reads them by name "
                f"(`cache.f`), and a plain tuple has no names."
            )
            raise CheckFailed(
                f"the cache{step} is a plain {type(cache).__name__}, not a {name}{where}.", hint
            )
        raise CheckFailed(
            f"the cache{step} is {describe(cache)}, but must be a {name}{where}.",
            f"return `{name}({', '.join(kind._fields)})` as the cache: the backward step needs it.",
        )
    for field in kind._fields:
        got, right = getattr(cache, field), getattr(want, field)
        if field == "params":
            ok = (
                isinstance(got, dict)
                and set(right) <= set(got)
                and all(
                    isinstance(got[k], np.ndarray)
                    and got[k].shape == right[k].shape
                    and np.array_equal(got[k], right[k])
                    for k in right
                )
            )
        elif isinstance(right, np.ndarray):
            ok = _same_array(got, right)
        else:
            ok = type(got) is type(right) and got == right
        if ok:
            continue
        others = [
            other
            for other in kind._fields
            if other != field and _same_array(got, getattr(want, other))
        ]
        hint = f"cache.{field} must hold {fields[field]}."
        if not others and type(got) is not type(right):
            hint += (
                f" It holds {describe(got)}: are the fields in the order {', '.join(kind._fields)}?"
            )
        if others:
            hint += (
                f" It holds {fields[others[0]]} (the field `{others[0]}`): are the fields in the "
                f"order {', '.join(kind._fields)}?"
            )
        raise CheckFailed(
            f"your outputs are right, but cache{step}.{field} is wrong{where}: the backward step "
            "would get a wrong input from it.",
            hint,
        )


def to_float32(value):
    if isinstance(value, np.ndarray) and value.dtype == np.float64:
        return value.astype(np.float32)
    if isinstance(value, dict):
        return {k: to_float32(v) for k, v in value.items()}
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)._make(to_float32(v) for v in value)
    if isinstance(value, list | tuple):
        return type(value)(to_float32(v) for v in value)
    return value


def check_float32(fn, args, want, labels, hints=()):
    """``fn(*args)`` on float32 copies of ``args`` must give ``want`` (the package's float32
    outputs, one per label) to float32 precision, as float32 or float64 arrays."""
    out = call(fn, *to_float32(copy_tree(args)), hints=hints)
    outs = out if isinstance(out, tuple | list) else (out,)
    for label, got, right in zip(labels, outs, want, strict=False):
        if isinstance(right, dict):
            pairs = [(f"{label}[{k!r}]", got.get(k) if isinstance(got, dict) else None, v)
                     for k, v in right.items()]  # fmt: skip
        else:
            pairs = [(label, got, right)]
        for name, g, r in pairs:
            ok = (
                isinstance(g, np.ndarray)
                and g.dtype in (np.float32, np.float64)
                and g.shape == r.shape
                and np.allclose(g, r, rtol=1e-3, atol=1e-5)
            )
            if not ok:
                what = describe(g) if not isinstance(g, np.ndarray) else f"dtype {g.dtype}"
                raise CheckFailed(
                    f"with float32 inputs, {name} is wrong ({what}); with float64 it is right.",
                    "keep the inputs' dtype: make new arrays with `dtype=x.dtype` or "
                    "`np.zeros_like(...)`, and do not round or cast to an integer type.",
                )
