"""Backpropagation through time, one step at a time, for looking inside.

:func:`bptt_steps` walks backward over a sequence exactly as :func:`rnncourse.rnn.rnn_backward`
does, but stops after every step and hands you a record of what happened there: which
gradient reached h_t from the output and which from the future, what flowed on to h_{t-1},
and what this step added to each parameter's gradient. Summing the records' contributions
gives ``rnn_backward``'s result (the tests check it).

Shapes: N sequences, T steps, D inputs, H hidden units.
"""

from typing import NamedTuple

import numpy as np

from .rnn import PARAM_SHAPES, _check_backward_inputs, rnn_step_backward


class BPTTStep(NamedTuple):
    """What happened at step t of the backward pass."""

    t: int  # array index of the step (x[:, t], h[:, t]): the equations' step t+1
    dh_out: np.ndarray  # (N, H) gradient reaching h_t from the output at step t
    dh_next: np.ndarray  # (N, H) gradient reaching h_t from the future, through h_{t+1}
    dh_t: np.ndarray  # (N, H) their sum: everything that reaches h_t
    dx_t: np.ndarray  # (N, D) gradient with respect to the input x_t
    dh_prev: np.ndarray  # (N, H) gradient sent on to h_{t-1} (the next record's dh_next)
    grads: dict  # this step's contribution to each parameter's gradient

    def norms(self):
        """Euclidean norms of every gradient in the record, as a dict of floats."""
        out = {
            name: float(np.linalg.norm(getattr(self, name)))
            for name in ("dh_out", "dh_next", "dh_t", "dx_t", "dh_prev")
        }
        out.update({f"d{key}": float(np.linalg.norm(g)) for key, g in self.grads.items()})
        return out


def bptt_steps(dh, cache):
    """Yield one :class:`BPTTStep` per time step, from t = T-1 down to 0.

    Inputs:
    - dh: gradient of the loss with respect to each h_t from the outputs, (N, T, H)
    - cache: the cache from :func:`rnncourse.rnn.rnn_forward`
    """
    dh = _check_backward_inputs(dh, cache)
    dh_next = np.zeros_like(dh[:, 0])  # nothing comes from beyond the last step
    for t in reversed(range(len(cache.steps))):
        dh_t = dh[:, t] + dh_next
        dx_t, dh_prev, grads = rnn_step_backward(dh_t, cache.steps[t])
        yield BPTTStep(t, dh[:, t], dh_next, dh_t, dx_t, dh_prev, grads)
        dh_next = dh_prev


def sum_contributions(records):
    """Add up the per-step parameter contributions of a list of :class:`BPTTStep`."""
    records = list(records)
    if not records:
        raise ValueError("records is empty: walk at least one step with bptt_steps first.")
    return {key: sum(r.grads[key] for r in records) for key in PARAM_SHAPES}
