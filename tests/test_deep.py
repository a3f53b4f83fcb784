"""Tests of rnncourse.deep: gradients of bidirectional layers and 2-layer stacks for every
cell, the time order of the backward direction, a 1-layer stack against the plain cell,
final states in PyTorch's order, dtypes, initialisation and bad input."""

import inspect

import numpy as np
import pytest

from rnncourse import deep, gru, lstm, rnn
from rnncourse.gradcheck import numerical_gradient, rel_error

N, T, D, H = 2, 3, 3, 2
CELLS = ["rnn", "lstm", "gru"]
#: (cell, options): every cell, and the non-default option of the two that have one.
CELL_OPTIONS = [
    ("rnn", {}),
    ("rnn", {"activation": "sigmoid"}),
    ("lstm", {}),
    ("gru", {}),
    ("gru", {"reset_after": False}),
]
PLAIN = {  # the plain cells, each called with a state as deep's cell_forward takes it
    "rnn": lambda x, s, p, **o: rnn.rnn_forward(x, s, p, **o),
    "lstm": lambda x, s, p, **o: lstm.lstm_forward(x, s[0], s[1], p),
    "gru": lambda x, s, p, **o: gru.gru_forward(x, s, p, **o),
}


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def leaves(obj, name=""):
    """Every array in nested dicts, lists and tuples, with a name like ``[1][0]['W_x']``."""
    if isinstance(obj, np.ndarray):
        return [(name, obj)]
    items = sorted(obj.items()) if isinstance(obj, dict) else enumerate(obj)
    return [leaf for key, value in items for leaf in leaves(value, f"{name}[{key!r}]")]


def like(obj, rng):
    """Random arrays in the nested layout of ``obj``: upstream gradients for a loss."""
    if isinstance(obj, np.ndarray):
        return rng.standard_normal(obj.shape).astype(obj.dtype)
    return tuple(like(o, rng) for o in obj)


def weighted_sum(obj, weights):
    return sum(np.sum(a * w) for (_, a), (_, w) in zip(leaves(obj), leaves(weights), strict=True))


def random_state(cell, rng, dtype=np.float64):
    h = (0.5 * rng.standard_normal((N, H))).astype(dtype)
    return (h, (0.5 * rng.standard_normal((N, H))).astype(dtype)) if cell == "lstm" else h


def random_stack(cell, rng, L=2, bidirectional=False, dtype=np.float64):
    """x, states0 and layer_params with nonzero biases."""
    layer_params = deep.init_stacked_params(cell, D, H, L, rng, bidirectional, dtype)
    for _, a in leaves(layer_params):
        if a.ndim == 1:  # a bias
            a[:] = 0.5 * rng.standard_normal(a.shape)
    x = rng.standard_normal((N, T, D)).astype(dtype)
    states0 = [
        (random_state(cell, rng, dtype), random_state(cell, rng, dtype))
        if bidirectional
        else random_state(cell, rng, dtype)
        for _ in range(L)
    ]
    return x, states0, layer_params


def assert_gradients(loss, inputs, analytic):
    """Each analytic gradient against central differences, by name, in float64."""
    wrt, got = leaves(inputs), leaves(analytic)
    assert [name for name, _ in got] == [name for name, _ in wrt]
    for (name, a), (_, g) in zip(wrt, got, strict=True):
        assert g.shape == a.shape, name
        err = rel_error(g, numerical_gradient(loss, a))
        assert err < 1e-7, f"{name}: rel_error {err:.2g}"


# ---------------------------------------------------------------- gradients


@pytest.mark.parametrize(("cell", "options"), CELL_OPTIONS)
def test_bidirectional_backward_matches_numerical_gradient(cell, options, rng):
    x, [(s_fwd, s_bwd)], [(p_fwd, p_bwd)] = random_stack(cell, rng, L=1, bidirectional=True)
    h, cache = deep.bidirectional_forward(x, s_fwd, s_bwd, p_fwd, p_bwd, cell, **options)
    dh = rng.standard_normal(h.shape)
    d_final = like((cache.state_final_fwd, cache.state_final_bwd), rng)

    def loss(_):
        h, cache = deep.bidirectional_forward(x, s_fwd, s_bwd, p_fwd, p_bwd, cell, **options)
        finals = (cache.state_final_fwd, cache.state_final_bwd)
        return np.sum(h * dh) + weighted_sum(finals, d_final)

    dx, ds_fwd, ds_bwd, g_fwd, g_bwd = deep.bidirectional_backward(dh, cache, *d_final)
    assert_gradients(loss, (x, s_fwd, s_bwd, p_fwd, p_bwd), (dx, ds_fwd, ds_bwd, g_fwd, g_bwd))


@pytest.mark.parametrize("bidirectional", [False, True], ids=["unidirectional", "bidirectional"])
@pytest.mark.parametrize("cell", CELLS)
def test_two_layer_stack_backward_matches_numerical_gradient(cell, bidirectional, rng):
    x, states0, layer_params = random_stack(cell, rng, L=2, bidirectional=bidirectional)
    h, cache = deep.stacked_forward(x, states0, layer_params, cell, bidirectional)
    dh = rng.standard_normal(h.shape)
    d_final = like(cache.states_final, rng)  # every layer's final state enters the loss

    def loss(_):
        h, cache = deep.stacked_forward(x, states0, layer_params, cell, bidirectional)
        return np.sum(h * dh) + weighted_sum(cache.states_final, d_final)

    dx, dstates0, grads = deep.stacked_backward(dh, cache, d_final)
    assert_gradients(loss, (x, states0, layer_params), (dx, dstates0, grads))


# ---------------------------------------------------------------- time order of the directions


def brute_force_last(cell, x, state0, params, **options):
    """The state after running the plain cell over all of x (N, t, D)."""
    return PLAIN[cell](x, state0, params, **options)[0][:, -1]


@pytest.mark.parametrize(("cell", "options"), CELL_OPTIONS)
def test_each_direction_has_seen_the_right_inputs(cell, options, rng):
    # h_fwd[:, t] is the cell run over x_0..x_t; h_bwd[:, t] the cell run over
    # x_{T-1}, ..., x_t, i.e. over x[:, t:] reversed
    x, [(s_fwd, s_bwd)], [(p_fwd, p_bwd)] = random_stack(cell, rng, L=1, bidirectional=True)
    h, cache = deep.bidirectional_forward(x, s_fwd, s_bwd, p_fwd, p_bwd, cell, **options)
    assert h.shape == (N, T, 2 * H)
    for t in range(T):
        seen_fwd = brute_force_last(cell, x[:, : t + 1], s_fwd, p_fwd, **options)
        seen_bwd = brute_force_last(cell, x[:, t:][:, ::-1], s_bwd, p_bwd, **options)
        np.testing.assert_allclose(h[:, t, :H], seen_fwd, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(h[:, t, H:], seen_bwd, rtol=1e-12, atol=1e-14)
    h_of = (lambda state: state[0]) if cell == "lstm" else (lambda state: state)
    np.testing.assert_array_equal(h_of(cache.state_final_fwd), h[:, -1, :H])  # after x_{T-1}
    np.testing.assert_array_equal(h_of(cache.state_final_bwd), h[:, 0, H:])  # after x_0


def zero_bias_layer(cell, rng):
    """One bidirectional layer with zero biases and zero states: zero input keeps h = 0."""
    [(p_fwd, p_bwd)] = deep.init_stacked_params(cell, D, H, 1, rng, bidirectional=True)
    for _, a in leaves((p_fwd, p_bwd)):
        if a.ndim == 1:
            a[:] = 0.0
    s_fwd, s_bwd = (random_state(cell, rng) for _ in range(2))
    for _, a in leaves((s_fwd, s_bwd)):
        a[:] = 0.0
    return s_fwd, s_bwd, p_fwd, p_bwd


@pytest.mark.parametrize("cell", CELLS)
def test_only_the_last_input_nonzero_reaches_the_backward_state_at_t0(cell, rng):
    s_fwd, s_bwd, p_fwd, p_bwd = zero_bias_layer(cell, rng)
    x = np.zeros((N, T, D))
    h_zero, _ = deep.bidirectional_forward(x, s_fwd, s_bwd, p_fwd, p_bwd, cell)
    np.testing.assert_array_equal(h_zero, 0.0)  # zero in, zero out
    x[:, -1] = rng.standard_normal((N, D))
    h, _ = deep.bidirectional_forward(x, s_fwd, s_bwd, p_fwd, p_bwd, cell)
    h_fwd, h_bwd = h[:, :, :H], h[:, :, H:]
    np.testing.assert_array_equal(h_fwd[:, :-1], 0.0)  # the forward direction sees x_{T-1} last
    for t in range(T):  # the backward direction reads x_{T-1} first: every state depends on it
        assert np.linalg.norm(h_bwd[:, t]) > 1e-3, t
    # at t = T-1 the backward direction has taken one step, at t = 0 it has taken T steps
    one_step = brute_force_last(cell, x[:, -1:], s_bwd, p_bwd)
    np.testing.assert_allclose(h_bwd[:, -1], one_step, rtol=1e-12)
    assert np.linalg.norm(h_bwd[:, 0] - one_step) > 1e-3


@pytest.mark.parametrize("cell", CELLS)
def test_only_the_first_input_nonzero_reaches_only_the_backward_state_at_t0(cell, rng):
    # a backward direction whose outputs were not reversed back would be nonzero at T-1 instead
    s_fwd, s_bwd, p_fwd, p_bwd = zero_bias_layer(cell, rng)
    x = np.zeros((N, T, D))
    x[:, 0] = rng.standard_normal((N, D))
    h, _ = deep.bidirectional_forward(x, s_fwd, s_bwd, p_fwd, p_bwd, cell)
    np.testing.assert_array_equal(h[:, 1:, H:], 0.0)
    assert np.linalg.norm(h[:, 0, H:]) > 1e-3
    assert all(np.linalg.norm(h[:, t, :H]) > 1e-3 for t in range(T))


@pytest.mark.parametrize("cell", CELLS)
def test_gradient_reaches_only_the_inputs_a_direction_has_seen(cell, rng):
    x, [(s_fwd, s_bwd)], [(p_fwd, p_bwd)] = random_stack(cell, rng, L=1, bidirectional=True)
    h, cache = deep.bidirectional_forward(x, s_fwd, s_bwd, p_fwd, p_bwd, cell)
    dh = np.zeros_like(h)
    dh[:, 0, :H] = 1.0  # the forward state at t = 0 has seen x_0 only
    dx = deep.bidirectional_backward(dh, cache)[0]
    np.testing.assert_array_equal(dx[:, 1:], 0.0)
    assert np.linalg.norm(dx[:, 0]) > 1e-6
    dh = np.zeros_like(h)
    dh[:, 0, H:] = 1.0  # the backward state at t = 0 has seen every input
    dx = deep.bidirectional_backward(dh, cache)[0]
    assert all(np.linalg.norm(dx[:, t]) > 1e-6 for t in range(T))
    dh = np.zeros_like(h)
    dh[:, -1, H:] = 1.0  # the backward state at t = T-1 has seen x_{T-1} only
    dx = deep.bidirectional_backward(dh, cache)[0]
    np.testing.assert_array_equal(dx[:, :-1], 0.0)
    assert np.linalg.norm(dx[:, -1]) > 1e-6


# ---------------------------------------------------------------- stacks


@pytest.mark.parametrize(("cell", "options"), CELL_OPTIONS)
def test_one_layer_stack_is_the_plain_cell(cell, options, rng):
    x, [state0], [params] = random_stack(cell, rng, L=1)
    h, cache = deep.stacked_forward(x, [state0], [params], cell, **options)
    h_plain, cache_plain = PLAIN[cell](x, state0, params, **options)
    np.testing.assert_array_equal(h, h_plain)
    dh = rng.standard_normal(h.shape)
    dx, [dstate0], [grads] = deep.stacked_backward(dh, cache)
    if cell == "lstm":
        dx_plain, dh0, dc0, grads_plain = lstm.lstm_backward(dh, cache_plain)
        dstate0_plain = (dh0, dc0)
    else:
        backward = rnn.rnn_backward if cell == "rnn" else gru.gru_backward
        dx_plain, dstate0_plain, grads_plain = backward(dh, cache_plain)
    for (name, a), (_, b) in zip(
        leaves((dx, dstate0, grads)), leaves((dx_plain, dstate0_plain, grads_plain)), strict=True
    ):
        np.testing.assert_array_equal(a, b, err_msg=name)


@pytest.mark.parametrize("bidirectional", [False, True], ids=["unidirectional", "bidirectional"])
@pytest.mark.parametrize("cell", CELLS)
def test_each_layer_reads_the_output_of_the_layer_below(cell, bidirectional, rng):
    x, states0, layer_params = random_stack(cell, rng, L=3, bidirectional=bidirectional)
    h, cache = deep.stacked_forward(x, states0, layer_params, cell, bidirectional)
    assert h.shape == (N, T, (2 if bidirectional else 1) * H)
    layer_in, finals = x, []
    for state0, params in zip(states0, layer_params, strict=True):
        if bidirectional:
            layer_in, c = deep.bidirectional_forward(layer_in, *state0, *params, cell)
            finals += [c.state_final_fwd, c.state_final_bwd]
        else:
            layer_in, final, _ = deep.cell_forward(cell, layer_in, state0, params)
            finals.append(final)
    np.testing.assert_array_equal(h, layer_in)
    # PyTorch's h_n and c_n: row k = layer * directions + direction
    stacked = deep.stacked_final_states(cache)
    if cell == "lstm":
        np.testing.assert_array_equal(stacked[0], np.stack([f[0] for f in finals]))
        np.testing.assert_array_equal(stacked[1], np.stack([f[1] for f in finals]))
    else:
        np.testing.assert_array_equal(stacked, np.stack(finals))
    assert len(finals) == 3 * (2 if bidirectional else 1)


@pytest.mark.parametrize("bidirectional", [False, True], ids=["unidirectional", "bidirectional"])
@pytest.mark.parametrize("cell", CELLS)
def test_no_states0_means_zero_states(cell, bidirectional, rng):
    x, states0, layer_params = random_stack(cell, rng, L=2, bidirectional=bidirectional)
    zeros = [like(s, rng) for s in states0]
    for _, a in leaves(zeros):
        a[:] = 0.0
    h_none, _ = deep.stacked_forward(x, None, layer_params, cell, bidirectional)
    h_zeros, _ = deep.stacked_forward(x, zeros, layer_params, cell, bidirectional)
    np.testing.assert_array_equal(h_none, h_zeros)


@pytest.mark.parametrize("bidirectional", [False, True], ids=["unidirectional", "bidirectional"])
@pytest.mark.parametrize("cell", CELLS)
def test_float32_stays_float32(cell, bidirectional, rng):
    x, states0, layer_params = random_stack(
        cell, rng, L=2, bidirectional=bidirectional, dtype=np.float32
    )
    h, cache = deep.stacked_forward(x, states0, layer_params, cell, bidirectional)
    d_final = like(cache.states_final, rng)
    dx, dstates0, grads = deep.stacked_backward(np.ones_like(h), cache, d_final)
    outputs = leaves((h, cache.states_final, dx, dstates0, grads))
    assert len(outputs) > 10
    for name, a in outputs:
        assert a.dtype == np.float32, name
    assert np.asarray(deep.stacked_final_states(cache)).dtype == np.float32


@pytest.mark.parametrize("cell", CELLS)
def test_backward_changes_neither_its_inputs_nor_the_cache(cell, rng):
    x, states0, layer_params = random_stack(cell, rng, L=2, bidirectional=True)
    h, cache = deep.stacked_forward(x, states0, layer_params, cell, True)
    dh = rng.standard_normal(h.shape)
    d_final = like(cache.states_final, rng)
    watched = (dh, d_final, x, states0, layer_params, cache.states_final)
    before = [a.copy() for _, a in leaves(watched)]
    step_arrays = [
        a
        for layer in cache.layers
        for direction in (layer.fwd, layer.bwd)
        for step in direction.steps
        for a in step
        if isinstance(a, np.ndarray)
    ]
    steps_before = [a.copy() for a in step_arrays]
    deep.stacked_backward(dh, cache, d_final)
    for (name, a), b in zip(leaves(watched), before, strict=True):
        np.testing.assert_array_equal(a, b, err_msg=name)
    for a, b in zip(step_arrays, steps_before, strict=True):
        np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------- initialisation, contract


@pytest.mark.parametrize("bidirectional", [False, True], ids=["unidirectional", "bidirectional"])
@pytest.mark.parametrize("cell", CELLS)
def test_init_stacked_params_shapes_seed_and_dtype(cell, bidirectional):
    L, directions = 3, 2 if bidirectional else 1
    layer_params = deep.init_stacked_params(
        cell, D, H, L, np.random.default_rng(0), bidirectional, dtype=np.float32
    )
    again = deep.init_stacked_params(cell, D, H, L, np.random.default_rng(0), bidirectional)
    assert len(layer_params) == L
    module = {"rnn": rnn, "lstm": lstm, "gru": gru}[cell]
    for layer, entry in enumerate(layer_params):
        pair = entry if bidirectional else (entry,)
        assert len(pair) == directions
        D_in = D if layer == 0 else directions * H
        for params in pair:
            expected = module.init_params(D_in, H, np.random.default_rng(0))
            assert {k: a.shape for k, a in params.items()} == {
                k: a.shape for k, a in expected.items()
            }
            assert all(a.dtype == np.float32 for a in params.values())
    for (name, a), (_, b) in zip(leaves(layer_params), leaves(again), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, err_msg=name)  # same seed, same weights
    if bidirectional:  # the two directions get their own weights
        assert not np.array_equal(*(p[next(iter(p))] for p in layer_params[0]))
    if cell == "lstm":  # lstm.init_params's forget-gate bias is kept
        first = layer_params[0][0] if bidirectional else layer_params[0]
        np.testing.assert_array_equal(first["b"][H : 2 * H], 1.0)


def test_bidirectional_forward_signature_is_the_documented_contract():
    params = list(inspect.signature(deep.bidirectional_forward).parameters.values())
    assert [p.name for p in params] == [
        "x",
        "state0_fwd",
        "state0_bwd",
        "params_fwd",
        "params_bwd",
        "cell",
        "options",
    ]
    assert params[5].default == "rnn" and params[6].kind is inspect.Parameter.VAR_KEYWORD
    assert len(inspect.signature(deep.bidirectional_backward).parameters) == 4


# ---------------------------------------------------------------- bad input


def bad_cases(rng):
    x, states0, lp = random_stack("lstm", rng, L=2, bidirectional=True)
    _, states_uni, lp_uni = random_stack("gru", rng, L=2)
    narrow = deep.init_stacked_params("lstm", D, H, 2, rng, bidirectional=True)
    narrow[1] = tuple(lstm.init_params(H, H, rng) for _ in range(2))  # reads H, not 2H
    wide = deep.init_stacked_params("gru", D, H, 2, rng)
    wide[1] = gru.init_params(2 * H, H, rng)
    missing = [dict(p) for p in lp_uni]
    del missing[1]["W_h"]
    h_only = [(s[0][0], s[1][0]) for s in states0]  # LSTM states without c
    bad_shape = [states0[0], (states0[1][0], (states0[1][1][0][:, :1], states0[1][1][1]))]
    other_h = lstm.init_params(D, H + 1, rng)
    y, cache = deep.stacked_forward(x, states0, lp, "lstm", True)
    _, rnn_cache = rnn.rnn_forward(x, states_uni[0], rnn.init_params(D, H, rng))
    _, bi_cache = deep.bidirectional_forward(x, *states0[0], *lp[0], "lstm")
    sf, lstm_f = deep.stacked_forward, "lstm"
    return {
        "unknown cell": (lambda: sf(x, None, lp, "lstn", True), ValueError, "cell must be one of"),
        "cell_forward unknown": (
            lambda: deep.cell_forward("transformer", x, states_uni[0], lp_uni[0]),
            ValueError,
            "'transformer'",
        ),
        "too few states": (
            lambda: sf(x, states0[:1], lp, lstm_f, True),
            ValueError,
            r"states0 has 1 entry, but the stack has L=2 layers",
        ),
        "too many state gradients": (
            lambda: deep.stacked_backward(y, cache, [(None, None)] * 3),
            ValueError,
            r"dstates_final has 3 entries",
        ),
        "no layers": (lambda: sf(x, None, [], "gru"), ValueError, "layer_params is empty"),
        "one dict, not a list": (
            lambda: sf(x, None, lp_uni[0], "gru"),
            TypeError,
            "layer_params must be a list",
        ),
        "bidirectional width": (
            lambda: sf(x, None, narrow, lstm_f, True),
            ValueError,
            r"layer_params\[1\] reads D=2 features .* layer 0 outputs 4 \(2H",
        ),
        "unidirectional width": (
            lambda: sf(x, None, wide, "gru"),
            ValueError,
            r"layer_params\[1\] reads D=4 features .* layer 0 outputs 2",
        ),
        "dicts but bidirectional": (
            lambda: sf(x, None, lp_uni, "gru", True),
            TypeError,
            r"layer_params\[0\] must be a pair \(forward, backward\)",
        ),
        "pairs but unidirectional": (
            lambda: sf(x, None, lp, lstm_f, False),
            TypeError,
            r"layer_params\[0\] must be a params dict.*bidirectional=True",
        ),
        "bidirectional not a bool": (
            lambda: sf(x, None, lp, lstm_f, "yes"),
            TypeError,
            "bidirectional must be True or False",
        ),
        "params missing a key": (
            lambda: sf(x, states_uni, missing, "gru"),
            ValueError,
            r"layer_params\[1\]: params is missing 'W_h'",
        ),
        "lstm state without c": (
            lambda: sf(x, h_only, lp, lstm_f, True),
            TypeError,
            r"states0\[0\]\[0\] must be a pair \(h, c\)",
        ),
        "gru state given as a pair": (
            lambda: deep.cell_forward("gru", x, (states_uni[0], states_uni[0]), lp_uni[0]),
            TypeError,
            "only the LSTM's state",
        ),
        "state of the wrong shape": (
            lambda: sf(x, bad_shape, lp, lstm_f, True),
            ValueError,
            r"states0\[1\]\[1\]\[0\] has shape \(2, 1\), but must be \(N, H\) = \(2, 2\)",
        ),
        "x of the wrong width": (
            lambda: sf(x[:, :, :2], None, lp, lstm_f, True),
            ValueError,
            r"layer 0: forward direction .*x has shape \(2, 3, 2\)",
        ),
        "option of another cell": (
            lambda: sf(x, None, lp_uni, "gru", activation="relu"),
            TypeError,
            "cell='gru' takes only reset_after, but got the option activation=",
        ),
        "lstm takes no option": (
            lambda: deep.bidirectional_forward(x, *states0[0], *lp[0], "lstm", reset_after=True),
            TypeError,
            "takes no options",
        ),
        "bad option value": (
            lambda: sf(x, None, deep.init_stacked_params("rnn", D, H, 1, rng), activation="gelu"),
            ValueError,
            "layer 0: .*gelu",
        ),
        "directions of different H": (
            lambda: deep.bidirectional_forward(x, *states0[0], lp[0][0], other_h, "lstm"),
            ValueError,
            "params_fwd has D=3, H=2 but params_bwd has D=3, H=3",
        ),
        "dh of one direction's width": (
            lambda: deep.bidirectional_backward(y[:, :, :H], bi_cache),
            ValueError,
            r"dh has shape \(2, 3, 2\), but must be \(N, T, 2H\) = \(2, 3, 4\)",
        ),
        "dstate_final of the wrong shape": (
            lambda: deep.bidirectional_backward(y, bi_cache, None, (y[:, 0], y[:, 0])),
            ValueError,
            r"dstate_final_bwd\[0\] has shape \(2, 4\)",
        ),
        "state gradient of the wrong shape": (
            lambda: deep.stacked_backward(y, cache, [(None, None), (None, (y[:, 0], y[:, 0]))]),
            ValueError,
            r"dstates_final\[1\]\[1\]\[0\] has shape \(2, 4\), but must be \(N, H\) = \(2, 2\)",
        ),
        "not a stacked cache": (
            lambda: deep.stacked_backward(y, bi_cache),
            TypeError,
            "cache must be the StackedCache returned by stacked_forward",
        ),
        "cache of another cell": (
            lambda: deep.cell_backward("lstm", y[:, :, :H], rnn_cache),
            TypeError,
            "cache must be the LSTMCache that cell_forward returns for cell='lstm'",
        ),
    }


CASES = list(bad_cases(np.random.default_rng(0)))


@pytest.mark.parametrize("case", CASES)
def test_bad_input_names_the_argument(case):
    call, error, message = bad_cases(np.random.default_rng(0))[case]
    with pytest.raises(error, match=message):
        call()
