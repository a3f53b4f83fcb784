"""Chapter 11's claims, recomputed: the copy bottleneck, the hand-worked lookups, the
translators and their attention maps, and how Luong's general score turns into rows.

Part 11b trains its Bahdanau and Luong translators live (``dates.train_live``, seed 0): the
fixture ``live`` trains them again, as the notebook does, and the sentences on the live maps
are checked on them. The longer run is read from the stored weights (rnncourse/weights/*.npz,
made by scripts/train_dates.py).
"""

import datetime
import importlib.util
import inspect
import json
from pathlib import Path

import numpy as np
import pytest
from _quote import quote, quote_quiz

from rnncourse import attention, fast_seq2seq, seq2seq
from rnncourse.data import dates
from rnncourse.viz.attention_map import attention_map

ROOT = Path(__file__).resolve().parents[2]
NAMES = {"Bahdanau": "dates_attention", "Luong": "dates_luong", "no attention": "dates_noattention"}
SOURCE = "Saturday 9 October 1993"
WEEKDAY = slice(0, 9)  # "Saturday " with its space


@pytest.fixture(scope="module")
def models():
    return {label: dates.load_date_model(name) for label, name in NAMES.items()}


@pytest.fixture(scope="module")
def maps(models):
    """The stored longer run's maps."""
    return {label: attention_map(models[label], SOURCE) for label in ("Bahdanau", "Luong")}


@pytest.fixture(scope="module")
def live():
    """The runs of part 11b's training cell: Bahdanau and Luong, from scratch, seed 0."""
    return {label: dates.train_live(attention, seed=0) for label, attention in
            (("Bahdanau", "bahdanau"), ("Luong", "luong"))}  # fmt: skip


@pytest.fixture(scope="module")
def live_maps(live):
    return {label: attention_map(run.date_model, SOURCE) for label, run in live.items()}


def test_copy_bottleneck():
    with np.load(dates.stored_model_path("copy_bottleneck"), allow_pickle=False) as data:
        copy = {key: data[key] for key in data.files}
    config = json.loads(str(copy["train_config"]))
    quote(
        "11",
        "Two models of exactly\nthe same sizes learned to **copy** strings of 2 to 24 random "
        "digits",
    )
    assert (copy["lengths"].min(), copy["lengths"].max()) == (2, 24)
    quote(
        "11",
        "from about a dozen digits\non, strings do not fit through 64 numbers after this much "
        "training",
    )
    assert config["H_dec"] == 64
    exact = dict(zip(copy["lengths"].tolist(), copy["exact_none"], strict=True))
    assert exact[2] == 1.0 and exact[8] > 0.5  # short strings: copied well
    assert all(v < 0.1 for length, v in exact.items() if length >= 12)  # a dozen and more: not
    quote("11", "With attention, length hardly matters")
    assert copy["exact_bahdanau"].min() >= 0.98


def test_dates_are_short():
    quote("11", "The dates of this chapter are short (8 to 29 characters")
    lengths = [
        len(dates.format_date(dates.FIRST_DATE + datetime.timedelta(days=i), fmt))
        for i in range(0, 3000)  # eight years: every weekday with every month name
        for fmt in dates.FORMATS
    ]
    assert (min(lengths), max(lengths)) == (8, 29)
    quote("11", "random dates from 1950 to 2049 in 17 formats")
    assert len(dates.FORMATS) == 17
    assert (dates.FIRST_DATE.year, dates.LAST_DATE.year) == (1950, 2049)
    quote("11", "Every 10th day (`date.toordinal() % 10 == 0`) is **held out**")
    assert dates.HELDOUT_EVERY == 10 and dates.is_heldout(datetime.date.fromordinal(730_000))
    quote(
        "11",
        "training never sees it, in\nany format, and test dates are drawn from those days only",
    )
    rng = np.random.default_rng(0)
    train = dates.random_dates(5000, rng, split="train")
    test = dates.random_dates(5000, rng, split="test")
    assert not any(d.toordinal() % 10 == 0 for d in train)
    assert all(d.toordinal() % 10 == 0 for d in test)
    quote("11", "the output is one character at a time over 13\nsymbols")
    assert len(dates.TARGET_VOCAB.tokens) == 13


def test_dot_score_by_hand():
    quote("11", "$\\alpha = (0.3072,\\ 0.1863,\\ 0.5065)")
    q = np.array([[1.0, 0.5]])
    k = np.array([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]])
    scores, _ = attention.dot_score_forward(q, k)
    alpha = attention.masked_softmax(scores)
    assert np.round(alpha, 4).tolist() == [[0.3072, 0.1863, 0.5065]]
    quote(
        "11",
        "$\\alpha = (\\exp(1), \\exp(0.5), 0) / (\\exp(1) + \\exp(0.5)) = (0.6225,\\ 0.3775,\\ 0)$",
    )
    masked = attention.masked_softmax(scores, np.array([[1.0, 1.0, 0.0]]))
    assert np.round(masked, 4).tolist() == [[0.6225, 0.3775, 0.0]]


def test_general_score_uses_the_same_W_a_as_luong():
    quote("11", "it is $q\\, W_a\\, k_s^\\top$ with the **same**\n  $W_a$, not its transpose")
    rng = np.random.default_rng(0)
    H_q, H_k, S = 3, 4, 5
    h_t = rng.standard_normal((H_q, 1))  # Luong's column vectors
    h_bar = rng.standard_normal((S, H_k, 1))
    W_a = rng.standard_normal((H_q, H_k))
    luong = np.array([(h_t.T @ W_a @ h_bar[s]).item() for s in range(S)])
    scores, _ = attention.general_score_forward(h_t.T, h_bar[:, :, 0][None], {"W_a": W_a})
    assert np.allclose(scores[0], luong)
    quote(
        "11", "In rows,\n  $\\tanh(q W_q + k_s W_k)\\, v$ with $W_q = W_a^\\top$, $W_k = U_a^\\top$"
    )
    W_a2, U_a, v_a = (
        rng.standard_normal((6, H_q)),
        rng.standard_normal((6, H_k)),
        rng.standard_normal(6),
    )
    bahdanau = np.array([v_a @ np.tanh(W_a2 @ h_t[:, 0] + U_a @ h_bar[s, :, 0]) for s in range(S)])
    params = {"W_q": W_a2.T, "W_k": U_a.T, "v": v_a}
    scores, _ = attention.additive_score_forward(h_t.T, h_bar[:, :, 0][None], params)
    assert np.allclose(scores[0], bahdanau)


def test_stored_translators(models):
    quote("11", "its accuracy on 2000\nheld-out dates")
    for date_model in models.values():
        assert date_model.info["heldout_size"] == 2000
    quote(
        "11", "the date\ntranslator without attention gets most dates right too, if not all of them"
    )
    accuracy = {label: m.info["heldout_accuracy"] for label, m in models.items()}
    assert accuracy["Bahdanau"] == accuracy["Luong"] == 1.0
    assert 0.9 < accuracy["no attention"] < 1.0
    quote("11", "Every batch is 64 freshly generated training dates")
    config = json.loads(models["Bahdanau"].info["train_config"])
    live = dates.LIVE_CONFIG
    for c in (config, live):
        assert (c["batch_size"], c["max_norm"]) == (64, 5.0)
        assert c["lr_final"] < c["lr"]
    quote("11", "the learning rate lowered over the second half (`seq2seq.DecayingLR`), in float32")
    assert live["dtype"] == "float32"
    assert "seq2seq.DecayingLR(" in inspect.getsource(dates.train_live)
    spec = importlib.util.spec_from_file_location("train_dates", ROOT / "scripts/train_dates.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    rates = [script.learning_rate(config, step) for step in range(config["steps"])]
    half = config["steps"] // 2
    assert set(rates[:half]) == {config["lr"]}  # constant over the first half
    assert all(np.diff(rates[half:]) < 0) and rates[-1] == pytest.approx(config["lr_final"])
    quote("11", "2000 steps at half the learning rate")
    assert config["steps"] == 2000 and config["lr"] == live["lr"] / 2
    quote("11", "made by `scripts/train_dates.py`, through the\nsame loop")
    assert "train.train(" in (ROOT / "scripts/train_dates.py").read_text()


def test_with_attention_the_loss_falls_much_faster(models):
    quote("11", "with attention the loss falls much faster")
    first_below = {}
    for label, m in models.items():
        steps, values = np.array(m.info["loss_steps"]), np.array(m.info["loss_values"])
        first_below[label] = steps[np.argmax(values < 0.1)]
    assert first_below["Bahdanau"] <= 300 and first_below["Luong"] <= 300
    assert first_below["no attention"] >= 4 * max(first_below["Bahdanau"], first_below["Luong"])
    quote("11", "Attention learns much faster than the bottleneck (the stored longer run)")


def test_live_runs(live):
    quote("11", "the two attention models, 400 steps each")
    assert dates.LIVE_STEPS["bahdanau"] == dates.LIVE_STEPS["luong"] == 400
    assert all(len(run.history.loss) == 400 for run in live.values())
    quote("11", 'add `"no attention": "none"` to `LIVE`\n(it needs 1500 steps)')
    assert dates.LIVE_STEPS["none"] == 1500
    quote("11", "both attention models learn in 400 steps to translate held-out\n  dates")
    assert all(run.accuracy >= 0.99 for run in live.values())
    quote("11", "its GRU runs over all T steps first")
    source = inspect.getsource(fast_seq2seq._luong_forward)
    assert 'fast.cell_forward("gru", y_onehot, s0' in source
    quote("11", "`enc @ W_k` is computed once per batch, not once per output step")
    assert "_key_projection(score, enc, att)" in inspect.getsource(fast_seq2seq._bahdanau_forward)


def test_maps_follow_the_digits(live_maps):
    maps = live_maps
    assert maps["Bahdanau"].output == maps["Luong"].output == "1993-10-09"
    year, month, day = slice(19, 23), slice(11, 18), 9
    quote("11", 'both models write the year\'s digits while most of their\nweight sits on "1993"')
    quote(
        "11",
        "the month's digits while it sits on the letters of \"October\", and the\nday's last "
        'digit on the "9"',
    )
    for result in maps.values():
        a = result.alpha  # (10, S): output characters 1993-10-09
        assert all(a[t, year].sum() > 0.5 for t in range(4))
        assert all(a[t, month].sum() > 0.5 for t in (5, 6))
        assert a[9, day] > 0.9


def test_luong_is_sharper(live_maps):
    maps = live_maps
    quote("11", "a row's largest weight is 0.92 on\naverage, against 0.62 for Bahdanau")
    sharp = {label: result.alpha.max(axis=1).mean() for label, result in maps.items()}
    assert (round(sharp["Luong"], 2), round(sharp["Bahdanau"], 2)) == (0.92, 0.62)
    quote("11", '("1" on the "1" of 1993, "9" on its "9"')
    luong = maps["Luong"].alpha
    assert SOURCE[luong[0].argmax()] == "1" and luong[0].argmax() == 19
    assert SOURCE[luong[1].argmax()] == "9" and luong[1].argmax() == 20


def test_rows_with_nothing_to_copy_park_on_the_weekday(live_maps, maps):
    quote(
        "11",
        "Bahdanau puts\n0.42 of the second hyphen's weight and 0.31 of the leading zero's there, "
        "Luong 0.32 and 1.00",
    )
    bahdanau = live_maps["Bahdanau"].alpha[:, WEEKDAY].sum(axis=1)  # (10,)
    luong = live_maps["Luong"].alpha[:, WEEKDAY].sum(axis=1)
    # output characters: 1 9 9 3 - 1 0 - 0 9; the first hyphen is 4, the second 7, the zero 8
    assert [round(bahdanau[t], 2) for t in (7, 8)] == [0.42, 0.31]
    assert [round(luong[t], 2) for t in (7, 8)] == [0.32, 1.0]
    quote("11", "The stored longer run parks there too")
    stored_bahdanau = maps["Bahdanau"].alpha[:, WEEKDAY].sum(axis=1)
    stored_luong = maps["Luong"].alpha[:, WEEKDAY].sum(axis=1)
    assert stored_bahdanau[7] > 0.3 and stored_bahdanau[8] > 0.3 and stored_luong[8] > 0.9
    quote("11", "A row's weights must sum to 1")
    assert np.allclose(live_maps["Bahdanau"].alpha.sum(axis=1), 1.0)


def test_padding_never_reaches_a_real_position(models):
    quote("11", "no real position's output has seen padding")
    model = models["Bahdanau"].model
    D = len(dates.SOURCE_VOCAB.tokens)
    rng = np.random.default_rng(0)
    ids = rng.integers(2, D, size=(1, 20))  # a source of 8 real symbols, then 12 of junk
    x_short = np.eye(D)[ids[:, :8]]  # (1, 8, D)
    x_long = np.eye(D)[ids]  # (1, 20, D): the junk stands where padding would
    enc_short, s0_short, _ = seq2seq.encoder_forward(model, x_short, np.array([8]))
    enc_long, s0_long, _ = seq2seq.encoder_forward(model, x_long, np.array([8]))
    assert np.allclose(enc_long[:, :8], enc_short) and np.allclose(s0_long, s0_short)


def test_which_state_asks(models):
    quote(
        "11",
        "For Bahdanau they come from $s_{t-1}$, before character t is chosen; for "
        "Luong\nfrom $s_t$",
    )
    rng = np.random.default_rng(0)
    for label, depends_on_input in (("Bahdanau", False), ("Luong", True)):
        model = models[label].model
        H_dec, S = model.config["H_dec"], 6
        enc = rng.standard_normal((1, S, 2 * model.config["H_enc"]))
        s_prev = rng.standard_normal((1, H_dec))
        K = len(dates.TARGET_VOCAB.tokens)
        alphas = [
            seq2seq.decoder_step_forward(model, np.eye(K)[[k]], s_prev, enc)[2] for k in (2, 7)
        ]
        assert np.allclose(alphas[0], alphas[1]) != depends_on_input  # the input y_{t-1}


def test_numeric_formats_ending_with_the_year_put_the_day_first():
    quote("11", "Numeric formats that end with\nthe year put the day first")
    day = datetime.date(1993, 10, 9)
    numeric = [f for f in dates.FORMATS if not any(c.isalpha() for c in dates.format_date(day, f))]
    assert len(numeric) == 6
    for fmt in numeric:
        text = dates.format_date(day, fmt)
        fields = [
            int(f) for f in text.replace("/", " ").replace(".", " ").replace("-", " ").split()
        ]
        if fields[-1] in (93, 1993):  # the year last: day, month, year
            assert fields[:2] == [9, 10], fmt
        else:  # the two ISO-like formats: year, month, day
            assert fields == [1993, 10, 9], fmt
    assert dates.format_date(day, "DD/MM/YY") == "09/10/93"


def test_concat_is_the_additive_form_with_blocks_side_by_side():
    quote("11", "$W_a = [W_q^\\top, W_k^\\top]$, one for $h_t$ and one for $\\bar h_s$")
    rng = np.random.default_rng(1)
    H_q, H_k, A, S = 3, 4, 5, 6
    W_a, v_a = rng.standard_normal((A, H_q + H_k)), rng.standard_normal(A)  # Luong's concat
    h_t, h_bar = rng.standard_normal(H_q), rng.standard_normal((S, H_k))
    luong = np.array([v_a @ np.tanh(W_a @ np.concatenate([h_t, h_bar[s]])) for s in range(S)])
    params = {"W_q": W_a[:, :H_q].T, "W_k": W_a[:, H_q:].T, "v": v_a}
    scores, _ = attention.additive_score_forward(h_t[None], h_bar[None], params)
    assert np.allclose(scores[0], luong)


def test_quiz_numbers_of_the_masking_questions():
    q = np.array([[1.0, 0.5]])
    k = np.array([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]])
    scores, _ = attention.dot_score_forward(q, k)
    mask = np.array([[1.0, 1.0, 0.0]])
    quote_quiz("11a", "What is $\\alpha_1$ after a correct masked softmax (4 decimals)?")
    assert round(attention.masked_softmax(scores, mask)[0, 0], 4) == 0.6225
    after = attention.masked_softmax(scores) * mask
    quote_quiz("11a", "so the row sums to only 0.4935")
    assert (round(after[0, 0], 4), round(after.sum(), 4)) == (0.3072, 0.4935)
    times_mask = attention.masked_softmax(scores * mask)
    quote_quiz("11a", "so $\\alpha_1$ comes out as 0.5065")
    assert round(times_mask[0, 0], 4) == 0.5065
    quote_quiz("11a", "(0.1863 on the padding in the chapter's example)")
    assert round(times_mask[0, 2], 4) == 0.1863
    quote_quiz("11a", "the chapter's row comes out as `[nan, nan, -inf]`")
    with np.errstate(invalid="ignore"):
        row = (scores - np.inf * (1 - mask))[0]
    assert np.isnan(row[:2]).all() and row[2] == -np.inf


def test_quiz_numbers_of_the_weekday_question(maps):
    quote_quiz("11b", "(0.42 and 0.74 for Bahdanau)")
    quote_quiz(
        "11b",
        "Bahdanau puts 0.29 of the first year digit's weight, 0.42 of the second hyphen's and "
        "0.74 of the leading zero's on 'Saturday '; Luong 0.84 and 1.00 for the last two",
    )
    bahdanau = maps["Bahdanau"].alpha[:, WEEKDAY].sum(axis=1)
    luong = maps["Luong"].alpha[:, WEEKDAY].sum(axis=1)
    assert [round(bahdanau[t], 2) for t in (0, 7, 8)] == [0.29, 0.42, 0.74]
    assert [round(luong[t], 2) for t in (7, 8)] == [0.84, 1.0]


def test_quiz_numbers_of_the_held_out_question():
    quote_quiz("11b", "Every 10th day is held out: training never sees it, in any format")
    assert dates.HELDOUT_EVERY == 10
    quote_quiz("11b", "written in any of the 17 formats")
    quote_quiz("11b", "every training batch draws its formats from all 17")
    assert len(dates.FORMATS) == 17
    script = (ROOT / "scripts/train_dates.py").read_text()  # trains on dates.batch_source
    assert 'dates.batch_source("train")' in script
    # which draws its dates with date_pairs' default formats: all 17
    assert "date_pairs(batch_size, rng, split=split)" in inspect.getsource(dates.batch_source)
    formats = set(dates.date_pairs(2000, np.random.default_rng(0), split="train").formats)
    assert formats == set(dates.FORMATS)
    quote_quiz("11b", "The test dates lie in the same range, 1950 to 2049")
    assert (dates.FIRST_DATE.year, dates.LAST_DATE.year) == (1950, 2049)
    test = dates.random_dates(5000, np.random.default_rng(0), split="test")
    assert all(dates.FIRST_DATE <= d <= dates.LAST_DATE for d in test)


def test_part_11b_summary_of_the_date_task():
    quote(
        "11",
        "The date task writes random days from 1950 to 2049 in 17 formats; every 10th day is held",
    )
    assert (dates.FIRST_DATE.year, dates.LAST_DATE.year) == (1950, 2049)
    assert len(dates.FORMATS) == 17 and dates.HELDOUT_EVERY == 10
