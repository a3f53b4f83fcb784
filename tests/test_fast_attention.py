"""The training path of the encoder-decoder (rnncourse.fast_seq2seq) computes what the
step-by-step cells of rnncourse.seq2seq and rnncourse.attention compute.

Every decoder variant (Bahdanau, Luong, none), every score (additive, general, dot), both
encoder cells, padded sources and padded targets: scores, attention weights, the loss and
every gradient, in float64 (to 1e-12) and float32 (to 1e-5). Then numerical gradient checks
of the fast path itself in float64, the promises it keeps (dtypes, inputs never changed),
and the pieces that let train.train train it (TeacherForcing, DecayingLR).
"""

import numpy as np
import pytest

from rnncourse import fast, fast_seq2seq, optim, seq2seq, train
from rnncourse.gradcheck import numerical_gradient, rel_error

#: (attention, score, encoder cell): every decoder variant with every score, both cells.
VARIANTS = [
    ("bahdanau", "additive", "gru"),
    ("bahdanau", "general", "lstm"),
    ("bahdanau", "dot", "gru"),
    ("luong", "general", "gru"),
    ("luong", "dot", "lstm"),
    ("luong", "additive", "gru"),
    ("none", None, "gru"),
    ("none", None, "lstm"),
]
IDS = [f"{a}-{s}-{c}" for a, s, c in VARIANTS]
#: rel_error allowed between the two paths: rounding only.
TOLERANCE = {np.float64: 1e-12, np.float32: 1e-5}

D, K, START = 7, 6, 1
SRC_LENGTHS = np.array([6, 3, 1, 5])  # right-padded sources, one of a single symbol
TGT_MASK = np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 0, 0, 0, 0], [1, 1, 1, 1, 0]])


def make_model(attention, score, cell, dtype=np.float64, seed=0, H_enc=3, H_dec=5, A=4):
    """A small model with every parameter (biases too) away from its initial value."""
    rng = np.random.default_rng(seed)
    if score == "dot":
        H_dec = 2 * H_enc
    model = seq2seq.init_seq2seq(
        D, K, H_enc, H_dec, rng, attention=attention, score=score, encoder_cell=cell, A=A,
        start=START, dtype=dtype,
    )  # fmt: skip
    for p in model.params.values():
        p += (0.3 * rng.standard_normal(p.shape)).astype(dtype)
    return model


def make_batch(seed=1):
    rng = np.random.default_rng(seed)
    S, T = SRC_LENGTHS.max(), TGT_MASK.shape[1]
    src_mask = np.arange(S) < SRC_LENGTHS[:, None]
    src = np.where(src_mask, rng.integers(1, D, size=(len(SRC_LENGTHS), S)), 0)
    targets = rng.integers(0, K, size=(len(SRC_LENGTHS), T))
    return src, src_mask, targets


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("attention", "score", "cell"), VARIANTS, ids=IDS)
def test_forward_and_backward_equal_the_step_by_step_model(attention, score, cell, dtype):
    model = make_model(attention, score, cell, dtype)
    src, src_mask, targets = make_batch()
    tgt_in = seq2seq.teacher_forcing_inputs(targets, START)

    scores_ref, alphas_ref, cache_ref = seq2seq.seq2seq_forward(model, src, src_mask, tgt_in)
    scores, alphas, cache = fast_seq2seq.seq2seq_forward(model, src, src_mask, tgt_in)
    dscores = np.random.default_rng(2).standard_normal(scores.shape).astype(dtype)
    grads_ref = seq2seq.seq2seq_backward(dscores, cache_ref, model)
    grads = fast_seq2seq.seq2seq_backward(dscores, cache, model)

    assert list(grads) == list(model.params)
    tol = TOLERANCE[dtype]
    pairs = [("scores", scores, scores_ref), ("alphas", alphas, alphas_ref)]
    pairs += [(key, grads[key], grads_ref[key]) for key in model.params]
    for name, a, b in pairs:
        assert a.shape == b.shape and a.dtype == dtype, name
        assert rel_error(a, b) < tol, name
    if attention == "none":
        assert (alphas == 0).all()
    else:
        assert (alphas[~np.broadcast_to(src_mask[:, None], alphas.shape)] == 0).all()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("attention", "score", "cell"), VARIANTS, ids=IDS)
def test_loss_with_padded_targets_equals_the_step_by_step_loss(attention, score, cell, dtype):
    model = make_model(attention, score, cell, dtype)
    src, src_mask, targets = make_batch()
    loss_ref, grads_ref = seq2seq.seq2seq_loss(model, src, src_mask, targets, TGT_MASK)
    loss, grads = fast_seq2seq.seq2seq_loss(model, src, src_mask, targets, TGT_MASK)
    tol = TOLERANCE[dtype]
    assert abs(loss - loss_ref) <= tol * abs(loss_ref)
    for key in model.params:
        assert rel_error(grads[key], grads_ref[key]) < tol, key


@pytest.mark.parametrize(("attention", "score", "cell"), VARIANTS, ids=IDS)
def test_fast_path_passes_gradcheck(attention, score, cell):
    model = make_model(attention, score, cell, np.float64, seed=3, H_enc=2, H_dec=3, A=2)
    src, src_mask, targets = make_batch(seed=4)
    _, grads = fast_seq2seq.seq2seq_loss(model, src, src_mask, targets, TGT_MASK)

    def loss(_):
        return fast_seq2seq.seq2seq_loss(model, src, src_mask, targets, TGT_MASK)[0]

    for key, value in model.params.items():
        assert rel_error(grads[key], numerical_gradient(loss, value)) < 1e-7, key


def test_no_padding_and_equal_lengths():
    model = make_model("bahdanau", "additive", "gru")
    src, _, targets = make_batch()
    src = np.where(src == 0, 2, src)  # every source full length: src_mask None
    loss_ref, grads_ref = seq2seq.seq2seq_loss(model, src, None, targets)
    loss, grads = fast_seq2seq.seq2seq_loss(model, src, None, targets)
    assert abs(loss - loss_ref) < 1e-12 * loss_ref
    assert max(rel_error(grads[k], grads_ref[k]) for k in grads) < 1e-12


def test_inputs_and_params_are_not_changed():
    model = make_model("luong", "general", "gru")
    src, src_mask, targets = make_batch()
    before = {k: v.copy() for k, v in model.params.items()}
    copies = [a.copy() for a in (src, src_mask, targets)]
    fast_seq2seq.seq2seq_loss(model, src, src_mask, targets, TGT_MASK)
    for key, value in model.params.items():
        np.testing.assert_array_equal(value, before[key])
    for a, b in zip((src, src_mask, targets), copies, strict=True):
        np.testing.assert_array_equal(a, b)


def test_bad_input_raises_the_step_by_step_models_errors():
    model = make_model("bahdanau", "additive", "gru")
    src, src_mask, targets = make_batch()
    with pytest.raises(ValueError, match="pad on the right"):
        fast_seq2seq.seq2seq_loss(model, src, src_mask[:, ::-1], targets)
    with pytest.raises(ValueError, match="must lie in"):
        fast_seq2seq.seq2seq_loss(model, src + D, src_mask, targets)
    with pytest.raises(TypeError, match="must be a Seq2Seq"):
        fast_seq2seq.seq2seq_loss(model.params, src, src_mask, targets)


def test_cell_backward_can_skip_dx():
    rng = np.random.default_rng(0)
    params = {k: v for k, v in train.init_model("gru", 3, 4, 2, rng).params.items() if "y" not in k}
    x, h0 = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 4))
    h, _, cache = fast.cell_forward("gru", x, h0, params)
    dh = rng.standard_normal(h.shape)
    dx, dh0, grads = fast.cell_backward(cache, dh)
    no_dx, dh0_again, grads_again = fast.cell_backward(cache, dh, need_dx=False)
    assert dx.shape == x.shape and no_dx is None
    np.testing.assert_array_equal(dh0, dh0_again)
    for key in grads:
        np.testing.assert_array_equal(grads[key], grads_again[key])


# ---------------------------------------------------------------- training through train.train


def test_teacher_forcing_trains_through_the_one_loop_on_either_path():
    def sample(batch_size, rng):
        src, src_mask, targets = make_batch(seed=int(rng.integers(1000)))
        return src, targets, (src_mask, TGT_MASK)

    histories = []
    for use_fast in (True, False):
        model = make_model("bahdanau", "additive", "gru")
        history = train.train(
            seq2seq.TeacherForcing(model, fast=use_fast), sample, None, optim.Adam(1e-2),
            steps=5, batch_size=4, max_norm=5.0, rng=np.random.default_rng(0),
        )  # fmt: skip
        histories.append((history, model.params))
    (fast_history, fast_params), (slow_history, slow_params) = histories
    np.testing.assert_allclose(fast_history.loss, slow_history.loss, rtol=1e-10)
    assert fast_history.loss[-1] < fast_history.loss[0]
    for key in fast_params:
        np.testing.assert_allclose(fast_params[key], slow_params[key], rtol=1e-8, atol=1e-12)


def test_teacher_forcing_accepts_a_source_mask_alone():
    model = make_model("luong", "general", "gru")
    src, src_mask, targets = make_batch()
    loss, grads, state = seq2seq.TeacherForcing(model).loss_and_grads(src, targets, None, src_mask)
    assert state is None
    assert loss == pytest.approx(seq2seq.seq2seq_loss(model, src, src_mask, targets)[0], rel=1e-12)
    assert set(grads) == set(model.params)
    with pytest.raises(TypeError, match="must be a Seq2Seq"):
        seq2seq.TeacherForcing(model.params)


def test_decaying_learning_rate():
    inner = optim.Adam(1e-2)
    schedule = seq2seq.DecayingLR(inner, steps=10, lr_final=1e-3)
    rates = [schedule.lr_at(step) for step in range(10)]
    assert rates[:5] == [1e-2] * 5  # constant over the first half
    assert all(np.diff(rates[5:]) < 0) and rates[-1] == pytest.approx(1e-3)
    params, grads = {"w": np.ones(2)}, {"w": np.ones(2)}
    for step in range(10):
        schedule.step(params, grads)
        assert schedule.lr == inner.lr == pytest.approx(rates[step])
    with pytest.raises(ValueError, match="lr_final"):
        seq2seq.DecayingLR(optim.Adam(1e-3), steps=10, lr_final=1e-2)
