"""Tests for chapter 10's training-loop checker, check.train_char_rnn: it passes the reference
and a loop written another way, says "not implemented" for the stub, rejects every catalogue
entry with its own hint, and never raises."""

import numpy as np
import pytest

from rnncourse import charlm, check, clipping
from rnncourse.check import CheckResult, _trainloop


def stub(*args):
    # YOUR CODE HERE
    raise NotImplementedError()


def another_way(data, params, n_iterations, seq_length, optimizer, max_norm, sample_every, rng):
    """The same loop with a while, the reset written differently."""
    params = {k: np.array(v) for k, v in params.items()}
    losses, samples, n, p = [], [], 0, 0
    h = np.zeros((params["Whh"].shape[0], 1))
    while n < n_iterations:
        if p + seq_length + 1 >= len(data):
            p, h = 0, np.zeros_like(h)
        x, y = data[p : p + seq_length], data[p + 1 : p + 1 + seq_length]
        loss, grads, h = charlm.min_char_rnn_loss(x, y, h, params)
        optimizer.step(params, clipping.clip_by_global_norm(grads, max_norm)[0])
        if not n % sample_every:
            samples.append(charlm.min_char_rnn_sample(params, h, x[0], 12, rng))
        losses.append(loss)
        n, p = n + 1, p + seq_length
    return params, losses, samples


@pytest.mark.parametrize("fn", [_trainloop.train_reference, another_way])
def test_right_loops_pass(fn):
    result = check.train_char_rnn(fn)
    assert result and "all 5 runs" in repr(result), repr(result)


def test_stub_says_not_implemented():
    assert "not implemented" in repr(check.train_char_rnn(stub))


@pytest.mark.parametrize("mistake", check.train_char_rnn.catalogue, ids=lambda m: m.key)
def test_every_catalogue_entry_is_rejected_with_its_own_hint(mistake):
    result = check.train_char_rnn(mistake.fn)
    assert not result, mistake.key
    assert result.hint == mistake.hint, (mistake.key, repr(result))


def test_catalogue_hints_are_all_different():
    hints = [m.hint for m in check.train_char_rnn.catalogue]
    assert len(set(hints)) == len(hints)


def test_the_loss_message_localises_and_names_the_factor():
    result = check.train_char_rnn(
        next(m for m in check.train_char_rnn.catalogue if m.key == "mean loss").fn
    )
    assert "iteration 0" in result.message and "seq_length = 8 times too small" in result.message


@pytest.mark.parametrize(
    "fn",
    [
        lambda *a: None,
        lambda *a: (None, None, None),
        lambda *a: ({}, [1.0], []),
        lambda *a: (a[1], list(range(100)), [[0]]),
        lambda *a: 1 / 0,
    ],
)
def test_odd_answers_never_raise(fn):
    result = check.train_char_rnn(fn)
    assert isinstance(result, CheckResult) and not result
