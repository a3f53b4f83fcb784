"""rnncourse.deep against PyTorch's 2-layer bidirectional nn.LSTM and nn.GRU, from the numbers
stored in rnncourse/data/torch_reference/ (made by tests/torch_reference/make_reference.py;
see its docstring for every key). Numpy only: the stored state_dict is converted layer by
layer and direction by direction with rnncourse.interop, and outputs, h_n, c_n and every
gradient must agree to 1e-10.

PyTorch stacks initial and final states as (K, N, H) with row k = layer * 2 + direction;
rnncourse.deep keeps them as a list per layer of (forward, backward) pairs. The loss PyTorch
differentiated is ``sum(output * G_output) + sum(h_n * G_h_n)``, plus, kept apart for the
LSTM, ``sum(c_n * G_c_n)``.
"""

from pathlib import Path

import numpy as np
import pytest

from rnncourse.deep import stacked_backward, stacked_final_states, stacked_forward
from rnncourse.interop import params_from_state_dict

REFERENCE = Path(__file__).resolve().parents[1] / "rnncourse" / "data" / "torch_reference"
NAMES = ["lstm_2layer_bidirectional", "gru_2layer_bidirectional"]
TOL = 1e-10
L, DIRECTIONS = 2, 2


def load(name):
    with np.load(REFERENCE / f"{name}.npz", allow_pickle=False) as f:
        return {key: f[key] for key in f.files}


def nested(cell, h, c=None):
    """PyTorch's (K, N, H) state arrays -> rnncourse.deep's [(fwd, bwd), ...] per layer."""

    def state(k):
        return (h[k], c[k]) if cell == "lstm" else h[k]

    return [(state(2 * layer), state(2 * layer + 1)) for layer in range(L)]


def flat(cell, states):
    """The inverse of :func:`nested`: gradients per layer and direction -> (K, N, H) arrays."""
    rows = [state for pair in states for state in pair]  # k = 2 * layer + direction
    if cell == "lstm":
        return np.stack([h for h, _ in rows]), np.stack([c for _, c in rows])
    return np.stack(rows)


def assert_close(actual, expected, what):
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    err = float(np.max(np.abs(actual - expected)))
    assert err < TOL, f"{what}: max abs difference from PyTorch {err:.3g}"


def assert_param_grads(cell, grads, data, prefix):
    for layer in range(L):
        for direction in range(DIRECTIONS):
            g = grads[layer][direction]
            suffix = f"_l{layer}" + ("_reverse" if direction else "")
            where = f"layer {layer}, direction {direction}"

            def torch_grad(kind, suffix=suffix):
                return data[f"{prefix}{kind}{suffix}"]

            assert_close(g["W_x"], torch_grad("weight_ih").T, f"dW_x, {where}")
            assert_close(g["W_h"], torch_grad("weight_hh").T, f"dW_h, {where}")
            if cell == "gru":
                assert_close(g["b_x"], torch_grad("bias_ih"), f"db_x, {where}")
                assert_close(g["b_h"], torch_grad("bias_hh"), f"db_h, {where}")
            else:  # b = bias_ih + bias_hh, so dL/db equals the gradient of each
                assert_close(g["b"], torch_grad("bias_ih"), f"db vs bias_ih, {where}")
                assert_close(g["b"], torch_grad("bias_hh"), f"db vs bias_hh, {where}")


def run(name):
    data = load(name)
    cell = str(data["cell"])
    assert int(data["num_layers"]) == L and bool(data["bidirectional"])
    state_dict = {k: v for k, v in data.items() if k.startswith(("weight_", "bias_"))}
    layer_params = [
        tuple(params_from_state_dict(state_dict, cell, layer, d) for d in range(DIRECTIONS))
        for layer in range(L)
    ]
    states0 = nested(cell, data["h0"], data.get("c0"))
    h, cache = stacked_forward(data["x"], states0, layer_params, cell, bidirectional=True)
    return data, cell, h, cache


@pytest.mark.parametrize("name", NAMES)
def test_forward_matches_torch(name):
    data, cell, h, cache = run(name)
    assert_close(h, data["output"], "output")
    finals = stacked_final_states(cache)
    if cell == "lstm":
        assert_close(finals[0], data["h_n"], "h_n")
        assert_close(finals[1], data["c_n"], "c_n")
    else:
        assert_close(finals, data["h_n"], "h_n")


@pytest.mark.parametrize("name", NAMES)
def test_gradients_match_torch(name):
    data, cell, h, cache = run(name)
    zeros = np.zeros_like(data["G_h_n"])
    dstates_final = nested(cell, data["G_h_n"], zeros)  # no gradient on c_n in this loss
    dx, dstates0, grads = stacked_backward(data["G_output"], cache, dstates_final)
    assert_close(dx, data["grad_x"], "dx")
    if cell == "lstm":
        dh0, dc0 = flat(cell, dstates0)
        assert_close(dc0, data["grad_c0"], "dc0")
    else:
        dh0 = flat(cell, dstates0)
    assert_close(dh0, data["grad_h0"], "dh0")
    assert_param_grads(cell, grads, data, "grad_")


def test_lstm_cell_state_gradient_matches_torch():
    # the second LSTM loss, sum(c_n * G_c_n): nothing reaches the outputs or h_n
    data, cell, h, cache = run("lstm_2layer_bidirectional")
    zeros = np.zeros_like(data["G_c_n"])
    dstates_final = nested(cell, zeros, data["G_c_n"])
    dx, dstates0, grads = stacked_backward(np.zeros_like(h), cache, dstates_final)
    assert_close(dx, data["grad_c_n_x"], "dx (c_n loss)")
    dh0, dc0 = flat(cell, dstates0)
    assert_close(dh0, data["grad_c_n_h0"], "dh0 (c_n loss)")
    assert_close(dc0, data["grad_c_n_c0"], "dc0 (c_n loss)")
    assert_param_grads(cell, grads, data, "grad_c_n_")
