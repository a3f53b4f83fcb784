"""rnncourse.interop without PyTorch: the pure converters, and the module wrappers driven by
fake modules (and a fake ``torch`` where one is imported)."""

import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from rnncourse.deep import init_stacked_params
from rnncourse.interop import (
    param_shapes,
    params_from_state_dict,
    params_from_torch,
    params_to_torch,
    state_dict_from_params,
    torch_names,
)

D, H = 4, 6
GATES = {"rnn": 1, "lstm": 4, "gru": 3}
MODES = {"rnn": "RNN_TANH", "lstm": "LSTM", "gru": "GRU"}
REFERENCE = Path(__file__).resolve().parents[1] / "rnncourse" / "data" / "torch_reference"


def random_state_dict(cell, rng, layer=0, direction=0, d_in=D, dtype=np.float64):
    G = GATES[cell]
    suffix = f"_l{layer}" + ("_reverse" if direction else "")
    shapes = {"weight_ih": (G * H, d_in), "weight_hh": (G * H, H)}
    shapes.update(bias_ih=(G * H,), bias_hh=(G * H,))
    return {k + suffix: rng.standard_normal(s).astype(dtype) for k, s in shapes.items()}


def random_params(cell, rng, dtype=np.float64):
    return {k: rng.standard_normal(s).astype(dtype) for k, s in param_shapes(cell, D, H).items()}


# ---------------------------------------------------------------- pure converters


def test_torch_names_for_every_layer_and_direction():
    assert torch_names() == {
        "weight_ih": "weight_ih_l0",
        "weight_hh": "weight_hh_l0",
        "bias_ih": "bias_ih_l0",
        "bias_hh": "bias_hh_l0",
    }
    assert torch_names(1, 1)["bias_hh"] == "bias_hh_l1_reverse"
    assert torch_names(layer=2, direction=0)["weight_ih"] == "weight_ih_l2"


def test_param_shapes_follow_the_contract():
    assert param_shapes("rnn", D, H) == {"W_xh": (D, H), "W_hh": (H, H), "b_h": (H,)}
    assert param_shapes("lstm", D, H) == {"W_x": (D, 4 * H), "W_h": (H, 4 * H), "b": (4 * H,)}
    assert param_shapes("gru", D, H) == {
        "W_x": (D, 3 * H),
        "W_h": (H, 3 * H),
        "b_x": (3 * H,),
        "b_h": (3 * H,),
    }


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_params_from_state_dict_transposes_and_maps_biases(cell):
    sd = random_state_dict(cell, np.random.default_rng(0))
    params = params_from_state_dict(sd, cell)
    assert {k: v.shape for k, v in params.items()} == param_shapes(cell, D, H)
    w_x, w_h, *biases = params.values()
    np.testing.assert_array_equal(w_x, sd["weight_ih_l0"].T)
    np.testing.assert_array_equal(w_h, sd["weight_hh_l0"].T)
    if cell == "gru":
        np.testing.assert_array_equal(params["b_x"], sd["bias_ih_l0"])
        np.testing.assert_array_equal(params["b_h"], sd["bias_hh_l0"])
    else:
        np.testing.assert_array_equal(biases[0], sd["bias_ih_l0"] + sd["bias_hh_l0"])
    for a in params.values():
        assert a.flags.c_contiguous
        assert not any(np.shares_memory(a, b) for b in sd.values())


def test_gate_blocks_keep_pytorchs_order():
    # Row block k of weight_ih is gate k; it must become column block k of W_x.
    sd = random_state_dict("lstm", np.random.default_rng(1))
    W_x = params_from_state_dict(sd, "lstm")["W_x"]
    for k in range(4):
        np.testing.assert_array_equal(
            W_x[:, k * H : (k + 1) * H], sd["weight_ih_l0"][k * H : (k + 1) * H].T
        )


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_round_trip_params_state_dict_params_is_exact(cell):
    params = random_params(cell, np.random.default_rng(2))
    back = params_from_state_dict(state_dict_from_params(params, cell), cell)
    assert back.keys() == params.keys()
    for key in params:
        np.testing.assert_array_equal(back[key], params[key])


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_round_trip_state_dict_params_state_dict(cell):
    sd = random_state_dict(cell, np.random.default_rng(3))
    back = state_dict_from_params(params_from_state_dict(sd, cell), cell)
    assert back.keys() == sd.keys()
    np.testing.assert_array_equal(back["weight_ih_l0"], sd["weight_ih_l0"])
    np.testing.assert_array_equal(back["weight_hh_l0"], sd["weight_hh_l0"])
    if cell == "gru":  # both biases survive as they are
        np.testing.assert_array_equal(back["bias_ih_l0"], sd["bias_ih_l0"])
        np.testing.assert_array_equal(back["bias_hh_l0"], sd["bias_hh_l0"])
    else:  # the whole bias goes into bias_ih; the sum is what the cell sees
        np.testing.assert_array_equal(back["bias_hh_l0"], np.zeros(GATES[cell] * H))
        np.testing.assert_allclose(
            back["bias_ih_l0"], sd["bias_ih_l0"] + sd["bias_hh_l0"], rtol=0, atol=1e-15
        )


def test_layer_and_direction_select_the_keys():
    rng = np.random.default_rng(4)
    sd = random_state_dict("gru", rng)
    sd.update(random_state_dict("gru", rng, layer=1, direction=1, d_in=2 * H))
    upper = params_from_state_dict(sd, "gru", layer=1, direction=1)
    assert upper["W_x"].shape == (2 * H, 3 * H)
    np.testing.assert_array_equal(upper["W_h"], sd["weight_hh_l1_reverse"].T)
    out = state_dict_from_params(upper, "gru", layer=1, direction=1)
    assert sorted(out) == sorted(k for k in sd if k.endswith("_l1_reverse"))


def test_stored_two_layer_bidirectional_reference_converts_for_every_layer_and_direction():
    with np.load(REFERENCE / "lstm_2layer_bidirectional.npz", allow_pickle=False) as f:
        sd = {k: f[k] for k in f.files if k.startswith(("weight_", "bias_"))}
    H_ref = sd["weight_hh_l0"].shape[1]
    for layer, d_in in ((0, sd["weight_ih_l0"].shape[1]), (1, 2 * H_ref)):
        for direction in (0, 1):
            params = params_from_state_dict(sd, "lstm", layer, direction)
            assert {k: v.shape for k, v in params.items()} == param_shapes("lstm", d_in, H_ref)


def test_dtype_is_kept():
    sd = random_state_dict("lstm", np.random.default_rng(5), dtype=np.float32)
    params = params_from_state_dict(sd, "lstm")
    assert all(a.dtype == np.float32 for a in params.values())
    assert all(a.dtype == np.float32 for a in state_dict_from_params(params, "lstm").values())


def test_extra_keys_are_ignored():
    rng = np.random.default_rng(6)
    params = random_params("rnn", rng)
    params["W_hy"] = rng.standard_normal((H, 3))  # an output layer riding along
    assert sorted(state_dict_from_params(params, "rnn")) == sorted(torch_names().values())


def test_results_do_not_share_memory_with_params():
    params = random_params("gru", np.random.default_rng(7))
    out = state_dict_from_params(params, "gru")
    assert not any(np.shares_memory(a, b) for a in out.values() for b in params.values())


# ---------------------------------------------------------------- errors of the pure converters


def test_unknown_cell():
    with pytest.raises(ValueError, match="cell must be one of"):
        params_from_state_dict({}, "transformer")
    with pytest.raises(ValueError, match="cell must be one of"):
        state_dict_from_params({}, "LSTM")


@pytest.mark.parametrize(
    "layer, direction, error, match",
    [(-1, 0, ValueError, "layer must be at least 0"), (0.5, 0, TypeError, "layer must be"),
     (0, 2, ValueError, "direction must be 0"), (0, True, ValueError, "direction must be 0")],
)  # fmt: skip
def test_bad_layer_or_direction(layer, direction, error, match):
    sd = random_state_dict("rnn", np.random.default_rng(8))
    with pytest.raises(error, match=match):
        params_from_state_dict(sd, "rnn", layer=layer, direction=direction)


def test_state_dict_must_be_a_mapping():
    with pytest.raises(TypeError, match="state_dict must be a dict of numpy arrays, but got list"):
        params_from_state_dict([], "rnn")


def test_missing_key_is_named():
    sd = random_state_dict("lstm", np.random.default_rng(9))
    with pytest.raises(ValueError, match=r"no key 'weight_ih_l0_reverse' \(layer=0, direction=1\)"):
        params_from_state_dict(sd, "lstm", direction=1)


def test_tensor_values_get_a_hint():
    sd = random_state_dict("rnn", np.random.default_rng(10))
    sd["weight_hh_l0"] = FakeTensor(sd["weight_hh_l0"])
    with pytest.raises(TypeError, match=r"got FakeTensor\. For a module, use params_from_torch"):
        params_from_state_dict(sd, "rnn")


def test_integer_or_non_finite_arrays_are_rejected():
    sd = random_state_dict("rnn", np.random.default_rng(11))
    bad = dict(sd, bias_ih_l0=np.arange(H))
    with pytest.raises(TypeError, match=r"state_dict\['bias_ih_l0'\] must be float32 or float64"):
        params_from_state_dict(bad, "rnn")
    bad = dict(sd, bias_hh_l0=np.full(H, np.nan))
    with pytest.raises(ValueError, match="contains NaN"):
        params_from_state_dict(bad, "rnn")


def test_state_dict_of_another_cell_is_rejected():
    sd = random_state_dict("gru", np.random.default_rng(12))  # 3H rows, read as an LSTM
    with pytest.raises(ValueError, match=r"has shape \(18, 4\), but a LSTM with H=6"):
        params_from_state_dict(sd, "lstm")


def test_mixed_dtypes_are_rejected():
    sd = random_state_dict("rnn", np.random.default_rng(13))
    sd["bias_hh_l0"] = sd["bias_hh_l0"].astype(np.float32)
    with pytest.raises(TypeError, match="share one dtype"):
        params_from_state_dict(sd, "rnn")


def test_params_with_wrong_gate_count_are_rejected():
    params = random_params("gru", np.random.default_rng(14))  # W_x (D, 3H)
    params["b"] = params["b_x"]
    with pytest.raises(ValueError, match=r"the LSTM cell stacks 4 gate blocks.*4H = 24"):
        state_dict_from_params(params, "lstm")


def test_params_missing_a_key_are_rejected():
    params = random_params("lstm", np.random.default_rng(15))
    with pytest.raises(ValueError, match="params is missing 'b_x', 'b_h'; the GRU cell needs"):
        state_dict_from_params(params, "gru")


# ---------------------------------------------------------------- fake torch modules


class FakeTensor:
    """Just enough of torch.Tensor: .detach().cpu().numpy(), .shape, .dtype, .device."""

    device = "cpu"

    def __init__(self, array):
        self.array = array

    @property
    def shape(self):
        return self.array.shape

    @property
    def dtype(self):
        return self.array.dtype

    def detach(self):
        return self

    def cpu(self):
        return self

    def numpy(self):
        return self.array


class FakeModule:
    """Duck-typed stand-in for torch.nn.RNN / LSTM / GRU: its state_dict has every layer and
    direction that ``num_layers`` and ``bidirectional`` ask for, in PyTorch's key order."""

    def __init__(self, cell, dtype=np.float64, seed=0, num_layers=1, bidirectional=False, **attrs):
        self.mode = MODES[cell]
        self.batch_first = True
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.nonlinearity = "tanh"
        self.proj_size = 0
        self.bias = True
        self.__dict__.update(attrs)
        rng = np.random.default_rng(seed)
        directions = 2 if bidirectional else 1
        sd = {}
        for layer in range(num_layers):
            d_in = D if layer == 0 else directions * H
            for direction in range(directions):
                sd.update(random_state_dict(cell, rng, layer, direction, d_in, dtype))
        self.tensors = {k: FakeTensor(v) for k, v in sd.items()}
        self.loaded = None

    def state_dict(self):
        return dict(self.tensors)

    def load_state_dict(self, state_dict):
        assert state_dict.keys() == self.tensors.keys()  # torch's strict=True
        for key, t in state_dict.items():
            assert t.shape == self.tensors[key].shape
        self.tensors = dict(state_dict)
        self.loaded = state_dict


@pytest.fixture
def fake_torch(monkeypatch):
    """A fake ``torch`` module whose as_tensor makes FakeTensors; records its calls."""
    torch = types.ModuleType("torch")
    torch.calls = []

    def as_tensor(a, dtype=None, device=None):
        torch.calls.append((dtype, device))
        return FakeTensor(np.array(a, dtype=dtype))

    torch.as_tensor = as_tensor
    monkeypatch.setitem(sys.modules, "torch", torch)
    return torch


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_params_from_torch_reads_the_state_dict(cell):
    module = FakeModule(cell, seed=20)
    params = params_from_torch(module)
    arrays = {k: t.array for k, t in module.tensors.items()}
    expected = params_from_state_dict(arrays, cell)
    assert params.keys() == expected.keys()
    for key in params:
        np.testing.assert_array_equal(params[key], expected[key])
        assert not any(np.shares_memory(params[key], a) for a in arrays.values())


def test_params_from_torch_keeps_float32_and_nonlinearity_is_the_modules():
    module = FakeModule("rnn", dtype=np.float32, nonlinearity="relu", mode="RNN_RELU")
    params = params_from_torch(module)
    assert params["W_xh"].dtype == np.float32
    assert module.nonlinearity == "relu"  # what the docstring says to pass as activation


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_params_to_torch_writes_the_module(cell, fake_torch):
    module = FakeModule(cell, dtype=np.float32, seed=21)
    params = random_params(cell, np.random.default_rng(22))
    assert params_to_torch(params, module) is module
    assert module.loaded is not None
    assert fake_torch.calls == [(np.dtype(np.float32), "cpu")] * 4  # module's dtype and device
    assert all(t.dtype == np.float32 for t in module.tensors.values())
    back = params_from_torch(module)
    for key in params:
        np.testing.assert_allclose(back[key], params[key], rtol=1e-6, atol=1e-6)
    if cell != "gru":
        np.testing.assert_array_equal(module.tensors["bias_hh_l0"].array, 0)


def test_params_to_torch_needs_torch(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail
    module = FakeModule("gru")
    with pytest.raises(ImportError, match="params_to_torch needs PyTorch"):
        params_to_torch(random_params("gru", np.random.default_rng(23)), module)
    assert module.loaded is None


def test_importing_interop_does_not_import_torch():
    code = "import sys, rnncourse.interop; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


class Linear:
    """Not a recurrent module."""

    def state_dict(self):
        return {}


class RNNCell(Linear):
    """A single-step cell: its keys have no _l0 suffix."""


@pytest.mark.parametrize(
    "module, error, match",
    [
        (Linear(), TypeError, "torch.nn.LSTM or torch.nn.GRU, but got Linear"),
        (RNNCell(), TypeError, r"Single-step cells \(nn.RNNCell"),
        (FakeModule("rnn", batch_first=False), ValueError, "batch_first=False"),
        (FakeModule("gru", num_layers=2, batch_first=False), ValueError, "batch_first=False"),
        (FakeModule("lstm", proj_size=3), ValueError, "proj_size=3"),
        (FakeModule("lstm", num_layers=0), ValueError, "module.num_layers must be at least 1"),
        (FakeModule("gru", bidirectional="yes"), TypeError, "bidirectional must be True or"),
        (FakeModule("rnn", bias=False), ValueError, "bias=False"),
    ],
)  # fmt: skip
def test_unsupported_modules_are_rejected(module, error, match, fake_torch):
    with pytest.raises(error, match=match):
        params_from_torch(module)
    with pytest.raises(error, match=match):
        params_to_torch(random_params("rnn", np.random.default_rng(24)), module)
    assert fake_torch.calls == []


def test_params_to_torch_rejects_mismatched_shapes(fake_torch):
    module = FakeModule("lstm")  # D=4, H=6
    wide = {k: np.zeros(s) for k, s in param_shapes("lstm", D + 1, H).items()}
    with pytest.raises(ValueError, match=r"params\['W_x'\] has shape \(5, 24\).*D=4 and.*H=6"):
        params_to_torch(wide, module)
    small = {k: np.zeros(s) for k, s in param_shapes("lstm", D, H - 1).items()}
    with pytest.raises(ValueError, match=r"params\['W_x'\] has shape \(4, 20\)"):
        params_to_torch(small, module)
    assert module.loaded is None and fake_torch.calls == []


def test_params_to_torch_rejects_params_of_another_cell(fake_torch):
    module = FakeModule("gru")
    with pytest.raises(ValueError, match="params is missing 'b_x', 'b_h'; the GRU cell"):
        params_to_torch(random_params("lstm", np.random.default_rng(25)), module)
    assert module.loaded is None


# ---------------------------------------------------------------- stacked and bidirectional modules


LAYOUTS = [(2, False), (1, True), (3, True)]  # (num_layers, bidirectional)


def entries(layer_params, bidirectional):
    """(layer, direction, params) for every layer and direction of rnncourse.deep's layout."""
    for layer, entry in enumerate(layer_params):
        for direction, params in enumerate(entry if bidirectional else [entry]):
            yield layer, direction, params


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("layers, bidirectional", LAYOUTS)
def test_params_from_torch_returns_deeps_layout_for_stacks(cell, layers, bidirectional):
    module = FakeModule(cell, seed=30, num_layers=layers, bidirectional=bidirectional)
    layer_params = params_from_torch(module)
    assert isinstance(layer_params, list) and len(layer_params) == layers
    arrays = {k: t.array for k, t in module.tensors.items()}
    seen = 0
    for layer, direction, params in entries(layer_params, bidirectional):
        if bidirectional:
            assert isinstance(layer_params[layer], tuple) and len(layer_params[layer]) == 2
        d_in = D if layer == 0 else (2 if bidirectional else 1) * H
        assert {k: v.shape for k, v in params.items()} == param_shapes(cell, d_in, H)
        expected = params_from_state_dict(arrays, cell, layer, direction)
        for key in params:
            np.testing.assert_array_equal(params[key], expected[key])
            assert not any(np.shares_memory(params[key], a) for a in arrays.values())
        seen += 1
    assert seen == layers * (2 if bidirectional else 1)


def test_params_from_torch_still_returns_one_dict_for_one_layer_one_direction():
    params = params_from_torch(FakeModule("lstm", num_layers=1, bidirectional=False))
    assert isinstance(params, dict) and sorted(params) == ["W_h", "W_x", "b"]


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("layers, bidirectional", LAYOUTS)
def test_params_to_torch_writes_every_layer_and_direction(cell, layers, bidirectional, fake_torch):
    module = FakeModule(cell, np.float32, 31, num_layers=layers, bidirectional=bidirectional)
    keys_before = list(module.tensors)
    layer_params = init_stacked_params(
        cell, D, H, layers, np.random.default_rng(32), bidirectional=bidirectional
    )
    assert params_to_torch(layer_params, module) is module
    assert list(module.loaded) == keys_before  # every key, in the module's order
    assert len(fake_torch.calls) == 4 * layers * (2 if bidirectional else 1)
    assert set(fake_torch.calls) == {(np.dtype(np.float32), "cpu")}
    back = params_from_torch(module)
    for (layer, direction, ours), (_, _, read) in zip(
        entries(layer_params, bidirectional), entries(back, bidirectional), strict=True
    ):
        for key in ours:
            np.testing.assert_allclose(read[key], ours[key], rtol=1e-6, atol=1e-6)
        if cell != "gru":
            bias_hh = torch_names(layer, direction)["bias_hh"]
            np.testing.assert_array_equal(module.tensors[bias_hh].array, 0)


def test_params_to_torch_takes_a_list_of_one_dict_for_one_layer(fake_torch):
    module = FakeModule("gru", seed=33)
    params = random_params("gru", np.random.default_rng(34))
    params_to_torch([params], module)
    np.testing.assert_array_equal(module.tensors["weight_ih_l0"].array, params["W_x"].T)


def test_params_to_torch_wants_layer_params_for_a_stack(fake_torch):
    module = FakeModule("lstm", num_layers=2, bidirectional=True)
    one = random_params("lstm", np.random.default_rng(35))
    with pytest.raises(
        TypeError,
        match=r"num_layers=2 and bidirectional=True, so params must be "
        r"layer_params, a list of 2 \(params_fwd, params_bwd\) pairs",
    ):
        params_to_torch(one, module)
    with pytest.raises(ValueError, match="layer_params has 1 entry, but the stack has L=2"):
        params_to_torch([(one, one)], module)
    with pytest.raises(TypeError, match=r"layer_params\[0\] must be a pair \(forward, backward"):
        params_to_torch([one, one], module)
    assert module.loaded is None and fake_torch.calls == []


def test_params_to_torch_names_the_layer_with_wrong_shapes(fake_torch):
    module = FakeModule("gru", num_layers=2, bidirectional=True)  # layer 1 reads 2H = 12
    layer_params = init_stacked_params("gru", D, H, 2, np.random.default_rng(36), True)
    wide = init_stacked_params("gru", D + 1, H, 2, np.random.default_rng(36), True)
    with pytest.raises(
        ValueError,
        match=r"layer_params\[0\]\[0\]\['W_x'\] has shape \(5, 18\), "
        r"but the module has input_size D=4",
    ):
        params_to_torch(wide, module)
    one_way = init_stacked_params("gru", D, H, 2, np.random.default_rng(37), False)
    with pytest.raises(TypeError, match=r"layer_params\[0\] must be a pair"):
        params_to_torch(one_way, module)
    narrow = init_stacked_params("gru", D, H - 1, 2, np.random.default_rng(38), True)
    with pytest.raises(ValueError, match=r"layer_params\[0\]\[0\]\['W_x'\] has shape \(4, 15\)"):
        params_to_torch(narrow, module)
    assert module.loaded is None and fake_torch.calls == []
    params_to_torch(layer_params, module)  # the right shapes go through
    assert module.loaded is not None


def test_params_to_torch_checks_the_layer_chain_before_torch(fake_torch):
    module = FakeModule("rnn", num_layers=2)
    bad = init_stacked_params("rnn", D, H, 2, np.random.default_rng(39))
    bad[1] = random_params("rnn", np.random.default_rng(40))  # reads D=4, not H=6
    with pytest.raises(
        ValueError, match=r"layer_params\[1\] reads D=4 features.*layer 0 outputs 6"
    ):
        params_to_torch(bad, module)
    assert fake_torch.calls == []
