"""Exercise checkers: does the learner's function give the package's answer?

In an exercise notebook::

    from rnncourse import check

    def rnn_step_forward(x_t, h_prev, params, activation="tanh"):
        ...  # the learner's code

    check.rnn_step_forward(rnn_step_forward)

Each checker runs the function on fixed float64 problems, compares with the package's own
implementation, and returns a :class:`CheckResult`: truthy only when the answer is right
(``assert check.rnn_step_forward(fn)`` works for autograding), shown as a green box, or as
an amber box naming the likely mistake. A checker never raises, whatever the function does.

New chapters add checkers with the helpers in :mod:`rnncourse.check._harness`.
"""

from ._attention import additive_score, luong_general_score, masked_context
from ._charlm import perplexity, sample_with_temperature
from ._decoder import decoder_step
from ._deep import bidirectional_forward, lstm_param_count
from ._forecast import sliding_windows, split_and_scale
from ._frameworks import params_from_state_dict
from ._gradcheck import numerical_gradient
from ._gradients import clip_by_global_norm, gradient_norms_per_step
from ._gru import gru_step_backward, gru_step_forward
from ._long_range import adding_problem
from ._lstm import lstm_step_backward, lstm_step_forward
from ._lstm_sequence import lstm_backward, lstm_forward
from ._result import CheckResult
from ._rnn import rnn_forward, rnn_step_forward
from ._rnn_backward import rnn_backward, rnn_step_backward
from ._training import adam_step, variational_dropout_backward, variational_dropout_forward
from ._trainloop import train_char_rnn

__all__ = [
    "CheckResult",
    "additive_score",
    "adam_step",
    "adding_problem",
    "bidirectional_forward",
    "decoder_step",
    "clip_by_global_norm",
    "gradient_norms_per_step",
    "gru_step_backward",
    "gru_step_forward",
    "lstm_backward",
    "lstm_forward",
    "lstm_param_count",
    "lstm_step_backward",
    "lstm_step_forward",
    "luong_general_score",
    "masked_context",
    "numerical_gradient",
    "params_from_state_dict",
    "perplexity",
    "rnn_backward",
    "rnn_forward",
    "rnn_step_backward",
    "rnn_step_forward",
    "sample_with_temperature",
    "sliding_windows",
    "split_and_scale",
    "train_char_rnn",
    "variational_dropout_backward",
    "variational_dropout_forward",
]
