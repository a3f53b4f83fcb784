"""Tests for rnncourse.seq2seq: the encoder-decoder with and without attention."""

import numpy as np
import pytest

from rnncourse import deep, seq2seq
from rnncourse.gradcheck import numerical_gradient, rel_error

# (attention, score, encoder cell): every decoder variant, both encoder cells, every score
VARIANTS = [
    ("bahdanau", "additive", "gru"),
    ("bahdanau", "general", "lstm"),
    ("luong", "general", "lstm"),
    ("luong", "dot", "gru"),
    ("luong", "additive", "gru"),
    ("none", None, "gru"),
]

SRC_MASK = np.array([[1, 1, 1, 1], [1, 1, 0, 0], [1, 1, 1, 0]])
TGT_MASK = np.array([[1, 1, 1], [1, 1, 0], [1, 1, 1]])


def tiny_model(rng, attention="bahdanau", score=None, cell="gru", D=5, K=4):
    H_enc, H_dec = 2, 3
    if score == "dot":
        H_dec = 2 * H_enc
    model = seq2seq.init_seq2seq(
        D, K, H_enc, H_dec, rng, attention=attention, score=score, encoder_cell=cell, A=3, start=1
    )
    for value in model.params.values():  # nonzero biases, larger weights: every term matters
        value += 0.3 * rng.standard_normal(value.shape)
    return model


def batch(rng, D=5, K=4):
    src = rng.integers(0, D, size=(3, 4))
    targets = rng.integers(0, K, size=(3, 3))
    return src, targets


@pytest.mark.parametrize(("attention", "score", "cell"), VARIANTS)
def test_whole_model_passes_gradcheck(rng, attention, score, cell):
    model = tiny_model(rng, attention, score, cell)
    src, targets = batch(rng)
    loss, grads = seq2seq.seq2seq_loss(model, src, SRC_MASK, targets, TGT_MASK)
    assert np.isfinite(loss) and set(grads) == set(model.params)

    def f(_):
        return seq2seq.seq2seq_loss(model, src, SRC_MASK, targets, TGT_MASK)[0]

    for key, value in model.params.items():
        assert grads[key].shape == value.shape, key
        assert rel_error(grads[key], numerical_gradient(f, value)) < 1e-7, key


def test_param_keys_follow_the_variant(rng):
    keys = {v[0]: set(tiny_model(rng, *v).params) for v in [VARIANTS[0], VARIANTS[2], VARIANTS[5]]}
    assert {"att.W_q", "att.W_k", "att.v"} <= keys["bahdanau"]
    assert {"comb.W_c", "comb.b_c", "att.W_a"} <= keys["luong"]
    assert not any(key.startswith(("att.", "comb.")) for key in keys["none"])
    bahdanau = tiny_model(rng, "bahdanau")
    luong = tiny_model(rng, "luong")
    # Bahdanau's cell reads [y_{t-1}, c_t]: K + 2 H_enc inputs; Luong's only y_{t-1}
    assert bahdanau.params["dec.W_x"].shape == (4 + 4, 9)
    assert luong.params["dec.W_x"].shape == (4, 9)


def test_encoder_with_equal_lengths_is_the_bidirectional_layer(rng):
    for cell in ("gru", "lstm"):
        model = tiny_model(rng, cell=cell)
        x = seq2seq.one_hot(rng.integers(0, 5, (3, 4)), 5)
        enc, _, _ = seq2seq.encoder_forward(model, x, np.array([4, 4, 4]))
        state0 = seq2seq._zero_state(cell, 3, 2, np.float64)
        h, _ = deep.bidirectional_forward(
            x,
            state0,
            state0,
            seq2seq.part(model.params, "enc_fwd"),
            seq2seq.part(model.params, "enc_bwd"),
            cell,
        )
        np.testing.assert_allclose(enc, h, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize(("attention", "score", "cell"), VARIANTS)
def test_padding_changes_nothing(rng, attention, score, cell):
    """A padded row gives what the row gives alone, whatever symbols sit in the padding."""
    model = tiny_model(rng, attention, score, cell)
    src, targets = batch(rng)
    other = src.copy()
    other[SRC_MASK == 0] = (other[SRC_MASK == 0] + 1) % 5
    loss_a, grads_a = seq2seq.seq2seq_loss(model, src, SRC_MASK, targets)
    loss_b, grads_b = seq2seq.seq2seq_loss(model, other, SRC_MASK, targets)
    assert loss_a == pytest.approx(loss_b, rel=1e-13)
    for key in grads_a:
        np.testing.assert_allclose(grads_a[key], grads_b[key], rtol=1e-10, atol=1e-14)
    ids, alphas = seq2seq.greedy_decode(model, src, SRC_MASK, 5)
    for n in range(3):
        length = SRC_MASK[n].sum()
        alone_ids, alone_alphas = seq2seq.greedy_decode(model, src[n : n + 1, :length], None, 5)
        np.testing.assert_array_equal(ids[n], alone_ids[0])
        np.testing.assert_allclose(alphas[n, :, :length], alone_alphas[0], atol=1e-14)
        assert (alphas[n, :, length:] == 0).all()


@pytest.mark.parametrize(("attention", "score", "cell"), VARIANTS)
def test_attention_weights_are_distributions_over_the_real_positions(rng, attention, score, cell):
    model = tiny_model(rng, attention, score, cell)
    src, targets = batch(rng)
    tgt_in = seq2seq.teacher_forcing_inputs(targets, 1)
    scores, alphas, _ = seq2seq.seq2seq_forward(model, src, SRC_MASK, tgt_in)
    assert scores.shape == (3, 3, 4) and alphas.shape == (3, 3, 4)
    if attention == "none":
        assert (alphas == 0).all()
    else:
        np.testing.assert_allclose(alphas.sum(axis=2), 1.0)
        assert (alphas[np.broadcast_to(SRC_MASK[:, None] == 0, alphas.shape)] == 0).all()


def test_greedy_decoding_feeds_back_its_own_predictions(rng):
    model = tiny_model(rng, "luong")
    src, _ = batch(rng)
    ids, alphas = seq2seq.greedy_decode(model, src, SRC_MASK, 6)
    tgt_in = seq2seq.teacher_forcing_inputs(ids, 1)  # what greedy decoding fed in
    scores, forced_alphas, _ = seq2seq.seq2seq_forward(model, src, SRC_MASK, tgt_in)
    np.testing.assert_array_equal(scores.argmax(axis=2), ids)
    np.testing.assert_allclose(alphas, forced_alphas, rtol=1e-13)


def test_teacher_forcing_inputs():
    targets = np.array([[5, 6, 7], [8, 9, 4]])
    np.testing.assert_array_equal(
        seq2seq.teacher_forcing_inputs(targets, 1), [[1, 5, 6], [1, 8, 9]]
    )


def test_backward_leaves_dscores_unchanged(rng):
    model = tiny_model(rng)
    src, targets = batch(rng)
    tgt_in = seq2seq.teacher_forcing_inputs(targets, 1)
    scores, _, cache = seq2seq.seq2seq_forward(model, src, SRC_MASK, tgt_in)
    dscores = rng.standard_normal(scores.shape)
    kept = dscores.copy()
    seq2seq.seq2seq_backward(dscores, cache, model)
    np.testing.assert_array_equal(dscores, kept)


def test_bad_configs_and_inputs_are_refused(rng):
    with pytest.raises(ValueError, match="attention"):
        seq2seq.init_seq2seq(5, 4, 2, 3, rng, attention="global")
    with pytest.raises(ValueError, match="dot score"):
        seq2seq.init_seq2seq(5, 4, 2, 3, rng, attention="luong", score="dot")
    with pytest.raises(ValueError, match="encoder_cell"):
        seq2seq.init_seq2seq(5, 4, 2, 3, rng, encoder_cell="rnn")
    with pytest.raises(ValueError, match="start"):
        seq2seq.init_seq2seq(5, 4, 2, 3, rng, start=4)
    model = tiny_model(rng)
    src, targets = batch(rng)
    with pytest.raises(ValueError, match="pad on the right"):
        seq2seq.seq2seq_loss(model, src, SRC_MASK[:, ::-1], targets)
    with pytest.raises(ValueError, match="all zeros"):
        seq2seq.seq2seq_loss(model, src, np.zeros((3, 4)), targets)
    with pytest.raises(ValueError, match=r"\[0, 5\)"):
        seq2seq.seq2seq_loss(model, src + 5, None, targets)


# ---------------------------------------------------------------- saving and loading


def test_save_and_load_round_trip(rng, tmp_path):
    model = tiny_model(rng, "luong", "general", "lstm")
    path = tmp_path / "model.npz"
    seq2seq.save_model(path, model, tokens=np.array(["<pad>", "a"]), accuracy=np.float64(0.5))
    loaded, extras = seq2seq.load_model(path)
    assert loaded.config == model.config
    for key, value in model.params.items():
        np.testing.assert_array_equal(loaded.params[key], value)
    assert list(extras["tokens"]) == ["<pad>", "a"] and extras["accuracy"] == 0.5
    with np.load(path, allow_pickle=False) as data:  # plain arrays only, no pickles
        assert "config" in data.files and "param.dec.W_x" in data.files


def test_loading_a_bad_file_says_what_is_wrong(rng, tmp_path):
    with pytest.raises(FileNotFoundError):
        seq2seq.load_model(tmp_path / "missing.npz")
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(b"this is not a zip file")
    with pytest.raises(ValueError, match="not a readable .npz"):
        seq2seq.load_model(corrupt)
    model = tiny_model(rng)
    good = tmp_path / "good.npz"
    seq2seq.save_model(good, model)
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[:300])
    with pytest.raises(ValueError, match="not a readable"):
        seq2seq.load_model(truncated)
    other = tmp_path / "other.npz"
    np.savez(other, a=np.zeros(3))
    with pytest.raises(ValueError, match="not an rnncourse seq2seq model"):
        seq2seq.load_model(other)
    wrong = tmp_path / "wrong.npz"
    seq2seq.save_model(wrong, model)
    with np.load(wrong) as data:
        arrays = dict(data)
    arrays["param.dec.W_h"] = arrays["param.dec.W_h"][:, :-1]
    np.savez(wrong, **arrays)
    with pytest.raises(ValueError, match=r"dec\.W_h.*shape"):
        seq2seq.load_model(wrong)
    del arrays["param.dec.W_h"]
    np.savez(wrong, **arrays)
    with pytest.raises(ValueError, match=r"missing dec\.W_h"):
        seq2seq.load_model(wrong)
    with pytest.raises(TypeError, match="object array"):
        seq2seq.save_model(tmp_path / "x.npz", model, bad=np.array([{}], dtype=object))
