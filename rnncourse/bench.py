"""Benchmarks: how fast rnncourse trains, and how fast the course itself runs.

    python -m rnncourse.bench                  # every section, as tables
    python -m rnncourse.bench --json           # the same numbers as JSON
    python -m rnncourse.bench --only course --repeats 40
    make bench

Sections (``--only`` takes a comma-separated list of their names):

- ``classic``: one training step at min-char-rnn's sizes (batch 1, T=25, H=100, V=65,
  Adagrad lr 0.1, every gradient entry clipped to [-5, 5], float64), for rnncourse, for a
  faithful copy of Karpathy's min-char-rnn loop (column vectors, one character at a time),
  and for PyTorch.
- ``course``: one training step at the course's sizes (batch 32, T=50, H=128, V=65, Adam,
  gradients clipped to a global norm of 5) for the RNN, the LSTM and the GRU, in float32
  and float64, for rnncourse (:func:`rnncourse.train.train_step`) and PyTorch.
- ``parts``: where a course-configuration step's time goes (float32): the forward pass, the
  output layer and loss, the backward pass, clipping and Adam, and the step's matrix
  products alone (the least time numpy can take for it).
- ``memory``: the memory BPTT keeps per time step, how it grows with T, and what training
  on chunks (truncated BPTT) saves.
- ``widgets``: the median time each widget takes to react to a change of one of its
  controls, at the notebooks' settings.
- ``notebooks``: how long each notebook of notebooks/ and solutions/ takes to execute.
- ``live``: time-to-result of every headline result a chapter trains live (issue 16): the
  date translators of chapter 11 (Bahdanau, Luong, no attention), chapter 8's RNN, LSTM and
  GRU on the adding problem, chapter 10's character model to its full run's quality and
  chapter 9's forecasters. Each row: seconds, the quality reached, the goal, and whether it
  is met (``goal_met``).

A training step is everything: forward, softmax cross-entropy, BPTT, clipping and the
optimiser's update. Speed is in characters per second: batch size times T over the step's
time. Each step is timed on its own, ``--repeats`` times after ``--warmup`` untimed steps,
and the median is reported. With PyTorch installed (CPU, ``nn.RNN``/``nn.LSTM``/``nn.GRU``
plus ``nn.Linear``, the same optimiser and clipping), its step and ours run alternately in
the same process, so both see the same load on a busy machine: trust the ratio between
them, not the absolute times.

``--threads N`` (default: the number of CPUs) sets OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and
MKL_NUM_THREADS for numpy's BLAS and PyTorch alike. A BLAS reads them when it loads, so when
run as a script the benchmark restarts itself with them set; ``--threads 0`` keeps the
environment as it is.
"""

import argparse
import json
import os
import platform
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

from . import charlm, clipping, deep, fast, optim, train

SECTIONS = ("classic", "course", "parts", "memory", "widgets", "notebooks", "live")
CELLS = ("rnn", "lstm", "gru")
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

#: The sizes of each training configuration; ``--tiny`` shrinks them for a quick test.
CLASSIC = {"N": 1, "T": 25, "H": 100, "V": 65, "lr": 0.1, "clip": 5.0}
COURSE = {"N": 32, "T": 50, "H": 128, "V": 65, "lr": 1e-3, "max_norm": 5.0}
TINY = {"N": 2, "T": 5, "H": 8, "V": 11}


# ---------------------------------------------------------------- the machine


def machine(with_torch=True):
    """What the numbers were measured on: CPU, cores, library versions, BLAS, threads."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info = {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numpy_blas": _numpy_blas(),
        "threads": {name: os.environ.get(name, "not set") for name in THREAD_VARIABLES},
    }
    torch = _torch() if with_torch else None
    if torch is not None:
        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
        info["torch_blas"] = "MKL" if torch.backends.mkl.is_available() else "other"
    return info


def _numpy_blas():
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{blas['name']} {blas['version']}"
    except Exception:  # older numpy, or a build that does not say
        return "unknown"


def _torch():
    """The torch module, or None when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    return torch


# ---------------------------------------------------------------- timing


def interleaved(steps, repeats, warmup, block=5, pause=0.2):
    """Time each function of ``steps`` (name -> function) ``repeats`` times, taking turns.

    Returns name -> list of seconds. After ``warmup`` untimed calls each, the functions take
    turns in blocks: a pause, one untimed call, then ``block`` timed calls. Taking turns
    makes a burst of load on the machine hit all of them alike. The pause lets the thread
    pools of the previous block go to sleep: OpenBLAS's threads spin for a while after each
    product, and spinning threads of one library would slow the next one down.
    """
    for step in steps.values():
        for _ in range(warmup):
            step()
    times = {name: [] for name in steps}
    while any(len(t) < repeats for t in times.values()):
        for name, step in steps.items():
            time.sleep(pause)
            step()
            for _ in range(min(block, repeats - len(times[name]))):
                start = time.perf_counter()
                step()
                times[name].append(time.perf_counter() - start)
    return times


def _row(name, seconds, chars):
    median = float(np.median(seconds))
    return {"name": name, "ms": 1e3 * median, "chars_per_s": chars / median, "runs": len(seconds)}


def _char_batch(N, T, V, rng):
    """Random character ids, (N, T+1): inputs are [:, :-1], targets [:, 1:]."""
    return rng.integers(0, V, size=(N, T + 1))


def _one_hot(ids, V, dtype):
    """(N, T) ids -> (N, T, V) one-hot rows."""
    return np.eye(V, dtype=dtype)[ids]


# ---------------------------------------------------------------- the classic configuration


def min_char_rnn(V, H, seed=0):
    """Karpathy's min-char-rnn (2015), one training step per call, as in the gist.

    Column vectors and a batch of one: ``h = tanh(Wxh x + Whh h + bh)``, a dict entry per
    time step (:func:`rnncourse.charlm.min_char_rnn_loss`, the gist's ``lossFun``), Adagrad
    with lr 0.1 and every gradient entry clipped to [-5, 5]. Returns ``step(inputs,
    targets)``, which trains on one chunk of character ids and carries the hidden state to
    the next chunk, as the gist's main loop does.
    """
    learning_rate = 1e-1
    rng = np.random.default_rng(seed)
    params = {
        "Wxh": rng.standard_normal((H, V)) * 0.01,  # input to hidden
        "Whh": rng.standard_normal((H, H)) * 0.01,  # hidden to hidden
        "Why": rng.standard_normal((V, H)) * 0.01,  # hidden to output
        "bh": np.zeros((H, 1)),
        "by": np.zeros((V, 1)),
    }
    memory = {key: np.zeros_like(p) for key, p in params.items()}  # Adagrad's sums
    state = {"hprev": np.zeros((H, 1))}

    def step(inputs, targets):
        loss, grads, state["hprev"] = charlm.min_char_rnn_loss(
            inputs, targets, state["hprev"], params
        )
        for key, param in params.items():
            memory[key] += grads[key] * grads[key]
            param += -learning_rate * grads[key] / np.sqrt(memory[key] + 1e-8)  # Adagrad
        return loss

    return step


def _stream(length, V, seed):
    """A chunk reader over a random character stream: each call returns the next
    (inputs, targets) pair of ``length`` ids, wrapping around at the end."""
    ids = np.random.default_rng(seed).integers(0, V, size=50 * length + 1)
    position = {"p": 0}

    def next_chunk():
        p = position["p"]
        if p + length + 1 > ids.size:
            p = 0
        position["p"] = p + length
        return ids[p : p + length], ids[p + 1 : p + length + 1]

    return next_chunk


def classic_steps(sizes, with_torch):
    """name -> one training step at the classic configuration (float64, batch 1)."""
    T, H, V = sizes["T"], sizes["H"], sizes["V"]
    steps = {}

    reference = min_char_rnn(V, H)
    chunks_ref = _stream(T, V, seed=1)
    steps["min-char-rnn loop"] = lambda: reference(*chunks_ref())

    model = train.init_model("rnn", V, H, V, np.random.default_rng(0))
    adagrad = optim.Adagrad(sizes["lr"])
    chunks = _stream(T, V, seed=1)
    carried = {"h": train.zero_state(model, 1)}

    def ours():
        inputs, targets = chunks()
        x = _one_hot(inputs[None], V, np.float64)  # (1, T, V)
        _, grads, carried["h"] = train.loss_and_grads(model, x, targets[None], carried["h"])
        adagrad.step(model.params, clipping.clip_by_value(grads, sizes["clip"]))

    steps["rnncourse"] = ours
    if with_torch:
        steps["PyTorch"] = _torch_classic_step(sizes)
    return steps


def _torch_classic_step(sizes):
    torch = _torch()
    T, H, V = sizes["T"], sizes["H"], sizes["V"]
    torch.manual_seed(0)
    rnn = torch.nn.RNN(V, H, batch_first=True).double()
    head = torch.nn.Linear(H, V).double()
    params = list(rnn.parameters()) + list(head.parameters())
    adagrad = torch.optim.Adagrad(params, lr=sizes["lr"])
    chunks = _stream(T, V, seed=1)
    eye = torch.eye(V, dtype=torch.float64)
    carried = {"h": torch.zeros(1, 1, H, dtype=torch.float64)}

    def step():
        inputs, targets = chunks()
        x = eye[torch.from_numpy(inputs)][None]  # (1, T, V)
        adagrad.zero_grad()
        out, h = rnn(x, carried["h"])
        loss = torch.nn.functional.cross_entropy(head(out)[0], torch.from_numpy(targets))
        loss.backward()
        torch.nn.utils.clip_grad_value_(params, sizes["clip"])
        adagrad.step()
        carried["h"] = h.detach()

    return step


# ---------------------------------------------------------------- the course configuration


def course_steps(cell, dtype, sizes, with_torch):
    """name -> one training step at the course configuration for ``cell`` and ``dtype``."""
    N, T, H, V = sizes["N"], sizes["T"], sizes["H"], sizes["V"]
    ids = _char_batch(N, T, V, np.random.default_rng(0))
    x, y = _one_hot(ids[:, :-1], V, dtype), ids[:, 1:]  # (N, T, V), (N, T)
    model = train.init_model(cell, V, H, V, np.random.default_rng(0), dtype=dtype)
    adam = optim.Adam(sizes["lr"])
    state0 = train.zero_state(model, N)
    steps = {"rnncourse": lambda: train.train_step(model, x, y, state0, adam, sizes["max_norm"])}
    if with_torch:
        steps["PyTorch"] = _torch_course_step(cell, dtype, x, y, sizes)
    return steps


def _torch_course_step(cell, dtype, x, y, sizes):
    torch = _torch()
    torch_dtype = torch.float32 if dtype == np.float32 else torch.float64
    module = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]
    torch.manual_seed(0)
    net = module(sizes["V"], sizes["H"], batch_first=True).to(torch_dtype)
    head = torch.nn.Linear(sizes["H"], sizes["V"]).to(torch_dtype)
    params = list(net.parameters()) + list(head.parameters())
    adam = torch.optim.Adam(params, lr=sizes["lr"])
    x_t, y_t = torch.from_numpy(x), torch.from_numpy(y).reshape(-1)

    def step():
        adam.zero_grad()
        out, _ = net(x_t)
        scores = head(out).reshape(-1, sizes["V"])
        torch.nn.functional.cross_entropy(scores, y_t).backward()
        torch.nn.utils.clip_grad_norm_(params, sizes["max_norm"])
        adam.step()

    return step


def bench_training(section, tiny, repeats, warmup, with_torch):
    """Rows of the ``classic`` or ``course`` section."""
    rows, pause = [], 0.0 if tiny else 0.2
    if section == "classic":
        sizes = {**CLASSIC, **(TINY if tiny else {}), "N": 1}
        chars = sizes["T"]
        times = interleaved(classic_steps(sizes, with_torch), repeats, warmup, pause=pause)
        rows = [{"config": "classic", **_row(name, t, chars)} for name, t in times.items()]
        return _with_ratios(rows, base="min-char-rnn loop")
    sizes = {**COURSE, **(TINY if tiny else {})}
    chars = sizes["N"] * sizes["T"]
    for cell in CELLS:
        for dtype in (np.float32, np.float64):
            steps = course_steps(cell, dtype, sizes, with_torch)
            times = interleaved(steps, repeats, warmup, pause=pause)
            config = f"{cell} {np.dtype(dtype).name}"
            rows += _with_ratios(
                [{"config": config, **_row(name, t, chars)} for name, t in times.items()],
                base="PyTorch",
            )
    return rows


def _with_ratios(rows, base):
    """Add to each row its speed relative to the row named ``base`` (if present)."""
    reference = next((r for r in rows if r["name"] == base), None)
    for r in rows:
        r[f"x_{base}"] = None if reference is None else reference["ms"] / r["ms"]
    return rows


# ---------------------------------------------------------------- where a step's time goes

#: Stacked gate blocks per cell: G = GATES[cell] * H.
GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def products(cell, sizes, dtype):
    """A function doing the matrix products of one training step of :mod:`rnncourse.fast`
    at the course configuration, with the same shapes, and nothing else.

    Forward: the input projection for all T steps, then one (G, H) @ (H, N) product per step;
    the output layer on all T*N columns. Backward: the output layer's two products, one
    (H, G) @ (G, N) product per step, and the weight gradients over all T*N columns (the
    GRU has one more for the input's candidate block). Numpy hands each to BLAS, so this is
    the least time a step can take in numpy; the rest is element-wise work, copies and Python.
    """
    N, T, H, V = sizes["N"], sizes["T"], sizes["H"], sizes["V"]
    G, D, M = GATES[cell] * H, V, sizes["N"] * sizes["T"]
    rng = np.random.default_rng(0)

    def a(*shape):
        return rng.standard_normal(shape).astype(dtype)

    W_in, X, W_h, W_back, h, da = a(G, D + 1), a(T, D + 1, N), a(G, H), a(H, G), a(H, N), a(G, N)
    DA, X_rows, H_rows, W_hy, H_out, dS = a(G, M), a(M, D + 1), a(M, H), a(V, H), a(H, M), a(V, M)
    out_steps, out_h, out_g = np.empty((T, G, N), dtype), np.empty((H, N), dtype), a(G, N)

    def run():
        np.matmul(W_in, X, out=out_steps)  # input projection, (G, D+1) @ (T, D+1, N)
        for _ in range(T):
            np.matmul(W_h, h, out=out_g)  # forward, one per step
        W_hy @ H_out  # output layer, (K, H) @ (H, T*N)
        H_out @ dS.T, W_hy.T @ dS  # its gradients dW_hy and dH
        for _ in range(T):
            np.matmul(W_back, da, out=out_h)  # backward, one per step
        DA @ X_rows, DA @ H_rows  # weight gradients: [dW_x; db] and dW_h
        if cell == "gru":
            DA[:H] @ X_rows  # the input's candidate block has its own

    return run


def bench_parts(tiny, repeats, warmup):
    """Where one training step's time goes: course configuration, float32, each cell.

    Parts, each timed on its own with :func:`interleaved`: ``step`` (all of
    :func:`rnncourse.train.train_step`), ``forward`` (the cell over T steps), ``output and
    loss`` (the output layer, softmax cross-entropy and their gradients: the step's loss and
    gradients minus the two cell passes), ``backward`` (BPTT through the cell), ``clip and
    Adam`` and ``products`` (:func:`products`: the step's matrix products and nothing else).
    """
    sizes = {**COURSE, **(TINY if tiny else {})}
    N, T, H, V = sizes["N"], sizes["T"], sizes["H"], sizes["V"]
    rows = []
    for cell in CELLS:
        ids = _char_batch(N, T, V, np.random.default_rng(0))
        x, y = _one_hot(ids[:, :-1], V, np.float32), ids[:, 1:]
        model = train.init_model(cell, V, H, V, np.random.default_rng(0), dtype=np.float32)
        adam, state0 = optim.Adam(sizes["lr"]), train.zero_state(model, N)
        states = fast._check(cell, x, state0, model.params, model.options)
        ws = fast.Workspace()
        _, cache = fast._run_forward(cell, x, states, model.params, model.options, ws)
        dH = np.full((T, H, N), 1e-3, np.float32)
        _, grads, _ = fast.loss_and_grads(model, x, y, state0)

        def clip_and_adam():
            clipped, _ = clipping.clip_by_global_norm(grads, sizes["max_norm"])  # noqa: B023
            adam.step(model.params, clipped)  # noqa: B023

        parts = {
            "step": lambda: train.train_step(model, x, y, state0, adam, sizes["max_norm"]),  # noqa: B023
            "loss and gradients": lambda: fast.loss_and_grads(model, x, y, state0),  # noqa: B023
            "forward": lambda: fast._run_forward(cell, x, states, model.params, model.options, ws),  # noqa: B023
            "backward": lambda: fast._run_backward(cell, dH, cache, False, ws),  # noqa: B023
            "clip and Adam": clip_and_adam,
            "products": products(cell, sizes, np.float32),
        }
        times = interleaved(parts, repeats, warmup, pause=0.0 if tiny else 0.1)
        ms = {name: 1e3 * float(np.median(t)) for name, t in times.items()}
        ms["output and loss"] = max(
            ms.pop("loss and gradients") - ms["forward"] - ms["backward"], 0.0
        )
        step = ms["step"]
        for name in ("step", "forward", "output and loss", "backward", "clip and Adam", "products"):
            rows.append({"cell": cell, "part": name, "ms": ms[name], "share": ms[name] / step})
    return rows


# ---------------------------------------------------------------- memory


def _bytes_alive(f):
    """Bytes of numpy memory allocated by ``f()`` and still alive after it returns."""
    tracemalloc.start()
    try:
        kept = f()  # noqa: F841 - kept alive until the measurement
        return tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()


def _peak_bytes(f):
    """The most numpy memory alive at any moment while ``f()`` runs, in bytes."""
    tracemalloc.start()
    try:
        f()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def bench_memory(tiny):
    """What BPTT keeps in memory, in float32.

    ``per_step``: what a forward pass over T steps keeps for the backward pass, for the
    step-by-step cells (one cache per step: the chapters' code) and the fast path (a few
    time-major arrays); both grow linearly with T. ``truncation``: the peak memory of one
    epoch of :func:`rnncourse.train.train` over sequences of ``T_data`` steps, with full BPTT
    (``seq_len=None``) and on chunks of k steps (``seq_len=k``: truncated BPTT keeps k
    steps at a time). ``rnn_backward(..., truncate=k)`` is different: it limits how far the
    gradients travel but still keeps all T steps.
    """
    sizes = {**COURSE, **(TINY if tiny else {})}
    N, H, V = sizes["N"], sizes["H"], sizes["V"]
    lengths = (5, 10) if tiny else (25, 50, 100, 200)
    per_step, truncation = [], []
    for cell in CELLS:
        model = train.init_model(cell, V, H, V, np.random.default_rng(0), dtype=np.float32)
        cell_params = {k: v for k, v in model.params.items() if k not in ("W_hy", "b_y")}
        for T in lengths:
            ids = _char_batch(N, T, V, np.random.default_rng(0))
            x = _one_hot(ids[:, :-1], V, np.float32)
            state0 = train.zero_state(model, N)
            readable = _bytes_alive(lambda: deep.cell_forward(cell, x, state0, cell_params))  # noqa: B023
            quick = _bytes_alive(lambda: fast.cell_forward(cell, x, state0, cell_params))  # noqa: B023
            per_step.append(
                {
                    "cell": cell,
                    "T": T,
                    "step_by_step_MB": readable / 1e6,
                    "step_by_step_kB_per_step": readable / T / 1e3,
                    "fast_MB": quick / 1e6,
                    "fast_kB_per_step": quick / T / 1e3,
                }
            )
        T_data = lengths[-1]
        ids = _char_batch(N, T_data, V, np.random.default_rng(1))
        x, y = _one_hot(ids[:, :-1], V, np.float32), ids[:, 1:]
        for seq_len in (None, T_data // 4, T_data // 8):
            fast._WORKSPACE.clear()  # count the training step's buffers too

            def epoch():
                train.train(model, x, y, optim.SGD(0.01), seq_len=seq_len, stateful=True)  # noqa: B023

            truncation.append(
                {
                    "cell": cell,
                    "T_data": T_data,
                    "seq_len": seq_len or T_data,
                    "peak_MB": _peak_bytes(epoch) / 1e6,
                }
            )
    fast._WORKSPACE.clear()
    return {"per_step": per_step, "truncation": truncation}


# ---------------------------------------------------------------- widgets


def _widget_builders():
    """name -> function building the widget as its chapter shows it."""
    from .viz import gates, gradient_flow, gru_gates, hidden_states, receptive
    from .viz.bptt_stepper import bptt_stepper

    builders = {
        "01 hidden_state_explorer": hidden_states.hidden_state_explorer,
        "02 bptt_stepper": lambda: bptt_stepper(T=6),
        "03 gradient_flow_explorer": gradient_flow.gradient_flow_explorer,
        "04 lstm_gate_explorer": gates.lstm_gate_explorer,
        "05 gru_gate_explorer": gru_gates.gru_gate_explorer,
        "06 receptive_field_explorer": lambda: receptive.receptive_field_explorer(
            cell="rnn", L=2, bidirectional=True, T=6
        ),
        "07 LiveLossCurve": _live_loss_curve,
    }
    optional = {  # widgets of later chapters: included when their modules are there
        "08 sweep_explorer": ("viz.long_range", _sweep_explorer),
        "09 forecast_explorer": ("viz.forecast", _forecast_explorer),
        "10 temperature_sampler": ("viz.sampling", _temperature_sampler),
        "11 attention_map_explorer": ("viz.attention_map", _attention_explorer),
    }
    for name, (module, build) in optional.items():
        try:
            __import__(f"rnncourse.{module}")
        except ImportError:
            continue
        builders[name] = build
    return builders


def _live_loss_curve():
    from .viz.training import LiveLossCurve

    return LiveLossCurve(total_steps=240, every=10, window=10)


def _sweep_explorer():
    from . import long_range
    from .viz.long_range import sweep_explorer

    return sweep_explorer(long_range.load_sweep(), T=50)


def _forecast_explorer():
    from . import forecast
    from .data import series
    from .viz.forecast import forecast_explorer

    L, split, T = 500, 400, 24  # chapter 9's sizes; one epoch is enough to time the widget
    models = {
        name: forecast.train_on_signal(series.make_signal(name, L, seed=0), T, split, epochs=1)
        for name in series.SIGNALS
    }
    return forecast_explorer(models, max_horizon=40, horizon=20)


def _temperature_sampler():
    from .data import text
    from .viz.sampling import temperature_sampler

    vocab = text.Vocabulary("\n -abcdefghijklmnopqrstuvwxyz")  # chapter 10's number words
    V = len(vocab)  # an untrained model samples just as fast as a trained one
    model = train.init_model("rnn", V, 128, V, np.random.default_rng(1))
    return temperature_sampler(model, vocab, prompt="seven hundred and ", temperature=1.0)


def _attention_explorer():
    from .viz.attention_map import attention_map_explorer, load_stored_models

    return attention_map_explorer(load_stored_models())


def _controls(widget):
    """Every control inside a widget tree: sliders, dropdowns, toggles, checkboxes, buttons."""
    import ipywidgets as widgets

    if isinstance(widget, widgets.Box):
        return [c for child in widget.children for c in _controls(child)]
    if isinstance(widget, widgets.Button):
        return [widget]
    kinds = (
        widgets.IntSlider,
        widgets.FloatSlider,
        widgets.FloatLogSlider,
        widgets.Dropdown,
        widgets.ToggleButtons,
        widgets.RadioButtons,
        widgets.Checkbox,
        widgets.ToggleButton,
    )
    return [widget] if isinstance(widget, kinds) else []


def _changes(control):
    """A few values to set ``control`` to, each different from the one before."""
    import ipywidgets as widgets

    if isinstance(control, widgets.Button):
        return [None] * 4
    now = control.value
    if isinstance(control, widgets.Checkbox | widgets.ToggleButton):
        return [not now, now] * 2
    if hasattr(control, "options"):
        values = [o[1] if isinstance(o, tuple) else o for o in control.options]
        other = values[(values.index(now) + 1) % len(values)]
        return [other, now] * 2 if other != now else []
    step = control.step
    other = now + step if now + step <= control.max else now - step
    return [other, now] * 2


def widget_latency(box):
    """Median seconds a widget takes to react, per control: label -> list of seconds."""
    import ipywidgets as widgets

    if hasattr(box, "widget"):  # LiveLossCurve: its callback runs after every training step
        return _curve_latency(box)
    times = {}
    for k, control in enumerate(_controls(box)):
        label = f"{type(control).__name__} {control.description or k!r}"
        seconds = []
        for value in _changes(control):
            start = time.perf_counter()
            if isinstance(control, widgets.Button):
                control.click()
            else:
                control.value = value  # the observers run now, synchronously
            seconds.append(time.perf_counter() - start)
        if seconds:
            times[label] = seconds
    return times


def _curve_latency(curve):
    """Seconds per call of a LiveLossCurve: most calls only collect, every ``every``-th
    also redraws the figure."""
    times = {"callback(step)": [], "callback(step) that redraws": []}
    for k in range(1, 6 * curve.every + 1):
        start = time.perf_counter()
        curve(train.Step(k, 1, 1.0 / k, 1.0))
        seconds = time.perf_counter() - start
        times["callback(step) that redraws" if k % curve.every == 0 else "callback(step)"].append(
            seconds
        )
    return times


def bench_widgets():
    """One row per widget: median latency over all its controls' changes, and the slowest."""
    try:
        import ipywidgets  # noqa: F401
        import plotly  # noqa: F401
    except ImportError as err:
        return [{"widget": "all", "skipped": f"needs the course's widget packages ({err.name})"}]
    import ipywidgets as widgets

    rows = []
    for name, build in _widget_builders().items():
        start = time.perf_counter()
        try:
            box = build()
        except Exception as err:  # a chapter module changed: report it, keep benchmarking
            rows.append({"widget": name, "skipped": f"{type(err).__name__}: {err}"})
            continue
        built = time.perf_counter() - start
        times = widget_latency(box)
        every = [s for seconds in times.values() for s in seconds]
        slowest = max(times, key=lambda k: np.median(times[k]))
        rows.append(
            {
                "widget": name,
                "build_ms": 1e3 * built,
                "median_ms": 1e3 * float(np.median(every)),
                "slowest_control": slowest,
                "slowest_median_ms": 1e3 * float(np.median(times[slowest])),
                "changes": len(every),
            }
        )
        widgets.Widget.close_all()
    return rows


# ---------------------------------------------------------------- notebooks


def bench_notebooks(root=None, timeout=600):
    """Seconds to execute every notebook of notebooks/ and solutions/ in a fresh kernel."""
    root = Path(root) if root is not None else Path(__file__).resolve().parents[1]
    paths = sorted((root / "notebooks").glob("[0-9A]*.ipynb")) + sorted(
        (root / "solutions").glob("[0-9]*.ipynb")
    )
    if not paths:
        return [{"notebook": "all", "skipped": f"no notebooks under {root}"}]
    try:
        import nbformat
        from nbclient import NotebookClient
    except ImportError as err:
        return [{"notebook": "all", "skipped": f"needs nbclient and nbformat ({err.name})"}]
    rows = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(
            nb, timeout=timeout, kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        )  # fmt: skip
        start = time.perf_counter()
        try:
            client.execute()
            error = None
        except Exception as err:  # a failing notebook still gets a row
            error = f"{type(err).__name__}"
        rows.append(
            {
                "notebook": str(path.relative_to(root)),
                "seconds": time.perf_counter() - start,
                "error": error,
            }
        )
    return rows


# ---------------------------------------------------------------- live: time-to-result


def _timed(f):
    start = time.perf_counter()
    out = f()
    return out, time.perf_counter() - start


def _live_dates(attention, tiny):
    """Chapter 11: a date translator trained from scratch (``dates.train_live``)."""
    name = {"bahdanau": "11 Bahdanau attention", "luong": "11 Luong attention",
            "none": "11 no attention"}[attention]  # fmt: skip
    goal = "held-out exact match >= 99% in <= 60 s" if attention != "none" else "<= 60 s"
    try:
        from .data import dates

        train_live = dates.train_live
    except (ImportError, AttributeError) as err:
        return {"name": name, "seconds": None, "quality": None, "goal": goal,
                "goal_met": False, "skipped": f"not available ({err})"}  # fmt: skip
    options = {"steps": 2, "eval_size": 4} if tiny else {}
    run = train_live(attention, **options)
    seconds = run.seconds + run.eval_seconds  # training, then scoring the held-out dates
    met = seconds <= 60 and (attention == "none" or run.accuracy >= 0.99)
    return {
        "name": name, "seconds": seconds, "quality": {"exact_match": run.accuracy},
        "goal": goal, "goal_met": bool(met),
        "detail": f"{len(run.history.loss)} steps; {run.seconds:.1f} s training, "
        f"{run.eval_seconds:.1f} s scoring",
    }  # fmt: skip


def _live_long_range(tiny):
    """Chapter 8: the RNN, the LSTM and the GRU on the adding problem, one after the other."""
    from . import long_range

    options = {"T": 6, "steps": 3, "H": 4} if tiny else {}
    runs, seconds = _timed(lambda: long_range.compare_live(**options))
    final = {name: run.history.evals["mse"][-1] for name, run in runs.items()}
    gated = max(final["lstm"], final["gru"])
    met = seconds <= 60 and gated < 0.01 and final["rnn"] > 1 / 12
    T = options.get("T", long_range.LIVE["T"])
    steps = options.get("steps", long_range.LIVE["steps"])
    return {
        "name": f"08 RNN, LSTM, GRU (adding, T={T})", "seconds": seconds,
        "quality": {f"mse_{name}": value for name, value in final.items()},
        "goal": "<= 60 s together; LSTM and GRU test MSE < 0.01, the RNN above 1/12",
        "goal_met": bool(met),
        "detail": f"{steps} steps each; "
        + ", ".join(f"{name} {run.seconds:.1f} s" for name, run in runs.items()),
    }  # fmt: skip


def _live_charlm(tiny):
    """Chapter 10: the character model's full run, timed, then its quality measured."""
    data = charlm.numbers_data(N=4 if tiny else charlm.NUMBERS_RUN["N"])
    if tiny:  # one pass over the first 100 characters of each stream
        data = data._replace(inputs=data.inputs[:, :100], targets=data.targets[:, :100])
    epochs = 1 if tiny else None  # None: the full run's 10 passes
    (model, history), seconds = _timed(lambda: charlm.train_numbers(data, epochs=epochs))
    valid_ids = data.vocab.encode(data.valid_text)
    ppl = charlm.perplexity(charlm.target_probabilities(model, valid_ids, N=10))
    lines, named = charlm.number_lines(model, data.vocab)
    met = seconds <= 20 and ppl <= 1.37 and named >= 0.98 * lines
    return {
        "name": "10 character model (full run)", "seconds": seconds,
        "quality": {"perplexity": ppl, "lines": lines, "lines_naming_a_number": named},
        "goal": "<= 20 s; validation perplexity <= 1.37, >= 98% of sampled lines name a number",
        "goal_met": bool(met), "detail": f"{len(history.loss)} steps",
    }  # fmt: skip


def _live_forecast(tiny):
    """Chapter 9: the forecaster of section 5 on each of the four signals."""
    from . import forecast
    from .data import series

    L, split, T, epochs = (60, 45, 6, 1) if tiny else (500, 400, 24, 15)  # chapter 9's sizes

    def train_all():
        return {name: forecast.train_on_signal(series.make_signal(name, L, seed=0), T, split,
                                               H=16, epochs=epochs, seed=0)
                for name in series.SIGNALS}  # fmt: skip

    models, seconds = _timed(train_all)
    valid = {name: m.history.valid_loss[-1] for name, m in models.items()}
    return {
        "name": "09 forecasters (4 signals)", "seconds": seconds,
        "quality": {f"valid_mse_{name.replace(' ', '_')}": v for name, v in valid.items()},
        "goal": "unchanged (the chapter's numbers) or faster; <= 60 s",
        "goal_met": bool(seconds <= 60), "detail": f"{epochs} epochs each",
    }  # fmt: skip


def bench_live(tiny=False):
    """One row per headline result that a chapter trains live (issue 16's table).

    Each row: ``name``, ``seconds`` (time-to-result), ``quality`` (a dict of what was
    reached), ``goal`` (text) and ``goal_met``. ``tiny`` runs a few steps of each, to test
    the section's shape; its goals are not meant to be met.
    """
    rows = [_live_dates(attention, tiny) for attention in ("bahdanau", "luong", "none")]
    return rows + [_live_long_range(tiny), _live_charlm(tiny), _live_forecast(tiny)]


def _quality_text(quality):
    if not quality:
        return "-"
    return ", ".join(
        f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in quality.items()
    )


# ---------------------------------------------------------------- report


def _table(rows, columns):
    """A plain-text table of ``rows`` (dicts) with ``columns`` (key, header, format)."""
    cells = [[header for _, header, _ in columns]]
    for r in rows:
        cells.append(
            [
                "-" if r.get(key) is None else (fmt.format(r[key]) if fmt else str(r[key]))
                for key, _, fmt in columns
            ]
        )
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in
                       enumerate(zip(row, widths, strict=True))) for row in cells]  # fmt: skip
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def report(results):
    """The results as text tables."""
    m = results["machine"]
    out = [
        f"machine: {m['cpu']}, {m['cpus']} CPUs; Python {m['python']}, numpy {m['numpy']} "
        f"({m['numpy_blas']})"
        + (
            f", torch {m['torch']} ({m['torch_blas']}, {m['torch_threads']} threads)"
            if "torch" in m
            else ", torch not installed"
        ),  # fmt: skip
        "threads: " + ", ".join(f"{k}={v}" for k, v in m["threads"].items()),
        f"command: {results['command']}",
    ]
    training = [
        ("config", "config", None),
        ("name", "implementation", None),
        ("ms", "ms/step", "{:.2f}"),
        ("chars_per_s", "chars/s", "{:,.0f}"),
    ]
    if "classic" in results:
        c = results["sizes"]["classic"]
        out += [
            "",
            f"Classic configuration (batch 1, T={c['T']}, H={c['H']}, V={c['V']}, Adagrad "
            f"lr {c['lr']:g}, element-wise clip {c['clip']:g}, float64):",
            _table(results["classic"], training + [("x_min-char-rnn loop", "x loop", "{:.2f}")]),
        ]
    c = results["sizes"]["course"]
    if "course" in results:
        out += [
            "",
            f"Course configuration (batch {c['N']}, T={c['T']}, H={c['H']}, V={c['V']}, Adam "
            f"lr {c['lr']:g}, global-norm clip {c['max_norm']:g}):",
            _table(results["course"], training + [("x_PyTorch", "x PyTorch", "{:.2f}")]),
        ]
        loop = next(
            (r for r in results.get("classic", []) if r["name"] == "min-char-rnn loop"), None
        )
        if loop is not None:
            ours = [r for r in results["course"] if r["name"] == "rnncourse"]
            out.append(
                "rnncourse course configuration vs the min-char-rnn loop, characters per second: "
                + ", ".join(
                    f"{r['config']} {r['chars_per_s'] / loop['chars_per_s']:.0f}x" for r in ours
                )
            )
    if "parts" in results:
        out += [
            "",
            f"Where a course-configuration step's time goes (float32, batch {c['N']}, T={c['T']}, "
            f"H={c['H']}); products = the step's matrix products alone:",
            _table(results["parts"], [
                ("cell", "cell", None), ("part", "part", None), ("ms", "ms", "{:.2f}"),
                ("share", "of the step", "{:.0%}"),
            ]),
        ]  # fmt: skip
    if "memory" in results:
        memory = results["memory"]
        out += [
            "",
            f"Memory a forward pass keeps for BPTT (float32, N={c['N']}, H={c['H']}, D={c['V']}):",
        ]
        out.append(_table(memory["per_step"], [
            ("cell", "cell", None), ("T", "T", "{}"),
            ("step_by_step_MB", "step-by-step MB", "{:.2f}"),
            ("step_by_step_kB_per_step", "kB/step", "{:.0f}"),
            ("fast_MB", "fast path MB", "{:.2f}"), ("fast_kB_per_step", "kB/step", "{:.0f}"),
        ]))  # fmt: skip
        out += ["", "Peak memory of one epoch of train() over the same data, full BPTT vs chunks:"]
        out.append(_table(memory["truncation"], [
            ("cell", "cell", None), ("T_data", "T of the data", "{}"),
            ("seq_len", "seq_len (BPTT length)", "{}"), ("peak_MB", "peak MB", "{:.2f}"),
        ]))  # fmt: skip
    if "widgets" in results:
        out += ["", "Widget callbacks (median over changes of every control):"]
        out.append(_table(results["widgets"], [
            ("widget", "widget", None), ("median_ms", "median ms", "{:.1f}"),
            ("slowest_control", "slowest control", None),
            ("slowest_median_ms", "its median ms", "{:.1f}"), ("build_ms", "build ms", "{:.0f}"),
            ("skipped", "skipped", None),
        ]))  # fmt: skip
    if "notebooks" in results:
        out += ["", "Notebook execution (fresh kernel each):"]
        out.append(_table(results["notebooks"], [
            ("notebook", "notebook", None), ("seconds", "seconds", "{:.1f}"),
            ("error", "error", None), ("skipped", "skipped", None),
        ]))  # fmt: skip
        total = sum(r.get("seconds", 0.0) for r in results["notebooks"])
        out.append(f"total: {total:.0f} s")
    if "live" in results:
        out += ["", "Trained live: time-to-result of each chapter's headline result:"]
        rows = [{**r, "quality_text": _quality_text(r["quality"]),
                 "met": "yes" if r["goal_met"] else "no"} for r in results["live"]]  # fmt: skip
        out.append(_table(rows, [
            ("name", "result", None), ("seconds", "seconds", "{:.1f}"),
            ("quality_text", "quality", None), ("goal", "goal", None), ("met", "met", None),
            ("skipped", "skipped", None),
        ]))  # fmt: skip
    if results.get("goals"):
        out += ["", "Goals:"]
        for g in results["goals"]:
            out.append(f"  [{'met' if g['met'] else 'NOT met'}] {g['goal']}: {g['value']:.2f}")
    return "\n".join(out)


def goals(results):
    """The issue's speed goals, each with the measured number and whether it is met."""
    found = []
    course = results.get("course", [])
    for r in course:
        if r["name"] == "rnncourse" and r["config"].endswith("float32") and r["x_PyTorch"]:
            found.append((f"course {r['config']}: at least 1.0x PyTorch", r["x_PyTorch"], 1.0))
    classic = {r["name"]: r for r in results.get("classic", [])}
    loop = classic.get("min-char-rnn loop")
    if loop and "rnncourse" in classic:
        found.append(
            (
                "classic: at least the min-char-rnn loop",
                classic["rnncourse"]["x_min-char-rnn loop"],
                1.0,
            )
        )
    if loop:
        for r in course:
            if r["name"] == "rnncourse" and r["config"].startswith("rnn "):
                x = r["chars_per_s"] / loop["chars_per_s"]
                found.append((f"course {r['config']}: at least 20x the loop's chars/s", x, 20.0))
    notebooks = [r for r in results.get("notebooks", []) if "seconds" in r]
    if notebooks:
        total = sum(r["seconds"] for r in notebooks)
        slowest = max(notebooks, key=lambda r: r["seconds"])
        found.append(("all notebooks: under 180 s in total", total, -180.0))
        found.append(
            (f"slowest notebook ({slowest['notebook']}): under 30 s", slowest["seconds"], -30.0)
        )
    widgets = [r for r in results.get("widgets", []) if "slowest_median_ms" in r]
    if widgets:
        slowest = max(widgets, key=lambda r: r["slowest_median_ms"])
        found.append(
            (f"slowest widget callback ({slowest['widget']}): under 50 ms median",
             slowest["slowest_median_ms"], -50.0)
        )  # fmt: skip
    # a negative bound is an upper limit: the value must stay below its absolute value
    return [
        {"goal": goal, "value": value, "met": value >= bound if bound > 0 else value < -bound}
        for goal, value, bound in found
    ]


def run(sections=SECTIONS, tiny=False, repeats=None, warmup=None, with_torch=None, argv=()):
    """Run the benchmark sections and return every number in one dict; ``argv`` is only
    recorded, as the command that produced the numbers."""
    if with_torch is None:
        with_torch = _torch() is not None
    if with_torch:
        torch = _torch()
        threads = os.environ.get("OMP_NUM_THREADS")
        if threads and threads.isdigit():
            torch.set_num_threads(int(threads))
    repeats = (3 if tiny else 21) if repeats is None else repeats
    warmup = (1 if tiny else 3) if warmup is None else warmup
    sizes = {
        "classic": {**CLASSIC, **(TINY if tiny else {}), "N": 1},
        "course": {**COURSE, **(TINY if tiny else {})},
    }
    results = {
        "machine": machine(with_torch),
        "command": " ".join(["python -m rnncourse.bench", *argv]),
        "sizes": sizes,
    }
    for section in sections:
        if section in ("classic", "course"):
            results[section] = bench_training(section, tiny, repeats, warmup, with_torch)
        elif section == "parts":
            results[section] = bench_parts(tiny, repeats, warmup)
        elif section == "memory":
            results[section] = bench_memory(tiny)
        elif section == "widgets":
            results[section] = bench_widgets()
        elif section == "notebooks":
            results[section] = bench_notebooks()
        elif section == "live":
            results[section] = bench_live(tiny)
    results["goals"] = goals(results)
    return results


def _parse(argv):
    parser = argparse.ArgumentParser(
        prog="python -m rnncourse.bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.add_argument(
        "--only", default=",".join(SECTIONS), help=f"sections to run, from {','.join(SECTIONS)}"
    )
    parser.add_argument("--repeats", type=int, default=None, help="timed steps (default 21)")
    parser.add_argument("--warmup", type=int, default=None, help="untimed steps (default 3)")
    parser.add_argument("--tiny", action="store_true", help="tiny sizes, for a quick test")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    parser.add_argument(
        "--threads", type=int, default=os.cpu_count(), help="BLAS/OpenMP threads (0: as is)"
    )
    args = parser.parse_args(argv)
    sections = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    args.sections = sections
    return args


def main(argv=None):
    """Run the benchmark as the command line asks; print tables or JSON; return the results."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parse(argv)
    with_torch = False if args.no_torch else None
    results = run(args.sections, args.tiny, args.repeats, args.warmup, with_torch, argv)
    print(json.dumps(results, indent=1) if args.json else report(results))
    return results


def _restart_with_threads(argv):
    """Set the thread variables and restart this process if they were not set already."""
    threads = _parse(argv).threads
    if threads and any(os.environ.get(k) != str(threads) for k in THREAD_VARIABLES):
        env = {**os.environ, **{k: str(threads) for k in THREAD_VARIABLES}}
        os.execve(sys.executable, [sys.executable, "-m", "rnncourse.bench", *argv], env)


if __name__ == "__main__":
    _restart_with_threads(sys.argv[1:])
    main()
