"""Chapter 9's claims (parts 9a and 9b), recomputed: the Keras example, the baselines table, the
leaks, recursion.

The forecasters are retrained here exactly as the chapter trains them (``train_on_signal``:
H = 16, 15 epochs, seed 0).
"""

import numpy as np
import pytest
from _quote import quote, quote_quiz

from rnncourse import forecast, optim
from rnncourse.data import series

L, SPLIT, T = 500, 400, 24


@pytest.fixture(scope="module")
def signals():
    return {name: series.make_signal(name, L, seed=0) for name in series.SIGNALS}


@pytest.fixture(scope="module")
def models(signals):
    return {
        name: forecast.train_on_signal(values, T, SPLIT, H=16, epochs=15, seed=0)
        for name, values in signals.items()
    }


@pytest.fixture(scope="module")
def table(models):
    """Section 5's one-step validation MSE of every method, in the series' units."""
    out = {}
    for name, model in models.items():
        data = forecast.time_split_windows(model.series, T, SPLIT)
        raw = {
            "RNN": forecast.predict(data.X_valid, model.params),
            "last value": forecast.last_value_forecast(data.X_valid),
            "seasonal naive": forecast.seasonal_naive_forecast(data.X_valid, series.PERIOD),
            "mean": forecast.mean_forecast(data.X_valid),
        }
        truth = data.scaler.inverse(data.y_valid)
        out[name] = {k: forecast.mse(data.scaler.inverse(v), truth) for k, v in raw.items()}
        out[name]["_preds"] = {k: data.scaler.inverse(v) for k, v in raw.items()}
        out[name]["_truth"] = truth
    return out


def test_keras_parameter_counts():
    quote(
        "09",
        "2,600 parameters for the\n`SimpleRNN` layer and 51 for the `Dense` layer, 2,651 in all",
    )
    counts = forecast.count_params(forecast.init_forecaster(1, 50, 1, np.random.default_rng(0)))
    assert (counts["rnn"], counts["dense"]) == (2600, 51)
    quote("09", "none of the counts depends on $T$")
    quote(
        "09",
        "$\\lceil 1000 / 32 \\rceil = 32$ updates per epoch (31 of 32 examples, the last of 8)",
    )
    assert -(-1000 // 32) == 32 and 1000 - 31 * 32 == 8


def test_windows_and_split(signals):
    quote("09", "$N = L - T - \\text{horizon} + 1 = 10 - 4 - 1 + 1 = 6$ windows")
    assert len(forecast.sliding_windows(np.arange(10.0), T=4)[0]) == 6
    quote(
        "09",
        "400 training values give $400 - 24 = 376$ windows, and the 100 validation targets "
        "give 100",
    )
    data = forecast.time_split_windows(signals["noisy sine"], T, SPLIT)
    assert (len(data.X_train), len(data.X_valid)) == (376, 100)
    quote("09", "its variance, $0.2^2 = 0.04$")
    noise = signals["noisy sine"] - signals["sine"]
    assert abs(noise.std() - 0.2) < 0.02


def test_what_the_table_says(table):
    quote(
        "09",
        "**sine**: the RNN is nearly perfect, but the seasonal naive forecast is *exactly* right",
    )
    assert table["sine"]["seasonal naive"] < 1e-20 and table["sine"]["RNN"] < 1e-4
    quote(
        "09",
        "**noisy sine**: the RNN beats every baseline, but it is not close to the floor of 0.04",
    )
    noisy = table["noisy sine"]
    assert noisy["RNN"] < min(noisy["last value"], noisy["seasonal naive"], noisy["mean"])
    quote("09", "0.0633 is 58% above it")
    assert round(noisy["RNN"], 4) == 0.0633 and round(noisy["RNN"] / 0.04 - 1, 2) == 0.58
    quote("09", "The seasonal forecast pays the noise twice")
    assert abs(noisy["seasonal naive"] - 2 * 0.04) < 0.015
    quote(
        "09",
        "**sum of sines**: one period of 20 steps no longer repeats the signal, so the seasonal",
    )
    assert table["sum of sines"]["seasonal naive"] > 100 * table["sum of sines"]["RNN"]
    quote("09", "**random walk**: the last value wins, and the RNN is slightly worse")
    walk = table["random walk"]
    assert walk["last value"] < walk["RNN"] < 1.3 * walk["last value"]


def test_noise_of_the_validation_targets(signals, table):
    quote(
        "09", "The noise of these particular 100 targets happens to have\n  a mean square of 0.0470"
    )
    noise = (signals["noisy sine"] - signals["sine"])[SPLIT:]
    assert round(np.mean(noise**2), 4) == 0.0470
    quote("09", "so even the clean sine itself, the best forecast there is, scores 0.047 on them")
    clean_error = signals["sine"][SPLIT:] - signals["noisy sine"][SPLIT:]
    assert round(np.mean(clean_error**2), 3) == 0.047
    quote("09", "the RNN is\n  still a third above that")
    assert 0.3 < table["noisy sine"]["RNN"] / np.mean(noise**2) - 1 < 0.4


def _validation_mse(X_tr, y_tr, X_va, y_va, scaler):
    rng = np.random.default_rng(0)
    params = forecast.init_forecaster(1, 16, 1, rng)
    forecast.fit(
        params, X_tr, y_tr, optim.Adam(0.01), epochs=15, batch_size=32, rng=rng, max_norm=5.0
    )
    rnn = forecast.mse(scaler.inverse(forecast.predict(X_va, params)), scaler.inverse(y_va))
    last = forecast.mse(scaler.inverse(forecast.last_value_forecast(X_va)), scaler.inverse(y_va))
    return rnn, last


@pytest.fixture(scope="module")
def leaks(signals):
    out = {}
    for name in ("noisy sine", "random walk"):
        values = signals[name]
        honest = forecast.time_split_windows(values, T, SPLIT)
        whole = forecast.fit_scaler(values)
        z = whole.transform(values)
        X_w, y_w = forecast.sliding_windows(z[:SPLIT], T)
        Xv_w, yv_w = forecast.sliding_windows(z[SPLIT - T :], T)
        X_all, y_all = forecast.sliding_windows(honest.scaler.transform(values), T)
        order = np.random.default_rng(0).permutation(len(X_all))
        tr, va = order[: len(honest.X_train)], order[len(honest.X_train) :]
        out[name] = {
            "whole": _validation_mse(X_w, y_w, Xv_w, yv_w, whole),
            "shuffled": _validation_mse(X_all[tr], y_all[tr], X_all[va], y_all[va], honest.scaler),
        }
    return out


def test_the_honest_pipeline_is_train_on_signal(signals, table):
    values = signals["noisy sine"]
    honest = forecast.time_split_windows(values, T, SPLIT)
    # the leak experiments train with _validation_mse: on the honest windows it is the table
    rnn, last = _validation_mse(*honest[:4], honest.scaler)
    assert rnn == pytest.approx(table["noisy sine"]["RNN"], rel=1e-12)
    assert last == pytest.approx(table["noisy sine"]["last value"], rel=1e-12)


def test_whole_series_scaler_changes_almost_nothing(leaks, table):
    quote(
        "09",
        "**The whole-series scaler changes almost nothing here**: 0.06328 against 0.06334 on "
        "the noisy",
    )
    quote("09", "on the random walk it is even slightly worse, 0.01413 against 0.01392")
    noisy, walk = leaks["noisy sine"], leaks["random walk"]
    noisy["honest"] = (table["noisy sine"]["RNN"], table["noisy sine"]["last value"])
    walk["honest"] = (table["random walk"]["RNN"], table["random walk"]["last value"])
    assert (round(noisy["whole"][0], 5), round(noisy["honest"][0], 5)) == (0.06328, 0.06334)
    assert (round(walk["whole"][0], 5), round(walk["honest"][0], 5)) == (0.01413, 0.01392)


def test_shuffling_before_the_split_shows(leaks, table):
    quote("09", "its validation MSE drops from\n  0.0633 to 0.0438, close to the noise's 0.04")
    quote("09", "while the last value on the same windows barely\n  moves (0.153 and 0.146)")
    noisy, walk = leaks["noisy sine"], leaks["random walk"]
    noisy_honest = (table["noisy sine"]["RNN"], table["noisy sine"]["last value"])
    walk_honest = (table["random walk"]["RNN"], table["random walk"]["last value"])
    assert round(noisy["shuffled"][0], 4) == 0.0438
    assert (round(noisy_honest[1], 3), round(noisy["shuffled"][1], 3)) == (0.153, 0.146)
    quote("09", "made the noisy sine's score look 31% better (0.0438\n  against 0.0633)")
    assert round(1 - noisy["shuffled"][0] / noisy_honest[0], 2) == 0.31
    quote(
        "09",
        "the shuffled score drops too, 0.0139 to 0.0099, but so does the last\n  value's, "
        "0.0117 to 0.0083",
    )
    assert (round(walk_honest[0], 4), round(walk["shuffled"][0], 4)) == (0.0139, 0.0099)
    assert (round(walk_honest[1], 4), round(walk["shuffled"][1], 4)) == (0.0117, 0.0083)
    quote("09", "the RNN\n  is still worse than the last value on them")
    assert walk["shuffled"][0] > walk["shuffled"][1]


def test_random_walk(signals, table):
    walk = signals["random walk"]
    quote("09", "The first two numbers are equal, as they must be")
    steps = np.diff(walk[SPLIT - 1 :])
    assert np.mean(steps**2) == pytest.approx(table["random walk"]["last value"], rel=1e-12)
    quote(
        "09", "validation period it sits in the low part of the range the training period covered"
    )
    assert np.mean(walk[:SPLIT] > walk[SPLIT:].mean()) == pytest.approx(0.76, abs=0.01)
    quote("09", "The RNN's forecasts move almost exactly with the last values")
    preds = table["random walk"]["_preds"]
    assert np.corrcoef(preds["RNN"][:, 0], preds["last value"][:, 0])[0, 1] > 0.99


@pytest.fixture(scope="module")
def recursive(models):
    out = {}
    for name, model in models.items():
        data = forecast.time_split_windows(model.series, T, SPLIT, horizon=40)
        truth = data.scaler.inverse(data.y_valid)
        paths = {
            "RNN": forecast.recursive_forecast(data.X_valid, model.params, 40),
            "last value": forecast.last_value_forecast(data.X_valid, 40),
            "seasonal naive": forecast.seasonal_naive_forecast(data.X_valid, series.PERIOD, 40),
        }
        out[name] = {
            k: forecast.mse_per_step(data.scaler.inverse(p), truth) for k, p in paths.items()
        }
        out[name]["_starts"] = len(data.X_valid)
    return out


def test_recursive_forecasts(recursive, table):
    quote("09", "(61 starts, $t = 400$ to\n$460$)")
    assert recursive["noisy sine"]["_starts"] == 61
    quote("09", "for the noisy sine 0.05773 here against 0.06334 in the table")
    noisy = table["noisy sine"]
    first61 = forecast.mse(noisy["_preds"]["RNN"][:61], noisy["_truth"][:61])
    assert round(recursive["noisy sine"]["RNN"][0], 5) == round(first61, 5) == 0.05773
    quote(
        "09",
        "the last 39 validation targets, which only the table includes, are harder than the "
        "first\n61",
    )
    last39 = forecast.mse(noisy["_preds"]["RNN"][61:], noisy["_truth"][61:])
    assert last39 > first61
    quote("09", "the RNN's error grows by an order of magnitude\n  over 40 steps")
    for name in ("sine", "sum of sines"):
        assert recursive[name]["RNN"][39] > 10 * recursive[name]["RNN"][0]
    quote("09", "The seasonal forecast of\n  the sine stays exact")
    assert recursive["sine"]["seasonal naive"].max() < 1e-20
    quote("09", "(0.058, 0.053 and 0.054 at $k$ = 1, 10 and 40), 31% to 44% above the noise's 0.04")
    rnn = recursive["noisy sine"]["RNN"]
    assert [round(rnn[k - 1], 3) for k in (1, 10, 40)] == [0.058, 0.053, 0.054]
    above = [round(rnn[k - 1] / 0.04 - 1, 2) for k in (1, 10, 40)]
    assert (min(above), max(above)) == (0.31, 0.44)
    quote("09", "The last value's error swings with the phase of the wave")
    last = recursive["noisy sine"]["last value"]
    assert last[9] > 5 * last[19]  # half a period ahead against a whole period ahead
    quote("09", "On the **random walk** the RNN and the last value get worse with $k$")
    walk = recursive["random walk"]
    for method in ("RNN", "last value"):
        assert all(np.diff(walk[method][[0, 9, 19, 29, 39]]) > 0)  # k = 1, 10, 20, 30, 40
    quote(
        "09",
        "for\n  $k \\le 20$ its error is that of a 20-step-old value, about as large as the "
        "last value's at\n  $k = 20$; it grows after that",
    )
    seasonal = walk["seasonal naive"]
    assert seasonal[:20].max() / seasonal[:20].min() < 1.3
    assert seasonal[19] == pytest.approx(walk["last value"][19], rel=0.05)
    assert seasonal[39] > 2 * seasonal[19]
    quote("09", "The recursive RNN is worse than the last value at every horizon")
    assert np.all(walk["RNN"] > walk["last value"])


def test_train_on_signal_uses_adam_and_clipping(signals, models):
    quote(
        "09",
        "It uses Adam with a learning rate of 0.01\nand clips the gradients at a global norm of 5",
    )
    quote("09", "train a `SimpleRNN(16)` + `Dense(1)` for 15 epochs")
    values = signals["noisy sine"]
    data = forecast.time_split_windows(values, T, SPLIT)
    rng = np.random.default_rng(0)
    params = forecast.init_forecaster(1, 16, 1, rng)
    history = forecast.fit(
        params, data.X_train, data.y_train, optim.Adam(0.01), epochs=15, batch_size=32, rng=rng,
        max_norm=5.0,
    )  # fmt: skip
    assert params["W_hh"].shape == (16, 16) and len(history.train_loss) == 15
    for key, value in models["noisy sine"].params.items():
        assert np.array_equal(value, params[key]), key


def test_recursive_random_walk_forecast_is_nearly_flat(models):
    quote("09", "The RNN's forecast is a nearly flat line, like the last\n  value")
    model = models["random walk"]
    data = forecast.time_split_windows(model.series, T, SPLIT, horizon=40)
    path = data.scaler.inverse(forecast.recursive_forecast(data.X_valid, model.params, 40))
    truth = data.scaler.inverse(data.y_valid)
    spread = np.mean(path.max(axis=1) - path.min(axis=1))
    assert spread < 0.25 * np.mean(truth.max(axis=1) - truth.min(axis=1))


def test_a_flat_target_broadcasts_to_N_by_N():
    quote(
        "09",
        "numpy computes `y_hat - y` for y of shape\n  $(N,)$ without complaint, as an $(N, "
        "N)$ array",
    )
    y_hat, y = np.zeros((5, 1)), np.arange(5.0)
    assert (y_hat - y).shape == (5, 5)


def test_shuffled_validation_windows_have_neighbours_in_training():
    quote(
        "09",
        "97 of the 100 validation windows now have a neighbour in training that\n  shares all but "
        "one of its 24 values, and every validation target is an input of some training\n  window",
    )
    n_windows, n_train = L - T, SPLIT - T  # 476 windows, the first 376 of a shuffle for training
    order = np.random.default_rng(0).permutation(n_windows)  # the chapter's shuffle
    train, valid = set(order[:n_train].tolist()), order[n_train:]
    assert len(valid) == 100
    # windows i - 1 and i + 1 share T - 1 values with window i
    assert sum((i - 1 in train) or (i + 1 in train) for i in valid) == 97
    # the target of window i, value i + T, is an input of windows i + 1 .. i + T
    assert all(any(j in train for j in range(i + 1, i + T + 1)) for i in valid)


def test_naive_forecast_reference():
    quote(
        "09",
        "the naive (last value) forecast is hard to beat (Hyndman and Athanasopoulos, "
        "section\n5.2)",
    )
    quote(
        "09",
        "Hyndman, R. J. and Athanasopoulos, G. *Forecasting: principles and practice* (3rd ed.),",
    )


def test_the_wobble_is_the_forecasts_level_moving():
    quote(
        "09",
        "the updates keep moving the forecasts' level up and down around the\n  mean of $y$",
    )
    data_rng = np.random.default_rng(1)  # the chapter's random numbers and training, epoch by epoch
    x_train, y_train = data_rng.random((1000, 10, 1)), data_rng.random((1000, 1))
    x_valid, y_valid = data_rng.random((1000, 10, 1)), data_rng.random((1000, 1))
    params = forecast.init_forecaster(1, 50, 1, np.random.default_rng(2))
    optimizer, rng = optim.RMSprop(lr=0.001, rho=0.9, eps=1e-7), np.random.default_rng(3)
    excess, level = [], []
    for _ in range(10):
        forecast.fit(params, x_train, y_train, optimizer, epochs=1, batch_size=32, rng=rng)
        y_hat = forecast.predict(x_valid, params)
        excess.append(forecast.mse(y_hat, y_valid) - y_valid.var())
        level.append(y_hat.mean())
    assert round(excess[4] + y_valid.var(), 4) == 0.1265  # epoch 5 of the printed table
    level = np.array(level)
    assert level.min() < y_valid.mean() - 0.1 and level.max() > y_valid.mean() + 0.1
    for epoch in np.argsort(excess)[-2:]:  # the two worst epochs: mostly the level is off
        assert (level[epoch] - y_valid.mean()) ** 2 > 0.8 * excess[epoch]


def test_quiz_part_9a_numbers():
    quote_quiz(
        "09a",
        "$DH + H^2 + H = 2600$; the `Dense` layer $W_{hy}$ $(50, 1)$ and $b_y$ $(1,)$, 51: 2651",
    )
    counts = forecast.count_params(forecast.init_forecaster(1, 50, 1, np.random.default_rng(0)))
    assert (counts["rnn"], counts["dense"], counts["rnn"] + counts["dense"]) == (2600, 51, 2651)
    quote_quiz("09a", "That takes the 10 of `input_shape` as the number of features")
    counts_10 = forecast.count_params(forecast.init_forecaster(10, 50, 1, np.random.default_rng(0)))
    assert counts_10["rnn"] + counts_10["dense"] == 3101
    quote_quiz("09a", "$N = L - T - \\text{horizon} + 1 = 100 - 24 - 3 + 1 = 74$")
    X, y = forecast.sliding_windows(np.arange(100.0), T=24, horizon=3)
    assert X.shape == (74, 24, 1) and list(X[-1, [0, -1], 0]) == [73, 96]
    assert list(y[-1]) == [97, 98, 99]
    quote_quiz("09a", "Its validation MSE settles near 0.088")
    data_rng = np.random.default_rng(1)  # the chapter's random numbers and training
    x_train, y_train = data_rng.random((1000, 10, 1)), data_rng.random((1000, 1))
    x_valid, y_valid = data_rng.random((1000, 10, 1)), data_rng.random((1000, 1))
    params = forecast.init_forecaster(1, 50, 1, np.random.default_rng(2))
    history = forecast.fit(
        params, x_train, y_train, optim.RMSprop(lr=0.001, rho=0.9, eps=1e-7), epochs=10,
        batch_size=32, rng=np.random.default_rng(3), X_valid=x_valid, y_valid=y_valid,
    )  # fmt: skip
    assert round(history.valid_loss[-1], 3) == 0.088
    quote_quiz("09a", "the floor is $\\operatorname{Var}(y) = 1/12 \\approx 0.083$")
    assert round(1 / 12, 3) == 0.083
