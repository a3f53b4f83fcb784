"""Dropout for recurrent networks: plain (inverted) dropout and variational dropout.

Shapes use the course's letters: N sequences in a batch, T time steps, D input features,
H hidden units; F is any feature size (D or H).

**Inverted dropout.** In training, each unit is kept with probability 1 - p and dropped
(set to zero) with probability p, and the kept units are scaled by 1 / (1 - p), so the
expected value of every unit is unchanged; at evaluation nothing is dropped and nothing is
scaled. The mask is ``m = keep / (1 - p)`` with ``keep = rng.random(shape) < 1 - p``; the
forward pass is ``out = x * m`` and the backward pass ``dx = dout * m`` with the same mask.

**Where.** Zaremba, Sutskever and Vinyals (2014) apply dropout only to the *non-recurrent*
connections of an RNN (inputs, between layers, before the output), with a new mask at every
step: :func:`dropout_forward`. A new mask on the recurrent connection h_{t-1} -> h_t at every
step would erase a fraction p of the memory at every step, so after k steps only about
(1 - p)**k of it survives. Variational dropout (Gal and Ghahramani 2016) draws *one* mask per
sequence and uses it at every time step, on the inputs and on the recurrent connection:
:func:`variational_dropout_forward` for a whole sequence of features, and
:func:`variational_rnn_forward` for an RNN whose x_t and h_{t-1} are masked before the
matrix products::

    a_t = (x_t * m_x) W_xh + (h_{t-1} * m_h) W_hh + b_h      m_x (N, D), m_h (N, H)
    h_t = tanh(a_t)

The same units are dropped at all T steps, so what the kept units remember is not erased.
One mask fixes *which* units survive, not their size: a kept unit of h_{t-1} is still
multiplied by 1 / (1 - p) at every step, so along the recurrence the gain compounds to
(1 / (1 - p))**t in both schemes, while at evaluation nothing is scaled. That train/test
mismatch along the recurrence is the scaling problem that Semeniuta, Severyn and Barth (2016,
"Recurrent dropout without memory loss") discuss.

Masks always come from a ``numpy.random.Generator`` passed in, so a fixed seed gives fixed
masks (which is how the gradient checks hold the mask still). Backward functions never
change their inputs or the cache.
"""

from typing import NamedTuple

import numpy as np

from . import rnn
from ._validate import require_float_array, require_ndim, require_shape


def _check_p(name, p):
    if isinstance(p, bool) or not isinstance(p, int | float | np.integer | np.floating):
        raise TypeError(f"{name} must be a number in [0, 1), but got {type(p).__name__}.")
    if not 0 <= p < 1:
        raise ValueError(
            f"{name} is the probability of *dropping* a unit and must be in [0, 1), but got "
            f"{p}. (p = 1 would drop everything and divide by zero.)"
        )
    return float(p)


def _check_rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy Generator, e.g. np.random.default_rng(0), "
            f"but got {type(rng).__name__}."
        )


def dropout_mask(shape, p, rng, dtype=np.float64):
    """An inverted-dropout mask: 0 with probability p, else 1 / (1 - p).

    Draws ``u = rng.random(shape)`` and keeps the entries with ``u < 1 - p``, so the mean
    of every entry over many masks is 1. Returns an array of ``shape`` and ``dtype``.
    """
    p = _check_p("p", p)
    _check_rng(rng)
    keep = rng.random(shape) < 1 - p  # True with probability 1 - p
    return (keep / (1 - p)).astype(dtype)


def dropout_forward(x, p, rng=None, train=True):
    """Inverted dropout with a new mask for every entry (every unit, sequence and step).

    Inputs:
    - x: any float array, e.g. (N, T, D) inputs or (N, T, H) outputs of a layer
    - p: probability of dropping each entry, 0 <= p < 1
    - rng: a ``numpy.random.Generator`` (needed when training with p > 0)
    - train: True to drop; False (evaluation) returns x unchanged

    Returns:
    - out: ``x * mask``, shaped like x
    - mask: shaped like x (all ones when not training), for :func:`dropout_backward`
    """
    require_float_array("x", x)
    p = _check_p("p", p)
    if not train or p == 0:
        return x.copy(), np.ones_like(x)
    mask = dropout_mask(x.shape, p, rng, dtype=x.dtype)
    return x * mask, mask


def dropout_backward(dout, mask):
    """Backward of :func:`dropout_forward`: ``dx = dout * mask``, the same mask."""
    require_float_array("dout", dout)
    if dout.shape != mask.shape:
        raise ValueError(
            f"dout has shape {dout.shape}, but must have the shape of x and of the mask, "
            f"{mask.shape}."
        )
    return dout * mask


def variational_dropout_forward(x, p, rng=None, train=True):
    """Variational dropout on a sequence: one mask per sequence, shared by all time steps.

    Inputs:
    - x: sequences of features, (N, T, F)
    - p: probability of dropping each unit, 0 <= p < 1
    - rng: a ``numpy.random.Generator`` (needed when training with p > 0)
    - train: True to drop; False (evaluation) returns x unchanged

    Returns:
    - out: ``x * mask[:, None, :]``, (N, T, F): at every step the same units are dropped
    - mask: (N, F), entries 0 or 1 / (1 - p) (all ones when not training)
    """
    require_float_array("x", x)
    require_ndim("x", x, "(N, T, F)")
    p = _check_p("p", p)
    N, _, F = x.shape
    if not train or p == 0:
        return x.copy(), np.ones((N, F), dtype=x.dtype)
    mask = dropout_mask((N, F), p, rng, dtype=x.dtype)  # one mask per sequence
    return x * mask[:, None, :], mask  # (N, 1, F) broadcasts over the T steps


def variational_dropout_backward(dout, mask):
    """Backward of :func:`variational_dropout_forward`.

    Inputs: dout (N, T, F), the mask (N, F). Returns dx (N, T, F) = ``dout * mask[:, None, :]``.
    """
    require_float_array("dout", dout)
    require_ndim("dout", dout, "(N, T, F)")
    N, _, F = dout.shape
    require_shape("mask", mask, (N, F), "(N, F)", "(N and F of dout)")
    return dout * mask[:, None, :]


class VariationalRNNCache(NamedTuple):
    """What :func:`variational_rnn_forward` keeps for :func:`variational_rnn_backward`."""

    steps: list  # T rnn.RNNStepCache, of the steps run on the masked x_t and h_{t-1}
    x_shape: tuple  # (N, T, D)
    mask_x: np.ndarray  # (N, T, D) the mask on x_t at every step
    mask_h: np.ndarray  # (N, T, H) the mask on h_{t-1} at every step


def variational_rnn_forward(
    x, h0, params, p_x, p_h, rng=None, activation="tanh", *, train=True, same_mask=True
):
    """An RNN with dropout on its input x_t and on its recurrent connection h_{t-1} -> h_t.

    Each step is :func:`rnncourse.rnn.rnn_step_forward` run on ``x_t * m_x`` and
    ``h_{t-1} * m_h``; the hidden states themselves (the outputs) are not masked.

    Inputs:
    - x: input sequences, (N, T, D)
    - h0: initial hidden state, (N, H)
    - params: dict with W_xh (D, H), W_hh (H, H), b_h (H,)
    - p_x, p_h: probabilities of dropping an input unit and a recurrent unit, in [0, 1)
    - rng: a ``numpy.random.Generator``; the x mask is drawn first, then the h mask
    - activation: the cell's activation, "tanh" by default
    - train: False (evaluation) uses no dropout at all
    - same_mask: True (variational dropout): one mask m_x (N, D) and one m_h (N, H) per
      sequence, used at every step. False: a new pair of masks at every step, the naive
      scheme whose recurrent mask keeps erasing the memory (for comparison only)

    Returns:
    - h: hidden states for every step, (N, T, H)
    - cache: a :class:`VariationalRNNCache` for :func:`variational_rnn_backward`
    """
    require_float_array("x", x)
    require_ndim("x", x, "(N, T, D)")
    require_float_array("h0", h0)
    require_ndim("h0", h0, "(N, H)")
    p_x, p_h = _check_p("p_x", p_x), _check_p("p_h", p_h)
    N, T, D = x.shape
    H = h0.shape[1]
    if not train:
        p_x = p_h = 0.0
    if p_x > 0 or p_h > 0:
        _check_rng(rng)

    def masks():  # one (N, D) mask and one (N, H) mask
        m_x = dropout_mask((N, D), p_x, rng, x.dtype) if p_x else np.ones((N, D), x.dtype)
        m_h = dropout_mask((N, H), p_h, rng, x.dtype) if p_h else np.ones((N, H), x.dtype)
        return m_x, m_h

    if same_mask:
        m_x, m_h = masks()
        mask_x = np.repeat(m_x[:, None, :], T, axis=1)  # (N, D) -> (N, T, D), equal over T
        mask_h = np.repeat(m_h[:, None, :], T, axis=1)  # (N, H) -> (N, T, H)
    else:
        pairs = [masks() for _ in range(T)]
        mask_x = np.stack([m for m, _ in pairs], axis=1)  # (N, T, D), a new mask each step
        mask_h = np.stack([m for _, m in pairs], axis=1)  # (N, T, H)

    h = np.empty((N, T, H), dtype=x.dtype)
    steps = []
    h_t = h0
    for t in range(T):
        h_t, step_cache = rnn.rnn_step_forward(
            x[:, t] * mask_x[:, t], h_t * mask_h[:, t], params, activation
        )
        h[:, t] = h_t
        steps.append(step_cache)
    return h, VariationalRNNCache(steps, x.shape, mask_x, mask_h)


def variational_rnn_backward(dh, cache):
    """Backpropagation through time for :func:`variational_rnn_forward`, masks held fixed.

    Each step is :func:`rnncourse.rnn.rnn_step_backward`; the gradients it returns for the
    masked x_t and the masked h_{t-1} are multiplied by the same masks on the way back.

    Inputs:
    - dh: gradient of the loss with respect to every h_t from the outputs, (N, T, H)
    - cache: the :class:`VariationalRNNCache` from :func:`variational_rnn_forward`

    Returns:
    - dx: (N, T, D)
    - dh0: (N, H)
    - grads: dict with W_xh (D, H), W_hh (H, H), b_h (H,), summed over time
    """
    if not isinstance(cache, VariationalRNNCache):
        raise TypeError(
            "cache must be the VariationalRNNCache returned by variational_rnn_forward, "
            f"but got {type(cache).__name__}."
        )
    N, T, D = cache.x_shape
    H = cache.mask_h.shape[2]
    require_float_array("dh", dh)
    require_shape("dh", dh, (N, T, H), "(N, T, H)", "(the shape of h)")
    dx = np.empty((N, T, D), dtype=dh.dtype)
    grads = {key: np.zeros_like(cache.steps[0].params[key]) for key in rnn.PARAM_SHAPES}
    dh_next = np.zeros((N, H), dtype=dh.dtype)  # nothing comes from beyond the last step
    for t in reversed(range(T)):
        dx_masked, dh_masked, step_grads = rnn.rnn_step_backward(dh[:, t] + dh_next, cache.steps[t])
        dx[:, t] = dx_masked * cache.mask_x[:, t]  # back through x_t * m_x
        dh_next = dh_masked * cache.mask_h[:, t]  # back through h_{t-1} * m_h
        for key in grads:
            grads[key] += step_grads[key]  # shared weights: contributions add up over time
    return dx, dh_next, grads
