"""rnncourse: recurrent neural networks and backpropagation through time, in numpy.

The core (cells, losses, initialisation, gradient checking) depends on numpy only.
Plots and widgets live in :mod:`rnncourse.viz`, imported only by what needs them.

Dimension letters used everywhere: N batch size, T time steps, D input features,
H hidden units, V vocabulary size (or K output size).
"""

from . import (
    activations,
    bptt,
    clipping,
    deep,
    dropout,
    gradcheck,
    gradients,
    gru,
    init,
    layers,
    losses,
    lstm,
    optim,
    rnn,
    train,
)

__version__ = "0.1.0"

__all__ = [
    "activations",
    "bptt",
    "clipping",
    "deep",
    "dropout",
    "gradcheck",
    "gradients",
    "gru",
    "init",
    "layers",
    "losses",
    "lstm",
    "optim",
    "rnn",
    "train",
]
