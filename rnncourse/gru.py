"""The GRU cell (gated recurrent unit): forward and backward, one step and a whole sequence.

Shapes use the course's letters: N sequences in a batch, T time steps, D input features,
H hidden units. Maths is row-vector, batch-major. W_x (D, 3H), W_h (H, 3H), b_x (3H,) and
b_h (3H,) hold three H-wide column blocks in the gate order r, z, n (PyTorch's order);
``W_xr`` below is the r block of W_x, and so on::

    r_t = sigmoid(x_t W_xr + b_xr + h_{t-1} W_hr + b_hr)      reset gate, (N, H)
    z_t = sigmoid(x_t W_xz + b_xz + h_{t-1} W_hz + b_hz)      update gate, (N, H)
    n_t = tanh(x_t W_xn + b_xn + r_t * (h_{t-1} W_hn + b_hn))  candidate, reset_after=True
    n_t = tanh(x_t W_xn + b_xn + (r_t * h_{t-1}) W_hn + b_hn)  candidate, reset_after=False
    h_t = (1 - z_t) * n_t + z_t * h_{t-1}                      h_t (N, H), * is elementwise

x_t is (N, D) and h_{t-1} (N, H). The two candidates differ only in where the reset gate
acts, and both are Cho et al.'s (2014): the first arXiv version of their paper
(1406.1078v1) applies r_t after the product with W_hn, the later one (1406.1078v3) before
it, as most textbooks do (Keras's documentation of ``reset_after`` says the same).
``reset_after=True`` (the default) is the v1 formula, the one PyTorch's ``nn.GRU``, cuDNN
and Keras (``reset_after=True``) compute; with it ``h_{t-1} W_h`` is one matrix product for
all three blocks, which suits cuDNN's fused kernels (it is compatible with them, not the
reason the formula exists). ``reset_after=False`` is the v3 formula. They are different
cells: the gate acts on the outputs of W_hn in one and on its inputs in the other, and b_hn
is scaled by r_t in one only. They agree when r_t = 1, or when W_hn is diagonal and
b_hn = 0.

The update rule ``h_t = (1 - z_t) * n_t + z_t * h_{t-1}`` is the convention of Cho et al.
(2014) and of PyTorch: z_t near 1 keeps the old state. Chung et al. (2014) and some texts
write ``h_t = (1 - z_t) * h_{t-1} + z_t * h~_t`` instead, which swaps z and 1 - z; the cell
is the same, only the meaning of z is reversed.

PyTorch's ``weight_ih_l0`` (3H, D) is our ``W_x.T``, its ``weight_hh_l0`` (3H, H) our
``W_h.T``, ``bias_ih_l0`` our b_x and ``bias_hh_l0`` our b_h. Two biases are PyTorch's
layout for every cell and cuDNN's default one (``CUDNN_RNN_DOUBLE_BIAS``); their LSTM has two
as well, of which only the sum matters.
In the reset-after candidate the second one does a job of its own, because r_t scales b_hn
and not b_xn; in the gates r and z, and everywhere with ``reset_after=False``, only the sum
b_x + b_h matters.

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
PARAM_SHAPES = {"W_x": "(D, 3H)", "W_h": "(H, 3H)", "b_x": "(3H,)", "b_h": "(3H,)"}

#: The gates in the order of their column blocks in W_x, W_h, b_x and b_h.
GATES = ("r", "z", "n")


class GRUStepCache(NamedTuple):
    """What one forward step keeps for its backward step."""

    x_t: np.ndarray  # (N, D) input at this step
    h_prev: np.ndarray  # (N, H) hidden state coming in
    r: np.ndarray  # (N, H) reset gate
    z: np.ndarray  # (N, H) update gate
    n: np.ndarray  # (N, H) candidate state
    a_hn: np.ndarray | None  # (N, H) h_prev W_hn + b_hn if reset_after, else None
    params: dict  # W_x (D, 3H), W_h (H, 3H), b_x (3H,), b_h (3H,)
    reset_after: bool  # which candidate formula was used


class GRUCache(NamedTuple):
    """What a forward pass over a sequence keeps: one step cache per time step."""

    steps: list  # T GRUStepCache, in time order
    x_shape: tuple  # (N, T, D)


def init_params(D, H, rng, *, w_x="xavier_uniform", w_h="orthogonal", dtype=np.float64):
    """New parameters for a GRU cell with D inputs and H hidden units.

    Each gate's block is initialised on its own: W_x's three (D, H) blocks with the scheme
    ``w_x`` (Xavier/Glorot uniform by default) and W_h's three (H, H) blocks with ``w_h``
    (orthogonal by default), both names of :mod:`rnncourse.init`; both biases start at zero.
    ``rng`` is a ``numpy.random.Generator``, so the same seed gives the same weights.
    """
    return {
        "W_x": np.concatenate([init.by_name(w_x, (D, H), rng, dtype=dtype) for _ in GATES], 1),
        "W_h": np.concatenate([init.by_name(w_h, (H, H), rng, dtype=dtype) for _ in GATES], 1),
        "b_x": init.zeros((3 * H,), dtype=dtype),
        "b_h": init.zeros((3 * H,), dtype=dtype),
    }


def _check_params(params):
    """Validate params and return (D, H)."""
    sizes = require_params(params, PARAM_SHAPES, "GRU")
    return require_gate_columns(params, sizes, "GRU", GATES)


def gate_weights(params, gate):
    """One gate's weights: a dict with W_x (D, H), W_h (H, H), b_x (H,), b_h (H,).

    ``gate`` is one of :data:`GATES`. The arrays are views into ``params``, not copies.
    """
    if gate not in GATES:
        raise ValueError(f"gate must be one of {GATES}, but got {gate!r}.")
    _, H = _check_params(params)
    k = GATES.index(gate)
    cols = slice(k * H, (k + 1) * H)  # this gate's block of the 3H columns
    return {
        "W_x": params["W_x"][:, cols],
        "W_h": params["W_h"][:, cols],
        "b_x": params["b_x"][cols],
        "b_h": params["b_h"][cols],
    }


def _check_reset_after(reset_after):
    if not isinstance(reset_after, bool | np.bool_):
        raise TypeError(f"reset_after must be True or False, but got {reset_after!r}.")


def _check_step_inputs(x_t, h_prev, params, reset_after):
    D, H = _check_params(params)
    _check_reset_after(reset_after)
    require_step_inputs(x_t, {"h_prev": h_prev}, D, H, "W_x", "W_h", params)
    return H


def gru_step_forward(x_t, h_prev, params, reset_after=True):
    """One time step of the GRU.

    Inputs:
    - x_t: input at this step, (N, D)
    - h_prev: hidden state from the previous step, (N, H)
    - params: dict with W_x (D, 3H), W_h (H, 3H), b_x (3H,), b_h (3H,); blocks r, z, n
    - reset_after: True (default; PyTorch's formula, Cho et al.'s arXiv v1) applies r to
      h_prev W_hn + b_hn; False (Cho et al.'s arXiv v3, most textbooks) applies it to h_prev
      before the product with W_hn

    Returns:
    - h_t: new hidden state, (N, H)
    - cache: a :class:`GRUStepCache` for :func:`gru_step_backward`
    """
    H = _check_step_inputs(x_t, h_prev, params, reset_after)
    W_h, b_h = params["W_h"], params["b_h"]
    a_x = x_t @ params["W_x"] + params["b_x"]  # (N, 3H), the input's part of every gate
    if reset_after:
        a_h = h_prev @ W_h + b_h  # (N, 3H), the state's part of every gate
    else:
        a_h = h_prev @ W_h[:, : 2 * H] + b_h[: 2 * H]  # (N, 2H), only r and z for now
    r = sigmoid(a_x[:, :H] + a_h[:, :H])  # (N, H)
    z = sigmoid(a_x[:, H : 2 * H] + a_h[:, H : 2 * H])  # (N, H)
    if reset_after:
        a_hn = a_h[:, 2 * H :]  # (N, H) h_prev W_hn + b_hn
        n = np.tanh(a_x[:, 2 * H :] + r * a_hn)
    else:
        a_hn = None
        n = np.tanh(a_x[:, 2 * H :] + (r * h_prev) @ W_h[:, 2 * H :] + b_h[2 * H :])
    h_t = (1 - z) * n + z * h_prev  # z near 1 keeps the old state
    return h_t, GRUStepCache(x_t, h_prev, r, z, n, a_hn, params, bool(reset_after))


def gru_step_backward(dh_t, cache):
    """Backward pass of one step.

    Inputs:
    - dh_t: gradient of the loss with respect to h_t, (N, H), everything that reaches h_t
      (from this step's output and from the future)
    - cache: the :class:`GRUStepCache` from :func:`gru_step_forward`

    Returns:
    - dx_t: gradient with respect to x_t, (N, D)
    - dh_prev: gradient with respect to h_prev, (N, H)
    - grads: dict with dW_x, dW_h, db_x, db_h under the keys W_x (D, 3H), W_h (H, 3H),
      b_x (3H,), b_h (3H,)
    """
    if not isinstance(cache, GRUStepCache):
        raise TypeError(
            f"cache must be the GRUStepCache returned by gru_step_forward, "
            f"but got {type(cache).__name__}."
        )
    require_float_array("dh_t", dh_t)
    require_shape("dh_t", dh_t, cache.h_prev.shape, "(N, H)", "(the shape of h_t)")
    x_t, h_prev, r, z, n, a_hn, params, reset_after = cache
    W_h = params["W_h"]
    H = h_prev.shape[1]
    dn = dh_t * (1 - z)  # h_t = (1 - z) * n + z * h_prev
    dz = dh_t * (h_prev - n)
    dh_prev = dh_t * z  # the direct path: h_prev is copied in with weight z
    dan = dn * (1 - n**2)  # backprop through tanh: gradient of n's pre-activation
    daz = dz * z * (1 - z)  # backprop through the sigmoids
    if reset_after:
        dr = dan * a_hn  # n's pre-activation holds r * a_hn
        dar = dr * r * (1 - r)
        da_h = np.concatenate([dar, daz, dan * r], axis=1)  # (N, 3H)
        dh_prev = dh_prev + da_h @ W_h.T  # (N, 3H) @ (3H, H) -> (N, H)
        dW_h = h_prev.T @ da_h  # (H, N) @ (N, 3H) -> (H, 3H)
    else:
        d_rh = dan @ W_h[:, 2 * H :].T  # gradient of r * h_prev, (N, H) @ (H, H) -> (N, H)
        dr = d_rh * h_prev
        dar = dr * r * (1 - r)
        da_rz = np.concatenate([dar, daz], axis=1)  # (N, 2H)
        dh_prev = dh_prev + d_rh * r + da_rz @ W_h[:, : 2 * H].T  # (N, 2H) @ (2H, H)
        dW_h = np.concatenate(  # r and z blocks see h_prev; the n block sees r * h_prev
            [h_prev.T @ da_rz, (r * h_prev).T @ dan], axis=1
        )  # (H, 3H)
        da_h = np.concatenate([da_rz, dan], axis=1)  # (N, 3H), for db_h
    da_x = np.concatenate([dar, daz, dan], axis=1)  # (N, 3H)
    dx_t = da_x @ params["W_x"].T  # (N, 3H) @ (3H, D) -> (N, D)
    grads = {
        "W_x": x_t.T @ da_x,  # (D, N) @ (N, 3H) -> (D, 3H)
        "W_h": dW_h,  # (H, 3H)
        "b_x": da_x.sum(axis=0),  # sum over the batch -> (3H,)
        "b_h": da_h.sum(axis=0),  # (3H,)
    }
    return dx_t, dh_prev, grads


def _check_sequence_inputs(x, h0, params):
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
    require_float_array("h0", h0)
    require_shape("h0", h0, (N, H), "(N, H)", f"(N={N} from x, H={H} from W_h)")
    require_same_dtype("params['W_x']", params["W_x"], x=x, h0=h0)


def gru_forward(x, h0, params, reset_after=True):
    """Run the GRU over whole sequences by looping :func:`gru_step_forward` over time.

    Inputs:
    - x: input sequences, (N, T, D)
    - h0: initial hidden state, (N, H)
    - params: dict with W_x (D, 3H), W_h (H, 3H), b_x (3H,), b_h (3H,)
    - reset_after: which candidate formula to use (see :func:`gru_step_forward`)

    Returns:
    - h: hidden states for every step, (N, T, H); ``h[:, t-1]`` is h_t (h0 is not included)
    - cache: a :class:`GRUCache` for :func:`gru_backward`; :func:`gru_gates` reads every
      step's gates from it
    """
    _check_sequence_inputs(x, h0, params)
    N, T, _ = x.shape
    H = h0.shape[1]
    h = np.empty((N, T, H), dtype=x.dtype)
    steps = []
    h_t = h0
    for t in range(T):
        h_t, step_cache = gru_step_forward(x[:, t], h_t, params, reset_after)
        h[:, t] = h_t
        steps.append(step_cache)
    return h, GRUCache(steps, x.shape)


def _check_cache(cache):
    if not isinstance(cache, GRUCache):
        raise TypeError(
            f"cache must be the GRUCache returned by gru_forward, but got {type(cache).__name__}."
        )


def gru_gates(cache):
    """Every step's gates, from the cache of :func:`gru_forward`.

    Returns a dict with keys ``"r", "z", "n"``, each an array (N, T, H) whose ``[:, t]``
    belongs to step t.
    """
    _check_cache(cache)
    return {
        key: np.stack([getattr(step, key) for step in cache.steps], axis=1)  # (N, T, H)
        for key in GATES
    }


def gru_backward(dh, cache):
    """Backpropagation through time over whole sequences.

    Inputs:
    - dh: gradient of the loss with respect to every h_t *from outside the recurrence*
      (the outputs), (N, T, H)
    - cache: the :class:`GRUCache` from :func:`gru_forward`

    Returns:
    - dx: gradient with respect to x, (N, T, D)
    - dh0: gradient with respect to h0, (N, H)
    - grads: dict with the keys and shapes of params, summed over time
    """
    _check_cache(cache)
    require_float_array("dh", dh)
    N, T, D = cache.x_shape
    H = cache.steps[0].h_prev.shape[1]
    require_shape("dh", dh, (N, T, H), "(N, T, H)", "(the shape of h from gru_forward)")
    dx = np.empty((N, T, D), dtype=dh.dtype)
    grads = {key: np.zeros_like(cache.steps[0].params[key]) for key in PARAM_SHAPES}
    dh_next = np.zeros_like(dh[:, 0])  # gradient reaching h_t from the future; none after T
    for t in reversed(range(T)):
        dh_t = dh[:, t] + dh_next  # from the output at t, and from step t+1
        dx[:, t], dh_next, step_grads = gru_step_backward(dh_t, cache.steps[t])
        for key in grads:
            grads[key] += step_grads[key]  # shared weights: contributions add up over time
    return dx, dh_next, grads
