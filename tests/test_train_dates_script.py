"""scripts/train_dates.py works end to end (tiny run into a temporary folder), and the files
it stored in rnncourse/weights/ hold what chapter 11 reads."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rnncourse.data import dates

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "train_dates.py"


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("tiny")
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--tiny", "--out", str(out)],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return out, done.stdout


def test_tiny_run_writes_every_file(tiny_run):
    out, stdout = tiny_run
    names = sorted(path.name for path in out.iterdir())
    assert names == sorted(
        ["dates_attention.npz", "dates_luong.npz", "dates_noattention.npz", "copy_bottleneck.npz"]
    )
    assert "held-out exact match" in stdout and "copy none: exact match by length" in stdout


@pytest.mark.parametrize("name", ["dates_attention", "dates_luong", "dates_noattention"])
def test_tiny_models_load_and_translate(tiny_run, name):
    out, _ = tiny_run
    date_model = dates.load_date_model(out / f"{name}.npz")
    assert date_model.model.config["H_enc"] == 4
    assert date_model.info["command"] == f"python scripts/train_dates.py --tiny --out {out}"
    assert json.loads(date_model.info["train_config"])["steps"] == 30
    assert 0.0 <= date_model.info["heldout_accuracy"] <= 1.0
    outputs, alphas, mask = dates.translate(date_model, ["9 Oct 1993", "09/10/93"])
    assert all(len(text) <= 10 and set(text) <= set("0123456789-") for text in outputs)
    assert alphas.shape == (2, 10, 10) and mask.sum() == 18
    if name == "dates_noattention":
        assert (alphas == 0).all()
    else:
        np.testing.assert_allclose(alphas.sum(axis=2), 1.0)


def test_tiny_copy_experiment_holds_numbers_only(tiny_run):
    out, _ = tiny_run
    with np.load(out / "copy_bottleneck.npz", allow_pickle=False) as data:
        np.testing.assert_array_equal(data["lengths"], np.arange(2, 7))
        for key in ("exact_bahdanau", "exact_none", "per_digit_bahdanau", "per_digit_none"):
            assert data[key].shape == (5,) and ((data[key] >= 0) & (data[key] <= 1)).all()


def test_only_one_file(tmp_path):
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--tiny", "--only", "dates_luong", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["dates_luong.npz"]
    assert dates.load_date_model(tmp_path / "dates_luong.npz").model.config["attention"] == "luong"


def test_corrupt_or_mismatched_files_give_clear_errors(tiny_run, tmp_path):
    out, _ = tiny_run
    good = (out / "dates_attention.npz").read_bytes()
    broken = tmp_path / "broken.npz"
    broken.write_bytes(good[: len(good) // 2])
    with pytest.raises(ValueError, match="not a readable .npz model file"):
        dates.load_date_model(broken)
    with np.load(out / "dates_attention.npz") as data:
        arrays = dict(data)
    arrays["extra.target_tokens"] = arrays["extra.target_tokens"][:-1]  # one symbol short
    mismatched = tmp_path / "mismatched.npz"
    np.savez(mismatched, **arrays)
    with pytest.raises(ValueError, match="do not fit the model"):
        dates.load_date_model(mismatched)


# ---------------------------------------------------------------- the stored results


def test_stored_date_models_reach_ninety_percent():
    for name in ("dates_attention", "dates_luong", "dates_noattention"):
        info = dates.load_date_model(name).info
        assert info["heldout_accuracy"] >= 0.9, name
        assert info["heldout_size"] == 2000
        assert info["command"].startswith("python scripts/train_dates.py")


def test_stored_copy_experiment_shows_the_bottleneck():
    with np.load(dates.stored_model_path("copy_bottleneck"), allow_pickle=False) as data:
        lengths, attention, plain = data["lengths"], data["exact_bahdanau"], data["exact_none"]
    assert lengths[0] == 2 and lengths[-1] == 24
    assert attention.min() >= 0.8  # attention copies every length
    assert plain[lengths <= 4].min() >= 0.8  # without it, short strings are fine ...
    assert plain[lengths >= 16].max() <= 0.2  # ... and long ones fail
