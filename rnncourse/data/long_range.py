"""Three classic tests of long-range memory: the adding problem, the copy task, embedded Reber.

Each task is easy to state, and each needs the network to keep one piece of information
for many steps while ignoring everything else. Shapes use the course's letters: N
sequences, T time steps, D input features, V symbols. Every generator takes a
``numpy.random.Generator`` (``np.random.default_rng(seed)``), so a fixed seed gives the same
data; the order of the random draws is part of each docstring. Arrays are batch-major.

1. **The adding problem** (Hochreiter and Schmidhuber 1997, in the variant of Arjovsky,
   Shah and Bengio 2016). Two input channels: random values and a marker that is 1 at
   exactly two steps, one in each half of the sequence. The target is the sum of the two
   marked values, read out after the last step.
2. **The copy task** (delayed recall, in the form of Arjovsky et al. 2016; Hochreiter and
   Schmidhuber 1997 recalled a single symbol): S symbols, then ``lag`` blanks, then a
   delimiter; then the network must write the S symbols back, in order.
3. **The embedded Reber grammar** (Reber 1967; used by Hochreiter and Schmidhuber 1997):
   strings such as ``BTBPVVETE``. At every step the task is to predict the set of symbols
   the grammar allows next. The second symbol (T or P) must be repeated as the second-last,
   after a whole inner string in between.
"""

from typing import NamedTuple

import numpy as np

from .._validate import require_positive_int

__all__ = [
    "ADDING_BASELINE_MSE",
    "REBER_GRAPH",
    "REBER_SYMBOLS",
    "CopyBatch",
    "ReberBatch",
    "adding_problem",
    "adding_baseline_mse",
    "copy_task",
    "embedded_reber_batch",
    "embedded_reber_string",
    "reber_next_symbols",
    "reber_string",
]


def _require_rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            "rng must be a numpy Generator, e.g. np.random.default_rng(0), "
            f"but got {type(rng).__name__}."
        )
    return rng


# ---------------------------------------------------------------- the adding problem

#: The mean squared error of always predicting 1.0, the mean of the target: the variance of
#: the sum of two independent U[0, 1] values, 2 * (1/12) = 1/6. A model must go below it to
#: have learnt anything about the marked values.
ADDING_BASELINE_MSE = 1.0 / 6.0


def adding_problem(N, T, rng, dtype=np.float64):
    """N sequences of the adding problem, each T steps long.

    Input channel 0 holds a value drawn uniformly from [0, 1) at every step. Channel 1 is a
    marker: 0 everywhere except exactly two steps, where it is 1. The first marked step is
    uniform in the first half, ``0 <= t < T // 2``; the second uniform in the second half,
    ``T // 2 <= t < T`` (for odd T the second half is one step longer). The target is the sum
    of the two marked values, in [0, 2).

    The random draws, in this order: ``values = rng.random((N, T))``, then
    ``first = rng.integers(0, T // 2, size=N)``, then ``second = rng.integers(T // 2, T,
    size=N)``.

    Inputs:
    - N: number of sequences
    - T: steps per sequence, at least 2
    - rng: a ``numpy.random.Generator``
    - dtype: float dtype of both arrays

    Returns:
    - x: (N, T, 2), ``x[:, :, 0]`` the values and ``x[:, :, 1]`` the markers
    - y: (N, 1), the sum of the two marked values of each sequence
    """
    N = require_positive_int("N", N)
    T = require_positive_int("T", T, minimum=2)
    _require_rng(rng)
    values = rng.random((N, T))
    first = rng.integers(0, T // 2, size=N)  # a step in the first half
    second = rng.integers(T // 2, T, size=N)  # a step in the second half
    rows = np.arange(N)
    markers = np.zeros((N, T))
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = np.stack([values, markers], axis=2)  # 2 x (N, T) -> (N, T, 2)
    y = (values[rows, first] + values[rows, second])[:, None]  # (N,) -> (N, 1)
    return x.astype(dtype), y.astype(dtype)


def adding_baseline_mse(y):
    """The MSE of the best constant prediction for targets y (N, 1): their variance.

    For the adding problem this tends to :data:`ADDING_BASELINE_MSE` = 1/6 as N grows; the
    best constant is the mean of y, close to 1.0.
    """
    y = np.asarray(y, dtype=np.float64)
    return float(np.mean((y - y.mean()) ** 2))


# ---------------------------------------------------------------- the copy task


class CopyBatch(NamedTuple):
    """A batch of the copy task (see :func:`copy_task` for the layout)."""

    x: np.ndarray  # (N, T, V + 2) one-hot inputs
    y: np.ndarray  # (N, T) int64 targets: the symbols at the recall steps, V (blank) elsewhere
    mask: np.ndarray  # (N, T) bool: True at the S recall steps, the only steps that count


def copy_task(N, n_symbols, lag, rng, vocab=8, dtype=np.float64):
    """N sequences of the copy (delayed recall) task.

    Symbols are the integers ``0 .. V-1`` (``V = vocab``); two more input codes mark the
    structure: ``V`` is the blank and ``V + 1`` the delimiter. With ``S = n_symbols`` every
    sequence is ``T = 2S + lag + 1`` steps long::

        step:    0 .. S-1     S .. S+lag-1    S+lag       S+lag+1 .. T-1
        input:   s_1 .. s_S   blank ...       delimiter   blank ...
        target:  (not counted)                            s_1 .. s_S

    The network must output symbol ``s_i`` at step ``S + lag + i``, i.e. ``S + lag + 1``
    steps after it read it: the larger the lag, the longer it must remember. Only the
    last S steps count (``mask``); the other targets are set to the blank ``V``, so a model
    with V + 1 output classes can also be trained to output blanks there.

    The random draws: ``symbols = rng.integers(0, V, size=(N, S))``, nothing else.

    Inputs:
    - N: number of sequences
    - n_symbols: S, the number of symbols to remember
    - lag: blanks between the last symbol and the delimiter, 0 or more
    - rng: a ``numpy.random.Generator``
    - vocab: V, the number of different symbols (default 8, as in Arjovsky et al. 2016)
    - dtype: float dtype of x

    Returns a :class:`CopyBatch` ``(x, y, mask)``: x (N, T, V + 2) one-hot, y (N, T) int64
    in ``[0, V]``, mask (N, T) bool.
    """
    N = require_positive_int("N", N)
    S = require_positive_int("n_symbols", n_symbols)
    lag = require_positive_int("lag", lag, minimum=0)
    V = require_positive_int("vocab", vocab)
    _require_rng(rng)
    blank, delimiter = V, V + 1
    T = 2 * S + lag + 1
    symbols = rng.integers(0, V, size=(N, S))
    codes = np.full((N, T), blank, dtype=np.int64)  # the input code of every step
    codes[:, :S] = symbols
    codes[:, S + lag] = delimiter
    x = np.eye(V + 2, dtype=dtype)[codes]  # (N, T) -> (N, T, V + 2) one-hot
    y = np.full((N, T), blank, dtype=np.int64)
    y[:, T - S :] = symbols  # recall the symbols after the delimiter
    mask = np.zeros((N, T), dtype=bool)
    mask[:, T - S :] = True
    return CopyBatch(x, y, mask)


# ---------------------------------------------------------------- the embedded Reber grammar

#: The alphabet, in the order of the one-hot columns.
REBER_SYMBOLS = "BTPSXVE"

#: Reber's grammar as a graph: state -> the (symbol, next state) pairs allowed there. A
#: string starts with B in state 0 and ends with E, which leads to the final state 6.
#: Every state but 5 offers two symbols; the generator picks each with probability 1/2.
REBER_GRAPH = {
    0: (("B", 1),),
    1: (("T", 2), ("P", 3)),
    2: (("S", 2), ("X", 4)),  # the S loop
    3: (("T", 3), ("V", 5)),  # the T loop
    4: (("X", 3), ("S", 6)),
    5: (("P", 4), ("V", 6)),
    6: (("E", None),),
}


def reber_string(rng, max_length=None):
    """One string of Reber's grammar, e.g. ``"BTSSXXTVVE"``, by a random walk on REBER_GRAPH.

    At each state one of the allowed symbols is drawn with equal probability
    (``rng.integers(0, 2)`` where there are two). With ``max_length``, walks are drawn again
    until one is at most that long.
    """
    _require_rng(rng)
    if max_length is not None:
        require_positive_int("max_length", max_length, minimum=5)  # BTXSE is the shortest
    while True:
        state, out = 0, []
        while state is not None:
            edges = REBER_GRAPH[state]
            symbol, state = edges[int(rng.integers(0, len(edges)))] if len(edges) > 1 else edges[0]
            out.append(symbol)
        if max_length is None or len(out) <= max_length:
            return "".join(out)


def embedded_reber_string(rng, max_length=None):
    """One string of the embedded Reber grammar: ``"B" + c + inner + c + "E"``.

    ``c`` is T or P with equal probability (drawn first, ``rng.integers(0, 2)``), and
    ``inner`` a string of Reber's grammar (:func:`reber_string`). The second symbol and the
    second-last are the same: to predict the second-last, a network must remember the
    second across the whole inner string. ``max_length`` limits the total length.
    """
    _require_rng(rng)
    if max_length is not None:
        require_positive_int("max_length", max_length, minimum=9)  # BTBTXSETE is the shortest
    c = "TP"[int(rng.integers(0, 2))]
    inner = reber_string(rng, None if max_length is None else max_length - 4)
    return f"B{c}{inner}{c}E"


def _inner_next(prefix):
    """The symbols allowed after ``prefix`` of a Reber string (walking REBER_GRAPH)."""
    state = 0
    for symbol in prefix:
        moves = dict(REBER_GRAPH[state])
        if symbol not in moves:
            raise ValueError(f"{prefix!r} is not a prefix of a Reber string (at {symbol!r}).")
        state = moves[symbol]
    return set() if state is None else {symbol for symbol, _ in REBER_GRAPH[state]}


def reber_next_symbols(string, embedded=True):
    """The set of symbols allowed after each prefix of ``string``.

    Returns a list of ``len(string)`` sets: entry t holds the symbols the grammar allows at
    position t + 1, having read ``string[: t + 1]``. The last entry is empty (nothing may
    follow the final E). For an embedded string: after B either T or P; inside, the inner
    grammar's choices; after the inner E only the *same* second symbol; then E.
    Raises ValueError if ``string`` is not (a string of) the grammar.
    """
    if not isinstance(string, str):
        raise TypeError(f"string must be a str, but got {type(string).__name__}.")
    if not embedded:
        sets = [_inner_next(string[: t + 1]) for t in range(len(string))]
        if sets and sets[-1]:
            raise ValueError(f"{string!r} is not a whole Reber string: it must end with E.")
        return sets
    if len(string) < 9 or string[0] != "B" or string[1] not in "TP" or string[-1] != "E":
        raise ValueError(
            f"{string!r} is not an embedded Reber string (B, then T or P, an inner string, "
            "the same T or P, and E)."
        )
    c, inner = string[1], string[2:-2]
    if string[-2] != c:
        raise ValueError(f"{string!r}: the second-last symbol must repeat the second, {c!r}.")
    sets = [{"T", "P"}, {"B"}]  # after B: T or P; after T or P: the inner B
    sets += reber_next_symbols(inner, embedded=False)[:-1]  # inside the inner string
    sets += [{c}, {"E"}, set()]  # after the inner E: the same c; then E; then nothing
    return sets


class ReberBatch(NamedTuple):
    """A batch of embedded Reber strings (see :func:`embedded_reber_batch`)."""

    x: np.ndarray  # (N, T, 7) one-hot inputs: each string without its final E, zero-padded
    y: np.ndarray  # (N, T, 7) 0/1: the symbols allowed next, after each input symbol
    mask: np.ndarray  # (N, T) bool: True at the steps of a real symbol (not padding)
    strings: list  # the N strings


def embedded_reber_batch(N, rng, max_length=None, dtype=np.float64):
    """N embedded Reber strings, encoded for next-symbol prediction.

    String n is ``L_n`` symbols long; its first ``L_n - 1`` symbols are the inputs and the
    target at step t is the 0/1 vector of the symbols allowed at position t + 1
    (:func:`reber_next_symbols`), in the column order of :data:`REBER_SYMBOLS`. T is the
    longest ``L_n - 1``; shorter strings are padded with zero inputs and ``mask`` False. The
    long-range step of string n is ``t = L_n - 3``: after the inner E, only the second
    symbol may follow.

    The strings are drawn one after the other with :func:`embedded_reber_string`.

    Returns a :class:`ReberBatch` ``(x, y, mask, strings)``.
    """
    N = require_positive_int("N", N)
    _require_rng(rng)
    strings = [embedded_reber_string(rng, max_length) for _ in range(N)]
    T = max(len(s) for s in strings) - 1
    K = len(REBER_SYMBOLS)
    index = {symbol: k for k, symbol in enumerate(REBER_SYMBOLS)}
    x = np.zeros((N, T, K), dtype=dtype)
    y = np.zeros((N, T, K), dtype=dtype)
    mask = np.zeros((N, T), dtype=bool)
    for n, string in enumerate(strings):
        allowed = reber_next_symbols(string)
        for t, symbol in enumerate(string[:-1]):
            x[n, t, index[symbol]] = 1.0
            y[n, t, [index[s] for s in allowed[t]]] = 1.0
            mask[n, t] = True
    return ReberBatch(x, y, mask, strings)
