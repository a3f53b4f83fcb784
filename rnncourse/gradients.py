"""How gradients flow back through time: per-step gradient norms and step Jacobians.

Everything here runs the cells' own forward and backward code (:mod:`rnncourse.rnn`,
:mod:`rnncourse.lstm`, :mod:`rnncourse.gru`); no derivative is written a second time.

Shapes use the course's letters: N sequences, T time steps, D inputs, H hidden units, and
S for the size of the recurrent state: S = H for the RNN and the GRU, S = 2H for the LSTM,
whose state is the pair (h_t, c_t).

Time steps follow the code's indexing: ``h[:, t]`` (t = 0..T-1) is the state after step t,
and the initial state h0 comes before step 0. (The chapters' equations count steps from 1,
so their h_t is the code's ``h[:, t - 1]``.)

The Jacobian convention. In our row-vector maths the backward pass of one step maps the
gradient reaching h_t to the gradient reaching h_{t-1} by a matrix product from the right::

    dL/dh_{t-1} = dL/dh_t  J_t,      J_t[i, j] = d h_t[i] / d h_{t-1}[j]    (S, S)

Row i of J_t is how output unit i of step t responds to each unit j of the previous state;
for the vanilla RNN ``J_t = diag(act'(a_t)) W_hh.T``. This J_t is the usual Jacobian of the
column-vector papers, so ``dh_t / dh_k = J_t J_{t-1} ... J_{k+1}`` reads the same in both.
"""

import numpy as np

from . import gru, lstm, rnn
from ._validate import require_finite, require_float_array, require_ndim, require_positive_int
from .activations import get_activation

#: The cells this module knows.
CELLS = ("rnn", "lstm", "gru")

#: The largest value of each activation's derivative (the factor in the norm bound).
MAX_DERIVATIVE = {"tanh": 1.0, "sigmoid": 0.25, "relu": 1.0, "identity": 1.0}

#: Where the loss is taken: on the last hidden state only, or on every hidden state.
LOSS_AT = ("last", "every")

_CACHES = {rnn.RNNCache: "rnn", lstm.LSTMCache: "lstm", gru.GRUCache: "gru"}


def _check_cell(cell):
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {CELLS}, but got {cell!r}.")


def _cell_of(cache):
    for kind, cell in _CACHES.items():
        if isinstance(cache, kind):
            return cell
    raise TypeError(
        "cache must be the cache returned by rnn_forward, lstm_forward or gru_forward, "
        f"but got {type(cache).__name__}."
    )


# ---------------------------------------------------------------- weights


def spectral_radius(W):
    """The largest absolute eigenvalue of a square matrix W (H, H)."""
    require_float_array("W", W)
    if W.ndim != 2 or W.shape[0] != W.shape[1]:
        raise ValueError(f"W must be a square matrix (H, H), but has shape {W.shape}.")
    return float(np.max(np.abs(np.linalg.eigvals(W))))


def scale_to_spectral_radius(W, rho):
    """A copy of the square matrix W (H, H), scaled so that its spectral radius is ``rho``.

    Scaling multiplies every eigenvalue and every singular value by the same factor, so the
    shape of the spectrum stays and only its size changes.
    """
    rho = _check_nonnegative("rho", rho)
    current = spectral_radius(W)
    if current == 0.0:
        raise ValueError(
            "W has spectral radius 0 (all its eigenvalues are 0), so no scaling can give it "
            f"spectral radius {rho}: start from another matrix."
        )
    return (W * (rho / current)).astype(W.dtype, copy=False)


def _check_nonnegative(name, value):
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name} must be a number, but got {type(value).__name__}.")
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, but got {value}.")
    return float(value)


def recurrent_blocks(cell, params):
    """The recurrent (H, H) blocks of a cell's parameters, as a dict name -> array view.

    The RNN has one, ``W_hh``. The LSTM's W_h (H, 4H) has one per gate, named ``"W_h[i]"``,
    ``"W_h[f]"``, ``"W_h[g]"``, ``"W_h[o]"``; the GRU's W_h (H, 3H) has ``"W_h[r]"``,
    ``"W_h[z]"``, ``"W_h[n]"``.
    """
    _check_cell(cell)
    if cell == "rnn":
        return {"W_hh": params["W_hh"]}
    module = lstm if cell == "lstm" else gru
    return {f"W_h[{g}]": module.gate_weights(params, g)["W_h"] for g in module.GATES}


def scale_recurrent(cell, params, rho):
    """A copy of ``params`` whose recurrent blocks each have spectral radius ``rho``.

    The RNN's W_hh is scaled as a whole. The LSTM and the GRU have one (H, H) block of W_h
    per gate (see :func:`recurrent_blocks`); each block is scaled on its own to spectral
    radius ``rho``. Input weights and biases are copied unchanged.
    """
    _check_cell(cell)
    out = {key: value.copy() for key, value in params.items()}
    if cell == "rnn":
        out["W_hh"] = scale_to_spectral_radius(params["W_hh"], rho)
        return out
    module = lstm if cell == "lstm" else gru
    H = params["W_h"].shape[0]
    for k in range(len(module.GATES)):
        cols = slice(k * H, (k + 1) * H)  # this gate's (H, H) block
        out["W_h"][:, cols] = scale_to_spectral_radius(params["W_h"][:, cols], rho)
    return out


def make_params(cell, D, H, rng, *, rho=None, recurrent="orthogonal", forget_bias=1.0):
    """New float64 parameters for ``cell`` with D inputs and H hidden units.

    The recurrent blocks start from the scheme ``recurrent`` of :mod:`rnncourse.init`
    (``"orthogonal"``: every eigenvalue and singular value has size 1; ``"xavier_normal"``:
    a random Gaussian matrix, non-normal, whose largest singular value is typically 1.5 to 2
    times its spectral radius). With ``rho`` they are then scaled to that spectral radius
    (:func:`scale_recurrent`). The LSTM's forget-gate bias starts at ``forget_bias``.
    """
    _check_cell(cell)
    D = require_positive_int("D", D)
    H = require_positive_int("H", H)
    if cell == "rnn":
        params = rnn.init_params(D, H, rng, w_hh=recurrent)
    elif cell == "lstm":
        params = lstm.init_params(D, H, rng, forget_bias=forget_bias, w_h=recurrent)
    else:
        params = gru.init_params(D, H, rng, w_h=recurrent)
    return params if rho is None else scale_recurrent(cell, params, rho)


def jacobian_norm_bound(W_hh, activation="tanh"):
    """The bound ``max|act'| * sigma_max(W_hh)`` on the norm of one RNN step Jacobian."""
    get_activation(activation)
    require_float_array("W_hh", W_hh)
    return MAX_DERIVATIVE[activation] * float(np.linalg.norm(W_hh, ord=2))


# ---------------------------------------------------------------- forward


def _forward(cell, x, params, h0, c0, activation, reset_after):
    """Run the cell's own sequence forward; return its cache."""
    _check_cell(cell)
    require_float_array("x", x)
    require_ndim("x", x, "(N, T, D)")
    N = x.shape[0]
    H = params["W_hh"].shape[0] if cell == "rnn" else params["W_h"].shape[0]
    h0 = np.zeros((N, H), dtype=x.dtype) if h0 is None else h0
    if cell == "rnn":
        _, cache = rnn.rnn_forward(x, h0, params, activation)
    elif cell == "lstm":
        c0 = np.zeros((N, H), dtype=x.dtype) if c0 is None else c0
        _, cache = lstm.lstm_forward(x, h0, c0, params)
    else:
        _, cache = gru.gru_forward(x, h0, params, reset_after)
    return cache


# ---------------------------------------------------------------- gradients per step


def _step_back(cell, step_cache, dh_t, dc_t):
    """One call of the cell's step backward; returns (dh_prev, dc_prev or None)."""
    if cell == "rnn":
        _, dh_prev, _ = rnn.rnn_step_backward(dh_t, step_cache)
        return dh_prev, None
    if cell == "lstm":
        _, dh_prev, dc_prev, _ = lstm.lstm_step_backward(dh_t, dc_t, step_cache)
        return dh_prev, dc_prev
    _, dh_prev, _ = gru.gru_step_backward(dh_t, step_cache)
    return dh_prev, None


def state_gradients(dh, cache):
    """The gradient reaching every hidden state, walking backward with the step functions.

    Inputs:
    - dh: gradient of the loss with respect to each h_t from outside the recurrence,
      (N, T, H); for a loss on the last state only, zeros except ``dh[:, T-1]``
    - cache: from :func:`rnncourse.rnn.rnn_forward`, :func:`rnncourse.lstm.lstm_forward`
      or :func:`rnncourse.gru.gru_forward` (the cell is read from its type)

    Returns a dict:
    - "h": (N, T, H), ``[:, t]`` is dL/dh_t, everything that reaches h_t (from its own
      output and from the future); this is the dh_t that step t's backward receives
    - "c": (N, T, H), for the LSTM only: dL/dc_t from the future (zero at t = T-1)
    - "h0": (N, H), the gradient that reaches the initial state
    """
    cell = _cell_of(cache)
    require_float_array("dh", dh)
    N, T, _ = cache.x_shape
    H = dh.shape[-1]
    expected = cache.steps[0].h_prev.shape[1]
    if dh.shape != (N, T, expected):
        raise ValueError(
            f"dh has shape {dh.shape}, but must be (N, T, H) = {(N, T, expected)}, "
            "the shape of h from the forward pass."
        )
    out_h = np.zeros((N, T, H), dtype=dh.dtype)
    out_c = np.zeros((N, T, H), dtype=dh.dtype) if cell == "lstm" else None
    dh_next = np.zeros((N, H), dtype=dh.dtype)  # nothing comes from beyond the last step
    dc_next = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dh_t = dh[:, t] + dh_next  # from the output at t, and from step t+1
        out_h[:, t] = dh_t
        if out_c is not None:
            out_c[:, t] = dc_next
        dh_next, dc_next = _step_back(cell, cache.steps[t], dh_t, dc_next)
    result = {"h": out_h, "h0": dh_next}
    if out_c is not None:
        result["c"] = out_c
    return result


def gradient_norms_per_step(dh_last, cache):
    """||dL/dh_t|| for every step t when the loss depends on the last hidden state only.

    Inputs:
    - dh_last: gradient of the loss with respect to the last hidden state ``h[:, T-1]``,
      (N, H)
    - cache: from ``rnn_forward``, ``lstm_forward`` or ``gru_forward``

    Returns norms (T,): ``norms[t]`` is the norm of dL/dh_t over the whole batch, i.e. of
    the (N, H) array ``np.linalg.norm(dh_t)``; ``norms[T-1] == ||dh_last||``.
    """
    cell = _cell_of(cache)
    require_float_array("dh_last", dh_last)
    N, T, _ = cache.x_shape
    H = cache.steps[0].h_prev.shape[1]
    if dh_last.shape != (N, H):
        raise ValueError(
            f"dh_last has shape {dh_last.shape}, but must be (N, H) = {(N, H)}, "
            f"the shape of the last hidden state of the {cell} cell."
        )
    dh = np.zeros((N, T, H), dtype=dh_last.dtype)
    dh[:, T - 1] = dh_last  # the loss sees only the last state
    grads = state_gradients(dh, cache)["h"]  # (N, T, H)
    return np.sqrt(np.sum(grads**2, axis=(0, 2)))  # (T,)


def gradient_norms(
    cell,
    x,
    params,
    h0=None,
    *,
    c0=None,
    activation="tanh",
    reset_after=True,
    loss_at="last",
    dh_last=None,
):
    """||dL/dh_t|| for every step t of ``cell`` run on ``x``, from the real backward code.

    Inputs:
    - cell: "rnn", "lstm" or "gru"
    - x: input sequences, (N, T, D)
    - params: the cell's parameter dict (e.g. from :func:`make_params`)
    - h0: initial hidden state (N, H), zeros by default; c0: the LSTM's initial cell state
    - activation: the RNN's activation ("tanh", "sigmoid", "relu", "identity")
    - reset_after: the GRU's candidate formula (see :func:`rnncourse.gru.gru_step_forward`)
    - loss_at: "last" (default): the loss depends on the last state only, so every other
      step sees only what travelled back through time; "every": the same gradient also
      enters at every step, as from a loss on every output
    - dh_last: the gradient entering at a step, (N, H); by default all entries are equal
      with total norm 1, so ``norms[T-1] == 1`` for ``loss_at="last"``

    Returns norms (T,): ``norms[t]`` = ``np.linalg.norm(dL/dh_t)`` over the batch (N, H).
    """
    if loss_at not in LOSS_AT:
        raise ValueError(f"loss_at must be one of {LOSS_AT}, but got {loss_at!r}.")
    cache = _forward(cell, x, params, h0, c0, activation, reset_after)
    N, T, _ = x.shape
    H = cache.steps[0].h_prev.shape[1]
    if dh_last is None:
        dh_last = np.full((N, H), 1.0 / np.sqrt(N * H), dtype=x.dtype)
    if loss_at == "last":
        return gradient_norms_per_step(dh_last, cache)
    require_float_array("dh_last", dh_last)
    dh = np.broadcast_to(dh_last, (T, N, H)).transpose(1, 0, 2)  # (N, T, H), same at every t
    grads = state_gradients(np.ascontiguousarray(dh), cache)["h"]
    return np.sqrt(np.sum(grads**2, axis=(0, 2)))  # (T,)


# ---------------------------------------------------------------- Jacobians


def step_jacobians(cell, x, params, h0=None, *, c0=None, activation="tanh", reset_after=True):
    """The Jacobian of every step, J_t = d state_t / d state_{t-1}, from the step backward.

    Inputs: as :func:`gradient_norms`, but x holds one sequence, (1, T, D).

    Returns J (T, S, S) with ``J[t, i, j] = d s_t[i] / d s_{t-1}[j]``, where s_t is the
    state after step t (s_{-1} is the initial state): S = H and s_t = h_t for the RNN and
    the GRU; S = 2H and s_t = (h_t, c_t) concatenated for the LSTM, because its next step
    depends on both, so only the full 2H Jacobians multiply into d s_T / d s_k.

    How: the forward pass is run on S identical copies of the sequence, and each step's
    backward receives the S unit vectors as its batch of upstream gradients. Row i of what
    comes back is the gradient of s_t[i] with respect to s_{t-1}, i.e. row i of J_t.
    """
    require_float_array("x", x)
    require_ndim("x", x, "(N, T, D)")
    if x.shape[0] != 1:
        raise ValueError(
            f"x has shape {x.shape}: step_jacobians takes one sequence, x of shape (1, T, D)."
        )
    _check_cell(cell)
    H = params["W_hh"].shape[0] if cell == "rnn" else params["W_h"].shape[0]
    S = 2 * H if cell == "lstm" else H
    xs = np.repeat(x, S, axis=0)  # (S, T, D): S copies of the same sequence
    h0s = None if h0 is None else np.repeat(h0, S, axis=0)  # (S, H)
    c0s = None if c0 is None else np.repeat(c0, S, axis=0)
    cache = _forward(cell, xs, params, h0s, c0s, activation, reset_after)
    T = x.shape[1]
    eye = np.eye(S, dtype=x.dtype)  # (S, S): one unit vector per row
    J = np.empty((T, S, S), dtype=x.dtype)
    for t in range(T):
        if cell == "lstm":
            dh_prev, dc_prev = _step_back(cell, cache.steps[t], eye[:, :H], eye[:, H:])
            J[t] = np.concatenate([dh_prev, dc_prev], axis=1)  # (2H, H) + (2H, H) -> (2H, 2H)
        else:
            J[t], _ = _step_back(cell, cache.steps[t], eye, None)
    return J


def jacobian_singular_values(cell, x, params, h0=None, **kwargs):
    """The singular values of every step Jacobian, (T, S), largest first in each row.

    Arguments as :func:`step_jacobians`. ``[t, 0]`` is the norm ||J_t|| (how much step t
    can stretch a gradient at most); ``[t, -1]`` how much it shrinks one at least.
    """
    J = step_jacobians(cell, x, params, h0, **kwargs)
    return np.linalg.svd(J, compute_uv=False)  # (T, S)


def jacobian_product(J, start=0, stop=None):
    """The product J[stop-1] @ ... @ J[start], (S, S): d s_{stop-1} / d s_{start-1}.

    ``J`` is (T, S, S) from :func:`step_jacobians`. With the defaults this is the
    derivative of the last state with respect to the initial one; the gradient reaching
    s_{start-1} is then ``dL/ds_{stop-1} @ product``.
    """
    require_float_array("J", J)
    require_ndim("J", J, "(T, S, S)")
    require_finite("J", J)
    T = J.shape[0]
    stop = T if stop is None else stop
    if not 0 <= start < stop <= T:
        raise ValueError(f"need 0 <= start < stop <= T={T}, but got start={start}, stop={stop}.")
    P = np.eye(J.shape[1], dtype=J.dtype)
    for t in range(start, stop):
        P = J[t] @ P  # the later Jacobian multiplies from the left
    return P


def growth_per_step(J):
    """Average stretch per step of each direction over the whole sequence, (S,).

    The singular values of the product of all T Jacobians, each raised to the power 1/T
    (their geometric mean per step), largest first. A value above 1 is a direction in
    which a gradient grows on average as it travels back; below 1, it shrinks.
    """
    P = jacobian_product(J)
    sv = np.linalg.svd(P, compute_uv=False)
    return sv ** (1.0 / J.shape[0])
