"""Checker for chapter 10's training loop: clip, optimise, sample during training.

``train_char_rnn(data, params, n_iterations, seq_length, optimizer, max_norm, sample_every,
rng) -> (params, losses, samples)`` is min-char-rnn's loop (:func:`rnncourse.charlm.min_char_rnn`)
with the course's pieces: chunks of ``seq_length`` characters walked through the text in order,
the hidden state carried from chunk to chunk and reset to zeros at the start and whenever the
text runs out, :func:`rnncourse.charlm.min_char_rnn_loss` for the loss and gradients,
:func:`rnncourse.clipping.clip_by_global_norm` before every step, ``optimizer.step``, and every
``sample_every`` iterations (0, sample_every, ...) a sample of :data:`SAMPLE_LENGTH`
characters after the update, from the state reached, with ``rng``. It trains a copy: the
caller's params stay as they were.

The checker runs the loop on four small problems (a few milliseconds each), compares the
losses, the samples and the trained parameters with :func:`train_reference`, and, when they
differ, says at which iteration the losses first part and what usually happens there.
"""

from typing import NamedTuple

import numpy as np

from .. import charlm, clipping, optim
from ._catalogue import Mistake, Probe, pattern, with_catalogue
from ._harness import (
    CheckFailed,
    call,
    checker,
    copy_tree,
    describe,
    diagnose,
    expect_array,
    expect_keys,
    expect_tuple,
    expect_unchanged,
    format_pair,
)

#: Characters per sample drawn during training.
SAMPLE_LENGTH = N_SAMPLE = 12
KEYS = ("Wxh", "Whh", "Why", "bh", "by")


class LoopCase(NamedTuple):
    V: int
    H: int
    L: int  # length of the text
    seq_length: int
    n_iterations: int
    max_norm: float
    sample_every: int
    optimizer: str  # "adagrad" or "adam"
    seed: int

    @property
    def where(self):
        return (
            f" in the run with V={self.V}, H={self.H}, L={self.L}, seq_length={self.seq_length}, "
            f"{self.n_iterations} iterations, max_norm={self.max_norm}"
        )


CASES = (
    LoopCase(7, 10, 47, 8, 14, 1.0, 5, "adagrad", 1001),  # the text runs out at iteration 5
    LoopCase(5, 6, 30, 5, 9, 0.5, 4, "adam", 1002),
    LoopCase(6, 8, 40, 6, 7, 1e6, 3, "adagrad", 1003),  # max_norm so large nothing is clipped
    LoopCase(4, 3, 9, 1, 10, 0.2, 10, "adam", 1004),  # seq_length = 1, one sample
    # p + seq_length = 15 = L - 1 at p = 10: the text runs out exactly there (odd, so a test
    # written `p + seq_length | 1 >= len(data)` misses it)
    LoopCase(5, 4, 16, 5, 6, 1.0, 2, "adagrad", 1005),
)


def make_optimizer(case):
    if case.optimizer == "adam":
        return optim.Adam(0.01)
    return optim.Adagrad(0.1)


def case_inputs(case):
    """(data, params) of one case: the text and min-char-rnn's initial weights."""
    rng = np.random.default_rng(case.seed)
    data = rng.integers(0, case.V, size=case.L)
    params = {
        "Wxh": 0.3 * rng.standard_normal((case.H, case.V)),
        "Whh": 0.3 * rng.standard_normal((case.H, case.H)),
        "Why": 0.3 * rng.standard_normal((case.V, case.H)),
        "bh": 0.1 * rng.standard_normal((case.H, 1)),
        "by": 0.1 * rng.standard_normal((case.V, 1)),
    }
    return data, params


def case_args(case):
    data, params = case_inputs(case)
    return (
        data, params, case.n_iterations, case.seq_length, make_optimizer(case), case.max_norm,
        case.sample_every, np.random.default_rng(case.seed + 1),
    )  # fmt: skip


def train_reference(data, params, n_iterations, seq_length, optimizer, max_norm, sample_every,
                    rng):  # fmt: skip
    """The loop the exercise asks for (see the module docstring)."""
    return _loop(data, params, n_iterations, seq_length, optimizer, max_norm, sample_every, rng)


def _loop(data, params, n_iterations, seq_length, optimizer, max_norm, sample_every, rng, k=None):
    """The training loop with the mistake ``k`` switched on (None: the right loop)."""
    if k != "caller's params trained":
        params = {key: value.copy() for key, value in params.items()}
    H = params["Whh"].shape[0]
    losses, samples = [], []
    p, hprev = 0, np.zeros((H, 1))
    own = np.random.default_rng(0)
    for n in range(n_iterations):
        runs_out = p + seq_length + 1 >= len(data)
        if n == 0 or (runs_out and k != "never reset") or k == "state not carried":
            hprev = np.zeros((H, 1))
        if n == 0 or runs_out:
            p = 0
        inputs = data[p : p + seq_length]
        if k == "targets not shifted":
            targets = data[p : p + seq_length]
        else:
            targets = data[p + 1 : p + seq_length + 1]
        loss, grads, hprev = charlm.min_char_rnn_loss(inputs, targets, hprev, params)
        sample_now = (n + (k == "samples one late")) % sample_every == 0
        if sample_now and k == "samples before the update":
            samples.append(charlm.min_char_rnn_sample(params, hprev, inputs[0], N_SAMPLE, rng))
        if k == "clip by value":
            grads = clipping.clip_by_value(grads, max_norm)
        elif k != "not clipped":
            grads, _ = clipping.clip_by_global_norm(grads, max_norm)
        optimizer.step(params, grads)
        if sample_now and k != "samples before the update":
            draw = own if k == "own generator" else rng
            samples.append(charlm.min_char_rnn_sample(params, hprev, inputs[0], N_SAMPLE, draw))
        losses.append(loss / seq_length if k == "mean loss" else loss)
        if k != "pointer not advanced":
            p += seq_length
    return params, losses, samples


def _first_reset(case):
    p = 0
    for n in range(1, case.n_iterations):
        p += case.seq_length
        if p + case.seq_length + 1 >= case.L:
            return n
    return None


def _expect_losses(losses, case):
    if not isinstance(losses, list | tuple | np.ndarray):
        raise CheckFailed(
            f"losses is {describe(losses)}, but must be a list of {case.n_iterations} numbers.",
            "append each iteration's loss to a list: `losses.append(loss)`.",
        )
    values = np.asarray(losses, dtype=object).ravel()
    if len(values) != case.n_iterations:
        raise CheckFailed(
            f"losses holds {len(values)} numbers{case.where}, but the loop runs "
            f"{case.n_iterations} iterations.",
            "append one loss per iteration, inside the loop (`for n in range(n_iterations)`).",
        )
    try:
        return np.array([float(v) for v in values])
    except (TypeError, ValueError):
        raise CheckFailed(
            f"losses holds something other than numbers{case.where}.",
            "append the loss min_char_rnn_loss returns, a float.",
        ) from None


def _expect_samples(samples, case):
    want = len(range(0, case.n_iterations, case.sample_every))
    if not isinstance(samples, list | tuple) or len(samples) != want:
        n = len(samples) if isinstance(samples, list | tuple) else describe(samples)
        raise CheckFailed(
            f"samples holds {n} samples{case.where}, but iterations 0, {case.sample_every}, ... "
            f"below {case.n_iterations} make {want}.",
            "sample when `n % sample_every == 0`, after the update: iteration 0 is the first.",
        )
    return samples


def _compare_losses(got, want, case):
    bad = np.nonzero(~np.isclose(got, want, rtol=1e-7, atol=1e-12))[0]
    if not bad.size:
        return
    n = int(bad[0])
    yours, right = format_pair(got[n], want[n])
    agree = "iteration 0" if n == 1 else f"iterations 0 to {n - 1}"
    message = (
        f"the losses agree for {agree} and first differ at iteration {n}{case.where}: yours "
        f"{yours}, expected {right}."
        if n
        else f"the loss of iteration 0 is {yours}{case.where}, expected {right}."
    )
    shape = pattern(got, want, sizes={"seq_length": case.seq_length})
    if shape and "times" in shape:
        message += f" Over all iterations, {shape}"
    if n == 0:
        hint = (
            "the first loss comes before any update: check the chunk (`inputs = data[p : p + "
            "seq_length]`, `targets` one character later) and the zero initial state."
        )
    elif n == _first_reset(case):
        hint = (
            f"iteration {n} is where the text runs out (`p + seq_length + 1 >= len(data)`): "
            "start again at p = 0 with a zero state there, and only there."
        )
    elif n == 1:
        hint = (
            "the first update differs: clip the gradients by their global norm, "
            "`grads, _ = clipping.clip_by_global_norm(grads, max_norm)`, then `optimizer.step"
            "(params, grads)`, once per iteration."
        )
    else:
        hint = (
            "an update or the state carried between chunks differs from iteration "
            f"{n - 1} on: hprev must be the state min_char_rnn_loss returned."
        )
    raise CheckFailed(message, hint)


@checker("train_char_rnn")
def _train_char_rnn(fn):
    """Check the training loop ``fn(data, params, n_iterations, seq_length, optimizer,
    max_norm, sample_every, rng) -> (params, losses, samples)``."""
    for case in CASES:
        args = case_args(case)
        given = copy_tree({"data": args[0], "params": args[1]})
        out = call(fn, given["data"], given["params"], *args[2:])
        trained, losses, samples = expect_tuple(out, ("params", "losses", "samples"))
        try:
            expect_unchanged({"data": args[0], "params": args[1]}, given)
        except CheckFailed as failure:
            raise CheckFailed(
                failure.message,
                "the optimiser updates the arrays it is given in place: train a copy, "
                "`params = {k: v.copy() for k, v in params.items()}`, at the top of the function.",
            ) from None
        want_params, want_losses, want_samples = train_reference(*case_args(case))
        got_losses = _expect_losses(losses, case)
        _compare_losses(got_losses, np.array(want_losses), case)
        trained = expect_keys(trained, "params", KEYS)
        for key in KEYS:
            value = expect_array(trained[key], f"params[{key!r}]", want_params[key].shape,
                                 str(want_params[key].shape))  # fmt: skip
            diagnose(f"params[{key!r}]", value, want_params[key], [], case.where, fallback=(
                "the losses are right, so the last update differs: the last iteration must "
                "clip and step like the others, and return the params that were trained."
            ))  # fmt: skip
        samples = _expect_samples(samples, case)
        for i, (got, want) in enumerate(zip(samples, want_samples, strict=True)):
            same = isinstance(got, list | tuple | np.ndarray) and list(np.ravel(got)) == want
            if not same:
                raise CheckFailed(
                    f"sample {i} (iteration {i * case.sample_every}) differs{case.where}.",
                    "draw it after the update, from the state the chunk ended in: "
                    "`charlm.min_char_rnn_sample(params, hprev, inputs[0], "
                    f"{SAMPLE_LENGTH}, rng)` with the rng you are given.",
                )
    return (
        f"losses, trained parameters and samples match the reference loop on all {len(CASES)} "
        "runs (clipping, optimiser steps, state resets and samples)."
    )


def _mistake(key, hint):
    return Mistake(key, hint, lambda *a, key=key: _loop(*a, k=key))


CATALOGUE = [
    _mistake("not clipped", "the gradients are not clipped (or clipped after the step, or the "
             "clipped dict is not used): `grads, _ = clipping.clip_by_global_norm(grads, "
             "max_norm)` before `optimizer.step(params, grads)`."),
    _mistake("clip by value", "the gradients are clipped entry by entry (clip_by_value); this "
             "loop clips them by their global norm, `clipping.clip_by_global_norm(grads, "
             "max_norm)`, which keeps their direction."),
    _mistake("state not carried", "hprev is reset every iteration: carry the state "
             "min_char_rnn_loss returns into the next chunk, and reset it only at the start "
             "and when the text runs out."),
    _mistake("never reset", "when the text runs out (`p + seq_length + 1 >= len(data)`) start "
             "again at p = 0 *and* with a zero state: the old state belongs to the end of the "
             "text."),
    _mistake("pointer not advanced", "every iteration trains on the same chunk: move on with "
             "`p += seq_length` at the end of each iteration."),
    _mistake("targets not shifted", "the targets are the inputs themselves: each target is the "
             "*next* character, `targets = data[p + 1 : p + seq_length + 1]`."),
    _mistake("samples before the update", "the samples are drawn before the update: step "
             "first, then sample from the updated params."),
    _mistake("samples one late", "sample at iterations 0, sample_every, 2 * sample_every, ...: "
             "`if n % sample_every == 0`."),
    _mistake("own generator", "draw the samples with the rng you are given, not with a "
             "generator of your own: the same seed must give the same samples."),
    _mistake("caller's params trained", "the optimiser updates the arrays it is given in place: "
             "train a copy, `params = {k: v.copy() for k, v in params.items()}`, at the top of "
             "the function."),
    _mistake("mean loss", "min_char_rnn_loss returns the loss *summed* over the chunk; record "
             "it as it is (do not divide by seq_length)."),
]  # fmt: skip


def _probes():
    return [Probe(lambda c=c: (case_args(c), {})) for c in CASES]


train_char_rnn = with_catalogue(
    _train_char_rnn, _probes, CATALOGUE, train_reference, one_case_hints=()
)
