"""Train the character models shipped in rnncourse/weights (chapter 10), with fixed seeds.

    OPENBLAS_NUM_THREADS=1 python scripts/train_charlm.py [numbers] [docstrings]

- numbers -> charlm_numbers.npz: chapter 10's full run (the number words of section 1, an
  RNN with H = 128, 10 passes, Adam 0.01, chunks of 25 steps, 32 streams, clipping at 5),
  the same code as the chapter's cells, so retraining in the notebook gives the same weights.
- docstrings -> charlm_docstrings.npz: an LSTM with H = 128 in float32 (half the file),
  trained for DOC_EPOCHS passes over the training part of ``text.docstring_corpus()``, the
  longer run the chapter's brief live run is compared with. Its validation perplexity is
  lowest after about 8 passes (about 5.8) and rises after them: 175,000 characters are few
  for 126,000 parameters, and the model starts to learn the text by heart.

Prints the time, the validation perplexity and a sample of each.
"""

import sys
import time
from pathlib import Path

import numpy as np

from rnncourse import charlm, optim, train
from rnncourse.data import text

WEIGHTS = Path(__file__).resolve().parent.parent / "rnncourse" / "weights"
N_STREAMS, SEQ_LEN = 32, 25
DOC_CELL, DOC_H, DOC_EPOCHS, DOC_LR = "lstm", 128, 8, 0.01


def numbers():
    """Chapter 10's full run, as its cells do it."""
    train_numbers, valid_numbers = text.split_numbers(np.random.default_rng(0))
    train_text = text.number_corpus(train_numbers, 4000, np.random.default_rng(1))
    valid_text = text.number_corpus(valid_numbers, 300, np.random.default_rng(2))
    vocab = text.Vocabulary.from_text(train_text + valid_text)
    inputs, targets = text.split_into_streams(vocab.encode(train_text), N_STREAMS)
    model = train.init_model("rnn", len(vocab), 128, len(vocab), np.random.default_rng(1))
    train.train(
        model, charlm.one_hot(inputs, len(vocab)), targets, optim.Adam(0.01), epochs=10,
        seq_len=SEQ_LEN, stateful=True, max_norm=5.0,
    )  # fmt: skip
    return model, vocab, valid_text


def docstrings():
    """The longer run on the standard library's docstrings."""
    train_text, valid_text = text.docstring_corpus()
    vocab = text.Vocabulary.from_text(train_text + valid_text)
    inputs, targets = text.split_into_streams(vocab.encode(train_text), N_STREAMS)
    V, rng = len(vocab), np.random.default_rng(1)
    model = train.init_model(DOC_CELL, V, DOC_H, V, rng, dtype=np.float32)
    train.train(
        model, charlm.one_hot(inputs, V, np.float32), targets, optim.Adam(DOC_LR),
        epochs=DOC_EPOCHS, seq_len=SEQ_LEN, stateful=True, max_norm=5.0,
    )  # fmt: skip
    return model, vocab, valid_text


def main(names):
    for name in names:
        start = time.perf_counter()
        model, vocab, valid_text = {"numbers": numbers, "docstrings": docstrings}[name]()
        seconds = time.perf_counter() - start
        path = WEIGHTS / charlm.PRETRAINED[name]
        charlm.save_model(path, model, vocab)
        p_true = charlm.target_probabilities(model, vocab.encode(valid_text), N=10)
        print(f"{name}: {seconds:.1f} s, validation perplexity {charlm.perplexity(p_true):.4f}")
        print(f"  wrote {path} ({path.stat().st_size:,} bytes)")
        print(charlm.generate(model, vocab, "", 300, 0.8, seed=0))


if __name__ == "__main__":
    main(sys.argv[1:] or ["numbers", "docstrings"])
