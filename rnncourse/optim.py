"""Optimisers: how a gradient becomes a change of the parameters.

Every optimiser has the same interface::

    opt = Adam(lr=1e-3)                 # hyperparameters go to the constructor
    opt.step(params, grads)             # changes the arrays in params in place

``params`` and ``grads`` are dicts with the same keys (``{"W_xh": ..., "W_hh": ..., ...}``),
as the cells' ``init_params`` and backward functions return them. An optimiser keeps its
running averages per parameter, under the parameter's key (``opt.state["W_hh"]``), so one
optimiser serves every parameter of a model. A parameter keeps its dtype: float32 stays
float32. With g the gradient, lr the learning rate and every operation element-wise:

- :class:`SGD`: ``p -= lr * g``.
- :class:`Momentum` (classical momentum, Polyak 1964): ``v = mu * v - lr * g; p += v``.
  With ``nesterov=True`` (Nesterov 1983): ``p += mu * v - lr * g`` with the new v. This is
  the reparameterisation of Bengio, Boulanger-Lewandowski and Pascanu (2013, "Advances in
  optimizing recurrent networks", their "simplified Nesterov momentum"), which PyTorch's
  ``torch.optim.SGD(..., nesterov=True)`` also computes: p is Sutskever et al.'s (2013)
  look-ahead point ``theta + mu * v``, so the gradient is taken at p itself and the points
  visited are the same as in Sutskever's form
  ``v = mu * v - lr * grad(theta + mu * v); theta += v``.
- :class:`Adagrad` (Duchi et al. 2011), as in Karpathy's min-char-rnn:
  ``G += g**2; p -= lr * g / sqrt(G + eps)``. Note ``eps`` is *inside* the square root
  here, as in min-char-rnn; PyTorch and Keras put it outside.
- :class:`RMSprop` (Hinton's lecture 6e, 2012): ``s = rho * s + (1 - rho) * g**2;
  p -= lr * g / (sqrt(s) + eps)``, rho = 0.9 as in Keras and in the lecture.
- :class:`Adam` (Kingma and Ba 2015): ``m = beta1 * m + (1 - beta1) * g``,
  ``v = beta2 * v + (1 - beta2) * g**2``, then the bias corrections
  ``m_hat = m / (1 - beta1**t)``, ``v_hat = v / (1 - beta2**t)`` with t = 1, 2, ... the number
  of updates so far, and ``p -= lr * m_hat / (sqrt(v_hat) + eps)``.

**L2 weight decay.** Every optimiser takes ``weight_decay`` (lambda, default 0). It adds
``lambda * p`` to the gradient of every *weight matrix*, a parameter with two or more axes
(W_xh, W_hh, W_hy, the LSTM's W_x and W_h, ...), before the update: the gradient of
``(lambda / 2) * sum(W**2)`` added to the loss. Biases (one axis: b_h, b_y, b) are never
decayed: they only shift activations and pulling them to zero does not make the model simpler
(for the LSTM's forget bias it would even undo a deliberate start at 1). For Adam this is the
"coupled" L2 penalty; AdamW (Loshchilov and Hutter 2019) instead shrinks the weights directly
and is not implemented here.
"""

from collections.abc import Mapping

import numpy as np

from ._validate import require_float_array, require_same_dtype

__all__ = ["SGD", "Momentum", "Adagrad", "RMSprop", "Adam", "OPTIMIZERS", "make_optimizer"]


def _number(name, value):
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name} must be a number, but got {type(value).__name__}.")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number, but got {value}.")
    return value


def _positive(name, value):
    """A learning rate or an eps: a number > 0."""
    value = _number(name, value)
    if value <= 0:
        raise ValueError(f"{name} must be greater than 0, but got {value}.")
    return value


def _nonnegative(name, value):
    value = _number(name, value)
    if value < 0:
        raise ValueError(f"{name} must be 0 or greater, but got {value}.")
    return value


def _decay_rate(name, value):
    """A momentum or a forgetting factor (rho, beta1, beta2): 0 <= value < 1."""
    value = _number(name, value)
    if not 0 <= value < 1:
        raise ValueError(f"{name} must be in [0, 1), but got {value}.")
    return value


def _decays(p):
    """L2 weight decay applies to weight matrices (2 or more axes), never to biases."""
    return p.ndim >= 2


class Optimizer:
    """The shared interface: ``step(params, grads)``; subclasses write ``_update``."""

    def __init__(self, lr, weight_decay=0.0):
        self.lr = _positive("lr", lr)
        self.weight_decay = _nonnegative("weight_decay", weight_decay)
        self.state = {}  # key -> dict of arrays (and counters) for that parameter

    def step(self, params, grads):
        """Update every array of ``params`` in place, using the gradient under the same key.

        Inputs:
        - params: dict name -> float array (any shapes), changed in place
        - grads: dict with the same keys, each array shaped and typed like its parameter

        Returns None.
        """
        self._check(params, grads)
        for key, p in params.items():
            g = grads[key]
            if self.weight_decay and _decays(p):
                g = g + self.weight_decay * p  # gradient of (lambda/2) * sum(p**2)
            self._update(key, p, g, self._state_for(key, p))

    def reset(self):
        """Forget all running averages and step counts (start as if new)."""
        self.state = {}

    def _state_for(self, key, p):
        state = self.state.get(key)
        if state is None:
            state = self.state[key] = self._new_state(p)
        for value in state.values():
            if isinstance(value, np.ndarray) and value.shape != p.shape:
                raise ValueError(
                    f"params[{key!r}] has shape {p.shape}, but this optimiser's state for "
                    f"{key!r} has shape {value.shape}: make a new optimiser (or call reset()) "
                    "for new parameters."
                )
        return state

    def _new_state(self, p):
        return {}

    def _update(self, key, p, g, state):
        raise NotImplementedError

    @staticmethod
    def _check(params, grads):
        for name, d in (("params", params), ("grads", grads)):
            if not isinstance(d, Mapping):
                raise TypeError(
                    f"{name} must be a dict of arrays (name -> array), but got {type(d).__name__}."
                )
        missing = [k for k in params if k not in grads]
        extra = [k for k in grads if k not in params]
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"no gradient for {', '.join(repr(k) for k in missing)}")
            if extra:
                parts.append(f"no parameter for {', '.join(repr(k) for k in extra)}")
            raise ValueError(
                f"params and grads must have the same keys: {'; '.join(parts)}. "
                "Pass the grads dict the backward pass returned for these params."
            )
        for key, p in params.items():
            require_float_array(f"params[{key!r}]", p)
            g = require_float_array(f"grads[{key!r}]", grads[key])
            if g.shape != p.shape:
                raise ValueError(
                    f"grads[{key!r}] has shape {g.shape}, but params[{key!r}] has shape "
                    f"{p.shape}: a gradient has the shape of its parameter."
                )
            require_same_dtype(f"params[{key!r}]", p, **{f"grads[{key!r}]": g})

    def _hyper(self):
        return {}

    def __repr__(self):
        args = {"lr": self.lr, **self._hyper()}
        if self.weight_decay:
            args["weight_decay"] = self.weight_decay
        text = ", ".join(
            f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in args.items()
        )
        return f"{type(self).__name__}({text})"


class SGD(Optimizer):
    """Plain stochastic gradient descent: ``p -= lr * g``."""

    def _update(self, key, p, g, state):
        p -= self.lr * g


class Momentum(Optimizer):
    """SGD with classical momentum ``mu`` (default 0.9), optionally Nesterov's.

    ``v = mu * v - lr * g``, then ``p += v`` (classical) or ``p += mu * v - lr * g``
    (``nesterov=True``, Bengio et al.'s 2013 form of Nesterov's momentum, as in PyTorch; p
    is then the look-ahead point). The velocity v starts at zero.
    """

    def __init__(self, lr, momentum=0.9, nesterov=False, weight_decay=0.0):
        super().__init__(lr, weight_decay)
        self.momentum = _decay_rate("momentum", momentum)
        self.nesterov = bool(nesterov)

    def _new_state(self, p):
        return {"v": np.zeros_like(p)}

    def _update(self, key, p, g, state):
        v = state["v"]
        v *= self.momentum
        v -= self.lr * g  # v = mu * v - lr * g
        if self.nesterov:
            p += self.momentum * v - self.lr * g  # p is the look-ahead point theta + mu * v
        else:
            p += v

    def _hyper(self):
        return {"momentum": self.momentum, "nesterov": self.nesterov}


class Adagrad(Optimizer):
    """Adagrad as in min-char-rnn: ``G += g**2; p -= lr * g / sqrt(G + eps)``.

    Each entry gets its own step size, which only ever shrinks as squared gradients add up.
    """

    def __init__(self, lr, eps=1e-8, weight_decay=0.0):
        super().__init__(lr, weight_decay)
        self.eps = _positive("eps", eps)

    def _new_state(self, p):
        return {"G": np.zeros_like(p)}

    def _update(self, key, p, g, state):
        G = state["G"]
        G += g * g  # sum of squared gradients so far
        p -= self.lr * g / np.sqrt(G + self.eps)

    def _hyper(self):
        return {"eps": self.eps}


class RMSprop(Optimizer):
    """RMSprop: ``s = rho * s + (1 - rho) * g**2; p -= lr * g / (sqrt(s) + eps)``.

    Like Adagrad, but the squared gradients are averaged with exponential forgetting
    (rho = 0.9 keeps roughly the last 10 steps), so the step size does not die out.
    """

    def __init__(self, lr, rho=0.9, eps=1e-8, weight_decay=0.0):
        super().__init__(lr, weight_decay)
        self.rho = _decay_rate("rho", rho)
        self.eps = _positive("eps", eps)

    def _new_state(self, p):
        return {"s": np.zeros_like(p)}

    def _update(self, key, p, g, state):
        s = state["s"]
        s *= self.rho
        s += (1 - self.rho) * g * g  # running mean of g**2
        p -= self.lr * g / (np.sqrt(s) + self.eps)

    def _hyper(self):
        return {"rho": self.rho, "eps": self.eps}


class Adam(Optimizer):
    """Adam (Kingma and Ba 2015): momentum on g and RMSprop's scaling, bias-corrected.

    ``m = beta1 * m + (1 - beta1) * g`` and ``v = beta2 * v + (1 - beta2) * g**2`` start at
    zero, so early on they are too small; dividing by ``1 - beta**t`` (t = 1 at the first
    update) corrects that: ``p -= lr * m_hat / (sqrt(v_hat) + eps)``. Each parameter counts
    its own updates (``opt.state[key]["t"]``).
    """

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
        super().__init__(lr, weight_decay)
        self.beta1 = _decay_rate("beta1", beta1)
        self.beta2 = _decay_rate("beta2", beta2)
        self.eps = _positive("eps", eps)

    def _new_state(self, p):
        return {"m": np.zeros_like(p), "v": np.zeros_like(p), "t": 0}

    def _update(self, key, p, g, state):
        state["t"] += 1
        t, m, v = state["t"], state["m"], state["v"]
        m *= self.beta1
        m += (1 - self.beta1) * g  # running mean of g
        v *= self.beta2
        v += (1 - self.beta2) * g * g  # running mean of g**2
        m_hat = m / (1 - self.beta1**t)  # bias correction: m and v started at zero
        v_hat = v / (1 - self.beta2**t)
        p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)

    def _hyper(self):
        return {"beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}


#: The optimisers by name, for :func:`make_optimizer`.
OPTIMIZERS = {
    "sgd": SGD,
    "momentum": Momentum,
    "adagrad": Adagrad,
    "rmsprop": RMSprop,
    "adam": Adam,
}


def make_optimizer(name, lr, **hyperparameters):
    """An optimiser by name (a key of :data:`OPTIMIZERS`), e.g. ``make_optimizer("adam", 1e-2)``."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimiser {name!r}; choose one of {sorted(OPTIMIZERS)}.")
    return OPTIMIZERS[name](lr, **hyperparameters)
