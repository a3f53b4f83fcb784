"""Precompute chapter 8's experiments: which cell learns a long-range task, as the range grows.

    python scripts/long_range_sweep.py                       # the full sweep, ~12 minutes
    python scripts/long_range_sweep.py --tiny --out /tmp/s.npz   # a check that takes seconds

Two experiments, every run on 2 CPU cores in float64 with the package's own code
(:mod:`rnncourse.long_range`):

1. **The adding problem** for several sequence lengths T: a tanh RNN, an LSTM, a GRU and an
   IRNN (relu, W_hh starting at the identity; Le, Jaitly and Hinton 2015), each with H hidden
   units and a linear output after the last step, trained with Adam on new batches at every
   step, gradients clipped to a global norm of 1. Every ``eval_every`` steps the MSE and the
   accuracy (|error| < 0.04) are measured on a fixed evaluation batch per T.
2. **The embedded Reber grammar**: the RNN, the LSTM and the GRU predict the symbols allowed
   next; every ``eval_every`` steps the fraction of strings predicted right at every step,
   and right at the long-range step, on a fixed evaluation batch.

Seeds: the run of model m (index in ``models``) at length T with seed s draws its initial
weights and every training batch from ``np.random.default_rng([s, T, m])`` (Reber:
``[s, 0, m]``); the evaluation batch of length T from ``np.random.default_rng([10_000, T])``
(Reber: ``[10_000, 0]``), the same for every model and seed.

Every step runs through the chapters' step-by-step cells (``train_on_task`` with its default
``fast=False``), so tests/test_one_loop.py can re-run a stored run bit for bit. Chapter 8 also
trains the seed-0 runs of the RNN, the LSTM and the GRU at T = 50 live, for half the steps, on
the fast cells: :func:`rnncourse.long_range.compare_live`, the same seeds and evaluation batch.

The results go to one ``.npz`` file (no pickles), by default the package's
``rnncourse/weights/long_range_sweep.npz``, which chapter 8 loads with
:func:`rnncourse.long_range.load_sweep`. Arrays (M models, R lengths T, S seeds, E
evaluations including the one before training):

- ``models`` (M,), ``T`` (R,), ``seeds`` (S,), ``eval_steps`` (E,)
- ``adding_mse``, ``adding_accuracy`` (M, R, S, E): NaN after a run diverged
- ``adding_train_loss`` (M, R, S, steps // loss_window): the training loss, averaged over
  blocks of ``loss_window`` steps
- ``adding_diverged`` (M, R, S): the step at which a run diverged, -1 if it never did
- ``adding_seconds`` (M, R, S): the wall time of each run (not shown in the chapter)
- ``reber_models`` (M',), ``reber_string_accuracy``, ``reber_long_range_accuracy``
  (M', S, E'), ``reber_eval_steps`` (E',)
- ``config``: the configuration as JSON text; ``command``: how the file was made
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from rnncourse import long_range, optim

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "rnncourse" / "weights" / "long_range_sweep.npz"

CONFIGS = {
    "full": {
        "name": "full",
        "models": ["rnn", "lstm", "gru", "irnn"],
        "T": [10, 20, 30, 50, 100],
        "seeds": [0, 1],
        "steps": 2000,
        "H": 32,
        "batch_size": 32,
        "optimizer": "adam",
        "lr": 0.01,
        "max_norm": 1.0,
        "eval_size": 500,
        "eval_every": 100,
        "loss_window": 20,
        "reber_models": ["rnn", "lstm", "gru"],
        "reber_steps": 1500,
        "reber_H": 16,
    },
    "tiny": {
        "name": "tiny",
        "models": ["rnn", "lstm"],
        "T": [4, 6],
        "seeds": [0],
        "steps": 20,
        "H": 4,
        "batch_size": 8,
        "optimizer": "adam",
        "lr": 0.01,
        "max_norm": 1.0,
        "eval_size": 50,
        "eval_every": 10,
        "loss_window": 5,
        "reber_models": ["rnn", "gru"],
        "reber_steps": 10,
        "reber_H": 4,
    },
}


def _run(model_name, task, config, H, steps, seed_words, eval_batch):
    rng = np.random.default_rng(seed_words)
    model = long_range.make_model(model_name, task, H, rng)
    optimizer = optim.make_optimizer(config["optimizer"], config["lr"])
    start = time.perf_counter()
    history = long_range.train_on_task(
        model, task, optimizer, steps, rng, batch_size=config["batch_size"],
        max_norm=config["max_norm"], eval_batch=eval_batch, eval_every=config["eval_every"],
    )  # fmt: skip
    return history, time.perf_counter() - start


def _padded(values, length):
    """A list of evaluations, NaN-padded to ``length`` (a diverged run stops early)."""
    out = np.full(length, np.nan)
    out[: len(values)] = values
    return out


def run_sweep(config, log=print):
    """Run both experiments of ``config``; return the arrays to store (see the module doc)."""
    models, lengths, seeds = config["models"], config["T"], config["seeds"]
    steps, window = config["steps"], config["loss_window"]
    n_evals = steps // config["eval_every"] + 1
    shape = (len(models), len(lengths), len(seeds))
    mse, accuracy = np.full(shape + (n_evals,), np.nan), np.full(shape + (n_evals,), np.nan)
    train_loss = np.full(shape + (steps // window,), np.nan)
    diverged, seconds = np.full(shape, -1), np.zeros(shape)
    for r, T in enumerate(lengths):
        task = long_range.adding_task(T)
        eval_batch = task.sample(config["eval_size"], np.random.default_rng([10_000, T]))
        for m, name in enumerate(models):
            for s, seed in enumerate(seeds):
                history, took = _run(
                    name, task, config, config["H"], steps, [seed, T, m], eval_batch
                )
                mse[m, r, s] = _padded(history.evals["mse"], n_evals)
                accuracy[m, r, s] = _padded(history.evals["accuracy"], n_evals)
                blocks = len(history.loss) // window
                losses = np.asarray(history.loss[: blocks * window]).reshape(blocks, window)
                train_loss[m, r, s, :blocks] = losses.mean(axis=1)
                diverged[m, r, s] = -1 if history.diverged is None else history.diverged
                seconds[m, r, s] = took
                log(
                    f"adding T={T:4d} {name:5s} seed {seed}: final MSE "
                    f"{mse[m, r, s, -1]:.4f}, accuracy {accuracy[m, r, s, -1]:.3f}"
                    f"{'' if history.diverged is None else ', diverged'} ({took:.0f} s)"
                )

    reber = long_range.reber_task()
    reber_steps = config["reber_steps"]
    reber_evals = reber_steps // config["eval_every"] + 1
    reber_eval = reber.sample(config["eval_size"], np.random.default_rng([10_000, 0]))
    reber_shape = (len(config["reber_models"]), len(seeds), reber_evals)
    strings, long_range_acc = np.full(reber_shape, np.nan), np.full(reber_shape, np.nan)
    for m, name in enumerate(config["reber_models"]):
        for s, seed in enumerate(seeds):
            history, took = _run(
                name, reber, config, config["reber_H"], reber_steps, [seed, 0, m], reber_eval
            )
            strings[m, s] = _padded(history.evals["string_accuracy"], reber_evals)
            long_range_acc[m, s] = _padded(history.evals["long_range_accuracy"], reber_evals)
            log(
                f"embedded Reber {name:5s} seed {seed}: strings right {strings[m, s, -1]:.3f}, "
                f"long-range step right {long_range_acc[m, s, -1]:.3f} ({took:.0f} s)"
            )

    return {
        "models": np.array(models),
        "T": np.array(lengths),
        "seeds": np.array(seeds),
        "eval_steps": np.arange(n_evals) * config["eval_every"],
        "adding_mse": mse,
        "adding_accuracy": accuracy,
        "adding_train_loss": train_loss,
        "adding_diverged": diverged,
        "adding_seconds": seconds,
        "reber_models": np.array(config["reber_models"]),
        "reber_eval_steps": np.arange(reber_evals) * config["eval_every"],
        "reber_string_accuracy": strings,
        "reber_long_range_accuracy": long_range_acc,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="a seconds-long configuration")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the .npz to write")
    args = parser.parse_args(argv)
    config = CONFIGS["tiny" if args.tiny else "full"]
    command = "python scripts/long_range_sweep.py" + (" --tiny" if args.tiny else "")
    start = time.perf_counter()
    results = run_sweep(config, log=lambda line: print(line, flush=True))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.out, **results, config=np.array(json.dumps(config)), command=np.array(command)
    )
    print(f"wrote {args.out} in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
