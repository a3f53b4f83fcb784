"""Tests for rnncourse.charlm: one-hot and embedding inputs, temperature sampling, generation,
perplexity, saving and loading, and min-char-rnn against the package's own tools."""

import zipfile

import numpy as np
import pytest

from rnncourse import charlm, clipping, gradcheck, losses, optim, train
from rnncourse.activations import softmax
from rnncourse.data import text

# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def corpus():
    train_numbers, valid_numbers = text.split_numbers(np.random.default_rng(0))
    train_text = text.number_corpus(train_numbers, 400, np.random.default_rng(1))
    valid_text = text.number_corpus(valid_numbers, 60, np.random.default_rng(2))
    vocab = text.Vocabulary.from_text(train_text)
    return vocab, vocab.encode(train_text), vocab.encode(valid_text)


def make_model(V, H=12, cell="rnn", seed=0, **options):
    return train.init_model(cell, V, H, V, np.random.default_rng(seed), **options)


# ---------------------------------------------------------------- one-hot and embedding


def test_one_hot():
    x = charlm.one_hot(np.array([[2, 0], [1, 1]]), 3)
    assert x.shape == (2, 2, 3) and x.dtype == np.float64
    np.testing.assert_array_equal(x[0], [[0, 0, 1], [1, 0, 0]])
    assert charlm.one_hot(np.array([1]), 3, np.float32).dtype == np.float32
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        charlm.one_hot(np.array([3]), 3)
    with pytest.raises(TypeError, match="integer indices"):
        charlm.one_hot(np.array([1.0]), 3)


def test_embedding_is_a_one_hot_product(rng):
    V, D = 7, 4
    E = rng.standard_normal((V, D))
    ids = rng.integers(0, V, size=(3, 5))
    x = charlm.embedding_forward(ids, E)
    assert x.shape == (3, 5, D)
    np.testing.assert_allclose(x, charlm.one_hot(ids, V) @ E, rtol=0, atol=1e-15)


def test_embedding_backward_adds_up_repeated_rows_and_passes_gradcheck(rng):
    V, D = 6, 3
    E = rng.standard_normal((V, D))
    ids = np.array([[0, 2, 2], [5, 2, 0]])  # 2 three times, 0 twice, 1, 3, 4 never
    dx = rng.standard_normal((2, 3, D))
    dE = charlm.embedding_backward(dx, ids, V)
    np.testing.assert_allclose(dE[2], dx[0, 1] + dx[0, 2] + dx[1, 1])
    np.testing.assert_array_equal(dE[[1, 3, 4]], 0)
    onehot = charlm.one_hot(ids, V).reshape(-1, V)  # (N*T, V)
    np.testing.assert_allclose(dE, onehot.T @ dx.reshape(-1, D), rtol=1e-12)
    numeric = gradcheck.numerical_gradient(lambda E_: charlm.embedding_forward(ids, E_), E, df=dx)
    assert gradcheck.rel_error(dE, numeric) < 1e-7
    np.testing.assert_array_equal(ids, [[0, 2, 2], [5, 2, 0]])  # inputs unchanged


def test_embedding_refuses_bad_input(rng):
    E = rng.standard_normal((4, 2))
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        charlm.embedding_forward(np.array([4]), E)
    with pytest.raises(ValueError, match=r"\(V, D\)"):
        charlm.embedding_forward(np.array([1]), E[0])
    with pytest.raises(ValueError, match="one vector per index"):
        charlm.embedding_backward(np.zeros((2, 3, 2)), np.zeros((2, 2), dtype=int), 4)


# ---------------------------------------------------------------- temperature


def test_temperature_one_is_the_models_softmax(rng):
    scores = rng.standard_normal((3, 5))
    np.testing.assert_allclose(charlm.softmax_with_temperature(scores, 1.0), softmax(scores))


def test_temperature_sharpens_and_flattens():
    scores = np.array([2.0, 1.0, 0.5, -1.0])
    p = {tau: charlm.softmax_with_temperature(scores, tau) for tau in (0.1, 0.5, 1.0, 2.0, 100.0)}
    maxima = [p[tau].max() for tau in (0.1, 0.5, 1.0, 2.0, 100.0)]
    assert all(a > b for a, b in zip(maxima, maxima[1:], strict=False))  # flatter and flatter
    assert p[0.1][0] > 0.9999 and np.allclose(p[100.0], 0.25, atol=0.01)
    np.testing.assert_allclose(p[0.5], softmax(scores / 0.5))
    for probs in p.values():
        assert probs.sum() == pytest.approx(1.0) and np.all(probs >= 0)


def test_temperature_zero_is_greedy_and_tiny_ones_do_not_overflow():
    scores = np.array([[1.0, 3.0, 3.0, -2.0], [800.0, -800.0, 0.0, 1.0]])
    greedy = charlm.softmax_with_temperature(scores, 0)
    np.testing.assert_array_equal(greedy, [[0, 1, 0, 0], [1, 0, 0, 0]])  # first maximum on ties
    tiny = charlm.softmax_with_temperature(scores, 1e-300)  # a RuntimeWarning would fail here
    assert np.isfinite(tiny).all()
    np.testing.assert_array_equal(tiny[1], [1, 0, 0, 0])
    np.testing.assert_allclose(tiny[0], [0, 0.5, 0.5, 0])


@pytest.mark.parametrize(
    "tau, error, words",
    [(-0.5, ValueError, ">= 0"), (np.inf, ValueError, "finite"), ("1", TypeError, "number"),
     (True, TypeError, "number")],
)  # fmt: skip
def test_temperature_is_checked(tau, error, words):
    with pytest.raises(error, match=words):
        charlm.softmax_with_temperature(np.zeros(3), tau)


def test_sample_with_temperature_follows_the_probabilities():
    scores = np.log(np.array([0.1, 0.2, 0.3, 0.4])) * 0.5
    rng = np.random.default_rng(0)
    draws = [charlm.sample_with_temperature(scores, 0.5, rng)[0] for _ in range(4000)]
    assert all(isinstance(d, int) for d in draws[:5])
    freq = np.bincount(draws, minlength=4) / len(draws)
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.3, 0.4], atol=0.03)
    index, probs = charlm.sample_with_temperature(scores, 0.5, np.random.default_rng(1))
    np.testing.assert_allclose(probs, [0.1, 0.2, 0.3, 0.4])
    assert index == charlm.sample_with_temperature(scores, 0.5, np.random.default_rng(1))[0]
    with pytest.raises(ValueError, match=r"\(V,\)"):
        charlm.sample_with_temperature(np.zeros((2, 3)), 1.0, rng)


# ---------------------------------------------------------------- generation


def test_generate_is_deterministic_and_uses_the_vocabulary(corpus):
    vocab, _, _ = corpus
    model = make_model(len(vocab))
    a = charlm.generate(model, vocab, "one hundred", 60, 1.0, seed=3)
    assert len(a) == 60 and set(a) <= set(vocab.chars)
    assert a == charlm.generate(model, vocab, "one hundred", 60, 1.0, seed=3)
    assert a != charlm.generate(model, vocab, "one hundred", 60, 1.0, seed=4)
    greedy = charlm.generate(model, vocab, "one", 30, 0.0, seed=1)
    assert greedy == charlm.generate(model, vocab, "one", 30, 0.0, seed=2)  # no randomness


def test_generate_with_an_empty_prompt_starts_a_line(corpus):
    vocab, _, _ = corpus
    model = make_model(len(vocab))
    assert charlm.generate(model, vocab, "", 20, seed=5) == charlm.generate(
        model, vocab, "\n", 20, seed=5
    )


def test_generate_refuses_bad_prompts_and_mismatched_vocabularies(corpus):
    vocab, _, _ = corpus
    model = make_model(len(vocab))
    with pytest.raises(ValueError, match="'Q' at position 4 is not in the vocabulary"):
        charlm.generate(model, vocab, "one Q", 10)
    with pytest.raises(ValueError, match="D = K = V"):
        charlm.generate(make_model(len(vocab) + 1), vocab, "one", 10)
    with pytest.raises(TypeError, match="Vocabulary"):
        charlm.generate(model, "abc", "one", 10)
    with pytest.raises(ValueError, match="n_chars must be at least 1"):
        charlm.generate(model, vocab, "one", 0)


@pytest.mark.parametrize("cell, options", [("lstm", {}), ("gru", {"reset_after": False})])
def test_generate_works_for_every_cell(corpus, cell, options):
    vocab, _, _ = corpus
    model = make_model(len(vocab), cell=cell, **options)
    out = charlm.generate(model, vocab, "two", 25, 0.8, seed=0)
    assert len(out) == 25 and out == charlm.generate(model, vocab, "two", 25, 0.8, seed=0)


def test_next_char_probabilities_match_reading_the_prompt(corpus):
    vocab, _, _ = corpus
    model = make_model(len(vocab))
    probs = charlm.next_char_probabilities(model, vocab, "six", 0.7)
    scores, _, _ = train.forward(model, charlm.one_hot(vocab.encode("six")[None], len(vocab)))
    np.testing.assert_allclose(probs, softmax(scores[0, -1] / 0.7), rtol=1e-12)


# ---------------------------------------------------------------- perplexity


def test_perplexity_worked_examples():
    assert charlm.perplexity(np.full(50, 1 / 21)) == pytest.approx(21)  # uniform over V
    assert charlm.perplexity(np.ones(5)) == 1.0  # always sure and right
    assert charlm.perplexity([0.5, 0.125]) == pytest.approx(4.0)  # 1 / geometric mean (1/4)
    p = np.array([[0.9, 0.3], [0.05, 0.6]])
    assert charlm.perplexity(p) == pytest.approx(np.exp(-np.log(p).mean()))
    assert charlm.perplexity([0.5, 0.0]) == np.inf


def test_perplexity_refuses_what_is_not_probabilities():
    for bad in ([], [0.5, 1.5], [0.2, np.nan], [-0.1]):
        with pytest.raises(ValueError, match="p_true"):
            charlm.perplexity(bad)


def test_target_probabilities_agree_with_the_training_loss(corpus):
    vocab, ids, _ = corpus
    V = len(vocab)
    model = make_model(V)
    p_true = charlm.target_probabilities(model, ids[:401], N=4)
    assert p_true.shape == (4, 100)
    inputs, targets = text.split_into_streams(ids[:401], 4)
    loss, _ = losses.softmax_cross_entropy(train.forward(model, charlm.one_hot(inputs, V))[0],
                                           targets)  # fmt: skip
    assert charlm.perplexity(p_true) == pytest.approx(np.exp(loss), rel=1e-12)


def test_a_short_training_run_lowers_the_perplexity(corpus):
    vocab, ids, valid = corpus
    V = len(vocab)
    model = make_model(V, H=32)
    before = charlm.perplexity(charlm.target_probabilities(model, valid, N=4))
    inputs, targets = text.split_into_streams(ids, 16)
    train.train(model, charlm.one_hot(inputs, V), targets, optim.Adam(0.02), seq_len=25,
                stateful=True, max_norm=5.0)  # fmt: skip
    after = charlm.perplexity(charlm.target_probabilities(model, valid, N=4))
    print(f"perplexity before {before:.2f}, after {after:.2f} (V = {V})")
    assert before > 0.8 * V and after < 3.0


# ---------------------------------------------------------------- saving and loading


@pytest.mark.parametrize(
    "cell, options", [("rnn", {}), ("rnn", {"activation": "relu"}), ("lstm", {}),
                      ("gru", {"reset_after": False})]
)  # fmt: skip
def test_save_and_load_round_trip(tmp_path, corpus, cell, options):
    vocab, _, _ = corpus
    model = make_model(len(vocab), cell=cell, **options)
    path = tmp_path / "sub" / "model.npz"
    charlm.save_model(path, model, vocab)
    loaded, loaded_vocab = charlm.load_model(path)
    assert loaded_vocab == vocab and loaded.cell == cell and loaded.options == options
    assert loaded.params.keys() == model.params.keys()
    for key, value in model.params.items():
        np.testing.assert_array_equal(loaded.params[key], value)
    assert charlm.generate(loaded, loaded_vocab, "one", 30, seed=1) == charlm.generate(
        model, vocab, "one", 30, seed=1
    )


def test_save_keeps_unusual_characters(tmp_path):
    vocab = text.Vocabulary.from_text("a\tb\nc 你🙂")
    model = make_model(len(vocab))
    charlm.save_model(tmp_path / "m.npz", model, vocab)
    assert charlm.load_model(tmp_path / "m.npz")[1] == vocab


def _saved(tmp_path, corpus):
    vocab, _, _ = corpus
    path = tmp_path / "model.npz"
    charlm.save_model(path, make_model(len(vocab)), vocab)
    with np.load(path) as data:
        return path, {name: data[name] for name in data.files}


def _write(path, arrays, compress=True):
    with open(path, "wb") as f:
        (np.savez_compressed if compress else np.savez)(f, **arrays)


def test_load_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no model file at .*absent.npz"):
        charlm.load_model(tmp_path / "absent.npz")


def test_load_truncated_file(tmp_path, corpus):
    path, _ = _saved(tmp_path, corpus)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="not a readable .npz") as info:
        charlm.load_model(path)
    assert str(path) in str(info.value)


def test_load_text_file(tmp_path):
    path = tmp_path / "notes.npz"
    path.write_text("this is not a zip file")
    with pytest.raises(ValueError, match="not a readable .npz"):
        charlm.load_model(path)


def test_load_corrupt_entry(tmp_path, corpus):
    path, arrays = _saved(tmp_path, corpus)
    _write(path, arrays, compress=False)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:  # damage the bytes of the first stored array
        info = z.infolist()[0]
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 200
    data[start : start + 20] = b"\xff" * 20
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="model.npz"):
        charlm.load_model(path)


def test_load_refuses_pickled_arrays(tmp_path, corpus):
    path, arrays = _saved(tmp_path, corpus)
    arrays["options"] = np.array([{"activation": "tanh"}], dtype=object)
    with open(path, "wb") as f:
        np.savez(f, **arrays)  # object arrays are pickled inside the .npz
    with pytest.raises(ValueError, match="only pickle can load"):
        charlm.load_model(path)


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda a: a.pop("params/W_hh"), r"missing params \['W_hh'\]"),
        (lambda a: a.pop("vocab"), "no 'vocab' entry"),
        (lambda a: a.update({"params/W_extra": np.zeros(2)}), "unexpected entries"),
        (lambda a: a.update({"notes": np.array("hi")}), r"unexpected entries \['notes'\]"),
        (lambda a: a.update({"format": np.array("other-1")}), "has format 'other-1'"),
        (lambda a: a.update({"cell": np.array("transformer")}), "unknown cell 'transformer'"),
        (lambda a: a.update({"cell": np.array(3)}), "'cell' must be a string"),
        (lambda a: a.update({"options": np.array("{not json")}), "'options' or 'vocab'"),
        (lambda a: a.update({"vocab": np.array([97, 97])}), "'options' or 'vocab'"),
    ],
    ids=["missing-param", "missing-vocab", "extra-param", "extra-entry", "format", "cell",
         "cell-type", "options", "vocab-duplicates"],
)  # fmt: skip
def test_load_refuses_wrong_keys(tmp_path, corpus, change, words):
    path, arrays = _saved(tmp_path, corpus)
    change(arrays)
    _write(path, arrays)
    with pytest.raises(ValueError, match=words):
        charlm.load_model(path)


@pytest.mark.parametrize(
    "key, shape, words",
    [("params/W_hh", (12, 11), "W_hh"), ("params/W_hy", (12, 5), "W_hy"),
     ("params/b_y", (3,), "b_y"), ("params/W_xh", (5, 12), "D=5")],
)  # fmt: skip
def test_load_refuses_wrong_shapes(tmp_path, corpus, key, shape, words):
    path, arrays = _saved(tmp_path, corpus)
    arrays[key] = np.zeros(shape)
    _write(path, arrays)
    with pytest.raises(ValueError, match=f"does not hold a consistent model.*{words}"):
        charlm.load_model(path)


def test_load_refuses_non_finite_or_integer_params(tmp_path, corpus):
    path, arrays = _saved(tmp_path, corpus)
    arrays["params/b_h"] = arrays["params/b_h"].copy()
    arrays["params/b_h"][0] = np.nan
    _write(path, arrays)
    with pytest.raises(ValueError, match="NaN or infinity"):
        charlm.load_model(path)
    arrays["params/b_h"] = np.zeros(12, dtype=int)
    _write(path, arrays)
    with pytest.raises(ValueError, match="floating-point"):
        charlm.load_model(path)


# ---------------------------------------------------------------- min-char-rnn


def karpathy_params(V, H, rng):
    return {
        "Wxh": rng.standard_normal((H, V)) * 0.3, "Whh": rng.standard_normal((H, H)) * 0.3,
        "Why": rng.standard_normal((V, H)) * 0.3, "bh": rng.standard_normal((H, 1)) * 0.1,
        "by": rng.standard_normal((V, 1)) * 0.1,
    }  # fmt: skip


def test_min_char_rnn_loss_is_our_loss_with_column_vectors(rng):
    V, H, T = 6, 5, 25
    params = karpathy_params(V, H, rng)
    inputs, targets = rng.integers(0, V, T), rng.integers(0, V, T)
    hprev = 0.5 * rng.standard_normal((H, 1))
    hprev_before = hprev.copy()
    loss, grads, h = charlm.min_char_rnn_loss(inputs, targets, hprev, params)
    model = charlm.min_char_rnn_to_model(params)
    x = charlm.one_hot(inputs[None], V)  # (1, T, V): a batch of one
    mean_loss, ours, h_T = train.loss_and_grads(model, x, targets[None], hprev.T)
    assert loss == pytest.approx(T * mean_loss, rel=1e-12)  # summed vs mean over the T steps
    np.testing.assert_allclose(h.T, h_T, rtol=1e-12)
    clipped = clipping.clip_by_value({k: T * g for k, g in ours.items()}, 5.0)
    pairs = {"Wxh": "W_xh", "Whh": "W_hh", "Why": "W_hy", "bh": "b_h", "by": "b_y"}
    for theirs, mine in pairs.items():
        assert (
            gradcheck.rel_error(grads[theirs].T.reshape(clipped[mine].shape), clipped[mine]) < 1e-12
        )
    np.testing.assert_array_equal(hprev, hprev_before)  # the input state is not changed


def test_min_char_rnn_gradients_pass_gradcheck(rng):
    V, H = 4, 3
    params = karpathy_params(V, H, rng)
    for p in params.values():
        p *= 0.3  # small weights: no gradient reaches the clipping limit
    inputs, targets = rng.integers(0, V, 6), rng.integers(0, V, 6)
    hprev = 0.3 * rng.standard_normal((H, 1))
    _, grads, _ = charlm.min_char_rnn_loss(inputs, targets, hprev, params)
    for key in params:

        def f(value, key=key):
            return charlm.min_char_rnn_loss(inputs, targets, hprev, {**params, key: value})[0]

        numeric = gradcheck.numerical_gradient(f, params[key].copy())
        assert gradcheck.rel_error(grads[key], numeric) < 1e-7, key


def test_min_char_rnn_training_is_adagrad_with_value_clipping(corpus):
    vocab, ids, _ = corpus
    V, H, L = len(vocab), 8, 25
    result = charlm.min_char_rnn(ids, V, hidden_size=H, n_iterations=3, seed=7)
    # the same three updates with the package's tools, in row-vector form
    rng = np.random.default_rng(7)
    start = {k: rng.standard_normal(s) * 0.01 for k, s in (("Wxh", (H, V)), ("Whh", (H, H)),
                                                          ("Why", (V, H)))}  # fmt: skip
    model = charlm.min_char_rnn_to_model({**start, "bh": np.zeros((H, 1)), "by": np.zeros((V, 1))})
    opt, state = optim.Adagrad(0.1), np.zeros((1, H))
    for k in range(3):
        chunk = ids[k * L : k * L + L + 1]
        x = charlm.one_hot(chunk[None, :-1], V)
        loss, grads, state = train.loss_and_grads(model, x, chunk[None, 1:], state)
        assert result.loss[k] == pytest.approx(L * loss, rel=1e-10)
        opt.step(model.params, clipping.clip_by_value({g: L * v for g, v in grads.items()}, 5.0))
    ours = charlm.min_char_rnn_to_model(result.params)
    for key, value in model.params.items():
        np.testing.assert_allclose(ours.params[key], value, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(result.hprev.T, state, rtol=1e-10)


def test_min_char_rnn_learns_and_resets_at_the_end_of_the_data(corpus):
    vocab, ids, _ = corpus
    data = ids[:2000]
    result = charlm.min_char_rnn(data, len(vocab), hidden_size=32, n_iterations=300, seed=0)
    assert len(result.loss) == len(result.smooth_loss) == 300
    first, last = np.mean(result.loss[:20]) / 25, np.mean(result.loss[-20:]) / 25
    print(f"min-char-rnn loss per character: {first:.3f} -> {last:.3f}")
    assert first > 2.5 and last < 2.0
    assert result.smooth_loss[0] == pytest.approx(
        0.999 * np.log(len(vocab)) * 25 + 0.001 * result.loss[0]
    )


def test_min_char_rnn_sample_equals_generate(corpus):
    vocab, ids, _ = corpus
    result = charlm.min_char_rnn(ids, len(vocab), hidden_size=16, n_iterations=50, seed=1)
    H = result.params["Whh"].shape[0]
    start = vocab.index["t"]
    theirs = charlm.min_char_rnn_sample(
        result.params, np.zeros((H, 1)), start, 40, np.random.default_rng(9)
    )
    model = charlm.min_char_rnn_to_model(result.params)
    ours = charlm.generate(model, vocab, "t", 40, temperature=1.0, seed=9)
    assert vocab.decode(theirs) == ours


def test_min_char_rnn_refuses_bad_input():
    with pytest.raises(ValueError, match="more than seq_length"):
        charlm.min_char_rnn(np.arange(10), 10, seq_length=25)
    with pytest.raises(ValueError, match=r"\[0, 5\)"):
        charlm.min_char_rnn(np.arange(100) % 7, 5)


# ---------------------------------------------------------------- samples during training


def test_sample_printer_samples_every_k_steps(corpus):
    vocab, train_ids, _ = corpus
    V = len(vocab)
    inputs, targets = text.split_into_streams(train_ids, 4)
    x = charlm.one_hot(inputs[:, :100], V)
    printed, seen = [], []
    model = make_model(V)
    printer = charlm.SamplePrinter(
        model, vocab, every=2, prompt="one", n_chars=20, seed=3, out=printed.append,
        then=seen.append,
    )  # fmt: skip
    assert printer.show(0) == charlm.generate(model, vocab, "one", 20, 0.8, seed=3)
    history = train.train(
        model, x, targets[:, :100], optim.Adam(0.01), seq_len=20, stateful=True, callback=printer
    )
    assert len(seen) == 5  # every step reaches the chained callback
    assert [s[0] for s in printer.samples] == [0, 2, 4]
    assert printer.samples[0][1] is None
    assert printer.samples[1][1] == pytest.approx(history.loss[1])
    # each sample is what generate writes with the weights of that moment: the last one is
    # the trained model's
    assert printer.samples[-1][2] != printer.samples[0][2]
    assert len(printed) == 3 and printed[1].startswith(f"step 2, loss {history.loss[1]:.3f}:")
    assert printed[0].startswith("step 0:\n    one")


def test_sample_printer_does_not_change_training(corpus):
    vocab, train_ids, _ = corpus
    V = len(vocab)
    inputs, targets = text.split_into_streams(train_ids, 4)
    x, y = charlm.one_hot(inputs[:, :60], V), targets[:, :60]
    plain, watched = make_model(V, seed=5), make_model(V, seed=5)
    train.train(plain, x, y, optim.Adam(0.01), seq_len=20, stateful=True)
    printer = charlm.SamplePrinter(watched, vocab, every=1, n_chars=5, out=None)
    train.train(watched, x, y, optim.Adam(0.01), seq_len=20, stateful=True, callback=printer)
    assert len(printer.samples) == 3
    for key in plain.params:
        np.testing.assert_array_equal(plain.params[key], watched.params[key])


def test_sample_printer_format_indents_lines(corpus):
    vocab = corpus[0]
    printer = charlm.SamplePrinter(make_model(len(vocab)), vocab, every=1, prompt="six", out=None)
    expected = "step 7, loss 0.500:\n    six hundred\n    ten"
    assert printer.format(7, 0.5, " hundred\nten\n") == expected


@pytest.mark.parametrize(
    "kwargs, error, words",
    [({"every": 0}, ValueError, "every"), ({"every": 1.5}, TypeError, "every"),
     ({"every": 1, "temperature": -1}, ValueError, "temperature"),
     ({"every": 1, "prompt": "Q"}, ValueError, "'Q'"),
     ({"every": 1, "out": "print"}, TypeError, "out must be callable"),
     ({"every": 1, "then": 3}, TypeError, "then must be callable")],
)  # fmt: skip
def test_sample_printer_bad_input(corpus, kwargs, error, words):
    vocab = corpus[0]
    with pytest.raises(error, match=words):
        charlm.SamplePrinter(make_model(len(vocab)), vocab, **kwargs)


# ---------------------------------------------------------------- the shipped models


def test_pretrained_numbers_is_the_chapters_full_run():
    model, vocab = charlm.load_pretrained("numbers")
    assert model.cell == "rnn" and model.params["W_hh"].shape == (128, 128)
    assert len(vocab) == 21
    train_numbers, valid_numbers = text.split_numbers(np.random.default_rng(0))
    valid_text = text.number_corpus(valid_numbers, 300, np.random.default_rng(2))
    p_true = charlm.target_probabilities(model, vocab.encode(valid_text), N=10)
    assert charlm.perplexity(p_true) == pytest.approx(1.357, abs=5e-4)
    lines = charlm.generate(model, vocab, "", 3000, 1.0, seed=1).split("\n")[:-1]
    named = [n for n in map(text.parse_number_words, lines) if n is not None]
    assert (len(named), len(lines)) == (124, 125)


def test_pretrained_docstrings_writes_words():
    model, vocab = charlm.load_pretrained("docstrings")
    train_text, valid_text = text.docstring_corpus()
    assert vocab == text.Vocabulary.from_text(train_text + valid_text)
    p_true = charlm.target_probabilities(model, vocab.encode(valid_text), N=10)
    assert charlm.perplexity(p_true) < 6  # a uniform guess: V = 94
    sample = charlm.generate(model, vocab, "Return the ", 300, 0.5, seed=0)
    words = set(train_text.split())
    assert np.mean([w in words for w in sample.split()]) > 0.6  # mostly real words


@pytest.mark.parametrize(
    "name, error", [("letters", ValueError), ("../weights/dates_luong", ValueError), (3, TypeError)]
)
def test_load_pretrained_bad_name(name, error):
    with pytest.raises(error, match="name must be"):
        charlm.load_pretrained(name)


def test_sample_printer_at_listed_steps(corpus):
    vocab, train_ids, _ = corpus
    inputs, targets = text.split_into_streams(train_ids, 4)
    model = make_model(len(vocab))
    printer = charlm.SamplePrinter(model, vocab, at=[1, 4], n_chars=5, out=None)
    x = charlm.one_hot(inputs[:, :100], len(vocab))
    train.train(model, x, targets[:, :100], optim.Adam(0.01), seq_len=20, callback=printer)
    assert [s[0] for s in printer.samples] == [1, 4]


@pytest.mark.parametrize(
    "kwargs, error, words",
    [({}, ValueError, "not neither"), ({"every": 2, "at": [1]}, ValueError, "not both"),
     ({"at": 5}, TypeError, "sequence of step numbers"), ({"at": [0]}, ValueError, "at's steps")],
)  # fmt: skip
def test_sample_printer_every_or_at(corpus, kwargs, error, words):
    vocab = corpus[0]
    with pytest.raises(error, match=words):
        charlm.SamplePrinter(make_model(len(vocab)), vocab, **kwargs)


# ---------------------------------------------------------------- a model with an embedding


def test_a_character_model_with_an_embedding_samples_scores_and_saves(tmp_path):
    vocab = text.Vocabulary("\nab")
    model = charlm.init_model("gru", 3, 5, np.random.default_rng(0), D=2)  # E (3, 2)
    assert model.params["E"].shape == (3, 2) and charlm.vocab_size(model) == 3
    assert charlm.input_size(model) == 2  # the cell reads the embedding's D = 2 columns
    # its scores are those of a one-hot model whose W_x is E @ W_x
    onehot = train.Model("gru", {k: v for k, v in model.params.items() if k != "E"})
    onehot.params["W_x"] = model.params["E"] @ model.params["W_x"]
    ids = np.array([0, 1, 2, 2, 1, 0, 1])
    np.testing.assert_allclose(
        charlm.target_probabilities(model, ids, N=2),
        charlm.target_probabilities(onehot, ids, N=2),
        rtol=1e-12,
    )
    assert charlm.generate(model, vocab, "ab", 20) == charlm.generate(onehot, vocab, "ab", 20)
    printer = charlm.SamplePrinter(model, vocab, every=1, out=None)
    assert printer.show(0) == charlm.generate(model, vocab, "", 80, 0.8, seed=0)
    charlm.save_model(tmp_path / "m.npz", model, vocab)
    loaded, loaded_vocab = charlm.load_model(tmp_path / "m.npz")
    assert sorted(loaded.params) == sorted(model.params) and loaded_vocab.chars == vocab.chars
    with pytest.raises(ValueError, match="the vocabulary has V=2"):
        charlm.generate(model, text.Vocabulary("ab"), "a", 3)


def test_train_numbers_is_chapter_10s_run_and_trains_an_embedding_too():
    data = charlm.numbers_data(N=4)
    small = data._replace(inputs=data.inputs[:, :50], targets=data.targets[:, :50])
    model, history = charlm.train_numbers(small, epochs=1)
    assert len(history.loss) == 2 and charlm.input_size(model) == len(data.vocab)
    # the same steps as chapter 10's cells: train.train on one-hot inputs
    again = train.init_model("rnn", len(data.vocab), 128, len(data.vocab), np.random.default_rng(1))
    loss = train.train(
        again, charlm.one_hot(small.inputs, len(data.vocab)), small.targets, optim.Adam(0.01),
        seq_len=25, stateful=True, max_norm=5.0,
    ).loss  # fmt: skip
    assert loss == history.loss
    embedded, history = charlm.train_numbers(small, D=8, epochs=1)
    assert embedded.params["E"].shape == (len(data.vocab), 8) and len(history.loss) == 2
    lines, named = charlm.number_lines(embedded, data.vocab, n_chars=200)
    assert 0 <= named <= lines
