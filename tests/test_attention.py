"""Tests for rnncourse.attention: scores, masked softmax, context, and their gradients."""

import numpy as np
import pytest

from rnncourse import attention as att
from rnncourse.check._harness import copy_tree, find_change
from rnncourse.gradcheck import numerical_gradient, rel_error

SCORES = list(att.SCORE_PARAMS)


def make(rng, score, N=3, S=4, H_q=5, H_k=5, A=3):
    """Random q (N, H_q), k (N, S, H_k) and the score's params (float64)."""
    if score == "dot":
        H_q = H_k
    q = rng.standard_normal((N, H_q))
    k = rng.standard_normal((N, S, H_k))
    params = att.init_params(score, H_q, H_k, rng, A=A)
    return q, k, params


MASK = np.array([[1, 1, 1, 1], [1, 1, 0, 0], [1, 0, 0, 0]])


# ---------------------------------------------------------------- scores


def test_additive_score_matches_the_formula_position_by_position(rng):
    q, k, p = make(rng, "additive", H_q=4, H_k=6)
    scores, _ = att.additive_score_forward(q, k, p)
    assert scores.shape == (3, 4)
    for n in range(3):
        for s in range(4):
            want = np.tanh(q[n] @ p["W_q"] + k[n, s] @ p["W_k"]) @ p["v"]
            assert abs(scores[n, s] - want) < 1e-12


def test_dot_and_general_scores_match_the_formulas(rng):
    q, k, _ = make(rng, "dot")
    scores, _ = att.dot_score_forward(q, k)
    np.testing.assert_allclose(scores, [[q[n] @ k[n, s] for s in range(4)] for n in range(3)])
    q, k, p = make(rng, "general", H_q=2, H_k=5)
    scores, _ = att.general_score_forward(q, k, p)
    want = [[q[n] @ p["W_a"] @ k[n, s] for s in range(4)] for n in range(3)]
    np.testing.assert_allclose(scores, want, rtol=1e-12)


def test_general_with_identity_is_dot(rng):
    q, k, _ = make(rng, "dot")
    general, _ = att.general_score_forward(q, k, {"W_a": np.eye(5)})
    dot, _ = att.dot_score_forward(q, k)
    np.testing.assert_allclose(general, dot, rtol=1e-12)


@pytest.mark.parametrize("score", SCORES)
def test_score_backward_passes_gradcheck(rng, score):
    q, k, p = make(rng, score, H_q=4 if score != "dot" else 5, H_k=5)
    forward, backward = att._SCORES[score]
    dscores = rng.standard_normal((3, 4))
    _, cache = forward(q, k, p)
    dq, dk, grads = backward(dscores, cache)
    assert set(grads) == set(p)

    def f(_):
        return forward(q, k, p)[0]

    assert rel_error(dq, numerical_gradient(f, q, dscores)) < 1e-7
    assert rel_error(dk, numerical_gradient(f, k, dscores)) < 1e-7
    for key, value in p.items():
        assert rel_error(grads[key], numerical_gradient(f, value, dscores)) < 1e-7, key


@pytest.mark.parametrize("score", SCORES)
def test_backward_never_changes_its_inputs(rng, score):
    q, k, p = make(rng, score)
    forward, backward = att._SCORES[score]
    _, cache = forward(q, k, p)
    dscores = rng.standard_normal((3, 4))
    before = copy_tree((dscores, cache))
    backward(dscores, cache)
    assert find_change(before, (dscores, cache), "args") is None


def test_score_errors_name_the_argument(rng):
    q, k, p = make(rng, "additive", H_q=4, H_k=6)
    with pytest.raises(ValueError, match="W_q"):
        att.additive_score_forward(q, k, {**p, "W_q": p["W_q"].T})
    with pytest.raises(ValueError, match="missing 'v'"):
        att.additive_score_forward(q, k, {"W_q": p["W_q"], "W_k": p["W_k"]})
    with pytest.raises(ValueError, match="same N"):
        att.additive_score_forward(q[:2], k, p)
    with pytest.raises(ValueError, match="general score"):
        att.dot_score_forward(q, k)
    with pytest.raises(ValueError, match="W_a"):
        att.general_score_forward(q, k, {"W_a": np.zeros((6, 4))})
    with pytest.raises(TypeError, match="float32"):
        att.dot_score_forward(q.astype(np.float32), k[:, :, :4])
    with pytest.raises(ValueError, match="score must be one of"):
        att.attention_forward(q, k, p, score="concat")
    with pytest.raises(TypeError, match="AdditiveScoreCache"):
        att.additive_score_backward(np.zeros((3, 4)), ("not", "a", "cache"))


# ---------------------------------------------------------------- masked softmax


def test_masked_softmax_rows_sum_to_one_and_padding_gets_zero(rng):
    scores = rng.standard_normal((3, 4))
    alpha = att.masked_softmax(scores, MASK)
    np.testing.assert_allclose(alpha.sum(axis=1), 1.0)
    assert (alpha[MASK == 0] == 0.0).all()  # exactly zero, not just small
    assert alpha[2, 0] == 1.0  # one real position takes all the weight
    for n in range(3):
        real = MASK[n] == 1
        e = np.exp(scores[n, real] - scores[n, real].max())
        np.testing.assert_allclose(alpha[n, real], e / e.sum(), rtol=1e-12)


def test_masked_scores_can_be_anything_finite(rng):
    scores = rng.standard_normal((3, 4))
    wild = scores.copy()
    wild[MASK == 0] = [1e300, -1e300, 5e3, 7e2, -3.0, 1e10][: (MASK == 0).sum()]
    np.testing.assert_array_equal(att.masked_softmax(wild, MASK), att.masked_softmax(scores, MASK))


def test_large_scores_do_not_overflow():
    alpha = att.masked_softmax(np.array([[1000.0, 999.0, -1000.0]]), np.array([[1, 1, 1]]))
    np.testing.assert_allclose(alpha, [[1 / (1 + np.exp(-1)), 1 / (1 + np.e), 0.0]], atol=1e-15)


def test_no_mask_is_the_plain_softmax(rng):
    scores = rng.standard_normal((3, 4))
    e = np.exp(scores)
    np.testing.assert_allclose(att.masked_softmax(scores), e / e.sum(1, keepdims=True))
    bools = att.masked_softmax(scores, MASK.astype(bool))
    np.testing.assert_array_equal(bools, att.masked_softmax(scores, MASK.astype(float)))


def test_bad_masks_are_refused_with_clear_errors(rng):
    scores = rng.standard_normal((3, 4))
    empty = MASK.copy()
    empty[1] = 0
    with pytest.raises(ValueError, match="row 1 of mask is all zeros"):
        att.masked_softmax(scores, empty)
    with pytest.raises(ValueError, match=r"mask has shape \(4, 3\)"):
        att.masked_softmax(scores, MASK.T)
    with pytest.raises(ValueError, match="only 0"):
        att.masked_softmax(scores, 2 * MASK)
    with pytest.raises(ValueError, match="NaN"):
        att.masked_softmax(np.full((3, 4), np.nan), MASK)


def test_masked_softmax_backward_passes_gradcheck(rng):
    scores = rng.standard_normal((3, 4))
    dalpha = rng.standard_normal((3, 4))
    alpha = att.masked_softmax(scores, MASK)
    dscores = att.masked_softmax_backward(dalpha, alpha)
    num = numerical_gradient(lambda s: att.masked_softmax(s, MASK), scores, dalpha)
    assert rel_error(dscores, num) < 1e-7
    assert (dscores[MASK == 0] == 0).all()


# ---------------------------------------------------------------- context and attention


def test_context_is_the_weighted_average_of_the_values(rng):
    values = rng.standard_normal((2, 3, 4))
    alpha = np.array([[0.0, 1.0, 0.0], [0.5, 0.25, 0.25]])
    context = att.context_forward(alpha, values)
    np.testing.assert_array_equal(context[0], values[0, 1])
    np.testing.assert_allclose(
        context[1], 0.5 * values[1, 0] + 0.25 * (values[1, 1] + values[1, 2])
    )
    with pytest.raises(ValueError, match="alpha has shape"):
        att.context_forward(alpha.T, values)


def test_masked_context_is_softmax_then_context(rng):
    scores, values = rng.standard_normal((3, 4)), rng.standard_normal((3, 4, 2))
    context, alpha = att.masked_context(scores, MASK, values)
    np.testing.assert_array_equal(alpha, att.masked_softmax(scores, MASK))
    np.testing.assert_array_equal(context, att.context_forward(alpha, values))
    np.testing.assert_allclose(context[2], values[2, 0])  # only position 0 is real


def test_worked_example_by_hand():
    # S = 3 keys of size 2; a dot-score query that matches key 0 best.
    q = np.array([[1.0, 0.0]])
    k = np.array([[[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]]])
    context, alpha, _ = att.attention_forward(q, k, {}, score="dot")
    e = np.exp([2.0, 0.0, 1.0])
    np.testing.assert_allclose(alpha[0], e / e.sum())
    np.testing.assert_allclose(context[0], (e / e.sum()) @ k[0])
    context, alpha, _ = att.attention_forward(q, k, {}, "dot", mask=np.array([[0, 1, 1]]))
    np.testing.assert_allclose(alpha[0], [0, 1 / (1 + np.e), np.e / (1 + np.e)])


@pytest.mark.parametrize("score", SCORES)
def test_attention_backward_passes_gradcheck_with_a_mask(rng, score):
    q, k, p = make(rng, score, H_q=5, H_k=5)
    dcontext = rng.standard_normal((3, 5))
    dalpha = rng.standard_normal((3, 4))
    context, alpha, cache = att.attention_forward(q, k, p, score, MASK)
    assert context.shape == (3, 5) and alpha.shape == (3, 4)
    dq, dk, grads = att.attention_backward(dcontext, cache, dalpha)

    def loss(_):
        c, a, _ = att.attention_forward(q, k, p, score, MASK)
        return np.sum(c * dcontext) + np.sum(a * dalpha)

    assert rel_error(dq, numerical_gradient(loss, q)) < 1e-7
    assert rel_error(dk, numerical_gradient(loss, k)) < 1e-7
    assert (dk[MASK == 0] == 0).all()  # padded keys influence nothing
    for key, value in p.items():
        assert rel_error(grads[key], numerical_gradient(loss, value)) < 1e-7, key


def test_float32_stays_float32(rng):
    q, k, p = make(rng, "additive")
    q, k = q.astype(np.float32), k.astype(np.float32)
    p = {key: value.astype(np.float32) for key, value in p.items()}
    context, alpha, cache = att.attention_forward(q, k, p, "additive", MASK)
    assert context.dtype == alpha.dtype == np.float32
    dq, dk, grads = att.attention_backward(np.ones_like(context), cache)
    assert dq.dtype == dk.dtype == grads["W_q"].dtype == np.float32
