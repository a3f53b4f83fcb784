"""Shared fixtures: a seeded generator and small random RNN problems in float64."""

import numpy as np
import pytest

from rnncourse import rnn


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def make_problem(rng, N=3, T=4, D=5, H=6, dtype=np.float64, activation="tanh"):
    """Random x, h0, params (with a nonzero bias) and an upstream gradient dh."""
    params = rnn.init_params(D, H, rng, dtype=dtype)
    params["b_h"] = (0.1 * rng.standard_normal(H)).astype(dtype)
    x = rng.standard_normal((N, T, D)).astype(dtype)
    h0 = (0.5 * rng.standard_normal((N, H))).astype(dtype)
    dh = rng.standard_normal((N, T, H)).astype(dtype)
    return x, h0, params, dh
