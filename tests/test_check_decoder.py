"""Tests for chapter 11's decoder-step checker, check.decoder_step: the reference passes, the
stub says "not implemented", every catalogue entry (Bahdanau and Luong mixed up, the mask
ignored, ...) is rejected with its own hint, and odd answers never raise."""

import numpy as np
import pytest

from rnncourse import check
from rnncourse.check import CheckResult, _decoder


def stub(model, y_prev, s_prev, enc, src_mask):
    # YOUR CODE HERE
    raise NotImplementedError()


def test_reference_passes():
    result = check.decoder_step(_decoder.decoder_step_reference)
    assert result and "Bahdanau's and Luong's" in repr(result), repr(result)


def test_stub_says_not_implemented():
    assert "not implemented" in repr(check.decoder_step(stub))


@pytest.mark.parametrize("mistake", check.decoder_step.catalogue, ids=lambda m: m.key)
def test_every_catalogue_entry_is_rejected_with_its_own_hint(mistake):
    result = check.decoder_step(mistake.fn)
    assert not result, mistake.key
    assert result.hint == mistake.hint, (mistake.key, repr(result))


def test_the_two_designs_really_differ_on_the_test_cases():
    # a Luong step that asks with s_prev must change alpha on every Luong case
    for case in _decoder.CASES:
        if case.kind != "luong" or case.S == 1:
            continue
        inputs = _decoder.case_inputs(case)
        right = _decoder.decoder_step_reference(*inputs)
        wrong = _decoder._step(*inputs, k="luong queries the previous state")
        assert np.abs(right[2] - wrong[2]).max() > 1e-3


@pytest.mark.parametrize(
    "fn",
    [
        lambda *a: None,
        lambda *a: (np.zeros((3, 5)),) * 3,
        lambda *a: (np.ones((3, 5), dtype=int), None, 1),
        lambda *a: 1 / 0,
        lambda *a: a[0].params.clear(),
    ],
)
def test_odd_answers_never_raise(fn):
    result = check.decoder_step(fn)
    assert isinstance(result, CheckResult) and not result
