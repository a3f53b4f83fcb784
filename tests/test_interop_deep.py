"""rnncourse.interop for stacked and bidirectional modules, without torch: the whole-state_dict
and state converters, their errors, and parity with PyTorch through them, from the numbers
stored in rnncourse/data/torch_reference/ (tests/torch_reference/make_reference.py lists every
key). Also
rnncourse.framework_reference, which chapter 12 uses to load those numbers.

The module wrappers params_from_torch / params_to_torch on stacks are tested with fakes in
test_interop.py, and on real modules by ``make_reference.py --check``.
"""

import sys

import numpy as np
import pytest

from rnncourse import framework_reference
from rnncourse.deep import (
    init_stacked_params,
    stacked_backward,
    stacked_final_states,
    stacked_forward,
)
from rnncourse.framework_reference import REFERENCE_DIR, load_reference, reference_names
from rnncourse.interop import (
    layer_params_from_state_dict,
    layer_states_from_torch,
    param_shapes,
    params_from_state_dict,
    state_dict_from_layer_params,
    torch_states_from_layer_states,
)

#: name -> (cell, num_layers, bidirectional) of the stored stacks
STACKS = {
    "lstm_2layer_bidirectional": ("lstm", 2, True),
    "gru_2layer_bidirectional": ("gru", 2, True),
    "rnn_tanh_2layer_bidirectional": ("rnn", 2, True),
    "lstm_3layer": ("lstm", 3, False),
}
TOL = 1e-10
D, H = 4, 6
LAYOUTS = [(1, False), (2, False), (1, True), (3, True)]  # (num_layers, bidirectional)


def load(name):
    return load_reference(name, live=False).arrays


def state_dict_of(data):
    return {k: v for k, v in data.items() if k.startswith(("weight_", "bias_"))}


def assert_close(actual, expected, what):
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    err = float(np.max(np.abs(actual - expected)))
    assert err < TOL, f"{what}: max abs difference from PyTorch {err:.3g}"


def entries(layer_params, bidirectional):
    """(layer, direction, params) for every entry of rnncourse.deep's layout."""
    for layer, entry in enumerate(layer_params):
        for direction, params in enumerate(entry if bidirectional else [entry]):
            yield layer, direction, params


def run(name):
    """Convert the stored state_dict and h0 (c0) with interop; run stacked_forward."""
    data = load(name)
    cell, layers, bidirectional = STACKS[name]
    layer_params = layer_params_from_state_dict(state_dict_of(data), cell, layers, bidirectional)
    state0 = (data["h0"], data["c0"]) if cell == "lstm" else data["h0"]
    states0 = layer_states_from_torch(state0, cell, layers, bidirectional)
    options = {"activation": str(data["nonlinearity"])} if cell == "rnn" else {}
    h, cache = stacked_forward(data["x"], states0, layer_params, cell, bidirectional, **options)
    return data, h, cache


def assert_param_grads(grads, data, cell, bidirectional, prefix):
    """Our grads, put under PyTorch's names by state_dict_from_layer_params, against torch's."""
    ours = state_dict_from_layer_params(grads, cell, bidirectional)
    theirs = {k[len(prefix) :]: v for k, v in data.items() if k.startswith(prefix)}
    theirs = {k: v for k, v in theirs.items() if k.startswith(("weight_", "bias_"))}
    assert list(ours) == list(theirs)  # every parameter, in the module's order
    for key, g in ours.items():
        if key.startswith("weight_") or cell == "gru":
            assert_close(g, theirs[key], f"d{key}")
        elif key.startswith("bias_ih"):  # our one bias b = bias_ih + bias_hh: the same gradient
            assert_close(g, theirs[key], f"db vs d{key}")
            hh = key.replace("bias_ih", "bias_hh")
            assert_close(g, theirs[hh], f"db vs d{hh}")
        else:  # bias_hh, which state_dict_from_params leaves at zero
            np.testing.assert_array_equal(g, 0)


# ---------------------------------------------------------------- parity with the stored files


@pytest.mark.parametrize("name", STACKS)
def test_stored_stack_is_what_its_name_says(name):
    data = load(name)
    cell, layers, bidirectional = STACKS[name]
    assert (str(data["cell"]), int(data["num_layers"])) == (cell, layers)
    assert bool(data["bidirectional"]) == bidirectional
    K = layers * (2 if bidirectional else 1)
    assert data["h0"].shape[0] == K and data["h_n"].shape[0] == K
    grads = [key for key in data if key.startswith("grad_")]
    assert len(grads) >= 4 * K + 2 and all(np.abs(data[key]).max() > 1e-3 for key in grads)


@pytest.mark.parametrize("name", STACKS)
def test_forward_matches_torch(name):
    data, h, cache = run(name)
    cell = STACKS[name][0]
    assert_close(h, data["output"], "output")
    finals = stacked_final_states(cache)
    if cell == "lstm":
        assert_close(finals[0], data["h_n"], "h_n")
        assert_close(finals[1], data["c_n"], "c_n")
    else:
        assert_close(finals, data["h_n"], "h_n")


@pytest.mark.parametrize("name", STACKS)
def test_gradients_match_torch(name):
    data, h, cache = run(name)
    cell, layers, bidirectional = STACKS[name]
    G_h_n = data["G_h_n"]
    dfinal = (G_h_n, np.zeros_like(G_h_n)) if cell == "lstm" else G_h_n  # no c_n in this loss
    dstates_final = layer_states_from_torch(dfinal, cell, layers, bidirectional)
    dx, dstates0, grads = stacked_backward(data["G_output"], cache, dstates_final)
    assert_close(dx, data["grad_x"], "dx")
    dstate0 = torch_states_from_layer_states(dstates0, cell, bidirectional)
    if cell == "lstm":
        assert_close(dstate0[0], data["grad_h0"], "dh0")
        assert_close(dstate0[1], data["grad_c0"], "dc0")
    else:
        assert_close(dstate0, data["grad_h0"], "dh0")
    assert_param_grads(grads, data, cell, bidirectional, "grad_")


@pytest.mark.parametrize("name", [n for n in STACKS if STACKS[n][0] == "lstm"])
def test_lstm_cell_state_gradient_matches_torch(name):
    # the LSTM's second loss, sum(c_n * G_c_n): nothing from the outputs or h_n
    data, h, cache = run(name)
    _, layers, bidirectional = STACKS[name]
    dfinal = (np.zeros_like(data["G_c_n"]), data["G_c_n"])
    dstates_final = layer_states_from_torch(dfinal, "lstm", layers, bidirectional)
    dx, dstates0, grads = stacked_backward(np.zeros_like(h), cache, dstates_final)
    assert_close(dx, data["grad_c_n_x"], "dx (c_n loss)")
    dh0, dc0 = torch_states_from_layer_states(dstates0, "lstm", bidirectional)
    assert_close(dh0, data["grad_c_n_h0"], "dh0 (c_n loss)")
    assert_close(dc0, data["grad_c_n_c0"], "dc0 (c_n loss)")
    assert_param_grads(grads, data, "lstm", bidirectional, "grad_c_n_")


# ---------------------------------------------------------------- whole state_dicts


@pytest.mark.parametrize("name", STACKS)
def test_layer_params_are_params_from_state_dict_per_layer_and_direction(name):
    data = load(name)
    cell, layers, bidirectional = STACKS[name]
    sd = state_dict_of(data)
    layer_params = layer_params_from_state_dict(sd, cell, layers, bidirectional)
    assert isinstance(layer_params, list) and len(layer_params) == layers
    count = 0
    for layer, direction, params in entries(layer_params, bidirectional):
        if bidirectional:
            assert isinstance(layer_params[layer], tuple)
        else:
            assert isinstance(layer_params[layer], dict)
        expected = params_from_state_dict(sd, cell, layer, direction)
        assert params.keys() == expected.keys()
        for key in params:
            np.testing.assert_array_equal(params[key], expected[key])
            assert not any(np.shares_memory(params[key], a) for a in sd.values())
        count += 1
    assert count == layers * (2 if bidirectional else 1)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("layers, bidirectional", LAYOUTS)
def test_round_trip_layer_params_state_dict_layer_params_is_exact(cell, layers, bidirectional):
    rng = np.random.default_rng(layers + 10 * bidirectional)
    layer_params = init_stacked_params(cell, D, H, layers, rng, bidirectional=bidirectional)
    for _, _, params in entries(layer_params, bidirectional):  # no zero biases: test them too
        for key, value in params.items():
            params[key] = value + rng.standard_normal(value.shape)
    sd = state_dict_from_layer_params(layer_params, cell, bidirectional)
    assert len(sd) == 4 * layers * (2 if bidirectional else 1)
    back = layer_params_from_state_dict(sd, cell, layers, bidirectional)
    pairs = zip(entries(layer_params, bidirectional), entries(back, bidirectional), strict=True)
    for (_, _, ours), (_, _, again) in pairs:
        assert again.keys() == ours.keys()
        for key in ours:
            np.testing.assert_array_equal(again[key], ours[key])
            assert not np.shares_memory(again[key], ours[key])


@pytest.mark.parametrize("name", STACKS)
def test_round_trip_state_dict_layer_params_state_dict(name):
    data = load(name)
    cell, layers, bidirectional = STACKS[name]
    sd = state_dict_of(data)
    back = state_dict_from_layer_params(
        layer_params_from_state_dict(sd, cell, layers, bidirectional), cell, bidirectional
    )
    assert list(back) == list(sd)  # PyTorch's key order: layer by layer, forward first
    for key, value in back.items():
        if key.startswith("weight_") or cell == "gru":
            np.testing.assert_array_equal(value, sd[key])
        elif key.startswith("bias_ih"):  # the sum moves into bias_ih
            hh = key.replace("bias_ih", "bias_hh")
            np.testing.assert_allclose(value, sd[key] + sd[hh], rtol=0, atol=1e-15)
        else:
            np.testing.assert_array_equal(value, 0)


def test_bidirectional_layers_read_both_directions_of_the_layer_below():
    sd = state_dict_of(load("gru_2layer_bidirectional"))
    layer_params = layer_params_from_state_dict(sd, "gru", 2, True)
    assert layer_params[1][0]["W_x"].shape == (2 * H, 3 * H)  # reads fwd and bwd outputs
    assert {k: v.shape for k, v in layer_params[0][1].items()} == param_shapes("gru", D, H)


def test_float32_is_kept():
    layer_params = init_stacked_params("lstm", D, H, 2, np.random.default_rng(0), True, np.float32)
    sd = state_dict_from_layer_params(layer_params, "lstm", True)
    assert all(a.dtype == np.float32 for a in sd.values())
    back = layer_params_from_state_dict(sd, "lstm", 2, True)
    assert all(a.dtype == np.float32 for _, _, p in entries(back, True) for a in p.values())


def test_other_keys_are_ignored():
    sd = state_dict_of(load("rnn_tanh_2layer_bidirectional"))
    sd["weight_out"] = np.ones((3, 12))  # an output layer saved with the module
    assert len(layer_params_from_state_dict(sd, "rnn", 2, True)) == 2


# ---------------------------------------------------------------- states


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("layers, bidirectional", LAYOUTS)
def test_states_rows_are_layer_times_directions_plus_direction(cell, layers, bidirectional):
    directions = 2 if bidirectional else 1
    K, N = layers * directions, 3
    h = np.arange(K * N * H, dtype=np.float64).reshape(K, N, H)  # (K, N, H)
    state = (h, -h) if cell == "lstm" else h
    states = layer_states_from_torch(state, cell, layers, bidirectional)
    assert len(states) == layers
    for layer, direction, s in entries(states, bidirectional):
        k = layer * directions + direction
        if cell == "lstm":
            np.testing.assert_array_equal(s[0], h[k])
            np.testing.assert_array_equal(s[1], -h[k])
            assert not np.shares_memory(s[0], h)
        else:
            np.testing.assert_array_equal(s, h[k])
            assert not np.shares_memory(s, h)
    back = torch_states_from_layer_states(states, cell, bidirectional)
    if cell == "lstm":
        np.testing.assert_array_equal(back[0], h)
        np.testing.assert_array_equal(back[1], -h)
    else:
        np.testing.assert_array_equal(back, h)


def test_states_agree_with_stacked_final_states():
    data, h, cache = run("lstm_3layer")
    h_n, c_n = torch_states_from_layer_states(cache.states_final, "lstm", False)
    expected = stacked_final_states(cache)
    np.testing.assert_array_equal(h_n, expected[0])
    np.testing.assert_array_equal(c_n, expected[1])


# ---------------------------------------------------------------- errors


def lstm_state_dict():
    return state_dict_of(load("lstm_2layer_bidirectional"))


@pytest.mark.parametrize(
    "args, error, match",
    [
        ((2, False), ValueError, r"'bias_hh_l0_reverse', a key of a bidirectional module, but "
                                 r"bidirectional=False"),
        ((1, True), ValueError, r"'bias_hh_l1', a key of layer 1, but num_layers=1"),
        ((3, True), ValueError, r"no key 'weight_ih_l2' \(layer=2, direction=0\)"),
        ((0, True), ValueError, "num_layers must be at least 1"),
        ((2.0, True), TypeError, "num_layers must be an integer"),
        ((2, "yes"), TypeError, "bidirectional must be True or False"),
    ],
)  # fmt: skip
def test_layer_params_from_state_dict_rejects_a_wrong_layout(args, error, match):
    with pytest.raises(error, match=match):
        layer_params_from_state_dict(lstm_state_dict(), "lstm", *args)


def test_layer_params_from_state_dict_rejects_bad_arguments():
    with pytest.raises(ValueError, match="cell must be one of"):
        layer_params_from_state_dict(lstm_state_dict(), "LSTM", 2, True)
    with pytest.raises(TypeError, match="state_dict must be a dict of numpy arrays"):
        layer_params_from_state_dict(list(lstm_state_dict().values()), "lstm", 2, True)
    with pytest.raises(ValueError, match=r"has shape \(24, 4\), but a GRU with H=6"):
        layer_params_from_state_dict(lstm_state_dict(), "gru", 2, True)


def test_projections_are_rejected():
    sd = dict(lstm_state_dict(), weight_hr_l0=np.zeros((3, 6)))
    with pytest.raises(ValueError, match="'weight_hr_l0': it comes from an LSTM with proj_size"):
        layer_params_from_state_dict(sd, "lstm", 2, True)


def test_a_layer_that_does_not_read_the_layer_below_is_rejected():
    rng = np.random.default_rng(1)
    sd = state_dict_from_layer_params(init_stacked_params("rnn", D, H, 2, rng), "rnn", False)
    sd["weight_ih_l1"] = rng.standard_normal((H, 2 * H))  # as if the layer below were bidir.
    with pytest.raises(ValueError, match=r"layer 1 reads D=12 features, but layer 0 outputs 6\."):
        layer_params_from_state_dict(sd, "rnn", 2, False)
    sd = state_dict_of(load("gru_2layer_bidirectional"))
    sd["weight_ih_l1_reverse"] = sd["weight_ih_l1_reverse"][:, :H]  # reads H, not 2H
    with pytest.raises(ValueError, match=r"both directions of a layer read the same input"):
        layer_params_from_state_dict(sd, "gru", 2, True)


def test_state_dict_from_layer_params_names_the_bad_entry():
    layer_params = init_stacked_params("gru", D, H, 2, np.random.default_rng(2), True)
    with pytest.raises(TypeError, match=r"layer_params\[0\] must be a params dict, but got a pair"):
        state_dict_from_layer_params(layer_params, "gru", False)
    with pytest.raises(TypeError, match=r"layer_params\[1\] must be a pair \(forward, backward"):
        state_dict_from_layer_params([layer_params[0], layer_params[1][0]], "gru", True)
    with pytest.raises(TypeError, match=r"layer_params must be a list of params dicts"):
        state_dict_from_layer_params(layer_params[0][0], "gru", False)
    del layer_params[1][1]["b_h"]
    with pytest.raises(ValueError, match=r"layer_params\[1\]\[1\]: params is missing 'b_h'"):
        state_dict_from_layer_params(layer_params, "gru", True)


def test_state_converters_reject_bad_states():
    h = np.zeros((4, 3, H))  # K = 4
    with pytest.raises(ValueError, match=r"K = num_layers \* directions = 2, but has shape"):
        layer_states_from_torch(h, "gru", 2, False)
    with pytest.raises(TypeError, match=r"state must be a pair \(h, c\) of two \(K, N, H\)"):
        layer_states_from_torch(h, "lstm", 2, True)
    with pytest.raises(ValueError, match=r"the LSTM's h and c have the same shape"):
        layer_states_from_torch((h, h[:, :2]), "lstm", 2, True)
    with pytest.raises(TypeError, match="state must be a numpy array, but got list"):
        layer_states_from_torch(h.tolist(), "rnn", 2, True)
    with pytest.raises(TypeError, match=r"state\[1\] must be a floating-point array"):
        layer_states_from_torch((h, h.astype(int)), "lstm", 2, True)
    states = layer_states_from_torch(h, "rnn", 2, True)
    states[1] = (states[1][0], np.zeros((3, H + 1)))
    with pytest.raises(ValueError, match=r"states\[1\]\[1\] holds an array of shape \(3, 7\)"):
        torch_states_from_layer_states(states, "rnn", True)
    with pytest.raises(TypeError, match=r"states\[0\] must be a pair"):
        torch_states_from_layer_states([h[0], h[1]], "rnn", True)
    with pytest.raises(ValueError, match=r"states\[0\] must hold \(N, H\) arrays"):
        torch_states_from_layer_states([h], "rnn", False)


# ---------------------------------------------------------------- framework_reference


def test_reference_names_list_every_stored_file():
    names = reference_names()
    assert set(STACKS) <= set(names)
    assert {"rnn_tanh", "rnn_relu", "lstm", "gru"} <= set(names)
    assert names == sorted(p.stem for p in REFERENCE_DIR.glob("*.npz"))


def test_stored_reference_says_where_it_came_from():
    ref = load_reference("gru_2layer_bidirectional", live=False)
    assert ref.source == "stored"
    assert (ref.cell, ref.num_layers, ref.bidirectional) == ("gru", 2, True)
    assert ref.describe() == f"PyTorch: stored reference files made with torch {ref.torch_version}"
    assert ref.torch_version.startswith("2.13.0")
    assert list(ref.state_dict)[:2] == ["weight_ih_l0", "weight_hh_l0"]
    assert len(ref.state_dict) == 16


def test_without_torch_the_default_is_the_stored_file(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # find_spec then reports no torch
    assert not framework_reference.torch_installed()
    assert load_reference("lstm").source == "stored"
    with pytest.raises(ImportError, match=r"load_reference\(live=True\) needs PyTorch"):
        load_reference("lstm", live=True)


def test_live_reference_runs_the_scripts_generate(monkeypatch):
    # no torch here: stand in for the script, to test the wiring
    class Script:
        CONFIGS = {"lstm": None}

        @staticmethod
        def generate(name):
            return dict(load(name), torch_version=np.array("9.9.9"))

    monkeypatch.setattr(framework_reference, "_script_module", Script)
    monkeypatch.setattr(framework_reference, "torch_installed", lambda: True)
    ref = load_reference("lstm")
    assert ref.source == "live" and ref.torch_version == "9.9.9"
    assert ref.describe() == "PyTorch: computed live with torch 9.9.9"
    with pytest.raises(ValueError, match="no reference configuration 'transformer'"):
        load_reference("transformer")


def test_unknown_stored_name_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"no reference configuration 'lstm9'.*gru_2layer"):
        load_reference("lstm9", live=False)


def test_missing_reference_folder_is_explained(monkeypatch, tmp_path):
    monkeypatch.setattr(framework_reference, "REFERENCE_DIR", tmp_path)
    with pytest.raises(FileNotFoundError, match="ship with the course repository"):
        load_reference("lstm", live=False)
