"""The training path: the maths of rnn.py, lstm.py and gru.py, arranged to run fast.

Shapes use the course's letters: N sequences, T time steps, D input features, H hidden
units, K outputs, G = H, 4H or 3H gate columns. The cells of chapters 1-7 loop over a step
function that checks its inputs, keeps one cache per step and computes every gradient at
every step: the clearest way to learn BPTT, and the code the chapters show. Training for
minutes wants the same numbers with less work per step. The functions here compute the same
functions (tests/test_fast.py compares them with the step-by-step cells in float64 and
float32 and checks their gradients numerically), rearranged in six ways:

1. **Check once.** The inputs are checked once per sequence, not at every step.
2. **Hoist the input projection.** ``x_t W_x + b`` does not depend on h_{t-1}, so it is
   computed for all T steps with one matrix product before the loop. Inside the loop only
   ``h_{t-1} W_h`` is left: one product per step, with all gates stacked in its columns.
3. **Time-major buffers.** The states of all steps live in one array ``Hs`` (T+1, N, H) with
   ``Hs[0] = h_0`` and ``Hs[t] = h_t``, so ``Hs[t]`` is contiguous and ``Hs[:-1]`` is every
   h_{t-1} at once, a (T*N, H) matrix without a copy.
4. **Parameter gradients after the loop.** Backward keeps in the loop only what the
   recurrence needs: the gradient ``da_t`` of each step's pre-activation, stored in ``DA``
   (T, N, G), and ``dh_{t-1} = da_t W_h^T``. The shared weights' gradients are sums over the
   steps, ``dW_h = sum_t h_{t-1}^T da_t``, which is one product ``Hs[:-1]^T DA`` over all
   T*N rows; the same for dW_x and the biases.
5. **No dx unless asked.** Training does not need the gradient of the data, so
   :func:`loss_and_grads` skips the product ``DA W_x^T``.
6. **Reuse memory.** The first write to a fresh page of memory costs the operating system a
   page fault (about a microsecond per 4 KB), and a training step at the course's sizes
   fills tens of megabytes of buffers. :func:`loss_and_grads` keeps its buffers in a
   :class:`Workspace` and reuses them at the next step of the same shape.

Sigmoid gates go through ``tanh``: ``sigmoid(a) = (1 + tanh(a / 2)) / 2``, and the LSTM's
candidate is ``g = tanh(a_g)``. With the columns of the sigmoid gates of W_x, W_h and b
halved once (``scale``), one ``tanh`` of the whole (N, 4H) pre-activation gives u, then
``(1 + u) / 2`` is every sigmoid gate and u's g block is g. The derivative of a gate with
respect to its pre-activation is ``scale**2 * (1 - u**2)`` for all four blocks alike.

Every array keeps the dtype of x and the params (float32 stays float32).
"""

from typing import NamedTuple

import numpy as np

from . import gru, layers, lstm, rnn
from ._deep_checks import check_cell, check_options, check_state
from ._validate import (
    require_finite,
    require_float_array,
    require_ndim,
    require_params,
    require_same_dtype,
    require_shape,
)
from .activations import get_activation
from .losses import mse_loss, softmax_cross_entropy

#: The losses :func:`loss_and_grads` knows, as in :mod:`rnncourse.train`.
LOSSES = {"cross_entropy": softmax_cross_entropy, "mse": mse_loss}


class Workspace:
    """Arrays that one training step fills and the next step of the same shapes reuses."""

    def __init__(self):
        self.arrays = {}

    def clear(self):
        """Let go of every array (the memory is freed once nothing else holds them)."""
        self.arrays.clear()

    def empty(self, name, shape, dtype):
        """An uninitialised array: the one kept under ``name`` if it has this shape and dtype."""
        a = self.arrays.get(name)
        if a is None or a.shape != shape or a.dtype != dtype:
            a = self.arrays[name] = np.empty(shape, dtype)
        return a


def _empty(ws, name, shape, dtype):
    return np.empty(shape, dtype) if ws is None else ws.empty(name, shape, dtype)


def _time_major(x, ws=None, name="X"):
    """(N, T, D) -> a contiguous (T, N, D) copy."""
    out = _empty(ws, name, (x.shape[1], x.shape[0]) + x.shape[2:], x.dtype)
    np.copyto(out, x.swapaxes(0, 1))
    return out


def _project(X, W, b, out):
    """The input's part of every step's pre-activation, X (T, N, D) @ W (D, G) + b, into
    ``out`` (T, N, G): one product for all steps."""
    T, N, D = X.shape
    np.matmul(X.reshape(T * N, D), W, out=out.reshape(T * N, -1))  # (T*N, D) @ (D, G)
    out += b
    return out


def _rows(a):
    """(T, N, ...) -> (T*N, ...): every step's rows in one matrix (a view)."""
    return a.reshape((a.shape[0] * a.shape[1],) + a.shape[2:])


def _gate_scale(blocks, H, dtype):
    """(G,) scale per column: 1/2 for a sigmoid block ("s"), 1 for a tanh block ("t")."""
    return np.repeat(np.array([0.5 if k == "s" else 1.0 for k in blocks], dtype=dtype), H)


# ---------------------------------------------------------------- RNN


class RNNCache(NamedTuple):
    X: np.ndarray  # (T, N, D) inputs, time-major
    Hs: np.ndarray  # (T+1, N, H): h_0, h_1, ..., h_T
    params: dict
    activation: str


def rnn_forward(X, h0, params, activation="tanh", ws=None):
    """h_t = act(x_t W_xh + h_{t-1} W_hh + b_h) for t = 1..T; X (T, N, D), h0 (N, H)."""
    act, _ = get_activation(activation)
    T, N, _ = X.shape
    H = h0.shape[1]
    A = _project(X, params["W_xh"], params["b_h"], _empty(ws, "A", (T, N, H), X.dtype))
    W_hh = params["W_hh"]
    Hs = _empty(ws, "Hs", (T + 1, N, H), X.dtype)
    Hs[0] = h0
    for t in range(T):
        a = A[t]
        a += Hs[t] @ W_hh  # a_t = (x_t W_xh + b_h) + h_{t-1} W_hh: one product per step
        Hs[t + 1] = act(a)
    return Hs, RNNCache(X, Hs, params, activation)


def rnn_backward(dH, cache, need_dx=False, ws=None):
    """BPTT for :func:`rnn_forward`; dH (T, N, H) from the outputs. Returns dX, dh0, grads."""
    X, Hs, params, activation = cache
    _, act_grad = get_activation(activation)
    W_hh_T = np.ascontiguousarray(params["W_hh"].T)  # (H, H), contiguous for the products
    DA = _empty(ws, "DA", dH.shape, dH.dtype)  # (T, N, H): da_t of every step
    dh_next = np.zeros_like(dH[0])  # gradient reaching h_t from the future; none after T
    for t in reversed(range(dH.shape[0])):
        da = np.add(dH[t], dh_next, out=DA[t])  # from the output at t, and from step t+1
        da *= act_grad(Hs[t + 1])  # through the activation, e.g. tanh' = 1 - h_t**2
        dh_next = da @ W_hh_T  # (N, H) @ (H, H) -> dh_{t-1}
    grads = {
        "W_xh": _rows(X).T @ _rows(DA),  # (D, T*N) @ (T*N, H): summed over steps and rows
        "W_hh": _rows(Hs[:-1]).T @ _rows(DA),  # every h_{t-1}: (H, T*N) @ (T*N, H)
        "b_h": _rows(DA).sum(axis=0),
    }
    dX = (DA @ params["W_xh"].T) if need_dx else None  # (T, N, H) @ (H, D)
    return dX, dh_next, grads


# ---------------------------------------------------------------- LSTM


class LSTMCache(NamedTuple):
    X: np.ndarray  # (T, N, D)
    Hs: np.ndarray  # (T+1, N, H): h_0..h_T
    Cs: np.ndarray  # (T+1, N, H): c_0..c_T
    U: np.ndarray  # (T, N, 4H): u = tanh(scale * a), blocks i, f, g, o; the g block is g
    tanh_c: np.ndarray  # (T, N, H): tanh(c_t)
    scale: np.ndarray  # (4H,): 1/2 in the columns of i, f, o; 1 in g's
    params: dict


def _sigmoid_gates(u, out, H):
    """i, f, o from u = tanh(a/2): sigmoid(a) = (1 + u) / 2, computed for all four blocks into
    ``out`` (N, 4H) at once (the g block's value is not used)."""
    np.multiply(u, 0.5, out=out)
    out += 0.5
    return out[:, :H], out[:, H : 2 * H], out[:, 3 * H :]


def lstm_forward(X, h0, c0, params, ws=None):
    """The LSTM of :mod:`rnncourse.lstm` over X (T, N, D) from h0, c0 (N, H)."""
    T, N, _ = X.shape
    H = h0.shape[1]
    dtype = X.dtype
    s = _gate_scale("ssts", H, dtype)  # i, f, o: tanh(a/2); g: tanh(a)
    U = _project(X, params["W_x"] * s, params["b"] * s, _empty(ws, "U", (T, N, 4 * H), dtype))
    W_h = params["W_h"] * s
    Hs, Cs = _empty(ws, "Hs", (T + 1, N, H), dtype), _empty(ws, "Cs", (T + 1, N, H), dtype)
    Hs[0], Cs[0] = h0, c0
    tanh_c = _empty(ws, "tanh_c", (T, N, H), dtype)
    sig = np.empty((N, 4 * H), dtype)  # reused at every step
    for t in range(T):
        u = U[t]
        u += Hs[t] @ W_h  # all four gates: one product, (N, H) @ (H, 4H)
        np.tanh(u, out=u)
        i, f, o = _sigmoid_gates(u, sig, H)
        g = u[:, 2 * H : 3 * H]
        c = np.multiply(f, Cs[t], out=Cs[t + 1])
        c += i * g  # c_t = f * c_{t-1} + i * g
        np.multiply(o, np.tanh(c, out=tanh_c[t]), out=Hs[t + 1])  # h_t = o * tanh(c_t)
    return Hs, LSTMCache(X, Hs, Cs, U, tanh_c, s, params)


def lstm_backward(dH, cache, need_dx=False, ws=None):
    """BPTT for :func:`lstm_forward`. Returns dX, dh0, dc0, grads."""
    X, Hs, Cs, U, tanh_c, s, params = cache
    T, N, H = dH.shape
    # d gate / d a = s**2 * (1 - u**2). The loop computes da / s**2; s**2 is applied once to
    # W_h^T's rows and to the sums after the loop.
    s2 = s * s
    W_h_T = np.ascontiguousarray((params["W_h"] * s2).T)  # (4H, H)
    DA = _empty(ws, "DA", U.shape, U.dtype)  # (T, N, 4H): da_t / s**2 of every step
    dh_next = np.zeros_like(dH[0])
    dc_next = np.zeros_like(dH[0])
    sig = np.empty_like(U[0])  # (N, 4H), reused at every step
    for t in reversed(range(T)):
        u, tc, da = U[t], tanh_c[t], DA[t]
        i, f, o = _sigmoid_gates(u, sig, H)  # recomputed from u: two operations
        g = u[:, 2 * H : 3 * H]
        dh_t = dH[t] + dh_next
        dc = dh_t * o
        dc *= 1 - tc * tc
        dc += dc_next  # c_t reaches the loss via h_t and via c_{t+1}
        np.multiply(dc, g, out=da[:, :H])  # di
        np.multiply(dc, Cs[t], out=da[:, H : 2 * H])  # df
        np.multiply(dc, i, out=da[:, 2 * H : 3 * H])  # dg
        np.multiply(dh_t, tc, out=da[:, 3 * H :])  # do
        da *= 1 - u * u  # through the sigmoids and the tanh (s**2 comes later)
        dc_next = dc * f
        dh_next = da @ W_h_T  # (N, 4H) @ (4H, H)
    DA2 = _rows(DA)
    grads = {
        "W_x": (_rows(X).T @ DA2) * s2,  # (D, T*N) @ (T*N, 4H)
        "W_h": (_rows(Hs[:-1]).T @ DA2) * s2,  # (H, T*N) @ (T*N, 4H)
        "b": DA2.sum(axis=0) * s2,
    }
    dX = (DA @ (params["W_x"] * s2).T) if need_dx else None  # (T, N, 4H) @ (4H, D)
    return dX, dh_next, dc_next, grads


# ---------------------------------------------------------------- GRU


class GRUCache(NamedTuple):
    X: np.ndarray  # (T, N, D)
    Hs: np.ndarray  # (T+1, N, H)
    rz: np.ndarray  # (T, N, 2H): r and z of every step
    n: np.ndarray  # (T, N, H): candidates
    a_hn: np.ndarray  # (T, N, H): h_{t-1} W_hn + b_hn (reset_after), or r * h_{t-1}
    params: dict
    reset_after: bool


def gru_forward(X, h0, params, reset_after=True, ws=None):
    """The GRU of :mod:`rnncourse.gru` over X (T, N, D) from h0 (N, H)."""
    T, N, _ = X.shape
    H = h0.shape[1]
    dtype = X.dtype
    s = _gate_scale("sst", H, dtype)  # r, z: tanh(a/2); n has its own tanh
    A = _project(X, params["W_x"] * s, params["b_x"] * s, _empty(ws, "A", (T, N, 3 * H), dtype))
    W_h, b_h = params["W_h"] * s, params["b_h"] * s
    if not reset_after:
        W_h, b_h = W_h[:, : 2 * H], b_h[: 2 * H]  # r and z; n's block acts on r * h_{t-1}
        W_hn, b_hn = params["W_h"][:, 2 * H :], params["b_h"][2 * H :]
    Hs = _empty(ws, "Hs", (T + 1, N, H), dtype)
    Hs[0] = h0
    rz = _empty(ws, "rz", (T, N, 2 * H), dtype)
    n = _empty(ws, "n", (T, N, H), dtype)
    a_hn = _empty(ws, "a_hn", (T, N, H), dtype)
    for t in range(T):
        h_prev = Hs[t]
        a_h = h_prev @ W_h  # (N, 3H): one product for all gates (or (N, 2H): r and z)
        a_h += b_h
        u = np.add(A[t, :, : 2 * H], a_h[:, : 2 * H], out=rz[t])
        np.tanh(u, out=u)
        u += 1
        u *= 0.5  # r and z: sigmoid(a) = (1 + tanh(a/2)) / 2
        r, z = u[:, :H], u[:, H:]
        if reset_after:
            a_hn[t] = a_h[:, 2 * H :]  # h_{t-1} W_hn + b_hn
            a_n = r * a_hn[t]
        else:
            a_n = np.multiply(r, h_prev, out=a_hn[t]) @ W_hn  # (r * h_{t-1}) W_hn
            a_n += b_hn
        a_n += A[t, :, 2 * H :]
        np.tanh(a_n, out=n[t])
        h = np.subtract(h_prev, n[t], out=Hs[t + 1])
        h *= z
        h += n[t]  # h_t = (1 - z) * n + z * h_{t-1} = n + z * (h_{t-1} - n)
    return Hs, GRUCache(X, Hs, rz, n, a_hn, params, bool(reset_after))


def gru_backward(dH, cache, need_dx=False, ws=None):
    """BPTT for :func:`gru_forward`. Returns dX, dh0, grads."""
    X, Hs, rz, n, a_hn, params, reset_after = cache
    T, N, H = dH.shape
    W_h_T = np.ascontiguousarray(params["W_h"].T)  # (3H, H)
    DA = _empty(ws, "DA", (T, N, 3 * H), dH.dtype)  # da of the state's part: r, z, n
    DAN = _empty(ws, "DAN", (T, N, H), dH.dtype)  # da_n of the input's part
    dh_next = np.zeros_like(dH[0])
    for t in reversed(range(T)):
        r, z, n_t, h_prev, da = rz[t, :, :H], rz[t, :, H:], n[t], Hs[t], DA[t]
        dh_t = dH[t] + dh_next
        one_minus_z = 1 - z
        dan = np.multiply(dh_t, one_minus_z, out=DAN[t])  # h_t = (1 - z) * n + z * h_{t-1}
        dan *= 1 - n_t * n_t  # through n's tanh
        daz = np.multiply(dh_t, h_prev - n_t, out=da[:, H : 2 * H])
        daz *= z * one_minus_z  # through z's sigmoid
        if reset_after:  # n's pre-activation holds r * a_hn
            dar = np.multiply(dan, a_hn[t], out=da[:, :H])
            np.multiply(dan, r, out=da[:, 2 * H :])
            dar *= r * (1 - r)
            dh_next = da @ W_h_T  # (N, 3H) @ (3H, H)
        else:  # n's pre-activation holds (r * h_{t-1}) W_hn
            da[:, 2 * H :] = dan
            d_rh = dan @ W_h_T[2 * H :]  # gradient of r * h_{t-1}: (N, H) @ (H, H)
            dar = np.multiply(d_rh, h_prev, out=da[:, :H])
            dar *= r * (1 - r)
            dh_next = da[:, : 2 * H] @ W_h_T[: 2 * H]  # (N, 2H) @ (2H, H)
            dh_next += d_rh * r
        dh_next += dh_t * z  # the direct path: h_{t-1} is copied in with weight z
    DA2, DAN2, X2, Hprev = _rows(DA), _rows(DAN), _rows(X), _rows(Hs[:-1])
    if reset_after:  # the input's n block gets da_n, the state's r * da_n
        dW_h = Hprev.T @ DA2  # (H, T*N) @ (T*N, 3H)
        dW_x = np.concatenate([X2.T @ DA2[:, : 2 * H], X2.T @ DAN2], axis=1)  # (D, 3H)
        db_x = np.concatenate([DA2[:, : 2 * H].sum(axis=0), DAN2.sum(axis=0)])
    else:  # the state's n block sees r * h_{t-1}
        dW_h = np.concatenate([Hprev.T @ DA2[:, : 2 * H], _rows(a_hn).T @ DAN2], axis=1)
        dW_x = X2.T @ DA2
        db_x = DA2.sum(axis=0)
    grads = {"W_x": dW_x, "W_h": dW_h, "b_x": db_x, "b_h": DA2.sum(axis=0)}
    dX = None
    if need_dx:
        DAx = np.concatenate([DA[..., : 2 * H], DAN], axis=2)
        dX = DAx @ params["W_x"].T  # (T, N, 3H) @ (3H, D)
    return dX, dh_next, grads


# ---------------------------------------------------------------- one call for every cell

_FORWARD = {"rnn": rnn_forward, "lstm": lstm_forward, "gru": gru_forward}
_FIRST_KEY = {"rnn": "W_xh", "lstm": "W_x", "gru": "W_x"}


def _check(cell, x, state0, params, options):
    """Check everything once, as the cells check it at every step. Returns the state as a
    tuple of arrays: (h0,) or (h0, c0)."""
    check_cell(cell)
    check_options(cell, options)
    if cell == "rnn":
        get_activation(options.get("activation", "tanh"))
        sizes = require_params(params, rnn.PARAM_SHAPES, "RNN")
        D, H = sizes["D"], sizes["H"]
    else:
        if cell == "gru":
            gru._check_reset_after(options.get("reset_after", True))
        D, H = (lstm if cell == "lstm" else gru)._check_params(params)
    require_float_array("x", x)
    require_ndim("x", x, "(N, T, D)")
    N, T, D_x = x.shape
    if N == 0 or T == 0:
        raise ValueError(
            f"x has shape {x.shape}: a batch needs at least one sequence (N >= 1) "
            "of at least one step (T >= 1)."
        )
    if D_x != D:
        raise ValueError(f"x has shape {x.shape} but the params have D={D}: x must be (N, T, {D}).")
    check_state("state0", cell, state0, (N, H), f"(N={N} from x, H={H} from the params)")
    states = tuple(state0) if cell == "lstm" else (state0,)
    first = _FIRST_KEY[cell]
    require_same_dtype(f"params[{first!r}]", params[first], x=x)
    require_finite("x", x)
    for k, a in enumerate(states):
        name = f"state0[{k}]" if cell == "lstm" else "state0"
        require_same_dtype("x", x, **{name: a})
        require_finite(name, a)
    return states


def _run_forward(cell, X, states, params, options, ws=None):
    Hs, cache = _FORWARD[cell](X, *states, params, **options, ws=ws)
    require_finite("the hidden states h", Hs)  # an overflow stops here, as in the cells
    return Hs, cache


def _run_backward(cell, dH, cache, need_dx, ws=None):
    """Returns dX, the gradient of the initial state (dh0 or (dh0, dc0)), grads."""
    if cell == "lstm":
        dX, dh0, dc0, grads = lstm_backward(dH, cache, need_dx, ws)
        return dX, (dh0, dc0), grads
    backward = rnn_backward if cell == "rnn" else gru_backward
    return backward(dH, cache, need_dx, ws)


def _final_state(cell, cache):
    if cell == "lstm":
        return cache.Hs[-1].copy(), cache.Cs[-1].copy()
    return cache.Hs[-1].copy()


def cell_forward(cell, x, state0, params, **options):
    """What :func:`rnncourse.deep.cell_forward` computes, on the fast path.

    Inputs and outputs as there: x (N, T, D); state0 h0 (N, H), or (h0, c0) for "lstm";
    returns h (N, T, H), the final state and a cache for :func:`cell_backward`.
    """
    states = _check(cell, x, state0, params, options)
    Hs, cache = _run_forward(cell, _time_major(x), states, params, options)
    h = Hs[1:].swapaxes(0, 1)  # (T, N, H) -> (N, T, H), a view
    return h, _final_state(cell, cache), (cell, cache)


def cell_backward(cell_and_cache, dh):
    """Gradients for :func:`cell_forward`: dh (N, T, H) -> dx (N, T, D), dstate0, grads."""
    cell, cache = cell_and_cache
    require_float_array("dh", dh)
    N, T = cache.Hs.shape[1], cache.Hs.shape[0] - 1
    require_shape("dh", dh, (N, T, cache.Hs.shape[2]), "(N, T, H)", "(the shape of h)")
    dX, dstate0, grads = _run_backward(cell, _time_major(dh), cache, need_dx=True)
    return dX.swapaxes(0, 1), dstate0, grads  # (T, N, D) -> (N, T, D)


#: The buffers of :func:`loss_and_grads`, reused from one call to the next.
_WORKSPACE = Workspace()


def loss_and_grads(model, x, y, state0=None, loss="cross_entropy"):
    """What :func:`rnncourse.train.loss_and_grads` computes, on the fast path.

    Inputs: a :class:`rnncourse.train.Model`, x (N, T, D), labels y (N, T) or targets
    y (N, T, K), the initial state (zeros if None), the loss's name.

    Returns the loss (a float), the gradients of every key of ``model.params``, and the
    state after the last step.
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {sorted(LOSSES)}, but got {loss!r}.")
    cell, p, ws = model.cell, model.params, _WORKSPACE
    y = np.asarray(y)
    if isinstance(x, np.ndarray) and y.shape[:2] != x.shape[:2]:
        raise ValueError(
            f"y has shape {y.shape}, but x has shape {x.shape}: y must start with "
            f"(N, T) = {x.shape[:2]} (labels (N, T), or targets (N, T, K) for loss='mse')."
        )
    if state0 is None:
        h0 = np.zeros((x.shape[0], p["W_hy"].shape[0]), dtype=p["W_hy"].dtype)
        state0 = (h0, h0.copy()) if cell == "lstm" else h0
    states = _check(cell, x, state0, p, model.options)
    X = _time_major(x, ws)
    Hs, cache = _run_forward(cell, X, states, p, model.options, ws)
    T, N, H = Hs.shape[0] - 1, Hs.shape[1], Hs.shape[2]
    # the output layer on (T*N, H) rows: one plain matrix product, not T of them
    scores, head_cache = layers.linear_forward(_rows(Hs[1:]), p["W_hy"], p["b_y"])  # (T*N, K)
    y_tm = y.swapaxes(0, 1)  # (N, T, ...) -> (T, N, ...), as the scores
    value, dscores = LOSSES[loss](scores.reshape((T, N) + scores.shape[1:]), y_tm)
    dH, dW_hy, db_y = layers.linear_backward(_rows(dscores), head_cache)  # dH (T*N, H)
    dH = dH.reshape(T, N, H)
    _, _, grads = _run_backward(cell, dH, cache, need_dx=False, ws=ws)
    return value, {**grads, "W_hy": dW_hy, "b_y": db_y}, _final_state(cell, cache)
