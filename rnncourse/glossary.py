"""The course glossary as data: English and Chinese terms side by side.

Appendix A2 renders :data:`TERMS` as a table and filters it with :func:`search`. Each entry
is a :class:`Term`: the English term, its Chinese equivalents (the forms the Chinese RNN
literature uses, several separated by " / "), a one-line definition in the course's notation
and the notebook that teaches it: the part of its chapter whose text first explains it (a key
of :data:`CHAPTERS`, which comes from the course map).

Definitions are Markdown: math between ``$...$`` in the symbols of the notation table
(row vectors, batch first: x_t (N, D), h_t (N, H), W_xh (D, H), W_hh (H, H)), code between
backticks. They never contain ``|``, which would break a Markdown table.

This module imports nothing outside the standard library and the course map.
"""

import html
import re
from typing import NamedTuple

from . import course_map as _course_map

#: The course's notebooks (in notebooks/: each chapter, or each part of a chapter split into
#: parts of one sitting) and their titles, from the course map. Links point to these names.
CHAPTERS = {c.file: c.title for c in _course_map.CHAPTERS if c.chapter[0].isdigit()}

#: Part number -> its notebook file, for the table below ("07b" -> "07b_...ipynb").
_P = {c.number: c.file for c in _course_map.CHAPTERS}


class Term(NamedTuple):
    """One glossary entry."""

    english: str  # the English term, abbreviation in parentheses
    chinese: str  # Chinese equivalents, separated by " / "
    definition: str  # one line, Markdown, in the course's notation
    chapter: str  # the notebook (the part) that first explains it, a key of CHAPTERS


#: Every entry, grouped by chapter; each names the part whose Markdown first explains the term
#: (a fixed table, read off the parts when chapters were split; tests/claims/test_chA2.py
#: checks that the part names the term). :data:`TERMS` puts them in course order.
_TERMS = [
    # 00: arrays and notation
    Term(
        "batch size",
        "批量大小",
        "$N$, the number of sequences processed together; every array has this axis first "
        "(batch-major), e.g. x of shape (N, T, D).",
        _P["00"],
    ),
    Term(
        "sequence length",
        "序列长度",
        "$T$, the number of time steps in a sequence.",
        _P["00"],
    ),
    Term(
        "weight matrix",
        "权重矩阵",
        "A learned matrix such as $W_{xh}$ (D, H) or $W_{hh}$ (H, H), used as `x_t @ W_xh` "
        "in the course's row-vector maths (papers use its transpose).",
        _P["00"],
    ),
    # 01: sequences and the cell
    Term(
        "sequence data",
        "序列数据 / 时序数据",
        "Data whose items come in an order that matters (text, speech, prices): neighbouring "
        "items depend on each other, so they are not independent draws.",
        _P["01a"],
    ),
    Term(
        "time step",
        "时间步",
        "One position $t = 1, \\dots, T$ of a sequence; the cell runs once per time step, "
        "reading $x_t$ (N, D).",
        _P["01a"],
    ),
    Term(
        "recurrent neural network (RNN)",
        "循环神经网络",
        "A network that applies one cell at every time step and passes a hidden state from "
        "each step to the next.",
        _P["01a"],
    ),
    Term(
        "vanilla RNN",
        "基本RNN / 普通循环神经网络",
        "The plain recurrent cell without gates, "
        "$h_t = \\tanh(x_t W_{xh} + h_{t-1} W_{hh} + b_h)$ (Elman's cell).",
        _P["01a"],
    ),
    Term(
        "Elman network (simple recurrent network, SRN)",
        "Elman网络 / 简单循环网络",
        "Elman (1990): the previous hidden state $h_{t-1}$ is fed back into the hidden layer; "
        "the course's vanilla RNN.",
        _P["01a"],
    ),
    Term(
        "Jordan network",
        "Jordan网络",
        "Jordan (1986): the previous output $y_{t-1}$, not the hidden state, is fed back "
        "into the hidden layer.",
        _P["01a"],
    ),
    Term(
        "recurrent connection",
        "循环连接",
        "The path from $h_{t-1}$ to $h_t$ through $W_{hh}$ (H, H) that carries information "
        "from one step to the next.",
        _P["01a"],
    ),
    Term(
        "hidden state",
        "隐藏状态 / 隐状态 / 状态向量",
        "$h_t$ (N, H), the vector the cell carries from step t to step t + 1: the output of "
        "the activation, not its input.",
        _P["01a"],
    ),
    Term(
        "initial hidden state",
        "初始隐藏状态",
        "$h_0$ (N, H), the state before the first step, usually zeros (`h0` in code).",
        _P["01a"],
    ),
    Term(
        "hidden layer",
        "隐藏层",
        "The layer between input and output; in an RNN, the recurrent layer whose H units "
        "form $h_t$.",
        _P["01a"],
    ),
    Term(
        "output layer",
        "输出层",
        "The linear map $y_t = h_t W_{hy} + b_y$ from the hidden state to K scores or "
        "predictions (N, K).",
        _P["01a"],
    ),
    Term(
        "bias",
        "偏置 / 偏置项",
        "A learned vector added after the matrix products, such as $b_h$ (H,).",
        _P["01a"],
    ),
    Term(
        "pre-activation",
        "预激活值 / 净输入",
        "$a_t = x_t W_{xh} + h_{t-1} W_{hh} + b_h$ (N, H), the value the activation "
        "function is applied to.",
        _P["01a"],
    ),
    Term(
        "activation function",
        "激活函数",
        "The elementwise nonlinearity applied to the pre-activation: tanh in the vanilla "
        "RNN, the sigmoid in gates.",
        _P["01a"],
    ),
    Term(
        "sigmoid (logistic function)",
        "sigmoid函数 / S型函数 / 逻辑函数",
        "$\\sigma(z) = 1 / (1 + e^{-z})$, in (0, 1); the activation of gates. Its slope is "
        "at most 0.25.",
        _P["01a"],
    ),
    Term(
        "tanh (hyperbolic tangent)",
        "双曲正切函数",
        "$\\tanh(z)$, in (-1, 1), zero-centred, slope at most 1: the standard activation of "
        "the vanilla RNN.",
        _P["01a"],
    ),
    Term(
        "ReLU (rectified linear unit)",
        "修正线性单元 / 线性整流函数",
        "$\\max(z, 0)$; in an RNN mostly used with $W_{hh}$ started at the identity (IRNN, "
        "Le et al. 2015).",
        _P["01a"],
    ),
    Term(
        "weight initialisation",
        "权重初始化",
        "How parameters get their starting values: random, to break the symmetry between "
        "units, and scaled so signals neither shrink nor grow.",
        _P["01b"],
    ),
    Term(
        "Xavier (Glorot) initialisation",
        "Xavier初始化 / Glorot初始化",
        "Random weights with variance $2 / (\\text{fan-in} + \\text{fan-out})$ (Glorot and "
        "Bengio 2010); the package's default for $W_{xh}$.",
        _P["01b"],
    ),
    Term(
        "orthogonal initialisation",
        "正交初始化",
        "$W_{hh}$ starts as a random orthogonal matrix: every singular value is 1, so "
        "repeated products keep vector lengths (Saxe et al. 2014).",
        _P["01b"],
    ),
    Term(
        "parameter sharing",
        "参数共享 / 权重共享",
        "The same $W_{xh}, W_{hh}, b_h$ serve every time step, so the cell has "
        "$DH + H^2 + H$ parameters whatever T is.",
        _P["01a"],
    ),
    Term(
        "unrolling in time",
        "按时间展开",
        "Drawing the RNN as a T-layer feed-forward network, one copy of the cell per step, "
        "all copies sharing their weights.",
        _P["01a"],
    ),
    Term(
        "feed-forward neural network",
        "前馈神经网络",
        "A network without cycles: a fixed-size input goes through the layers once, with no "
        "state kept between inputs.",
        _P["01a"],
    ),
    Term(
        "forward pass",
        "前向传播",
        "Computing $h_1, \\dots, h_T$ and the outputs from x, in time order; the cache keeps "
        "what the backward pass needs.",
        _P["01b"],
    ),
    # 02: BPTT
    Term(
        "backpropagation",
        "反向传播",
        "Computing the gradient of the loss with respect to every parameter by the chain "
        "rule, from the loss backwards.",
        _P["02a"],
    ),
    Term(
        "backpropagation through time (BPTT)",
        "通过时间的反向传播 / 随时间反向传播",
        "Backpropagation on the unrolled network: $dh_t$ = gradient from the output at t + "
        "gradient through $h_{t+1}$; parameter gradients are summed over the steps.",
        _P["02a"],
    ),
    Term(
        "truncated BPTT",
        "截断的BPTT / 截断的通过时间反向传播",
        "BPTT in which a gradient travels back at most k steps, to save time and memory; "
        "`rnn.rnn_backward(dh, cache, truncate=k)`.",
        _P["02b"],
    ),
    Term(
        "loss function",
        "损失函数",
        "$L$, the number training minimises; in the course the mean of a per-step loss over "
        "the counted time steps.",
        _P["02a"],
    ),
    Term(
        "gradient",
        "梯度",
        "$\\partial L / \\partial \\theta$, shaped like $\\theta$; in code `d` + the name "
        "(`dW_hh`), stored in a dict under the parameter's key.",
        _P["02a"],
    ),
    Term(
        "chain rule",
        "链式法则",
        "The derivative of a composition is the product of the derivatives of its parts; "
        "backpropagation applies it step by step.",
        _P["02a"],
    ),
    Term(
        "computational graph",
        "计算图",
        "The graph of operations from the inputs to the loss; the unrolled RNN is one, with "
        "one copy of the cell per time step.",
        _P["02a"],
    ),
    Term(
        "gradient checking",
        "梯度检验 / 梯度检查",
        "Comparing an analytic gradient with central differences $(f(x+h) - f(x-h)) / 2h$; "
        "a relative error below 1e-7 in float64 passes.",
        _P["02b"],
    ),
    # 03: vanishing and exploding gradients
    Term(
        "vanishing gradient",
        "梯度消失",
        "Gradients that shrink geometrically as they travel back through time, so early "
        "steps barely influence learning.",
        _P["03a"],
    ),
    Term(
        "exploding gradient",
        "梯度爆炸",
        "Gradients that grow geometrically as they travel back through time, so one update "
        "can wreck the parameters.",
        _P["03a"],
    ),
    Term(
        "Jacobian matrix",
        "雅可比矩阵",
        "$J_t = \\partial h_t / \\partial h_{t-1}$ (H, H); the gradient reaching step k is "
        "the product of the Jacobians of the steps after it.",
        _P["03a"],
    ),
    Term(
        "spectral radius",
        "谱半径",
        "The largest absolute eigenvalue of $W_{hh}$. It sets the long-run growth of the "
        "gradient in a linear RNN, but not in a tanh RNN: there only the singular-value bound "
        "is a guarantee.",
        _P["03a"],
    ),
    Term(
        "singular value",
        "奇异值",
        "The largest singular value of $W_{hh}$ bounds how much one step can stretch a "
        "gradient: $\\lVert J_t \\rVert \\le \\max\\lvert\\text{act}'\\rvert\\,"
        "\\sigma_{\\max}(W_{hh})$.",
        _P["03a"],
    ),
    Term(
        "gradient clipping",
        "梯度裁剪",
        "Rescaling all gradients when their global norm exceeds a threshold (Pascanu et al. "
        "2013); it tames exploding gradients, not vanishing ones.",
        _P["03b"],
    ),
    # 04: LSTM
    Term(
        "long short-term memory (LSTM)",
        "长短期记忆网络 / 长短期记忆",
        "Hochreiter and Schmidhuber's (1997) gated cell with a cell state $c_t$, input and "
        "output gates; the forget gate was added by Gers, Schmidhuber and Cummins (2000).",
        _P["04a"],
    ),
    Term(
        "gate",
        "门 / 门控机制",
        "A vector of sigmoids in (0, 1), shape (N, H), that multiplies another vector "
        "elementwise and so decides how much of it passes.",
        _P["04a"],
    ),
    Term(
        "forget gate",
        "遗忘门",
        "$f_t = \\sigma(x_t W_{xf} + h_{t-1} W_{hf} + b_f)$ (N, H): the share of $c_{t-1}$ "
        "the cell keeps.",
        _P["04a"],
    ),
    Term(
        "input gate",
        "输入门",
        "$i_t = \\sigma(x_t W_{xi} + h_{t-1} W_{hi} + b_i)$ (N, H): the share of the "
        "candidate $g_t$ written into the cell.",
        _P["04a"],
    ),
    Term(
        "output gate",
        "输出门",
        "$o_t = \\sigma(x_t W_{xo} + h_{t-1} W_{ho} + b_o)$ (N, H): how much of the cell is "
        "shown, $h_t = o_t \\odot \\tanh(c_t)$.",
        _P["04a"],
    ),
    Term(
        "cell state (memory cell)",
        "细胞状态 / 记忆单元 / 记忆细胞",
        "$c_t$ (N, H), the LSTM's memory, updated by $c_t = f_t \\odot c_{t-1} + i_t \\odot "
        "g_t$; its gradient goes back as $dc_{t-1} = dc_t \\odot f_t$.",
        _P["04a"],
    ),
    Term(
        "candidate cell values",
        "候选记忆单元 / 候选值",
        "$g_t = \\tanh(x_t W_{xg} + h_{t-1} W_{hg} + b_g)$ (N, H), the new content the "
        "input gate lets into the cell (written $\\tilde c_t$ in many papers).",
        _P["04a"],
    ),
    Term(
        "forget-gate bias",
        "遗忘门偏置",
        "Starting $b_f$ at 1 so that $f_t \\approx 0.73$ and the cell remembers from the "
        "first update (Gers, Schmidhuber and Cummins 2000; recommended again by Jozefowicz "
        "et al. 2015).",
        _P["04a"],
    ),
    Term(
        "peephole connection",
        "窥视孔连接 / 窥孔连接",
        "An LSTM variant whose gates also see the cell state (Gers and Schmidhuber 2000); "
        "neither the package nor PyTorch has it.",
        _P["04a"],
    ),
    Term(
        "elementwise product (Hadamard product)",
        "逐元素相乘 / 按元素乘法 / 哈达玛积",
        "$a \\odot b$, `a * b` in numpy: two arrays of one shape multiplied entry by entry; "
        "how every gate acts.",
        _P["04a"],
    ),
    # 05: GRU
    Term(
        "gated recurrent unit (GRU)",
        "门控循环单元",
        "Cho et al.'s (2014) gated cell: two gates (reset, update) and one state $h_t$, no "
        "separate cell state.",
        _P["05a"],
    ),
    Term(
        "update gate",
        "更新门",
        "$z_t$ (N, H); in the course's convention $h_t = (1 - z_t) \\odot n_t + z_t \\odot "
        "h_{t-1}$, so $z_t$ near 1 keeps the old state.",
        _P["05a"],
    ),
    Term(
        "reset gate",
        "重置门",
        "$r_t$ (N, H): how much of $h_{t-1}$ the candidate may use; with $r_t = 0$ the "
        "candidate depends on $x_t$ alone.",
        _P["05a"],
    ),
    Term(
        "candidate hidden state",
        "候选隐藏状态 / 候选隐状态",
        "$n_t = \\tanh(x_t W_{xn} + b_{xn} + r_t \\odot (h_{t-1} W_{hn} + b_{hn}))$ (N, H), "
        "written $\\tilde h_t$ in papers.",
        _P["05a"],
    ),
    # 06: deep and bidirectional
    Term(
        "bidirectional RNN",
        "双向循环神经网络 / 双向循环网络 / 双向RNN",
        "Two cells with their own parameters read the sequence forwards and backwards; their "
        "states are concatenated at every step, (N, T, 2H).",
        _P["06a"],
    ),
    Term(
        "stacked (deep) RNN",
        "堆叠循环神经网络 / 深层循环神经网络 / 深度循环神经网络",
        "L recurrent layers; layer l + 1 reads the sequence of hidden states of layer l as "
        "its input.",
        _P["06a"],
    ),
    # 07: training toolbox
    Term(
        "gradient descent",
        "梯度下降",
        "The update $\\theta \\leftarrow \\theta - \\eta\\, \\partial L / \\partial \\theta$ "
        "with learning rate $\\eta$.",
        _P["07a"],
    ),
    Term(
        "stochastic gradient descent (SGD)",
        "随机梯度下降",
        "Gradient descent with the gradient of a random mini-batch instead of the whole "
        "training set.",
        _P["07a"],
    ),
    Term(
        "mini-batch",
        "小批量",
        "A small random subset of the training sequences, used for one parameter update.",
        _P["07c"],
    ),
    Term(
        "epoch",
        "迭代周期 / 轮次",
        "One pass over the whole training set.",
        _P["07c"],
    ),
    Term(
        "learning rate",
        "学习率",
        "$\\eta$, the step size of each update; too large diverges, too small crawls.",
        _P["07a"],
    ),
    Term(
        "optimizer",
        "优化器 / 优化算法",
        "The rule that turns gradients into parameter updates: SGD, momentum, RMSprop, "
        "Adam, ...; one interface in `rnncourse.optim`.",
        _P["07a"],
    ),
    Term(
        "momentum",
        "动量法",
        "An optimizer that steps along a running average of past gradients, which damps "
        "zig-zags in narrow valleys.",
        _P["07a"],
    ),
    Term(
        "Adam",
        "Adam算法",
        "An optimizer with running averages of the gradient and of its square, giving every "
        "parameter its own step size (Kingma and Ba 2015).",
        _P["07a"],
    ),
    Term(
        "overfitting",
        "过拟合",
        "Fitting the training data, noise included, so well that the error on new data grows.",
        _P["07b"],
    ),
    Term(
        "regularisation",
        "正则化",
        "Anything that limits overfitting, such as weight decay or dropout.",
        _P["07b"],
    ),
    Term(
        "weight decay (L2 regularisation)",
        "权重衰减 / L2正则化",
        "Adding $\\tfrac{\\lambda}{2} \\sum W^2$ to the loss, so every update also shrinks "
        "the weights a little.",
        _P["07b"],
    ),
    Term(
        "dropout",
        "暂退法 / 丢弃法 / Dropout正则化",
        "In training, each unit is zeroed with probability p and the others are scaled by "
        "$1 / (1 - p)$; nothing is dropped at evaluation.",
        _P["07b"],
    ),
    Term(
        "variational dropout",
        "变分Dropout",
        "One dropout mask per sequence, reused at every step, also on the recurrent "
        "connection (Gal and Ghahramani 2016).",
        _P["07b"],
    ),
    # 08: long-range tasks
    Term(
        "long-term dependency",
        "长期依赖 / 长距离依赖",
        "An output that depends on an input many steps earlier; hard for a vanilla RNN to "
        "learn because its gradient vanishes over the gap.",
        _P["08a"],
    ),
    # 09: time series
    Term(
        "time series",
        "时间序列",
        "Measurements taken at successive times; predicting the next values is a regression task.",
        _P["09a"],
    ),
    Term(
        "regression",
        "回归",
        "Predicting real numbers (not classes), e.g. tomorrow's value of a series.",
        _P["07c"],
    ),
    Term(
        "mean squared error (MSE)",
        "均方误差",
        "The mean of $(\\hat y - y)^2$: the usual loss for regression, not for classification.",
        _P["09a"],
    ),
    Term(
        "sliding window",
        "滑动窗口",
        "Cutting a long series into overlapping inputs of T steps, each with the value(s) "
        "that follow as its target.",
        _P["09a"],
    ),
    Term(
        "baseline",
        "基线 / 基线模型",
        "A simple reference predictor (e.g. repeat the last value) that a model must beat to "
        "be worth anything.",
        _P["09b"],
    ),
    # 10: character language model
    Term(
        "language model",
        "语言模型",
        "A model of the probability of the next token given the previous ones; a character "
        "RNN outputs a softmax over V characters at every step.",
        _P["10a"],
    ),
    Term(
        "softmax",
        "softmax函数 / 归一化指数函数",
        "Turns scores $y_t$ (N, V) into probabilities: $\\exp(y_k) / \\sum_j \\exp(y_j)$ "
        "along the last axis.",
        _P["10a"],
    ),
    Term(
        "cross-entropy",
        "交叉熵",
        "$-\\log p_{\\text{true class}}$ averaged over steps: the loss for classification "
        "and language models; its gradient with respect to the scores is $p - $ one-hot.",
        _P["10a"],
    ),
    Term(
        "perplexity",
        "困惑度",
        "$\\exp$ of the mean cross-entropy per token: the effective number of equally likely "
        "choices the model hesitates between.",
        _P["10a"],
    ),
    Term(
        "one-hot encoding",
        "独热编码",
        "A vector of length V with a 1 at the token's index and 0 elsewhere.",
        _P["10a"],
    ),
    Term(
        "vocabulary",
        "词表 / 词汇表",
        "The V distinct tokens (characters or words) a model reads and predicts.",
        _P["10a"],
    ),
    Term(
        "word embedding",
        "词嵌入",
        "A learned dense vector per token: a row of an embedding matrix (V, D), the same as "
        "a one-hot vector times that matrix.",
        _P["10a"],
    ),
    Term(
        "sampling",
        "采样",
        "Generating text by drawing each next token from the model's softmax and feeding it "
        "back as the next input.",
        _P["10b"],
    ),
    Term(
        "temperature",
        "温度",
        "Dividing the scores by $\\tau$ before the softmax: $\\tau < 1$ sharpens the "
        "distribution, $\\tau > 1$ flattens it.",
        _P["10b"],
    ),
    # 11: attention
    Term(
        "encoder-decoder",
        "编码器-解码器",
        "One RNN (the encoder) reads the input sequence, another (the decoder) generates the "
        "output sequence from what the encoder computed.",
        _P["11a"],
    ),
    Term(
        "sequence to sequence (seq2seq)",
        "序列到序列",
        "Mapping an input sequence to an output sequence, possibly of another length, e.g. "
        "machine translation, usually with an encoder-decoder.",
        _P["11a"],
    ),
    Term(
        "machine translation",
        "机器翻译",
        "Translating text from one language into another, the task attention was introduced "
        "for (Bahdanau et al. 2015).",
        _P["11a"],
    ),
    Term(
        "attention mechanism",
        "注意力机制",
        "Scores between a decoder state and every encoder state become weights by a "
        "softmax; the context vector is the weighted average of the encoder states.",
        _P["11a"],
    ),
    Term(
        "attention weights",
        "注意力权重",
        "$\\alpha_s$, the softmax of the attention scores over the S encoder positions, "
        "(N, S): positive, each row summing to 1.",
        _P["11a"],
    ),
    Term(
        "attention scores",
        "注意力分数 / 注意力得分 / 对齐分数",
        "$e_s = \\mathrm{score}(q, k_s)$, one real number per encoder position s = 1, ..., S, "
        "(N, S): what the softmax turns into the attention weights. Not the weights themselves.",
        _P["11a"],
    ),
    Term(
        "context vector",
        "上下文向量",
        "The attention-weighted average of the encoder states that the decoder reads at one "
        "output step.",
        _P["11a"],
    ),
    Term(
        "additive attention",
        "加性注意力",
        "Bahdanau et al.'s score: a small tanh layer of the decoder state and an encoder "
        "state, followed by a dot product with a learned vector.",
        _P["11a"],
    ),
    Term(
        "dot-product attention",
        "点积注意力",
        "The score is the dot product of the decoder state and an encoder state; one of "
        "Luong et al.'s (2015) three scores.",
        _P["11a"],
    ),
    Term(
        "teacher forcing",
        "教师强制 / 强制教学",
        "In training, feeding the true previous token as the next input instead of the "
        "model's own prediction (Williams and Zipser 1989).",
        _P["11b"],
    ),
    # 12: frameworks
    Term(
        "deep learning framework",
        "深度学习框架",
        "A library such as PyTorch or TensorFlow/Keras with ready-made layers, automatic "
        "differentiation and GPU support.",
        _P["12a"],
    ),
    Term(
        "automatic differentiation",
        "自动微分",
        "Gradients computed by the framework from the recorded forward computation, instead "
        "of a hand-written backward pass.",
        _P["12a"],
    ),
    Term(
        "padding and mask",
        "填充 / 掩码",
        "Short sequences are padded to length T; a 0/1 mask (N, T) leaves the padded steps "
        "out of the loss; packed sequences skip the padding instead.",
        _P["12b"],
    ),
]

#: Every entry, in course order of the parts that teach them (the order within a part kept).
TERMS = sorted(_TERMS, key=lambda t: list(CHAPTERS).index(t.chapter))


def _fold(text):
    """Lower-case, so the search ignores case (Chinese characters are unchanged)."""
    return text.casefold()


def search(query, terms=None):
    """The entries whose English or Chinese text contains every word of ``query``.

    Case is ignored; words are separated by whitespace, so ``"gate 门"`` finds entries that
    contain both. An empty or blank query returns every entry. The order is kept.

    Inputs:
    - query: a string, e.g. ``"forget"``, ``"遗忘"`` or ``"gate 门"``
    - terms: a list of :class:`Term` (default: :data:`TERMS`)

    Returns a new list of :class:`Term`.
    """
    if not isinstance(query, str):
        raise TypeError(f"query must be a string, but got {type(query).__name__}.")
    terms = TERMS if terms is None else terms
    words = _fold(query).split()
    return [t for t in terms if all(w in _fold(f"{t.english} {t.chinese}") for w in words)]


def chapter_label(chapter):
    """A short label for a notebook file: ``"05a_gru_equations.ipynb"`` ->
    ``"05a GRU: two gates and their equations"``."""
    if chapter not in CHAPTERS:
        raise ValueError(f"chapter must be one of the files in CHAPTERS, but got {chapter!r}.")
    return f"{chapter.split('_')[0]} {CHAPTERS[chapter]}"


def table_markdown(terms=None):
    """The entries as a Markdown table with a link to the part that teaches each (links are
    relative to the notebooks/ folder, where the chapters' parts live)."""
    terms = TERMS if terms is None else terms
    lines = ["| English | 中文 | definition | chapter |", "|---|---|---|---|"]
    for t in terms:
        link = f"[{chapter_label(t.chapter)}]({t.chapter})"
        lines.append(f"| **{t.english}** | {t.chinese} | {t.definition} | {link} |")
    return "\n".join(lines)


_CODE = re.compile(r"`([^`]*)`")


def _definition_html(text):
    """Escape HTML and turn `code` into <code>code</code>; $...$ is left for MathJax."""
    return _CODE.sub(r"<code>\1</code>", html.escape(text, quote=False))


def table_html(terms=None):
    """The entries as an HTML table (for a widget, which shows HTML, not Markdown)."""
    terms = TERMS if terms is None else terms
    if not terms:
        return "<p>No term matches. Try fewer letters, or the other language.</p>"
    head = "<tr><th>English</th><th>中文</th><th>definition</th><th>chapter</th></tr>"
    rows = [
        "<tr>"
        f"<td><b>{html.escape(t.english)}</b></td>"
        f"<td>{html.escape(t.chinese)}</td>"
        f"<td>{_definition_html(t.definition)}</td>"
        f'<td><a href="{t.chapter}" target="_blank">{html.escape(chapter_label(t.chapter))}</a>'
        "</td></tr>"
        for t in terms
    ]
    return f"<table>{head}{''.join(rows)}</table>"
