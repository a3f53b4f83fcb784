"""Tests for rnncourse/clipping.py: clipping by value and by the global norm."""

import numpy as np
import pytest

from rnncourse import clipping


def make_grads(scale=1.0, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    return {
        "W_xh": (scale * rng.standard_normal((3, 4))).astype(dtype),
        "W_hh": (scale * rng.standard_normal((4, 4))).astype(dtype),
        "b_h": (scale * rng.standard_normal(4)).astype(dtype),
    }


def flat(grads):
    return np.concatenate([g.ravel() for g in grads.values()])


def cosine(a, b):
    a, b = flat(a), flat(b)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def snapshot(grads):
    return {k: v.copy() for k, v in grads.items()}


def test_global_norm_is_the_norm_of_everything():
    grads = make_grads(3.0)
    assert clipping.global_norm(grads) == pytest.approx(np.linalg.norm(flat(grads)), rel=1e-12)
    assert clipping.global_norm({}) == 0.0
    assert clipping.global_norm({"a": np.zeros(3)}) == 0.0
    huge = {"a": np.full(4, 1e200), "b": np.full(2, -1e200)}  # squares would overflow
    assert clipping.global_norm(huge) == pytest.approx(np.sqrt(6) * 1e200, rel=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_clip_by_global_norm_above_keeps_the_direction(seed):
    grads = make_grads(10.0, seed=seed)
    before = snapshot(grads)
    total = np.linalg.norm(flat(grads))
    clipped, total_norm = clipping.clip_by_global_norm(grads, 5.0)
    assert isinstance(total_norm, float)
    assert total_norm == pytest.approx(total, rel=1e-12)  # the norm before clipping
    assert clipping.global_norm(clipped) == pytest.approx(5.0, rel=1e-12)
    assert cosine(clipped, grads) == pytest.approx(1.0, abs=1e-12)
    for key in grads:
        np.testing.assert_allclose(clipped[key], grads[key] * (5.0 / total), rtol=1e-12)
        np.testing.assert_array_equal(grads[key], before[key])  # input untouched
    assert list(clipped) == list(grads)


def test_clip_by_global_norm_below_returns_equal_copies():
    grads = make_grads(0.1)
    clipped, total_norm = clipping.clip_by_global_norm(grads, 5.0)
    assert total_norm == pytest.approx(np.linalg.norm(flat(grads)))
    assert clipped is not grads
    for key in grads:
        np.testing.assert_array_equal(clipped[key], grads[key])
        assert clipped[key] is not grads[key]
        assert not np.shares_memory(clipped[key], grads[key])


def test_clipping_never_lengthens():
    for seed in range(20):
        grads = make_grads(10.0 ** (seed % 5 - 2), seed=seed)
        clipped, total = clipping.clip_by_global_norm(grads, 1.0)
        assert clipping.global_norm(clipped) <= min(total, 1.0) * (1 + 1e-12)
        by_value = clipping.clip_by_value(grads, 1.0)
        assert clipping.global_norm(by_value) <= total * (1 + 1e-12)


def test_clip_by_value_clips_each_entry_and_changes_the_direction():
    grads = make_grads(10.0)
    before = snapshot(grads)
    clipped = clipping.clip_by_value(grads, 5.0)
    for key in grads:
        np.testing.assert_array_equal(clipped[key], np.clip(grads[key], -5.0, 5.0))
        np.testing.assert_array_equal(grads[key], before[key])
        assert not np.shares_memory(clipped[key], grads[key])
    assert max(np.abs(g).max() for g in clipped.values()) == 5.0
    assert cosine(clipped, grads) < 0.99  # some entries were cut, others not


@pytest.mark.parametrize("fn", [clipping.clip_by_value, clipping.clip_by_global_norm])
def test_dtypes_are_kept(fn):
    grads = make_grads(10.0, dtype=np.float32)
    out = fn(grads, 2.0)
    clipped = out[0] if isinstance(out, tuple) else out
    for key in grads:
        assert clipped[key].dtype == np.float32
        assert clipped[key].shape == grads[key].shape


@pytest.mark.parametrize("fn", [clipping.clip_by_value, clipping.clip_by_global_norm])
def test_bad_limits_are_named(fn):
    grads = make_grads()
    name = "limit" if fn is clipping.clip_by_value else "max_norm"
    for bad in (0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match=name):
            fn(grads, bad)
    for bad in ("5", None, True, [5.0]):
        with pytest.raises(TypeError, match=name):
            fn(grads, bad)


@pytest.mark.parametrize("fn", [clipping.clip_by_value, clipping.clip_by_global_norm])
def test_bad_gradients_are_named(fn):
    with pytest.raises(TypeError, match="grads must be a dict"):
        fn([np.ones(3)], 1.0)
    with pytest.raises(TypeError, match=r"grads\['W'\]"):
        fn({"W": [1.0, 2.0]}, 1.0)
    with pytest.raises(TypeError, match=r"grads\['W'\]"):
        fn({"W": np.ones(3, dtype=int)}, 1.0)
    with pytest.raises(ValueError, match=r"grads\['b'\] contains NaN"):
        fn({"W": np.ones(3), "b": np.array([1.0, np.inf])}, 1.0)


def test_integer_limits_are_accepted():
    clipped, total = clipping.clip_by_global_norm({"a": np.array([3.0, 4.0])}, 1)
    np.testing.assert_allclose(clipped["a"], [0.6, 0.8])
    assert total == 5.0
    np.testing.assert_array_equal(
        clipping.clip_by_value({"a": np.array([-9.0, 2.0])}, 5)["a"], [-5, 2]
    )
