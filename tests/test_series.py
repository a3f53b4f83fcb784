"""Tests for chapter 9's signal generators (rnncourse.data.series)."""

import numpy as np
import pytest

from rnncourse.data import series as S


def test_sine_has_its_period_amplitude_and_phase():
    x = S.sine(100, period=20, amplitude=2.0)
    assert x.shape == (100,) and x.dtype == np.float64
    np.testing.assert_allclose(x[20:], x[:-20], atol=1e-12)  # repeats every 20 steps
    assert x[0] == 0.0 and np.isclose(x[5], 2.0)  # sin(2 pi 5 / 20) = sin(pi / 2) = 1
    assert np.isclose(S.sine(4, period=4, phase=np.pi / 2)[0], 1.0)


def test_noisy_sine_adds_seeded_gaussian_noise():
    a = S.noisy_sine(2000, np.random.default_rng(3), noise=0.2)
    b = S.noisy_sine(2000, np.random.default_rng(3), noise=0.2)
    np.testing.assert_array_equal(a, b)
    noise = a - S.sine(2000)
    assert abs(noise.std() - 0.2) < 0.01 and abs(noise.mean()) < 0.02
    expected = S.sine(2000) + 0.2 * np.random.default_rng(3).standard_normal(2000)
    np.testing.assert_allclose(a, expected, rtol=0, atol=1e-15)  # the documented draw
    np.testing.assert_array_equal(S.noisy_sine(50, np.random.default_rng(0), noise=0.0),
                                  S.sine(50))  # fmt: skip


def test_sum_of_sines_is_the_sum_and_does_not_repeat_after_one_period():
    x = S.sum_of_sines(300)
    np.testing.assert_allclose(x, S.sine(300, 20) + S.sine(300, 7, 0.5), atol=1e-12)
    assert np.abs(x[20:] - x[:-20]).max() > 0.4  # one main period is not the full period
    np.testing.assert_allclose(x[140:], x[:-140], atol=1e-9)  # lcm(20, 7) = 140


def test_random_walk_steps_are_independent_gaussians():
    x = S.random_walk(5000, np.random.default_rng(1), step=0.1, start=2.0)
    steps = np.diff(x)
    assert abs(steps.std() - 0.1) < 0.005
    assert abs(np.corrcoef(steps[:-1], steps[1:])[0, 1]) < 0.05  # no memory in the steps
    first = 2.0 + 0.1 * np.random.default_rng(1).standard_normal(1)[0]
    assert np.isclose(x[0], first)


def test_make_signal_builds_every_signal_and_is_seeded():
    for name in S.SIGNALS:
        a, b = S.make_signal(name, 120, seed=4), S.make_signal(name, 120, seed=4)
        assert a.shape == (120,) and np.isfinite(a).all()
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(
        S.make_signal("random walk", 50, 0), S.make_signal("random walk", 50, 1)
    )
    np.testing.assert_array_equal(S.make_signal("sine", 30), S.sine(30))


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: S.sine(0), ValueError, "L must be at least 1"),
        (lambda: S.sine(10, period=0), ValueError, "period"),
        (lambda: S.noisy_sine(10, 0), TypeError, "rng must be a numpy Generator"),
        (lambda: S.noisy_sine(10, np.random.default_rng(), noise=-1), ValueError, "noise"),
        (lambda: S.sum_of_sines(10, (5, 7), (1.0,)), ValueError, "same, nonzero length"),
        (lambda: S.random_walk(10, np.random.default_rng(), step=0), ValueError, "step"),
        (lambda: S.make_signal("cosine", 10), ValueError, "unknown signal 'cosine'"),
    ],
)
def test_bad_arguments_are_named(call, error, words):
    with pytest.raises(error, match=words):
        call()
