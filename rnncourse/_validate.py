"""Input checks shared by every public function.

Each check raises ``TypeError`` (wrong kind of object or dtype) or ``ValueError`` (wrong
shape or value) with a message that names the argument, says what was expected in the
course's dimension letters and what arrived. Learners should never have to decode
numpy's broadcasting errors.
"""

from collections.abc import Mapping

import numpy as np

FLOAT_DTYPES = (np.float32, np.float64)


def require_float_array(name, a):
    """Return ``a`` if it is a float32 or float64 numpy array, else raise TypeError."""
    if not isinstance(a, np.ndarray):
        raise TypeError(
            f"{name} must be a numpy array, but got {type(a).__name__}. "
            f"Convert it first, e.g. np.asarray({name}, dtype=np.float64)."
        )
    if a.dtype not in FLOAT_DTYPES:
        raise TypeError(
            f"{name} must be a floating-point array (float32 or float64), but has dtype "
            f"{a.dtype}. Convert it first, e.g. {name}.astype(np.float64)."
        )
    return a


def require_ndim(name, a, dims):
    """Check that ``a`` has as many axes as ``dims``, a string such as ``"(N, T, D)"``."""
    expected = len([s for s in dims.strip("()").split(",") if s.strip()])
    if a.ndim != expected:
        raise ValueError(
            f"{name} must have {expected} dimension{'s' * (expected != 1)} {dims}, "
            f"but has shape {a.shape}."
        )


def require_finite(name, a):
    """Raise ValueError if ``a`` holds NaN or infinity."""
    if not np.isfinite(a).all():
        bad = np.argwhere(~np.isfinite(a))[0]
        raise ValueError(
            f"{name} contains NaN or infinity (first at index {tuple(int(i) for i in bad)}). "
            "Check how it was computed: an overflow or a division by zero upstream?"
        )


def require_same_dtype(reference_name, reference, **arrays):
    """Every array in ``arrays`` must have the dtype of ``reference``."""
    for name, a in arrays.items():
        if a.dtype != reference.dtype:
            raise TypeError(
                f"{name} is {a.dtype} but {reference_name} is {reference.dtype}: use one dtype "
                f"for inputs, states and parameters, e.g. {name}.astype(np.{reference.dtype})."
            )


def require_params(params, spec, cell):
    """Check a parameter dict against ``spec``, a dict ``{key: dims}`` such as
    ``{"W_xh": "(D, H)"}``, and return the sizes of the letters it uses.

    Every array must be a finite float array of the same dtype; letters that appear in
    several shapes must agree (``W_xh``'s H must equal ``W_hh``'s H). Extra keys are
    allowed (a dict may also hold an output layer) and ignored.
    """
    if not isinstance(params, Mapping):
        raise TypeError(
            f"params must be a dict of arrays for the {cell} cell, but got {type(params).__name__}."
        )
    wanted = ", ".join(f"{k} {v}" for k, v in spec.items())
    missing = [k for k in spec if k not in params]
    if missing:
        raise ValueError(
            f"params is missing {', '.join(repr(k) for k in missing)}; "
            f"the {cell} cell needs {wanted}."
        )
    sizes, first = {}, None
    for key, dims in spec.items():
        a = require_float_array(f"params[{key!r}]", params[key])
        require_ndim(f"params[{key!r}]", a, dims)
        if first is None:
            first = key
        else:
            require_same_dtype(f"params[{first!r}]", params[first], **{f"params[{key!r}]": a})
        letters = [s.strip() for s in dims.strip("()").split(",") if s.strip()]
        for letter, size in zip(letters, a.shape, strict=True):
            if letter in sizes and sizes[letter] != size:
                raise ValueError(
                    f"params[{key!r}] has shape {a.shape}, so {letter}={size}, but an earlier "
                    f"parameter says {letter}={sizes[letter]}; the {cell} cell needs {wanted}."
                )
            sizes[letter] = size
        require_finite(f"params[{key!r}]", a)
    return sizes


def require_shape(name, a, expected, dims, why=""):
    """Check ``a.shape == expected``; ``dims`` names the axes, e.g. ``"(N, H)"``."""
    require_ndim(name, a, dims)
    if a.shape != tuple(expected):
        reason = f" {why}" if why else ""
        raise ValueError(
            f"{name} has shape {a.shape}, but must be {dims} = {tuple(expected)}.{reason}"
        )


def require_batch(name, a):
    """A batch needs at least one example: N (axis 0) must not be zero."""
    if a.shape[0] == 0:
        raise ValueError(f"{name} has N=0 rows (shape {a.shape}): a batch needs N >= 1.")


def require_positive_int(name, value, minimum=1):
    """Check an integer argument such as a size or a step count."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an integer, but got {type(value).__name__}.")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, but got {value}.")
    return int(value)


def require_gate_columns(params, sizes, cell, gates):
    """For a gated cell whose parameters stack ``len(gates)`` blocks of H columns, check that
    the stacked width (the letter ``"<k>H"`` in ``sizes``) is k times H; return (D, H)."""
    k, H = len(gates), sizes["H"]
    if sizes[f"{k}H"] != k * H:
        raise ValueError(
            f"params['W_h'] has shape {params['W_h'].shape}, so H={H}, and the {cell} needs "
            f"{k}H={k * H} columns (gates {', '.join(gates)}), but its parameters have "
            f"{sizes[f'{k}H']}."
        )
    return sizes["D"], H


def require_step_inputs(x_t, states, D, H, input_weights, recurrent_weights, params):
    """Check one step's inputs: x_t (N, D) and every state in ``states`` (a dict name ->
    array, each (N, H)): float arrays of the parameters' dtype, finite, N >= 1.

    ``input_weights`` and ``recurrent_weights`` name the parameters D and H come from, so a
    message can say where the expected size comes from.
    """
    require_float_array("x_t", x_t)
    require_ndim("x_t", x_t, "(N, D)")
    if x_t.shape[1] != D:
        raise ValueError(
            f"x_t has shape {x_t.shape} but {input_weights} has D={D} rows: x_t must be (N, {D})."
        )
    require_batch("x_t", x_t)
    why = f"(N={x_t.shape[0]} from x_t, H={H} from {recurrent_weights})"
    for name, state in states.items():
        require_float_array(name, state)
        require_shape(name, state, (x_t.shape[0], H), "(N, H)", why)
    require_same_dtype(
        f"params[{input_weights!r}]", params[input_weights], x_t=x_t, **states
    )  # fmt: skip
    for name, array in {"x_t": x_t, **states}.items():
        require_finite(name, array)
