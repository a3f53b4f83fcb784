"""Tests for rnncourse.data.long_range: the adding problem, the copy task, embedded Reber."""

import re

import numpy as np
import pytest

from rnncourse.data import long_range as lr

# An independent description of Reber's grammar, as a regular expression derived by hand
# from the transition diagram (Reber 1967), not from REBER_GRAPH: after B either T S* X or
# P T* V; the state after X and the state after V then loop into each other (X T* V P, or
# P X T* V) until one of them ends the string (S E, or V E).
REBER = r"B(?:TS*X(?:XT*VP)*(?:S|XT*VV)|PT*V(?:PXT*V)*(?:V|PS))E"
REBER_RE = re.compile(f"^{REBER}$")
EMBEDDED_RE = re.compile(rf"^B([TP]){REBER}\1E$")


# ---------------------------------------------------------------- the adding problem


def test_adding_shapes_and_dtypes():
    x, y = lr.adding_problem(5, 12, np.random.default_rng(0))
    assert x.shape == (5, 12, 2) and y.shape == (5, 1)
    assert x.dtype == np.float64 and y.dtype == np.float64
    x32, y32 = lr.adding_problem(2, 4, np.random.default_rng(0), dtype=np.float32)
    assert x32.dtype == np.float32 and y32.dtype == np.float32


def test_adding_is_deterministic_for_a_seed():
    a = lr.adding_problem(4, 10, np.random.default_rng(3))
    b = lr.adding_problem(4, 10, np.random.default_rng(3))
    c = lr.adding_problem(4, 10, np.random.default_rng(4))
    assert all(np.array_equal(p, q) for p, q in zip(a, b, strict=True))
    assert not np.array_equal(a[0], c[0])


def test_adding_draw_order_is_the_documented_one():
    N, T = 6, 9
    x, y = lr.adding_problem(N, T, np.random.default_rng(11))
    rng = np.random.default_rng(11)
    values = rng.random((N, T))
    first = rng.integers(0, T // 2, size=N)
    second = rng.integers(T // 2, T, size=N)
    assert np.array_equal(x[:, :, 0], values)
    assert np.array_equal(np.nonzero(x[:, :, 1])[1].reshape(N, 2), np.stack([first, second], 1))


@pytest.mark.parametrize("T", [2, 3, 7, 10, 51, 200])
def test_adding_markers_and_target(T):
    N = 300
    x, y = lr.adding_problem(N, T, np.random.default_rng(T))
    values, markers = x[:, :, 0], x[:, :, 1]
    assert np.all((values >= 0) & (values < 1))
    assert set(np.unique(markers)) <= {0.0, 1.0}
    assert np.all(markers.sum(axis=1) == 2)  # exactly two markers per sequence
    half = T // 2
    assert np.all(markers[:, :half].sum(axis=1) == 1)  # one in the first half
    assert np.all(markers[:, half:].sum(axis=1) == 1)  # one in the second half
    assert np.allclose(y[:, 0], (values * markers).sum(axis=1), rtol=0, atol=1e-15)
    if T >= 10:  # the positions cover both halves
        first = markers[:, :half].argmax(axis=1)
        second = half + markers[:, half:].argmax(axis=1)
        assert first.min() == 0 and first.max() == half - 1
        assert second.min() == half and second.max() == T - 1


def test_adding_baseline_is_one_sixth():
    _, y = lr.adding_problem(100_000, 10, np.random.default_rng(0))
    assert lr.ADDING_BASELINE_MSE == pytest.approx(1 / 6)
    assert np.mean((y - 1.0) ** 2) == pytest.approx(1 / 6, abs=3e-3)  # always predict 1.0
    assert lr.adding_baseline_mse(y) == pytest.approx(1 / 6, abs=3e-3)
    assert lr.adding_baseline_mse(y) <= np.mean((y - 1.0) ** 2)  # the mean is the best constant


def test_adding_bad_arguments():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="T must be at least 2"):
        lr.adding_problem(3, 1, rng)
    with pytest.raises(TypeError, match="N must be an integer"):
        lr.adding_problem(2.5, 10, rng)
    with pytest.raises(TypeError, match="rng must be a numpy Generator"):
        lr.adding_problem(3, 10, 0)


# ---------------------------------------------------------------- the copy task


def test_copy_layout_and_mask():
    N, S, lag, V = 4, 3, 5, 6
    batch = lr.copy_task(N, S, lag, np.random.default_rng(1), vocab=V)
    T = 2 * S + lag + 1
    assert batch.x.shape == (N, T, V + 2) and batch.x.dtype == np.float64
    assert batch.y.shape == (N, T) and batch.y.dtype == np.int64
    assert batch.mask.shape == (N, T) and batch.mask.dtype == bool
    assert np.all(batch.x.sum(axis=2) == 1)  # one-hot at every step
    codes = batch.x.argmax(axis=2)
    symbols = codes[:, :S]
    assert np.all(symbols < V)
    assert np.all(codes[:, S : S + lag] == V)  # blanks during the lag
    assert np.all(codes[:, S + lag] == V + 1)  # the delimiter
    assert np.all(codes[:, S + lag + 1 :] == V)  # blanks while recalling
    assert np.array_equal(batch.mask[0], np.arange(T) >= T - S)
    assert np.all(batch.mask == batch.mask[0])
    assert np.array_equal(batch.y[:, T - S :], symbols)  # recall in order
    assert np.all(batch.y[:, : T - S] == V)  # blank targets where nothing counts
    # symbol i is read at step i and recalled at step S + lag + 1 + i
    for i in range(S):
        assert np.array_equal(batch.y[:, S + lag + 1 + i], codes[:, i])


def test_copy_lag_zero_seeding_and_draws():
    a = lr.copy_task(3, 2, 0, np.random.default_rng(5), vocab=4)
    b = lr.copy_task(3, 2, 0, np.random.default_rng(5), vocab=4)
    assert a.x.shape == (3, 5, 6)
    assert all(np.array_equal(p, q) for p, q in zip(a, b, strict=True))
    symbols = np.random.default_rng(5).integers(0, 4, size=(3, 2))
    assert np.array_equal(a.x.argmax(axis=2)[:, :2], symbols)
    assert a.x.argmax(axis=2)[0, 2] == 5  # lag 0: the delimiter follows the symbols


def test_copy_bad_arguments():
    with pytest.raises(ValueError, match="lag must be at least 0"):
        lr.copy_task(2, 3, -1, np.random.default_rng(0))
    with pytest.raises(ValueError, match="n_symbols must be at least 1"):
        lr.copy_task(2, 0, 3, np.random.default_rng(0))


# ---------------------------------------------------------------- the embedded Reber grammar


def test_reber_regex_itself():
    # the regex accepts known strings and rejects broken ones (so it can fail)
    for good in ("BTXSE", "BPVVE", "BTSSXXTVVE", "BPTVPXTTVVE", "BTXXVPSE"):
        assert REBER_RE.match(good), good
    for bad in ("BTSE", "BPVE", "BTXXVVXE", "TXSE", "BTXSEE"):
        assert not REBER_RE.match(bad), bad


def test_reber_strings_follow_the_grammar():
    rng = np.random.default_rng(0)
    inner = [lr.reber_string(rng) for _ in range(500)]
    assert all(REBER_RE.match(s) for s in inner)
    assert len(set(inner)) > 50  # many different strings
    embedded = [lr.embedded_reber_string(rng) for _ in range(500)]
    assert all(EMBEDDED_RE.match(s) for s in embedded)
    assert {s[1] for s in embedded} == {"T", "P"}


def test_embedded_reber_long_range_dependency():
    rng = np.random.default_rng(1)
    for _ in range(300):
        s = lr.embedded_reber_string(rng)
        assert s[1] == s[-2] and s[1] in "TP"
        assert s[:3] in ("BTB", "BPB") and s[-3:] in ("ETE", "EPE")
        assert lr.reber_next_symbols(s)[-3] == {s[1]}  # after the inner E: only the same one


def test_reber_next_symbols_by_hand():
    s = "BTBPVPXVVETE"
    expected = [
        {"T", "P"}, {"B"}, {"T", "P"}, {"T", "V"}, {"P", "V"}, {"X", "S"}, {"T", "V"},
        {"P", "V"}, {"E"}, {"T"}, {"E"}, set(),
    ]  # fmt: skip
    assert lr.reber_next_symbols(s) == expected
    assert lr.reber_next_symbols("BTXSE", embedded=False) == [
        {"T", "P"}, {"S", "X"}, {"X", "S"}, {"E"}, set(),
    ]  # fmt: skip


def test_reber_next_symbols_contain_the_actual_next_symbol():
    rng = np.random.default_rng(2)
    for _ in range(300):
        s = lr.embedded_reber_string(rng)
        sets = lr.reber_next_symbols(s)
        assert len(sets) == len(s)
        for t in range(len(s) - 1):
            assert s[t + 1] in sets[t]
            assert 1 <= len(sets[t]) <= 2
        assert sets[-1] == set()


def test_reber_next_symbols_match_what_strings_do():
    # every continuation seen in 20000 strings (all accepted by the regex) is allowed, and
    # for prefixes seen 30 times or more, every allowed symbol has been seen
    rng = np.random.default_rng(6)
    strings = [lr.embedded_reber_string(rng) for _ in range(20_000)]
    assert all(EMBEDDED_RE.match(s) for s in strings[:2000])
    seen, count = {}, {}
    for s in strings:
        for t in range(1, len(s)):
            seen.setdefault(s[:t], set()).add(s[t])
            count[s[:t]] = count.get(s[:t], 0) + 1
    checked = 0
    for s in strings[:500]:
        sets = lr.reber_next_symbols(s)
        for t in range(len(s) - 1):
            prefix = s[: t + 1]
            assert seen[prefix] <= sets[t], (prefix, seen[prefix], sets[t])
            if count[prefix] >= 30:
                assert seen[prefix] == sets[t], (prefix, seen[prefix], sets[t])
                checked += 1
    assert checked > 2000


def test_reber_rejects_strings_off_the_grammar():
    with pytest.raises(ValueError, match="not a prefix"):
        lr.reber_next_symbols("BTSE", embedded=False)
    with pytest.raises(ValueError, match="must repeat the second"):
        lr.reber_next_symbols("BTBTXSEPE")
    with pytest.raises(ValueError, match="not an embedded Reber string"):
        lr.reber_next_symbols("BTXSE")


def test_embedded_reber_batch_encoding():
    batch = lr.embedded_reber_batch(20, np.random.default_rng(3))
    N, T, K = batch.x.shape
    lengths = np.array([len(s) for s in batch.strings])
    assert N == 20 and K == 7 and T == lengths.max() - 1
    assert np.array_equal(batch.mask.sum(axis=1), lengths - 1)
    assert np.array_equal(batch.x.sum(axis=2), batch.mask.astype(float))  # one-hot or padding
    assert np.all(batch.y[~batch.mask] == 0)
    for n, s in enumerate(batch.strings):
        read = "".join(lr.REBER_SYMBOLS[k] for k in batch.x[n, : len(s) - 1].argmax(axis=1))
        assert read == s[:-1]
        second = lr.REBER_SYMBOLS.index(s[1])
        assert np.array_equal(np.nonzero(batch.y[n, len(s) - 3])[0], [second])  # long range
    again = lr.embedded_reber_batch(20, np.random.default_rng(3))
    assert again.strings == batch.strings and np.array_equal(again.y, batch.y)


def test_max_length_is_respected():
    rng = np.random.default_rng(4)
    assert all(len(lr.reber_string(rng, max_length=8)) <= 8 for _ in range(100))
    assert all(len(lr.embedded_reber_string(rng, max_length=12)) <= 12 for _ in range(100))
