"""Claims of chapter 07 (training toolbox), quoted from the chapter and recomputed."""

import numpy as np
import pytest
from _quote import quote, quote_quiz

from rnncourse import dropout, gradients, init, lstm, optim, rnn, train


def delay_task(N, T, delay, V=4, seed=0):
    symbols = np.random.default_rng(seed).integers(0, V, size=(N, T))
    x = np.eye(V)[symbols]
    y = np.zeros((N, T), dtype=int)
    y[:, delay:] = symbols[:, :-delay]
    return x, y


def fresh_model(cell="rnn", H=16, seed=1):
    return train.init_model(cell, 4, H, 4, np.random.default_rng(seed))


def valley_path(opt, steps=50, start=(-4.0, 1.0)):
    params = {"theta": np.array(start)}
    path = [params["theta"].copy()]
    for _ in range(steps):
        opt.step(params, {"theta": np.array([1.0, 50.0]) * params["theta"]})
        path.append(params["theta"].copy())
    return np.array(path)


@pytest.fixture(scope="module")
def chapter_rng_draws():
    # each part's rng is setup(seed=0): in part 7b it is first used by the gradient check of
    # section 4, then by the initialisation figure of section 5; in part 7c the NaN example of
    # section 8 draws first
    rng = np.random.default_rng(0)
    rng.standard_normal((2, 4, 3))
    rng.standard_normal((2, 5))
    rnn.init_params(3, 5, rng)
    rng.standard_normal(5)
    rng.standard_normal((2, 4, 5))
    xi = rng.standard_normal((8, 60, 4))

    def params(w_xh, w_hh):
        return rnn.init_params(4, 32, rng, w_xh=w_xh, w_hh=w_hh)

    schemes = {
        "small random": (params("small_normal", "small_normal"), "tanh"),
        "Xavier": (params("xavier_uniform", "xavier_uniform"), "tanh"),
        "orthogonal": (params("xavier_uniform", "orthogonal"), "tanh"),
        "identity + relu": (
            {"W_xh": init.small_normal((4, 32), rng, scale=0.1), "W_hh": init.identity(32),
             "b_h": np.zeros(32)},
            "relu",
        ),
    }  # fmt: skip
    xr = np.random.default_rng(0).standard_normal((16, 20, 1))  # part 7c's first draw
    return xi, schemes, xr


@pytest.fixture(scope="module")
def toy_runs():
    x, y = delay_task(32, 12, 4)

    def opts():
        return {
            "SGD": optim.SGD(0.5),
            "momentum": optim.Momentum(0.05, 0.9),
            "Nesterov": optim.Momentum(0.05, 0.9, nesterov=True),
            "Adagrad": optim.Adagrad(0.1),
            "RMSprop": optim.RMSprop(0.01),
            "Adam": optim.Adam(0.01),
        }

    return {
        max_norm: {
            label: np.array(train.train(fresh_model(), x, y, o, epochs=200, max_norm=max_norm).loss)
            for label, o in opts().items()
        }
        for max_norm in (None, 0.5)
    }


def test_uniform_guess_loss():
    quote("07", "A network that guesses uniformly has loss $\\ln 4 \\approx 1.386$")
    assert round(np.log(4), 3) == 1.386


def test_adam_first_steps():
    quote("07", "after one step $m = (1-\\beta_1)\\, g = 0.1\\, g$")
    quote("07", "exactly 0.1 for both entries although one")
    quote("07", "a step about 3 times too large")
    params = {"theta": np.array([1.0, -2.0])}
    adam = optim.Adam(lr=0.1)
    g = np.array([0.5, -1.0])
    adam.step(params, {"theta": g})
    assert np.allclose(adam.state["theta"]["m"], 0.1 * g)
    assert np.allclose(params["theta"] - [1.0, -2.0], -0.1 * np.sign(g), atol=1e-8)
    uncorrected = 0.1 * np.abs(g) / (np.sqrt(0.001) * np.abs(g))  # m / sqrt(v) without correction
    assert np.allclose(uncorrected, 3.16, atol=0.01)


def test_nesterov_is_bengio_et_als_form_and_pytorchs():
    quote(
        "07",
        "The package implements the reparameterisation of Bengio, Boulanger-Lewandowski and",
    )
    quote("07", "PyTorch's `torch.optim.SGD(..., nesterov=True)` computes the same update")
    mu, lr = 0.9, 0.01
    package = {"theta": np.array([-4.0, 1.0])}
    opt = optim.Momentum(lr, mu, nesterov=True)
    theta_s, v_s = np.array([-4.0, 1.0]), np.zeros(2)
    theta_pt, b_pt = np.array([-4.0, 1.0]), np.zeros(2)
    for _ in range(20):
        opt.step(package, {"theta": np.array([1.0, 50.0]) * package["theta"]})
        v_s = mu * v_s - lr * np.array([1.0, 50.0]) * (theta_s + mu * v_s)
        theta_s = theta_s + v_s
        g = np.array([1.0, 50.0]) * theta_pt
        b_pt = mu * b_pt + g
        theta_pt = theta_pt - lr * (g + mu * b_pt)
        assert np.allclose(package["theta"], theta_pt) and np.allclose(
            package["theta"], theta_s + mu * v_s
        )


def test_the_narrow_valley():
    quote("07", "above $2/50 = 0.04$ it diverges")
    quote("07", "after 50 steps it is still at\n$\\theta_1 \\approx -0.67$")
    quote(
        "07",
        "Momentum's velocity builds up along the valley and carries it past\nthe minimum and back",
    )
    quote(
        "07",
        "Adagrad's first step ($\\eta$ times the sign\nof $g$) happens to suit this problem",
    )
    quote("07", "Adam's momentum shows as an overshoot\nnear the minimum")
    assert np.abs(valley_path(optim.SGD(0.041))[-1, 1]) > 1
    assert np.abs(valley_path(optim.SGD(0.039))[-1, 1]) < 1
    assert round(valley_path(optim.SGD(0.035))[-1, 0], 2) == -0.67
    theta1 = valley_path(optim.Momentum(0.01, 0.9))[:, 0]
    turn = int(np.argmax(theta1))
    assert theta1[turn] > 0.5 and theta1[-1] < 0.5 * theta1[turn]  # past the minimum, and back
    first = valley_path(optim.Adagrad(1.0), steps=1)[1]
    assert np.allclose(first, [-3.0, 0.0], atol=1e-8)  # theta_2 lands on the valley floor
    assert valley_path(optim.Adam(0.3))[:, 0].max() > 0  # theta_1 overshoots 0


def test_the_toy_task_with_and_without_clipping(toy_runs):
    quote("07", "Without clipping, several runs show sudden spikes")
    quote(
        "07", "others (momentum, Adagrad) end the 200 steps far above where they\nwere at step 100"
    )
    quote("07", "With the gradient clipped, every run ends below 0.1")
    quote("07", "the largest rises of momentum, Nesterov, Adagrad and Adam are 0.06 or less")
    quote("07", "SGD's and\nRMSprop's are about the same size, 0.12 and 0.13")
    quote("07", "SGD's comes at step 14")
    quote("07", "whereas RMSprop's comes near the end, when its loss was\nbelow 0.1")
    plain, clipped = toy_runs[None], toy_runs[0.5]

    def rise(losses):
        d = np.diff(losses)
        return d.max(), int(np.argmax(d)) + 2  # size, and step s (counted from 1)

    assert sum(rise(L)[0] > 0.4 for L in plain.values()) >= 3
    for label in ("momentum", "Adagrad"):
        assert plain[label][-1] > 3 * plain[label][99]
    assert all(L[-1] < 0.1 for L in clipped.values())
    for label in ("momentum", "Nesterov", "Adagrad", "Adam"):
        assert rise(clipped[label])[0] <= 0.06
    (sgd_rise, sgd_step), (rms_rise, rms_step) = rise(clipped["SGD"]), rise(clipped["RMSprop"])
    assert (round(sgd_rise, 2), round(rms_rise, 2)) == (0.12, 0.13)
    assert sgd_step == 14 and clipped["SGD"][sgd_step - 2] > 0.5
    assert rms_step > 180 and clipped["RMSprop"][rms_step - 2] < 0.1


def test_after_50_steps_the_adaptive_methods_are_ahead(toy_runs):
    quote("07", "After 50 steps the adaptive methods are ahead")
    quote("07", "momentum lets a ten times smaller one do similar work")
    for runs in toy_runs.values():
        adaptive = max(runs[k][49] for k in ("Adagrad", "RMSprop", "Adam"))
        others = min(runs[k][49] for k in ("SGD", "momentum", "Nesterov"))
        assert adaptive < others
        assert abs(runs["momentum"][49] - runs["SGD"][49]) < 0.05


def test_weight_decay():
    quote(
        "07",
        "The larger $\\lambda$, the smaller the weight matrices and the higher the training loss",
    )
    quote("07", "The bias is not decayed, but it still changes because it is trained")
    x, y = delay_task(32, 12, 4)
    losses, norms = [], []
    b0 = fresh_model().params["b_h"].copy()
    for wd in (0.0, 0.01, 0.1):
        model = fresh_model()
        losses.append(
            train.train(model, x, y, optim.Adam(0.01, weight_decay=wd), epochs=200).loss[-1]
        )
        norms.append([np.linalg.norm(model.params[k]) for k in ("W_xh", "W_hh", "W_hy")])
        assert not np.allclose(model.params["b_h"], b0)
    assert losses[0] < losses[1] < losses[2]
    assert all(np.all(np.diff(np.array(norms)[:, j]) < 0) for j in range(3))


def test_dropout_memory_and_its_gain():
    quote(
        "07",
        "With one mask, 80% of the units hold $h_0$ for all 20 steps; with a new mask each step,",
    )
    quote("07", "after 10 steps only $0.8^{10} \\approx 11\\%$ do")
    quote("07", "so after $t$ steps a survivor holds $1.25^t$, with one mask as\nwith many")
    quote("07", "At evaluation nothing is dropped or scaled and the memory holds exactly $h_0$")
    N, T, H, p_h = 500, 20, 16, 0.2
    memory = {"W_xh": np.zeros((1, H)), "W_hh": np.eye(H), "b_h": np.zeros(H)}
    x, h0 = np.zeros((N, T, 1)), np.ones((N, H))
    kept = {}
    for same in (True, False):
        h, _ = dropout.variational_rnn_forward(
            x, h0, memory, 0.0, p_h, np.random.default_rng(0), "identity", same_mask=same
        )
        kept[same] = np.mean(h != 0, axis=(0, 2))
        for t in (1, 5, 20):
            survivors = h[:, t - 1][h[:, t - 1] != 0]
            assert np.allclose(survivors, 1.25**t)
    assert abs(kept[True][-1] - 0.8) < 0.02 and np.all(kept[True] == kept[True][0])
    assert abs(kept[False][9] - 0.8**10) < 0.02 and round(0.8**10, 2) == 0.11
    h_eval, _ = dropout.variational_rnn_forward(
        x, h0, memory, 0.0, p_h, activation="identity", train=False
    )
    assert np.all(h_eval == 1.0)


def test_initialisation_figure(chapter_rng_draws):
    quote("07", "Small random weights leave the state tiny and make it forget at once")
    quote("07", "the gradient is gone after a step or two")
    quote("07", "Xavier and orthogonal\nstarts keep $\\lVert h_t \\rVert$ steady")
    quote("07", "by roughly a factor of 10\nevery 10 steps here")
    quote("07", "The identity start passes the gradient back almost unchanged")
    quote("07", "at the price of a state that grows with the inputs it adds up")
    xi, schemes, _ = chapter_rng_draws
    result = {}
    for label, (p, act) in schemes.items():
        h, _ = rnn.rnn_forward(xi, np.zeros((8, 32)), p, activation=act)
        h_norm = np.linalg.norm(h, axis=2).mean(axis=0)  # (T,)
        result[label] = h_norm, gradients.gradient_norms("rnn", xi, p, activation=act)
    h_small, g_small = result["small random"]
    assert h_small.max() < 0.2 and g_small[-3] < 1e-2 * g_small[-1] and g_small[-5] < 1e-4
    for label in ("Xavier", "orthogonal"):
        h_norm, g = result[label]
        assert h_norm[10:].std() < 0.1 * h_norm[10:].mean()
        per_10 = (g[-1] / g[-31]) ** (1 / 3)
        assert 5 < per_10 < 25
    h_id, g_id = result["identity + relu"]
    assert g_id[-31] > 0.5 * g_id[-1] and h_id[-1] > 2 * h_id[9]


def test_lstm_forget_bias_in_the_initialisation_figure(chapter_rng_draws):
    quote(
        "07", "a bias of 1 instead of 0\nmoves the start from $f \\approx 0.5$ to $f \\approx 0.73$"
    )
    quote("07", "| LSTM forget bias 1 (Gers, Schmidhuber and Cummins 2000;")
    xi = chapter_rng_draws[0]
    back30 = [
        gradients.gradient_norms(
            "lstm", xi, lstm.init_params(4, 32, np.random.default_rng(1), forget_bias=fb)
        )[-31]
        for fb in (0.0, 1.0, 2.0)
    ]
    assert back30[0] < back30[1] < back30[2]


def test_truncated_bptt_floor():
    quote("07", "the loss cannot go below\n$0.3 \\ln 4 \\approx 0.42$")
    quote("07", "the network learns to use them, although no gradient ever crossed a boundary")
    x, y = delay_task(8, 160, 3, seed=5)
    losses = {}
    for stateful in (True, False):
        losses[stateful] = train.train(
            fresh_model(), x, y, optim.Adam(0.02), epochs=20, seq_len=10, stateful=stateful
        ).loss
    floor = 0.3 * np.log(4)
    assert round(floor, 2) == 0.42
    assert np.mean(losses[False][-16:]) > floor - 0.01
    assert np.mean(losses[True][-16:]) < 0.05


def test_a_diverging_run(chapter_rng_draws):
    quote("07", "the loss grew by a constant factor\nper step, a straight line on a log scale")
    quote(
        "07",
        "Clipping alone keeps the run finite but a learning rate of 10 still cannot learn anything",
    )
    xr = chapter_rng_draws[2]
    yr = np.cumsum(xr, axis=1) / 4
    with pytest.raises(train.TrainingDiverged) as info:
        train.train(
            train.init_model("rnn", 1, 8, 1, np.random.default_rng(1)), xr, yr, optim.SGD(10.0),
            epochs=150, loss="mse",
        )  # fmt: skip
    assert info.value.step == 81
    rates = np.diff(np.log10(info.value.history.loss))[10:]
    assert rates.std() < 0.01 * rates.mean()
    model = train.init_model("rnn", 1, 8, 1, np.random.default_rng(1))
    clipped = train.train(model, xr, yr, optim.SGD(10.0), epochs=150, loss="mse", max_norm=1.0).loss
    assert np.isfinite(clipped[-1]) and clipped[-1] > clipped[0]
    # the quiz of part 7c quotes these runs
    quote_quiz("07c", "it finishes, but the loss goes from 0.912 to 166")
    assert (round(clipped[0], 3), round(clipped[-1])) == (0.912, 166)
    quote_quiz("07c", "the loss rose over a hundredfold")
    assert clipped[-1] > 100 * clipped[0]
    model = train.init_model("rnn", 1, 8, 1, np.random.default_rng(1))
    slow = train.train(model, xr, yr, optim.SGD(0.1), epochs=150, loss="mse").loss
    quote_quiz("07c", "lower the learning rate (0.1 learns, 0.912 to 0.220)")
    quote_quiz("07c", "The same network at learning rate 0.1 reaches 0.220")
    assert (round(slow[0], 3), round(slow[-1], 3)) == (0.912, 0.220)


def test_quiz_sgd_limit_on_the_valley():
    quote_quiz("07a", "above which learning rate $\\eta$ does it diverge?")
    quote_quiz("07a", "whose size exceeds 1 once $\\eta > 2/50 = 0.04$")
    quote_quiz("07a", "the chapter's run uses 0.035, just below it")
    assert np.abs(valley_path(optim.SGD(0.0405))[-1, 1]) > 1
    assert np.abs(valley_path(optim.SGD(0.0395))[-1, 1]) < 1
    quote_quiz("07a", "At $\\eta = 1/50$ the factor $1 - 50\\eta$ is 0")
    assert np.allclose(valley_path(optim.SGD(1 / 50), steps=1)[1, 1], 0.0, atol=1e-12)
    quote_quiz("07a", "$|1 - \\eta| < 1$ for $\\eta < 2$")
    assert abs(1 - 1.99) < 1 and abs(1 - 2.01) > 1


def test_quiz_nesterov_after_5_steps():
    quote_quiz("07a", "after 5 steps the package's parameters equal Sutskever et al.'s")
    mu, lr = 0.9, 0.01
    package = {"theta": np.array([-4.0, 1.0])}
    opt = optim.Momentum(lr, mu, nesterov=True)
    theta_s, v_s = np.array([-4.0, 1.0]), np.zeros(2)
    for _ in range(5):
        opt.step(package, {"theta": np.array([1.0, 50.0]) * package["theta"]})
        v_s = mu * v_s - lr * np.array([1.0, 50.0]) * (theta_s + mu * v_s)
        theta_s = theta_s + v_s
    assert np.allclose(package["theta"], theta_s + mu * v_s)
    quote_quiz("07a", "while Sutskever's $\\theta$ itself is elsewhere")
    assert not np.allclose(package["theta"], theta_s)


def test_quiz_forget_bias(chapter_rng_draws):
    quote_quiz("07b", "near $\\sigma(1) \\approx 0.73$ instead of $0.5$")
    assert round(1 / (1 + np.exp(-1.0)), 2) == 0.73 and 1 / (1 + np.exp(0.0)) == 0.5
    quote_quiz(
        "07b",
        "the gradient 30 steps back is about 2000 times larger with bias 1 than with bias 0 "
        "($5.4 \\cdot 10^{-3}$ against $2.8 \\cdot 10^{-6}$)",
    )
    xi = chapter_rng_draws[0]
    back30 = {
        fb: gradients.gradient_norms(
            "lstm", xi, lstm.init_params(4, 32, np.random.default_rng(1), forget_bias=fb)
        )[-31]
        for fb in (0.0, 1.0)
    }
    assert (f"{back30[1.0]:.1e}", f"{back30[0.0]:.1e}") == ("5.4e-03", "2.8e-06")
    assert 1500 < back30[1.0] / back30[0.0] < 2500


def test_a_unit_survives_k_per_step_masks_with_probability():
    quote("07", "What a unit stored survives $k$ steps only if\nit was kept $k$ times in a row")
    N, T, H, p = 2000, 8, 8, 0.3
    memory = {"W_xh": np.zeros((1, H)), "W_hh": np.eye(H), "b_h": np.zeros(H)}
    h, _ = dropout.variational_rnn_forward(
        np.zeros((N, T, 1)), np.ones((N, H)), memory, 0.0, p, np.random.default_rng(1),
        "identity", same_mask=False,
    )  # fmt: skip
    kept = np.mean(h != 0, axis=(0, 2))
    assert np.allclose(kept, (1 - p) ** np.arange(1, T + 1), atol=0.01)


def test_forget_bias_passes_through_init_model():
    quote(
        "07", '`train.init_model(..., init_options={"forget_bias": 0.0})` passes a different value'
    )
    H = 5
    default = train.init_model("lstm", 3, H, 2, np.random.default_rng(0))
    zero = train.init_model(
        "lstm", 3, H, 2, np.random.default_rng(0), init_options={"forget_bias": 0.0}
    )
    assert np.all(default.params["b"][H : 2 * H] == 1.0)
    assert np.all(zero.params["b"][H : 2 * H] == 0.0)


def test_adagrad_puts_epsilon_inside_the_root():
    quote("07", "like it, the package puts\n$\\epsilon = 10^{-8}$ inside the square root")
    params = {"w": np.array([1e-4, 2.0])}
    opt = optim.Adagrad(1.0)
    g = np.array([1e-4, 2.0])
    opt.step(params, {"w": g})
    assert opt.eps == 1e-8
    assert np.allclose(params["w"], g - g / np.sqrt(g * g + 1e-8), rtol=1e-12, atol=0)


def test_init_table_and_defaults():
    quote("07", "$W_{xh}$ is small random ($\\mathcal N(0, 0.01^2)$) in the first scheme")
    quote("07", "with $\\beta_1 = 0.9$, $\\beta_2 = 0.999$")
    quote("07", "with\n$\\rho = 0.9$")
    w = init.small_normal((400, 400), np.random.default_rng(0))
    assert abs(w.std() - 0.01) < 0.0005
    adam, rms = optim.Adam(), optim.RMSprop(0.01)
    assert (adam.beta1, adam.beta2, adam.eps) == (0.9, 0.999, 1e-8)
    assert rms.rho == 0.9
    Q = init.by_name("orthogonal", (32, 32), np.random.default_rng(0))
    assert np.allclose(np.linalg.svd(Q, compute_uv=False), 1.0)
    X = init.by_name("xavier_uniform", (300, 200), np.random.default_rng(0))
    assert abs(X.var() - 2 / (300 + 200)) < 0.05 * 2 / 500
