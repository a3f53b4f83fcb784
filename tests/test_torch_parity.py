"""rnncourse's cells against PyTorch, from numbers stored in rnncourse/data/torch_reference/.

The .npz files (package data) were made by tests/torch_reference/make_reference.py with
torch in float64 (see its docstring for every key); this file needs numpy only. Each test
converts the stored state_dict with rnncourse.interop, runs our forward and backward passes
and checks outputs, final states and every gradient to 1e-10.

The loss PyTorch differentiated is ``sum(output * G_output) + sum(h_n * G_h_n)``: the
gradient reaching h from outside the recurrence is G_output, plus G_h_n at the last step.
PyTorch's two biases enter the cell only through their sum (except in the GRU), so the
gradient of our bias equals the gradient of each of them.
"""

from pathlib import Path

import numpy as np
import pytest

from rnncourse.gru import gru_backward, gru_forward, gru_gates
from rnncourse.interop import params_from_state_dict
from rnncourse.lstm import lstm_backward, lstm_forward, lstm_gates, lstm_step_backward
from rnncourse.rnn import rnn_backward, rnn_forward

REFERENCE = Path(__file__).resolve().parents[1] / "rnncourse" / "data" / "torch_reference"
CONFIGS = {
    "rnn_tanh": ("rnn", 1, False),
    "rnn_relu": ("rnn", 1, False),
    "lstm": ("lstm", 1, False),
    "gru": ("gru", 1, False),
    "lstm_2layer_bidirectional": ("lstm", 2, True),
    "gru_2layer_bidirectional": ("gru", 2, True),
}
TOL = 1e-10


def load(name):
    with np.load(REFERENCE / f"{name}.npz", allow_pickle=False) as f:
        return {key: f[key] for key in f.files}


def torch_state_dict(data):
    return {k: v for k, v in data.items() if k.startswith(("weight_", "bias_"))}


def assert_close(actual, expected, what):
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    err = float(np.max(np.abs(actual - expected)))
    assert err < TOL, f"{what}: max abs difference from PyTorch {err:.3g}"


def assert_param_grads(grads, data, cell, layer=0, direction=0, prefix="grad_"):
    """Our grads against PyTorch's, spelled out: weights transposed, biases per cell."""
    suffix = f"_l{layer}" + ("_reverse" if direction else "")
    where = f"layer {layer} direction {direction}"

    def torch_grad(kind):
        return data[f"{prefix}{kind}{suffix}"]

    w_x, w_h, b = {"rnn": ("W_xh", "W_hh", "b_h"), "lstm": ("W_x", "W_h", "b")}.get(
        cell, ("W_x", "W_h", None)
    )
    assert_close(grads[w_x], torch_grad("weight_ih").T, f"d{w_x}, {where}")
    assert_close(grads[w_h], torch_grad("weight_hh").T, f"d{w_h}, {where}")
    if cell == "gru":
        assert_close(grads["b_x"], torch_grad("bias_ih"), f"db_x, {where}")
        assert_close(grads["b_h"], torch_grad("bias_hh"), f"db_h, {where}")
    else:  # b = bias_ih + bias_hh, so dL/db = dL/dbias_ih = dL/dbias_hh
        assert_close(grads[b], torch_grad("bias_ih"), f"d{b} vs bias_ih, {where}")
        assert_close(grads[b], torch_grad("bias_hh"), f"d{b} vs bias_hh, {where}")


def upstream_gradient(data, direction=0, layer=0, d_out=None):
    """dh (N, T, H) for one direction's run: its slice of the output gradient plus the h_n
    gradient at its last step. The reverse direction runs on time-reversed input."""
    d_out = data["G_output"] if d_out is None else d_out
    H = data["h0"].shape[2]
    dh = d_out[:, :, direction * H : (direction + 1) * H]
    if direction == 1:
        dh = dh[:, ::-1]  # into the reverse run's own time order
    dh = dh.copy()
    dirs = 2 if data["bidirectional"] else 1
    dh[:, -1] += data["G_h_n"][layer * dirs + direction]
    return dh


# ---------------------------------------------------------------- the stored files


@pytest.mark.parametrize("name", CONFIGS)
def test_reference_file_is_what_its_name_says(name):
    data = load(name)
    cell, layers, bidirectional = CONFIGS[name]
    assert str(data["cell"]) == cell
    assert int(data["num_layers"]) == layers
    assert bool(data["bidirectional"]) == bidirectional
    assert str(data["torch_version"])[:1].isdigit()  # e.g. "2.13.0+cpu"
    floats = [key for key, a in data.items() if a.dtype.kind == "f"]
    assert all(data[key].dtype == np.float64 for key in floats)
    grads = [key for key in floats if key.startswith("grad_")]
    assert len(grads) >= 6 and all(np.abs(data[key]).max() > 1e-3 for key in grads)


def test_relu_reference_exercises_both_sides_of_the_kink():
    output = load("rnn_relu")["output"]
    assert str(load("rnn_relu")["nonlinearity"]) == "relu"
    assert 0.2 < np.mean(output > 0) < 0.8


# ---------------------------------------------------------------- single layer


@pytest.mark.parametrize("name", ["rnn_tanh", "rnn_relu"])
def test_rnn_matches_torch(name):
    data = load(name)
    params = params_from_state_dict(torch_state_dict(data), "rnn")
    h, cache = rnn_forward(data["x"], data["h0"][0], params, activation=str(data["nonlinearity"]))
    assert_close(h, data["output"], "output")
    assert_close(h[:, -1], data["h_n"][0], "h_n")

    dx, dh0, grads = rnn_backward(upstream_gradient(data), cache)
    assert_close(dx, data["grad_x"], "dx")
    assert_close(dh0, data["grad_h0"][0], "dh0")
    assert_param_grads(grads, data, "rnn")


def test_lstm_matches_torch():
    data = load("lstm")
    params = params_from_state_dict(torch_state_dict(data), "lstm")
    h, cache = lstm_forward(data["x"], data["h0"][0], data["c0"][0], params)
    assert_close(h, data["output"], "output")
    assert_close(h[:, -1], data["h_n"][0], "h_n")
    assert_close(lstm_gates(cache)["c"][:, -1], data["c_n"][0], "c_n")

    dx, dh0, dc0, grads = lstm_backward(upstream_gradient(data), cache)
    assert_close(dx, data["grad_x"], "dx")
    assert_close(dh0, data["grad_h0"][0], "dh0")
    assert_close(dc0, data["grad_c0"][0], "dc0")
    assert_param_grads(grads, data, "lstm")


def test_lstm_cell_state_gradient_matches_torch():
    # lstm_backward takes no gradient for c_T, so send sum(c_n * G_c_n)'s gradient back
    # with the step functions: nothing reaches h from outside, dc_T = G_c_n.
    data = load("lstm")
    params = params_from_state_dict(torch_state_dict(data), "lstm")
    _, cache = lstm_forward(data["x"], data["h0"][0], data["c0"][0], params)
    dx = np.empty_like(data["x"])
    grads = {key: np.zeros_like(p) for key, p in params.items()}
    dh_next, dc_next = np.zeros_like(data["h0"][0]), data["G_c_n"][0]
    for t in reversed(range(data["x"].shape[1])):
        dx[:, t], dh_next, dc_next, step = lstm_step_backward(dh_next, dc_next, cache.steps[t])
        for key in grads:
            grads[key] += step[key]
    assert_close(dx, data["grad_c_n_x"], "dx (c_n loss)")
    assert_close(dh_next, data["grad_c_n_h0"][0], "dh0 (c_n loss)")
    assert_close(dc_next, data["grad_c_n_c0"][0], "dc0 (c_n loss)")
    assert_param_grads(grads, data, "lstm", prefix="grad_c_n_")


def test_gru_matches_torch():
    data = load("gru")
    params = params_from_state_dict(torch_state_dict(data), "gru")
    h, cache = gru_forward(data["x"], data["h0"][0], params)  # reset_after=True, as PyTorch
    assert_close(h, data["output"], "output")
    assert_close(h[:, -1], data["h_n"][0], "h_n")
    assert set(gru_gates(cache)) == {"r", "z", "n"}

    dx, dh0, grads = gru_backward(upstream_gradient(data), cache)
    assert_close(dx, data["grad_x"], "dx")
    assert_close(dh0, data["grad_h0"][0], "dh0")
    assert_param_grads(grads, data, "gru")


# ---------------------------------------------------------------- two layers, both directions


def run_cell(cell, x, h0, c0, params):
    if cell == "lstm":
        h, cache = lstm_forward(x, h0, c0, params)
        return h, lstm_gates(cache)["c"][:, -1], cache
    h, cache = gru_forward(x, h0, params)
    return h, None, cache


def backprop_cell(cell, dh, cache):
    if cell == "lstm":
        return lstm_backward(dh, cache)
    dx, dh0, grads = gru_backward(dh, cache)
    return dx, dh0, None, grads


@pytest.mark.parametrize("name", ["lstm_2layer_bidirectional", "gru_2layer_bidirectional"])
def test_stacked_bidirectional_matches_torch(name):
    """Build PyTorch's stacked bidirectional network from single-layer runs: direction 1
    reads the time-reversed sequence; each layer reads the concatenated outputs
    [forward | reverse] (N, T, 2H) of the layer below; h0[k], h_n[k] with k = 2*layer + d."""
    data = load(name)
    cell = str(data["cell"])
    sd = torch_state_dict(data)
    c0 = data.get("c0")
    layer_in, caches = data["x"], {}
    for layer in range(2):
        outputs = []
        for d in (0, 1):
            k = 2 * layer + d
            params = params_from_state_dict(sd, cell, layer=layer, direction=d)
            seq = layer_in if d == 0 else layer_in[:, ::-1].copy()  # reverse time
            h, c_last, caches[k] = run_cell(
                cell, seq, data["h0"][k], None if c0 is None else c0[k], params
            )
            assert_close(h[:, -1], data["h_n"][k], f"h_n[{k}]")
            if cell == "lstm":
                assert_close(c_last, data["c_n"][k], f"c_n[{k}]")
            outputs.append(h if d == 0 else h[:, ::-1])
        layer_in = np.concatenate(outputs, axis=2)  # 2 x (N, T, H) -> (N, T, 2H)
    assert_close(layer_in, data["output"], "output")

    d_out = data["G_output"]
    for layer in (1, 0):
        d_in = 0
        for d in (0, 1):
            k = 2 * layer + d
            dh = upstream_gradient(data, direction=d, layer=layer, d_out=d_out)
            dx, dh0, dc0, grads = backprop_cell(cell, dh, caches[k])
            d_in = d_in + (dx if d == 0 else dx[:, ::-1])  # back into the input's time order
            assert_close(dh0, data["grad_h0"][k], f"dh0[{k}]")
            if cell == "lstm":
                assert_close(dc0, data["grad_c0"][k], f"dc0[{k}]")
            assert_param_grads(grads, data, cell, layer, d)
        d_out = d_in  # (N, T, 2H): the gradient of the layer below's output
    assert_close(d_out, data["grad_x"], "dx")
