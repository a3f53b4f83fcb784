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

Two layers of functions:

- :func:`params_from_state_dict` and :func:`state_dict_from_params` work on plain dicts of
  numpy arrays with PyTorch's key names (``weight_ih_l1_reverse`` is layer 1, direction 1),
  so they need numpy only.
- :func:`params_from_torch` and :func:`params_to_torch` read and write a module. They accept
  single-layer, one-directional modules created with ``batch_first=True`` (rnncourse is
  batch-major: x is (N, T, D)). ``params_to_torch`` imports torch when it is called;
  importing this module never does.
"""

from collections.abc import Mapping

import numpy as np

from . import gru, lstm, rnn
from ._validate import require_finite, require_params, require_positive_int

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
    layers = getattr(module, "num_layers", 1)
    if layers != 1:
        raise ValueError(
            f"module is a {name} with num_layers={layers}; params_from_torch and "
            "params_to_torch handle one layer. For one layer of a stack, use "
            "params_from_state_dict(state_dict, cell, layer=..., direction=...) with "
            "state_dict = {k: v.detach().cpu().numpy() for k, v in module.state_dict().items()}."
        )
    if getattr(module, "bidirectional", False):
        raise ValueError(
            f"module is a bidirectional {name}; params_from_torch and params_to_torch handle "
            "one direction. For each direction, use "
            "params_from_state_dict(state_dict, cell, layer=0, direction=0 or 1)."
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


def params_from_torch(module):
    """Our params from a single-layer ``torch.nn.RNN``, ``nn.LSTM`` or ``nn.GRU``.

    The module must have ``batch_first=True``, ``num_layers=1``, ``bidirectional=False``
    (and for the LSTM ``proj_size=0``); anything else raises ValueError, and any other
    object TypeError. The arrays keep the module's dtype: call ``module.double()`` first
    to compare with rnncourse in float64.

    An ``nn.RNN`` also has an activation; pass it on, e.g.
    ``rnn_forward(x, h0, params, activation=module.nonlinearity)`` ("tanh" or "relu").

    Returns the params dict of :func:`params_from_state_dict` for the module's cell.
    Nothing shares memory with the module.
    """
    cell = _module_cell(module)
    state = module.state_dict()
    arrays = {}
    for name in torch_names(0, 0).values():
        if name not in state:
            raise ValueError(f"module.state_dict() has no {name!r}; it holds {sorted(state)}.")
        arrays[name] = state[name].detach().cpu().numpy()
    return params_from_state_dict(arrays, cell)


def _import_torch():
    try:
        import torch
    except ImportError as err:
        raise ImportError(
            "params_to_torch needs PyTorch, which rnncourse does not install: "
            "pip install torch (a CPU build is enough)."
        ) from err
    return torch


def params_to_torch(params, module):
    """Write our params into a single-layer ``torch.nn.RNN``, ``nn.LSTM`` or ``nn.GRU``.

    Inputs:
    - params: our params for the module's cell (see :func:`params_from_state_dict`); their
      shapes must match the module's input_size D and hidden_size H
    - module: the module to change in place, under the conditions of :func:`params_from_torch`

    The values are converted to the module's dtype and device (use ``module.double()`` for
    float64). For the RNN and the LSTM our bias goes into ``bias_ih`` and ``bias_hh`` is set
    to zero. An ``nn.RNN`` keeps its own nonlinearity: it must match the activation you use
    with these params. Returns ``module``.
    """
    cell = _module_cell(module)
    _check_params(params, cell)
    current = module.state_dict()
    names = torch_names(0, 0)
    missing = [name for name in names.values() if name not in current]
    if missing:
        raise ValueError(f"module.state_dict() has no {missing}; it holds {sorted(current)}.")
    D = tuple(current[names["weight_ih"]].shape)[1]
    H = tuple(current[names["weight_hh"]].shape)[1]
    for key, shape in param_shapes(cell, D, H).items():
        if params[key].shape != shape:
            raise ValueError(
                f"params[{key!r}] has shape {params[key].shape}, but the module has "
                f"input_size D={D} and hidden_size H={H}, so it must be "
                f"{PARAM_SHAPES[cell][key]} = {shape}."
            )
    torch = _import_torch()
    new = {
        name: torch.as_tensor(a, dtype=current[name].dtype, device=current[name].device)
        for name, a in state_dict_from_params(params, cell).items()
    }
    module.load_state_dict(new)
    return module
