"""Activation functions and their derivatives, written to be numerically stable.

Every function takes and returns numpy arrays and keeps the input's dtype. The derivative
of each cell activation is also available *from its output*, which is what backpropagation
through time uses: the cache stores ``h_t = act(a_t)`` and ``tanh'(a_t) = 1 - h_t**2``.
"""

import numpy as np


def sigmoid(z):
    """Logistic sigmoid ``1 / (1 + exp(-z))`` without overflow for any ``z``.

    For ``z >= 0`` it uses ``1 / (1 + exp(-z))``; for ``z < 0`` the equal form
    ``exp(z) / (1 + exp(z))``, so ``exp`` only ever sees non-positive numbers.
    """
    z = np.asarray(z)
    e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)


def sigmoid_grad(z):
    """Derivative of the sigmoid: ``s * (1 - s)`` with ``s = sigmoid(z)``. Largest value 0.25."""
    s = sigmoid(z)
    return s * (1 - s)


def tanh(z):
    """Hyperbolic tangent (numpy's ``np.tanh`` is already stable)."""
    return np.tanh(z)


def tanh_grad(z):
    """Derivative of tanh: ``1 - tanh(z)**2``. Largest value 1, at ``z = 0``."""
    return 1 - np.tanh(z) ** 2


def relu(z):
    """Rectified linear unit ``max(z, 0)``."""
    return np.maximum(z, 0)


def relu_grad(z):
    """Derivative of relu: 1 where ``z > 0``, else 0 (we take 0 at the kink ``z = 0``)."""
    z = np.asarray(z)
    return (z > 0).astype(z.dtype)


def identity(z):
    """The identity ``z``: a linear recurrence, useful to see gradients explode or vanish."""
    return z


def identity_grad(z):
    """Derivative of the identity: 1 everywhere."""
    return np.ones_like(z)


def softmax(z, axis=-1):
    """Softmax along ``axis``, shifted by the maximum so ``exp`` never overflows."""
    shifted = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(z, axis=-1):
    """``log(softmax(z))`` computed without taking the log of a tiny number."""
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


# Derivatives written in terms of the activation's *output* y = act(z). BPTT keeps the
# outputs h_t in its cache, so this saves storing the pre-activations.
def _tanh_grad_from_output(y):
    return 1 - y**2


def _sigmoid_grad_from_output(y):
    return y * (1 - y)


def _relu_grad_from_output(y):
    return (y > 0).astype(y.dtype)


def _identity_grad_from_output(y):
    return np.ones_like(y)


#: Name -> (function, derivative from the output). The cells accept these names.
CELL_ACTIVATIONS = {
    "tanh": (tanh, _tanh_grad_from_output),
    "sigmoid": (sigmoid, _sigmoid_grad_from_output),
    "relu": (relu, _relu_grad_from_output),
    "identity": (identity, _identity_grad_from_output),
}


def get_activation(name):
    """Return ``(act, act_grad_from_output)`` for one of :data:`CELL_ACTIVATIONS`."""
    if not isinstance(name, str):
        raise TypeError(f"activation must be a string, but got {type(name).__name__}.")
    if name not in CELL_ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(CELL_ACTIVATIONS)}, but got {name!r}.")
    return CELL_ACTIVATIONS[name]
