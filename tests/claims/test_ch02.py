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
