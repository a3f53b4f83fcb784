"""Make the PyTorch reference numbers that tests/test_torch_parity*.py compare against.

The files go to rnncourse/data/torch_reference/ (package data: chapter 12 and the tests read
them through rnncourse.framework_reference.reference_file); the configurations and the code
that computes them are rnncourse/_torch_reference.py. Run with a Python that has torch and
rnncourse (the test suite itself never imports torch)::

    python tests/torch_reference/make_reference.py          # write the .npz files
    python tests/torch_reference/make_reference.py --check  # recompute, compare, write nothing
    python tests/torch_reference/make_reference.py --names lstm_3layer   # only these files

``--check`` also runs rnncourse.interop's module converters on real torch modules, single
layers and stacks, one-directional and bidirectional (the test suite drives them with fakes
only). ``np.savez`` stamps the time into each file, so rewriting a file changes its bytes
even when no number changes: use ``--names`` to write only the files you add or mean to
change.

Each configuration builds a float64 ``torch.nn.RNN``, ``nn.LSTM`` or ``nn.GRU`` with
``batch_first=True`` from a fixed seed, runs it on fixed random inputs and stores in
``<name>.npz`` (N sequences, T steps, D inputs, H hidden units, L layers, K = L * directions,
B = directions * H)::

    x (N, T, D), h0 (K, N, H), c0 (K, N, H) LSTM only     inputs, in PyTorch's layout
    weight_ih_l0, bias_hh_l1_reverse, ...                  module.state_dict(), PyTorch's names
    output (N, T, B), h_n (K, N, H), c_n (K, N, H)         what the module returns
    G_output (N, T, B), G_h_n (K, N, H), G_c_n (K, N, H)   fixed random loss weights
    grad_x, grad_h0, grad_c0, grad_<parameter name>        gradients of
                                  loss = sum(output * G_output) + sum(h_n * G_h_n)
    grad_c_n_x, grad_c_n_h0, grad_c_n_c0, grad_c_n_<name>  LSTM only: gradients of
                                  loss_c = sum(c_n * G_c_n), kept apart so that the first
                                  set matches lstm_backward, which takes no gradient for c_T
    cell, nonlinearity, num_layers, bidirectional, seed, torch_version    metadata

Files are written with numpy.savez and read with allow_pickle=False.
"""

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

# The configurations and the code that computes them live in the package, so that
# rnncourse.framework_reference can recompute them live from an installed wheel.
from rnncourse._torch_reference import CONFIGS, D, H, N, T, generate
from rnncourse._torch_reference import grads as _grads
from rnncourse._torch_reference import module as _module

HERE = Path(__file__).resolve().parent
#: Where the files go by default: the package's data, so that they ship with the wheel.
OUT = HERE.parents[1] / "rnncourse" / "data" / "torch_reference"


def compare(name, new, path, rtol=1e-10, atol=1e-12):
    """List the differences between freshly computed arrays and the stored file."""
    if not path.exists():
        return [f"{path.name}: missing"]
    with np.load(path, allow_pickle=False) as stored:
        old = {key: stored[key] for key in stored.files}
    problems = []
    if set(old) != set(new):
        problems.append(f"{name}: keys differ: {sorted(set(old) ^ set(new))}")
    for key in sorted(set(old) & set(new)):
        a, b = old[key], new[key]
        if key == "torch_version":
            if str(a) != str(b):
                print(f"{name}: note: stored with torch {a}, recomputed with torch {b}")
        elif a.shape != b.shape or a.dtype.kind != b.dtype.kind:
            problems.append(f"{name}/{key}: stored {a.dtype}{a.shape}, new {b.dtype}{b.shape}")
        elif a.dtype.kind == "f":
            if not np.allclose(a, b, rtol=rtol, atol=atol):
                diff = float(np.max(np.abs(a - b)))
                problems.append(f"{name}/{key}: max abs difference {diff:.3g}")
        elif not np.array_equal(a, b):
            problems.append(f"{name}/{key}: stored {a!r}, new {b!r}")
    return problems


def check_interop():
    """params_from_torch / params_to_torch on real modules; returns a list of problems."""
    from rnncourse import gru, lstm, rnn
    from rnncourse.interop import params_from_torch, params_to_torch

    problems = []
    torch.manual_seed(0)
    x = torch.randn(N, T, D, dtype=torch.float64)
    h0 = torch.randn(1, N, H, dtype=torch.float64)
    c0 = torch.randn(1, N, H, dtype=torch.float64)
    for cell, nonlinearity in (("rnn", "tanh"), ("rnn", "relu"), ("lstm", ""), ("gru", "")):
        label = f"interop/{cell}{'_' + nonlinearity if nonlinearity else ''}"
        module = _module(cell, nonlinearity, 1, False).double()
        params = params_from_torch(module)
        if not isinstance(params, dict):
            problems.append(f"{label}: params_from_torch no longer returns a dict for one layer")
        with torch.no_grad():
            expected = (module(x, (h0, c0)) if cell == "lstm" else module(x, h0))[0].numpy()
            if cell == "rnn":
                ours, _ = rnn.rnn_forward(x.numpy(), h0[0].numpy(), params, module.nonlinearity)
            elif cell == "lstm":
                ours, _ = lstm.lstm_forward(x.numpy(), h0[0].numpy(), c0[0].numpy(), params)
            else:
                ours, _ = gru.gru_forward(x.numpy(), h0[0].numpy(), params)
            other = params_to_torch(params, _module(cell, nonlinearity, 1, False).double())
            again = (other(x, (h0, c0)) if cell == "lstm" else other(x, h0))[0].numpy()
            single = params_to_torch(params, _module(cell, nonlinearity, 1, False))
        for what, a in (("params_from_torch", ours), ("params_to_torch", again)):
            if np.max(np.abs(a - expected)) > 1e-12:
                problems.append(f"{label}: {what} output differs from the module's")
        if any(p.dtype != torch.float32 for p in single.parameters()):
            problems.append(f"{label}: params_to_torch changed a float32 module's dtype")
        kwargs = dict(input_size=D, hidden_size=H, batch_first=False)
        cls = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]
        try:
            params_from_torch(cls(**kwargs))
            problems.append(f"{label}: params_from_torch accepted batch_first=False")
        except ValueError:
            pass
        for layers, bidirectional in STACKS:
            problems += check_stack(cell, nonlinearity, layers, bidirectional)
    return problems


#: (num_layers, bidirectional) of the stacks check_stack converts, for every cell.
STACKS = ((2, True), (3, False), (1, True))


def check_stack(cell, nonlinearity, layers, bidirectional, tol=1e-12):
    """One stacked or bidirectional module through rnncourse.interop and rnncourse.deep.

    params_from_torch must give layer_params with which deep.stacked_forward reproduces the
    module's output, h_n and c_n, and deep.stacked_backward autograd's gradients of
    ``sum(output * G) + sum(h_n * G_h) (+ sum(c_n * G_c))``; params_to_torch must write
    them into a fresh module (float64 and float32) that then computes the same output.
    """
    from rnncourse import deep
    from rnncourse.interop import (
        layer_states_from_torch,
        params_from_torch,
        params_to_torch,
        torch_states_from_layer_states,
    )

    label = f"interop/{cell}{'_' + nonlinearity if nonlinearity else ''}"
    label += f"/{layers}layer{'_bidirectional' if bidirectional else ''}"
    problems = []
    f64 = torch.float64
    torch.manual_seed(200 + 10 * layers + bidirectional)
    module = _module(cell, nonlinearity, layers, bidirectional).double()
    K, B = layers * (2 if bidirectional else 1), (2 if bidirectional else 1) * H
    x = torch.randn(N, T, D, dtype=f64, requires_grad=True)
    h0 = (0.5 * torch.randn(K, N, H, dtype=f64)).requires_grad_()
    c0 = (0.5 * torch.randn(K, N, H, dtype=f64)).requires_grad_()
    if cell == "lstm":
        output, (h_n, c_n) = module(x, (h0, c0))
        state0 = (h0.detach().numpy(), c0.detach().numpy())
    else:
        output, h_n = module(x, h0)
        state0 = h0.detach().numpy()
    G, G_h, G_c = (torch.randn(*shape, dtype=f64) for shape in ((N, T, B), (K, N, H), (K, N, H)))
    loss = (output * G).sum() + (h_n * G_h).sum()
    if cell == "lstm":
        loss = loss + (c_n * G_c).sum()
    inputs = {"x": x, "h0": h0} | ({"c0": c0} if cell == "lstm" else {})
    grads = _grads(loss, module, inputs)

    def differs(what, ours, theirs):
        err = float(np.max(np.abs(ours - theirs))) if ours.shape == theirs.shape else np.inf
        if err > tol:
            problems.append(f"{label}: {what} differs from PyTorch by {err:.3g}")

    layer_params = params_from_torch(module)
    if not isinstance(layer_params, list) or len(layer_params) != layers:
        return [f"{label}: params_from_torch did not return a list of {layers} layers"]
    options = {"activation": nonlinearity} if cell == "rnn" else {}
    states0 = layer_states_from_torch(state0, cell, layers, bidirectional)
    h, cache = deep.stacked_forward(x.detach().numpy(), states0, layer_params, cell,
                                    bidirectional, **options)  # fmt: skip
    differs("output", h, output.detach().numpy())
    finals = deep.stacked_final_states(cache)
    if cell == "lstm":
        differs("h_n", finals[0], h_n.detach().numpy())
        differs("c_n", finals[1], c_n.detach().numpy())
        dfinal = (G_h.numpy(), G_c.numpy())
    else:
        differs("h_n", finals, h_n.detach().numpy())
        dfinal = G_h.numpy()
    dstates_final = layer_states_from_torch(dfinal, cell, layers, bidirectional)
    dx, dstates0, dparams = deep.stacked_backward(G.numpy(), cache, dstates_final)
    differs("dx", dx, grads["x"])
    dstate0 = torch_states_from_layer_states(dstates0, cell, bidirectional)
    if cell == "lstm":
        differs("dh0", dstate0[0], grads["h0"])
        differs("dc0", dstate0[1], grads["c0"])
    else:
        differs("dh0", dstate0, grads["h0"])
    for layer, entry in enumerate(dparams):
        for direction, g in enumerate(entry if bidirectional else [entry]):
            suffix = f"_l{layer}" + ("_reverse" if direction else "")
            w_x, w_h, *biases = g.values()
            differs(f"dweight_ih{suffix}", w_x.T, grads["weight_ih" + suffix])
            differs(f"dweight_hh{suffix}", w_h.T, grads["weight_hh" + suffix])
            # the GRU's b_x, b_h are bias_ih, bias_hh; elsewhere b = their sum
            for b, kind in zip(biases * (2 // len(biases)), ("bias_ih", "bias_hh"), strict=True):
                differs(f"d{kind}{suffix}", b, grads[kind + suffix])

    with torch.no_grad():
        fresh = params_to_torch(layer_params, _module(cell, nonlinearity, layers, bidirectional))
        if any(p.dtype != torch.float32 for p in fresh.parameters()):
            problems.append(f"{label}: params_to_torch changed a float32 module's dtype")
        other = params_to_torch(
            layer_params, _module(cell, nonlinearity, layers, bidirectional).double()
        )
        again = (other(x, (h0, c0)) if cell == "lstm" else other(x, h0))[0]
        differs("output after params_to_torch", again.numpy(), output.detach().numpy())
    back = params_from_torch(other)
    for layer, (ours, read) in enumerate(zip(layer_params, back, strict=True)):
        pairs = zip(ours, read, strict=True) if bidirectional else [(ours, read)]
        for direction, (p, q) in enumerate(pairs):
            for key in p:
                differs(f"round trip layer {layer} direction {direction} {key}", p[key], q[key])
    one = layer_params[0][0] if bidirectional else layer_params[0]  # a single params dict
    try:
        params_to_torch(one, _module(cell, nonlinearity, layers, bidirectional))
        problems.append(f"{label}: params_to_torch accepted one layer's params for a stack")
    except TypeError:
        pass
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    parser.add_argument("--out", type=Path, default=OUT, help="folder of the .npz files")
    parser.add_argument(
        "--names", nargs="+", choices=list(CONFIGS), default=list(CONFIGS), metavar="NAME",
        help="only these configurations (default: all): " + ", ".join(CONFIGS),
    )  # fmt: skip
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    problems = []
    for name in args.names:
        arrays = generate(name)
        path = args.out / f"{name}.npz"
        if args.check:
            problems += compare(name, arrays, path)
        else:
            np.savez(path, **arrays)
            print(f"wrote {path} ({len(arrays)} arrays, torch {torch.__version__})")
    if args.check:
        problems += check_interop()
        for line in problems:
            print(line)
        print(
            f"{len(args.names)} configurations and the module converters checked, "
            f"{len(problems)} differences"
        )
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
