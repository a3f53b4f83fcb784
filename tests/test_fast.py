"""The fast training path (rnncourse.fast) computes what the step-by-step cells compute.

Every cell and option, in float64 (to rounding) and float32 (to float32 precision): the
hidden states, the final state, every gradient, the loss. Then numerical gradient checks
in float64, and the promises the cells make: dtypes kept, inputs and caches never changed,
clear errors for bad input.
"""

import numpy as np
import pytest

from rnncourse import deep, fast, train
from rnncourse.gradcheck import numerical_gradient, rel_error

CASES = [
    ("rnn", {}),
    ("rnn", {"activation": "relu"}),
    ("rnn", {"activation": "sigmoid"}),
    ("rnn", {"activation": "identity"}),
    ("lstm", {}),
    ("gru", {}),
    ("gru", {"reset_after": False}),
]
IDS = [f"{cell}-{next(iter(opts.values()), 'default')}" for cell, opts in CASES]
#: rel_error allowed between the two paths: rounding only.
TOLERANCE = {np.float64: 1e-12, np.float32: 1e-5}


def make_model(cell, options, dtype, D=4, H=5, K=3, seed=0):
    """A model with every parameter (biases too) away from its initial value."""
    rng = np.random.default_rng(seed)
    model = train.init_model(cell, D, H, K, rng, dtype=dtype, **options)
    for p in model.params.values():
        p += (0.3 * rng.standard_normal(p.shape)).astype(dtype)
    return model


def make_state(cell, N, H, dtype, rng):
    h0 = (0.5 * rng.standard_normal((N, H))).astype(dtype)
    if cell == "lstm":
        return h0, (0.5 * rng.standard_normal((N, H))).astype(dtype)
    return h0


def cell_params(model):
    return {k: v for k, v in model.params.items() if k not in ("W_hy", "b_y")}


def as_list(state):
    return list(state) if isinstance(state, tuple) else [state]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("cell", "options"), CASES, ids=IDS)
def test_cell_forward_and_backward_equal_the_step_by_step_cells(cell, options, dtype):
    rng = np.random.default_rng(1)
    N, T, D, H = 3, 6, 4, 5
    model = make_model(cell, options, dtype, D, H)
    x = rng.standard_normal((N, T, D)).astype(dtype)
    state0 = make_state(cell, N, H, dtype, rng)
    params = cell_params(model)

    h_ref, final_ref, cache_ref = deep.cell_forward(cell, x, state0, params, **options)
    h, final, cache = fast.cell_forward(cell, x, state0, params, **options)
    dh = rng.standard_normal(h.shape).astype(dtype)
    dx_ref, dstate_ref, grads_ref = deep.cell_backward(cell, dh, cache_ref)
    dx, dstate, grads = fast.cell_backward(cache, dh)

    tol = TOLERANCE[dtype]
    pairs = [(h, h_ref), (dx, dx_ref)]
    pairs += list(zip(as_list(final), as_list(final_ref), strict=True))
    pairs += list(zip(as_list(dstate), as_list(dstate_ref), strict=True))
    pairs += [(grads[k], grads_ref[k]) for k in grads_ref]
    assert set(grads) == set(grads_ref)
    for a, b in pairs:
        assert a.shape == b.shape and a.dtype == dtype
        assert rel_error(a, b) < tol


@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("cell", "options"), CASES, ids=IDS)
def test_loss_and_grads_equal_the_step_by_step_path(cell, options, dtype, loss):
    rng = np.random.default_rng(2)
    N, T, D, H, K = 3, 7, 4, 5, 3
    model = make_model(cell, options, dtype, D, H, K)
    x = rng.standard_normal((N, T, D)).astype(dtype)
    y = rng.integers(0, K, (N, T)) if loss == "cross_entropy" else rng.standard_normal((N, T, K))
    y = y if loss == "cross_entropy" else y.astype(dtype)
    for state0 in (None, make_state(cell, N, H, dtype, rng)):
        value_ref, grads_ref, final_ref = train.step_by_step_loss_and_grads(
            model, x, y, state0, loss
        )
        value, grads, final = fast.loss_and_grads(model, x, y, state0, loss)
        assert abs(value - value_ref) <= TOLERANCE[dtype] * max(1.0, abs(value_ref))
        assert set(grads) == set(model.params)
        for key, g in grads.items():
            assert g.dtype == dtype and g.shape == model.params[key].shape
            assert rel_error(g, grads_ref[key]) < TOLERANCE[dtype], key
        for a, b in zip(as_list(final), as_list(final_ref), strict=True):
            assert a.dtype == dtype and rel_error(a, b) < TOLERANCE[dtype]


def test_train_loss_and_grads_runs_the_fast_path():
    model = make_model("lstm", {}, np.float64)
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((2, 5, 4)), rng.integers(0, 3, (2, 5))
    value, grads, _ = train.loss_and_grads(model, x, y)
    value_fast, grads_fast, _ = fast.loss_and_grads(model, x, y)
    assert value == value_fast
    assert all(np.array_equal(grads[k], grads_fast[k]) for k in grads)


@pytest.mark.parametrize(("cell", "options"), CASES, ids=IDS)
def test_loss_and_grads_pass_a_numerical_gradient_check(cell, options):
    rng = np.random.default_rng(4)
    N, T, D, H, K = 2, 4, 3, 4, 3
    model = make_model(cell, options, np.float64, D, H, K, seed=5)
    x = rng.standard_normal((N, T, D))
    y = rng.integers(0, K, (N, T))
    state0 = make_state(cell, N, H, np.float64, rng)
    _, grads, _ = fast.loss_and_grads(model, x, y, state0)
    for key, p in model.params.items():
        numeric = numerical_gradient(lambda _: fast.loss_and_grads(model, x, y, state0)[0], p)
        assert rel_error(grads[key], numeric) < 1e-7, key


@pytest.mark.parametrize(("cell", "options"), CASES, ids=IDS)
def test_cell_backward_passes_a_numerical_gradient_check_for_x_and_state0(cell, options):
    rng = np.random.default_rng(6)
    N, T, D, H = 2, 4, 3, 4
    params = cell_params(make_model(cell, options, np.float64, D, H, seed=7))
    x = rng.standard_normal((N, T, D))
    state0 = make_state(cell, N, H, np.float64, rng)
    dh = rng.standard_normal((N, T, H))

    def h_of(_):
        return fast.cell_forward(cell, x, state0, params, **options)[0]

    _, _, cache = fast.cell_forward(cell, x, state0, params, **options)
    dx, dstate0, _ = fast.cell_backward(cache, dh)
    assert rel_error(dx, numerical_gradient(h_of, x, dh)) < 1e-7
    for array, grad in zip(as_list(state0), as_list(dstate0), strict=True):
        assert rel_error(grad, numerical_gradient(h_of, array, dh)) < 1e-7


@pytest.mark.parametrize(("cell", "options"), CASES, ids=IDS)
def test_nothing_is_changed_in_place(cell, options):
    rng = np.random.default_rng(8)
    model = make_model(cell, options, np.float64)
    x, y = rng.standard_normal((2, 5, 4)), rng.integers(0, 3, (2, 5))
    state0 = make_state(cell, 2, 5, np.float64, rng)
    before = [np.copy(a) for a in [x, *as_list(state0), *model.params.values()]]
    fast.loss_and_grads(model, x, y, state0)
    after = [x, *as_list(state0), *model.params.values()]
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))

    h, _, cache = fast.cell_forward(cell, x, state0, cell_params(model), **options)
    kept = [np.copy(a) for a in cache[1] if isinstance(a, np.ndarray)]
    dh = rng.standard_normal(h.shape)
    dh_copy = dh.copy()
    fast.cell_backward(cache, dh)
    assert np.array_equal(dh, dh_copy)
    now = [a for a in cache[1] if isinstance(a, np.ndarray)]
    assert all(np.array_equal(a, b) for a, b in zip(kept, now, strict=True))


def test_reused_buffers_never_leak_into_earlier_results():
    """loss_and_grads reuses its buffers; what it returned before must stay as it was."""
    rng = np.random.default_rng(9)
    model = make_model("gru", {}, np.float32)
    x1, x2 = (rng.standard_normal((3, 6, 4)).astype(np.float32) for _ in range(2))
    y = rng.integers(0, 3, (3, 6))
    value1, grads1, final1 = fast.loss_and_grads(model, x1, y)
    kept = {k: g.copy() for k, g in grads1.items()}
    final_kept = final1.copy()
    fast.loss_and_grads(model, x2, y)  # same shapes: the same buffers
    fast.loss_and_grads(model, x2[:2, :3], y[:2, :3])  # other shapes: new buffers
    assert all(np.array_equal(grads1[k], kept[k]) for k in kept)
    assert np.array_equal(final1, final_kept)
    again = fast.loss_and_grads(model, x1, y)
    assert again[0] == value1
    assert all(np.array_equal(again[1][k], kept[k]) for k in kept)


def test_workspace_reuses_an_array_only_for_the_same_shape_and_dtype():
    ws = fast.Workspace()
    a = ws.empty("A", (2, 3), np.float32)
    assert ws.empty("A", (2, 3), np.float32) is a
    assert ws.empty("A", (2, 4), np.float32) is not a
    b = ws.empty("A", (2, 4), np.float32)
    assert ws.empty("A", (2, 4), np.float64).dtype == np.float64
    assert ws.empty("B", (2, 4), np.float64) is not b


def test_bad_input_is_refused_with_clear_messages():
    model = make_model("lstm", {}, np.float64)
    rng = np.random.default_rng(10)
    x, y = rng.standard_normal((2, 5, 4)), rng.integers(0, 3, (2, 5))
    with pytest.raises(ValueError, match=r"x has shape \(2, 5, 3\).*D=4"):
        fast.loss_and_grads(model, x[..., :3], y)
    with pytest.raises(ValueError, match=r"y has shape \(2, 4\)"):
        fast.loss_and_grads(model, x, y[:, :4])
    with pytest.raises(TypeError, match="x is float32"):
        fast.loss_and_grads(model, x.astype(np.float32), y)
    with pytest.raises(ValueError, match="loss must be one of"):
        fast.loss_and_grads(model, x, y, loss="hinge")
    bad = x.copy()
    bad[1, 2, 0] = np.nan
    with pytest.raises(ValueError, match="x contains NaN"):
        fast.loss_and_grads(model, bad, y)
    with pytest.raises(TypeError, match="pair"):
        fast.loss_and_grads(model, x, y, state0=np.zeros((2, 5)))
    with pytest.raises(ValueError, match=r"state0\[1\] has shape"):
        fast.loss_and_grads(model, x, y, state0=(np.zeros((2, 5)), np.zeros((3, 5))))
    rnn_params = cell_params(make_model("rnn", {}, np.float64))
    with pytest.raises(ValueError, match="activation must be one of"):
        fast.cell_forward("rnn", x, np.zeros((2, 5)), rnn_params, activation="softplus")


def test_an_overflow_in_the_forward_pass_is_reported():
    model = make_model("rnn", {"activation": "identity"}, np.float64)
    model.params["W_hh"][:] = 1e200 * np.eye(5)  # h grows by 1e200 per step
    x, y = np.ones((1, 4, 4)), np.zeros((1, 4), dtype=int)
    with np.errstate(all="ignore"), pytest.raises(ValueError, match="hidden states h contains"):
        fast.loss_and_grads(model, x, y)
