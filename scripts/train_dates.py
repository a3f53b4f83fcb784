"""Train the stored models of chapter 11 (attention) and save them in rnncourse/weights/.

    python scripts/train_dates.py                           # everything (minutes, 1 core)
    python scripts/train_dates.py --only dates_luong        # one file
    python scripts/train_dates.py --tiny --out /tmp/tiny    # a few seconds: a smoke test

Four files, each made by its own function below:

- ``dates_attention.npz``, ``dates_luong.npz``, ``dates_noattention.npz``: date translators
  (:mod:`rnncourse.data.dates`) with Bahdanau attention, Luong attention and no attention.
  Each is an encoder-decoder of :mod:`rnncourse.seq2seq` (bidirectional GRU encoder, GRU
  decoder) trained with teacher forcing on freshly generated dates (training days only; every
  batch is new data), Adam and gradient clipping by global norm, by the course's one training
  loop, :func:`rnncourse.train.train`, on the fast path (:mod:`rnncourse.fast_seq2seq`). It
  is then scored by greedy decoding on held-out dates, days never used in training: the
  exact-match accuracy (all 10 characters right), and the same split by format and by source
  length. The .npz holds the
  params, the config, both vocabularies, these numbers, the loss curve and this command.
- ``copy_bottleneck.npz``: numbers only. Two models, with and without attention, learn to
  copy strings of 2 to 24 random digits, with the same sizes and the same number of steps;
  their accuracy by string length shows the fixed-size bottleneck of a decoder without
  attention.
"""

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np

from rnncourse import optim, seq2seq, train
from rnncourse.data import dates

#: The date translators: file name -> attention variant.
DATE_MODELS = {
    "dates_attention": "bahdanau",
    "dates_luong": "luong",
    "dates_noattention": "none",
}
COPY_FILE = "copy_bottleneck"
OUTPUTS = [*DATE_MODELS, COPY_FILE]

#: The full configuration of the date translators.
FULL = {
    "encoder_cell": "gru",
    "H_enc": 32,
    "H_dec": 64,
    "A": 32,
    "batch_size": 64,
    "steps": 2000,
    "lr": 3e-3,
    "lr_final": 3e-4,
    "max_norm": 5.0,
    "eval_size": 2000,
    "seed": 0,
}

#: The copy experiment: the same model sizes, strings of min_len to max_len digits.
FULL_COPY = FULL | {"steps": 1000, "min_len": 2, "max_len": 24, "eval_per_length": 200}

#: Tiny configurations that run in a few seconds: they prove the pipeline, and learn little.
TINY = FULL | {"H_enc": 4, "H_dec": 8, "A": 4, "batch_size": 8, "steps": 30, "eval_size": 40}
TINY_COPY = TINY | {"min_len": 2, "max_len": 6, "eval_per_length": 5}


def learning_rate(config, step):
    """Constant for the first half, then down geometrically to lr_final at the last step."""
    return _schedule(config).lr_at(step)


def _schedule(config):
    return seq2seq.DecayingLR(optim.Adam(config["lr"]), config["steps"], config["lr_final"])


def fit(model, config, batch_source, rng, label, log_every, out):
    """Train ``model`` with :func:`rnncourse.train.train` on batches from ``batch_source
    (batch_size, rng) -> (src, targets, masks)``: Adam with the learning rate of
    :func:`learning_rate`, clipping by global norm. Returns the loss curve (steps, mean loss
    since the last entry)."""
    start, recent = time.perf_counter(), []

    def log(step):  # train() calls it after every step
        recent.append(step.loss)
        if step.step % log_every == 0 or step.step == config["steps"]:
            print(
                f"{label:18s} step {step.step:5d}  loss {np.mean(recent):.4f}  "
                f"lr {learning_rate(config, step.step - 1):.1e}  "
                f"{time.perf_counter() - start:6.1f} s",
                file=out,
                flush=True,
            )
            recent.clear()

    history = train.train(
        seq2seq.TeacherForcing(model), batch_source, None, _schedule(config),
        steps=config["steps"], batch_size=config["batch_size"], max_norm=config["max_norm"],
        rng=rng, callback=log,
    )  # fmt: skip
    ends = list(range(log_every, config["steps"] + 1, log_every))
    if config["steps"] % log_every:
        ends.append(config["steps"])
    starts = [0, *ends[:-1]]
    means = [np.mean(history.loss[a:b]) for a, b in zip(starts, ends, strict=True)]
    return np.array(ends), np.array(means)


def new_model(config, attention, D, K, start, rng):
    return seq2seq.init_seq2seq(
        D, K, config["H_enc"], config["H_dec"], rng, attention=attention,
        encoder_cell=config["encoder_cell"], A=config["A"], start=start,
    )  # fmt: skip


# ---------------------------------------------------------------- the date translators


def evaluate_dates(date_model, config):
    """Held-out exact-match accuracy, overall, by format and by source length."""
    rng = np.random.default_rng(config["seed"] + 1000)  # not the training stream
    pairs = dates.date_pairs(config["eval_size"], rng, split="test")
    correct = dates.exact_match(date_model, pairs)
    names = list(dates.FORMATS)
    formats = np.array(pairs.formats)
    lengths = np.array([len(text) for text in pairs.sources])
    used = np.unique(lengths)
    by_format = [correct[formats == name].mean() if (formats == name).any() else np.nan
                 for name in names]  # fmt: skip
    return {
        "heldout_accuracy": float(correct.mean()),
        "heldout_size": len(correct),
        "format_names": np.array(names),
        "format_accuracy": np.array(by_format),
        "length_values": used,
        "length_accuracy": np.array([correct[lengths == n].mean() for n in used]),
        "length_counts": np.array([(lengths == n).sum() for n in used]),
    }


def train_date_model(name, config, out_path, command, log_every=100, out=sys.stdout):
    """Train, evaluate and save one date translator; return its metrics."""
    rng = np.random.default_rng(config["seed"])
    model = new_model(
        config, DATE_MODELS[name], len(dates.SOURCE_VOCAB), len(dates.TARGET_VOCAB),
        dates.TARGET_VOCAB.index["<s>"], rng,
    )  # fmt: skip
    start = time.perf_counter()
    curve = fit(model, config, dates.batch_source("train"), rng, name, log_every, out)
    seconds = time.perf_counter() - start
    date_model = dates.DateModel(model, dates.SOURCE_VOCAB, dates.TARGET_VOCAB, {})
    metrics = evaluate_dates(date_model, config)
    info = metrics | {
        "command": command,
        "train_config": json.dumps(config, sort_keys=True),
        "train_seconds": round(seconds, 1),
        "loss_steps": curve[0],
        "loss_values": curve[1],
    }
    dates.save_date_model(out_path, date_model._replace(info=info))
    reloaded = dates.load_date_model(out_path)  # what the notebook will load
    again = dates.exact_match(reloaded, dates.date_pairs(200, np.random.default_rng(7), "test"))
    print(
        f"{name}: held-out exact match {metrics['heldout_accuracy']:.4f} on "
        f"{metrics['heldout_size']} dates (reloaded: {again.mean():.3f} on 200 more); "
        f"trained in {seconds:.0f} s; {out_path} has {Path(out_path).stat().st_size} bytes",
        file=out,
        flush=True,
    )
    return metrics


# ---------------------------------------------------------------- the copy experiment

COPY_D = 11  # source symbols: "<pad>" and the digits 0-9 (index 1 + digit)
COPY_K = 12  # target symbols: "<pad>", "<s>" and the digits 0-9 (index 2 + digit)


def copy_batch(rng, N, min_len, max_len, lengths=None):
    """N random digit strings of lengths in [min_len, max_len] (or ``lengths`` (N,)), and
    the same strings as targets: src, src_mask, targets, tgt_mask, each (N, S)."""
    if lengths is None:
        lengths = rng.integers(min_len, max_len + 1, size=N)
    S = int(lengths.max())
    digits = rng.integers(0, 10, size=(N, S))
    mask = np.arange(S) < lengths[:, None]  # (N, S): right padding
    return np.where(mask, digits + 1, 0), mask, np.where(mask, digits + 2, 0), mask


def copy_accuracy(model, config, rng):
    """Exact match and per-digit accuracy of greedy copying, for every length."""
    lengths = np.arange(config["min_len"], config["max_len"] + 1)
    exact, per_digit = [], []
    n = config["eval_per_length"]
    for L in lengths:
        src, src_mask, targets, _ = copy_batch(rng, n, 0, 0, lengths=np.full(n, L))
        ids, _ = seq2seq.greedy_decode(model, src, src_mask, int(L))
        exact.append((ids == targets).all(axis=1).mean())
        per_digit.append((ids == targets).mean())
    return lengths, np.array(exact), np.array(per_digit)


def copy_experiment(config, out_path, command, log_every=100, out=sys.stdout):
    """Train a copier with and without attention; save their accuracy by length."""
    results = {"command": command, "train_config": json.dumps(config, sort_keys=True)}
    for attention in ("bahdanau", "none"):
        rng = np.random.default_rng(config["seed"])
        model = new_model(config, attention, COPY_D, COPY_K, 1, rng)

        def make(batch_size, rng):  # a batch source: new strings at every step
            src, src_mask, targets, tgt_mask = copy_batch(
                rng, batch_size, config["min_len"], config["max_len"]
            )
            return src, targets, (src_mask, tgt_mask)

        curve = fit(model, config, make, rng, f"copy {attention}", log_every, out)
        eval_rng = np.random.default_rng(config["seed"] + 1000)
        lengths, exact, per_digit = copy_accuracy(model, config, eval_rng)
        results |= {
            "lengths": lengths,
            f"exact_{attention}": exact,
            f"per_digit_{attention}": per_digit,
            f"loss_steps_{attention}": curve[0],
            f"loss_values_{attention}": curve[1],
        }
        print(
            f"copy {attention}: exact match by length "
            + " ".join(f"{L}:{a:.2f}" for L, a in zip(lengths, exact, strict=True)),
            file=out,
            flush=True,
        )
    Path(out_path).parent.mkdir(parents=True, exist_ok=True)
    with open(out_path, "wb") as f:
        np.savez_compressed(f, **{key: np.asarray(value) for key, value in results.items()})
    return results


# ---------------------------------------------------------------- command line


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", choices=OUTPUTS, action="append", help="make only this file (repeatable)"
    )
    parser.add_argument("--tiny", action="store_true", help="a tiny run of a few seconds")
    parser.add_argument(
        "--out", type=Path, default=dates.WEIGHTS_DIR, help="output folder (default: weights)"
    )
    parser.add_argument("--steps", type=int, help="override the number of training steps")
    args = parser.parse_args(argv)
    config = dict(TINY if args.tiny else FULL)
    copy_config = dict(TINY_COPY if args.tiny else FULL_COPY)
    if args.steps is not None:
        config["steps"] = copy_config["steps"] = args.steps
    words = argv if argv is not None else sys.argv[1:]
    command = f"python scripts/train_dates.py {shlex.join(words)}".strip()
    log_every = 10 if args.tiny else 100
    for name in args.only or OUTPUTS:
        out_path = args.out / f"{name}.npz"
        if name == COPY_FILE:
            copy_experiment(copy_config, out_path, command, log_every)
        else:
            train_date_model(name, config, out_path, command, log_every)
    return 0


if __name__ == "__main__":
    sys.exit(main())
