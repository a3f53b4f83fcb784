"""Tests for chapter 9's forecasting pipeline (rnncourse.forecast) and its pictures
(rnncourse.viz.forecast): windows, scaling, the SimpleRNN + Dense model and its gradients,
training, recursive forecasts, baselines and the forecast explorer."""

import time

import ipywidgets
import matplotlib
import numpy as np
import pytest

from rnncourse import forecast as fc
from rnncourse import gradcheck, optim, rnn
from rnncourse.data import series as S
from rnncourse.viz import forecast as vf

matplotlib.use("Agg")

L, SPLIT, T = 500, 400, 24  # the chapter's sizes


@pytest.fixture(autouse=True)
def close_widgets():
    yield
    ipywidgets.Widget.close_all()


@pytest.fixture(scope="module")
def models():
    """The chapter's four trained models (H=16, 15 epochs), trained once for this module."""
    return {
        name: fc.train_on_signal(S.make_signal(name, L, seed=0), T, SPLIT, H=16, epochs=15)
        for name in S.SIGNALS
    }


# ---------------------------------------------------------------- windows


@pytest.mark.parametrize("length, T_, horizon", [(12, 4, 1), (15, 5, 3), (7, 6, 1), (5, 1, 4)])
def test_sliding_windows_cut_every_window_and_its_next_values(length, T_, horizon):
    series = np.arange(length, dtype=np.float64) * 1.5  # the value says where it came from
    X, y = fc.sliding_windows(series, T_, horizon)
    N = length - T_ - horizon + 1
    assert X.shape == (N, T_, 1) and y.shape == (N, horizon)
    for i in range(N):
        np.testing.assert_array_equal(X[i, :, 0], series[i : i + T_])
        np.testing.assert_array_equal(y[i], series[i + T_ : i + T_ + horizon])
    index_X, index_y = X[:, :, 0] / 1.5, y / 1.5
    assert (index_y.min(axis=1) == index_X.max(axis=1) + 1).all()  # no overlap, no gap
    assert y[-1, -1] == series[-1]  # the last target is the last value: nothing left out


def test_sliding_windows_match_numpys_sliding_window_view():
    series = np.random.default_rng(0).standard_normal(40)
    X, y = fc.sliding_windows(series, 7, horizon=2)
    view = np.lib.stride_tricks.sliding_window_view(series, 9)  # (32, 9): window + targets
    np.testing.assert_array_equal(X[:, :, 0], view[:, :7])
    np.testing.assert_array_equal(y, view[:, 7:])


def test_sliding_windows_copy_and_keep_the_dtype():
    series = np.linspace(0, 1, 10, dtype=np.float32)
    X, y = fc.sliding_windows(series, 3)
    assert X.dtype == y.dtype == np.float32
    X[0, 0, 0] = 99.0
    assert series[0] == 0.0


@pytest.mark.parametrize(
    "args, error, words",
    [
        ((np.zeros(5), 5), ValueError, "L must be at least T \\+ horizon = 6"),
        ((np.zeros(10), 3, 8), ValueError, "too few"),
        ((np.zeros((10, 1)), 3), ValueError, "series must have 1 dimension"),
        ((np.arange(10), 3), TypeError, "floating-point"),
        ((list(range(10)), 3), TypeError, "numpy array"),
        ((np.zeros(10), 0), ValueError, "T must be at least 1"),
        ((np.zeros(10), 3, 0), ValueError, "horizon must be at least 1"),
        ((np.array([0.0, np.nan, 1.0, 2.0]), 2), ValueError, "NaN"),
    ],
)
def test_sliding_windows_refuse_bad_input(args, error, words):
    with pytest.raises(error, match=words):
        fc.sliding_windows(*args)


# ---------------------------------------------------------------- scaling and the split


def test_scaler_is_fitted_on_the_training_part_only():
    series = np.concatenate([np.random.default_rng(1).standard_normal(300), np.full(100, 50.0)])
    scaler = fc.fit_scaler(series[:300])
    assert np.isclose(scaler.mean, series[:300].mean()) and np.isclose(
        scaler.std, series[:300].std()
    )
    z = scaler.transform(series)
    assert abs(z[:300].mean()) < 1e-12 and np.isclose(z[:300].std(), 1.0)
    np.testing.assert_allclose(scaler.inverse(z), series, atol=1e-12)
    with pytest.raises(ValueError, match="constant"):
        fc.fit_scaler(np.ones(5))


def test_time_split_keeps_time_order_and_leaks_nothing():
    series = np.arange(100, dtype=np.float64)  # value = index, so indices can be read back
    data = fc.time_split_windows(series, 10, 70)
    scaler = data.scaler
    assert np.isclose(scaler.mean, 34.5)  # the mean of 0..69: the training part only
    train_targets = scaler.inverse(data.y_train)
    valid_targets = scaler.inverse(data.y_valid)
    valid_inputs = scaler.inverse(data.X_valid)
    assert train_targets.max() < 70 <= valid_targets.min()  # targets on their own side
    assert scaler.inverse(data.X_train).max() < 70  # training never reads validation values
    np.testing.assert_allclose(valid_targets[:, 0], np.arange(70, 100))  # every one kept
    np.testing.assert_allclose(valid_inputs[0, :, 0], np.arange(60, 70))  # known past
    assert len(data.y_train) + len(data.y_valid) == 100 - 10  # nothing lost for horizon 1


def test_time_split_drops_windows_that_straddle_the_split():
    series = np.arange(60, dtype=np.float64)
    data = fc.time_split_windows(series, 5, 40, horizon=3)
    train_targets = data.scaler.inverse(data.y_train)
    valid_targets = data.scaler.inverse(data.y_valid)
    assert np.isclose(train_targets.max(), 39) and np.isclose(valid_targets.min(), 40)
    assert len(data.y_train) + len(data.y_valid) == (60 - 5 - 3 + 1) - 2  # 2 straddle


@pytest.mark.parametrize("split", [5, 10, 60, 0])
def test_time_split_refuses_a_split_without_room(split):
    with pytest.raises(ValueError, match="split"):
        fc.time_split_windows(np.arange(60, dtype=np.float64), 10, split)


# ---------------------------------------------------------------- the model


def test_keras_model_sizes_and_initialisers():
    params = fc.init_forecaster(1, 50, 1, np.random.default_rng(0))
    assert fc.count_params(params) == {"rnn": 2600, "dense": 51}  # what Keras's summary says
    assert params["W_xh"].shape == (1, 50) and params["W_hh"].shape == (50, 50)
    assert params["W_hy"].shape == (50, 1) and params["b_y"].shape == (1,)
    np.testing.assert_allclose(params["W_hh"] @ params["W_hh"].T, np.eye(50), atol=1e-12)
    assert np.abs(params["W_xh"]).max() <= np.sqrt(6 / 51)  # Glorot-uniform bound
    assert np.abs(params["W_hy"]).max() <= np.sqrt(6 / 51)
    assert not params["b_h"].any() and not params["b_y"].any()


def test_forward_reads_only_the_last_state():
    rng = np.random.default_rng(2)
    params = fc.init_forecaster(2, 3, 2, rng)
    params["b_h"] = 0.3 * rng.standard_normal(3)
    X = rng.standard_normal((4, 5, 2))
    y_hat, cache = fc.forecaster_forward(X, params)
    h = np.zeros((4, 3))
    for t in range(5):
        h = np.tanh(X[:, t] @ params["W_xh"] + h @ params["W_hh"] + params["b_h"])
    np.testing.assert_allclose(y_hat, h @ params["W_hy"] + params["b_y"], rtol=1e-12)
    np.testing.assert_array_equal(fc.predict(X, params), y_hat)
    assert isinstance(cache.rnn_cache, rnn.RNNCache) and cache.h_shape == (4, 5, 3)


def test_predict_in_batches_gives_the_same_forecasts():
    rng = np.random.default_rng(7)
    params = fc.init_forecaster(1, 6, 1, rng)
    X = rng.standard_normal((300, 5, 1))
    whole = fc.forecaster_forward(X, params)[0]
    for batch_size in (1, 7, 256, 1000):
        np.testing.assert_allclose(fc.predict(X, params, batch_size), whole, rtol=1e-12)
    with pytest.raises(ValueError, match="batch_size"):
        fc.predict(X, params, 0)


def test_backward_passes_gradcheck_and_changes_nothing():
    rng = np.random.default_rng(3)
    N, T_, D, H, K = 3, 4, 2, 3, 2
    params = fc.init_forecaster(D, H, K, rng)
    params["b_h"], params["b_y"] = 0.2 * rng.standard_normal(H), 0.2 * rng.standard_normal(K)
    X, y = rng.standard_normal((N, T_, D)), rng.standard_normal((N, K))

    def loss(_):
        return np.mean((fc.predict(X, params) - y) ** 2)

    y_hat, cache = fc.forecaster_forward(X, params)
    dy_hat = 2 * (y_hat - y) / y.size
    before = dy_hat.copy()
    grads = fc.forecaster_backward(dy_hat, cache)
    np.testing.assert_array_equal(dy_hat, before)
    assert set(grads) == set(params)
    for key, value in params.items():
        assert grads[key].shape == value.shape
        err = gradcheck.rel_error(grads[key], gradcheck.numerical_gradient(loss, value))
        assert err < 1e-7, (key, err)
    with pytest.raises(TypeError, match="ForecasterCache"):
        fc.forecaster_backward(dy_hat, ("not", "a", "cache"))


def test_fit_with_batch_size_n_is_one_optimiser_step_per_epoch():
    rng = np.random.default_rng(4)
    params = fc.init_forecaster(1, 4, 1, rng)
    X, y = rng.standard_normal((10, 5, 1)), rng.standard_normal((10, 1))
    manual = {k: v.copy() for k, v in params.items()}
    history = fc.fit(params, X, y, optim.SGD(0.1), epochs=1, batch_size=10)
    y_hat, cache = fc.forecaster_forward(X, manual)
    grads = fc.forecaster_backward(2 * (y_hat - y) / y.size, cache)
    optim.SGD(0.1).step(manual, grads)
    for key in params:
        np.testing.assert_allclose(params[key], manual[key], rtol=1e-12)
    assert len(history.batch_loss) == 1 and history.valid_loss == []
    assert np.isclose(history.train_loss[0], fc.mse(fc.predict(X, params), y))


def test_fit_is_deterministic_and_counts_its_steps():
    def run():
        rng = np.random.default_rng(5)
        params = fc.init_forecaster(1, 6, 1, rng)
        X, y = rng.standard_normal((70, 6, 1)), rng.standard_normal((70, 1))
        history = fc.fit(
            params, X, y, optim.RMSprop(1e-3), epochs=3, batch_size=32, rng=rng,
            X_valid=X[:20], y_valid=y[:20], max_norm=1.0,
        )  # fmt: skip
        return params, history

    (p1, h1), (p2, h2) = run(), run()
    assert len(h1.batch_loss) == 3 * 3 and len(h1.train_loss) == len(h1.valid_loss) == 3
    assert h1 == h2
    for key in p1:
        np.testing.assert_array_equal(p1[key], p2[key])


def test_fit_runs_chapter_7s_loop_with_the_forecasters_own_pass():
    from rnncourse import losses, train

    rng = np.random.default_rng(6)
    params = fc.init_forecaster(1, 4, 2, rng)
    X, y = rng.standard_normal((9, 5, 1)), rng.standard_normal((9, 2))
    value, grads, state = fc.Forecaster(params).loss_and_grads(X, y)
    y_hat, cache = fc.forecaster_forward(X, params)
    mse, dy_hat = losses.mse_loss(y_hat, y)
    assert value == mse and state is None
    for key, g in fc.forecaster_backward(dy_hat, cache).items():
        np.testing.assert_array_equal(grads[key], g)
    copy = {k: v.copy() for k, v in params.items()}
    history = fc.fit(params, X, y, optim.Adam(1e-2), epochs=2, batch_size=4)
    same = train.train(fc.Forecaster(copy), X, y, optim.Adam(1e-2), epochs=2, batch_size=4,
                       loss="mse", readout="last")  # fmt: skip
    assert history.batch_loss == same.loss
    assert all(np.array_equal(params[k], copy[k]) for k in params)


def test_fit_stops_when_training_diverges():
    from rnncourse import train

    rng = np.random.default_rng(7)
    params = fc.init_forecaster(1, 4, 1, rng)
    X, y = rng.standard_normal((8, 5, 1)), 1e200 * rng.standard_normal((8, 1))
    with pytest.raises(train.TrainingDiverged, match="training stopped at step 1"):
        fc.fit(params, X, y, optim.SGD(0.1), epochs=2, batch_size=4)


def test_random_targets_cannot_be_learnt_below_their_variance():
    """The chapter's Keras example, smaller: nothing in x predicts y, so the best forecast is
    the mean of y and the validation loss stays at or above var(y)."""
    rng = np.random.default_rng(0)
    X, y = rng.random((300, 10, 1)), rng.random((300, 1))
    X_valid, y_valid = rng.random((300, 10, 1)), rng.random((300, 1))
    params = fc.init_forecaster(1, 8, 1, np.random.default_rng(1))
    history = fc.fit(
        params, X, y, optim.RMSprop(1e-3, eps=1e-7), epochs=10, batch_size=32,
        rng=np.random.default_rng(2), X_valid=X_valid, y_valid=y_valid,
    )  # fmt: skip
    assert history.train_loss[0] > history.train_loss[-1] > y.var()
    assert min(history.valid_loss) > y_valid.var()
    assert history.train_loss[-1] < 1.2 * y.var()  # it did learn the mean


# ---------------------------------------------------------------- forecasts and baselines


def test_recursive_forecast_feeds_each_forecast_back():
    rng = np.random.default_rng(6)
    params = fc.init_forecaster(1, 5, 1, rng)
    X = rng.standard_normal((3, 4, 1))
    out = fc.recursive_forecast(X, params, 3)
    assert out.shape == (3, 3)
    np.testing.assert_allclose(out[:, :1], fc.predict(X, params))
    window = X.copy()
    for k in range(3):
        step = fc.predict(window, params)
        np.testing.assert_allclose(out[:, k], step[:, 0], rtol=1e-12)
        window = np.concatenate([window[:, 1:], step[:, :, None]], axis=1)
    with pytest.raises(ValueError, match="D = K = 1"):
        fc.recursive_forecast(rng.standard_normal((3, 4, 2)), fc.init_forecaster(2, 5, 1, rng), 2)


def test_baselines():
    X = np.arange(24, dtype=np.float64).reshape(2, 12, 1)  # windows 0..11 and 12..23
    np.testing.assert_array_equal(fc.last_value_forecast(X, 3), [[11, 11, 11], [23, 23, 23]])
    np.testing.assert_array_equal(fc.seasonal_naive_forecast(X, 4, 6)[0], [8, 9, 10, 11, 8, 9])
    np.testing.assert_array_equal(fc.mean_forecast(X, 2.5, 2), np.full((2, 2), 2.5))
    with pytest.raises(ValueError, match="period must be at most T=12"):
        fc.seasonal_naive_forecast(X, 13)
    with pytest.raises(ValueError, match="one feature"):
        fc.last_value_forecast(np.zeros((2, 3, 2)))


def test_seasonal_naive_is_exact_on_a_sine_with_an_integer_period():
    X, y = fc.sliding_windows(S.sine(200, period=20), 24, horizon=30)
    assert fc.mse(fc.seasonal_naive_forecast(X, 20, 30), y) < 1e-25


def test_mse_refuses_shapes_that_would_broadcast():
    assert fc.mse(np.ones((4, 1)), np.zeros((4, 1))) == 1.0
    with pytest.raises(ValueError, match="shape"):
        fc.mse(np.ones((4, 1)), np.zeros(4))
    per_step = fc.mse_per_step(np.array([[1.0, 2.0], [3.0, 0.0]]), np.zeros((2, 2)))
    np.testing.assert_allclose(per_step, [5.0, 2.0])
    with pytest.raises(ValueError, match="horizon"):
        fc.mse_per_step(np.ones(3), np.ones(3))


def test_the_chapters_models_and_baselines(models):
    """The claims of chapter 9's table, on the chapter's own data and models."""
    scores = {}
    for name, model in models.items():
        data = fc.time_split_windows(model.series, T, SPLIT)
        truth = data.scaler.inverse(data.y_valid)
        forecasts = {
            "rnn": fc.predict(data.X_valid, model.params),
            "last": fc.last_value_forecast(data.X_valid),
            "seasonal": fc.seasonal_naive_forecast(data.X_valid, S.PERIOD),
            "mean": fc.mean_forecast(data.X_valid),
        }
        scores[name] = {k: fc.mse(data.scaler.inverse(v), truth) for k, v in forecasts.items()}
    for name in ("sine", "noisy sine", "sum of sines"):
        assert scores[name]["rnn"] < scores[name]["last"] < scores[name]["mean"], name
    assert scores["sine"]["seasonal"] < 1e-20  # exact: the period is a whole number of steps
    assert scores["noisy sine"]["rnn"] < scores["noisy sine"]["seasonal"]
    assert scores["noisy sine"]["rnn"] > 0.2**2  # the noise's variance: the floor
    assert scores["sum of sines"]["rnn"] < scores["sum of sines"]["seasonal"]
    walk = scores["random walk"]
    assert walk["last"] < walk["rnn"] and walk["last"] < walk["seasonal"] < walk["mean"]


# ---------------------------------------------------------------- the pictures


def test_forecast_paths_are_the_recursive_forecasts(models):
    model = models["sum of sines"]
    paths = vf.forecast_paths(model, max_horizon=30)
    starts = paths["starts"]
    assert starts[0] == SPLIT and starts[-1] == L - 30
    assert paths["rnn"].shape == paths["last_value"].shape == (len(starts), 30)
    z = model.scaler.transform(model.series)
    s = starts[5]
    own = fc.recursive_forecast(z[None, s - T : s, None], model.params, 30)
    np.testing.assert_allclose(paths["rnn"][5], model.scaler.inverse(own[0]), rtol=1e-10)
    np.testing.assert_array_equal(paths["last_value"][5], model.series[s - 1])
    with pytest.raises(ValueError, match="longer than the validation part"):
        vf.forecast_paths(model, max_horizon=200)


def test_forecast_view_slices_one_start_and_horizon(models):
    model = models["sine"]
    paths = vf.forecast_paths(model, 40)
    view = vf.forecast_view(model, paths, start_index=3, horizon=7)
    np.testing.assert_array_equal(view["t_future"], np.arange(403, 410))
    np.testing.assert_array_equal(view["truth"], model.series[403:410])
    np.testing.assert_array_equal(view["past"], model.series[403 - vf.CONTEXT : 403])
    np.testing.assert_array_equal(view["rnn"], paths["rnn"][3, :7])
    assert np.isclose(view["mse_rnn"], np.mean((view["rnn"] - view["truth"]) ** 2))
    for bad in ({"horizon": 0}, {"horizon": 41}, {"start_index": len(paths["starts"])}):
        with pytest.raises(ValueError):
            vf.forecast_view(model, paths, **{"start_index": 0, "horizon": 5, **bad})


def test_forecast_explorer_updates_its_figure(models):
    box = vf.forecast_explorer(models, max_horizon=40, horizon=20)
    fig, controls = box.figure, box.controls
    assert len(fig.data[2].y) == 20
    np.testing.assert_allclose(fig.data[2].y, box.paths["sine"]["rnn"][0, :20])

    start = time.perf_counter()
    controls["horizon"].value = 35
    elapsed = time.perf_counter() - start
    print(f"\nforecast explorer: horizon callback {1000 * elapsed:.2f} ms")
    assert len(fig.data[1].y) == len(fig.data[2].y) == len(fig.data[3].y) == 35

    controls["start"].value = 10
    assert fig.data[1].x[0] == SPLIT + 10 and "t = 410" in box.status.value

    start = time.perf_counter()
    controls["signal"].value = "random walk"
    elapsed = time.perf_counter() - start
    print(f"forecast explorer: signal callback {1000 * elapsed:.2f} ms")
    walk = models["random walk"].series
    np.testing.assert_allclose(fig.data[1].y, walk[SPLIT + 10 : SPLIT + 45])
    np.testing.assert_allclose(fig.data[2].y, box.paths["random walk"]["rnn"][10, :35])
    assert "random walk" in box.status.value
    assert fig.layout.yaxis.range[0] < walk.min()


def test_plot_forecast_draws_four_curves(models):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    model = models["noisy sine"]
    view = vf.plot_forecast(ax, model, vf.forecast_paths(model, 20), 0, 20, title="noisy sine")
    assert len(ax.lines) == 5 and ax.get_title() == "noisy sine"  # 4 curves, 1 marker
    np.testing.assert_array_equal(ax.lines[2].get_ydata(), view["rnn"])
    plt.close(fig)
