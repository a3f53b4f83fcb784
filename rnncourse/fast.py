"""The training path: the maths of rnn.py, lstm.py and gru.py, arranged to run fast.

Shapes use the course's letters: N sequences, T time steps, D input features, H hidden
units, K outputs, G = H, 4H or 3H gate columns. The cells of chapters 1-7 loop over a step
function that checks its inputs, keeps one cache per step and computes every gradient at
every step: the clearest way to learn BPTT, and the code the chapters show. Training for
minutes wants the same numbers with less work per step. The functions here compute the same
functions (tests/test_fast.py compares them with the step-by-step cells in float64 and
float32 and checks their gradients numerically), rearranged in seven ways:

1. **Check once.** The inputs are checked once per sequence, not at every step.
2. **Columns.** Inside the loop the states are stored transposed: h_t^T is a (H, N)
   matrix, one column per sequence, as in min-char-rnn and in PyTorch's equations. A step
   computes ``a_t^T = W_h^T h_{t-1}^T + (x_t W_x + b)^T``, a (G, H) @ (H, N) product: the
   transpose of the chapters' ``a_t = x_t W_x + h_{t-1} W_h + b``, so the same numbers.
   BLAS runs this shape faster at the course's sizes (about 21 against 30 microseconds for
   G = 4H = 512, H = 128, N = 32 in float32 on two cores), and every gate's rows
   ``a[:H]``, ``a[H:2H]``, ... are one contiguous block of memory, so the element-wise
   work never strides. In this module's comments and docstrings, h_{t-1}, da_t and x_t
   stand for these transposed (H, N), (G, N) and (D, N) matrices.
3. **Hoist the input projection.** ``W_x^T x_t + b`` does not depend on h_{t-1}, so it is
   computed for all T steps in one call before the loop; a row of ones appended to every
   x_t carries the bias into the same product. Inside the loop only ``W_h^T h_{t-1}`` is
   left: one product per step, with all gates stacked in its rows.
4. **Step-major buffers.** The states of all steps live in one array ``Hs`` (T+1, H, N)
   with ``Hs[0] = h_0`` and ``Hs[t] = h_t``, so each step reads and writes whole blocks.
5. **Parameter gradients after the loop.** Backward keeps in the loop only what the
   recurrence needs: the gradient ``da_t`` of each step's pre-activation, stored in ``DA``
   (T, G, N), and ``dh_{t-1} = W_h da_t``. The shared weights' gradients are sums over the
   steps, ``dW_h = sum_t h_{t-1} da_t^T``: one product over all T*N columns at once,
   after turning DA and Hs into (G, T*N) and (H, T*N) matrices with one copy each.
6. **No dx unless asked.** Training does not need the gradient of the data, so
   :func:`loss_and_grads` skips the product ``W_x DA``.
7. **Reuse memory.** The first write to a fresh page of memory costs the operating system a
   page fault (about a microsecond per 4 KB), and a training step at the course's sizes
   fills tens of megabytes of buffers. :func:`loss_and_grads` keeps its buffers in a
   :class:`Workspace` and reuses them at the next step of the same shape.

Sigmoid gates go through ``tanh``: ``sigmoid(a) = (1 + tanh(a / 2)) / 2``, and the LSTM's
candidate is ``g = tanh(a_g)``. With the rows of the sigmoid gates of W_x, W_h and b
halved once (``scale``), one ``tanh`` of the whole (4H, N) pre-activation gives u, then
``(1 + u) / 2`` is every sigmoid gate and u's g block is g. The derivative of a gate with
respect to its pre-activation is ``scale**2 * (1 - u**2)`` for all four blocks alike.

Every array keeps the dtype of x and the params (float32 stays float32). The encoder-decoder
of chapter 11 has a training path of its own, :mod:`rnncourse.fast_seq2seq`, which runs its
encoder and its attention-free decoders on :func:`cell_forward` and :func:`cell_backward`.
"""

from typing import NamedTuple

import numpy as np

from . import gru, lstm, rnn
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

#: The losses :func:`loss_and_grads` knows, as in :mod:`rnncourse.train`.
LOSSES = ("cross_entropy", "mse")


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


def _copy(ws, name, view):
    """A contiguous copy of ``view`` (e.g. a transposed view), in the workspace."""
    out = _empty(ws, name, view.shape, view.dtype)
    np.copyto(out, view)
    return out


class Inputs(NamedTuple):
    """The batch x (N, T, D), in the two layouts the path needs, each with a 1 appended to
    every x_t so that one product also adds the bias: ``[W_x; b]^T [x_t; 1] = W_x^T x_t + b``."""

    columns: np.ndarray  # (T, D+1, N): [x_t; 1] as columns, for the input projection
    rows: np.ndarray  # (T*N, D+1): every step's [x_t; 1]^T rows, for dW_x and db


def _inputs(x, ws=None):
    N, T, D = x.shape
    columns = _empty(ws, "X_columns", (T, D + 1, N), x.dtype)
    np.copyto(columns[:, :D], x.transpose(1, 2, 0))
    columns[:, D] = 1
    rows = _empty(ws, "X_rows", (T, N, D + 1), x.dtype)
    np.copyto(rows[..., :D], x.swapaxes(0, 1))
    rows[..., D] = 1
    return Inputs(columns, rows.reshape(T * N, D + 1))


def _project(W, b, X, out):
    """The input's part of every step's pre-activation, ``W^T x_t + b`` for t = 1..T, into
    ``out`` (T, G, N): W (D, G), b (G,), X.columns (T, D+1, N). One call; numpy loops over
    the T steps in C."""
    Wb = np.concatenate([W.T, b[:, None]], axis=1)  # (G, D+1): [W; b]^T
    return np.matmul(Wb, X.columns, out=out)  # (G, D+1) @ (T, D+1, N) -> (T, G, N)


def _gate_scale(blocks, H, dtype):
    """(G,) scale per row: 1/2 for a sigmoid block ("s"), 1 for a tanh block ("t")."""
    return np.repeat(np.array([0.5 if k == "s" else 1.0 for k in blocks], dtype=dtype), H)


def _by_columns(DA, ws, name="DA_columns"):
    """(T, G, N) -> (G, T*N): step t's columns are t*N .. t*N+N-1, as in X.rows."""
    T, G, N = DA.shape
    return _copy(ws, name, DA.transpose(1, 0, 2)).reshape(G, T * N)


def _states_by_columns(Hs, ws):
    """Hs (T+1, H, N) -> Hc (H, T+1, N): every state's columns side by side (one copy)."""
    return _copy(ws, "H_columns", Hs.transpose(1, 0, 2))


def _before_and_after(Hc):
    """Views of Hc (H, T+1, N): h_0..h_{T-1} and h_1..h_T, each (H, T*N) with step t's
    columns where :func:`_by_columns` puts them."""
    H, T1, N = Hc.shape
    return Hc[:, :-1].reshape(H, (T1 - 1) * N), Hc[:, 1:].reshape(H, (T1 - 1) * N)


def _input_grads(DAc, X):
    """dW_x (D, G) and db (G,) from DAc (G, T*N): sums over every step and sequence, in one
    product with the rows [x_t; 1]^T."""
    dWb = DAc @ X.rows  # (G, T*N) @ (T*N, D+1)
    return dWb[:, :-1].T.copy(), dWb[:, -1].copy()


def _weight_grads(DAc, X, H_prev):
    """dW_x (D, G), dW_h (H, G), db (G,) from DAc (G, T*N): sums over every step and sequence,
    each one product."""
    dW_x, db = _input_grads(DAc, X)
    dW_h = (DAc @ H_prev.T).T.copy()  # (G, T*N) @ (T*N, H), then (H, G)
    return dW_x, dW_h, db


# ---------------------------------------------------------------- RNN


class RNNCache(NamedTuple):
    X: Inputs
    Hs: np.ndarray  # (T+1, H, N): h_0, h_1, ..., h_T, as columns
    Hc: np.ndarray  # (H, T+1, N): the same states side by side
    params: dict
    activation: str


def rnn_forward(X, h0, params, activation="tanh", ws=None):
    """h_t = act(W_xh^T x_t + W_hh^T h_{t-1} + b_h) for t = 1..T, in columns; h0 (H, N)."""
    act, _ = get_activation(activation)
    T, N = X.columns.shape[0], X.columns.shape[2]
    H = h0.shape[0]
    dtype = h0.dtype
    A = _project(params["W_xh"], params["b_h"], X, _empty(ws, "A", (T, H, N), dtype))
    W_hh_T = np.ascontiguousarray(params["W_hh"].T)  # (H, H)
    Hs = _empty(ws, "Hs", (T + 1, H, N), dtype)
    Hs[0] = h0
    z = np.empty((H, N), dtype)
    for t in range(T):
        a = A[t]
        a += np.matmul(W_hh_T, Hs[t], out=z)  # one product per step, (H, H) @ (H, N)
        if activation == "tanh":
            np.tanh(a, out=Hs[t + 1])
        else:
            Hs[t + 1] = act(a)
    return Hs, RNNCache(X, Hs, _states_by_columns(Hs, ws), params, activation)


def rnn_backward(dH, cache, need_dx=False, ws=None):
    """BPTT for :func:`rnn_forward`; dH (T, H, N) from the outputs. Returns dX (T, D, N),
    dh0 (H, N), grads."""
    X, Hs, Hc, params, activation = cache
    _, act_grad = get_activation(activation)
    W_hh = params["W_hh"]  # (H, H): dh_{t-1} = W_hh da_t
    DA = _empty(ws, "DA", dH.shape, dH.dtype)  # (T, H, N): da_t of every step
    dh_next = np.zeros_like(dH[0])  # gradient reaching h_t from the future; none after T
    grad = np.empty_like(dH[0])
    for t in reversed(range(dH.shape[0])):
        da = np.add(dH[t], dh_next, out=DA[t])  # from the output at t, and from step t+1
        if activation == "tanh":  # tanh' = 1 - h_t**2, without temporary arrays
            np.multiply(Hs[t + 1], Hs[t + 1], out=grad)
            da *= np.subtract(1, grad, out=grad)
        else:
            da *= act_grad(Hs[t + 1])  # through the activation
        dh_next = np.matmul(W_hh, da, out=dh_next)  # (H, H) @ (H, N) -> dh_{t-1}
    DAc = _by_columns(DA, ws)
    H_prev, _ = _before_and_after(Hc)
    dW_xh, dW_hh, db_h = _weight_grads(DAc, X, H_prev)
    dX = np.matmul(params["W_xh"], DA) if need_dx else None  # (D, H) @ (T, H, N)
    return dX, dh_next, {"W_xh": dW_xh, "W_hh": dW_hh, "b_h": db_h}


# ---------------------------------------------------------------- LSTM


class LSTMCache(NamedTuple):
    X: Inputs
    Hs: np.ndarray  # (T+1, H, N): h_0..h_T
    Hc: np.ndarray  # (H, T+1, N): the same states side by side
    Cs: np.ndarray  # (T+1, H, N): c_0..c_T
    U: np.ndarray  # (T, 4H, N): u = tanh(scale * a), blocks i, f, g, o; the g block is g
    tanh_c: np.ndarray  # (T, H, N): tanh(c_t)
    scale: np.ndarray  # (4H,): 1/2 in the rows of i, f, o; 1 in g's
    params: dict


def _sigmoid_gates(u, out, H):
    """i, f, o from u = tanh(a/2): sigmoid(a) = (1 + u) / 2, computed for all four blocks into
    ``out`` (4H, N) at once (the g block's value is not used)."""
    np.multiply(u, 0.5, out=out)
    out += 0.5
    return out[:H], out[H : 2 * H], out[3 * H :]


def lstm_forward(X, h0, c0, params, ws=None):
    """The LSTM of :mod:`rnncourse.lstm` over the inputs X, from h0, c0 (H, N)."""
    T, N = X.columns.shape[0], X.columns.shape[2]
    H = h0.shape[0]
    dtype = h0.dtype
    s = _gate_scale("ssts", H, dtype)  # i, f, o: tanh(a/2); g: tanh(a)
    U = _project(params["W_x"] * s, params["b"] * s, X, _empty(ws, "U", (T, 4 * H, N), dtype))
    W_h_T = np.ascontiguousarray((params["W_h"] * s).T)  # (4H, H)
    Hs, Cs = _empty(ws, "Hs", (T + 1, H, N), dtype), _empty(ws, "Cs", (T + 1, H, N), dtype)
    Hs[0], Cs[0] = h0, c0
    tanh_c = _empty(ws, "tanh_c", (T, H, N), dtype)
    z, sig, ig = np.empty((4 * H, N), dtype), np.empty((4 * H, N), dtype), np.empty((H, N), dtype)
    for t in range(T):
        u = U[t]
        u += np.matmul(W_h_T, Hs[t], out=z)  # all four gates: one product, (4H, H) @ (H, N)
        np.tanh(u, out=u)
        i, f, o = _sigmoid_gates(u, sig, H)
        g = u[2 * H : 3 * H]
        c = np.multiply(f, Cs[t], out=Cs[t + 1])
        c += np.multiply(i, g, out=ig)  # c_t = f * c_{t-1} + i * g
        np.multiply(o, np.tanh(c, out=tanh_c[t]), out=Hs[t + 1])  # h_t = o * tanh(c_t)
    return Hs, LSTMCache(X, Hs, _states_by_columns(Hs, ws), Cs, U, tanh_c, s, params)


def lstm_backward(dH, cache, need_dx=False, ws=None):
    """BPTT for :func:`lstm_forward`; dH (T, H, N). Returns dX, dh0, dc0, grads."""
    X, Hs, Hc, Cs, U, tanh_c, s, params = cache
    T, H, N = dH.shape
    dtype = dH.dtype
    # d gate / d a = s**2 * (1 - u**2). The loop computes da / s**2; s**2 is applied once to
    # W_h's columns and to the sums after the loop.
    s2 = s * s
    W_h = params["W_h"] * s2  # (H, 4H): dh_{t-1} = W_h da_t
    DA = _empty(ws, "DA", U.shape, dtype)  # (T, 4H, N): da_t / s**2 of every step
    dh_next, dc_next = np.zeros((H, N), dtype), np.zeros((H, N), dtype)
    sig, du = np.empty((4 * H, N), dtype), np.empty((4 * H, N), dtype)
    dh_t, dc, dtanh = np.empty((H, N), dtype), np.empty((H, N), dtype), np.empty((H, N), dtype)
    for t in reversed(range(T)):
        u, tc, da = U[t], tanh_c[t], DA[t]
        i, f, o = _sigmoid_gates(u, sig, H)  # recomputed from u: two operations
        g = u[2 * H : 3 * H]
        np.add(dH[t], dh_next, out=dh_t)
        np.multiply(dh_t, o, out=dc)
        np.multiply(tc, tc, out=dtanh)
        np.subtract(1, dtanh, out=dtanh)  # tanh'(c_t) = 1 - tanh(c_t)**2
        dc *= dtanh
        dc += dc_next  # c_t reaches the loss via h_t and via c_{t+1}
        np.multiply(dc, g, out=du[:H])  # di
        np.multiply(dc, Cs[t], out=du[H : 2 * H])  # df
        np.multiply(dc, i, out=du[2 * H : 3 * H])  # dg
        np.multiply(dh_t, tc, out=du[3 * H :])  # do
        np.multiply(u, u, out=da)
        np.subtract(1, da, out=da)
        da *= du  # through the sigmoids and the tanh (s**2 comes later)
        np.multiply(dc, f, out=dc_next)
        dh_next = np.matmul(W_h, da, out=dh_next)  # (H, 4H) @ (4H, N)
    DAc = _by_columns(DA, ws)
    H_prev, _ = _before_and_after(Hc)
    dW_x, dW_h, db = _weight_grads(DAc, X, H_prev)
    dX = np.matmul(params["W_x"] * s2, DA) if need_dx else None  # (D, 4H) @ (T, 4H, N)
    return dX, dh_next, dc_next, {"W_x": dW_x * s2, "W_h": dW_h * s2, "b": db * s2}


# ---------------------------------------------------------------- GRU


class GRUCache(NamedTuple):
    X: Inputs
    Hs: np.ndarray  # (T+1, H, N)
    Hc: np.ndarray  # (H, T+1, N): the same states side by side
    rz: np.ndarray  # (T, 2H, N): r and z of every step
    n: np.ndarray  # (T, H, N): candidates
    a_hn: np.ndarray  # (T, H, N): W_hn^T h_{t-1} + b_hn (reset_after), or r * h_{t-1}
    params: dict
    reset_after: bool


def gru_forward(X, h0, params, reset_after=True, ws=None):
    """The GRU of :mod:`rnncourse.gru` over the inputs X, from h0 (H, N)."""
    T, N = X.columns.shape[0], X.columns.shape[2]
    H = h0.shape[0]
    dtype = h0.dtype
    s = _gate_scale("sst", H, dtype)  # r, z: tanh(a/2); n has its own tanh
    A = _project(params["W_x"] * s, params["b_x"] * s, X, _empty(ws, "A", (T, 3 * H, N), dtype))
    W_h_T, b_h = (params["W_h"] * s).T, params["b_h"] * s
    if not reset_after:
        W_h_T, b_h = W_h_T[: 2 * H], b_h[: 2 * H]  # r and z; n's block acts on r * h_{t-1}
        W_hn_T = np.ascontiguousarray(params["W_h"][:, 2 * H :].T)
        b_hn = params["b_h"][2 * H :, None]
    W_h_T, b_h = np.ascontiguousarray(W_h_T), b_h[:, None]
    Hs = _empty(ws, "Hs", (T + 1, H, N), dtype)
    Hs[0] = h0
    rz = _empty(ws, "rz", (T, 2 * H, N), dtype)
    n = _empty(ws, "n", (T, H, N), dtype)
    a_hn = _empty(ws, "a_hn", (T, H, N), dtype)
    a_h = np.empty((W_h_T.shape[0], N), dtype)
    a_n = np.empty((H, N), dtype)
    for t in range(T):
        h_prev = Hs[t]
        np.matmul(W_h_T, h_prev, out=a_h)  # one product for all gates (or for r and z)
        a_h += b_h
        u = np.add(A[t, : 2 * H], a_h[: 2 * H], out=rz[t])
        np.tanh(u, out=u)
        u += 1
        u *= 0.5  # r and z: sigmoid(a) = (1 + tanh(a/2)) / 2
        r, z = u[:H], u[H:]
        if reset_after:
            a_hn[t] = a_h[2 * H :]  # W_hn^T h_{t-1} + b_hn
            np.multiply(r, a_hn[t], out=a_n)
        else:
            np.matmul(W_hn_T, np.multiply(r, h_prev, out=a_hn[t]), out=a_n)  # W_hn^T (r*h)
            a_n += b_hn
        a_n += A[t, 2 * H :]
        np.tanh(a_n, out=n[t])
        h = np.subtract(h_prev, n[t], out=Hs[t + 1])
        h *= z
        h += n[t]  # h_t = (1 - z) * n + z * h_{t-1} = n + z * (h_{t-1} - n)
    Hc = _states_by_columns(Hs, ws)
    return Hs, GRUCache(X, Hs, Hc, rz, n, a_hn, params, bool(reset_after))


def gru_backward(dH, cache, need_dx=False, ws=None):
    """BPTT for :func:`gru_forward`; dH (T, H, N). Returns dX, dh0, grads."""
    X, Hs, Hc, rz, n, a_hn, params, reset_after = cache
    T, H, N = dH.shape
    dtype = dH.dtype
    W_h = params["W_h"]  # (H, 3H): dh_{t-1} = W_h da_t
    W_rz, W_hn = np.ascontiguousarray(W_h[:, : 2 * H]), np.ascontiguousarray(W_h[:, 2 * H :])
    DA = _empty(ws, "DA", (T, 3 * H, N), dtype)  # da of the state's part: r, z, n
    DAN = _empty(ws, "DAN", (T, H, N), dtype)  # da_n of the input's part
    dh_next = np.zeros((H, N), dtype)
    dh_t, gate_grad, d_rh = (np.empty((H, N), dtype) for _ in range(3))
    for t in reversed(range(T)):
        r, z, n_t, h_prev, da = rz[t, :H], rz[t, H:], n[t], Hs[t], DA[t]
        np.add(dH[t], dh_next, out=dh_t)
        dan = np.subtract(1, z, out=DAN[t])  # h_t = (1 - z) * n + z * h_{t-1}
        dan *= dh_t
        np.multiply(n_t, n_t, out=gate_grad)
        np.subtract(1, gate_grad, out=gate_grad)
        dan *= gate_grad  # through n's tanh
        daz = np.subtract(h_prev, n_t, out=da[H : 2 * H])
        daz *= dh_t
        np.subtract(1, z, out=gate_grad)
        gate_grad *= z
        daz *= gate_grad  # through z's sigmoid: z * (1 - z)
        np.subtract(1, r, out=gate_grad)
        gate_grad *= r  # r's sigmoid: r * (1 - r)
        if reset_after:  # n's pre-activation holds r * a_hn
            dar = np.multiply(dan, a_hn[t], out=da[:H])
            dar *= gate_grad
            np.multiply(dan, r, out=da[2 * H :])
            dh_next = np.matmul(W_h, da, out=dh_next)  # (H, 3H) @ (3H, N)
        else:  # n's pre-activation holds W_hn^T (r * h_{t-1})
            da[2 * H :] = dan
            np.matmul(W_hn, dan, out=d_rh)  # gradient of r * h_{t-1}: (H, H) @ (H, N)
            dar = np.multiply(d_rh, h_prev, out=da[:H])
            dar *= gate_grad
            dh_next = np.matmul(W_rz, da[: 2 * H], out=dh_next)  # (H, 2H) @ (2H, N)
            d_rh *= r
            dh_next += d_rh
        dh_t *= z
        dh_next += dh_t  # the direct path: h_{t-1} is copied in with weight z
    DAc = _by_columns(DA, ws)
    DANc = _by_columns(DAN, ws, "DAN_columns")
    H_prev, _ = _before_and_after(Hc)
    dW_x, dW_h, db_h = _weight_grads(DAc, X, H_prev)
    db_x = db_h.copy()  # the same sums, but the n block differs when reset_after
    if reset_after:  # the input's n block gets da_n, the state's r * da_n
        dW_x[:, 2 * H :], db_x[2 * H :] = _input_grads(DANc, X)
    else:  # the state's n block sees r * h_{t-1}
        dW_h[:, 2 * H :] = (DAc[2 * H :] @ _by_columns(a_hn, ws, "RH_columns").T).T
    grads = {"W_x": dW_x, "W_h": dW_h, "b_x": db_x, "b_h": db_h}
    dX = None
    if need_dx:
        DAx = np.concatenate([DA[:, : 2 * H], DAN], axis=1)  # (T, 3H, N)
        dX = np.matmul(params["W_x"], DAx)  # (D, 3H) @ (T, 3H, N)
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


def _run_forward(cell, x, states, params, options, ws=None):
    """x (N, T, D) and states (N, H) -> Hs (T+1, H, N) and the cache."""
    columns = tuple(s.T for s in states)  # (N, H) -> (H, N)
    Hs, cache = _FORWARD[cell](_inputs(x, ws), *columns, params, **options, ws=ws)
    require_finite("the hidden states h", Hs)  # an overflow stops here, as in the cells
    return Hs, cache


def _run_backward(cell, dH, cache, need_dx, ws=None):
    """dH (T, H, N). Returns dX (T, D, N) or None, the gradient of the initial state as
    (N, H) arrays (dh0, or (dh0, dc0)), and grads."""
    if cell == "lstm":
        dX, dh0, dc0, grads = lstm_backward(dH, cache, need_dx, ws)
        return dX, (dh0.T.copy(), dc0.T.copy()), grads
    backward = rnn_backward if cell == "rnn" else gru_backward
    dX, dh0, grads = backward(dH, cache, need_dx, ws)
    return dX, dh0.T.copy(), grads


def _final_state(cell, cache):
    """The state after the last step, as (N, H) arrays of their own."""
    if cell == "lstm":
        return cache.Hs[-1].T.copy(), cache.Cs[-1].T.copy()
    return cache.Hs[-1].T.copy()


def cell_forward(cell, x, state0, params, **options):
    """What :func:`rnncourse.deep.cell_forward` computes, on the fast path.

    Inputs and outputs as there: x (N, T, D); state0 h0 (N, H), or (h0, c0) for "lstm";
    returns h (N, T, H), the final state and a cache for :func:`cell_backward`.
    """
    states = _check(cell, x, state0, params, options)
    Hs, cache = _run_forward(cell, x, states, params, options)
    h = Hs[1:].transpose(2, 0, 1)  # (T, H, N) -> (N, T, H), a view
    return h, _final_state(cell, cache), (cell, cache)


def cell_backward(cell_and_cache, dh, need_dx=True):
    """Gradients for :func:`cell_forward`: dh (N, T, H) -> dx (N, T, D), dstate0, grads.

    With ``need_dx=False`` the product for dx is skipped and dx is None (the inputs of a
    model are data, or one-hot symbols: nothing to train there)."""
    cell, cache = cell_and_cache
    require_float_array("dh", dh)
    T, H, N = cache.Hs.shape[0] - 1, cache.Hs.shape[1], cache.Hs.shape[2]
    require_shape("dh", dh, (N, T, H), "(N, T, H)", "(the shape of h)")
    dH = np.ascontiguousarray(dh.transpose(1, 2, 0))  # (N, T, H) -> (T, H, N)
    dX, dstate0, grads = _run_backward(cell, dH, cache, need_dx)
    dx = None if dX is None else dX.transpose(2, 0, 1)  # (T, D, N) -> (N, T, D)
    return dx, dstate0, grads


def _check_targets(loss, y, N, T, K):
    """y: labels (N, T) in [0, K) for cross-entropy, or float targets (N, T, K) for the
    squared error. Messages as in :mod:`rnncourse.losses`."""
    if loss == "cross_entropy":
        if y.dtype.kind not in "iu":
            raise TypeError(f"y must hold integer class labels, but has dtype {y.dtype}.")
        if y.shape != (N, T):
            raise ValueError(
                f"y has shape {y.shape}, but the scores have shape {(N, T, K)}: "
                f"y must be {(N, T)} (one label per step)."
            )
        if y.min() < 0 or y.max() >= K:
            raise ValueError(
                f"y must hold labels in [0, V) = [0, {K}), but has {y.min()}..{y.max()}."
            )
    else:
        require_float_array("y", y)
        require_shape("y", y, (N, T, K), "(N, T, K)", "(the shape of the outputs)")
        require_finite("y", y)


def _cross_entropy(S, labels):
    """Mean softmax cross-entropy of the columns of S (K, M) with labels (M,), and its
    gradient dS: ``(softmax - onehot) / M`` (as :func:`rnncourse.losses.softmax_cross_entropy`)."""
    M = S.shape[1]
    columns = np.arange(M)
    S -= S.max(axis=0)  # shifted: exp never overflows
    picked = S[labels, columns]  # the true class's shifted score
    np.exp(S, out=S)
    total = S.sum(axis=0)
    value = float(np.sum(np.log(total)) - np.sum(picked)) / M
    S *= (1.0 / M) / total  # softmax / M
    S[labels, columns] -= 1.0 / M
    return value, S


def _squared_error(S, targets):
    """Mean squared error of S (K, M) against targets (K, M) and its gradient."""
    S -= targets
    value = float(np.sum(S * S)) / S.size
    S *= 2.0 / S.size
    return value, S


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
    W_hy, b_y = p["W_hy"], p["b_y"]
    N, T, _ = x.shape
    H = states[0].shape[1]
    require_float_array("W_hy", W_hy)
    require_ndim("W_hy", W_hy, "(H, K)")
    K = W_hy.shape[1]
    require_shape("W_hy", W_hy, (H, K), "(H, K)", f"(H={H} from the cell)")
    require_float_array("b_y", b_y)
    require_shape("b_y", b_y, (K,), "(K,)", f"(K={K} from W_hy)")
    require_same_dtype("W_hy", W_hy, x=x, b_y=b_y)
    _check_targets(loss, y, N, T, K)
    _, cache = _run_forward(cell, x, states, p, model.options, ws)
    _, H_out = _before_and_after(cache.Hc)  # (H, T*N): the outputs h_1..h_T
    # the output layer on all T*N columns at once: one product, not T of them
    S = np.matmul(W_hy.T, H_out, out=_empty(ws, "S", (K, T * N), x.dtype))  # (K, T*N)
    S += b_y[:, None]
    if loss == "cross_entropy":
        value, dS = _cross_entropy(S, y.T.reshape(T * N))  # labels in step-major order
    else:
        value, dS = _squared_error(S, y.transpose(2, 1, 0).reshape(K, T * N))
    dW_hy, db_y = H_out @ dS.T, dS.sum(axis=1)  # (H, T*N) @ (T*N, K), (K,)
    dH = np.matmul(W_hy, dS, out=_empty(ws, "dH", (H, T * N), x.dtype))  # (H, T*N)
    dH = _copy(ws, "dH_steps", dH.reshape(H, T, N).transpose(1, 0, 2))  # (T, H, N)
    _, _, grads = _run_backward(cell, dH, cache, need_dx=False, ws=ws)
    return value, {**grads, "W_hy": dW_hy, "b_y": db_y}, _final_state(cell, cache)
