"""Deep recurrent networks: bidirectional layers and stacks of layers, over any of the cells.

Shapes use the course's letters: N sequences in a batch, T time steps, D input features,
H hidden units, L layers. The *state* of a cell is what it carries from one step to the
next: h (N, H) for the RNN and the GRU, the pair (h, c) of two (N, H) arrays for the LSTM.

Three ideas, each built on the one before:

1. One call for all three cells. :func:`cell_forward` and :func:`cell_backward` call
   ``rnn_forward``, ``lstm_forward`` or ``gru_forward`` (and their backward functions), and
   also hand out the state after the last step (``state_final``).
2. A bidirectional layer runs two cells, each with its own params, over the same sequence.
   The forward direction reads x_1, ..., x_T. The backward direction is the same cell run
   on the reversed sequence ``x[:, ::-1]``, so it reads x_T, ..., x_1; its outputs are
   reversed back into time order before the two are put side by side (array indices count
   from 0, so ``h[:, t]`` belongs to the input ``x[:, t]``)::

       h[:, t] = concat(h_fwd[:, t], h_bwd[:, t])       (N, 2H)

   ``h_fwd[:, t]`` has seen ``x[:, :t+1]`` and ``h_bwd[:, t]`` has seen ``x[:, t:]``:
   together they summarise the whole sequence around that step. (Without the second
   reversal, ``h_bwd[:, t]`` would be the backward state that has seen ``x[:, T-1-t:]``:
   the wrong time step.)
3. A stack of L layers feeds the output sequence of layer l to layer l+1 as its input.
   Layer 0 reads x (N, T, D); layer l > 0 reads (N, T, H), or (N, T, 2H) when the layers
   are bidirectional. This is what PyTorch's ``nn.RNN``, ``nn.LSTM`` and ``nn.GRU`` compute
   with ``num_layers=L`` and ``bidirectional=True/False``.

Backward mirrors forward, layer by layer from the top. In a bidirectional layer x feeds both
directions, so its gradient is the sum of both directions' dx, the backward direction's
reversed back into time order. The gradient of a layer's input is the gradient of the output
of the layer below.

All arrays share one dtype (float32 or float64). Backward functions never change their
inputs or the caches; errors name the layer and direction they come from.
"""

from typing import NamedTuple

import numpy as np

from . import gru, lstm, rnn
from ._deep_checks import (
    check_bidirectional,
    check_cache,
    check_cell,
    check_final_gradients,
    check_layer_params,
    check_layer_states,
    check_options,
    check_state,
    check_two_directions,
    final_shapes,
    naming,
    zero_state,
)
from ._validate import require_float_array, require_ndim, require_positive_int, require_shape

# ---------------------------------------------------------------- one call for every cell


def cell_forward(cell, x, state0, params, **options):
    """Run one cell over whole sequences: the same call for the RNN, the LSTM and the GRU.

    Inputs:
    - cell: "rnn", "lstm" or "gru"
    - x: input sequences, (N, T, D)
    - state0: initial state: h0 (N, H) for "rnn" and "gru", the pair (h0, c0) for "lstm"
    - params: the cell's params dict (the keys of ``rnn.PARAM_SHAPES``, ``lstm.PARAM_SHAPES``
      or ``gru.PARAM_SHAPES``)
    - options: ``activation`` for "rnn" (default "tanh"), ``reset_after`` for "gru"
      (default True); the LSTM takes none

    Returns:
    - h: hidden states for every step, (N, T, H)
    - state_final: the state after the last step, shaped like state0: h_T (N, H), or the
      pair (h_T, c_T) for the LSTM
    - cache: the cell's own cache (RNNCache, LSTMCache or GRUCache) for :func:`cell_backward`
    """
    check_cell(cell)
    check_options(cell, options)
    check_state("state0", cell, state0)
    if cell == "lstm":
        h0, c0 = state0
        h, cache = lstm.lstm_forward(x, h0, c0, params)
        return h, (h[:, -1].copy(), cache.steps[-1].c_t.copy()), cache
    if cell == "rnn":
        h, cache = rnn.rnn_forward(x, state0, params, **options)
    else:
        h, cache = gru.gru_forward(x, state0, params, **options)
    return h, h[:, -1].copy(), cache


def cell_backward(cell, dh, cache, dstate_final=None):
    """Backward pass of :func:`cell_forward`.

    Inputs:
    - cell: the cell that made ``cache``
    - dh: gradient of the loss with respect to every h_t from outside the recurrence (the
      outputs), (N, T, H)
    - cache: the cache from :func:`cell_forward`
    - dstate_final: optional gradient with respect to ``state_final``, shaped like it:
      dh_T (N, H), or the pair (dh_T, dc_T) for the LSTM. None (the default) means zero.
      It is needed when the final state is used on its own: PyTorch's h_n, or an encoder's
      state handed to a decoder.

    Returns:
    - dx: gradient with respect to x, (N, T, D)
    - dstate0: gradient with respect to state0, shaped like it: dh0 (N, H), or (dh0, dc0)
    - grads: dict with the keys and shapes of params
    """
    check_cell(cell)
    N, T, _ = check_cache(cell, cache).x_shape
    dc_final = None
    if dstate_final is not None:
        require_float_array("dh", dh)
        require_shape("dh", dh, (N, T, dh.shape[-1]), "(N, T, H)", "(the shape of h)")
        check_state("dstate_final", cell, dstate_final, (N, dh.shape[2]), "(N and H of dh)")
        dh_final, dc_final = dstate_final if cell == "lstm" else (dstate_final, None)
        dh = dh.copy()  # never change the caller's array
        dh[:, -1] += dh_final  # h_T is also the last output: both gradients reach it
    if cell == "lstm":
        dx, dh0, dc0, grads = lstm.lstm_backward(dh, cache, dc_final)
        return dx, (dh0, dc0), grads
    if cell == "rnn":
        return rnn.rnn_backward(dh, cache)
    return gru.gru_backward(dh, cache)


# ---------------------------------------------------------------- a bidirectional layer


class BidirectionalCache(NamedTuple):
    """What :func:`bidirectional_forward` keeps for :func:`bidirectional_backward`."""

    cell: str  # "rnn", "lstm" or "gru"
    fwd: tuple  # the forward direction's cell cache
    bwd: tuple  # the backward direction's cell cache, from its run on x[:, ::-1]
    state_final_fwd: object  # forward state after x_T: h (N, H), or (h, c) for the LSTM
    state_final_bwd: object  # backward state after x_1 (its last step), shaped the same


def bidirectional_forward(x, state0_fwd, state0_bwd, params_fwd, params_bwd, cell="rnn", **options):
    """A bidirectional layer: one cell reads the sequence forward, another one backward.

    Inputs:
    - x: input sequences, (N, T, D)
    - state0_fwd: initial state of the forward direction, which then reads x_1 first:
      h0 (N, H) for "rnn" and "gru", the pair (h0, c0) for "lstm"
    - state0_bwd: initial state of the backward direction, which then reads x_T
      first; shaped like state0_fwd
    - params_fwd, params_bwd: the two directions' params dicts (same D and H, own values)
    - cell: "rnn" (default), "lstm" or "gru"
    - options: ``activation`` for "rnn", ``reset_after`` for "gru" (both directions)

    Returns:
    - h: (N, T, 2H). ``h[:, t, :H]`` is the forward state that has seen ``x[:, :t+1]``;
      ``h[:, t, H:]`` the backward state that has seen ``x[:, t:]``.
    - cache: a :class:`BidirectionalCache`. Its ``state_final_fwd`` (after x_T) and
      ``state_final_bwd`` (after x_1) are PyTorch's h_n[0] and h_n[1] (and c_n for the LSTM).

    Every sequence is taken to have all T steps. On a batch padded to T, the backward
    direction would read each shorter sequence's padding before its real inputs; reverse each
    sequence within its own length instead (chapter 6), as PyTorch's packed sequences do.
    """
    check_cell(cell)
    check_options(cell, options)
    check_two_directions(cell, params_fwd, params_bwd)
    with naming("forward direction (state0_fwd, params_fwd)"):
        h_fwd, final_fwd, cache_fwd = cell_forward(cell, x, state0_fwd, params_fwd, **options)
    with naming("backward direction (state0_bwd, params_bwd)"):
        # the backward direction is the same cell, run on the reversed sequence ...
        h_rev, final_bwd, cache_bwd = cell_forward(
            cell, x[:, ::-1], state0_bwd, params_bwd, **options
        )
    h_bwd = h_rev[:, ::-1]  # ... and reversed back: h_bwd[:, t] has seen x[:, t:]
    h = np.concatenate([h_fwd, h_bwd], axis=2)  # 2 x (N, T, H) -> (N, T, 2H)
    return h, BidirectionalCache(cell, cache_fwd, cache_bwd, final_fwd, final_bwd)


def bidirectional_backward(dh, cache, dstate_final_fwd=None, dstate_final_bwd=None):
    """Backward pass of :func:`bidirectional_forward`.

    Inputs:
    - dh: gradient of the loss with respect to the layer's output h, (N, T, 2H)
    - cache: the :class:`BidirectionalCache` from :func:`bidirectional_forward`
    - dstate_final_fwd, dstate_final_bwd: optional gradients with respect to the cache's
      ``state_final_fwd`` and ``state_final_bwd``, shaped like them; None means zero

    Returns:
    - dx: gradient with respect to x, (N, T, D): the sum of what both directions send back
    - dstate0_fwd, dstate0_bwd: gradients with respect to the two initial states, shaped
      like them: dh0 (N, H), or (dh0, dc0) for the LSTM
    - grads_fwd, grads_bwd: dicts with the keys and shapes of params_fwd and params_bwd
    """
    if not isinstance(cache, BidirectionalCache):
        raise TypeError(
            "cache must be the BidirectionalCache returned by bidirectional_forward, "
            f"but got {type(cache).__name__}."
        )
    cell = cache.cell
    H = (cache.state_final_fwd[0] if cell == "lstm" else cache.state_final_fwd).shape[1]
    N, T, _ = cache.fwd.x_shape
    require_float_array("dh", dh)
    require_shape("dh", dh, (N, T, 2 * H), "(N, T, 2H)", "(the shape of h)")
    check_final_gradients(
        cell, (N, H), dstate_final_fwd=dstate_final_fwd, dstate_final_bwd=dstate_final_bwd
    )
    dh_fwd = dh[:, :, :H]  # (N, T, 2H) -> two halves (N, T, H)
    dh_bwd = dh[:, :, H:]
    dx_fwd, dstate0_fwd, grads_fwd = cell_backward(cell, dh_fwd, cache.fwd, dstate_final_fwd)
    # the backward direction ran on reversed time, so its gradient goes in reversed too
    dx_rev, dstate0_bwd, grads_bwd = cell_backward(
        cell, dh_bwd[:, ::-1], cache.bwd, dstate_final_bwd
    )
    dx = dx_fwd + dx_rev[:, ::-1]  # x fed both directions; dx_rev back into time order
    return dx, dstate0_fwd, dstate0_bwd, grads_fwd, grads_bwd


# ---------------------------------------------------------------- a stack of layers


class StackedCache(NamedTuple):
    """What :func:`stacked_forward` keeps for :func:`stacked_backward`."""

    cell: str  # "rnn", "lstm" or "gru"
    bidirectional: bool
    layers: list  # L caches, bottom layer first: cell caches, or BidirectionalCaches
    states_final: list  # L final states, bottom layer first; (fwd, bwd) pairs if bidirectional


def init_stacked_params(cell, D, H, L, rng, bidirectional=False, dtype=np.float64):
    """New params for a stack of L layers of ``cell`` with H hidden units each.

    Layer 0 reads D features; layer l > 0 reads the H (or 2H, bidirectional) features of the
    layer below. Each cell is initialised by its module's ``init_params`` (so the LSTM's
    forget-gate bias starts at 1), layer by layer, forward direction first, from ``rng``
    (a ``numpy.random.Generator``).

    Returns a list of L params dicts, or of L pairs (params_fwd, params_bwd) if bidirectional.
    """
    check_cell(cell)
    D, H, L = (require_positive_int(name, v) for name, v in (("D", D), ("H", H), ("L", L)))
    check_bidirectional(bidirectional)
    init_params = {"rnn": rnn.init_params, "lstm": lstm.init_params, "gru": gru.init_params}[cell]
    directions = 2 if bidirectional else 1
    layer_params = []
    for layer in range(L):
        D_in = D if layer == 0 else directions * H  # the width of the layer below's output
        if bidirectional:
            params_fwd = init_params(D_in, H, rng, dtype=dtype)
            params_bwd = init_params(D_in, H, rng, dtype=dtype)
            layer_params.append((params_fwd, params_bwd))
        else:
            layer_params.append(init_params(D_in, H, rng, dtype=dtype))
    return layer_params


def stacked_forward(x, states0, layer_params, cell="rnn", bidirectional=False, **options):
    """A stack of L recurrent layers: the output sequence of each layer is the next one's input.

    Inputs:
    - x: input sequences, (N, T, D)
    - states0: list of L initial states, bottom layer first; each a state of the cell
      (h0 (N, H), or (h0, c0) for the LSTM), or a pair (state0_fwd, state0_bwd) when
      bidirectional. ``None`` starts every layer and direction from zeros.
    - layer_params: list of L params dicts, or of L pairs (params_fwd, params_bwd) when
      bidirectional (see :func:`init_stacked_params`). Layer 0 has D inputs, layer l > 0 has
      the H inputs (2H when bidirectional) of the layer below.
    - cell: "rnn" (default), "lstm" or "gru"
    - bidirectional: False (default) or True
    - options: ``activation`` for "rnn", ``reset_after`` for "gru" (every layer)

    Returns:
    - h: the top layer's output, (N, T, H), or (N, T, 2H) when bidirectional
    - cache: a :class:`StackedCache`. ``cache.states_final[l]`` is layer l's state after the
      last step, bottom layer first, a (fwd, bwd) pair when bidirectional (the forward
      direction's after x_T, the backward direction's after x_1).
      :func:`stacked_final_states` stacks them like PyTorch's h_n and c_n.
    """
    check_cell(cell)
    check_options(cell, options)
    hidden = check_layer_params(cell, layer_params, bidirectional)  # H of every layer
    require_float_array("x", x)
    require_ndim("x", x, "(N, T, D)")
    N, L = x.shape[0], len(layer_params)
    if states0 is None:  # PyTorch's default: every layer and direction starts from zeros
        states0 = [zero_state(cell, N, H, x.dtype, bidirectional) for H in hidden]
    check_layer_states("states0", cell, states0, [(N, H) for H in hidden], bidirectional)
    h = x  # the input of layer 0
    caches, states_final = [], []
    for layer in range(L):
        with naming(f"layer {layer}"):
            if bidirectional:
                params_fwd, params_bwd = layer_params[layer]
                state0_fwd, state0_bwd = states0[layer]
                h, cache = bidirectional_forward(
                    h, state0_fwd, state0_bwd, params_fwd, params_bwd, cell, **options
                )
                state_final = (cache.state_final_fwd, cache.state_final_bwd)
            else:
                h, state_final, cache = cell_forward(
                    cell, h, states0[layer], layer_params[layer], **options
                )
        caches.append(cache)  # h is now layer's output: the input of the layer above
        states_final.append(state_final)
    return h, StackedCache(cell, bidirectional, caches, states_final)


def stacked_backward(dh, cache, dstates_final=None):
    """Backward pass of :func:`stacked_forward`, from the top layer down.

    Inputs:
    - dh: gradient of the loss with respect to the top layer's output, (N, T, H), or
      (N, T, 2H) when bidirectional
    - cache: the :class:`StackedCache` from :func:`stacked_forward`
    - dstates_final: optional gradients with respect to ``cache.states_final``, in the same
      nested layout (list of L states, or of L (fwd, bwd) pairs); any state may be None,
      and None alone means zero everywhere. A loss that uses PyTorch's h_n needs it.

    Returns:
    - dx: gradient with respect to x, (N, T, D)
    - dstates0: gradients with respect to states0, in its nested layout
    - grads: gradients with respect to layer_params, in its layout: a list of L dicts, or of
      L pairs (grads_fwd, grads_bwd)
    """
    if not isinstance(cache, StackedCache):
        raise TypeError(
            f"cache must be the StackedCache returned by stacked_forward, "
            f"but got {type(cache).__name__}."
        )
    L = len(cache.layers)
    if dstates_final is None:
        dstates_final = [(None, None) if cache.bidirectional else None] * L
    shapes = final_shapes(cache.cell, cache.states_final, cache.bidirectional)
    check_layer_states(
        "dstates_final", cache.cell, dstates_final, shapes, cache.bidirectional, gradients=True
    )
    dstates0, grads = [None] * L, [None] * L
    for layer in reversed(range(L)):  # dh: the gradient of this layer's output
        with naming(f"layer {layer}"):
            if cache.bidirectional:
                dh, dstate0_fwd, dstate0_bwd, grads_fwd, grads_bwd = bidirectional_backward(
                    dh, cache.layers[layer], *dstates_final[layer]
                )
                dstates0[layer], grads[layer] = (dstate0_fwd, dstate0_bwd), (grads_fwd, grads_bwd)
            else:
                dh, dstates0[layer], grads[layer] = cell_backward(
                    cache.cell, dh, cache.layers[layer], dstates_final[layer]
                )
        # dh is now the gradient of this layer's input: the output of the layer below
    return dh, dstates0, grads


def stacked_final_states(cache):
    """The final states of every layer and direction, stacked in PyTorch's layout.

    Returns h_n (K, N, H) for "rnn" and "gru", the pair (h_n, c_n) for "lstm", with
    K = L * directions; row ``k = layer * directions + direction`` (direction 0 forward,
    1 backward), the order of PyTorch's h_n and c_n.
    """
    if not isinstance(cache, StackedCache):
        raise TypeError(
            f"cache must be the StackedCache returned by stacked_forward, "
            f"but got {type(cache).__name__}."
        )
    states = [
        state
        for layer_states in cache.states_final
        for state in (layer_states if cache.bidirectional else [layer_states])
    ]  # bottom layer first, forward before backward
    if cache.cell == "lstm":
        return np.stack([h for h, _ in states]), np.stack([c for _, c in states])  # (K, N, H)
    return np.stack(states)  # K x (N, H) -> (K, N, H)
