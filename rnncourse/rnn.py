"""The vanilla (Elman) RNN cell: forward and backward, one step and a whole sequence.

Shapes use the course's letters: N sequences in a batch, T time steps, D input features,
H hidden units. Maths is row-vector, batch-major (the notation table of chapter 0)::

    a_t = x_t W_xh + h_{t-1} W_hh + b_h        x_t (N, D), h_{t-1} (N, H), a_t (N, H)
    h_t = tanh(a_t)                            W_xh (D, H), W_hh (H, H), b_h (H,)

Steps are counted t = 1..T in the equations, with h_0 the initial state; Python counts
from 0, so ``x[:, t-1]`` is x_t and ``h[:, t-1]`` is h_t.

Papers write the same cell with column vectors, ``h_t = tanh(W_hh h_{t-1} + W_xh x_t + b)``;
their matrices are the transposes of ours.

All arrays share one dtype (float32 or float64). Backward functions never change their
inputs or the cache; parameter gradients start at zero and add up over time steps.
"""

from typing import NamedTuple

import numpy as np

from . import init
from ._validate import (
    require_float_array,
    require_ndim,
    require_params,
    require_shape,
    require_step_inputs,
)
from .activations import get_activation

#: The parameters of the cell and their shapes.
PARAM_SHAPES = {"W_xh": "(D, H)", "W_hh": "(H, H)", "b_h": "(H,)"}


class RNNStepCache(NamedTuple):
    """What one forward step keeps for its backward step."""

    x_t: np.ndarray  # (N, D) input at this step
    h_prev: np.ndarray  # (N, H) hidden state coming in
    h_t: np.ndarray  # (N, H) hidden state going out
    params: dict  # W_xh (D, H), W_hh (H, H), b_h (H,)
    activation: str  # "tanh", "relu", "sigmoid" or "identity"


class RNNCache(NamedTuple):
    """What a forward pass over a sequence keeps: one step cache per time step."""

    steps: list  # T RNNStepCache, in time order
    x_shape: tuple  # (N, T, D)


def init_params(D, H, rng, *, w_xh="xavier_uniform", w_hh="orthogonal", dtype=np.float64):
    """New parameters for a cell with D inputs and H hidden units.

    ``w_xh`` and ``w_hh`` name schemes of :mod:`rnncourse.init`; the bias starts at zero.
    ``rng`` is a ``numpy.random.Generator``, so the same seed gives the same weights.
    """
    return {
        "W_xh": init.by_name(w_xh, (D, H), rng, dtype=dtype),
        "W_hh": init.by_name(w_hh, (H, H), rng, dtype=dtype),
        "b_h": init.zeros((H,), dtype=dtype),
    }


def _check_step_inputs(x_t, h_prev, params):
    sizes = require_params(params, PARAM_SHAPES, "RNN")
    states = {"h_prev": h_prev}
    require_step_inputs(x_t, states, sizes["D"], sizes["H"], "W_xh", "W_hh", params)


def rnn_step_forward(x_t, h_prev, params, activation="tanh"):
    """One time step of the RNN.

    Inputs:
    - x_t: input at this step, (N, D)
    - h_prev: hidden state from the previous step, (N, H)
    - params: dict with W_xh (D, H), W_hh (H, H), b_h (H,)
    - activation: "tanh" (default), "relu", "sigmoid" or "identity"

    Returns:
    - h_t: new hidden state, (N, H)
    - cache: an :class:`RNNStepCache` for :func:`rnn_step_backward`
    """
    _check_step_inputs(x_t, h_prev, params)
    act, _ = get_activation(activation)
    a_t = x_t @ params["W_xh"] + h_prev @ params["W_hh"] + params["b_h"]  # (N, H)
    h_t = act(a_t)
    return h_t, RNNStepCache(x_t, h_prev, h_t, params, activation)


def rnn_step_backward(dh_t, cache):
    """Backward pass of one step.

    Inputs:
    - dh_t: gradient of the loss with respect to h_t, (N, H), everything that reaches h_t
      (from this step's output and from the future)
    - cache: the :class:`RNNStepCache` from :func:`rnn_step_forward`

    Returns:
    - dx_t: gradient with respect to x_t, (N, D)
    - dh_prev: gradient with respect to h_prev, (N, H)
    - grads: dict with dW_xh, dW_hh, db_h under the keys W_xh (D, H), W_hh (H, H), b_h (H,)
    """
    if not isinstance(cache, RNNStepCache):
        raise TypeError(
            f"cache must be the RNNStepCache returned by rnn_step_forward, "
            f"but got {type(cache).__name__}."
        )
    require_float_array("dh_t", dh_t)
    require_shape("dh_t", dh_t, cache.h_t.shape, "(N, H)", "(the shape of h_t)")
    x_t, h_prev, h_t, params, activation = cache
    _, act_grad = get_activation(activation)
    da = dh_t * act_grad(h_t)  # backprop through the activation, e.g. tanh' = 1 - h_t**2
    dx_t = da @ params["W_xh"].T  # (N, H) @ (H, D) -> (N, D)
    dh_prev = da @ params["W_hh"].T  # (N, H) @ (H, H) -> (N, H)
    grads = {
        "W_xh": x_t.T @ da,  # (D, N) @ (N, H) -> (D, H)
        "W_hh": h_prev.T @ da,  # (H, N) @ (N, H) -> (H, H)
        "b_h": da.sum(axis=0),  # sum over the batch -> (H,)
    }
    return dx_t, dh_prev, grads


def _check_sequence_inputs(x, h0, params):
    require_float_array("x", x)
    require_ndim("x", x, "(N, T, D)")
    N, T, _ = x.shape
    if N == 0 or T == 0:
        raise ValueError(
            f"x has shape {x.shape}: a batch needs at least one sequence (N >= 1) "
            "of at least one step (T >= 1)."
        )
    require_float_array("h0", h0)
    require_ndim("h0", h0, "(N, H)")
    if h0.shape[0] != N:
        raise ValueError(f"h0 has shape {h0.shape} but x has N={N} sequences: h0 must be (N, H).")


def rnn_forward(x, h0, params, activation="tanh"):
    """Run the RNN over whole sequences by looping :func:`rnn_step_forward` over time.

    Inputs:
    - x: input sequences, (N, T, D)
    - h0: initial hidden state, (N, H)
    - params: dict with W_xh (D, H), W_hh (H, H), b_h (H,)
    - activation: "tanh" (default), "relu", "sigmoid" or "identity"

    Returns:
    - h: hidden states for every step, (N, T, H); ``h[:, t-1]`` is h_t (h0 is not included)
    - cache: an :class:`RNNCache` for :func:`rnn_backward`
    """
    _check_sequence_inputs(x, h0, params)
    N, T, _ = x.shape
    H = h0.shape[1]
    h = np.empty((N, T, H), dtype=x.dtype)
    steps = []
    h_t = h0
    for t in range(T):
        h_t, step_cache = rnn_step_forward(x[:, t], h_t, params, activation)
        h[:, t] = h_t
        steps.append(step_cache)
    return h, RNNCache(steps, x.shape)


def rnn_backward(dh, cache, truncate=None):
    """Backpropagation through time over whole sequences.

    Inputs:
    - dh: gradient of the loss with respect to every h_t *from outside the recurrence*
      (the outputs), (N, T, H)
    - cache: the :class:`RNNCache` from :func:`rnn_forward`
    - truncate: ``None`` for full BPTT, or k >= 1 to let the gradient of each output
      travel back through at most k steps (truncated BPTT; see :func:`_truncated_backward`)

    Returns:
    - dx: gradient with respect to x, (N, T, D)
    - dh0: gradient with respect to h0, (N, H)
    - grads: dict with the keys and shapes of params, summed over time
    """
    dh = _check_backward_inputs(dh, cache)
    if truncate is not None:
        return _truncated_backward(dh, cache, truncate)
    N, T, D = cache.x_shape
    dx = np.empty((N, T, D), dtype=dh.dtype)
    grads = {key: np.zeros_like(cache.steps[0].params[key]) for key in PARAM_SHAPES}
    dh_next = np.zeros_like(dh[:, 0])  # gradient reaching h_t from the future; none after T
    for t in reversed(range(T)):
        dh_t = dh[:, t] + dh_next  # from the output at t, and from step t+1
        dx[:, t], dh_next, step_grads = rnn_step_backward(dh_t, cache.steps[t])
        for key in grads:
            grads[key] += step_grads[key]  # shared weights: contributions add up over time
    return dx, dh_next, grads


def _check_backward_inputs(dh, cache):
    if not isinstance(cache, RNNCache):
        raise TypeError(
            f"cache must be the RNNCache returned by rnn_forward, but got {type(cache).__name__}."
        )
    require_float_array("dh", dh)
    N, T, _ = cache.x_shape
    H = cache.steps[0].h_t.shape[1]
    require_shape("dh", dh, (N, T, H), "(N, T, H)", "(the shape of h from rnn_forward)")
    return dh


def _truncated_backward(dh, cache, k):
    """Truncated BPTT: the gradient of the output at step s reaches steps s, s-1, ..., s-k+1.

    Each output's gradient is sent back on its own for at most k steps, so the cost is about
    k times a full backward pass; with k >= T the result equals full BPTT.
    """
    from ._validate import require_positive_int

    k = require_positive_int("truncate", k)
    N, T, D = cache.x_shape
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dh0 = np.zeros_like(dh[:, 0])
    grads = {key: np.zeros_like(cache.steps[0].params[key]) for key in PARAM_SHAPES}
    for s in range(T):
        dh_t = dh[:, s]
        for t in range(s, max(s - k, -1), -1):
            dx_t, dh_t, step_grads = rnn_step_backward(dh_t, cache.steps[t])
            dx[:, t] += dx_t
            for key in grads:
                grads[key] += step_grads[key]
        if s - k < 0:  # this chain reached the first step, so it reaches h0 too
            dh0 += dh_t
    return dx, dh0, grads
