"""Input checks for :mod:`rnncourse.deep`: cells and their options, states, and the lists of
per-layer params and states. Messages name the argument (``layer_params[1][0]``), say what
was expected in the course's dimension letters and what arrived, like :mod:`._validate`.
"""

from contextlib import contextmanager

import numpy as np

from . import gru, lstm, rnn
from ._validate import require_float_array, require_params, require_shape

#: The cells :mod:`rnncourse.deep` runs.
CELLS = ("rnn", "lstm", "gru")

#: The keyword options each cell's forward function takes.
OPTIONS = {"rnn": ("activation",), "lstm": (), "gru": ("reset_after",)}

PARAM_SHAPES = {"rnn": rnn.PARAM_SHAPES, "lstm": lstm.PARAM_SHAPES, "gru": gru.PARAM_SHAPES}
CACHES = {"rnn": rnn.RNNCache, "lstm": lstm.LSTMCache, "gru": gru.GRUCache}
LABELS = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}


@contextmanager
def naming(where):
    """Say where an error comes from: prefix any TypeError or ValueError with ``where``."""
    try:
        yield
    except (TypeError, ValueError) as err:
        raise type(err)(f"{where}: {err}") from err


def _describe(obj):
    if isinstance(obj, np.ndarray):
        return f"an array of shape {obj.shape}"
    if isinstance(obj, list | tuple):
        return f"a {type(obj).__name__} of length {len(obj)}"
    return f"a {type(obj).__name__}"


def check_cell(cell):
    if not isinstance(cell, str) or cell not in CELLS:
        raise ValueError(f"cell must be one of 'rnn', 'lstm', 'gru', but got {cell!r}.")


def check_options(cell, options):
    """Only the options the cell knows: activation for "rnn", reset_after for "gru"."""
    for key in options:
        if key not in OPTIONS[cell]:
            takes = f"only {', '.join(OPTIONS[cell])}" if OPTIONS[cell] else "no options"
            raise TypeError(f"cell={cell!r} takes {takes}, but got the option {key}=.")


def check_cache(cell, cache):
    """``cache`` must be the cell's own sequence cache; return it."""
    expected = CACHES[cell]
    if not isinstance(cache, expected):
        raise TypeError(
            f"cache must be the {expected.__name__} that cell_forward returns for "
            f"cell={cell!r}, but got {type(cache).__name__}."
        )
    return cache


def check_state(name, cell, state, shape=None, why="(N from x, H from the layer's params)"):
    """A state is one array h for "rnn" and "gru", a pair (h, c) for "lstm".

    With ``shape`` = (N, H), also check every array's shape; ``why`` says where it comes from.
    """
    if cell == "lstm":
        if not isinstance(state, list | tuple) or len(state) != 2:
            raise TypeError(
                f"{name} must be a pair (h, c) of two (N, H) arrays for the LSTM, "
                f"but got {_describe(state)}."
            )
        parts = {f"{name}[0]": state[0], f"{name}[1]": state[1]}
    else:
        if isinstance(state, list | tuple):
            raise TypeError(
                f"{name} must be one array h (N, H) for cell={cell!r} (only the LSTM's state "
                f"is a pair (h, c)), but got {_describe(state)}."
            )
        parts = {name: state}
    for part, a in parts.items():
        require_float_array(part, a)
        if shape is not None:
            require_shape(part, a, shape, "(N, H)", why)


def check_final_gradients(cell, shape, **dstates):
    """Optional gradients of final states, by name; None means zero."""
    for name, dstate in dstates.items():
        if dstate is not None:
            check_state(name, cell, dstate, shape, "(the shape of the final state)")


def param_sizes(cell, params, name):
    """Check one cell's params; return (D, H). Errors start with ``name``."""
    with naming(name):
        sizes = require_params(params, PARAM_SHAPES[cell], LABELS[cell])
    return sizes["D"], sizes["H"]


def check_two_directions(cell, params_fwd, params_bwd, names=("params_fwd", "params_bwd")):
    """Both directions read the same x and are put side by side: same D and H. Return them."""
    D_fwd, H_fwd = param_sizes(cell, params_fwd, names[0])
    D_bwd, H_bwd = param_sizes(cell, params_bwd, names[1])
    if (D_fwd, H_fwd) != (D_bwd, H_bwd):
        raise ValueError(
            f"{names[0]} has D={D_fwd}, H={H_fwd} but {names[1]} has D={D_bwd}, H={H_bwd}: "
            "both directions read the same x and give outputs of one width, so they need "
            "the same D and H."
        )
    return D_fwd, H_fwd


def check_pairs(name, items, L, bidirectional, what):
    """``items`` is a list of L entries (any L >= 1 if L is None), pairs when bidirectional."""
    if not isinstance(items, list | tuple):
        raise TypeError(
            f"{name} must be a list of {what}, one per layer, but got {_describe(items)}."
        )
    if L is None and len(items) == 0:
        raise ValueError(f"{name} is empty: a stack needs at least one layer.")
    if L is not None and len(items) != L:
        raise ValueError(
            f"{name} has {len(items)} entr{'y' if len(items) == 1 else 'ies'}, but the stack "
            f"has L={L} layers (one per entry of layer_params): give one per layer, bottom first."
        )
    if bidirectional:
        for layer, item in enumerate(items):
            if not isinstance(item, list | tuple) or len(item) != 2:
                raise TypeError(
                    f"{name}[{layer}] must be a pair (forward, backward) because "
                    f"bidirectional=True, but got {_describe(item)}."
                )


def check_bidirectional(bidirectional):
    if not isinstance(bidirectional, bool | np.bool_):
        raise TypeError(f"bidirectional must be True or False, but got {bidirectional!r}.")


def check_layer_states(name, cell, states, shapes, bidirectional, gradients=False):
    """A list of one state per layer (a (fwd, bwd) pair of them if bidirectional), layer l's
    arrays shaped ``shapes[l]`` = (N, H). For ``gradients`` of final states, any may be None."""
    what = "state gradients" if gradients else "initial states"
    why = "(the shape of the final state)" if gradients else "(N from x, H from the layer's params)"
    check_pairs(name, states, len(shapes), bidirectional, what)
    for layer, shape in enumerate(shapes):
        entry = states[layer] if bidirectional else [states[layer]]
        for d, state in enumerate(entry):
            if not (gradients and state is None):
                where = f"{name}[{layer}]" + (f"[{d}]" if bidirectional else "")
                check_state(where, cell, state, shape, why)


def final_shapes(cell, states_final, bidirectional):
    """The shape (N, H) of every layer's final state, from a StackedCache's states_final."""
    firsts = [layer[0] if bidirectional else layer for layer in states_final]
    return [(state[0] if cell == "lstm" else state).shape for state in firsts]


def check_layer_params(cell, layer_params, bidirectional):
    """Check a stack's params, layer l+1's D against layer l's output width; return every H."""
    check_bidirectional(bidirectional)
    check_pairs("layer_params", layer_params, None, bidirectional, "params dicts")
    directions = 2 if bidirectional else 1
    first_key = next(iter(PARAM_SHAPES[cell]))  # W_xh or W_x: (D, ...)
    hidden, width_below = [], None
    for layer, entry in enumerate(layer_params):
        name = f"layer_params[{layer}]"
        if bidirectional:
            D, H = check_two_directions(cell, *entry, names=(f"{name}[0]", f"{name}[1]"))
        elif isinstance(entry, list | tuple) and len(entry) == 2:
            raise TypeError(
                f"{name} must be a params dict, but got a pair: pass bidirectional=True for "
                "layers of (params_fwd, params_bwd) pairs."
            )
        else:
            D, H = param_sizes(cell, entry, name)
        if width_below is not None and D != width_below:
            if bidirectional:
                whose = f"both directions' {first_key} have {D} rows"
                sides = " (2H: the two directions side by side)"
            else:
                whose, sides = f"{first_key} has {D} rows", ""
            raise ValueError(
                f"{name} reads D={D} features ({whose}), but layer {layer - 1} outputs "
                f"{width_below}{sides}: layer {layer}'s {first_key} needs {width_below} rows."
            )
        width_below = directions * H  # what the next layer reads
        hidden.append(H)
    return hidden


def zero_state(cell, N, H, dtype, bidirectional):
    """An all-zero initial state (a (fwd, bwd) pair of them when bidirectional)."""

    def one():
        h = np.zeros((N, H), dtype=dtype)
        return (h, np.zeros_like(h)) if cell == "lstm" else h

    return (one(), one()) if bidirectional else one()
