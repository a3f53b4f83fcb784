"""The LSTM cell: forward and backward, one step and a whole sequence.

Shapes use the course's letters: N sequences in a batch, T time steps, D input features,
H hidden units. Maths is row-vector, batch-major. One matrix product gives the
pre-activations of all four gates at once::

    a_t = x_t W_x + h_{t-1} W_h + b              x_t (N, D), h_{t-1} (N, H), a_t (N, 4H)
    i_t = sigmoid(a_t[:, 0H:1H])   input gate    W_x (D, 4H), W_h (H, 4H), b (4H,)
    f_t = sigmoid(a_t[:, 1H:2H])   forget gate
    g_t = tanh(a_t[:, 2H:3H])      candidate cell values
    o_t = sigmoid(a_t[:, 3H:4H])   output gate
    c_t = f_t * c_{t-1} + i_t * g_t                c_{t-1}, c_t (N, H), * is elementwise
    h_t = o_t * tanh(c_t)                          h_t (N, H)

The 4H columns are four H-wide blocks in the gate order i, f, g, o, the order PyTorch
uses; :func:`gate_weights` shows one gate's block. Papers write each gate with column
vectors, ``i_t = sigmoid(W_xi x_t + W_hi h_{t-1} + b_i)``; their matrices are the transposes
of our blocks. PyTorch's ``weight_ih_l0`` (4H, D) is our ``W_x.T``, its ``weight_hh_l0``
(4H, H) our ``W_h.T``, and its two biases ``bias_ih_l0 + bias_hh_l0`` add up to our ``b``.

The cell state c_t changes only by elementwise products and sums, so during backward its
gradient flows from c_t to c_{t-1} multiplied by f_t alone (``dc_prev = dc * f``).

All arrays share one dtype (float32 or float64). Backward functions never change their
inputs or the cache; parameter gradients start at zero and add up over time steps.
"""

from typing import NamedTuple

import numpy as np

from . import init
from ._validate import (
    require_float_array,
    require_gate_columns,
    require_ndim,
    require_params,
    require_same_dtype,
    require_shape,
    require_step_inputs,
)
from .activations import sigmoid

#: The parameters of the cell and their shapes.
PARAM_SHAPES = {"W_x": "(D, 4H)", "W_h": "(H, 4H)", "b": "(4H,)"}

#: The gates in the order of their column blocks in W_x, W_h and b.
GATES = ("i", "f", "g", "o")


class LSTMStepCache(NamedTuple):
    """What one forward step keeps for its backward step."""

    x_t: np.ndarray  # (N, D) input at this step
    h_prev: np.ndarray  # (N, H) hidden state coming in
    c_prev: np.ndarray  # (N, H) cell state coming in
    i: np.ndarray  # (N, H) input gate
    f: np.ndarray  # (N, H) forget gate
    g: np.ndarray  # (N, H) candidate cell values
    o: np.ndarray  # (N, H) output gate
    c_t: np.ndarray  # (N, H) cell state going out
    tanh_c: np.ndarray  # (N, H) tanh(c_t), so h_t = o * tanh_c
    params: dict  # W_x (D, 4H), W_h (H, 4H), b (4H,)


class LSTMCache(NamedTuple):
    """What a forward pass over a sequence keeps: one step cache per time step."""

    steps: list  # T LSTMStepCache, in time order
    x_shape: tuple  # (N, T, D)


def init_params(
    D, H, rng, *, forget_bias=1.0, w_x="xavier_uniform", w_h="orthogonal", dtype=np.float64
):
    """New parameters for an LSTM cell with D inputs and H hidden units.

    Each gate's block is initialised on its own: W_x's four (D, H) blocks with the scheme
    ``w_x`` (Xavier/Glorot uniform by default) and W_h's four (H, H) blocks with ``w_h``
    (orthogonal by default), both names of :mod:`rnncourse.init`. The bias is zero except
    the forget gate's block, which starts at ``forget_bias`` (1.0; a positive forget bias
    goes back to Gers, Schmidhuber and Cummins 2000, and Jozefowicz et al. 2015 recommend 1):
    f_t starts near sigmoid(1) = 0.73, so the cell remembers from the first update on.
    ``rng`` is a ``numpy.random.Generator``, so the same seed gives the same weights.
    """
    W_x = np.concatenate([init.by_name(w_x, (D, H), rng, dtype=dtype) for _ in GATES], axis=1)
    W_h = np.concatenate([init.by_name(w_h, (H, H), rng, dtype=dtype) for _ in GATES], axis=1)
    b = init.zeros((4 * H,), dtype=dtype)
    b[H : 2 * H] = forget_bias  # the forget gate's block
    return {"W_x": W_x, "W_h": W_h, "b": b}


def _check_params(params):
    """Validate params and return (D, H)."""
    sizes = require_params(params, PARAM_SHAPES, "LSTM")
    return require_gate_columns(params, sizes, "LSTM", GATES)


def gate_weights(params, gate):
    """One gate's weights: a dict with W_x (D, H), W_h (H, H), b (H,).

    ``gate`` is one of :data:`GATES`. The arrays are views into ``params``, not copies.
    """
    if gate not in GATES:
        raise ValueError(f"gate must be one of {GATES}, but got {gate!r}.")
    _, H = _check_params(params)
    k = GATES.index(gate)
    cols = slice(k * H, (k + 1) * H)  # this gate's block of the 4H columns
    return {"W_x": params["W_x"][:, cols], "W_h": params["W_h"][:, cols], "b": params["b"][cols]}


def _check_step_inputs(x_t, h_prev, c_prev, params):
    D, H = _check_params(params)
    states = {"h_prev": h_prev, "c_prev": c_prev}
    require_step_inputs(x_t, states, D, H, "W_x", "W_h", params)
    return H


def lstm_step_forward(x_t, h_prev, c_prev, params):
    """One time step of the LSTM.

    Inputs:
    - x_t: input at this step, (N, D)
    - h_prev: hidden state from the previous step, (N, H)
    - c_prev: cell state from the previous step, (N, H)
    - params: dict with W_x (D, 4H), W_h (H, 4H), b (4H,); blocks in gate order i, f, g, o

    Returns:
    - h_t: new hidden state, (N, H)
    - c_t: new cell state, (N, H)
    - cache: an :class:`LSTMStepCache` for :func:`lstm_step_backward`
    """
    H = _check_step_inputs(x_t, h_prev, c_prev, params)
    a = x_t @ params["W_x"] + h_prev @ params["W_h"] + params["b"]  # (N, 4H), all gates
    i = sigmoid(a[:, 0 * H : 1 * H])  # (N, H) each
    f = sigmoid(a[:, 1 * H : 2 * H])
    g = np.tanh(a[:, 2 * H : 3 * H])
    o = sigmoid(a[:, 3 * H : 4 * H])
    c_t = f * c_prev + i * g  # keep part of the old cell, write part of the candidate
    tanh_c = np.tanh(c_t)
    h_t = o * tanh_c  # show part of the cell
    return h_t, c_t, LSTMStepCache(x_t, h_prev, c_prev, i, f, g, o, c_t, tanh_c, params)


def lstm_step_backward(dh_t, dc_t, cache):
    """Backward pass of one step.

    Inputs:
    - dh_t: gradient of the loss with respect to h_t, (N, H), everything that reaches h_t
      (from this step's output and from the future)
    - dc_t: gradient of the loss with respect to c_t from the future (through c_{t+1}),
      (N, H); zeros at the last step
    - cache: the :class:`LSTMStepCache` from :func:`lstm_step_forward`

    Returns:
    - dx_t: gradient with respect to x_t, (N, D)
    - dh_prev: gradient with respect to h_prev, (N, H)
    - dc_prev: gradient with respect to c_prev, (N, H)
    - grads: dict with dW_x, dW_h, db under the keys W_x (D, 4H), W_h (H, 4H), b (4H,)
    """
    if not isinstance(cache, LSTMStepCache):
        raise TypeError(
            f"cache must be the LSTMStepCache returned by lstm_step_forward, "
            f"but got {type(cache).__name__}."
        )
    require_float_array("dh_t", dh_t)
    require_shape("dh_t", dh_t, cache.c_t.shape, "(N, H)", "(the shape of h_t)")
    require_float_array("dc_t", dc_t)
    require_shape("dc_t", dc_t, cache.c_t.shape, "(N, H)", "(the shape of c_t)")
    x_t, h_prev, c_prev, i, f, g, o, c_t, tanh_c, params = cache
    do = dh_t * tanh_c  # h_t = o * tanh(c_t)
    dc = dc_t + dh_t * o * (1 - tanh_c**2)  # c_t reaches the loss via c_{t+1} and via h_t
    di = dc * g  # c_t = f * c_prev + i * g
    df = dc * c_prev
    dg = dc * i
    dc_prev = dc * f  # the cell's own path back in time: only a product with f
    da = np.concatenate(  # backprop through each gate's nonlinearity -> (N, 4H)
        [di * i * (1 - i), df * f * (1 - f), dg * (1 - g**2), do * o * (1 - o)], axis=1
    )
    dx_t = da @ params["W_x"].T  # (N, 4H) @ (4H, D) -> (N, D)
    dh_prev = da @ params["W_h"].T  # (N, 4H) @ (4H, H) -> (N, H)
    grads = {
        "W_x": x_t.T @ da,  # (D, N) @ (N, 4H) -> (D, 4H)
        "W_h": h_prev.T @ da,  # (H, N) @ (N, 4H) -> (H, 4H)
        "b": da.sum(axis=0),  # sum over the batch -> (4H,)
    }
    return dx_t, dh_prev, dc_prev, grads


def _check_sequence_inputs(x, h0, c0, params):
    D, H = _check_params(params)
    require_float_array("x", x)
    require_ndim("x", x, "(N, T, D)")
    N, T, _ = x.shape
    if N == 0 or T == 0:
        raise ValueError(
            f"x has shape {x.shape}: a batch needs at least one sequence (N >= 1) "
            "of at least one step (T >= 1)."
        )
    if x.shape[2] != D:
        raise ValueError(f"x has shape {x.shape} but W_x has D={D} rows: x must be (N, T, {D}).")
    why = f"(N={N} from x, H={H} from W_h)"
    require_float_array("h0", h0)
    require_shape("h0", h0, (N, H), "(N, H)", why)
    require_float_array("c0", c0)
    require_shape("c0", c0, (N, H), "(N, H)", why)
    require_same_dtype("params['W_x']", params["W_x"], x=x, h0=h0, c0=c0)


def lstm_forward(x, h0, c0, params):
    """Run the LSTM over whole sequences by looping :func:`lstm_step_forward` over time.

    Inputs:
    - x: input sequences, (N, T, D)
    - h0: initial hidden state, (N, H)
    - c0: initial cell state, (N, H)
    - params: dict with W_x (D, 4H), W_h (H, 4H), b (4H,)

    Returns:
    - h: hidden states for every step, (N, T, H); ``h[:, t-1]`` is h_t (h0 is not included)
    - cache: an :class:`LSTMCache` for :func:`lstm_backward`; :func:`lstm_gates` reads
      every step's gates and cell state from it
    """
    _check_sequence_inputs(x, h0, c0, params)
    N, T, _ = x.shape
    H = h0.shape[1]
    h = np.empty((N, T, H), dtype=x.dtype)
    steps = []
    h_t, c_t = h0, c0
    for t in range(T):
        h_t, c_t, step_cache = lstm_step_forward(x[:, t], h_t, c_t, params)
        h[:, t] = h_t
        steps.append(step_cache)
    return h, LSTMCache(steps, x.shape)


def lstm_gates(cache):
    """Every step's gates and cell state, from the cache of :func:`lstm_forward`.

    Returns a dict with keys ``"i", "f", "g", "o"`` (the gates) and ``"c"`` (the cell
    state c_t), each an array (N, T, H) whose ``[:, t]`` belongs to step t.
    """
    _check_cache(cache)
    fields = {"i": "i", "f": "f", "g": "g", "o": "o", "c": "c_t"}
    return {
        key: np.stack([getattr(step, field) for step in cache.steps], axis=1)  # (N, T, H)
        for key, field in fields.items()
    }


def _check_cache(cache):
    if not isinstance(cache, LSTMCache):
        raise TypeError(
            f"cache must be the LSTMCache returned by lstm_forward, but got {type(cache).__name__}."
        )


def lstm_backward(dh, cache, dc_final=None):
    """Backpropagation through time over whole sequences.

    Inputs:
    - dh: gradient of the loss with respect to every h_t *from outside the recurrence*
      (the outputs), (N, T, H). The gradients through h_{t+1} and c_{t+1} are added here.
    - cache: the :class:`LSTMCache` from :func:`lstm_forward`
    - dc_final: optional gradient with respect to the last cell state c_T, (N, H), when
      something outside uses it (PyTorch's c_n, an encoder handing its state on); None: zero

    Returns:
    - dx: gradient with respect to x, (N, T, D)
    - dh0: gradient with respect to h0, (N, H)
    - dc0: gradient with respect to c0, (N, H)
    - grads: dict with the keys and shapes of params, summed over time
    """
    _check_cache(cache)
    require_float_array("dh", dh)
    N, T, D = cache.x_shape
    H = cache.steps[0].c_t.shape[1]
    require_shape("dh", dh, (N, T, H), "(N, T, H)", "(the shape of h from lstm_forward)")
    dx = np.empty((N, T, D), dtype=dh.dtype)
    grads = {key: np.zeros_like(cache.steps[0].params[key]) for key in PARAM_SHAPES}
    dh_next = np.zeros_like(dh[:, 0])  # gradient reaching h_t from the future; none after T
    dc_next = np.zeros_like(dh[:, 0])  # gradient reaching c_t from the future; none after T
    if dc_final is not None:  # ... unless c_T itself is used outside
        require_float_array("dc_final", dc_final)
        require_shape("dc_final", dc_final, (N, H), "(N, H)", "(the shape of c_T)")
        dc_next = dc_final
    for t in reversed(range(T)):
        dh_t = dh[:, t] + dh_next  # from the output at t, and from step t+1
        dx[:, t], dh_next, dc_next, step_grads = lstm_step_backward(dh_t, dc_next, cache.steps[t])
        for key in grads:
            grads[key] += step_grads[key]  # shared weights: contributions add up over time
    return dx, dh_next, dc_next, grads
