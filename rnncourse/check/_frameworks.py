"""Checker for chapter 12: moving weights from PyTorch's layout into the course's.

``params_from_state_dict(state_dict, cell, layer=0, direction=0) -> params`` must do what
:func:`rnncourse.interop.params_from_state_dict` does: read ``weight_ih_l{layer}``,
``weight_hh_l{layer}``, ``bias_ih_l{layer}``, ``bias_hh_l{layer}`` (with ``_reverse`` for
direction 1), transpose the matrices, (G*H, D) -> (D, G*H), keep the gate blocks in their
order (the course stacks them as PyTorch does), add the two biases for the RNN and the LSTM
(only their sum enters the cell) and keep them apart for the GRU (its b_h's n block is
multiplied by r), and return new arrays of the state_dict's dtype.

The test cases are PyTorch's own numbers, stored in the package
(:func:`rnncourse.framework_reference.load_reference`, no torch needed): every cell, layers
0 to 2, both directions, and a float32 copy. For the single-layer modules the checker also
runs the course's forward pass with the learner's params and compares it with PyTorch's
output.
"""

import functools
from typing import NamedTuple

import numpy as np

from .. import deep, framework_reference, interop
from ._catalogue import COPY_HINT, Mistake, Probe, shares_input, with_catalogue
from ._harness import CheckFailed, call, checker, copy_tree, describe, expect_keys, expect_unchanged


class WeightCase(NamedTuple):
    reference: str
    layer: int
    direction: int
    dtype: type

    @property
    def where(self):
        name = " reverse" if self.direction else ""
        kind = "float32 " if self.dtype == np.float32 else ""
        return f" for the {kind}{self.reference} module, layer {self.layer}{name}"


CASES = (
    WeightCase("rnn_tanh", 0, 0, np.float64),
    WeightCase("lstm", 0, 0, np.float64),
    WeightCase("gru", 0, 0, np.float64),
    WeightCase("lstm_2layer_bidirectional", 1, 1, np.float64),  # D = 2H = 12, reverse
    WeightCase("gru_2layer_bidirectional", 1, 0, np.float64),
    WeightCase("rnn_tanh_2layer_bidirectional", 0, 1, np.float64),
    WeightCase("lstm_3layer", 2, 0, np.float64),
    WeightCase("lstm", 0, 0, np.float32),  # the dtype is kept
)


@functools.cache
def _stored(name):
    """The stored reference (read once; the checker never changes its arrays)."""
    return framework_reference.load_reference(name, live=False)


def _load(case):
    ref = _stored(case.reference)
    state_dict = {k: v.astype(case.dtype) for k, v in ref.state_dict.items()}
    return ref, state_dict


def _run_forward(ref, params):
    """The course's forward pass of a single-layer module with ``params``: h (N, T, H)."""
    x, h0 = ref.arrays["x"], ref.arrays["h0"][0]
    options = {"activation": str(ref.arrays["nonlinearity"])} if ref.cell == "rnn" else {}
    state0 = (h0, ref.arrays["c0"][0]) if ref.cell == "lstm" else h0
    h, _, _ = deep.cell_forward(ref.cell, x, state0, params, **options)
    return h


@checker("params_from_state_dict")
def _params_from_state_dict(fn):
    """Check ``fn(state_dict, cell, layer=0, direction=0) -> params``."""
    for case in CASES:
        ref, state_dict = _load(case)
        given = copy_tree(state_dict)
        out = call(fn, given, ref.cell, case.layer, case.direction)
        expect_unchanged({"state_dict": state_dict}, {"state_dict": given})
        want = interop.params_from_state_dict(state_dict, ref.cell, case.layer, case.direction)
        keys = tuple(want)
        if isinstance(out, dict) and ref.cell == "gru" and "b" in out and "b_x" not in out:
            raise CheckFailed(
                f"params has a key 'b' but no 'b_x' and 'b_h'{case.where}.",
                GRU_BIAS_HINT,
            )
        params = expect_keys(out, "params", keys)
        if shares_input(params, given):
            raise CheckFailed(
                f"an array of params shares memory with the state_dict{case.where}.",
                VIEW_HINT,
            )
        for key in keys:
            got, right = params[key], want[key]
            what = f"params[{key!r}]"
            if not isinstance(got, np.ndarray):
                raise CheckFailed(f"{what} is {describe(got)}{case.where}, but must be an array.",
                                  "convert with `np.asarray`, or build it with numpy.")  # fmt: skip
            if got.shape != right.shape:
                hint = SHAPE_HINTS.get((got.shape[::-1] == right.shape, len(got.shape)), KEYS_HINT)
                raise CheckFailed(
                    f"{what} has shape {got.shape}{case.where}, but must be {right.shape}.", hint
                )
            if got.dtype != right.dtype:
                raise CheckFailed(
                    f"{what} has dtype {got.dtype}{case.where}, but the state_dict is "
                    f"{right.dtype}.",
                    DTYPE_HINT,
                )
            tol = 1e-6 if right.dtype == np.float32 else 1e-12
            if not np.allclose(got, right, rtol=tol, atol=tol):
                i = np.unravel_index(int(np.argmax(np.abs(got - right))), got.shape)
                index = ", ".join(str(int(j)) for j in i)
                raise CheckFailed(
                    f"{what} differs{case.where}: [{index}] is {got[i]:.6g}, expected "
                    f"{right[i]:.6g}.",
                    _value_hint(key, got, right, ref.cell),
                )
        if ref.num_layers == 1 and case.dtype == np.float64:
            h = _run_forward(ref, params)
            if not np.allclose(h, ref.arrays["output"], rtol=1e-10, atol=1e-12):
                raise CheckFailed(
                    f"with your params the course's forward pass does not give PyTorch's "
                    f"output{case.where}.",
                    "compare each array of your params with `interop.params_from_state_dict`.",
                )
    return (
        f"params match interop.params_from_state_dict on all {len(CASES)} stored PyTorch "
        "modules (RNN, LSTM, GRU; layers 0 to 2; both directions; float32), and reproduce "
        "PyTorch's output."
    )


GRU_BIAS_HINT = (
    "the GRU keeps its two biases apart, `b_x = bias_ih` and `b_h = bias_hh`: b_h's n block is "
    "multiplied by the reset gate r, so the sum is not the same cell."
)
SUM_HINT = (
    "PyTorch has two biases, bias_ih and bias_hh; the RNN and the LSTM add them before the "
    "nonlinearity, so only their sum enters the cell: `b = bias_ih + bias_hh`."
)
SHAPE_HINTS = {
    (True, 2): "PyTorch stores a weight as (G*H, D), one row per output unit; the course "
    "multiplies rows, `x_t @ W_x`, so W_x is (D, G*H): transpose it, `weight_ih.T.copy()`.",
}


KEYS_HINT = (
    "use the keys of this layer and direction: `weight_ih_l{layer}` and the others, with "
    "`_reverse` for direction 1 (`interop.torch_names(layer, direction)` lists them)."
)
RESHAPE_HINT = (
    "the right numbers in the wrong places: `reshape` keeps the memory order and is not a "
    "transpose; use `weight.T.copy()`."
)
BLOCKS_HINT = (
    "the gate blocks are in another order: the course stacks them as PyTorch does (LSTM i, f, "
    "g, o; GRU r, z, n), so transpose and move no block."
)
VIEW_HINT = COPY_HINT + " `.T` is a view of PyTorch's array: `w.T.copy()`."
DTYPE_HINT = (
    "keep the state_dict's dtype: no `np.array(..., dtype=float)` or `.astype`; "
    "`w.T.copy()` keeps it."
)


def _value_hint(key, got, right, cell):
    if got.ndim == 2 and np.allclose(np.sort(got.ravel()), np.sort(right.ravel())):
        G = interop.GATES[cell]
        H = right.shape[1] // G
        blocks_right = [right[:, g * H : (g + 1) * H] for g in range(G)]
        blocks_got = [got[:, g * H : (g + 1) * H] for g in range(G)]
        if G > 1 and all(any(np.allclose(b, r) for r in blocks_right) for b in blocks_got):
            return BLOCKS_HINT
        return RESHAPE_HINT
    if got.ndim == 1 and cell != "gru":
        if np.allclose(2 * got, right):
            return "the two biases are averaged; " + SUM_HINT
        return SUM_HINT
    return KEYS_HINT


# ---------------------------------------------------------------- the catalogue


def _by_hand(state_dict, cell, layer=0, direction=0, *, k=None):
    suffix = f"_l{0 if k == 'layer ignored' else layer}"
    if direction == 1 and k != "reverse ignored":
        suffix += "_reverse"
    w_ih, w_hh = state_dict["weight_ih" + suffix], state_dict["weight_hh" + suffix]
    b_ih, b_hh = state_dict["bias_ih" + suffix], state_dict["bias_hh" + suffix]
    if k == "not transposed":
        W_x, W_h = w_ih.copy(), w_hh.copy()
    elif k == "reshaped":
        W_x, W_h = w_ih.reshape(w_ih.shape[::-1]).copy(), w_hh.reshape(w_hh.shape[::-1]).copy()
    elif k == "views":
        W_x, W_h = w_ih.T, w_hh.T
    else:
        W_x, W_h = w_ih.T.copy(), w_hh.T.copy()
    if k == "blocks reordered" and cell == "lstm":  # i, f, g, o -> i, f, o, g
        H = W_h.shape[0]
        order = np.r_[0 : 2 * H, 3 * H : 4 * H, 2 * H : 3 * H]
        W_x, W_h = W_x[:, order], W_h[:, order]
    if k == "float64":
        W_x, W_h = W_x.astype(np.float64), W_h.astype(np.float64)
    if cell == "gru":
        if k == "gru biases summed":
            return {"W_x": W_x, "W_h": W_h, "b": b_ih + b_hh}
        return {"W_x": W_x, "W_h": W_h, "b_x": b_ih.copy(), "b_h": b_hh.copy()}
    b = {"only bias_ih": b_ih.copy(), "biases averaged": (b_ih + b_hh) / 2}.get(k, b_ih + b_hh)
    if k == "float64":
        b = b.astype(np.float64)
    if cell == "rnn":
        return {"W_xh": W_x, "W_hh": W_h, "b_h": b}
    return {"W_x": W_x, "W_h": W_h, "b": b}


CATALOGUE_HINTS = {
    "not transposed": SHAPE_HINTS[(True, 2)],
    "reshaped": RESHAPE_HINT,
    "views": VIEW_HINT,
    "blocks reordered": BLOCKS_HINT,
    "gru biases summed": GRU_BIAS_HINT,
    "only bias_ih": SUM_HINT,
    "biases averaged": "the two biases are averaged; " + SUM_HINT,
    "reverse ignored": KEYS_HINT,
    "layer ignored": KEYS_HINT,
    "float64": DTYPE_HINT,
}


def reference_fn(state_dict, cell, layer=0, direction=0):
    return interop.params_from_state_dict(state_dict, cell, layer, direction)


def _probes():
    out = []
    for case in CASES:

        def make(case=case):
            ref, state_dict = _load(case)
            return (state_dict, ref.cell, case.layer, case.direction), {}

        out.append(Probe(make))
    return out


CATALOGUE = [
    Mistake(key, hint, lambda *a, key=key: _by_hand(*a, k=key))
    for key, hint in CATALOGUE_HINTS.items()
]

params_from_state_dict = with_catalogue(
    _params_from_state_dict, _probes, CATALOGUE, reference_fn, one_case_hints=()
)
