"""Tests for chapter 12's checker, check.params_from_state_dict: the package's function and a
hand-written one pass on the stored PyTorch modules, the stub says "not implemented", every
catalogue entry is rejected with its own hint, and odd answers never raise."""

import numpy as np
import pytest

from rnncourse import check, interop
from rnncourse.check import CheckResult


def stub(state_dict, cell, layer=0, direction=0):
    # YOUR CODE HERE
    raise NotImplementedError()


def by_hand(state_dict, cell, layer=0, direction=0):
    s = f"_l{layer}" + ("_reverse" if direction else "")
    W_x = np.ascontiguousarray(state_dict["weight_ih" + s].T)
    W_h = np.array(state_dict["weight_hh" + s].T)
    b_ih, b_hh = state_dict["bias_ih" + s], state_dict["bias_hh" + s]
    if cell == "gru":
        return {"W_x": W_x, "W_h": W_h, "b_x": b_ih.copy(), "b_h": b_hh.copy()}
    names = ("W_xh", "W_hh", "b_h") if cell == "rnn" else ("W_x", "W_h", "b")
    return dict(zip(names, (W_x, W_h, b_ih + b_hh), strict=True))


@pytest.mark.parametrize("fn", [interop.params_from_state_dict, by_hand])
def test_right_versions_pass(fn):
    result = check.params_from_state_dict(fn)
    assert result and "all 8 stored PyTorch modules" in repr(result), repr(result)


def test_stub_says_not_implemented():
    assert "not implemented" in repr(check.params_from_state_dict(stub))


@pytest.mark.parametrize("mistake", check.params_from_state_dict.catalogue, ids=lambda m: m.key)
def test_every_catalogue_entry_is_rejected_with_its_own_hint(mistake):
    result = check.params_from_state_dict(mistake.fn)
    assert not result, mistake.key
    assert result.hint == mistake.hint, (mistake.key, repr(result))


@pytest.mark.parametrize(
    "fn",
    [
        lambda *a: None,
        lambda *a: {},
        lambda *a: {"W_xh": 1, "W_hh": None, "b_h": "b"},
        lambda *a: a[0],
        lambda *a: 1 / 0,
        lambda sd, *a: sd.clear(),
    ],
)
def test_odd_answers_never_raise(fn):
    result = check.params_from_state_dict(fn)
    assert isinstance(result, CheckResult) and not result
