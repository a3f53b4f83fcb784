"""Chapter 02's claims, each quoted from the chapter and recomputed with the package."""

import numpy as np
from _quote import quote, quote_quiz

from rnncourse import bptt, gradcheck, layers, losses, rnn
from rnncourse.viz.bptt_stepper import walk_backward

# the worked example of section 5
X = np.array([[[1.0, 0.5], [-0.5, 1.0], [1.0, -1.0]]])
H0 = np.zeros((1, 2))
PARAMS = {
    "W_xh": np.array([[0.5, -0.4], [0.3, 0.2]]),
    "W_hh": np.array([[0.1, -0.2], [0.4, 0.3]]),
    "b_h": np.array([0.0, 0.1]),
}
W_HY, B_Y = np.array([[1.0], [-1.0]]), np.zeros(1)
TARGET = np.array([[[0.5], [0.0], [-0.5]]])


def _forward_loss(x, h0, params, W_hy, b_y, target):
    h, cache = rnn.rnn_forward(x, h0, params)
    y, out_cache = layers.linear_forward(h, W_hy, b_y)
    loss, dy = losses.mse_loss(y, target)
    return loss, dy, cache, out_cache


def _worked():
    loss, dy, cache, out_cache = _forward_loss(X, H0, PARAMS, W_HY, B_Y, TARGET)
    dh = layers.linear_backward(dy, out_cache)[0]
    return dh, cache


def test_losses_are_means_and_their_gradients_divide_by_the_count():
    quote(
        "02",
        "`losses.softmax_cross_entropy` returns the\nmean of $-\\log p(\\text{true class})$ "
        "over all $N \\cdot T$ (sequence, step) pairs",
    )
    quote(
        "02",
        "`losses.mse_loss` the mean of the squared errors over all $N \\cdot T \\cdot K$ "
        "output numbers",
    )
    quote("02", "with the\ndivision by the count of the mean already inside it")
    rng = np.random.default_rng(0)
    y, labels = rng.standard_normal((2, 3, 4)), rng.integers(0, 4, size=(2, 3))
    p = np.exp(y) / np.exp(y).sum(-1, keepdims=True)
    loss, dy = losses.softmax_cross_entropy(y, labels)
    nll = -np.log(np.take_along_axis(p, labels[..., None], -1))
    assert np.isclose(loss, nll.mean())
    onehot = np.eye(4)[labels]
    assert np.allclose(dy, (p - onehot) / 6)
    target = rng.standard_normal((2, 3, 4))
    loss, dy = losses.mse_loss(y, target)
    assert np.isclose(loss, ((y - target) ** 2).mean()) and np.allclose(dy, 2 * (y - target) / 24)


def test_dh_out_is_dy_times_W_hy_transposed():
    quote(
        "02", "$$dh^{\\text{out}}_t = dy_t\\, W_{hy}^\\top \\qquad (N, K)\\,(K, H) \\to (N, H).$$"
    )
    rng = np.random.default_rng(1)
    h, W, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((4, 5)), np.zeros(5)
    _, cache = layers.linear_forward(h, W, b)
    dy = rng.standard_normal((2, 3, 5))
    assert np.allclose(layers.linear_backward(dy, cache)[0], dy @ W.T)


def test_index_level_derivation_of_every_weight_gradient():
    quote(
        "02", "The inner sum over $n$ is entry $(i, j)$ of the matrix product $h_{t-1}^\\top da_t$"
    )
    quote(
        "02",
        "The same reading gives $dW_{xh}$ (with $x_t[n, d]$ in place of\n$h_{t-1}[n, i]$) and "
        "$db_h$ (with 1).",
    )
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 2))
    p = rnn.init_params(2, 3, rng)
    h0, dh = rng.standard_normal((2, 3)), rng.standard_normal((2, 3, 3))
    _, cache = rnn.rnn_forward(x, h0, p)
    dW_hh, dW_xh, db_h = np.zeros((3, 3)), np.zeros((2, 3)), np.zeros(3)
    for r in bptt.bptt_steps(dh, cache):
        s = cache.steps[r.t]
        da = r.dh_t * (1 - s.h_t**2)
        dW_hh += np.einsum("ni,nj->ij", s.h_prev, da)  # sum over n of h_{t-1}[n, i] da_t[n, j]
        dW_xh += np.einsum("nd,nj->dj", s.x_t, da)
        db_h += np.einsum("nj->j", da)
    grads = rnn.rnn_backward(dh, cache)[2]
    assert np.allclose(dW_hh, grads["W_hh"], rtol=1e-12)
    assert np.allclose(dW_xh, grads["W_xh"], rtol=1e-12)
    assert np.allclose(db_h, grads["b_h"], rtol=1e-12)

    # and against a numerical gradient of L = sum(h * dh), entry by entry
    def loss(_):
        return float((rnn.rnn_forward(x, h0, p)[0] * dh).sum())

    assert gradcheck.rel_error(gradcheck.numerical_gradient(loss, p["W_hh"]), dW_hh) < 1e-8


def test_wrong_tanh_derivatives():
    quote("02", "It is even negative for $|a| > 1$, although tanh is\n  increasing everywhere.")
    quote("02", "the first two wrong versions are close to the right\none")
    quote(
        "02",
        "The sigmoid version is wrong everywhere, even at $a = 0$, where it gives 0 instead of 1.",
    )
    a = np.linspace(-3, 3, 601)
    h = np.tanh(a)
    right = 1 - h**2
    assert ((1 - a**2)[np.abs(a) > 1] < 0).all() and (right > 0).all()
    small = np.abs(a) <= 0.1
    assert np.abs((1 - a**2) - right)[small].max() < 0.01
    assert np.abs((1 - np.tanh(h) ** 2) - right)[small].max() < 0.01
    # h(1 - h) / (1 - h^2) = h / (1 + h) <= 1/2: off by half or more, at every a
    assert (np.abs(h * (1 - h) - right) / right >= 0.5 - 1e-12).all()
    assert h[300] == 0 and (h * (1 - h))[300] == 0 and right[300] == 1


def test_worked_example_checks():
    quote(
        "02",
        "At $t = 3$ nothing comes from the future (`dh_next` is zero), so $dh_3$ is just `dh_out`.",
    )
    quote("02", "each factor is at most 1, so tanh can only shrink the gradient")
    quote(
        "02",
        "Step 1 adds nothing to $dW_{hh}$: its contribution is $h_0^\\top da_1$ and $h_0 = 0$.",
    )
    quote("02", "With $N = 1$, each step's $db_h$ contribution is $da_t$ itself.")
    quote(
        "02",
        "Summed over the three steps, the contributions are exactly what `rnn.rnn_backward` "
        "returns",
    )
    dh, cache = _worked()
    records = list(bptt.bptt_steps(dh, cache))
    assert records[0].t == 2 and not records[0].dh_next.any()
    assert np.array_equal(records[0].dh_t, records[0].dh_out)
    for r in records:
        da = r.dh_t * (1 - cache.steps[r.t].h_t ** 2)
        assert (np.abs(da) <= np.abs(r.dh_t)).all()
        assert np.allclose(r.grads["b_h"], da[0])
    assert records[-1].t == 0 and not records[-1].grads["W_hh"].any()
    total = bptt.sum_contributions(records)
    grads = rnn.rnn_backward(dh, cache)[2]
    assert all(np.allclose(total[k], grads[k], rtol=1e-12, atol=1e-15) for k in grads)


def test_replacing_plus_equals_keeps_only_step_1():
    quote("02", "replacing the `+=` with `=` would keep only\nstep 1's term")
    dh, cache = _worked()
    records = list(bptt.bptt_steps(dh, cache))
    assert [r.t for r in records] == [2, 1, 0]  # step 1 (t = 0 in code) comes last


def test_gradient_check_errors_are_tiny():
    quote(
        "02",
        "In float64 the relative error\nbetween the analytic and numerical gradient should be "
        "below $10^{-7}$; for a correct backward\nit is typically $10^{-10}$ or smaller.",
    )
    rng = np.random.default_rng(0)  # the chapter's rng: section 8 makes its first draws
    N, T, D, H, K = 2, 4, 3, 4, 2
    xc, h0c = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    pc = {
        "W_xh": rng.standard_normal((D, H)),
        "W_hh": rng.standard_normal((H, H)) / 2,
        "b_h": rng.standard_normal(H),
    }
    W_hy, b_y = rng.standard_normal((H, K)), rng.standard_normal(K)
    target = rng.standard_normal((N, T, K))
    _, dy, cache, out_cache = _forward_loss(xc, h0c, pc, W_hy, b_y, target)
    dh, dW_hy, db_y = layers.linear_backward(dy, out_cache)
    dx, dh0, grads = rnn.rnn_backward(dh, cache)
    analytic = {**grads, "W_hy": dW_hy, "b_y": db_y, "x": dx, "h0": dh0}
    arrays = {**pc, "W_hy": W_hy, "b_y": b_y, "x": xc, "h0": h0c}
    for name, array in arrays.items():
        numeric = gradcheck.numerical_gradient(
            lambda _: _forward_loss(xc, h0c, pc, W_hy, b_y, target)[0], array
        )
        assert gradcheck.rel_error(analytic[name], numeric) < 1e-10, name


def test_truncation_extremes_and_k_2():
    quote(
        "02",
        "With $k = 1$ no gradient crosses from $h_t$ to $h_{t-1}$ at all; with $k \\ge T$ it "
        "is full BPTT.",
    )
    quote(
        "02",
        "With $k = 2$, $dW_{xh}$ already differs from the full gradient but $dW_{hh}$ does not",
    )
    dh, cache = _worked()
    full = rnn.rnn_backward(dh, cache)[2]
    local = {
        k: sum(rnn.rnn_step_backward(dh[:, t], cache.steps[t])[2][k] for t in range(3))
        for k in full
    }
    one = rnn.rnn_backward(dh, cache, truncate=1)[2]
    assert all(np.allclose(one[k], local[k]) for k in full)
    for k_ in (3, 4, 10):
        g = rnn.rnn_backward(dh, cache, truncate=k_)[2]
        assert all(np.allclose(g[k], full[k]) for k in full)
    two = rnn.rnn_backward(dh, cache, truncate=2)[2]
    assert not np.allclose(two["W_xh"], full["W_xh"]) and np.allclose(two["W_hh"], full["W_hh"])


def _truncation_errors():
    rng = np.random.default_rng(0)
    for shape in ((2, 4, 3), (2, 4), (3, 4), (4, 4), (4,), (4, 2), (2,), (2, 4, 2)):
        rng.standard_normal(shape)  # section 8's draws come first
    Nt, Tt, Dt, Ht, Kt = 4, 30, 5, 16, 5
    xt = rng.standard_normal((Nt, Tt, Dt))
    labels = rng.integers(0, Kt, size=(Nt, Tt))
    W_xh = rng.standard_normal((Dt, Ht)) / np.sqrt(Dt)
    W_hy = rng.standard_normal((Ht, Kt)) / np.sqrt(Ht)
    Q, _ = np.linalg.qr(rng.standard_normal((Ht, Ht)))
    out = {}
    for scale in (0.5, 1.0, 1.5):
        p = {"W_xh": W_xh, "W_hh": scale * Q, "b_h": np.zeros(Ht)}
        h, cache = rnn.rnn_forward(xt, np.zeros((Nt, Ht)), p)
        y, oc = layers.linear_forward(h, W_hy, np.zeros(Kt))
        dh = layers.linear_backward(losses.softmax_cross_entropy(y, labels)[1], oc)[0]
        full = rnn.rnn_backward(dh, cache)[2]["W_hh"]
        out[scale] = [
            gradcheck.rel_error(rnn.rnn_backward(dh, cache, truncate=k)[2]["W_hh"], full)
            for k in range(1, Tt + 1)
        ]
    return out


def test_how_long_truncation_must_be():
    quote("02", "the error first drops below $10^{-3}$ at $k = 7$")
    quote("02", "$k = 14$ for scale 1 and $k = 27$ for\nscale 1.5")
    quote("02", "for $dW_{hh}$, $k = T - 1$ is already exact (the error\nis rounding)")
    errors = _truncation_errors()
    first = {
        s: next(k for k, e in enumerate(errs, start=1) if e < 1e-3) for s, errs in errors.items()
    }
    assert first == {0.5: 7, 1.0: 14, 1.5: 27}
    for errs in errors.values():
        assert errs[-2] < 1e-14 and errs[-3] > 1e-16  # k = T-1 exact, k = T-2 not
        assert errs[0] > 0.1


def test_stepper_claims():
    quote(
        "02",
        "every bar\n  to the left shows only what travelled back through time. Watch how it "
        "shrinks.",
    )
    quote("02", "after the last click it equals the norm of `rnn_backward`'s $dW_{hh}$")
    walk = walk_backward(6, 1.0, "last step only")
    norms = [np.linalg.norm(r.dh_t) for r in walk["records"]]  # walking order: t = T first
    assert norms[-1] < norms[0] and all(b < a for a, b in zip(norms[:4], norms[1:5], strict=True))
    every = walk_backward(6, 1.0, "every step")
    assert np.isclose(every["running_dW_hh"][-1], np.linalg.norm(every["full_grads"]["W_hh"]))


def test_masked_loss_is_the_mean_over_the_steps_that_count():
    quote(
        "02",
        "With a `mask`, padded steps are left out and the mean is over the steps that count.",
    )
    rng = np.random.default_rng(3)
    y, labels = rng.standard_normal((2, 4, 3)), rng.integers(0, 3, size=(2, 4))
    mask = np.array([[1, 1, 1, 0], [1, 1, 0, 0]], dtype=bool)
    loss, dy = losses.softmax_cross_entropy(y, labels, mask=mask)
    p = np.exp(y) / np.exp(y).sum(-1, keepdims=True)
    nll = -np.log(np.take_along_axis(p, labels[..., None], -1))[..., 0]
    assert np.isclose(loss, nll[mask].mean()) and not dy[~mask].any()
    target = rng.standard_normal((2, 4, 3))
    loss, dy = losses.mse_loss(y, target, mask=mask)
    assert np.isclose(loss, ((y - target) ** 2)[mask].mean()) and not dy[~mask].any()


def test_numerical_gradient_is_a_central_difference_with_h_1e_5():
    quote(
        "02",
        "nudge one entry of a\nparameter up and down by $h = 10^{-5}$, run the forward pass and "
        "the loss each time, and take\nthe central difference",
    )
    import inspect

    assert inspect.signature(gradcheck.numerical_gradient).parameters["h"].default == 1e-5
    x = np.array([0.3, -1.2])
    g = gradcheck.numerical_gradient(lambda v: float((v**3).sum()), x)
    central = ((x + 1e-5) ** 3 - (x - 1e-5) ** 3) / 2e-5
    assert np.allclose(g, central, rtol=1e-9) and np.array_equal(x, [0.3, -1.2])


def test_quiz_numerical_gradient_of_a_4_by_4_matrix_takes_32_calls():
    quote_quiz("02b", "a $W_{hh}$ of shape $(4, 4)$, as in section 8. How many times does it call")
    quote_quiz("02b", "so $2 \\cdot 16 = 32$ calls, each a full forward pass")
    quote("02", "random batch with $N = 2$, $T = 4$, $D = 3$, $H = 4$, $K = 2$")  # W_hh is (4, 4)
    calls = []

    def loss_fn(_):
        calls.append(1)
        return 0.0

    gradcheck.numerical_gradient(loss_fn, np.zeros((4, 4)))
    assert len(calls) == 32


def test_quiz_02a_question_1():
    quote_quiz(
        "02a",
        "That misses the arrow from $h_t$ to $h_{t+1}$: $h_t$ also shapes every later state and "
        "loss. Only at $t = T$, where $dh^{\\text{next}}_T = 0$, is $dh_t$ just `dh_out`.",
    )
    quote_quiz(
        "02a",
        "Gradients of several paths from one variable add (the multivariable chain rule); they "
        "are never multiplied. Products appear only along one path, e.g. through $1 - h_t^2$ "
        "and $W_{hh}^\\top$.",
    )
    dh, cache = _worked()
    steps = [rnn.rnn_step_backward(dh[:, 2], cache.steps[2])]  # at t = T no dh_next arrives
    full_dx = rnn.rnn_backward(dh, cache)[0]
    assert np.allclose(steps[0][0], full_dx[:, 2])  # so dh_T is dh_out alone
    dh_next = steps[0][1]
    da = (dh[:, 1] + dh_next) * (1 - cache.steps[1].h_t ** 2)  # the two arrows add
    assert np.allclose(da @ PARAMS["W_xh"].T, full_dx[:, 1])


def test_quiz_02a_question_2():
    quote_quiz(
        "02a",
        "One unit ($N = H = 1$): the forward pass cached $h_t = 0.5$, and $dh_t = 2$ reaches "
        "it. What is $da_t$, the gradient going back through the tanh?",
    )
    quote_quiz(
        "02a",
        "Right: $da_t = dh_t \\odot (1 - h_t^2) = 2 \\cdot (1 - 0.25) = 1.5$, from the cached "
        "output, with no need to keep $a_t$.",
    )
    quote_quiz(
        "02a",
        "Use $\\tanh'(a) = 1 - \\tanh(a)^2$ and $h_t = \\tanh(a_t)$: multiply $dh_t$ by $1 - "
        "h_t^2$.",
    )
    quote_quiz(
        "02a",
        "That is the tanh derivative $1 - h_t^2$ alone. The chain rule multiplies it by the "
        "gradient that arrived, $dh_t = 2$.",
    )
    quote_quiz(
        "02a",
        "That is $dh_t \\cdot h_t (1 - h_t)$, the sigmoid's derivative written from its output. "
        "The vanilla cell uses tanh, whose derivative from the output is $1 - h_t^2$.",
    )
    quote_quiz(
        "02a",
        "That is $2 (1 - \\tanh(h_t)^2)$: tanh applied twice. $h_t$ is already $\\tanh(a_t)$; "
        "this happens when a derivative written for the pre-activation, like "
        "`activations.tanh_grad`, is given the output.",
    )
    quote_quiz(
        "02a",
        "That is $2 (1 - a_t^2)$ with $a_t = \\operatorname{artanh}(0.5) \\approx 0.549$: the "
        "tanh is forgotten. For $|a| > 1$ this formula even turns negative, although tanh is "
        "increasing.",
    )
    dh_t, h_t = 2.0, 0.5
    assert dh_t * (1 - h_t**2) == 1.5 and 1 - h_t**2 == 0.75 and 1 - 0.25 == 0.75
    a_t = np.arctanh(h_t)
    assert np.isclose(
        rnn.rnn_step_backward(
            np.array([[dh_t]]),
            rnn.rnn_step_forward(
                np.array([[a_t]]),
                np.zeros((1, 1)),
                {"W_xh": np.eye(1), "W_hh": np.zeros((1, 1)), "b_h": np.zeros(1)},
            )[1],
        )[0][0, 0],
        1.5,
    )  # the package's step backward, dx = da here
    assert dh_t * h_t * (1 - h_t) == 0.5  # the sigmoid's form
    assert round(dh_t * (1 - np.tanh(h_t) ** 2), 4) == 1.5729  # tanh applied twice
    assert round(a_t, 3) == 0.549 and round(dh_t * (1 - a_t**2), 4) == 1.3965
    assert 1 - 1.5**2 < 0  # |a| > 1 turns the wrong formula negative


def test_quiz_02a_question_4():
    quote_quiz(
        "02a",
        "The sum is not a heuristic: it is the exact derivative, confirmed by the numerical "
        "gradient check to $10^{-11}$. Keeping one term would give a wrong gradient, not a "
        "smaller one.",
    )
    dh, cache = _worked()
    full = rnn.rnn_backward(dh, cache)[2]["W_hh"]
    numeric = gradcheck.numerical_gradient(
        lambda W: _forward_loss(X, H0, {**PARAMS, "W_hh": W}, W_HY, B_Y, TARGET)[0],
        PARAMS["W_hh"].copy(),
    )
    assert 1e-11 <= gradcheck.rel_error(full, numeric) < 1e-10  # "to 10^{-11}"
    last_only = rnn.rnn_step_backward(dh[:, 2], cache.steps[2])[2]["W_hh"]
    assert gradcheck.rel_error(last_only, numeric) > 0.01  # one term: a wrong gradient


def test_quiz_02b_question_1():
    quote_quiz(
        "02b",
        "A sequence has $T = 30$ steps and $h_0 = 0$. What is the smallest $k$ for which "
        "`rnn_backward(dh, cache, truncate=k)` returns, in general, exactly the full-BPTT "
        "$dW_{hh}$?",
    )
    quote_quiz(
        "02b",
        "Right: $k = T - 1$. The only path longer than $T - 1$ steps (from $L_T$ back to step "
        "1) ends at step 1, whose $dW_{hh}$ contribution is $h_0^\\top da_1 = 0$; this part's "
        "table shows the error at $k = T - 1$ is rounding.",
    )
    quote_quiz(
        "02b",
        "Find the one path that $k = T - 1$ drops, and ask what it would have added to "
        "$dW_{hh}$ with $h_0 = 0$.",
    )
    quote_quiz(
        "02b",
        "$k = T$ is exact for every gradient, but not the first one that is exact for "
        "$dW_{hh}$: the path that $k = T - 1$ drops ends at step 1, which adds $h_0^\\top da_1 "
        "= 0$ to $dW_{hh}$. ($dW_{xh}$ does need $k = T$.)",
    )
    quote_quiz(
        "02b",
        "At $k = T - 2$ the path from $L_T$ back to step 2 is dropped too, and step 2's "
        "contribution $h_1^\\top da_2$ is not zero (this part's error for scale 1.5 is $3.5 "
        "\\cdot 10^{-4}$).",
    )
    quote_quiz(
        "02b",
        "With $k = 1$ no gradient crosses from $h_t$ to $h_{t-1}$: every dependency longer than "
        "one step is ignored, a biased estimate far from the full gradient.",
    )
    errors = _truncation_errors()  # T = 30, h_0 = 0
    for errs in errors.values():
        assert errs[29 - 1] < 1e-14 and errs[28 - 1] > 1e-16  # k = 29 exact, k = 28 not
    assert f"{errors[1.5][28 - 1]:.1e}" == "3.5e-04"
    assert errors[1.5][0] > 0.1  # k = 1: far from the full gradient
    dh, cache = _worked()  # dW_xh needs k = T (here T = 3)
    full = rnn.rnn_backward(dh, cache)[2]
    two = rnn.rnn_backward(dh, cache, truncate=2)[2]
    assert np.allclose(two["W_hh"], full["W_hh"]) and not np.allclose(two["W_xh"], full["W_xh"])


def test_quiz_02b_question_2():
    quote_quiz(
        "02b",
        "min-char-rnn trains on chunks of 25 characters with the hidden state carried over. "
        "Which is true?",
    )
    quote_quiz("02b", "It computes the same gradient as `rnn_backward(dh, cache, truncate=25)`")
    quote_quiz(
        "02b",
        "With `truncate=25` every output's gradient goes back 25 steps. In chunks, how far an "
        "output's gradient goes depends on its place in the chunk: from 1 step for the first "
        "output to 25 for the last.",
    )
    quote_quiz(
        "02b",
        "Right: inside a chunk it is full BPTT, so an output's gradient reaches back only to "
        "the start of its chunk (the saw-tooth in section 9's figure); this bounds memory at 25 "
        "caches and gives one update per chunk.",
    )
    rng = np.random.default_rng(0)
    x, params = rng.standard_normal((1, 50, 3)), rnn.init_params(3, 4, rng)
    h, cache = rnn.rnn_forward(x, np.zeros((1, 4)), params)
    dh = np.zeros_like(h)
    dh[:, 30] = 1.0  # one output's gradient, 25 steps truncation
    dx = rnn.rnn_backward(dh, cache, truncate=25)[0]
    reached = np.flatnonzero(np.abs(dx[0]).sum(axis=1) > 0)
    assert reached.min() == 30 - 25 + 1 and reached.max() == 30  # 25 steps back
    # chunks of 25, state carried: output 30 sits at place 6 of chunk 26..50, reaching 6 steps
    h_a, cache_a = rnn.rnn_forward(x[:, :25], np.zeros((1, 4)), params)
    h_b, cache_b = rnn.rnn_forward(x[:, 25:], h_a[:, -1], params)
    assert np.allclose(np.concatenate([h_a, h_b], axis=1), h)  # carried, not reset
    dh_b = np.zeros_like(h_b)
    dh_b[:, 30 - 25] = 1.0
    dx_b = rnn.rnn_backward(dh_b, cache_b)[0]
    assert np.flatnonzero(np.abs(dx_b[0]).sum(axis=1) > 0).min() == 0  # back to the chunk start
    assert len(cache_b.steps) == 25  # one chunk's caches
    dh_b[:] = 0
    dh_b[:, 0] = 1.0  # the first output of a chunk: 1 step
    assert np.flatnonzero(np.abs(rnn.rnn_backward(dh_b, cache_b)[0][0]).sum(axis=1)).tolist() == [0]


def test_quiz_02b_question_3():
    quote_quiz(
        "02b",
        "Count the calls per entry: the central difference $(L(\\theta + h) - L(\\theta - h)) / "
        "2h$ nudges one entry up, then down; $W_{hh}$ has $4 \\cdot 4$ entries.",
    )
    quote_quiz(
        "02b",
        "Two calls would nudge all 16 entries at once, which gives one number (a directional "
        "derivative), not a gradient entry by entry: each entry is nudged on its own.",
    )
    quote_quiz(
        "02b",
        "That nudges a whole row at a time. Each of the 16 entries is nudged on its own, up and "
        "down.",
    )
    calls = []

    def loss_fn(_):
        calls.append(1)
        return 0.0

    gradcheck.numerical_gradient(loss_fn, np.zeros((4, 4)))
    assert len(calls) == 32 == 2 * 16 == 2 * 4 * 4  # not 16 (one-sided), 33, 2 or 8
