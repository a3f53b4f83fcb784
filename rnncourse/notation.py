"""The course's notation, as data: chapter 0 renders this table and the tests check the
code against it. If a symbol here and a name in the code disagree, a test fails.

Each row: (symbol in the equations, name in the code, shape, meaning).
"""

DIMENSIONS = [
    ("N", "N", "", "batch size: how many sequences are processed together"),
    ("T", "T", "", "sequence length: number of time steps"),
    ("D", "D", "", "input size: features per time step"),
    ("H", "H", "", "hidden size: units in the hidden state"),
    ("V", "V", "", "vocabulary size (number of classes); K for a general output size"),
]

SYMBOLS = [
    ("x", "x", "(N, T, D)", "a batch of input sequences, batch-major"),
    ("x_t", "x_t", "(N, D)", "inputs at step t = 1..T; in code x[:, t-1] (Python counts from 0)"),
    ("h_{t-1}", "h_prev", "(N, H)", "hidden state coming into step t"),
    ("h_t", "h_t", "(N, H)", "hidden state leaving step t"),
    ("h_0", "h0", "(N, H)", "initial hidden state h_0 (usually zeros); not stored in h"),
    ("h", "h", "(N, T, H)", "all hidden states of a sequence: h[:, t-1] is h_t"),
    ("a_t", "a_t", "(N, H)", "pre-activation: x_t W_xh + h_{t-1} W_hh + b_h"),
    ("W_{xh}", "W_xh", "(D, H)", "input-to-hidden weights"),
    ("W_{hh}", "W_hh", "(H, H)", "hidden-to-hidden (recurrent) weights"),
    ("b_h", "b_h", "(H,)", "hidden bias"),
    ("W_{hy}", "W_hy", "(H, K)", "hidden-to-output weights"),
    ("b_y", "b_y", "(K,)", "output bias"),
    ("y_t", "y_t", "(N, K)", "output (scores) at step t: h_t W_hy + b_y"),
    ("L", "loss", "()", "the loss, a number: the mean over counted time steps"),
    ("\\partial L / \\partial h_t", "dh_t", "(N, H)", "gradient of the loss with respect to h_t"),
    ("", "dh", "(N, T, H)", "gradient reaching each h_t from the outputs only"),
    ("", "dh_next", "(N, H)", "gradient reaching h_t from the future, through h_{t+1}"),
    ("", "dW_hh etc.", "as W_hh", "gradients: 'd' + the name; stored in a dict under the name"),
]

#: The gated cells (chapters 04 and 05). Gate blocks are stacked along the columns.
GATED_SYMBOLS = [
    ("c_t", "c_t", "(N, H)", "LSTM cell state leaving step t (c_prev coming in, c0 at the start)"),
    (
        "i_t, f_t, g_t, o_t",
        "i, f, g, o",
        "(N, H)",
        "LSTM input, forget, output gates; g: candidate",
    ),
    (
        "W_x",
        "W_x",
        "(D, 4H) or (D, 3H)",
        "input weights of all gates, blocks i,f,g,o (LSTM) or r,z,n (GRU)",
    ),
    ("W_h", "W_h", "(H, 4H) or (H, 3H)", "recurrent weights of all gates, same block order"),
    ("b", "b", "(4H,)", "LSTM bias of all gates (PyTorch's two biases added)"),
    ("r_t, z_t, n_t", "r, z, n", "(N, H)", "GRU reset gate, update gate, candidate state"),
    ("b_x, b_h", "b_x, b_h", "(3H,)", "GRU input-side and recurrent-side biases (as PyTorch)"),
]

#: Attention (chapter 11). The decoder's output length is T; the source length is S.
ATTENTION_SYMBOLS = [
    ("S", "S", "", "source length: positions the decoder attends over"),
    ("q", "q", "(N, H_q)", "query: a decoder state"),
    ("k", "k", "(N, S, H_k)", "keys (and values): the encoder outputs"),
    ("W_q, W_k, v", "W_q, W_k, v", "(H_q, A), (H_k, A), (A,)", "additive (Bahdanau) score"),
    ("W_a", "W_a", "(H_q, H_k)", "general (Luong) score q W_a k_s^T"),
    ("e", "scores", "(N, S)", "scores of the query against every source position"),
    ("\\alpha", "alpha", "(N, S)", "alignment weights: softmax of the scores over S"),
    ("m", "mask", "(N, S)", "1 for real source positions, 0 for padding"),
    (
        "c_t",
        "context",
        "(N, H_k)",
        "context: sum over s of alpha_s k_s (chapter 11; elsewhere c_t is the LSTM cell)",
    ),
]

#: The convention in one line, as papers write it and as the course writes it.
ROW_VECTOR_FORM = "h_t = tanh(x_t W_xh + h_{t-1} W_hh + b_h)"
COLUMN_VECTOR_FORM = "h_t = tanh(W_hh^T h_{t-1} + W_xh^T x_t + b_h)  (papers' W = our W^T)"


def table_markdown():
    """The symbol table as a Markdown string (chapter 0 displays it)."""
    lines = ["| symbol | in code | shape | meaning |", "|---|---|---|---|"]
    for symbol, code, shape, meaning in DIMENSIONS + SYMBOLS + GATED_SYMBOLS + ATTENTION_SYMBOLS:
        sym = f"${symbol}$" if symbol else ""
        lines.append(f"| {sym} | `{code}` | {shape or '—'} | {meaning} |")
    return "\n".join(lines)
