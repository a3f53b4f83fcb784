"""Tests of rnncourse.optim: the first two updates of every optimiser against numbers worked
out by hand, convergence on a quadratic, state per parameter key, dtypes, weight decay and
bad input."""

import numpy as np
import pytest

from rnncourse import optim

EPS = 1e-8
P0 = np.array([1.0, -2.0])
G1 = np.array([0.5, -1.0])  # the gradient given at the first step
G2 = np.array([0.1, 0.2])  # and at the second (fixed, so the arithmetic stays by hand)


def two_steps(opt):
    params = {"p": P0.copy()}
    out = []
    for g in (G1, G2):
        opt.step(params, {"p": g.copy()})
        out.append(params["p"].copy())
    return out


def test_sgd_by_hand():
    p1, p2 = two_steps(optim.SGD(0.1))
    np.testing.assert_allclose(p1, [0.95, -1.9], rtol=1e-14)  # 1 - 0.1 * 0.5, -2 + 0.1 * 1
    np.testing.assert_allclose(p2, [0.94, -1.92], rtol=1e-14)  # 0.95 - 0.01, -1.9 - 0.02


def test_momentum_by_hand():
    p1, p2 = two_steps(optim.Momentum(0.1, momentum=0.9))
    # v1 = -0.1 * G1 = [-0.05, 0.1]; p1 = P0 + v1
    np.testing.assert_allclose(p1, [0.95, -1.9], rtol=1e-14)
    # v2 = 0.9 * v1 - 0.1 * G2 = [-0.055, 0.07]; p2 = p1 + v2
    np.testing.assert_allclose(p2, [0.895, -1.83], rtol=1e-14)


def test_nesterov_by_hand():
    p1, p2 = two_steps(optim.Momentum(0.1, momentum=0.9, nesterov=True))
    # p1 = P0 + 0.9 * v1 - 0.1 * G1 = [1 - 0.045 - 0.05, -2 + 0.09 + 0.1]
    np.testing.assert_allclose(p1, [0.905, -1.81], rtol=1e-14)
    # p2 = p1 + 0.9 * v2 - 0.1 * G2 = [0.905 - 0.0495 - 0.01, -1.81 + 0.063 - 0.02]
    np.testing.assert_allclose(p2, [0.8455, -1.767], rtol=1e-14)


def test_adagrad_by_hand():
    p1, p2 = two_steps(optim.Adagrad(0.1))
    # G1 = [0.25, 1.0]; eps inside the square root, as in min-char-rnn
    want1 = [1 - 0.1 * 0.5 / np.sqrt(0.25 + EPS), -2 + 0.1 * 1.0 / np.sqrt(1.0 + EPS)]
    np.testing.assert_allclose(p1, want1, rtol=1e-14)
    assert p1 == pytest.approx([0.9, -1.9], abs=1e-8)
    # G2 = [0.25 + 0.01, 1.0 + 0.04]
    want2 = [want1[0] - 0.1 * 0.1 / np.sqrt(0.26 + EPS), want1[1] - 0.1 * 0.2 / np.sqrt(1.04 + EPS)]
    np.testing.assert_allclose(p2, want2, rtol=1e-14)


def test_rmsprop_by_hand():
    p1, p2 = two_steps(optim.RMSprop(0.01, rho=0.9))
    # s1 = 0.1 * G1**2 = [0.025, 0.1]; eps outside the square root
    want1 = [1 - 0.01 * 0.5 / (np.sqrt(0.025) + EPS), -2 + 0.01 * 1.0 / (np.sqrt(0.1) + EPS)]
    np.testing.assert_allclose(p1, want1, rtol=1e-14)
    assert p1 == pytest.approx([1 - 0.01 / np.sqrt(0.1), -2 + 0.01 / np.sqrt(0.1)], abs=1e-8)
    # s2 = 0.9 * s1 + 0.1 * G2**2 = [0.0225 + 0.001, 0.09 + 0.004]
    want2 = [
        want1[0] - 0.01 * 0.1 / (np.sqrt(0.0235) + EPS),
        want1[1] - 0.01 * 0.2 / (np.sqrt(0.094) + EPS),
    ]
    np.testing.assert_allclose(p2, want2, rtol=1e-14)


def test_adam_by_hand():
    p1, p2 = two_steps(optim.Adam(0.1))
    # t=1: m = 0.1 * G1, v = 0.001 * G1**2; after bias correction m_hat = G1, v_hat = G1**2,
    # so the first step is lr * sign(g), whatever the size of g
    want1 = [1 - 0.1 * 0.5 / (0.5 + EPS), -2 + 0.1 * 1.0 / (1.0 + EPS)]
    np.testing.assert_allclose(p1, want1, rtol=1e-14)
    # t=2: m = 0.9 * 0.1 * G1 + 0.1 * G2 = [0.055, -0.07]
    #      v = 0.999 * 0.001 * G1**2 + 0.001 * G2**2 = [0.00025975, 0.001039]
    m_hat = np.array([0.055, -0.07]) / (1 - 0.9**2)
    v_hat = np.array([0.00025975, 0.001039]) / (1 - 0.999**2)
    want2 = np.array(want1) - 0.1 * m_hat / (np.sqrt(v_hat) + EPS)
    np.testing.assert_allclose(p2, want2, rtol=1e-12)


def test_adam_without_bias_correction_would_differ():
    # the first step of Adam is lr * sign(g): without the correction it would be ~3x bigger
    params = {"p": np.array([0.0])}
    optim.Adam(0.1).step(params, {"p": np.array([1e-3])})
    assert params["p"][0] == pytest.approx(-0.1, rel=1e-4)


def quadratic_grads(params, a, c):
    """Gradient of f(p) = 0.5 * sum(a * (p - c)**2), an ill-conditioned bowl."""
    return {k: a[k] * (p - c[k]) for k, p in params.items()}


@pytest.mark.parametrize(
    "name, lr, hyper",
    [
        ("sgd", 0.15, {}),
        ("momentum", 0.05, {}),
        ("momentum", 0.05, {"nesterov": True}),
        ("adagrad", 0.5, {}),
        ("rmsprop", 0.01, {}),
        ("adam", 0.05, {}),
    ],
)
def test_every_optimiser_minimises_a_quadratic(name, lr, hyper):
    opt = optim.make_optimizer(name, lr, **hyper)
    a = {"W": np.array([[1.0, 10.0], [2.0, 5.0]]), "b": np.array([3.0, 0.5])}
    c = {"W": np.array([[1.0, -1.0], [0.5, 2.0]]), "b": np.array([-2.0, 1.0])}
    params = {"W": np.zeros((2, 2)), "b": np.zeros(2)}
    start = max(np.abs(params[k] - c[k]).max() for k in c)
    for _ in range(1500):
        opt.step(params, quadratic_grads(params, a, c))
    end = max(np.abs(params[k] - c[k]).max() for k in c)
    assert end < 1e-2 * start, (opt, end)


def test_state_is_kept_per_key():
    opt = optim.Adam(0.1)
    params = {"W": np.ones((2, 3)), "b": np.zeros(3)}
    opt.step(params, {"W": np.ones((2, 3)), "b": np.ones(3)})
    assert set(opt.state) == {"W", "b"}
    assert opt.state["W"]["m"].shape == (2, 3) and opt.state["b"]["v"].shape == (3,)
    assert opt.state["W"]["t"] == 1
    # a parameter that joins later starts its own count
    params["c"] = np.zeros(2)
    opt.step(params, {"W": np.ones((2, 3)), "b": np.ones(3), "c": np.ones(2)})
    assert opt.state["W"]["t"] == 2 and opt.state["c"]["t"] == 1
    # the same gradient gives the same first step for c as it gave for b
    np.testing.assert_allclose(params["c"], -0.1 * np.ones(2) / (1 + EPS), rtol=1e-14)


def test_state_of_one_key_does_not_leak_into_another():
    opt = optim.Momentum(0.1, 0.9)
    params = {"x": np.zeros(1), "y": np.zeros(1)}
    opt.step(params, {"x": np.array([1.0]), "y": np.array([0.0])})
    opt.step(params, {"x": np.array([0.0]), "y": np.array([0.0])})
    assert params["y"][0] == 0.0  # y never had a gradient, so it never moved
    assert params["x"][0] == pytest.approx(-0.1 - 0.09)


def test_reset_and_shape_change():
    opt = optim.RMSprop(0.01)
    opt.step({"W": np.ones((2, 2))}, {"W": np.ones((2, 2))})
    with pytest.raises(ValueError, match="make a new optimiser"):
        opt.step({"W": np.ones((3, 2))}, {"W": np.ones((3, 2))})
    opt.reset()
    assert opt.state == {}
    opt.step({"W": np.ones((3, 2))}, {"W": np.ones((3, 2))})  # fine after reset


@pytest.mark.parametrize("name", sorted(optim.OPTIMIZERS))
def test_dtype_is_kept(name):
    opt = optim.make_optimizer(name, 0.01)
    params = {"W": np.ones((3, 2), dtype=np.float32), "b": np.zeros(2, dtype=np.float32)}
    for _ in range(3):
        grads = {k: np.full_like(p, 0.5) for k, p in params.items()}
        opt.step(params, grads)
    for key, p in params.items():
        assert p.dtype == np.float32, key
        assert not np.all(p == (1.0 if key == "W" else 0.0)), key  # it did move
        for value in opt.state.get(key, {}).values():
            if isinstance(value, np.ndarray):
                assert value.dtype == np.float32


def test_step_changes_params_in_place_and_returns_none():
    W = np.ones((2, 2))
    params = {"W": W}
    assert optim.SGD(0.5).step(params, {"W": np.ones((2, 2))}) is None
    assert params["W"] is W and np.all(W == 0.5)


def test_weight_decay_shrinks_weights_not_biases():
    params = {"W_hh": np.array([[2.0, -4.0], [1.0, 0.0]]), "b_h": np.array([3.0, -3.0])}
    zero = {k: np.zeros_like(p) for k, p in params.items()}
    optim.SGD(0.1, weight_decay=0.5).step(params, zero)
    # gradient of (lambda/2)*||W||^2 is lambda*W: W -= 0.1 * 0.5 * W
    np.testing.assert_allclose(params["W_hh"], [[1.9, -3.8], [0.95, 0.0]], rtol=1e-14)
    np.testing.assert_array_equal(params["b_h"], [3.0, -3.0])


def test_weight_decay_goes_into_adams_moments():
    params = {"W": np.array([[1.0]])}
    opt = optim.Adam(0.1, weight_decay=0.2)
    opt.step(params, {"W": np.array([[0.0]])})
    np.testing.assert_allclose(opt.state["W"]["m"], [[0.1 * 0.2]])  # (1 - beta1) * lambda * W


def test_repr_is_deterministic():
    assert repr(optim.Adam()) == "Adam(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-08)"
    assert repr(optim.SGD(0.1, weight_decay=1e-4)) == "SGD(lr=0.1, weight_decay=0.0001)"
    assert "nesterov=True" in repr(optim.Momentum(0.1, nesterov=True))


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda: optim.SGD(0), ValueError, "lr must be greater than 0"),
        (lambda: optim.SGD(-0.1), ValueError, "lr must be greater than 0"),
        (lambda: optim.Adam(float("nan")), ValueError, "finite"),
        (lambda: optim.Adam(float("inf")), ValueError, "finite"),
        (lambda: optim.SGD("0.1"), TypeError, "lr must be a number"),
        (lambda: optim.SGD(True), TypeError, "lr must be a number"),
        (lambda: optim.SGD(None), TypeError, "lr must be a number"),
        (lambda: optim.Momentum(0.1, momentum=1.0), ValueError, r"momentum must be in \[0, 1\)"),
        (lambda: optim.RMSprop(0.1, rho=-0.1), ValueError, "rho"),
        (lambda: optim.Adam(0.1, beta2=1.0), ValueError, "beta2"),
        (lambda: optim.Adagrad(0.1, eps=0), ValueError, "eps"),
        (lambda: optim.SGD(0.1, weight_decay=-1), ValueError, "weight_decay"),
        (lambda: optim.make_optimizer("adamw", 0.1), ValueError, "unknown optimiser"),
    ],
)
def test_bad_hyperparameters(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_bad_params_and_grads():
    opt = optim.SGD(0.1)
    W = np.ones((2, 2))
    with pytest.raises(ValueError, match="no gradient for 'b'"):
        opt.step({"W": W, "b": np.zeros(2)}, {"W": W})
    with pytest.raises(ValueError, match="no parameter for 'dW'"):
        opt.step({"W": W}, {"W": W, "dW": W})
    with pytest.raises(ValueError, match=r"grads\['W'\] has shape \(2,\)"):
        opt.step({"W": W}, {"W": np.ones(2)})
    with pytest.raises(TypeError, match="float32"):
        opt.step({"W": W}, {"W": np.ones((2, 2), dtype=np.float32)})
    with pytest.raises(TypeError, match="must be a dict"):
        opt.step([W], [W])
    with pytest.raises(TypeError, match="floating-point"):
        opt.step({"W": np.ones((2, 2), dtype=int)}, {"W": np.ones((2, 2), dtype=int)})
