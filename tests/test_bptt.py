"""The step-by-step BPTT walk agrees with rnn_backward, record by record."""

import numpy as np

from conftest import make_problem
from rnncourse import bptt, rnn


def test_contributions_sum_to_rnn_backward(rng):
    x, h0, params, dh = make_problem(rng, T=5)
    _, cache = rnn.rnn_forward(x, h0, params)
    dx, dh0, grads = rnn.rnn_backward(dh, cache)
    records = list(bptt.bptt_steps(dh, cache))
    assert [r.t for r in records] == [4, 3, 2, 1, 0]
    total = bptt.sum_contributions(records)
    for key in params:
        np.testing.assert_allclose(total[key], grads[key], rtol=0, atol=1e-13)
    np.testing.assert_allclose(records[-1].dh_prev, dh0, atol=1e-13)
    np.testing.assert_allclose(np.stack([r.dx_t for r in records[::-1]], axis=1), dx, atol=1e-13)


def test_records_chain_through_time(rng):
    x, h0, params, dh = make_problem(rng, T=4)
    _, cache = rnn.rnn_forward(x, h0, params)
    records = list(bptt.bptt_steps(dh, cache))
    assert np.all(records[0].dh_next == 0)  # nothing comes from beyond the last step
    for later, earlier in zip(records, records[1:], strict=False):
        np.testing.assert_array_equal(earlier.dh_next, later.dh_prev)
    for r in records:
        np.testing.assert_allclose(r.dh_t, r.dh_out + r.dh_next)
        np.testing.assert_array_equal(r.dh_out, dh[:, r.t])


def test_norms(rng):
    x, h0, params, dh = make_problem(rng, T=3)
    _, cache = rnn.rnn_forward(x, h0, params)
    record = next(bptt.bptt_steps(dh, cache))
    norms = record.norms()
    assert norms["dh_t"] == np.linalg.norm(record.dh_t)
    assert norms["dW_hh"] == np.linalg.norm(record.grads["W_hh"])
    assert set(norms) >= {"dh_out", "dh_next", "dh_prev", "dx_t", "dW_xh", "db_h"}


def test_empty_records_is_an_error():
    try:
        bptt.sum_contributions([])
    except ValueError as err:
        assert "empty" in str(err)
    else:
        raise AssertionError("no error for an empty list")
