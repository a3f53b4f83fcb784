"""Tests of rnncourse.long_range (models trained on long-range tasks), the stored sweep and
scripts/long_range_sweep.py (its --tiny configuration is re-run here)."""

import importlib.util
import subprocess
import sys
import time
from pathlib import Path

import ipywidgets
import matplotlib.pyplot as plt
import numpy as np
import pytest

from rnncourse import deep, optim, train
from rnncourse import long_range as L
from rnncourse.data import long_range as data
from rnncourse.gradcheck import numerical_gradient, rel_error
from rnncourse.viz import long_range as vl

ROOT = Path(__file__).resolve().parents[1]
CELLS = ["rnn", "lstm", "gru"]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    ipywidgets.Widget.close_all()
    plt.close("all")


def small_tasks():
    return {
        "adding": L.adding_task(5),
        "copy": L.copy_task(2, 1, vocab=3),
        "reber": L.reber_task(max_length=11),
    }


# ---------------------------------------------------------------- losses and gradients


def test_sigmoid_cross_entropy_value_and_gradient():
    rng = np.random.default_rng(0)
    scores = rng.standard_normal((3, 4, 5))
    y = (rng.random((3, 4, 5)) < 0.4).astype(float)
    mask = np.array([[1, 1, 1, 0], [1, 1, 0, 0], [1, 1, 1, 1]])
    loss, dscores = L.sigmoid_cross_entropy(scores, y, mask)
    p = 1 / (1 + np.exp(-scores))
    by_hand = -(y * np.log(p) + (1 - y) * np.log(1 - p)).sum(axis=-1)  # (N, T)
    assert loss == pytest.approx((by_hand * mask).sum() / mask.sum(), rel=1e-12)
    num = numerical_gradient(lambda s: L.sigmoid_cross_entropy(s, y, mask)[0], scores.copy())
    assert rel_error(dscores, num) < 1e-7
    assert np.all(dscores[mask == 0] == 0)
    big, _ = L.sigmoid_cross_entropy(np.array([[800.0, -800.0]]), np.array([[0.0, 1.0]]))
    assert big == pytest.approx(1600.0)  # no overflow for huge scores
    with pytest.raises(ValueError, match="must match scores"):
        L.sigmoid_cross_entropy(scores, y[:, :2])


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("which", ["adding", "copy", "reber"])
@pytest.mark.parametrize("fast", [False, True])
def test_a_tasks_loss_and_grads_match_numerical_gradients(cell, which, fast):
    task = small_tasks()[which]
    rng = np.random.default_rng(1)
    model = train.init_model(cell, task.D, 3, task.K, rng)
    for p in model.params.values():
        p += 0.1 * rng.standard_normal(p.shape)  # no special values (zero biases)
    batch = task.sample(3, rng)
    # what train_on_task's steps compute: the task's loss as a function (step by step), or
    # by name (the fast cells; the Reber task's sigmoid loss has no name in train.LOSSES)
    loss = task.loss if fast and task.loss in train.LOSSES else L.LOSSES[task.loss]

    def f(_):
        return train.loss_and_grads(model, batch.x, batch.y, None, loss, task.readout, batch.mask)

    _, grads, _ = train.loss_and_grads(
        model, batch.x, batch.y, None, loss, task.readout, batch.mask
    )
    for key, p in model.params.items():
        num = numerical_gradient(lambda _: f(_)[0], p)
        assert rel_error(grads[key], num) < 1e-7, (cell, which, key)


def test_last_readout_ignores_every_earlier_output():
    task = L.adding_task(6)
    rng = np.random.default_rng(2)
    model = train.init_model("rnn", 2, 4, 1, rng)
    batch = task.sample(5, rng)
    value, grads, _ = train.loss_and_grads(model, batch.x, batch.y, None, L.LOSSES["mse"], "last")
    scores, _, _ = train.forward(model, batch.x)
    seen = L.predict(model, batch.x)
    assert np.array_equal(seen, scores[:, -1]) and seen.shape == (5, 1)
    assert value == pytest.approx(np.mean((scores[:, -1] - batch.y) ** 2))
    # the output layer's gradient comes from the last step's h alone
    h, _, _ = deep.cell_forward("rnn", batch.x, np.zeros((5, 4)), model.params)
    dlast = 2 * (scores[:, -1] - batch.y) / 5  # (N, K): d MSE / d y_pred
    assert np.allclose(grads["W_hy"], h[:, -1].T @ dlast, rtol=1e-12, atol=1e-15)
    assert np.allclose(grads["b_y"], dlast.sum(axis=0), rtol=1e-12, atol=1e-15)


def test_predict_shapes():
    rng = np.random.default_rng(3)
    model = train.init_model("gru", 2, 4, 3, rng)
    x = rng.standard_normal((5, 7, 2))
    assert L.predict(model, x).shape == (5, 3)
    assert L.predict(model, x, "every").shape == (5, 7, 3)


# ---------------------------------------------------------------- metrics


def test_adding_metrics():
    batch = L.Batch(np.zeros((4, 3, 2)), np.array([[1.0], [0.5], [1.2], [0.1]]), None)
    pred = np.array([[1.03], [0.45], [1.3], [0.1]])
    m = L.adding_metrics(pred, batch)
    assert m["accuracy"] == pytest.approx(0.5)  # errors 0.03, 0.05, 0.1, 0
    assert m["mse"] == pytest.approx((0.03**2 + 0.05**2 + 0.1**2) / 4)


def test_copy_metrics():
    batch = data.copy_task(2, 2, 1, np.random.default_rng(0), vocab=3)
    scores = np.eye(4)[batch.y]  # (N, T, V + 1): perfect
    m = L.copy_metrics(scores, L.Batch(*batch))
    assert m == {"accuracy": 1.0, "sequence_accuracy": 1.0}
    wrong = scores.copy()
    wrong[0, -1] = np.roll(wrong[0, -1], 1)  # one symbol wrong in sequence 0
    wrong[1, 0] = np.roll(wrong[1, 0], 1)  # a step that does not count
    m = L.copy_metrics(wrong, L.Batch(*batch))
    assert m["accuracy"] == pytest.approx(3 / 4) and m["sequence_accuracy"] == 0.5


def test_reber_metrics():
    batch = data.embedded_reber_batch(6, np.random.default_rng(1))
    b = L.Batch(batch.x, batch.y, batch.mask)
    perfect = np.where(batch.y > 0.5, 5.0, -5.0)
    m = L.reber_metrics(perfect, b)
    assert m == {"step_accuracy": 1.0, "string_accuracy": 1.0, "long_range_accuracy": 1.0}
    forgetful = perfect.copy()
    for n, s in enumerate(batch.strings):  # allow both T and P at the long-range step
        forgetful[n, len(s) - 3, [1, 2]] = 5.0
    m = L.reber_metrics(forgetful, b)
    assert m["long_range_accuracy"] == 0.0 and m["string_accuracy"] == 0.0
    assert 0.7 < m["step_accuracy"] < 1.0


# ---------------------------------------------------------------- training


def test_train_on_task_learns_a_short_adding_problem():
    task = L.adding_task(6)
    rng = np.random.default_rng(0)
    model = L.make_model("lstm", task, 8, rng)
    evals = task.sample(200, np.random.default_rng(9))
    seen = []
    history = L.train_on_task(
        model, task, optim.Adam(1e-2), 150, rng, batch_size=16, eval_batch=evals,
        eval_every=50, callback=lambda step, loss: seen.append(step),
    )  # fmt: skip
    assert history.diverged is None
    assert len(history.loss) == len(history.grad_norm) == 150 and seen == list(range(1, 151))
    assert history.eval_steps == [0, 50, 100, 150]
    assert set(history.evals) == {"loss", "mse", "accuracy"}
    assert history.evals["mse"][-1] < 0.5 * data.ADDING_BASELINE_MSE < history.evals["mse"][0]
    assert history.evals["loss"] == history.evals["mse"]


def test_train_on_task_is_deterministic_and_clips():
    task = L.copy_task(2, 2, vocab=3)

    def run():
        rng = np.random.default_rng(4)
        model = L.make_model("gru", task, 6, rng)
        history = L.train_on_task(model, task, optim.SGD(0.5), 20, rng, max_norm=0.01)
        return model, history

    (m1, h1), (m2, h2) = run(), run()
    assert h1.loss == h2.loss
    assert all(np.array_equal(m1.params[k], m2.params[k]) for k in m1.params)
    # with max_norm 0.01 and lr 0.5 each step moves the params by at most 0.005
    m0 = L.make_model("gru", task, 6, np.random.default_rng(4))
    moved = np.sqrt(sum(np.sum((m1.params[k] - m0.params[k]) ** 2) for k in m0.params))
    assert moved <= 20 * 0.5 * 0.01 + 1e-12
    assert max(h1.grad_norm) > 0.01  # so clipping did happen


def test_train_on_task_stops_when_training_diverges():
    task = L.adding_task(8)
    rng = np.random.default_rng(0)
    model = L.make_model("irnn", task, 8, rng)
    model.params["W_hh"] *= 40.0  # relu with a huge W_hh: the states overflow
    history = L.train_on_task(model, task, optim.SGD(1.0), 30, rng, max_norm=None)
    assert history.diverged is not None and history.diverged <= 30
    assert len(history.loss) == history.diverged - 1


def test_train_on_task_stops_when_an_update_makes_a_parameter_infinite():
    """The step of train.train's check after the update (train_on_task had none before it
    shared that loop: the run went on and failed one step later)."""
    task = L.adding_task(5)
    model = L.make_model("gru", task, 4, np.random.default_rng(0))

    class BlowUpAtStep3(optim.SGD):
        def step(self, params, grads):
            super().step(params, grads)
            self.t = getattr(self, "t", 0) + 1
            if self.t == 3:
                params["b_y"][0] = np.inf

    history = L.train_on_task(model, task, BlowUpAtStep3(0.1), 10, np.random.default_rng(1))
    assert history.diverged == 3 and len(history.loss) == 2


def test_make_model_variants():
    task = L.adding_task(4)
    rng = np.random.default_rng(0)
    irnn = L.make_model("irnn", task, 5, rng)
    assert irnn.cell == "rnn" and irnn.options == {"activation": "relu"}
    assert np.array_equal(irnn.params["W_hh"], np.eye(5))
    lstm = L.make_model("lstm", task, 5, rng)
    assert np.all(lstm.params["b"][5:10] == 1.0)  # forget bias 1
    with pytest.raises(ValueError, match="unknown model"):
        L.make_model("transformer", task, 5, rng)


def test_input_gradient_norms_match_numerical_gradients():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 6, 2))
    for cell in CELLS:
        model = train.init_model(cell, 2, 4, 2, rng)
        got = L.input_gradient_norms(model, x)

        def f(x_, model=model):
            return L.predict(model, x_).sum()

        dx = numerical_gradient(f, x.copy())  # (N, T, D)
        want = np.sqrt(np.mean(np.sum(dx**2, axis=2), axis=0))
        assert got.shape == (6,)
        assert rel_error(got, want) < 1e-7, cell
    irnn = L.make_model("irnn", L.adding_task(4), 3, rng)
    irnn.params["W_xh"] = np.abs(irnn.params["W_xh"])  # positive inputs keep relu active
    g = L.input_gradient_norms(irnn, np.abs(x))
    assert np.allclose(g, g[-1], rtol=1e-12)  # identity Jacobians: the same at every step


# ---------------------------------------------------------------- the sweep script


def _load_script():
    spec = importlib.util.spec_from_file_location("long_range_sweep", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SCRIPT = ROOT / "scripts" / "long_range_sweep.py"
sweep_script = _load_script()


@pytest.fixture(scope="module")
def tiny_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "tiny.npz"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--tiny", "--out", str(out)],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stdout and "adding T=   4 rnn   seed 0" in done.stdout
    return L.load_sweep(out)


def _check_layout(sweep, config):
    M, R, S = len(config["models"]), len(config["T"]), len(config["seeds"])
    E = config["steps"] // config["eval_every"] + 1
    assert sweep["config"] == config
    assert sweep["models"].tolist() == config["models"] and sweep["T"].tolist() == config["T"]
    assert sweep["seeds"].tolist() == config["seeds"]
    assert np.array_equal(sweep["eval_steps"], np.arange(E) * config["eval_every"])
    for key in ("adding_mse", "adding_accuracy"):
        assert sweep[key].shape == (M, R, S, E), key
    assert sweep["adding_train_loss"].shape == (M, R, S, config["steps"] // config["loss_window"])
    assert sweep["adding_diverged"].shape == (M, R, S)
    Mr, Er = len(config["reber_models"]), config["reber_steps"] // config["eval_every"] + 1
    for key in ("reber_string_accuracy", "reber_long_range_accuracy"):
        assert sweep[key].shape == (Mr, S, Er), key
    assert np.all((sweep["adding_accuracy"] >= 0) & (sweep["adding_accuracy"] <= 1))


def test_tiny_sweep_runs_and_is_deterministic(tiny_sweep):
    config = sweep_script.CONFIGS["tiny"]
    _check_layout(tiny_sweep, config)
    assert tiny_sweep["command"] == "python scripts/long_range_sweep.py --tiny"
    assert np.all(tiny_sweep["adding_diverged"] == -1)
    assert np.isfinite(tiny_sweep["adding_mse"]).all()
    assert np.isfinite(tiny_sweep["reber_string_accuracy"]).all()
    # the same configuration in this process gives the same numbers (seeded runs)
    again = sweep_script.run_sweep(config, log=lambda line: None)
    for key, value in again.items():
        if key != "adding_seconds":
            assert np.array_equal(value, tiny_sweep[key]), key
    # the first evaluation is the fresh model of its documented seed on the test batch of T
    task = L.adding_task(4)
    test = task.sample(config["eval_size"], np.random.default_rng([10_000, 4]))
    model = L.make_model("rnn", task, config["H"], np.random.default_rng([0, 4, 0]))
    assert L.evaluate(model, task, test)["mse"] == pytest.approx(
        tiny_sweep["adding_mse"][0, 0, 0, 0]
    )


def test_stored_sweep_supports_the_chapter():
    assert L.SWEEP_PATH.exists() and L.SWEEP_PATH.stat().st_size < 200_000
    sweep = L.load_sweep()
    config = sweep_script.CONFIGS["full"]
    _check_layout(sweep, config)
    assert sweep["command"] == "python scripts/long_range_sweep.py"
    final = dict(zip(config["models"], L.final_values(sweep["adding_mse"], last=3), strict=True))
    T = np.array(config["T"])
    baseline = data.ADDING_BASELINE_MSE
    # what chapter 8 says: the RNN learns T = 10 and stays near the baseline from T = 30 on
    assert final["rnn"][T == 10][0] < 0.05
    assert np.all(final["rnn"][T >= 30] > 0.8 * baseline)
    # the LSTM and the GRU learn every T up to 100; the IRNN too
    for name in ("lstm", "gru"):
        assert np.all(final[name] < 0.01), name
    assert np.all(final["irnn"] < 0.05)
    strings = L.final_values(sweep["reber_string_accuracy"], last=3)
    assert np.all(strings > 0.9)


# ---------------------------------------------------------------- the figures and the widget


def test_adding_example_and_figure():
    x, y = data.adding_problem(1, 12, np.random.default_rng(0))
    ex = vl.adding_example(x[0], y[0])
    assert ex["marked"].shape == (2,) and ex["marked"][0] < 6 <= ex["marked"][1]
    assert ex["marked_sum"] == pytest.approx(ex["target"])
    assert np.array_equal(ex["values"], x[0, :, 0])
    fig = vl.plot_adding_example(x[0], y[0], prediction=np.array([[0.5]]))
    ax = fig.axes[0]
    assert len(ax.patches) == 12  # one bar per step
    assert "model's answer 0.50" in ax.get_title()
    with pytest.raises(ValueError, match="one sequence"):
        vl.adding_example(x, y)


def test_reber_layout_and_drawing():
    layout = vl.reber_layout()
    edges = layout["edges"]
    assert len(edges) == 12
    assert sorted(symbol for _, _, symbol in edges) == sorted("BTPSXTVXSPVE")
    assert {a for a, _, _ in edges} | {b for _, b, _ in edges} <= set(layout["positions"])
    assert ((2, 2, "S") in edges) and ((3, 3, "T") in edges) and ((6, "end", "E") in edges)
    fig = vl.draw_reber_grammar()
    labels = [t.get_text() for t in fig.axes[1].texts]
    assert sorted(s for s in labels if s and s in data.REBER_SYMBOLS) == sorted("BTPSXTVXSPVE")


def test_sweep_view_and_static_plots(tiny_sweep):
    view = vl.sweep_view(tiny_sweep, 6, "mse")
    assert view["models"] == ["rnn", "lstm"]
    assert np.array_equal(view["runs"]["lstm"], tiny_sweep["adding_mse"][1, 1])
    assert np.allclose(view["mean"]["rnn"], tiny_sweep["adding_mse"][0, 1].mean(axis=0))
    assert view["final"]["rnn"].shape == (2,) and view["baseline"] == pytest.approx(1 / 6)
    assert vl.sweep_view(tiny_sweep, 4, "accuracy")["baseline"] is None
    with pytest.raises(ValueError, match="T must be one of"):
        vl.sweep_view(tiny_sweep, 5)
    with pytest.raises(ValueError, match="metric must be one of"):
        vl.sweep_view(tiny_sweep, 4, "loss")
    fig = vl.plot_sweep(tiny_sweep, T=6)
    assert len(fig.axes) == 2 and fig.axes[1].get_xlabel() == "sequence length T"
    fig = vl.plot_reber_sweep(tiny_sweep)
    assert len(fig.axes[0].lines) == 2 + 1  # two models, one seed, and the line at 0.5


def test_plot_histories():
    task = L.adding_task(4)
    rng = np.random.default_rng(0)
    test = task.sample(20, rng)
    runs = {
        name: L.train_on_task(L.make_model(name, task, 3, rng), task, optim.Adam(0.01), 4, rng,
                              eval_batch=test, eval_every=2)
        for name in ("rnn", "gru")
    }  # fmt: skip
    fig = vl.plot_histories(runs, title="t")
    lines = fig.axes[0].lines
    assert np.array_equal(lines[0].get_xdata(), [0, 2, 4])
    assert np.array_equal(lines[1].get_ydata(), runs["gru"].evals["mse"])


def test_sweep_explorer_reacts_to_its_controls(tiny_sweep):
    explorer = vl.build_sweep_explorer(tiny_sweep, T=4)
    fig = explorer.fig
    assert np.allclose(fig.data[0].y, tiny_sweep["adding_mse"][0, 0].mean(axis=0))
    start = time.perf_counter()
    explorer.T_buttons.value = 6
    took = time.perf_counter() - start
    print(f"sweep explorer callback: {1000 * took:.1f} ms")
    assert explorer.state["T"] == 6
    assert np.allclose(fig.data[1].y, tiny_sweep["adding_mse"][1, 1].mean(axis=0))
    assert fig.layout.annotations[0].text == "learning curves at T = 6"
    assert list(fig.data[-1].x) == [6, 6]
    assert fig.layout.yaxis.type == "log" and len(fig.data[4].x) == 2  # the baseline
    explorer.metric_buttons.value = "accuracy"
    assert fig.layout.yaxis.type == "linear" and len(fig.data[4].x) == 0
    assert np.allclose(fig.data[0].y, tiny_sweep["adding_accuracy"][0, 1].mean(axis=0))
    box = vl.sweep_explorer(tiny_sweep)
    assert isinstance(box, ipywidgets.VBox)


def test_compare_live_trains_the_three_cells_as_the_sweep_seeds_them():
    runs = L.compare_live(6, steps=4, H=3, seed=0)
    assert list(runs) == ["rnn", "lstm", "gru"]
    task = L.adding_task(6)
    eval_batch = task.sample(L.LIVE["eval_size"], np.random.default_rng([10_000, 6]))
    for m, (name, run) in enumerate(runs.items()):
        assert run.seconds > 0 and len(run.history.loss) == 4
        assert run.history.eval_steps == [0]  # evaluated every 100 steps: only before
        # the same run through train_on_task with the sweep's seeds, on the fast cells
        rng = np.random.default_rng([0, 6, m])
        model = L.make_model(name, task, 3, rng)
        again = L.train_on_task(
            model, task, optim.Adam(0.01), 4, rng, eval_batch=eval_batch, eval_every=100,
            fast=True,
        )  # fmt: skip
        assert again.loss == run.history.loss
        assert all(np.array_equal(model.params[k], run.model.params[k]) for k in model.params)
    with pytest.raises(ValueError, match="models must be names"):
        L.compare_live(6, steps=1, models=("rnn", "transformer"))


def test_fast_training_follows_the_step_by_step_run_up_to_rounding():
    task = L.adding_task(8)
    histories = {}
    for fast in (False, True):
        rng = np.random.default_rng(5)
        model = L.make_model("lstm", task, 4, rng)
        histories[fast] = L.train_on_task(model, task, optim.Adam(0.01), 20, rng, fast=fast)
    assert histories[True].loss != histories[False].loss  # another path ...
    np.testing.assert_allclose(
        histories[True].loss, histories[False].loss, rtol=1e-9
    )  # ... same run


@pytest.mark.parametrize("cell", CELLS)
def test_predict_on_the_fast_cells_equals_the_step_by_step_outputs(cell):
    rng = np.random.default_rng(6)
    model = train.init_model(cell, 3, 4, 2, rng)
    x = rng.standard_normal((5, 7, 3))
    for readout in ("last", "every"):
        slow, quick = L.predict(model, x, readout), L.predict(model, x, readout, fast=True)
        assert quick.shape == slow.shape
        np.testing.assert_allclose(quick, slow, rtol=1e-12, atol=1e-14)
