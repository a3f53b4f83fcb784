"""Tests of chapter 6's exercise checkers (rnncourse.check.bidirectional_forward and
lstm_param_count): the package passes, a stub is "not implemented", typical mistakes earn
their own hint, and no checker ever raises."""

import numpy as np
import pytest

from rnncourse import check, deep, rnn
from rnncourse.check import CheckResult, _deep

# --- a learner's bidirectional layer, with optional mistakes -------------------------------


def learner_bidirectional(
    x, state0_fwd, state0_bwd, params_fwd, params_bwd, cell="rnn", mistakes=()
):
    """A learner's bidirectional_forward built on rnn.rnn_forward; ``mistakes`` names errors."""
    s_fwd, s_bwd = state0_fwd, state0_bwd
    if "states_swapped" in mistakes:
        s_fwd, s_bwd = state0_bwd, state0_fwd
    p_bwd = params_fwd if "same_params" in mistakes else params_bwd
    h_fwd, cache_fwd = rnn.rnn_forward(x, s_fwd, params_fwd)
    x_in = x if "never_reversed" in mistakes else x[:, ::-1]
    if "flip_no_axis" in mistakes:
        x_in = np.flip(x)
    h_rev, cache_bwd = rnn.rnn_forward(x_in, s_bwd, p_bwd)
    if "never_reversed" in mistakes or "not_reversed_back" in mistakes:
        h_bwd = h_rev
    elif "flip_no_axis" in mistakes:
        h_bwd = np.flip(h_rev)
    elif "batch_axis" in mistakes:
        h_bwd = h_rev[::-1]
    else:
        h_bwd = h_rev[:, ::-1]
    halves = [h_bwd, h_fwd] if "backward_first" in mistakes else [h_fwd, h_bwd]
    axis = 1 if "time_axis" in mistakes else 2
    if "sum" in mistakes:
        return h_fwd + h_bwd, (cache_fwd, cache_bwd)
    return np.concatenate(halves, axis=axis), (cache_fwd, cache_bwd)


def with_mistakes(*mistakes):
    def wrong(*args, **kwargs):
        return learner_bidirectional(*args, **kwargs, mistakes=mistakes)

    return wrong


def stub(*args, **kwargs):
    raise NotImplementedError()


def assert_hint(result, *keywords):
    """A falsy CheckResult whose hint contains every keyword."""
    assert isinstance(result, CheckResult)
    assert not result and result.passed is False
    assert repr(result).startswith("✗ bidirectional_forward") or repr(result).startswith(
        "✗ lstm_param_count"
    )
    assert result.hint is not None, repr(result)
    for keyword in keywords:
        assert keyword in result.hint, f"{keyword!r} not in {result!r}"


# --- bidirectional_forward ------------------------------------------------------------


def test_reference_and_a_learner_pass():
    for fn in (deep.bidirectional_forward, learner_bidirectional):
        result = check.bidirectional_forward(fn)
        assert result and result.passed is True and result.hint is None
        assert repr(result) == (
            "✓ bidirectional_forward: h matches the reference on all 3 test cases."
        )


def test_a_loop_over_time_without_reversing_passes_too():
    def by_loop(x, state0_fwd, state0_bwd, params_fwd, params_bwd, cell="rnn"):
        h_fwd, _ = rnn.rnn_forward(x, state0_fwd, params_fwd)
        h_bwd, h_t = np.zeros_like(h_fwd), state0_bwd
        for t in reversed(range(x.shape[1])):  # read x_T first
            h_t, _ = rnn.rnn_step_forward(x[:, t], h_t, params_bwd)
            h_bwd[:, t] = h_t
        return np.concatenate([h_fwd, h_bwd], axis=2), None

    assert check.bidirectional_forward(by_loop)


def test_stub_says_not_implemented():
    result = check.bidirectional_forward(stub)
    assert not result
    assert "not implemented yet" in result.message
    assert "raise NotImplementedError()" in result.message


@pytest.mark.parametrize(
    "mistakes, keywords",
    [
        (("not_reversed_back",), ["not reversed back", "h_rev[:, ::-1]"]),
        (("never_reversed",), ["never reversed", "x[:, ::-1]"]),
        (("backward_first",), ["wrong order", "forward direction comes first"]),
        (("same_params",), ["both directions use params_fwd", "params_bwd"]),
        (("states_swapped",), ["initial states are swapped", "state0_bwd"]),
        (("batch_axis",), ["batch", "axis 1"]),
        (("flip_no_axis",), ["np.flip(a)", "every axis"]),
        (("not_reversed_back", "same_params"), ["two mistakes", "reversed back", "params_fwd"]),
        (("backward_first", "states_swapped"), ["two mistakes", "wrong order", "swapped"]),
    ],
)
def test_mistakes_get_their_hint(mistakes, keywords):
    result = check.bidirectional_forward(with_mistakes(*mistakes))
    assert_hint(result, *keywords)
    assert "test case 1 of 3" in result.message
    assert "rel_error" in result.message


@pytest.mark.parametrize(
    "mistakes, keywords",
    [
        (("time_axis",), ["time axis (axis=1)", "axis=2"]),
        (("sum",), ["H numbers per step", "not their sum"]),
    ],
)
def test_wrong_shapes_get_their_hint(mistakes, keywords):
    result = check.bidirectional_forward(with_mistakes(*mistakes))
    assert_hint(result, *keywords)
    assert "shape" in result.message and "(N, T, 2H)" in result.message


def test_np_stack_gets_a_hint():
    def stacked(x, state0_fwd, state0_bwd, params_fwd, params_bwd, cell="rnn"):
        h, cache = deep.bidirectional_forward(x, state0_fwd, state0_bwd, params_fwd, params_bwd)
        H = h.shape[2] // 2
        return np.stack([h[:, :, :H], h[:, :, H:]], axis=2), cache  # (N, T, 2, H)

    assert_hint(check.bidirectional_forward(stacked), "np.stack", "axis=2")


def test_every_mistake_changes_the_output_in_every_case():
    """The fixed problems tell the mistakes apart: no variant equals the right answer
    (except the batch-axis ones in the case with N = 1, where the batch has one sequence)."""
    for k, prob in enumerate(_deep.problems()):
        expected, _ = deep.bidirectional_forward(
            prob.x, prob.state0_fwd, prob.state0_bwd, prob.params_fwd, prob.params_bwd
        )
        for hint, wrong in _deep._bidirectional_variants(prob):
            same = wrong.shape == expected.shape and np.allclose(wrong, expected)
            if prob.x.shape[0] == 1 and "axis 0" in hint:
                continue
            assert not same, (k, hint)
        variants = _deep._bidirectional_variants(prob)
        assert len(variants) > 50  # single mistakes and pairs


def test_mutating_the_input_is_caught():
    def mutates(x, state0_fwd, state0_bwd, params_fwd, params_bwd, cell="rnn"):
        out = deep.bidirectional_forward(x, state0_fwd, state0_bwd, params_fwd, params_bwd)
        x[:] = x[:, ::-1]  # "reverse in place"
        return out

    result = check.bidirectional_forward(mutates)
    assert not result and "changed its input `x`" in result.message


@pytest.mark.parametrize(
    "fn",
    [
        lambda *a, **k: None,
        lambda *a, **k: 1 / 0,
        lambda *a, **k: (1, 2, 3),
        lambda *a, **k: np.zeros(3),
        lambda *a, **k: (np.zeros((2, 4, 4), dtype=np.float32), None),
        lambda *a, **k: (np.full((2, 4, 4), np.nan), None),
        lambda x, s0, s1, p0, p1: (x[p0["nope"]], None),
        lambda x: x,
        "not a function",
    ],
)
def test_never_raises(fn):
    result = check.bidirectional_forward(fn)
    assert isinstance(result, CheckResult) and not result and result.message
    assert "0x" not in repr(result)


def test_repr_is_deterministic():
    wrong = with_mistakes("not_reversed_back")
    assert repr(check.bidirectional_forward(wrong)) == repr(check.bidirectional_forward(wrong))


# --- lstm_param_count -----------------------------------------------------------------


def learner_count(D, H, L, bidirectional=False, two_biases=False, mistake=None):
    directions = 2 if bidirectional and mistake != "one_direction" else 1
    total = 0
    for layer in range(L):
        if layer == 0 or mistake == "all_read_D":
            D_in = D
        elif mistake == "narrow":
            D_in = H
        else:
            D_in = (2 if bidirectional else 1) * H
        gates = 1 if mistake == "one_gate" else 4
        biases = 2 if two_biases else 1
        if mistake == "biases":
            biases = 3 - biases
        total += directions * (gates * H * (D_in + H) + biases * gates * H)
    return total


def test_count_reference_matches_pytorchs_stored_module():
    """The stored 2-layer bidirectional nn.LSTM(4, 6): its arrays hold the PyTorch count."""
    from rnncourse.framework_reference import reference_file

    with np.load(reference_file("lstm_2layer_bidirectional")) as f:
        torch_count = sum(f[k].size for k in f.files if k.startswith(("weight_", "bias_")))
    assert torch_count == _deep._reference_count(4, 6, 2, True, True) == 1536
    assert _deep._reference_count(4, 6, 2, True, False) == 1536 - 2 * 2 * 4 * 6


def test_formula_agrees_with_the_arrays():
    for case in _deep._COUNT_CASES:
        assert _deep._formula(*case) == _deep._reference_count(*case)


def test_count_right_answers_pass():
    result = check.lstm_param_count(learner_count)
    assert result and result.hint is None
    assert check.lstm_param_count(lambda *a: np.int64(learner_count(*a)))


@pytest.mark.parametrize(
    "mistake, keyword",
    [
        ("narrow", "2H numbers per step"),
        ("all_read_D", "only the first layer reads"),
        ("one_gate", "4 gate blocks"),
        ("one_direction", "two directions"),
        ("biases", "two bias vectors"),
    ],
)
def test_count_mistakes_get_their_hint(mistake, keyword):
    result = check.lstm_param_count(lambda *a: learner_count(*a, mistake=mistake))
    assert_hint(result, keyword)
    assert "you returned" in result.message


def test_count_stub_and_wrong_types():
    result = check.lstm_param_count(stub)
    assert not result and "not implemented yet" in result.message
    result = check.lstm_param_count(lambda *a: float(learner_count(*a)))
    assert_hint(result, "return an int")
    result = check.lstm_param_count(lambda *a: None)
    assert not result and "None" in result.message
    result = check.lstm_param_count(lambda *a: 7)
    assert not result and "D_in" in result.hint


# ---------------------------------------------------------------- catalogues


def test_every_bidirectional_catalogue_entry_is_rejected_with_its_own_hint():
    catalogue = check.bidirectional_forward.catalogue()
    assert len(catalogue) >= 90  # every single mistake and every pair of two kinds
    for mistake in catalogue:
        result = check.bidirectional_forward(lambda *a, m=mistake, **k: (m.fn(*a, **k), None))
        assert not result.passed, mistake.key
        assert result.hint == mistake.hint, (mistake.key, result)


def test_every_count_catalogue_entry_is_rejected_with_its_own_hint():
    catalogue = check.lstm_param_count.catalogue()
    assert len(catalogue) == 7
    for mistake in catalogue:
        result = check.lstm_param_count(mistake.fn)
        assert not result.passed, mistake.key
        assert result.hint == mistake.hint, (mistake.key, result)


def test_a_count_that_matches_a_mistake_on_one_case_only_is_not_named():
    # no biases on the first configuration only: a coincidence on one case must not name it
    def odd(D, H, L, bidirectional=False, two_biases=False):
        right = _deep._formula(D, H, L, bidirectional, two_biases)
        return right - 4 * H * (2 * L) if (D, H, L) == (4, 6, 2) and not two_biases else right

    result = check.lstm_param_count(odd)
    assert not result.passed
    assert result.hint not in {m.hint for m in check.lstm_param_count.catalogue()}
    assert "times 4H = 24" in result.hint, result


def test_a_wrong_half_is_localised():
    def backward_half_scaled(x, s0f, s0b, pf, pb, cell="rnn"):
        h, cache = deep.bidirectional_forward(x, s0f, s0b, pf, pb)
        H = s0f.shape[1]
        h = h.copy()
        h[:, :, H:] *= 0.9
        return h, cache

    result = check.bidirectional_forward(backward_half_scaled)
    assert not result.passed and "Only the block of backward" in result.hint, result
