"""How the stored PyTorch reference numbers are made (imports torch: load only when wanted).

:func:`generate` builds a float64 ``torch.nn.RNN``, ``nn.LSTM`` or ``nn.GRU`` with
``batch_first=True`` from a fixed seed, runs it on fixed random inputs and returns the arrays
that ``rnncourse/data/torch_reference/<name>.npz`` stores (the keys are listed in
``tests/torch_reference/make_reference.py``, which writes the files from this function, and in
:mod:`rnncourse.framework_reference`, which calls it when torch is installed). It lives in the
package, not beside the script, so that the live path works from an installed wheel.

Shapes use the course's letters: N sequences, T steps, D inputs, H hidden units, L layers,
K = L * directions, B = directions * H.
"""

import numpy as np
import torch

N, T, D, H = 3, 5, 4, 6

#: name -> (cell, nonlinearity, num_layers, bidirectional, seed)
CONFIGS = {
    "rnn_tanh": ("rnn", "tanh", 1, False, 101),
    "rnn_relu": ("rnn", "relu", 1, False, 102),
    "lstm": ("lstm", "", 1, False, 103),
    "gru": ("gru", "", 1, False, 104),
    "lstm_2layer_bidirectional": ("lstm", "", 2, True, 105),
    "gru_2layer_bidirectional": ("gru", "", 2, True, 106),
    "rnn_tanh_2layer_bidirectional": ("rnn", "tanh", 2, True, 107),
    "lstm_3layer": ("lstm", "", 3, False, 108),
}

META = ("cell", "nonlinearity", "num_layers", "bidirectional", "seed", "torch_version")


def module(cell, nonlinearity, num_layers, bidirectional):
    """A fresh float32 torch module of the given kind, input D and hidden H, batch_first."""
    kwargs = dict(
        input_size=D,
        hidden_size=H,
        num_layers=num_layers,
        bidirectional=bidirectional,
        batch_first=True,
    )
    if cell == "rnn":
        return torch.nn.RNN(nonlinearity=nonlinearity, **kwargs)
    return {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell](**kwargs)


def grads(loss, net, inputs):
    """Gradients of ``loss`` w.r.t. the named inputs and every parameter of ``net``, as numpy."""
    names = list(inputs) + [name for name, _ in net.named_parameters()]
    tensors = list(inputs.values()) + [p for _, p in net.named_parameters()]
    values = torch.autograd.grad(loss, tensors, retain_graph=True)
    return {name: g.detach().numpy().copy() for name, g in zip(names, values, strict=True)}


def generate(name):
    """Compute one configuration's arrays; returns a dict name -> numpy array."""
    cell, nonlinearity, num_layers, bidirectional, seed = CONFIGS[name]
    torch.manual_seed(seed)
    net = module(cell, nonlinearity, num_layers, bidirectional).double()
    K = num_layers * (2 if bidirectional else 1)
    B = (2 if bidirectional else 1) * H
    f64 = torch.float64
    x = torch.randn(N, T, D, dtype=f64, requires_grad=True)
    h0 = (0.5 * torch.randn(K, N, H, dtype=f64)).requires_grad_()
    inputs = {"x": x, "h0": h0}
    if cell == "lstm":
        c0 = (0.5 * torch.randn(K, N, H, dtype=f64)).requires_grad_()
        inputs["c0"] = c0
        output, (h_n, c_n) = net(x, (h0, c0))
    else:
        output, h_n = net(x, h0)
    G_output = torch.randn(N, T, B, dtype=f64)
    G_h_n = torch.randn(K, N, H, dtype=f64)
    loss = (output * G_output).sum() + (h_n * G_h_n).sum()

    out = {key: t.detach().numpy().copy() for key, t in inputs.items()}
    out.update({key: t.detach().numpy().copy() for key, t in net.state_dict().items()})
    out.update(output=output.detach().numpy().copy(), h_n=h_n.detach().numpy().copy())
    out.update(G_output=G_output.numpy().copy(), G_h_n=G_h_n.numpy().copy())
    out.update({f"grad_{key}": g for key, g in grads(loss, net, inputs).items()})
    if cell == "lstm":
        G_c_n = torch.randn(K, N, H, dtype=f64)
        loss_c = (c_n * G_c_n).sum()
        out.update(c_n=c_n.detach().numpy().copy(), G_c_n=G_c_n.numpy().copy())
        out.update({f"grad_c_n_{key}": g for key, g in grads(loss_c, net, inputs).items()})
    out.update(
        cell=np.array(cell),
        nonlinearity=np.array(nonlinearity),
        num_layers=np.array(num_layers),
        bidirectional=np.array(bidirectional),
        seed=np.array(seed),
        torch_version=np.array(torch.__version__),
    )
    return out
