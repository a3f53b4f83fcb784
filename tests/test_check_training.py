"""Tests for chapter 7's checkers: adam_step, variational_dropout_forward and
variational_dropout_backward.

Each checker must pass the reference, say "not implemented" for the exercise stub, reject
typical wrong versions with a hint naming the mistake, and never raise.
"""

import numpy as np
import pytest

from rnncourse import check, dropout
from rnncourse.check import CheckResult, _training


def stub(*args, **kwargs):
    # YOUR CODE HERE
    raise NotImplementedError()


def assert_hint(result, keyword):
    assert isinstance(result, CheckResult)
    assert not result, repr(result)
    assert keyword in f"{result.message} {result.hint}", repr(result)


# ---------------------------------------------------------------- adam_step


def adam(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, *, mistake=None):
    """A learner's Adam step written by hand, with one mistake switched on."""
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * (grad if mistake == "v from grad" else grad**2)
    tc = {"t from 0": t - 1, "t plus 1": t + 1}.get(mistake, t)
    if mistake == "no correction":
        m_hat, v_hat = m, v
    else:
        m_hat, v_hat = m / (1 - beta1**tc), v / (1 - beta2**tc)
    denom = np.sqrt(v_hat + eps) if mistake == "eps inside" else np.sqrt(v_hat) + eps
    sign = 1 if mistake == "sign" else -1
    new_param = param + sign * lr * m_hat / denom
    if mistake == "return m_hat":
        return new_param, m_hat, v_hat
    return new_param, m, v


def test_adam_reference_and_hand_version_pass():
    for fn in (_training.adam_reference, adam):
        result = check.adam_step(fn)
        assert result, repr(result)
        assert "all 5 test cases" in repr(result)


def test_adam_stub_says_not_implemented():
    result = check.adam_step(stub)
    assert not result and "not implemented" in repr(result)


@pytest.mark.parametrize(
    "mistake, keyword",
    [
        ("no correction", "bias correction is missing"),
        ("t from 0", "uses t - 1"),
        ("t plus 1", "uses t + 1"),
        ("eps inside", "inside the square root"),
        ("v from grad", "*squared* gradient"),
        ("sign", "sign is wrong"),
        ("return m_hat", "not the bias-corrected"),
    ],
)
def test_adam_mistakes_are_named(mistake, keyword):
    def fn(*args, **kwargs):
        return adam(*args, **kwargs, mistake=mistake)

    assert_hint(check.adam_step(fn), keyword)


def test_adam_fixed_hyperparameters_are_named():
    def fixed(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        return adam(param, grad, m, v, t, lr=lr)  # ignores beta1, beta2, eps

    assert_hint(check.adam_step(fixed), "use the arguments")


def test_adam_in_place_update_is_caught():
    def in_place(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        m *= beta1
        m += (1 - beta1) * grad
        v *= beta2
        v += (1 - beta2) * grad**2
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v

    assert_hint(check.adam_step(in_place), "in place")


def test_adam_zero_division_with_python_floats_is_named():
    def python_floats(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        scale = lr / (1 - float(beta1) ** (t - 1))  # t from 0: divides by zero at t = 1
        return param - scale * m, m, v

    result = check.adam_step(python_floats)
    assert not result


def test_adam_wrong_return_values():
    assert_hint(check.adam_step(lambda p, g, m, v, t, **k: p - 0.1 * g), "must return a tuple")
    assert_hint(check.adam_step(lambda p, g, m, v, t, **k: (p, m)), "return exactly")
    assert_hint(check.adam_step(lambda p, g, m, v, t, **k: None), "must return a tuple")


def test_adam_variants_differ_from_the_reference():
    named = set()
    for case in _training._adam_cases():
        want = dict(
            zip(
                ("new_param", "m", "v"),
                _training.adam_reference(*case[:5], **case.hyper),
                strict=True,
            )
        )
        for hint, wrong in _training._adam_variants(case):
            for label, array in wrong.items():
                assert np.all(np.isfinite(array)), hint
                gap = np.linalg.norm(array - want[label]) / np.linalg.norm(want[label])
                assert gap > 1e-5, (hint, label, case.where)
                named.add(hint)
    assert len(named) == 9  # every mistake shows on at least one case


# ---------------------------------------------------------------- variational dropout


def vd_forward(x, p, rng=None, train=True, *, mistake=None):
    """A learner's variational dropout, with one mistake switched on."""
    N, T, F = x.shape
    if not train:
        return (x * (1 - p) if mistake == "scale at eval" else x.copy()), np.ones((N, F))
    if mistake == "new mask each step":
        masks = [(rng.random((N, F)) < 1 - p) / (1 - p) for _ in range(T)]
        return x * np.stack(masks, axis=1), masks[-1]
    if mistake == "mask per step returned":
        mask = (rng.random((N, T, F)) < 1 - p) / (1 - p)
        return x * mask, mask
    u = np.random.default_rng(999).random((N, F)) if mistake == "global rng" else rng.random((N, F))
    if mistake == "keep u >= p":  # a different but correct rule
        mask = (u >= p) / (1 - p)
    elif mistake == "no scaling":
        mask = (u < 1 - p).astype(float)
    elif mistake == "keep and drop confused":
        mask = (u < p) / (1 - p)
    elif mistake == "scale by 1/p":
        mask = (u < 1 - p) / p if p > 0 else (u < 1 - p) * 1.0
    else:
        mask = (u < 1 - p) / (1 - p)
    return x * mask[:, None, :], mask


def vd_backward(dout, mask, *, mistake=None):
    if mistake == "no mask":
        return dout.copy()
    if mistake == "no time axis":
        return dout * mask
    if mistake == "summed over time":
        return (dout * mask[:, None, :]).sum(axis=1)
    if mistake == "scaled again":
        keep = mask > 0
        p = 1 - 1 / mask[keep].max() if keep.any() else 0.0
        return dout * mask[:, None, :] / (1 - p)
    if mistake == "in place":
        dout *= mask[:, None, :]
        return dout
    return dout * mask[:, None, :]


def test_dropout_references_pass():
    assert check.variational_dropout_forward(dropout.variational_dropout_forward)
    assert check.variational_dropout_forward(vd_forward)
    assert check.variational_dropout_backward(dropout.variational_dropout_backward)
    result = check.variational_dropout_backward(vd_backward)
    assert result and "all 3 test cases" in repr(result)


def test_keeping_u_at_least_p_is_also_right():
    result = check.variational_dropout_forward(
        lambda x, p, rng=None, train=True: vd_forward(x, p, rng, train, mistake="keep u >= p")
    )
    assert result, repr(result)


def test_dropout_stubs_say_not_implemented():
    for checker in (check.variational_dropout_forward, check.variational_dropout_backward):
        result = checker(stub)
        assert not result and "not implemented" in repr(result)


@pytest.mark.parametrize(
    "mistake, keyword",
    [
        ("new mask each step", "new mask each step"),
        ("mask per step returned", "time axis"),
        ("no scaling", "not scaled"),
        ("keep and drop confused", "*dropping*"),
        ("scale by 1/p", "not by `1 / p`"),
        ("global rng", "rng"),
        ("scale at eval", "evaluation inverted dropout does nothing"),
    ],
)
def test_dropout_forward_mistakes_are_named(mistake, keyword):
    def fn(x, p, rng=None, train=True):
        return vd_forward(x, p, rng, train, mistake=mistake)

    assert_hint(check.variational_dropout_forward(fn), keyword)


def test_dropout_forward_that_draws_at_evaluation_is_named():
    def draws(x, p, rng=None, train=True):
        mask = (rng.random((x.shape[0], x.shape[2])) < 1 - p) / (1 - p)
        return (x * mask[:, None, :], mask) if train else (x.copy(), np.ones_like(mask))

    assert_hint(check.variational_dropout_forward(draws), "return before drawing a mask")


def test_dropout_forward_without_time_axis_is_named():
    def no_axis(x, p, rng=None, train=True):
        mask = (rng.random((x.shape[0], x.shape[2])) < 1 - p) / (1 - p)
        return x * mask, mask  # (N, T, F) * (N, F): fails to broadcast

    assert_hint(check.variational_dropout_forward(no_axis), "mask[:, None, :]")


@pytest.mark.parametrize(
    "mistake, keyword",
    [
        ("no mask", "same mask"),
        ("no time axis", "time axis"),
        ("summed over time", "do not sum over time"),
        ("scaled again", "already holds the scaling"),
        ("in place", "in place"),
    ],
)
def test_dropout_backward_mistakes_are_named(mistake, keyword):
    assert_hint(
        check.variational_dropout_backward(lambda d, m: vd_backward(d, m, mistake=mistake)),
        keyword,
    )


def test_mask_variants_differ_from_the_reference():
    for case in _training._dropout_cases():
        if case.p == 0:
            continue
        N, _, F = case.x.shape
        u = np.random.default_rng(case.seed).random((N, F))
        want = (u < 1 - case.p) / (1 - case.p)
        for hint, wrong in _training._mask_variants(u, case.p):
            if wrong is not None:
                assert np.linalg.norm(wrong - want) > 1e-3, (hint, case.where)


# ---------------------------------------------------------------- never raise


class Weird:
    def __getattr__(self, name):
        raise RuntimeError("weird")

    def __eq__(self, other):
        raise RuntimeError("no comparing")


@pytest.mark.parametrize(
    "fn",
    [
        lambda *a, **k: None,
        lambda *a, **k: "text",
        lambda *a, **k: Weird(),
        lambda *a, **k: (Weird(), Weird(), Weird()),
        lambda *a, **k: (np.nan * np.ones(3), None, 1),
        lambda *a, **k: 1 / 0,
        lambda *a, **k: [][1],
        lambda *a, **k: (np.ones((2, 2), dtype=int),) * 3,
        lambda *a, **k: (np.full((3, 4), np.inf),) * 3,
        lambda *a, **k: (np.ones((4, 5, 6)), np.ones((4, 6), dtype=np.float32)),
        lambda *a, **k: exec("raise SystemExit(3)"),
    ],
)
@pytest.mark.parametrize(
    "checker",
    [check.adam_step, check.variational_dropout_forward, check.variational_dropout_backward],
)
def test_checkers_never_raise(checker, fn):
    result = checker(fn)
    assert isinstance(result, CheckResult) and not result
    assert repr(result).startswith("✗ ")


def test_passing_a_value_instead_of_a_function():
    result = check.adam_step(np.ones(3))
    assert not result and "without calling it" in repr(result)


# ---------------------------------------------------------------- catalogues


CATALOGUED = [
    check.adam_step,
    check.variational_dropout_forward,
    check.variational_dropout_backward,
]


@pytest.mark.parametrize(
    "checker, mistake",
    [(c, m) for c in CATALOGUED for m in c.catalogue],
    ids=lambda v: getattr(v, "key", getattr(v, "__name__", "")),
)
def test_every_catalogue_entry_is_rejected_with_its_own_hint(checker, mistake):
    result = checker(mistake.fn)
    assert not result, mistake.key
    assert result.hint == mistake.hint, (mistake.key, repr(result))


def test_a_mistake_on_one_case_only_is_not_named():
    def half_wrong(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        if t == 3:  # the mistake on test case 1 only
            return _training._adam_by_hand(param, grad, m, v, t, lr, beta1, beta2, eps, k="sign")
        return _training.adam_reference(param, grad, m, v, t, lr, beta1, beta2, eps)

    result = check.adam_step(half_wrong)
    assert not result and "not on every test case" in result.hint, repr(result)


def test_returning_an_input_object_is_named_as_a_copy_problem():
    def eval_alias(x, p, rng=None, train=True):
        if not train:
            return x, np.ones((x.shape[0], x.shape[2]))
        return dropout.variational_dropout_forward(x, p, rng)

    assert_hint(check.variational_dropout_forward(eval_alias), "new array")


def test_probing_the_catalogue_prints_nothing_more(capsys):
    def noisy(x, p, rng=None, train=True):
        print("from the learner")
        N, _, F = x.shape
        if not train:
            return x.copy(), np.ones((N, F))
        mask = (rng.random((N, F)) < 1 - p).astype(float)  # not scaled
        return x * mask[:, None, :], mask

    result = check.variational_dropout_forward(noisy)
    assert not result and "not scaled" in result.hint
    assert capsys.readouterr().out.count("from the learner") == 1
