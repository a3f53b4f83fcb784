"""Weight initialisation schemes.

Every random scheme takes a ``numpy.random.Generator`` (``np.random.default_rng(seed)``),
never the global random state, so a fixed seed always gives the same weights.
``shape`` is ``(fan_in, fan_out)`` for a matrix used as ``x @ W``: W_xh is (D, H).
"""

import numpy as np

from ._validate import require_positive_int


def _check(shape, rng):
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy Generator, e.g. np.random.default_rng(0), "
            f"but got {type(rng).__name__}."
        )
    if isinstance(shape, int | np.integer):
        shape = (int(shape),)
    shape = tuple(shape)
    for size in shape:
        require_positive_int("every size in shape", size)
    return shape


def _fans(shape):
    if len(shape) != 2:
        raise ValueError(f"shape must be (fan_in, fan_out) for this scheme, but got {shape}.")
    return shape


def zeros(shape, dtype=np.float64):
    """All zeros: the usual start for biases."""
    return np.zeros(shape, dtype=dtype)


def small_uniform(shape, rng, scale=0.01, dtype=np.float64):
    """Uniform in ``[-scale, scale]``. Simple, but the signal shrinks layer after layer."""
    shape = _check(shape, rng)
    return rng.uniform(-scale, scale, size=shape).astype(dtype)


def small_normal(shape, rng, scale=0.01, dtype=np.float64):
    """Normal with standard deviation ``scale`` (min-char-rnn uses 0.01)."""
    shape = _check(shape, rng)
    return (scale * rng.standard_normal(shape)).astype(dtype)


def xavier_uniform(shape, rng, gain=1.0, dtype=np.float64):
    """Glorot and Bengio (2010): uniform in [-a, a] with a = gain * sqrt(6 / (fan_in + fan_out)).

    Keeps the variance of activations and of gradients roughly equal from layer to layer.
    """
    fan_in, fan_out = _fans(_check(shape, rng))
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_in, fan_out)).astype(dtype)


def xavier_normal(shape, rng, gain=1.0, dtype=np.float64):
    """Glorot normal: standard deviation ``gain * sqrt(2 / (fan_in + fan_out))``."""
    fan_in, fan_out = _fans(_check(shape, rng))
    std = gain * np.sqrt(2.0 / (fan_in + fan_out))
    return (std * rng.standard_normal((fan_in, fan_out))).astype(dtype)


def orthogonal(shape, rng, gain=1.0, dtype=np.float64):
    """A (semi-)orthogonal matrix times ``gain`` (Saxe et al. 2014).

    All its singular values equal ``gain``, so repeated multiplication by it neither
    shrinks nor grows a vector: a good start for W_hh.
    """
    rows, cols = _fans(_check(shape, rng))
    a = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q = q * np.sign(np.diag(r))  # make the decomposition unique (uniformly distributed q)
    if rows < cols:
        q = q.T
    return (gain * q).astype(dtype)


def identity(shape, rng=None, scale=1.0, dtype=np.float64):
    """``scale`` times the identity matrix: the IRNN start (Le et al. 2015) for relu cells.

    ``rng`` is accepted (and ignored) so every scheme can be called the same way.
    """
    if isinstance(shape, int | np.integer):
        shape = (int(shape), int(shape))
    rows, cols = _fans(tuple(shape))
    if rows != cols:
        raise ValueError(f"identity needs a square shape (H, H), but got {shape}.")
    return (scale * np.eye(rows)).astype(dtype)


#: Schemes that :func:`by_name` knows, each called as ``scheme(shape, rng, dtype=...)``.
SCHEMES = {
    "small_uniform": small_uniform,
    "small_normal": small_normal,
    "xavier_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "glorot_uniform": xavier_uniform,
    "glorot_normal": xavier_normal,
    "orthogonal": orthogonal,
    "identity": identity,
}


def by_name(name, shape, rng, dtype=np.float64):
    """Call the scheme called ``name`` (a key of :data:`SCHEMES`)."""
    if name not in SCHEMES:
        raise ValueError(f"unknown initialisation {name!r}; choose one of {sorted(SCHEMES)}.")
    return SCHEMES[name](shape, rng, dtype=dtype)
