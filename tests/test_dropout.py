"""Tests of rnncourse.dropout: masks (shape, values, expectation), plain and variational dropout
forward and backward, and the variational RNN: one mask shared over time, gradient checks in
float64 with the masks held fixed, and p = 0 equal to the plain RNN."""

import numpy as np
import pytest

from conftest import make_problem
from rnncourse import dropout, rnn
from rnncourse.gradcheck import numerical_gradient, rel_error


def test_mask_values_and_shape():
    mask = dropout.dropout_mask((3, 4, 5), 0.25, np.random.default_rng(0))
    assert mask.shape == (3, 4, 5) and mask.dtype == np.float64
    assert set(np.unique(mask)) <= {0.0, 1 / 0.75}
    mask32 = dropout.dropout_mask((2, 3), 0.5, np.random.default_rng(0), dtype=np.float32)
    assert mask32.dtype == np.float32


def test_mask_follows_the_documented_rule():
    p = 0.3
    u = np.random.default_rng(5).random((4, 6))
    mask = dropout.dropout_mask((4, 6), p, np.random.default_rng(5))
    np.testing.assert_array_equal(mask, (u < 1 - p) / (1 - p))


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_expectation_is_preserved(p):
    mask = dropout.dropout_mask((400_000,), p, np.random.default_rng(1))
    assert mask.mean() == pytest.approx(1.0, abs=0.01)  # inverted dropout: E[mask] = 1
    assert np.mean(mask == 0) == pytest.approx(p, abs=0.005)  # p is the *drop* probability


def test_variational_expectation_over_many_masks():
    rng = np.random.default_rng(2)
    x = np.random.default_rng(3).standard_normal((2, 3, 4))
    outs = [dropout.variational_dropout_forward(x, 0.4, rng)[0] for _ in range(20_000)]
    np.testing.assert_allclose(np.mean(outs, axis=0), x, atol=0.05)


def test_dropout_forward_backward_and_evaluation():
    x = np.random.default_rng(4).standard_normal((2, 5, 3))
    out, mask = dropout.dropout_forward(x, 0.5, np.random.default_rng(0))
    assert mask.shape == x.shape
    np.testing.assert_array_equal(out, x * mask)
    # a new mask for every entry: the steps do not share one
    assert any(not np.array_equal(mask[:, 0], mask[:, t]) for t in range(1, 5))
    dout = np.ones_like(x)
    np.testing.assert_array_equal(dropout.dropout_backward(dout, mask), mask)
    # evaluation: identity, nothing scaled, no rng needed
    out_eval, mask_eval = dropout.dropout_forward(x, 0.5, train=False)
    np.testing.assert_array_equal(out_eval, x)
    assert np.all(mask_eval == 1)
    assert out_eval is not x


def test_dropout_gradient_check():
    x = np.random.default_rng(6).standard_normal((3, 4))
    dout = np.random.default_rng(7).standard_normal((3, 4))

    def f(x_):
        return dropout.dropout_forward(x_, 0.3, np.random.default_rng(9))[0]  # mask fixed by seed

    _, mask = dropout.dropout_forward(x, 0.3, np.random.default_rng(9))
    numeric = numerical_gradient(f, x, df=dout)
    assert rel_error(dropout.dropout_backward(dout, mask), numeric) < 1e-9


def test_variational_dropout_shares_the_mask_over_time():
    x = np.random.default_rng(8).standard_normal((3, 6, 4))
    out, mask = dropout.variational_dropout_forward(x, 0.5, np.random.default_rng(0))
    assert mask.shape == (3, 4)
    for t in range(6):
        np.testing.assert_array_equal(out[:, t], x[:, t] * mask)
    dout = np.random.default_rng(1).standard_normal(x.shape)
    dx = dropout.variational_dropout_backward(dout, mask)
    np.testing.assert_array_equal(dx, dout * mask[:, None, :])
    out_eval, mask_eval = dropout.variational_dropout_forward(x, 0.5, train=False)
    np.testing.assert_array_equal(out_eval, x)
    assert mask_eval.shape == (3, 4) and np.all(mask_eval == 1)


def test_variational_rnn_masks_shared_over_steps():
    x, h0, params, _ = make_problem(np.random.default_rng(0), N=3, T=5, D=4, H=6)
    h, cache = dropout.variational_rnn_forward(x, h0, params, 0.3, 0.4, np.random.default_rng(1))
    assert h.shape == (3, 5, 6)
    assert cache.mask_x.shape == (3, 5, 4) and cache.mask_h.shape == (3, 5, 6)
    for t in range(1, 5):
        np.testing.assert_array_equal(cache.mask_x[:, t], cache.mask_x[:, 0])
        np.testing.assert_array_equal(cache.mask_h[:, t], cache.mask_h[:, 0])
    assert np.any(cache.mask_h == 0) and np.any(cache.mask_x == 0)
    # the x mask is drawn first, then the h mask, from the rng given
    rng = np.random.default_rng(1)
    np.testing.assert_array_equal(cache.mask_x[:, 0], dropout.dropout_mask((3, 4), 0.3, rng))
    np.testing.assert_array_equal(cache.mask_h[:, 0], dropout.dropout_mask((3, 6), 0.4, rng))
    # each step really is the RNN step on the masked input and the masked state
    h_prev = h0
    for t in range(5):
        want, _ = rnn.rnn_step_forward(
            x[:, t] * cache.mask_x[:, 0], h_prev * cache.mask_h[:, 0], params
        )
        np.testing.assert_allclose(h[:, t], want, rtol=1e-14)
        h_prev = h[:, t]


def test_naive_scheme_draws_a_new_mask_every_step():
    x, h0, params, _ = make_problem(np.random.default_rng(0), N=4, T=5, D=4, H=8)
    _, cache = dropout.variational_rnn_forward(
        x, h0, params, 0.5, 0.5, np.random.default_rng(1), same_mask=False
    )
    assert any(not np.array_equal(cache.mask_h[:, 0], cache.mask_h[:, t]) for t in range(1, 5))


def test_p_zero_equals_the_plain_rnn():
    x, h0, params, dh = make_problem(np.random.default_rng(3))
    h, cache = dropout.variational_rnn_forward(x, h0, params, 0.0, 0.0)  # no rng needed
    h_ref, cache_ref = rnn.rnn_forward(x, h0, params)
    np.testing.assert_array_equal(h, h_ref)
    got = dropout.variational_rnn_backward(dh, cache)
    want = rnn.rnn_backward(dh, cache_ref)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    for key in params:
        np.testing.assert_array_equal(got[2][key], want[2][key])
    # evaluation mode ignores p: no dropout
    h_eval, _ = dropout.variational_rnn_forward(x, h0, params, 0.5, 0.5, train=False)
    np.testing.assert_array_equal(h_eval, h_ref)


@pytest.mark.parametrize("same_mask", [True, False])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_variational_rnn_gradient_check(same_mask, activation):
    x, h0, params, dh = make_problem(np.random.default_rng(11), N=3, T=4, D=3, H=5)

    def forward():  # the same seed every call: the masks stay fixed
        rng = np.random.default_rng(21)
        kwargs = {"activation": activation, "same_mask": same_mask}
        return dropout.variational_rnn_forward(x, h0, params, 0.3, 0.4, rng, **kwargs)

    h, cache = forward()
    assert np.any(cache.mask_h == 0)
    dx, dh0, grads = dropout.variational_rnn_backward(dh, cache)
    analytic = {"x": dx, "h0": dh0, **grads}
    arrays = {"x": x, "h0": h0, **params}
    for name, array in arrays.items():
        numeric = numerical_gradient(lambda _: forward()[0], array, df=dh)
        assert rel_error(analytic[name], numeric) < 1e-7, name


def test_backward_does_not_mutate_inputs():
    x, h0, params, dh = make_problem(np.random.default_rng(12))
    _, cache = dropout.variational_rnn_forward(x, h0, params, 0.2, 0.2, np.random.default_rng(0))
    dh_copy, mask_copy = dh.copy(), cache.mask_h.copy()
    dropout.variational_rnn_backward(dh, cache)
    np.testing.assert_array_equal(dh, dh_copy)
    np.testing.assert_array_equal(cache.mask_h, mask_copy)


def test_float32_is_kept():
    x, h0, params, dh = make_problem(np.random.default_rng(13), dtype=np.float32)
    h, cache = dropout.variational_rnn_forward(x, h0, params, 0.2, 0.2, np.random.default_rng(0))
    assert h.dtype == np.float32 and cache.mask_x.dtype == np.float32
    dx, dh0, grads = dropout.variational_rnn_backward(dh, cache)
    assert dx.dtype == dh0.dtype == grads["W_hh"].dtype == np.float32


def test_variational_keeps_memory_the_naive_scheme_erases():
    # a linear memory: h_t = h_{t-1} (W_hh = I, identity activation, no input after h0)
    N, T, H = 200, 10, 8
    params = {"W_xh": np.zeros((1, H)), "W_hh": np.eye(H), "b_h": np.zeros(H)}
    x, h0 = np.zeros((N, T, 1)), np.ones((N, H))
    kept = {}
    for same in (True, False):
        h, _ = dropout.variational_rnn_forward(
            x, h0, params, 0.0, 0.3, np.random.default_rng(0), "identity", same_mask=same
        )
        kept[same] = np.mean(h[:, -1] != 0)  # fraction of units still remembering h0
    assert kept[True] == pytest.approx(0.7, abs=0.03)  # one mask: 1 - p survive
    assert kept[False] == pytest.approx(0.7**10, abs=0.02)  # a new mask each step: (1 - p)^T


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda x: dropout.dropout_forward(x, 1.0, np.random.default_rng(0)), ValueError, "drop"),
        (lambda x: dropout.dropout_forward(x, -0.1, np.random.default_rng(0)), ValueError, "p"),
        (lambda x: dropout.dropout_forward(x, "0.5", np.random.default_rng(0)), TypeError, "p"),
        (lambda x: dropout.dropout_forward(x, 0.5, None), TypeError, "rng"),
        (lambda x: dropout.dropout_forward(x, 0.5, 0), TypeError, "Generator"),
        (lambda x: dropout.dropout_forward(x.astype(int), 0.5), TypeError, "floating"),
        (lambda x: dropout.variational_dropout_forward(x[0], 0.5), ValueError, "3 dimensions"),
        (lambda x: dropout.variational_dropout_backward(x, np.ones((2, 9))), ValueError, "mask"),
        (lambda x: dropout.dropout_backward(x, np.ones((1, 1))), ValueError, "dout"),
        (
            lambda x: dropout.variational_rnn_forward(x, np.zeros((2, 3)), {}, 0.1, 0.1),
            TypeError,
            "rng",
        ),
        (
            lambda x: dropout.variational_rnn_backward(x, None),
            TypeError,
            "VariationalRNNCache",
        ),
    ],
)
def test_bad_input(call, error, match):
    x = np.ones((2, 3, 4))
    with pytest.raises(error, match=match):
        call(x)
