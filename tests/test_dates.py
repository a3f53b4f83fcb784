"""Tests for rnncourse.data.dates: formats, splits, vocabularies, and the stored translators."""

import datetime
import json

import numpy as np
import pytest

from rnncourse import seq2seq
from rnncourse.data import dates

DAY = datetime.date(1993, 10, 9)  # a Saturday


def test_formats_write_the_date_as_named():
    written = {name: dates.format_date(DAY, name) for name in dates.FORMATS}
    assert written["Weekday D Month YYYY"] == "Saturday 9 October 1993"
    assert written["DD/MM/YY"] == "09/10/93"
    assert written["mon d, yyyy"] == "oct 9, 1993"
    assert written["D Mon YYYY"] == "9 Oct 1993"
    assert written["YYYY.MM.DD"] == "1993.10.09"
    assert written["Dth Month YYYY"] == "9th October 1993"
    assert written["D MONTH YYYY"] == "9 OCTOBER 1993"
    assert written["Wkd, D Mon YYYY"] == "Sat, 9 Oct 1993"
    assert written["DD-Mon-YY"] == "09-Oct-93"
    assert dates.to_iso(DAY) == "1993-10-09"
    assert max(len(text) for text in written.values()) <= dates.MAX_SOURCE_LENGTH


ORDINALS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 11: "11th", 12: "12th", 13: "13th",
            21: "21st", 22: "22nd", 23: "23rd", 31: "31st"}  # fmt: skip


@pytest.mark.parametrize(("day", "text"), ORDINALS.items())
def test_ordinals(day, text):
    assert dates.format_date(datetime.date(2000, 1, day), "Dth Month YYYY").startswith(text + " ")


def test_weekday_and_month_names_do_not_depend_on_the_locale():
    # 1 January 2001 was a Monday; every 7 days later is a Monday again
    for weeks in range(60):
        d = datetime.date(2001, 1, 1) + datetime.timedelta(weeks=weeks)
        assert dates.format_date(d, "Weekday D Month YYYY").startswith("Monday ")
    assert [
        dates.format_date(datetime.date(2000, m, 1), "D Month YYYY")[2:-5] for m in (1, 12)
    ] == [
        "January",
        "December",
    ]


def test_every_format_is_unambiguous_over_the_whole_range():
    """No two days of 1950-2049 look the same in any format (two-digit years included)."""
    days = [
        datetime.date.fromordinal(o)
        for o in range(dates.FIRST_DATE.toordinal(), dates.LAST_DATE.toordinal() + 1)
    ]
    for name in dates.FORMATS:
        texts = {dates.format_date(d, name) for d in days}
        assert len(texts) == len(days), name


def test_splits_are_disjoint_and_deterministic():
    train = dates.random_dates(3000, np.random.default_rng(0), "train")
    test = dates.random_dates(3000, np.random.default_rng(0), "test")
    assert not any(dates.is_heldout(d) for d in train)
    assert all(dates.is_heldout(d) for d in test)
    assert min(train) >= dates.FIRST_DATE and max(test) <= dates.LAST_DATE
    again = dates.date_pairs(50, np.random.default_rng(3))
    assert again == dates.date_pairs(50, np.random.default_rng(3))
    assert again != dates.date_pairs(50, np.random.default_rng(4))
    with pytest.raises(ValueError, match="split"):
        dates.random_dates(3, np.random.default_rng(0), "valid")


def test_pairs_use_every_format_and_translate_correctly():
    pairs = dates.date_pairs(2000, np.random.default_rng(1))
    assert set(pairs.formats) == set(dates.FORMATS)
    for source, target, fmt, d in zip(*pairs, strict=True):
        assert source == dates.format_date(d, fmt) and target == d.isoformat()
    only = dates.date_pairs(20, np.random.default_rng(1), formats=["DD/MM/YY"])
    assert set(only.formats) == {"DD/MM/YY"}
    with pytest.raises(ValueError, match="unknown format"):
        dates.date_pairs(2, np.random.default_rng(1), formats=["%d.%m"])


def test_source_vocabulary_covers_every_generated_character():
    pairs = dates.date_pairs(3000, np.random.default_rng(2))
    src, mask, targets = dates.encode_pairs(pairs)
    assert src.shape == mask.shape and targets.shape == (3000, dates.TARGET_LENGTH)
    assert not (src == dates.SOURCE_VOCAB.unk).any()
    assert dates.SOURCE_VOCAB.tokens[:2] == ("<pad>", "<unk>")
    assert dates.TARGET_VOCAB.decode(targets) == pairs.targets
    assert dates.SOURCE_VOCAB.decode(src) == pairs.sources


def test_vocab_encoding_pads_masks_and_flags_unknown_characters():
    vocab = dates.SOURCE_VOCAB
    ids, mask = vocab.encode(["9 Oct", "1.2.33", "x"])
    assert ids.shape == (3, 6) and ids.dtype == np.int64
    np.testing.assert_array_equal(mask.sum(axis=1), [5, 6, 1])
    assert (ids[~mask] == vocab.pad).all()
    assert ids[2, 0] == vocab.unk  # "x" is not used by any format
    cut, cut_mask = vocab.encode(["1993.10.09"], length=4)
    assert vocab.decode(cut) == ["1993"] and cut_mask.all()
    with pytest.raises(ValueError, match="not in the vocabulary"):
        dates.TARGET_VOCAB.encode(["1993/10/09"])
    with pytest.raises(TypeError, match="list of strings"):
        vocab.encode("9 Oct 1993")


# ---------------------------------------------------------------- the stored models

STORED = ["dates_attention", "dates_luong", "dates_noattention"]


@pytest.mark.parametrize("name", STORED)
def test_stored_models_load_and_are_small(name):
    path = dates.stored_model_path(name)
    assert path.stat().st_size < 1_000_000
    date_model = dates.load_date_model(name)
    assert date_model.source_vocab == dates.SOURCE_VOCAB
    assert date_model.target_vocab == dates.TARGET_VOCAB
    assert date_model.info["heldout_accuracy"] >= 0.9
    assert "scripts/train_dates.py" in date_model.info["command"]


@pytest.mark.parametrize("name", STORED)
def test_stored_models_translate_fresh_heldout_dates(name):
    date_model = dates.load_date_model(name)
    pairs = dates.date_pairs(300, np.random.default_rng(12345), "test")
    assert dates.exact_match(date_model, pairs).mean() >= 0.9


def test_attention_model_translates_examples_and_attends_to_the_year():
    date_model = dates.load_date_model("dates_attention")
    texts = ["Saturday 9 October 1993", "09/10/93", "oct 9, 1993", "9 Oct 1993", "1993.10.09"]
    outputs, alphas, mask = dates.translate(date_model, texts)
    assert outputs == ["1993-10-09"] * 5
    np.testing.assert_allclose(alphas.sum(axis=2), 1.0)
    assert (alphas[np.broadcast_to(~mask[:, None], alphas.shape)] == 0).all()
    # while writing the year's last digit (output 3), the most attended source character is
    # inside "1993" (or "93") in every format
    for text, alpha in zip(texts, alphas, strict=True):
        year_at = text.rfind("93")
        assert year_at - 2 <= alpha[3].argmax() <= year_at + 2, text


def test_loading_rejects_files_that_are_not_date_models(tmp_path, rng):
    model = seq2seq.init_seq2seq(5, 4, 2, 3, rng, start=1)
    plain = tmp_path / "plain.npz"
    seq2seq.save_model(plain, model)
    with pytest.raises(ValueError, match="source_tokens"):
        dates.load_date_model(plain)
    mismatched = tmp_path / "mismatched.npz"
    seq2seq.save_model(
        mismatched,
        model,
        source_tokens=np.array(dates.SOURCE_VOCAB.tokens),
        target_tokens=np.array(dates.TARGET_VOCAB.tokens),
    )
    with pytest.raises(ValueError, match="do not fit the model"):
        dates.load_date_model(mismatched)
    with pytest.raises(FileNotFoundError):
        dates.load_date_model(tmp_path / "nothing.npz")


# ---------------------------------------------------------------- training live


def test_batch_source_draws_new_training_dates_at_every_call():
    sample = dates.batch_source()
    rng = np.random.default_rng(0)
    src, targets, src_mask = sample(8, rng)
    again, _, _ = sample(8, rng)
    assert src.shape == src_mask.shape and src.shape[0] == 8
    assert targets.shape == (8, dates.TARGET_LENGTH)
    assert not np.array_equal(src[:, :5], again[:, :5])  # a new batch, not the same one
    texts = dates.TARGET_VOCAB.decode(targets)
    days = [datetime.date.fromisoformat(text) for text in texts]
    assert not any(dates.is_heldout(day) for day in days)  # training days only
    test_days = dates.TARGET_VOCAB.decode(dates.batch_source("test")(8, rng)[1])
    assert all(dates.is_heldout(datetime.date.fromisoformat(text)) for text in test_days)
    with pytest.raises(ValueError, match="split"):
        dates.batch_source("valid")


@pytest.mark.parametrize("attention", seq2seq.ATTENTIONS)
def test_train_live_trains_through_the_one_loop_and_scores_held_out_dates(attention):
    run = dates.train_live(attention, steps=6, eval_size=20)
    assert len(run.history.loss) == 6 and run.history.loss[-1] < run.history.loss[0]
    assert 0.0 <= run.accuracy <= 1.0 and run.seconds > 0 and run.eval_seconds > 0
    model = run.date_model.model
    assert model.config["attention"] == attention
    assert model.params["out.W_hy"].dtype == np.float32  # the live runs train in float32
    info = run.date_model.info
    assert info["heldout_accuracy"] == run.accuracy and info["heldout_size"] == 20
    assert json.loads(info["train_config"])["steps"] == 6
    outputs, _, _ = dates.translate(run.date_model, ["9 Oct 1993"])
    assert len(outputs) == 1


def test_train_live_is_deterministic_and_checks_its_arguments():
    first = dates.train_live("luong", steps=3, eval_size=10, seed=5)
    second = dates.train_live("luong", steps=3, eval_size=10, seed=5)
    assert first.history.loss == second.history.loss
    assert set(dates.LIVE_STEPS) == set(seq2seq.ATTENTIONS)
    with pytest.raises(ValueError, match="attention must be one of"):
        dates.train_live("transformer")
    with pytest.raises(ValueError, match="steps"):
        dates.train_live("none", steps=0)
