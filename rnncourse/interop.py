"""Move weights between rnncourse's cells and PyTorch's ``nn.RNN``, ``nn.LSTM`` and ``nn.GRU``.

Shapes use the course's letters: D input features, H hidden units. PyTorch writes the cell
with column vectors, ``h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)``, so its matrices
are the transposes of ours, and it keeps two biases where one would do (only their sum
matters, except in the GRU). Gate blocks are stacked in PyTorch's order in both libraries::

    cell  ours                                   PyTorch (layer 0, forward direction)
    rnn   W_xh (D, H)   W_hh (H, H)   b_h (H,)   weight_ih_l0.T  weight_hh_l0.T
                                                 bias_ih_l0 + bias_hh_l0
    lstm  W_x (D, 4H)   W_h (H, 4H)   b (4H,)    the same three; blocks i, f, g, o
    gru   W_x (D, 3H)   W_h (H, 3H)              weight_ih_l0.T  weight_hh_l0.T
          b_x (3H,)     b_h (3H,)                bias_ih_l0      bias_hh_l0; blocks r, z, n

The GRU keeps both biases because ``b_h``'s n block sits inside the reset gate,
``n = tanh(x W_xn + b_xn + r * (h_prev W_hn + b_hn))``, and PyTorch's new state is
``h_t = (1 - z) * n + z * h_prev``.

Stacks of layers and bidirectional modules use the layout of :mod:`rnncourse.deep`: a list
of L params dicts, bottom layer first, or of L pairs ``(params_fwd, params_bwd)`` when
bidirectional; ``layer_params[l][d]`` holds PyTorch's keys ending in ``_l{l}`` (d = 0) or
``_l{l}_reverse`` (d = 1). PyTorch's states h_0, h_n (and c_0, c_n) are (K, N, H) arrays with
K = L * directions and row ``k = l * directions + d``; rnncourse.deep keeps a list of L
states, or of L (fwd, bwd) pairs.

Three layers of functions:

- :func:`params_from_state_dict` and :func:`state_dict_from_params` convert one layer and
  direction, on plain dicts of numpy arrays with PyTorch's key names (``weight_ih_l1_reverse``
  is layer 1, direction 1), so they need numpy only.
- :func:`layer_params_from_state_dict` and :func:`state_dict_from_layer_params` convert a
  whole state_dict, every layer and direction, to and from rnncourse.deep's layout;
  :func:`layer_states_from_torch` and :func:`torch_states_from_layer_states` do the same for
  states and their gradients. Numpy only too.
- :func:`params_from_torch` and :func:`params_to_torch` read and write a module with any
  ``num_layers`` and ``bidirectional``, created with ``batch_first=True`` (rnncourse is
  batch-major: x is (N, T, D)). ``params_to_torch`` imports torch when it is called;
  importing this module never does.
"""

import re
from collections.abc import Mapping

import numpy as np

from . import gru, lstm, rnn
from ._deep_checks import check_bidirectional, check_layer_params, check_pairs, check_state
from ._validate import (
    require_finite,
    require_float_array,
    require_params,
    require_positive_int,
)

#: Our parameter names and shapes for each cell (from the cell modules), in the order
#: weight_ih, weight_hh, biases.
PARAM_SHAPES = {"rnn": rnn.PARAM_SHAPES, "lstm": lstm.PARAM_SHAPES, "gru": gru.PARAM_SHAPES}

#: How many gate blocks are stacked in each cell's matrices.
GATES = {"rnn": 1, "lstm": 4, "gru": 3}

_LABELS = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}

#: ``module.mode`` of PyTorch's recurrent modules -> our cell name.
_MODES = {"RNN_TANH": "rnn", "RNN_RELU": "rnn", "LSTM": "lstm", "GRU": "gru"}


def torch_names(layer=0, direction=0):
    """PyTorch's state_dict keys for one layer and direction (0 forward, 1 reverse).

    Returns a dict with the keys ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``,
    e.g. ``torch_names(1, 1)["weight_ih"] == "weight_ih_l1_reverse"``.
    """
    layer = require_positive_int("layer", layer, minimum=0)
    if isinstance(direction, bool) or direction not in (0, 1):
        raise ValueError(
            f"direction must be 0 (forward) or 1 (reverse, PyTorch's '_reverse' keys), "
            f"but got {direction!r}."
        )
    suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
    return {kind: kind + suffix for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}


def param_shapes(cell, D, H):
    """Our parameter shapes for ``cell`` with D inputs and H hidden units, as a dict.

    >>> param_shapes("lstm", 4, 6)
    {'W_x': (4, 24), 'W_h': (6, 24), 'b': (24,)}
    """
    _check_cell(cell)
    sizes = {"D": D, "H": H, f"{GATES[cell]}H": GATES[cell] * H}
    return {
        key: tuple(sizes[s.strip()] for s in dims.strip("()").split(",") if s.strip())
        for key, dims in PARAM_SHAPES[cell].items()
    }


def _check_cell(cell):
    if not isinstance(cell, str) or cell not in GATES:
        raise ValueError(f"cell must be one of 'rnn', 'lstm', 'gru', but got {cell!r}.")


def _state_array(state_dict, name, layer, direction):
    if name not in state_dict:
        keys = ", ".join(sorted(map(str, state_dict))[:16]) or "nothing"
        raise ValueError(
            f"state_dict has no key {name!r} (layer={layer}, direction={direction}); "
            f"it holds: {keys}."
        )
    a = state_dict[name]
    if not isinstance(a, np.ndarray):
        hint = (
            " For a module, use params_from_torch(module); for its state_dict, convert each "
            "tensor with .detach().cpu().numpy()."
            if hasattr(a, "detach")
            else ""
        )
        raise TypeError(
            f"state_dict[{name!r}] must be a numpy array, but got {type(a).__name__}.{hint}"
        )
    if a.dtype not in (np.float32, np.float64):
        raise TypeError(
            f"state_dict[{name!r}] must be float32 or float64, but has dtype {a.dtype}."
        )
    require_finite(f"state_dict[{name!r}]", a)
    return a


def params_from_state_dict(state_dict, cell, layer=0, direction=0):
    """Our params for one layer and direction of a PyTorch recurrent module.

    Inputs:
    - state_dict: dict of numpy arrays under PyTorch's names, e.g.
      ``{k: v.detach().cpu().numpy() for k, v in module.state_dict().items()}``; with G
      gate blocks (1 rnn, 4 lstm, 3 gru): weight_ih (G*H, D), weight_hh (G*H, H),
      bias_ih (G*H,), bias_hh (G*H,). Other keys are ignored.
    - cell: "rnn", "lstm" or "gru"
    - layer: which layer, 0 for the first (layer l > 0 reads the layer below, so its D is
      H, or 2H when the module is bidirectional)
    - direction: 0 for the forward direction, 1 for the reverse one ("_reverse" keys)

    Returns new arrays (nothing shares memory with ``state_dict``), dtype kept:
    - rnn: W_xh (D, H), W_hh (H, H), b_h (H,) = bias_ih + bias_hh
    - lstm: W_x (D, 4H), W_h (H, 4H), b (4H,) = bias_ih + bias_hh
    - gru: W_x (D, 3H), W_h (H, 3H), b_x (3H,) = bias_ih, b_h (3H,) = bias_hh
    """
    _check_cell(cell)
    if not isinstance(state_dict, Mapping):
        raise TypeError(
            f"state_dict must be a dict of numpy arrays, but got {type(state_dict).__name__}."
        )
    names = torch_names(layer, direction)
    w_ih, w_hh, b_ih, b_hh = (
        _state_array(state_dict, names[kind], layer, direction)
        for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    )
    G = GATES[cell]
    for name, a, dims in (
        (names["weight_ih"], w_ih, f"({G}*H, D)"),
        (names["weight_hh"], w_hh, f"({G}*H, H)"),
    ):
        if a.ndim != 2:
            raise ValueError(f"state_dict[{name!r}] must be 2-D {dims}, but has shape {a.shape}.")
    H = w_hh.shape[1]
    expected = {
        names["weight_ih"]: (w_ih, f"({G}*H, D)", (G * H, w_ih.shape[1])),
        names["weight_hh"]: (w_hh, f"({G}*H, H)", (G * H, H)),
        names["bias_ih"]: (b_ih, f"({G}*H,)", (G * H,)),
        names["bias_hh"]: (b_hh, f"({G}*H,)", (G * H,)),
    }
    for name, (a, dims, shape) in expected.items():
        if a.shape != shape:
            raise ValueError(
                f"state_dict[{name!r}] has shape {a.shape}, but a {_LABELS[cell]} with "
                f"H={H} (from {names['weight_hh']}, shape {w_hh.shape}) needs {dims} = {shape}."
            )
        if a.dtype != w_hh.dtype:
            raise TypeError(
                f"state_dict[{name!r}] is {a.dtype} but {names['weight_hh']} is "
                f"{w_hh.dtype}: a module's parameters share one dtype."
            )
    W_x = w_ih.T.copy()  # (G*H, D) -> (D, G*H), a new C-ordered array
    W_h = w_hh.T.copy()  # (G*H, H) -> (H, G*H)
    if cell == "gru":  # the biases stay apart: b_h's n block is multiplied by r
        return {"W_x": W_x, "W_h": W_h, "b_x": b_ih.copy(), "b_h": b_hh.copy()}
    b = b_ih + b_hh  # only the sum enters the cell
    if cell == "rnn":
        return {"W_xh": W_x, "W_hh": W_h, "b_h": b}
    return {"W_x": W_x, "W_h": W_h, "b": b}


def _check_params(params, cell):
    """Validate params for ``cell``; return (D, H)."""
    sizes = require_params(params, PARAM_SHAPES[cell], _LABELS[cell])
    G, H = GATES[cell], sizes["H"]
    if G > 1 and sizes[f"{G}H"] != G * H:
        keys = list(PARAM_SHAPES[cell])
        raise ValueError(
            f"params[{keys[0]!r}] has {sizes[f'{G}H']} columns but params[{keys[1]!r}] has "
            f"H={H} rows: the {_LABELS[cell]} cell stacks {G} gate blocks, so it needs "
            + ", ".join(f"{k} {v}" for k, v in PARAM_SHAPES[cell].items())
            + f" with {G}H = {G * H}."
        )
    return sizes["D"], H


def state_dict_from_params(params, cell, layer=0, direction=0):
    """The inverse of :func:`params_from_state_dict`: our params -> PyTorch's names.

    Inputs:
    - params: our params for ``cell`` (shapes as in :func:`params_from_state_dict`);
      extra keys, such as an output layer, are ignored
    - cell: "rnn", "lstm" or "gru"
    - layer, direction: which keys to produce, e.g. layer=1, direction=1 gives
      ``weight_ih_l1_reverse`` and so on

    Returns a dict of four new numpy arrays, dtype kept: weight_ih (G*H, D),
    weight_hh (G*H, H), bias_ih (G*H,), bias_hh (G*H,). For the RNN and the LSTM our single
    bias goes into bias_ih and bias_hh is zero (the sum is what counts); for the GRU both
    biases are copied as they are, so the round trip is exact.
    """
    _check_cell(cell)
    _check_params(params, cell)
    names = torch_names(layer, direction)
    w_x, w_h, *biases = (params[key] for key in PARAM_SHAPES[cell])
    if cell == "gru":
        b_ih, b_hh = biases[0].copy(), biases[1].copy()
    else:
        b_ih, b_hh = biases[0].copy(), np.zeros_like(biases[0])
    return {
        names["weight_ih"]: w_x.T.copy(),  # (D, G*H) -> (G*H, D)
        names["weight_hh"]: w_h.T.copy(),  # (H, G*H) -> (G*H, H)
        names["bias_ih"]: b_ih,
        names["bias_hh"]: b_hh,
    }


# ---------------------------------------------------------------- whole state_dicts

#: A recurrent key of PyTorch's state_dict: kind, layer, and "_reverse" for direction 1.
_KEY = re.compile(r"^(weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)_l(\d+)(_reverse)?$")


def _check_recurrent_keys(state_dict, num_layers, bidirectional):
    """Every recurrent key must belong to a layer < num_layers and an existing direction."""
    for name in sorted(map(str, state_dict)):
        match = _KEY.match(name)
        if match is None:
            continue  # not a recurrent key (an output layer, say): ignored
        kind, layer, reverse = match.group(1), int(match.group(2)), match.group(3)
        if kind == "weight_hr":
            raise ValueError(
                f"state_dict holds {name!r}: it comes from an LSTM with proj_size > 0, and "
                "rnncourse's LSTM has no projection."
            )
        if layer >= num_layers:
            raise ValueError(
                f"state_dict holds {name!r}, a key of layer {layer}, but num_layers="
                f"{num_layers} (layers 0 to {num_layers - 1}): pass the module's num_layers."
            )
        if reverse and not bidirectional:
            raise ValueError(
                f"state_dict holds {name!r}, a key of a bidirectional module, but "
                "bidirectional=False: pass the module's bidirectional."
            )


def layer_params_from_state_dict(state_dict, cell, num_layers, bidirectional):
    """Every layer and direction of a PyTorch module, in rnncourse.deep's layout.

    Inputs:
    - state_dict: dict of numpy arrays under PyTorch's names, e.g.
      ``{k: v.detach().cpu().numpy() for k, v in module.state_dict().items()}``
    - cell: "rnn", "lstm" or "gru"
    - num_layers: L, the module's ``num_layers``
    - bidirectional: the module's ``bidirectional``, True or False

    Returns ``layer_params``: a list of L params dicts, bottom layer first, or of L pairs
    ``(params_fwd, params_bwd)`` when bidirectional; ``layer_params[l][d]`` is
    ``params_from_state_dict(state_dict, cell, l, d)``. This is what
    :func:`rnncourse.deep.stacked_forward` takes (and what
    :func:`rnncourse.deep.init_stacked_params` makes): layer 0 has D inputs, layer l > 0
    the H (2H when bidirectional) outputs of the layer below. A key of a layer >= L, a
    ``_reverse`` key when bidirectional is False, or a layer whose input width does not
    match the layer below raises ValueError. New arrays, dtype kept.
    """
    _check_cell(cell)
    num_layers = require_positive_int("num_layers", num_layers)
    check_bidirectional(bidirectional)
    if not isinstance(state_dict, Mapping):
        raise TypeError(
            f"state_dict must be a dict of numpy arrays, but got {type(state_dict).__name__}."
        )
    _check_recurrent_keys(state_dict, num_layers, bidirectional)
    directions = 2 if bidirectional else 1
    w_x, w_h = list(PARAM_SHAPES[cell])[:2]  # W_xh, W_hh or W_x, W_h
    layer_params, width_below = [], None
    for layer in range(num_layers):
        pair = [params_from_state_dict(state_dict, cell, layer, d) for d in range(directions)]
        (D_in, _), H = pair[0][w_x].shape, pair[0][w_h].shape[0]
        names = torch_names(layer, 0)
        if bidirectional and pair[1][w_x].shape != pair[0][w_x].shape:
            reverse = torch_names(layer, 1)
            raise ValueError(
                f"state_dict[{reverse['weight_ih']!r}] has shape "
                f"{state_dict[reverse['weight_ih']].shape} but state_dict[{names['weight_ih']!r}] "
                f"has {state_dict[names['weight_ih']].shape}: both directions of a layer read "
                "the same input and have the same H."
            )
        if width_below is not None and D_in != width_below:
            sides = f" = {directions}H, both directions side by side" if bidirectional else ""
            raise ValueError(
                f"state_dict[{names['weight_ih']!r}] has shape "
                f"{state_dict[names['weight_ih']].shape}, so layer {layer} reads D={D_in} "
                f"features, but layer {layer - 1} outputs {width_below}{sides}. "
                "Are num_layers and bidirectional the module's?"
            )
        layer_params.append(tuple(pair) if bidirectional else pair[0])
        width_below = directions * H  # what the next layer reads
    return layer_params


def state_dict_from_layer_params(layer_params, cell, bidirectional):
    """The inverse of :func:`layer_params_from_state_dict`: a whole state_dict.

    Inputs:
    - layer_params: a list of L params dicts, or of L pairs ``(params_fwd, params_bwd)``
      when bidirectional (rnncourse.deep's layout); layer l > 0 must read the output width
      of layer l - 1
    - cell: "rnn", "lstm" or "gru"
    - bidirectional: True or False, as for :func:`rnncourse.deep.stacked_forward`

    Returns a dict of new numpy arrays under PyTorch's names, in the order of a module's
    ``state_dict()``: layer by layer, within a layer the forward direction first, each as
    :func:`state_dict_from_params` makes it (for the RNN and the LSTM ``bias_hh`` is zero).
    """
    _check_cell(cell)
    check_layer_params(cell, layer_params, bidirectional)  # names layer_params[l][d] in errors
    state_dict = {}
    for layer, entry in enumerate(layer_params):
        for direction, params in enumerate(entry if bidirectional else [entry]):
            state_dict.update(state_dict_from_params(params, cell, layer, direction))
    return state_dict


def layer_states_from_torch(state, cell, num_layers, bidirectional):
    """PyTorch's stacked states -> rnncourse.deep's list of states per layer.

    Inputs:
    - state: h (K, N, H) for "rnn" and "gru", the pair (h, c) of two (K, N, H) arrays for
      "lstm": PyTorch's h_0 (and c_0), h_n (and c_n) or their gradients, with
      K = num_layers * directions and row ``k = layer * directions + direction``
    - cell: "rnn", "lstm" or "gru"
    - num_layers, bidirectional: the module's

    Returns a list of L states, bottom layer first (pairs (fwd, bwd) when bidirectional),
    each h (N, H) or (h, c) for the LSTM: what :func:`rnncourse.deep.stacked_forward` takes
    as states0 and :func:`rnncourse.deep.stacked_backward` as dstates_final. New arrays.
    """
    _check_cell(cell)
    num_layers = require_positive_int("num_layers", num_layers)
    check_bidirectional(bidirectional)
    directions = 2 if bidirectional else 1
    K = num_layers * directions
    if cell == "lstm" and (not isinstance(state, list | tuple) or len(state) != 2):
        raise TypeError(
            "state must be a pair (h, c) of two (K, N, H) arrays for the LSTM, like PyTorch's "
            f"(h_0, c_0), but got {type(state).__name__}."
        )
    parts = state if cell == "lstm" else (state,)
    for i, a in enumerate(parts):
        name = f"state[{i}]" if cell == "lstm" else "state"
        require_float_array(name, a)
        if a.ndim != 3 or a.shape[0] != K:
            raise ValueError(
                f"{name} must be (K, N, H) with K = num_layers * directions = {K}, "
                f"but has shape {a.shape}."
            )
    if cell == "lstm" and parts[0].shape != parts[1].shape:
        raise ValueError(
            f"state[0] (h) has shape {parts[0].shape} but state[1] (c) has {parts[1].shape}: "
            "the LSTM's h and c have the same shape."
        )

    def row(k):  # (K, N, H) -> (N, H), a copy
        return (parts[0][k].copy(), parts[1][k].copy()) if cell == "lstm" else parts[0][k].copy()

    if bidirectional:
        return [(row(2 * layer), row(2 * layer + 1)) for layer in range(num_layers)]
    return [row(layer) for layer in range(num_layers)]


def torch_states_from_layer_states(states, cell, bidirectional):
    """The inverse of :func:`layer_states_from_torch`: per-layer states -> (K, N, H).

    Inputs:
    - states: a list of L states, bottom layer first, pairs (fwd, bwd) when bidirectional;
      each h (N, H), or (h, c) for the LSTM, e.g. the dstates0 of
      :func:`rnncourse.deep.stacked_backward`
    - cell, bidirectional: as for :func:`rnncourse.deep.stacked_forward`

    Returns h (K, N, H), or the pair (h, c) for the LSTM, with row
    ``k = layer * directions + direction``: PyTorch's layout of h_0 and its gradient.
    """
    _check_cell(cell)
    check_bidirectional(bidirectional)
    check_pairs("states", states, None, bidirectional, "states")
    rows, where = [], []
    for layer, entry in enumerate(states):
        for d, state in enumerate(entry if bidirectional else [entry]):
            name = f"states[{layer}]" + (f"[{d}]" if bidirectional else "")
            check_state(name, cell, state)
            rows.append(state)
            where.append(name)
    first = rows[0][0] if cell == "lstm" else rows[0]
    for name, state in zip(where, rows, strict=True):
        for part in state if cell == "lstm" else (state,):
            if part.ndim != 2:
                raise ValueError(f"{name} must hold (N, H) arrays, but holds shape {part.shape}.")
            if part.shape != first.shape:
                raise ValueError(
                    f"{name} holds an array of shape {part.shape}, but {where[0]} has "
                    f"{first.shape}: PyTorch stacks states of one shape (N, H)."
                )
    if cell == "lstm":
        return np.stack([h for h, _ in rows]), np.stack([c for _, c in rows])  # (K, N, H)
    return np.stack(rows)  # K x (N, H) -> (K, N, H)


# ---------------------------------------------------------------- torch modules


def _module_cell(module):
    """Check that ``module`` is a module this file converts; return its cell name."""
    mode = getattr(module, "mode", None)
    if mode not in _MODES:
        hint = (
            " Single-step cells (nn.RNNCell, nn.LSTMCell, nn.GRUCell) are not supported."
            if type(module).__name__.endswith("Cell")
            else ""
        )
        raise TypeError(
            f"module must be a torch.nn.RNN, torch.nn.LSTM or torch.nn.GRU, "
            f"but got {type(module).__name__}.{hint}"
        )
    cell = _MODES[mode]
    name = f"torch.nn.{_LABELS[cell]}"
    if not getattr(module, "batch_first", False):
        raise ValueError(
            f"module is a {name} with batch_first=False, so it reads x as (T, N, D); "
            f"rnncourse is batch-major, x (N, T, D). Create it with batch_first=True."
        )
    if getattr(module, "proj_size", 0):
        raise ValueError(
            f"module is a {name} with proj_size={module.proj_size}; rnncourse's LSTM has no "
            "projection. Create it with proj_size=0."
        )
    if not getattr(module, "bias", True):
        raise ValueError(
            f"module is a {name} created with bias=False; rnncourse's cells always have "
            "biases. Create it with bias=True (and set the biases to zero if you want none)."
        )
    return cell


def _module_layout(module):
    """The module's (cell, num_layers, bidirectional), checked."""
    cell = _module_cell(module)
    layers = require_positive_int("module.num_layers", getattr(module, "num_layers", 1))
    bidirectional = getattr(module, "bidirectional", False)
    check_bidirectional(bidirectional)
    return cell, layers, bool(bidirectional)


def params_from_torch(module):
    """Our params from a ``torch.nn.RNN``, ``nn.LSTM`` or ``nn.GRU``.

    The module must have ``batch_first=True`` (and for the LSTM ``proj_size=0``); anything
    else raises ValueError, and any other object TypeError. The arrays keep the module's
    dtype: call ``module.double()`` first to compare with rnncourse in float64.

    Returns, as before stacks were supported (so older code keeps working):

    - for ``num_layers=1, bidirectional=False``: one params dict, as
      :func:`params_from_state_dict` gives it, for ``rnn_forward``, ``lstm_forward`` or
      ``gru_forward``;
    - otherwise: ``layer_params`` in rnncourse.deep's layout (see
      :func:`layer_params_from_state_dict`), a list of L params dicts or of L pairs
      ``(params_fwd, params_bwd)``, for :func:`rnncourse.deep.stacked_forward` with
      ``bidirectional=module.bidirectional``.

    An ``nn.RNN`` also has an activation; pass it on, e.g.
    ``rnn_forward(x, h0, params, activation=module.nonlinearity)`` ("tanh" or "relu").
    Nothing shares memory with the module.
    """
    cell, layers, bidirectional = _module_layout(module)
    arrays = {name: t.detach().cpu().numpy() for name, t in module.state_dict().items()}
    if layers == 1 and not bidirectional:
        return params_from_state_dict(arrays, cell)
    return layer_params_from_state_dict(arrays, cell, layers, bidirectional)


def _import_torch():
    try:
        import torch
    except ImportError as err:
        raise ImportError(
            "params_to_torch needs PyTorch, which rnncourse does not install: "
            "pip install torch (a CPU build is enough)."
        ) from err
    return torch


def _as_layer_params(params, cell, layers, bidirectional, label):
    """params as given to params_to_torch -> (layer_params, name of entry [layer][d])."""
    if layers == 1 and not bidirectional and isinstance(params, Mapping):
        _check_params(params, cell)
        return [params], lambda layer, d: "params"
    if isinstance(params, Mapping):
        kind = "(params_fwd, params_bwd) pairs" if bidirectional else "params dicts"
        raise TypeError(
            f"module is a {label} with num_layers={layers} and bidirectional={bidirectional}, "
            f"so params must be layer_params, a list of {layers} {kind}, one per layer (what "
            "params_from_torch returns for it), but got one params dict."
        )
    check_pairs("layer_params", params, layers, bidirectional, "params dicts")
    check_layer_params(cell, params, bidirectional)

    def where(layer, d):
        return f"layer_params[{layer}]" + (f"[{d}]" if bidirectional else "")

    return list(params), where


def params_to_torch(params, module):
    """Write our params into a ``torch.nn.RNN``, ``nn.LSTM`` or ``nn.GRU``.

    Inputs:
    - params: for a module with ``num_layers=1, bidirectional=False``, one params dict for
      its cell (see :func:`params_from_state_dict`; a list of one dict works too); for any
      other module, ``layer_params`` in rnncourse.deep's layout, a list of L params dicts,
      or of L pairs (params_fwd, params_bwd) when the module is bidirectional: exactly what
      :func:`params_from_torch` returns for it. Shapes must match the module's input_size
      D and hidden_size H (layer l > 0 reads H, or 2H when bidirectional).
    - module: the module to change in place, under the conditions of :func:`params_from_torch`

    The values are converted to the module's dtype and device (use ``module.double()`` for
    float64). For the RNN and the LSTM our bias goes into ``bias_ih`` and ``bias_hh`` is set
    to zero. An ``nn.RNN`` keeps its own nonlinearity: it must match the activation you use
    with these params. Returns ``module``.
    """
    cell, layers, bidirectional = _module_layout(module)
    label = f"torch.nn.{_LABELS[cell]}"
    layer_params, where = _as_layer_params(params, cell, layers, bidirectional, label)
    current = module.state_dict()
    directions = 2 if bidirectional else 1
    for layer in range(layers):
        names = torch_names(layer, 0)
        missing = [n for d in range(directions) for n in torch_names(layer, d).values()]
        missing = [n for n in missing if n not in current]
        if missing:
            raise ValueError(f"module.state_dict() has no {missing}; it holds {sorted(current)}.")
        D = tuple(current[names["weight_ih"]].shape)[1]
        H = tuple(current[names["weight_hh"]].shape)[1]
        entry = layer_params[layer] if bidirectional else [layer_params[layer]]
        for d, p in enumerate(entry):
            for key, shape in param_shapes(cell, D, H).items():
                if p[key].shape != shape:
                    sizes = (
                        f"input_size D={D} and hidden_size H={H}"
                        if layer == 0
                        else f"layer {layer} with D={D} inputs (the layer below's output) "
                        f"and hidden_size H={H}"
                    )
                    raise ValueError(
                        f"{where(layer, d)}[{key!r}] has shape {p[key].shape}, but the module "
                        f"has {sizes}, so it must be {PARAM_SHAPES[cell][key]} = {shape}."
                    )
    torch = _import_torch()
    new = {
        name: torch.as_tensor(a, dtype=current[name].dtype, device=current[name].device)
        for name, a in state_dict_from_layer_params(layer_params, cell, bidirectional).items()
    }
    module.load_state_dict(new)
    return module
