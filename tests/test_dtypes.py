"""float32 stays float32: every cell, layer, loss, clipping function and optimiser returns
arrays of the dtype it was given, and training in float32 keeps every parameter float32.

(Gradient checks stay in float64, in the cells' own tests and in test_fast.py: float32 has
too few digits for central differences.)
"""

import numpy as np
import pytest

from rnncourse import (
    activations,
    clipping,
    deep,
    dropout,
    fast,
    gru,
    layers,
    losses,
    lstm,
    optim,
    rnn,
    train,
)

DTYPES = [np.float32, np.float64]
N, T, D, H, K = 2, 4, 3, 5, 3


def arrays(value):
    """Every numpy array inside nested tuples, lists and dicts."""
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, dict):
        return [a for v in value.values() for a in arrays(v)]
    if isinstance(value, list | tuple):
        return [a for v in value for a in arrays(v)]
    return []


def assert_dtype(value, dtype):
    found = arrays(value)
    assert found, "nothing to check"
    assert {a.dtype for a in found} == {np.dtype(dtype)}


def data(dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, T, D)).astype(dtype)
    h0 = (0.5 * rng.standard_normal((N, H))).astype(dtype)
    dh = rng.standard_normal((N, T, H)).astype(dtype)
    return rng, x, h0, dh


@pytest.mark.parametrize("dtype", DTYPES)
def test_rnn_keeps_the_dtype(dtype):
    rng, x, h0, dh = data(dtype)
    for activation in activations.CELL_ACTIVATIONS:
        params = rnn.init_params(D, H, rng, dtype=dtype)
        h_t, step_cache = rnn.rnn_step_forward(x[:, 0], h0, params, activation)
        assert_dtype(h_t, dtype)
        assert_dtype(rnn.rnn_step_backward(dh[:, 0], step_cache), dtype)
        h, cache = rnn.rnn_forward(x, h0, params, activation)
        assert_dtype(h, dtype)
        assert_dtype(rnn.rnn_backward(dh, cache), dtype)
        assert_dtype(rnn.rnn_backward(dh, cache, truncate=2), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_lstm_keeps_the_dtype(dtype):
    rng, x, h0, dh = data(dtype)
    params = lstm.init_params(D, H, rng, dtype=dtype)
    h_t, c_t, step_cache = lstm.lstm_step_forward(x[:, 0], h0, h0, params)
    assert_dtype([h_t, c_t], dtype)
    assert_dtype(lstm.lstm_step_backward(dh[:, 0], dh[:, 1], step_cache), dtype)
    h, cache = lstm.lstm_forward(x, h0, h0, params)
    assert_dtype([h, lstm.lstm_gates(cache)], dtype)
    assert_dtype(lstm.lstm_backward(dh, cache), dtype)
    assert_dtype(lstm.lstm_backward(dh, cache, dc_final=h0), dtype)


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("dtype", DTYPES)
def test_gru_keeps_the_dtype(dtype, reset_after):
    rng, x, h0, dh = data(dtype)
    params = gru.init_params(D, H, rng, dtype=dtype)
    h_t, step_cache = gru.gru_step_forward(x[:, 0], h0, params, reset_after)
    assert_dtype(h_t, dtype)
    assert_dtype(gru.gru_step_backward(dh[:, 0], step_cache), dtype)
    h, cache = gru.gru_forward(x, h0, params, reset_after)
    assert_dtype([h, gru.gru_gates(cache)], dtype)
    assert_dtype(gru.gru_backward(dh, cache), dtype)


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_deep_networks_and_the_fast_path_keep_the_dtype(dtype, cell, bidirectional):
    rng, x, h0, _ = data(dtype)
    layer_params = deep.init_stacked_params(cell, D, H, 2, rng, bidirectional, dtype=dtype)
    h, cache = deep.stacked_forward(x, None, layer_params, cell, bidirectional)
    assert_dtype([h, deep.stacked_final_states(cache)], dtype)
    dtop = rng.standard_normal(h.shape).astype(dtype)
    assert_dtype(deep.stacked_backward(dtop, cache), dtype)

    params = layer_params[0][0] if bidirectional else layer_params[0]
    state0 = (h0, h0.copy()) if cell == "lstm" else h0
    for module in (deep, fast):
        h, final, cache = module.cell_forward(cell, x, state0, params)
        assert_dtype([h, final], dtype)
        dh = rng.standard_normal(h.shape).astype(dtype)
        if module is deep:
            assert_dtype(deep.cell_backward(cell, dh, cache), dtype)
        else:
            assert_dtype(fast.cell_backward(cache, dh), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_dropout_keeps_the_dtype(dtype):
    rng, x, h0, dh = data(dtype)
    out, mask = dropout.dropout_forward(x, 0.3, rng)
    assert_dtype([out, mask, dropout.dropout_backward(x, mask)], dtype)
    out, mask = dropout.variational_dropout_forward(x, 0.3, rng)
    assert_dtype([out, mask, dropout.variational_dropout_backward(x, mask)], dtype)
    params = rnn.init_params(D, H, rng, dtype=dtype)
    h, cache = dropout.variational_rnn_forward(x, h0, params, 0.2, 0.2, rng)
    assert_dtype(h, dtype)
    assert_dtype(dropout.variational_rnn_backward(dh, cache), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_layers_losses_and_clipping_keep_the_dtype(dtype):
    rng, _, _, dh = data(dtype)
    W, b = rng.standard_normal((H, K)).astype(dtype), np.zeros(K, dtype)
    scores, cache = layers.linear_forward(dh, W, b)
    assert_dtype([scores, layers.linear_backward(scores, cache)], dtype)
    labels = rng.integers(0, K, (N, T))
    mask = np.ones((N, T))
    mask[0, -1] = 0
    for kwargs in ({}, {"mask": mask}):
        value, dscores = losses.softmax_cross_entropy(scores, labels, **kwargs)
        assert isinstance(value, float)
        assert_dtype(dscores, dtype)
        value, dy = losses.mse_loss(scores, scores[::-1].copy(), **kwargs)
        assert isinstance(value, float)
        assert_dtype(dy, dtype)
    grads = {"W": 100 * W, "b": b + 1}
    assert_dtype(clipping.clip_by_value(grads, 0.5), dtype)
    clipped, norm = clipping.clip_by_global_norm(grads, 0.5)
    assert_dtype(clipped, dtype)
    assert isinstance(norm, float)
    for f in (activations.sigmoid, activations.tanh, activations.relu, activations.softmax):
        assert_dtype(f(dh), dtype)


@pytest.mark.parametrize("name", sorted(optim.OPTIMIZERS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_optimisers_keep_the_dtype(dtype, name):
    rng = np.random.default_rng(1)
    params = {"W": rng.standard_normal((3, 4)).astype(dtype), "b": np.zeros(4, dtype)}
    grads = {k: rng.standard_normal(p.shape).astype(dtype) for k, p in params.items()}
    before = {k: p.copy() for k, p in params.items()}
    opt = optim.make_optimizer(name, 0.1, weight_decay=0.01)
    for _ in range(3):
        opt.step(params, grads)
    assert_dtype([params, [a for s in opt.state.values() for a in s.values()]], dtype)
    assert not np.array_equal(params["W"], before["W"])


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_training_in_float32_stays_float32(cell):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 12, D)).astype(np.float32)
    y = rng.integers(0, K, (4, 12))
    model = train.init_model(cell, D, H, K, rng, dtype=np.float32)
    value, grads, state = train.loss_and_grads(model, x, y)
    assert_dtype([grads, state], np.float32)
    value_ref, grads_ref, _ = train.step_by_step_loss_and_grads(model, x, y)
    assert_dtype(grads_ref, np.float32)
    history = train.train(
        model, x, y, optim.Adam(0.01), epochs=2, seq_len=4, stateful=True, max_norm=1.0
    )
    assert len(history.loss) == 6
    assert_dtype(model.params, np.float32)
