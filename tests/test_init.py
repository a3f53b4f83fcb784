"""Initialisation schemes: shapes, statistics, seeding and errors."""

import numpy as np
import pytest

from rnncourse import init


def test_xavier_uniform_bound():
    W = init.xavier_uniform((200, 300), np.random.default_rng(0))
    bound = np.sqrt(6 / 500)
    assert W.shape == (200, 300) and np.abs(W).max() <= bound
    assert W.var() == pytest.approx(bound**2 / 3, rel=0.05)  # variance of U(-a, a) is a^2/3


def test_xavier_normal_std():
    W = init.xavier_normal((200, 300), np.random.default_rng(0))
    assert W.std() == pytest.approx(np.sqrt(2 / 500), rel=0.05)


@pytest.mark.parametrize("shape", [(5, 5), (3, 7), (7, 3)])
def test_orthogonal(shape):
    W = init.orthogonal(shape, np.random.default_rng(0), gain=2.0)
    assert W.shape == shape
    np.testing.assert_allclose(np.linalg.svd(W, compute_uv=False), 2.0, atol=1e-12)


def test_identity_and_zeros():
    np.testing.assert_array_equal(init.identity(3, scale=0.5), 0.5 * np.eye(3))
    assert not init.zeros((4,)).any()
    with pytest.raises(ValueError, match="square"):
        init.identity((3, 4))


def test_small_schemes():
    rng = np.random.default_rng(0)
    assert np.abs(init.small_uniform((50, 50), rng, scale=0.01)).max() <= 0.01
    assert init.small_normal((100, 100), rng).std() == pytest.approx(0.01, rel=0.05)


@pytest.mark.parametrize("name", sorted(init.SCHEMES))
def test_seeded_and_dtype(name):
    a = init.by_name(name, (4, 4), np.random.default_rng(3), dtype=np.float32)
    b = init.by_name(name, (4, 4), np.random.default_rng(3), dtype=np.float32)
    assert a.dtype == np.float32
    np.testing.assert_array_equal(a, b)


def test_rng_must_be_a_generator():
    with pytest.raises(TypeError, match="numpy Generator"):
        init.xavier_uniform((2, 2), 42)
    with pytest.raises(ValueError, match="unknown initialisation"):
        init.by_name("he", (2, 2), np.random.default_rng(0))
    with pytest.raises(ValueError, match="at least 1"):
        init.xavier_uniform((0, 2), np.random.default_rng(0))
