"""Tests of rnncourse.train (the training loop) and rnncourse.viz.training (loss curves)."""

import time

import ipywidgets
import matplotlib.pyplot as plt
import numpy as np
import pytest

from rnncourse import optim, train
from rnncourse.gradcheck import numerical_gradient, rel_error
from rnncourse.viz import training as vt

CELLS = ["rnn", "lstm", "gru"]


@pytest.fixture(autouse=True)
def close_widgets():
    yield
    ipywidgets.Widget.close_all()
    plt.close("all")


def delay_task(N=16, T=12, V=4, delay=2, seed=0):
    """One-hot symbols in; the target at step t is the symbol of step t - delay (0 before)."""
    rng = np.random.default_rng(seed)
    symbols = rng.integers(0, V, size=(N, T))
    x = np.eye(V)[symbols]  # (N, T, V)
    y = np.zeros((N, T), dtype=int)
    y[:, delay:] = symbols[:, :-delay]
    return x, y


class NoUpdate:
    """An optimiser that leaves the params alone (to look at the losses of a fixed model)."""

    lr = 1.0

    def step(self, params, grads):
        pass


def test_init_model_and_zero_state():
    rng = np.random.default_rng(0)
    for cell, keys in [
        ("rnn", {"W_xh", "W_hh", "b_h"}),
        ("lstm", {"W_x", "W_h", "b"}),
        ("gru", {"W_x", "W_h", "b_x", "b_h"}),
    ]:
        model = train.init_model(cell, 3, 5, 4, rng)
        assert set(model.params) == keys | {"W_hy", "b_y"}
        assert model.params["W_hy"].shape == (5, 4) and model.params["b_y"].shape == (4,)
        state = train.zero_state(model, 2)
        if cell == "lstm":
            assert [s.shape for s in state] == [(2, 5), (2, 5)]
        else:
            assert state.shape == (2, 5)
    irnn = train.init_model(
        "rnn", 2, 3, 2, rng, activation="relu", init_options={"w_hh": "identity"}
    )
    np.testing.assert_array_equal(irnn.params["W_hh"], np.eye(3))
    assert irnn.options == {"activation": "relu"}
    lstm0 = train.init_model("lstm", 2, 3, 2, rng, init_options={"forget_bias": 0.0})
    assert np.all(lstm0.params["b"] == 0)
    with pytest.raises(ValueError, match="cell must be one of"):
        train.init_model("transformer", 2, 3, 2, rng)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
def test_loss_and_grads_gradient_check(cell, loss):
    rng = np.random.default_rng(1)
    model = train.init_model(cell, 3, 4, 2, rng)
    for p in model.params.values():  # move away from the zero biases of the start
        p += 0.1 * rng.standard_normal(p.shape)
    x = rng.standard_normal((2, 3, 3))
    y = rng.integers(0, 2, (2, 3)) if loss == "cross_entropy" else rng.standard_normal((2, 3, 2))
    state0 = train.zero_state(model, 2)
    value, grads, _ = train.loss_and_grads(model, x, y, state0, loss)
    assert set(grads) == set(model.params)
    for key, p in model.params.items():
        numeric = numerical_gradient(
            lambda _: train.loss_and_grads(model, x, y, state0, loss)[0], p
        )
        assert rel_error(grads[key], numeric) < 1e-7, (cell, key)


@pytest.mark.parametrize("cell", CELLS)
def test_training_lowers_the_loss(cell):
    x, y = delay_task()
    model = train.init_model(cell, 4, 16, 4, np.random.default_rng(2))
    history = train.train(model, x, y, optim.Adam(0.02), epochs=60)
    assert len(history.loss) == 60 == len(history.grad_norm)
    assert history.loss[-1] < 0.5 * history.loss[0], history.loss[::10]


def test_number_of_steps_with_minibatches_and_chunks():
    x, y = delay_task(N=10, T=12)
    calls = []
    model = train.init_model("rnn", 4, 5, 4, np.random.default_rng(0))
    history = train.train(
        model, x, y, optim.SGD(0.1), epochs=2, batch_size=4, seq_len=5, callback=calls.append
    )
    # ceil(10 / 4) = 3 row batches, ceil(12 / 5) = 3 chunks, 2 epochs
    assert len(history.loss) == 18 == len(calls)
    assert [c.step for c in calls] == list(range(1, 19))
    assert [c.epoch for c in calls] == [1] * 9 + [2] * 9
    assert calls[4].loss == history.loss[4] and calls[4].grad_norm == history.grad_norm[4]


def per_step_losses(model, x, y, state0=None):
    """Cross-entropy of every (sequence, step) of a forward pass, (N, T)."""
    scores, _, _ = train.forward(model, x, state0)
    logp = scores - np.log(np.exp(scores).sum(axis=-1, keepdims=True))
    return -np.take_along_axis(logp, y[..., None], axis=-1)[..., 0]


@pytest.mark.parametrize("cell", CELLS)
def test_stateful_carries_the_state_and_reset_does_not(cell):
    x, y = delay_task(N=3, T=12)
    model = train.init_model(cell, 4, 6, 4, np.random.default_rng(3))
    chunks = [slice(0, 5), slice(5, 10), slice(10, 12)]
    # stateful: the chunk losses are those of one forward pass over the whole sequence
    stateful = train.train(model, x, y, NoUpdate(), seq_len=5, stateful=True)
    full = per_step_losses(model, x, y)
    np.testing.assert_allclose(stateful.loss, [full[:, c].mean() for c in chunks], rtol=1e-12)
    # reset: each chunk starts from zeros
    reset = train.train(model, x, y, NoUpdate(), seq_len=5, stateful=False)
    want = [per_step_losses(model, x[:, c], y[:, c]).mean() for c in chunks]
    np.testing.assert_allclose(reset.loss, want, rtol=1e-12)
    assert reset.loss[0] == stateful.loss[0] and reset.loss[1] != stateful.loss[1]


def test_no_gradient_crosses_a_chunk_boundary():
    # stateful chunks: the gradient of the second chunk is that of a forward pass over the
    # chunk from the carried state taken as a constant
    x, y = delay_task(N=2, T=6)
    model = train.init_model("rnn", 4, 5, 4, np.random.default_rng(4))
    seen = []

    class Spy(NoUpdate):
        def step(self, params, grads):
            seen.append({k: g.copy() for k, g in grads.items()})

    train.train(model, x, y, Spy(), seq_len=3, stateful=True)
    _, state, _ = train.forward(model, x[:, :3])
    _, grads, _ = train.loss_and_grads(model, x[:, 3:], y[:, 3:], state)
    for key in grads:
        np.testing.assert_allclose(seen[1][key], grads[key], rtol=1e-12)


def test_clipping_bounds_the_update_and_history_keeps_the_raw_norm():
    x, y = delay_task()
    model = train.init_model("rnn", 4, 8, 4, np.random.default_rng(5))
    before = {k: p.copy() for k, p in model.params.items()}
    history = train.train(model, x, y, optim.SGD(1.0), max_norm=1e-3)
    change = np.sqrt(sum(np.sum((model.params[k] - before[k]) ** 2) for k in before))
    assert change == pytest.approx(1e-3, rel=1e-9)  # SGD with lr 1 moves by the clipped norm
    assert history.grad_norm[0] > 1e-2  # the norm before clipping


def test_shuffling_is_deterministic_with_a_seed():
    x, y = delay_task(N=8)
    runs = []
    for _ in range(2):
        model = train.init_model("gru", 4, 6, 4, np.random.default_rng(6))
        h = train.train(
            model, x, y, optim.Adam(0.01), epochs=3, batch_size=3, rng=np.random.default_rng(7)
        )
        runs.append(h.loss)
    assert runs[0] == runs[1]
    model = train.init_model("gru", 4, 6, 4, np.random.default_rng(6))
    in_order = train.train(model, x, y, optim.Adam(0.01), epochs=3, batch_size=3).loss
    assert in_order != runs[0]


def test_float32_training_stays_float32():
    x, y = delay_task()
    model = train.init_model("lstm", 4, 6, 4, np.random.default_rng(8), dtype=np.float32)
    history = train.train(model, x.astype(np.float32), y, optim.Adam(0.01), epochs=5)
    assert all(p.dtype == np.float32 for p in model.params.values())
    assert history.loss[-1] < history.loss[0]


def test_divergence_stops_with_a_clear_message():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 20, 1))
    y = np.cumsum(x, axis=1)  # running sum: a regression target
    model = train.init_model("rnn", 1, 8, 1, np.random.default_rng(1))
    with pytest.raises(train.TrainingDiverged) as info:
        train.train(model, x, y, optim.SGD(10.0), epochs=200, loss="mse")
    err = info.value
    message = str(err)
    assert f"step {err.step}" in message and err.name == "loss"
    assert "learning rate (now 10)" in message and "max_norm" in message
    assert len(err.history.loss) == err.step - 1
    assert np.isfinite(err.history.loss).all()
    assert isinstance(err, FloatingPointError)


def test_overflow_in_the_forward_pass_is_reported():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 20, 1))
    y = np.cumsum(x, axis=1)
    model = train.init_model(
        "rnn",
        1,
        8,
        1,
        np.random.default_rng(1),
        activation="relu",
        init_options={"w_hh": "identity"},
    )
    with pytest.raises(train.TrainingDiverged, match="forward pass overflowed") as info:
        train.train(model, x, y, optim.SGD(1.0), epochs=20, loss="mse")
    assert info.value.name == "forward pass" and info.value.step >= 2


def test_a_nan_gradient_names_its_parameter(monkeypatch):
    x, y = delay_task()
    model = train.init_model("rnn", 4, 5, 4, np.random.default_rng(9))
    real = train.loss_and_grads

    def broken(*args, **kwargs):
        value, grads, state = real(*args, **kwargs)
        grads["W_hh"][0, 0] = np.nan
        return value, grads, state

    monkeypatch.setattr(train, "loss_and_grads", broken)
    with pytest.raises(train.TrainingDiverged, match="gradient of 'W_hh'") as info:
        train.train(model, x, y, optim.SGD(0.1), max_norm=5.0)
    assert info.value.step == 1 and info.value.name == "W_hh"
    assert "none yet" in str(info.value) and "now 5: try a smaller one" in str(info.value)


def test_a_parameter_made_infinite_by_the_update_is_named():
    x, y = delay_task()
    model = train.init_model("rnn", 4, 5, 4, np.random.default_rng(9))

    class Blowup(NoUpdate):
        def step(self, params, grads):
            params["b_y"][0] = np.inf

    with pytest.raises(train.TrainingDiverged, match="'b_y' contains NaN or infinity after"):
        train.train(model, x, y, Blowup())


def test_progress_bar_runs_and_closes(capsys):
    x, y = delay_task(N=4, T=6)
    model = train.init_model("rnn", 4, 5, 4, np.random.default_rng(0))
    train.train(model, x, y, optim.SGD(0.1), epochs=3, progress=True)
    err = capsys.readouterr().err
    assert "training" in err and "3/3" in err
    train.train(model, x, y, optim.SGD(0.1), epochs=3)  # off by default: nothing printed
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"epochs": 0}, ValueError, "epochs"),
        ({"batch_size": 1.5}, TypeError, "batch_size"),
        ({"seq_len": 0}, ValueError, "seq_len"),
        ({"max_norm": -1.0}, ValueError, "max_norm"),
        ({"loss": "hinge"}, ValueError, "loss must be one of"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    x, y = delay_task(N=2, T=4)
    model = train.init_model("rnn", 4, 3, 4, np.random.default_rng(0))
    with pytest.raises(error, match=match):
        train.train(model, x, y, optim.SGD(0.1), **kwargs)


def test_bad_data():
    x, y = delay_task(N=2, T=4)
    model = train.init_model("rnn", 4, 3, 4, np.random.default_rng(0))
    with pytest.raises(ValueError, match="y has shape"):
        train.train(model, x, y[:, :3], optim.SGD(0.1))
    bad = x.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="x contains NaN"):
        train.train(model, bad, y, optim.SGD(0.1))
    with pytest.raises(TypeError, match="integer class labels"):
        train.train(model, x, y.astype(float), optim.SGD(0.1))


# ---------------------------------------------------------------- the one loop's options


def _long_range_batches():
    from rnncourse import long_range as L

    for task in [L.adding_task(5), L.copy_task(2, 1, vocab=3), L.reber_task(max_length=11)]:
        for cell in CELLS:
            model = train.init_model(cell, task.D, 4, task.K, np.random.default_rng(3))
            yield task, cell, model, task.sample(3, np.random.default_rng(4)), L.LOSSES[task.loss]


def test_a_loss_function_takes_the_step_by_step_path_bit_for_bit():
    # chapter 8's stored sweep was made this way: train_on_task passes its loss as a function
    for task, cell, model, batch, loss_fn in _long_range_batches():
        options = (loss_fn, task.readout, batch.mask)
        value, grads, _ = train.step_by_step_loss_and_grads(model, batch.x, batch.y, None, *options)
        ours, our_grads, _ = train.loss_and_grads(model, batch.x, batch.y, None, *options)
        assert ours == value, (task.name, cell)
        assert all(np.array_equal(our_grads[k], grads[k]) for k in grads), (task.name, cell)


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_the_fast_cells_equal_the_step_by_step_path_for_every_readout_and_mask(dtype, tol):
    for task, cell, model, batch, loss_fn in _long_range_batches():
        model.params = {k: v.astype(dtype) for k, v in model.params.items()}
        x = batch.x.astype(dtype)
        y = batch.y.astype(dtype) if batch.y.dtype.kind == "f" else batch.y
        options = (task.readout, batch.mask)
        value, grads, final = train.step_by_step_loss_and_grads(
            model, x, y, None, loss_fn, *options
        )
        ours, our_grads, our_final = train.fast_cells_loss_and_grads(
            model, x, y, None, loss_fn, *options
        )
        assert abs(ours - value) <= tol * max(1.0, abs(value)), (task.name, cell)
        assert set(our_grads) == set(grads)
        for k in grads:
            assert our_grads[k].dtype == dtype
            assert rel_error(our_grads[k], grads[k]) < tol, (task.name, cell, k)
        for a, b in zip(np.atleast_1d(final), np.atleast_1d(our_final), strict=True):
            assert rel_error(a, b) < tol
    # a loss named in train.LOSSES takes the fast cells on its own
    task, cell, model, batch, _ = next(_long_range_batches())
    named, _, _ = train.loss_and_grads(model, batch.x, batch.y, None, "mse", "last")
    assert named == train.fast_cells_loss_and_grads(model, batch.x, batch.y, None, "mse", "last")[0]


# ---------------------------------------------------------------- embeddings


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("path", ["fast", "step_by_step"])
def test_an_embedding_gets_its_gradient_from_the_cells_dx(cell, path):
    rng = np.random.default_rng(8)
    model = train.init_model(cell, 3, 4, 5, rng, V=6)  # E (6, 3): ids in [0, 6)
    assert model.params["E"].shape == (6, 3)
    for p in model.params.values():  # away from the zero biases of the start
        p += 0.1 * rng.standard_normal(p.shape)
    ids = np.array([[0, 2, 2, 5], [1, 0, 3, 3]])  # (N, T); id 4 never occurs
    y = rng.integers(0, 5, (2, 4))
    fn = train.loss_and_grads if path == "fast" else train.step_by_step_loss_and_grads
    value, grads, _ = fn(model, ids, y, None, "cross_entropy")
    assert set(grads) == set(model.params)
    assert np.all(grads["E"][4] == 0)  # a row nobody read gets nothing
    for key, p in model.params.items():
        numeric = numerical_gradient(lambda _: fn(model, ids, y, None, "cross_entropy")[0], p)
        assert rel_error(grads[key], numeric) < 1e-7, (cell, key)
    # the same as a model that reads the rows E[ids] as its data
    plain = train.Model(cell, {k: v for k, v in model.params.items() if k != "E"})
    same, plain_grads, _ = train.step_by_step_loss_and_grads(
        plain, model.params["E"][ids], y, None, "cross_entropy"
    )
    assert abs(same - value) < 1e-12
    assert rel_error(plain_grads["W_hy"], grads["W_hy"]) < 1e-12


def test_an_embedding_model_trains_on_ids_through_train():
    x, y = delay_task(N=16, T=12, V=4)
    ids = x.argmax(axis=-1)  # (N, T) the symbols themselves
    model = train.init_model("gru", 3, 16, 4, np.random.default_rng(2), V=4)
    before = model.params["E"].copy()
    history = train.train(
        model, ids, y, optim.Adam(0.02), epochs=3, batch_size=8, seq_len=6, stateful=True
    )
    assert len(history.loss) == 3 * 2 * 2
    assert not np.array_equal(model.params["E"], before)  # the embedding was trained
    assert history.loss[-1] < history.loss[0]


def test_ids_and_vectors_go_to_the_right_kind_of_model():
    x, y = delay_task(N=4, T=5, V=4)
    onehot = train.init_model("rnn", 4, 3, 4, np.random.default_rng(0))
    embedded = train.init_model("rnn", 2, 3, 4, np.random.default_rng(0), V=4)
    ids = x.argmax(axis=-1)
    with pytest.raises(TypeError, match="has no embedding"):
        train.train(onehot, ids, y, optim.SGD(0.1))
    with pytest.raises(TypeError, match="reads integer ids"):
        train.train(embedded, x, y, optim.SGD(0.1))
    with pytest.raises(ValueError, match=r"ids in \[0, V\) = \[0, 4\)"):
        train.loss_and_grads(embedded, ids + 1, y)
    with pytest.raises(ValueError, match="V must be"):
        train.init_model("rnn", 2, 3, 4, np.random.default_rng(0), V=0)
    # the cell and the output layer start as without the embedding (E is drawn last)
    for key, value in train.init_model("rnn", 2, 3, 4, np.random.default_rng(0)).params.items():
        assert np.array_equal(embedded.params[key], value)


@pytest.mark.parametrize("cell", CELLS)
def test_readout_last_and_mask_gradient_check(cell):
    rng = np.random.default_rng(5)
    model = train.init_model(cell, 3, 4, 2, rng)
    x = rng.standard_normal((2, 4, 3))
    y_last = rng.standard_normal((2, 2))  # (N, K): one target after the last step
    labels = rng.integers(0, 2, (2, 4))  # (N, T)
    mask = np.array([[1, 1, 0, 0], [0, 1, 1, 1]])
    for y, options in [(y_last, ("mse", "last", None)), (labels, ("cross_entropy", "every", mask))]:
        value, grads, _ = train.loss_and_grads(model, x, y, None, *options)

        def loss_only(_, y=y, options=options):
            return train.loss_and_grads(model, x, y, None, *options)[0]

        for key, p in model.params.items():
            assert rel_error(grads[key], numerical_gradient(loss_only, p)) < 1e-7, (cell, key)
    masked, _, _ = train.loss_and_grads(model, x, labels, None, "cross_entropy", "every", mask)
    everything, _, _ = train.loss_and_grads(model, x, labels, None, "cross_entropy")
    assert masked != everything  # the mask leaves steps out


def test_readout_last_trains_on_fixed_data_in_minibatches():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((12, 5, 2))
    y = x[:, 0, :1] + x[:, -1, 1:]  # (N, 1): needs the first and the last step
    model = train.init_model("gru", 2, 8, 1, np.random.default_rng(7))
    history = train.train(model, x, y, optim.Adam(0.02), epochs=40, batch_size=4, loss="mse",
                          readout="last", rng=np.random.default_rng(8))  # fmt: skip
    assert len(history.loss) == 40 * 3
    assert np.mean(history.loss[-3:]) < 0.3 * np.mean(history.loss[:3])


def test_a_batch_source_makes_a_new_batch_every_step():
    calls, steps = [], []

    def sample(N, rng):
        calls.append(N)
        x = rng.standard_normal((N, 3, 2))
        return x, x[:, :, :1], None  # (N, T, 1) targets

    model = train.init_model("rnn", 2, 4, 1, np.random.default_rng(0))
    rng = np.random.default_rng(1)
    history = train.train(model, sample, None, optim.SGD(0.1), steps=7, batch_size=5, loss="mse",
                          rng=rng, callback=steps.append)  # fmt: skip
    assert calls == [5] * 7 and len(history.loss) == 7
    assert [s.step for s in steps] == list(range(1, 8)) and {s.epoch for s in steps} == {1}


def test_a_model_with_its_own_pass():
    class Quadratic:
        """loss = mean((x w - y)^2) for one weight vector w (D, 1): no cell, no state."""

        def __init__(self):
            self.params = {"w": np.zeros((2, 1))}
            self.states = []

        def loss_and_grads(self, x, y, state, mask):
            self.states.append(state)
            error = x[:, -1] @ self.params["w"] - y  # (N, 1)
            return float(np.mean(error**2)), {"w": 2 * x[:, -1].T @ error / error.size}, "s"

    rng = np.random.default_rng(2)
    x = rng.standard_normal((8, 3, 2))
    y = x[:, -1] @ np.array([[1.0], [-2.0]])
    model = Quadratic()
    history = train.train(model, x, y, optim.SGD(0.2), epochs=50, batch_size=4, loss="mse",
                          readout="last")  # fmt: skip
    assert np.allclose(model.params["w"], [[1.0], [-2.0]], atol=1e-3)
    assert history.loss[-1] < 1e-6
    assert model.states[:3] == [None, None, None]  # every minibatch starts afresh


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"readout": "first"}, "readout must be 'every' or 'last'"),
        ({"mask": np.ones((2, 3))}, r"mask has shape \(2, 3\)"),
        ({"readout": "last", "seq_len": 2}, "seq_len must be T=4"),
    ],
)
def test_bad_readout_and_mask(kwargs, match):
    x, y = delay_task(N=2, T=4)
    model = train.init_model("rnn", 4, 3, 4, np.random.default_rng(0))
    labels = y[:, -1] if kwargs.get("readout") == "last" else y  # (N,) or (N, T)
    with pytest.raises(ValueError, match=match):
        train.train(model, x, labels, optim.SGD(0.1), **kwargs)
    with pytest.raises(ValueError, match="with readout='last', y must start with N"):
        train.train(model, x, y[:1, -1], optim.SGD(0.1), readout="last")


def test_bad_batch_source():
    model = train.init_model("rnn", 2, 3, 1, np.random.default_rng(0))

    def sample(N, rng):
        return rng.standard_normal((N, 3, 2)), np.zeros((N, 3, 1)), None

    with pytest.raises(ValueError, match="y and mask must be None"):
        train.train(model, sample, np.zeros(3), optim.SGD(0.1), steps=2, batch_size=2)
    with pytest.raises(ValueError, match="give steps"):
        train.train(model, sample, None, optim.SGD(0.1), batch_size=2)
    with pytest.raises(TypeError, match="steps"):
        train.train(model, sample, None, optim.SGD(0.1), steps=1.5, batch_size=2)


# ---------------------------------------------------------------- viz.training


def test_curve_data_running_mean():
    data = vt.curve_data([4.0, 2.0, 3.0, 1.0], window=2)
    np.testing.assert_array_equal(data["step"], [1, 2, 3, 4])
    np.testing.assert_array_equal(data["loss"], [4, 2, 3, 1])
    np.testing.assert_allclose(data["mean"], [4.0, 3.0, 2.5, 2.0])
    np.testing.assert_array_equal(vt.curve_data([1.0, 5.0], window=1)["mean"], [1.0, 5.0])
    assert vt.curve_data([], window=3)["step"].shape == (0,)
    with pytest.raises(ValueError, match="window"):
        vt.curve_data([1.0], window=0)


def test_live_curve_fills_while_training():
    x, y = delay_task()
    model = train.init_model("rnn", 4, 8, 4, np.random.default_rng(0))
    curve = vt.LiveLossCurve(total_steps=25, every=10, window=5)
    assert len(curve.fig.data[0].x) == 0
    history = train.train(model, x, y, optim.Adam(0.02), epochs=25, callback=curve)
    assert len(curve.fig.data[0].x) == 20  # drawn after steps 10 and 20
    curve.flush()
    np.testing.assert_allclose(curve.fig.data[0].y, history.loss)
    np.testing.assert_allclose(curve.fig.data[1].y, vt.curve_data(history.loss, 5)["mean"])
    assert tuple(curve.fig.layout.xaxis.range) == (0, 25)
    curve.clear()
    assert len(curve.fig.data[0].x) == 0


def test_live_curve_update_is_fast():
    curve = vt.LiveLossCurve(every=1)
    for step in range(1, 200):
        curve(train.Step(step, 1, 1.0 / step, 1.0))
    start = time.perf_counter()
    curve(train.Step(200, 1, 0.005, 1.0))
    elapsed = (time.perf_counter() - start) * 1e3
    print(f"one redraw of a 200-point live curve: {elapsed:.1f} ms")
    assert len(curve.fig.data[1].y) == 200


def test_plot_curves_draws_every_run():
    ax = vt.plot_curves({"a": [3.0, 2.0, 1.0], "b": [1.0, 1.0, 1.0]}, window=2, log=True, title="t")
    assert [line.get_label() for line in ax.get_lines()] == ["a", "b"]
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), [3.0, 2.5, 1.5])
    assert ax.get_yscale() == "log" and ax.get_title() == "t"
