"""Chapter 03's claims, each quoted from the chapter and recomputed with the package."""

from functools import cache

import numpy as np
import pytest
from _quote import quote, quote_quiz

from rnncourse import bptt, clipping, gradients, gru, lstm, rnn
from rnncourse.viz.gradient_flow import gradient_flow

RADII = (0.5, 0.9, 1.0, 1.1, 1.5, 2.0)


@cache
def _chapter_draws():
    """The chapter's random draws, in the order its cells make them: each part starts with
    rng = setup(seed=0), part 3a draws in sections 3 and 4, part 3b in sections 5 and 6."""
    rng = np.random.default_rng(0)  # part 3a
    x3 = rng.standard_normal((1, 6, 3))
    params3 = gradients.make_params("rnn", 3, 4, rng, rho=1.2, recurrent="xavier_normal")
    W_rand = rng.standard_normal((6, 6)) / np.sqrt(6)
    rng = np.random.default_rng(0)  # part 3b
    x5 = rng.standard_normal((1, 50, 8))
    x6 = rng.standard_normal((1, 100, 8))
    return x3, params3, W_rand, x5, x6


@cache
def _section5():
    """Left ends ||dL/dh_1|| and sigma_max for section 5's two matrices and three activations."""
    x5 = _chapter_draws()[3]
    first, sigma = {}, {}
    for matrix, scheme in (("orthogonal", "orthogonal"), ("random normal", "xavier_normal")):
        Ws = [
            gradients.make_params("rnn", 8, 32, np.random.default_rng(1), rho=r, recurrent=scheme)
            for r in RADII
        ]
        sigma[matrix] = np.array([np.linalg.norm(p["W_hh"], ord=2) for p in Ws])
        for activation in ("identity", "tanh", "sigmoid"):
            first[matrix, activation] = np.array(
                [gradients.gradient_norms("rnn", x5, p, activation=activation)[0] for p in Ws]
            )
    return first, sigma


def _scalar(w, T=10, x_t=0.1):
    h, prod, out, hs = 0.0, 1.0, [], []
    for _ in range(T):
        h = np.tanh(w * h + x_t)
        prod *= w * (1 - h**2)
        out.append(prod)
        hs.append(h)
    return np.array(out), np.array(hs)


def test_one_unit_by_hand():
    quote(
        "03",
        "$h_1 = \\tanh(0.1) = 0.0997$,\n$1 - h_1^2 = 0.9901$, so the factor is $0.5 \\cdot "
        "0.9901 = 0.4950$.",
    )
    quote(
        "03",
        "$a_2 = 0.5 \\cdot 0.0997 + 0.1 = 0.1498$, the factor $0.4889$, and the "
        "product\n$0.4950 \\cdot 0.4889 = 0.2420$. Each step roughly halves the gradient",
    )
    g, h = _scalar(0.5)
    assert round(h[0], 4) == 0.0997 and round(1 - h[0] ** 2, 4) == 0.9901
    assert round(g[0], 4) == 0.4950 and round(0.5 * h[0] + 0.1, 4) == 0.1498
    assert round(g[1] / g[0], 4) == 0.4889 and round(g[1], 4) == 0.2420
    assert np.all((g[1:] / g[:-1] > 0.45) & (g[1:] / g[:-1] < 0.5))


def test_w_1_and_w_2():
    quote(
        "03",
        "$w = 1$: no shrinking from the weight, but $1 - h_t^2 < 1$ as soon as the state "
        "moves away\n  from 0, so the gradient still fades, only more slowly.",
    )
    quote(
        "03",
        "the gradient **grows**, to 4.7\n  after three steps. Then the state saturates ($h_t "
        "\\to 0.97$), $1 - h_t^2$ drops to about\n  0.066, each factor is about 0.13, and the "
        "gradient collapses.",
    )
    quote(
        "03",
        "the\nproduct would be exactly $w^T$: $0.5^{10} \\approx 0.001$, $1$, $2^{10} = 1024$.",
    )
    g1, _ = _scalar(1.0)
    g05, _ = _scalar(0.5)
    assert np.all(np.diff(g1) < 0) and np.all(g1 > g05)
    g2, h2 = _scalar(2.0)
    assert round(g2[2], 1) == 4.7 and g2.argmax() == 2 and g2[-1] < 1e-4
    assert round(h2[-1], 2) == 0.97 and round(1 - h2[-1] ** 2, 3) == 0.066
    assert round(g2[-1] / g2[-2], 2) == 0.13
    for w, expected in ((0.5, 0.5**10), (1.0, 1.0), (2.0, 1024.0)):
        x = np.zeros((1, 10, 1))
        p = {"W_xh": np.ones((1, 1)), "W_hh": np.full((1, 1), w), "b_h": np.zeros(1)}
        J = gradients.step_jacobians("rnn", x, p)
        assert gradients.jacobian_product(J)[0, 0] == pytest.approx(expected, rel=1e-12)
    assert round(0.5**10, 3) == 0.001


def test_the_bound_and_the_activations():
    quote(
        "03",
        "the norm (largest\nsingular value) of a diagonal matrix is its largest absolute entry",
    )
    quote(
        "03",
        "$\\tanh'(a) = 1 - \\tanh^2(a)$ peaks at 1 (at $a = 0$), while\n$\\sigma'(a) = "
        "\\sigma(a)(1 - \\sigma(a))$ peaks at $0.25$",
    )
    quote("03", "So if $\\gamma\\, \\sigma_{\\max}(W_{hh}) < 1$, the gradient **must** vanish")
    d = np.array([0.3, -0.9, 0.5])
    assert np.linalg.norm(np.diag(d), ord=2) == pytest.approx(0.9)
    assert gradients.MAX_DERIVATIVE["tanh"] == 1.0 and gradients.MAX_DERIVATIVE["sigmoid"] == 0.25
    x3, params3, *_ = _chapter_draws()
    for activation in ("tanh", "sigmoid"):
        J = gradients.step_jacobians("rnn", x3, params3, activation=activation)
        bound = gradients.jacobian_norm_bound(params3["W_hh"], activation)
        assert max(np.linalg.norm(J_t, ord=2) for J_t in J) <= bound
    # a cell with gamma * sigma_max < 1 vanishes at least at that rate, whatever the input
    rng = np.random.default_rng(5)
    p = gradients.make_params("rnn", 3, 8, rng, recurrent="xavier_normal")
    p["W_hh"] *= 0.9 / np.linalg.norm(p["W_hh"], ord=2)
    norms = gradients.gradient_norms("rnn", rng.standard_normal((1, 30, 3)) * 3, p)
    assert np.all(norms <= 0.9 ** (29 - np.arange(30)) + 1e-12)


def test_two_by_two_normal_and_non_normal():
    quote(
        "03",
        "The triangular matrix has the same\neigenvalues, yet one multiplication stretches a "
        "vector by up to $3.08$, and its powers first\nstay large ($3.08$, $3.02$, $2.26$ for "
        "$k = 1, 2, 3$) before they decay.",
    )
    quote("03", "$0.5\\,I$ commutes with its transpose, the triangular matrix does not.")
    quote("03", "$0.5\\,I$ is the *only* normal matrix whose eigenvalues are both $0.5$")
    quote("03", "the last column of the table, falling towards $0.5$")
    quote("03", "Always $\\rho(W) \\le \\sigma_{\\max}(W)$")
    W = np.array([[0.5, 3.0], [0.0, 0.5]])
    half = 0.5 * np.eye(2)
    norms = [np.linalg.norm(np.linalg.matrix_power(W, k), ord=2) for k in range(1, 41)]
    assert [round(n, 2) for n in norms[:3]] == [3.08, 3.02, 2.26] and norms[-1] < 1e-9
    assert np.allclose(half @ half.T, half.T @ half) and not np.allclose(W @ W.T, W.T @ W)
    for k in (1, 5, 40):
        assert np.linalg.norm(np.linalg.matrix_power(half, k), ord=2) == pytest.approx(0.5**k)
    roots = [n ** (1 / k) for k, n in enumerate(norms, start=1)]
    assert all(b < a for a, b in zip(roots, roots[1:], strict=False)) and roots[-1] > 0.5
    for seed in range(5):  # a normal matrix Q diag(0.5, 0.5) Q^T is 0.5 I for every rotation Q
        Q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((2, 2)))
        assert np.allclose(Q @ half @ Q.T, half)
        M = np.random.default_rng(seed).standard_normal((4, 4))
        assert gradients.spectral_radius(M) <= np.linalg.norm(M, ord=2) + 1e-12


def test_scaling_keeps_the_ratio():
    quote(
        "03",
        "Scaling multiplies every eigenvalue and every singular value by\nthe same factor, so "
        "the ratio $\\sigma_{\\max} / \\rho$ stays",
    )
    W = _chapter_draws()[2]
    ratios = []
    for rho in (None, 0.5, 1.5):
        M = W if rho is None else gradients.scale_to_spectral_radius(W, rho)
        ratios.append(np.linalg.norm(M, ord=2) / gradients.spectral_radius(M))
    assert np.allclose(ratios, ratios[0])


def test_section_5_linear_rnn():
    quote("03", "here $\\sigma_{\\max}$ is 1.65 times $\\rho$.")
    quote(
        "03",
        "$0.5^{49} \\approx 2 \\cdot 10^{-15}$ at the left end, $2^{49} \\approx 6 \\cdot "
        "10^{14}$ for\n  $\\rho = 2$. Only $\\rho = 1$ keeps the gradient intact.",
    )
    quote("03", "the left ends land\n  within a factor of 5 of the orthogonal ones")
    quote(
        "03",
        "with $\\rho = 0.9$ the gradient vanishes although every $\\sigma_{\\max}$\n  from "
        "$\\rho = 0.9$ up is above 1.",
    )
    quote(
        "03",
        "For the linear RNN the non-normal matrix ends near $\\rho^{49}$, nowhere "
        "near\n$\\sigma_{\\max}^{49}$: the spectral radius decides.",
    )
    first, sigma = _section5()
    radii = np.array(RADII)
    assert np.allclose(sigma["orthogonal"], radii)
    assert np.allclose(sigma["random normal"] / radii, 1.65, atol=0.005)
    orth, rn = first["orthogonal", "identity"], first["random normal", "identity"]
    assert np.allclose(orth, radii**49, rtol=1e-6)
    assert (
        round(orth[0] / 1e-15) == 2 and round(orth[-1] / 1e14) == 6 and orth[2] == pytest.approx(1)
    )
    assert np.all((orth / rn < 5) & (rn / orth < 5))
    assert rn[1] < 1e-2 and np.all(sigma["random normal"][1:] > 1)
    logs = np.log(rn)
    assert np.all(np.abs(logs - np.log(radii**49)) < 2)  # within a factor e^2 of rho^49 ...
    assert np.all(np.log(sigma["random normal"] ** 49) - logs > 15)  # ... and > e^15 below sigma^49


def test_section_5_tanh_and_sigmoid():
    quote("03", "so even $\\rho = 1$ and $\\rho = 1.1$ vanish.")
    quote(
        "03",
        "with\n  $\\rho = 1.5$ the gradient still fades, and only $\\rho = 2$ makes it grow, "
        "by far less than\n  $2^{49}$.",
    )
    quote(
        "03",
        "Every curve vanishes, the steepest of all: even the largest\n  bound, $0.25\\, "
        "\\sigma_{\\max}$ for $\\rho = 2$ with the random normal matrix, is below 1.",
    )
    quote("03", "here, with tanh, the non-normal matrix\neven fades faster.")
    first, sigma = _section5()
    for matrix in ("orthogonal", "random normal"):
        tanh, sig = first[matrix, "tanh"], first[matrix, "sigmoid"]
        assert np.all(tanh[:5] < 1) and 1 < tanh[5] < 1e-6 * 2.0**49
        assert (
            np.all(sig < 1e-15) and np.all(sig < tanh) and np.all(sig < first[matrix, "identity"])
        )
    assert 0.25 * sigma["random normal"].max() < 1
    assert np.all(first["random normal", "tanh"] < first["orthogonal", "tanh"])


def test_quiz_tanh_gradients_of_the_random_normal_matrices_still_vanish():
    quote_quiz(
        "03b",
        "In section 5 the random normal matrices with $\\rho$ from 0.9 to 1.5 have "
        "$\\sigma_{\\max}$ from 1.48 to 2.47, and with tanh their gradients still vanish "
        "($1.2 \\cdot 10^{-4}$ left at $t = 1$ for $\\rho = 1.5$)",
    )
    first, sigma = _section5()
    assert [round(s, 2) for s in sigma["random normal"][[1, 4]]] == [1.48, 2.47]
    assert np.all(first["random normal", "tanh"][1:5] < 1)
    assert f"{first['random normal', 'tanh'][4]:.1e}" == "1.2e-04"


def _counterexample():
    W = np.array([[1.2, -1.0], [1.0, -0.9]])
    p = {"W_xh": np.zeros((1, 2)), "W_hh": W, "b_h": np.array([-1.0, 10.0])}
    x, h0 = np.zeros((1, 40, 1)), np.array([[0.0, 1.0]])
    return W, p, x, h0


def test_non_normal_tanh_counterexample():
    quote(
        "03",
        "(part 3b) ends with a tanh RNN whose $W_{hh}$ has $\\rho = 0.47$ and whose\ngradient "
        "still grows by a factor of 1.2 per step.",
    )
    quote(
        "03",
        "Unit 2 gets the bias 10 and sits at $\\tanh(10) \\approx 1$, saturated, so $\\tanh' "
        "\\approx 0$\nthere.",
    )
    quote("03", "stays near 0, where $\\tanh' = 1$")
    quote(
        "03", "the step Jacobian keeps only the first row of $W_{hh}^\\top$, with eigenvalue $1.2$"
    )
    quote(
        "03",
        "The linear RNN with the same $W_{hh}$ forgets, at its rate $\\rho = 0.47$; the tanh "
        "RNN's gradient\ngrows about 1.2 times per step, to over a thousand at $t = 1$. Here "
        "$\\gamma\\,\\sigma_{\\max} = 2.06$",
    )
    W, p, x, h0 = _counterexample()
    assert round(gradients.spectral_radius(W), 2) == 0.47
    assert round(gradients.jacobian_norm_bound(W, "tanh"), 2) == 2.06
    h, _ = rnn.rnn_forward(x, h0, p)
    assert np.all(1 - h[0, :, 1] ** 2 < 1e-7) and np.all(np.abs(h[0, :, 0]) < 1e-3)
    J = gradients.step_jacobians("rnn", x, p, h0)
    assert np.allclose([gradients.spectral_radius(J_t) for J_t in J], 1.2, atol=1e-6)
    tanh = gradients.gradient_norms("rnn", x, p, h0)
    linear = gradients.gradient_norms("rnn", x, p, h0, activation="identity")
    assert (tanh[0] / tanh[29]) ** (1 / 29) == pytest.approx(1.2, abs=0.005)
    assert tanh[0] > 1000 and np.all(np.diff(tanh) < 0)  # grows at every step back
    assert (linear[0] / linear[29]) ** (1 / 29) == pytest.approx(0.47, abs=0.005)
    # the numbers: 1, 5.7, 35.3, 218, 1130 at t = 40, 30, 20, 10, 1
    assert [round(tanh[t - 1], 1) for t in (40, 30, 20)] == [1.0, 5.7, 35.3]


def test_gates_and_the_eight_orders():
    quote(
        "03",
        "With zero biases the GRU's update gates and the LSTM's forget gates average close "
        "to\n$\\sigma(0) = 0.5$; both cells fade as fast as the tanh RNN, or faster.",
    )
    quote(
        "03",
        "the LSTM's forget gates average close to $\\sigma(1) = 0.73$, and over 100 steps its "
        "gradient\nsurvives about eight orders of magnitude better than the tanh RNN's, and "
        "eleven better than the\nLSTM's with forget bias 0.",
    )
    x6 = _chapter_draws()[4]
    runs = {
        "rnn": ("rnn", {}),
        "gru": ("gru", {}),
        "lstm0": ("lstm", {"forget_bias": 0.0}),
        "lstm1": ("lstm", {"forget_bias": 1.0}),
    }
    left, gates = {}, {}
    for label, (cell, options) in runs.items():
        p = gradients.make_params(cell, 8, 32, np.random.default_rng(2), **options)
        left[label] = gradients.gradient_norms(cell, x6, p)[0]
        if cell == "lstm":
            _, c = lstm.lstm_forward(x6, np.zeros((1, 32)), np.zeros((1, 32)), p)
            gates[label] = np.mean([s.f for s in c.steps])
        elif cell == "gru":
            _, c = gru.gru_forward(x6, np.zeros((1, 32)), p)
            gates[label] = np.mean([s.z for s in c.steps])
    assert abs(gates["gru"] - 0.5) < 0.03 and abs(gates["lstm0"] - 0.5) < 0.03
    assert (
        abs(gates["lstm1"] - 1 / (1 + np.exp(-1))) < 0.03 and round(1 / (1 + np.exp(-1)), 2) == 0.73
    )
    assert left["gru"] <= left["rnn"] and left["lstm0"] <= left["rnn"]
    assert round(np.log10(left["lstm1"] / left["rnn"])) == 8
    assert round(np.log10(left["lstm1"] / left["lstm0"])) == 11


def test_widget_numbers():
    quote("03", "for the widget's draw, $\\sigma_{\\max}$ is 1.75 times $\\rho$")
    quote(
        "03",
        "the bars reach up to\n  $\\sigma_{\\max} = 1.40$, above the line at 1, yet the "
        "points stay below it and the\n  gradient still vanishes",
    )
    quote(
        "03",
        "Can you stop the gradient from\n  vanishing? The dashed bound $0.25 \\cdot "
        "\\sigma_{\\max}$ tells you why.",
    )
    flow = gradient_flow("rnn", rho=0.8, activation="identity", matrix="random normal")
    assert round(flow["sigma_max"] / flow["rho"], 2) == 1.75
    assert round(flow["sv_last"][0], 2) == 1.40 == round(flow["sigma_max"], 2)
    assert flow["growth"].max() < 1 and flow["ratio"] < 1e-4
    for matrix in ("orthogonal", "random normal"):  # sigmoid: the bound stays below 1 up to rho = 2
        f = gradient_flow("rnn", rho=2.0, activation="sigmoid", matrix=matrix)
        assert f["bound"] < 1 and f["ratio"] < 1e-3


def _last_state_grads(rho, T=40, D=4, H=16, seed=0):
    rng_ = np.random.default_rng(seed)
    params = gradients.make_params("rnn", D, H, rng_, rho=rho)
    x = rng_.standard_normal((1, T, D))
    _, cache = rnn.rnn_forward(x, np.zeros((1, H)), params)
    dh = np.zeros((1, T, H))
    dh[:, -1] = 1 / np.sqrt(H)
    return rnn.rnn_backward(dh, cache)[2], dh, cache


def _cosine(a, b):
    va = np.concatenate([g.ravel() for g in a.values()])
    vb = np.concatenate([g.ravel() for g in b.values()])
    return va @ vb / (np.linalg.norm(va) * np.linalg.norm(vb))


def test_clipping_claims():
    quote(
        "03",
        "Global-norm clipping brings the norm down to exactly 5 and keeps the direction (cosine 1)",
    )
    quote("03", "here it\nleaves the norm far above 5, because many entries are large")
    quote(
        "03",
        "Nothing changes: the norm is below the limit, so neither method does anything. "
        "Clipping only\never *shrinks*.",
    )
    quote("03", "The contribution of step 1 is less than $10^{-16}$ times that of step 40.")
    big = _last_state_grads(3.0)[0]
    by_norm, total = clipping.clip_by_global_norm(big, 5.0)
    assert total > 5 and clipping.global_norm(by_norm) == pytest.approx(5.0)
    assert _cosine(by_norm, big) == pytest.approx(1.0)
    by_value = clipping.clip_by_value(big, 5.0)
    assert clipping.global_norm(by_value) > 50 and _cosine(by_value, big) < 0.9
    small, dh, cache = _last_state_grads(0.5)
    for clipped in (
        clipping.clip_by_global_norm(small, 5.0)[0],
        clipping.clip_by_value(small, 5.0),
    ):
        assert all(np.array_equal(clipped[k], small[k]) for k in small)
    records = {r.t: r for r in bptt.bptt_steps(dh, cache)}
    ratio = np.linalg.norm(records[0].grads["W_xh"]) / np.linalg.norm(records[39].grads["W_xh"])
    assert ratio < 1e-16


def test_default_initialisation_of_the_three_cells():
    quote(
        "03",
        "each with the package's default initialisation: orthogonal\nrecurrent blocks, zero "
        "biases, except the LSTM's forget-gate bias, which the package starts\nat 1.",
    )
    H = 6
    for cell in ("rnn", "lstm", "gru"):
        p = gradients.make_params(cell, 3, H, np.random.default_rng(0))
        for W in gradients.recurrent_blocks(cell, p).values():
            assert np.allclose(W @ W.T, np.eye(H))
        biases = {k: v for k, v in p.items() if k.startswith("b")}
        for key, b in biases.items():
            if cell == "lstm":
                forget = b[H : 2 * H] if b.shape == (4 * H,) else None
                assert forget is None or np.all(forget == 1.0), key
                rest = np.delete(b, np.s_[H : 2 * H]) if b.shape == (4 * H,) else b
                assert not rest.any(), key
            else:
                assert not b.any(), (cell, key)


def test_clipping_returns_new_arrays_and_only_shrinks():
    quote(
        "03",
        "both return new arrays and leave\nthe gradients they are given untouched",
    )
    quote("03", "the long-range part is even below the rounding error of the short-range part")
    grads = _last_state_grads(3.0)[0]
    before = {k: v.copy() for k, v in grads.items()}
    for clipped in (
        clipping.clip_by_value(grads, 5.0),
        clipping.clip_by_global_norm(grads, 5.0)[0],
    ):
        assert all(clipped[k] is not grads[k] for k in grads)
        assert clipping.global_norm(clipped) <= clipping.global_norm(grads)
    assert all(np.array_equal(grads[k], before[k]) for k in grads)
    _, dh, cache = _last_state_grads(0.5)
    records = {r.t: r for r in bptt.bptt_steps(dh, cache)}
    first = np.linalg.norm(records[0].grads["W_xh"])
    last = np.linalg.norm(records[39].grads["W_xh"])
    assert first / last < np.finfo(np.float64).eps  # below the rounding of the recent part


def test_lstm_state_is_the_pair():
    quote(
        "03",
        "For the LSTM the state is\nthe pair $(h_t, c_t)$, so its Jacobians are $2H \\times "
        "2H$ and it shows $2H$ bars.",
    )
    flow = gradient_flow("lstm", 1.0, T=10, H=16)
    assert flow["sv_last"].shape == (32,) and flow["growth"].shape == (32,)


def test_entries_of_the_step_jacobian():
    quote(
        "03",
        "Entry $(i, j)$ of $J_t$ is\n$\\partial h_t[i] / \\partial h_{t-1}[j] = \\phi'(a_t)[i]\\; "
        "W_{hh}[j, i]$",
    )
    x3, params3, *_ = _chapter_draws()
    J = gradients.step_jacobians("rnn", x3, params3)
    h, _ = rnn.rnn_forward(x3, np.zeros((1, 4)), params3)
    W = params3["W_hh"]
    for t in range(6):
        d = 1 - h[0, t] ** 2
        expected = np.array([[d[i] * W[j, i] for j in range(4)] for i in range(4)])
        assert np.allclose(J[t], expected, atol=1e-12)


def test_what_rho_decides_and_what_not():
    quote("03", "$\\rho(W_{hh})$ decides the long\nrun of a linear RNN only.")
    quote(
        "03",
        "In a tanh RNN with a normal $W_{hh}$, $\\rho < 1$ is that guarantee\n"
        "($\\rho = \\sigma_{\\max}$), but $\\rho > 1$ need not explode (the orthogonal "
        "$\\rho = 1.5$ of the\ntable above fades)",
    )
    first, sigma = _section5()
    i = RADII.index(1.5)
    assert np.allclose(sigma["orthogonal"], RADII)  # normal: sigma_max = rho
    assert first["orthogonal", "tanh"][i] < 1  # rho = 1.5 > 1, and the gradient still fades
    assert first["orthogonal", "identity"][i] > 1e8  # the linear RNN grows at rho^49
    # rho < 1 with a non-normal W_hh: the counterexample grows (test above)
    W = _counterexample()[0]
    assert not np.allclose(W @ W.T, W.T @ W) and gradients.spectral_radius(W) < 1


def test_quiz_03a_question_2():
    quote_quiz(
        "03a",
        "A sigmoid RNN has $\\sigma_{\\max}(W_{hh}) = 3$. By at most what factor can one step "
        "back multiply the norm of the gradient, whatever the inputs?",
    )
    quote_quiz(
        "03a",
        "Right: $\\lVert J_t \\rVert \\le \\gamma\\, \\sigma_{\\max}(W_{hh}) = 0.25 \\cdot 3 = "
        "0.75 < 1$, with $\\gamma = \\max \\sigma' = \\sigma'(0) = 0.25$; so the gradient must "
        "vanish at least like $0.75^{T-k}$ (`gradients.jacobian_norm_bound` gives 0.75).",
    )
    quote_quiz(
        "03a",
        "That is $\\sigma_{\\max}(W_{hh})$ alone, the bound for a linear RNN. Each step also "
        "multiplies by $\\mathrm{diag}(\\sigma'(a_t))$, whose entries are at most 0.25.",
    )
    quote_quiz(
        "03a",
        "That is $\\gamma = \\max \\sigma'$ alone. The step also multiplies by $W_{hh}^\\top$, "
        "which can stretch a vector by up to $\\sigma_{\\max} = 3$.",
    )
    quote_quiz(
        "03a",
        "The sigmoid's derivative never reaches 1 (that is tanh's, at 0); its maximum is 0.25, "
        "so this sigmoid RNN cannot keep a gradient's size.",
    )
    quote_quiz(
        "03a",
        "That divides by 0.25 instead of multiplying: $\\sigma'$ is at most 0.25, so the bound "
        "is $0.25 \\cdot 3$, and a sigmoid RNN vanishes faster than a tanh RNN, not slower.",
    )
    W = 3.0 * np.eye(4)  # sigma_max(W_hh) = 3
    assert gradients.jacobian_norm_bound(W, "sigmoid") == pytest.approx(0.75) == 0.25 * 3
    assert gradients.jacobian_norm_bound(W, "identity") == pytest.approx(3)  # linear: 3 alone
    a = np.linspace(-8, 8, 1601)
    s = 1 / (1 + np.exp(-a))
    assert (s * (1 - s)).max() == 0.25 == 0.5 * (1 - 0.5)  # gamma = sigma'(0), never 1
    assert 3 / 0.25 == 12 and 0.75 < 1
    x = np.random.default_rng(0).standard_normal((1, 30, 4))
    p = {"W_xh": np.eye(4), "W_hh": W, "b_h": np.zeros(4)}
    J = gradients.step_jacobians("rnn", x, p, activation="sigmoid")
    assert all(np.linalg.norm(J_t, ord=2) <= 0.75 + 1e-12 for J_t in J)  # whatever the inputs


def test_quiz_03a_question_3():
    quote_quiz(
        "03a",
        "In a **linear** RNN, $W_{hh}$ has spectral radius 0.8 and largest singular value 2.5. "
        "Over 200 steps back, the gradient ...",
    )
    quote_quiz("03a", "explodes, because $\\sigma_{\\max} > 1$")
    quote_quiz(
        "03a",
        "$\\sigma_{\\max}$ bounds one step only. This part's triangular matrix has "
        "$\\sigma_{\\max} = 3.08$ and eigenvalues 0.5, and its powers still decay: by Gelfand's "
        "formula $\\lVert W^k \\rVert^{1/k} \\to \\rho$.",
    )
    quote_quiz(
        "03a",
        "Right: for a linear RNN $J_t = W_{hh}^\\top$ at every step, so the gradient $k$ steps "
        "back is $\\partial L / \\partial h_T\\, (W_{hh}^\\top)^k$, whose norm decays like "
        "$0.8^k$ after a possible transient growth (the matrix is non-normal, since $\\rho < "
        "\\sigma_{\\max}$).",
    )
    quote_quiz(
        "03a",
        "Only a matrix all of whose singular values are 1 (an orthogonal one) keeps every norm; "
        "with $\\rho = 0.8$ the eigen-directions shrink by at least 0.8 per step, and in the "
        "long run they win.",
    )
    quote_quiz("03a", "shrinks by exactly 0.8 at every single step")
    quote_quiz(
        "03a",
        "That holds for a normal matrix such as $0.8$ times an orthogonal one. Here "
        "$\\sigma_{\\max} = 2.5 > \\rho$, so single steps can stretch some vectors; 0.8 is only "
        "the long-run rate.",
    )
    W = np.array([[0.8, 0.0], [0.0, 0.8]])
    W[0, 1] = (2.5**2 + 0.8**4 / 2.5**2 - 2 * 0.8**2) ** 0.5  # sigma_max = 2.5 exactly
    assert gradients.spectral_radius(W) == pytest.approx(0.8)
    assert np.linalg.norm(W, ord=2) == pytest.approx(2.5)
    x = np.zeros((1, 3, 2))
    J = gradients.step_jacobians(
        "rnn", x, {"W_xh": np.eye(2), "W_hh": W, "b_h": np.zeros(2)}, activation="identity"
    )
    assert all(np.allclose(J_t, W.T) for J_t in J)  # linear RNN: J_t = W_hh^T every step
    norms = [np.linalg.norm(np.linalg.matrix_power(W.T, k), ord=2) for k in range(1, 201)]
    assert norms[0] > 1 and max(norms[:5]) > 2  # may grow for a few steps ...
    assert norms[-1] < 1e-15 and norms[-1] / norms[-2] == pytest.approx(0.8, abs=0.01)
    assert not np.allclose(W @ W.T, W.T @ W)  # non-normal, since rho < sigma_max
    tri = np.array([[0.5, 3.0], [0.0, 0.5]])  # the chapter's triangular matrix
    assert round(np.linalg.norm(tri, ord=2), 2) == 3.08
    assert np.allclose(np.linalg.eigvals(tri), 0.5)
    Q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((2, 2)))
    assert np.allclose(np.linalg.svd(Q, compute_uv=False), 1)  # keeps every norm
    v = np.random.default_rng(1).standard_normal(2)
    assert np.linalg.norm(v @ (0.8 * Q)) == pytest.approx(0.8 * np.linalg.norm(v))  # exactly 0.8
    assert np.abs(np.linalg.eigvals(W)).max() <= 0.8 + 1e-12  # eigen-directions shrink


def test_quiz_03b_question_1():
    quote_quiz(
        "03b",
        "Tick every true statement about a **tanh** RNN (with $\\gamma = \\max \\tanh' = 1$).",
    )
    quote_quiz(
        "03b",
        "If $\\gamma\\, \\sigma_{\\max}(W_{hh}) < 1$, the gradient must vanish exponentially "
        "with the distance",
    )
    quote_quiz("03b", "If $\\rho(W_{hh}) < 1$, the gradient must vanish in the long run")
    quote_quiz(
        "03b",
        "False for a tanh RNN: section 5's $W_{hh}$ has $\\rho = 0.47$, yet with unit 2 "
        "saturated the gradient grows 1.2 times per step, to 1127 at $t = 1$. $\\rho$ decides "
        "the long run of a linear RNN (or a normal $W_{hh}$) only.",
    )
    quote_quiz(
        "03b",
        "Multiplying $W_{hh}^\\top$ by a diagonal matrix of derivatives between 0 and 1 can "
        "raise the spectral radius",
    )
    quote_quiz(
        "03b",
        "True: in the counterexample $\\mathrm{diag}(\\phi'(a_t)) \\approx \\mathrm{diag}(1, "
        "0)$ keeps one row of $W_{hh}^\\top$, and the step Jacobian has spectral radius 1.2 "
        "against $\\rho(W_{hh}) = 0.47$. This needs a non-normal $W_{hh}$.",
    )
    quote_quiz("03b", "If $\\gamma\\, \\sigma_{\\max}(W_{hh}) > 1$, the gradient explodes")
    quote_quiz(
        "03b",
        "False: $\\gamma\\sigma_{\\max} > 1$ is necessary for exploding, not sufficient. In "
        "section 5 the random normal matrices with $\\rho$ from 0.9 to 1.5 have "
        "$\\sigma_{\\max}$ from 1.48 to 2.47, and with tanh their gradients still vanish ($1.2 "
        "\\cdot 10^{-4}$ left at $t = 1$ for $\\rho = 1.5$): saturation pulls the factors down.",
    )
    a = np.linspace(-5, 5, 1001)
    assert (1 - np.tanh(a) ** 2).max() == 1  # gamma = max tanh' = 1
    rng = np.random.default_rng(0)
    M = rng.standard_normal((6, 6))
    M *= 0.9 / np.linalg.norm(M, ord=2)  # gamma sigma_max = 0.9 < 1
    p = {"W_xh": rng.standard_normal((3, 6)), "W_hh": M, "b_h": np.zeros(6)}
    g = gradients.gradient_norms("rnn", rng.standard_normal((1, 40, 3)), p)
    assert all(g[t] <= 0.9 ** (39 - t) * g[39] * (1 + 1e-9) for t in range(40))  # vanishes
    W, p, x, h0 = _counterexample()  # rho < 1, yet the gradient grows (section 5)
    assert round(gradients.spectral_radius(W), 2) == 0.47
    tanh = gradients.gradient_norms("rnn", x, p, h0)
    assert round(tanh[0]) == 1127 and round(tanh[0] / tanh[1], 1) == 1.2  # to 1127 at t = 1
    h, _ = rnn.rnn_forward(x, h0, p)
    assert np.all(1 - h[0, :, 1] ** 2 < 1e-7)  # unit 2 saturated
    phi = 1 - h[0] ** 2  # derivatives between 0 and 1, about (1, 0)
    assert np.all((phi >= 0) & (phi <= 1)) and np.allclose(phi[-1], [1, 0], atol=1e-6)
    J = gradients.step_jacobians("rnn", x, p, h0)
    assert round(gradients.spectral_radius(J[-1]), 1) == 1.2 > gradients.spectral_radius(W)
    assert not np.allclose(W @ W.T, W.T @ W)  # non-normal
    first, sigma = _section5()  # gamma sigma_max > 1 yet vanishing
    assert np.all(sigma["random normal"][1:5] > 1) and np.all(
        first["random normal", "tanh"][1:5] < 1
    )
    Q, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    assert gradients.spectral_radius(0.7 * Q) == pytest.approx(np.linalg.norm(0.7 * Q, ord=2))


def test_quiz_03b_question_2():
    quote_quiz(
        "03b",
        "Value clipping cuts only the entries beyond the limit and leaves the others, which "
        "rotates the gradient: section 8's exploding example prints a cosine of 0.79 with the "
        "original (and a norm of 89.6, still far above 5).",
    )
    quote_quiz(
        "03b",
        "Right: it multiplies every array by the same factor $\\text{max\\_norm} / \\lVert g "
        "\\rVert$, so the update still points along the true gradient with a shorter step "
        "(cosine 1.0000, norm exactly 5).",
    )
    quote_quiz(
        "03b",
        "Only a common rescaling of all entries keeps a direction. `clip_by_value` treats each "
        "entry on its own, and the cosine of 0.79 it gives in section 8 shows the rotation.",
    )
    big = _last_state_grads(3.0)[0]  # section 8's exploding example
    by_value = clipping.clip_by_value(big, 5.0)
    assert round(_cosine(by_value, big), 2) == 0.79
    assert round(clipping.global_norm(by_value), 1) == 89.6 > 5
    by_norm, _ = clipping.clip_by_global_norm(big, 5.0)
    assert f"{_cosine(by_norm, big):.4f}" == "1.0000"
    assert clipping.global_norm(by_norm) == pytest.approx(5.0)


def test_quiz_03b_question_3():
    quote_quiz(
        "03b",
        "A smaller `max_norm` only shrinks the gradient more. Clipping never enlarges anything, "
        "and a gradient whose norm is below the limit is returned unchanged (section 8's $\\rho "
        "= 0.5$ example: 3.09 before and after).",
    )
    quote_quiz(
        "03b",
        "Right: step 1's contribution to $dW_{xh}$ is less than $10^{-16}$ times step 40's, and "
        "every rescaling multiplies both by the same factor. What helps changes the Jacobians: "
        "gating, orthogonal or identity initialisation, skip connections.",
    )
    quote_quiz(
        "03b",
        "A gradient below the limit is left untouched by both methods (cosine 1.0000 in the "
        "$\\rho = 0.5$ example). The problem is not a direction but the vanished long-range "
        "contributions inside the sum.",
    )
    small, dh, cache = _last_state_grads(0.5)
    assert round(clipping.global_norm(small), 2) == 3.09
    for clipped in (
        clipping.clip_by_global_norm(small, 5.0)[0],
        clipping.clip_by_value(small, 5.0),
    ):
        assert round(clipping.global_norm(clipped), 2) == 3.09
        assert f"{_cosine(clipped, small):.4f}" == "1.0000"
    records = {r.t: r for r in bptt.bptt_steps(dh, cache)}
    ratio = np.linalg.norm(records[0].grads["W_xh"]) / np.linalg.norm(records[39].grads["W_xh"])
    assert ratio < 1e-16  # step 1 against step 40
    half, _ = clipping.clip_by_global_norm({k: 10 * v for k, v in small.items()}, 5.0)
    ratio_after = np.linalg.norm(half["W_xh"]) / np.linalg.norm(10 * small["W_xh"])
    assert ratio_after == pytest.approx(
        np.linalg.norm(half["b_h"]) / np.linalg.norm(10 * small["b_h"])
    )
