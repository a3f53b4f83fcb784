"""PyTorch's numbers for chapter 12: computed live when torch is installed, else stored.

The package ships ``.npz`` files (``rnncourse/data/torch_reference/``, package data, so they
come with the wheel; :func:`reference_file` gives their paths) computed with torch in float64
by :mod:`rnncourse._torch_reference` and written by the repository's
``tests/torch_reference/make_reference.py``: for each configuration (``rnn_tanh``, ``lstm``,
``gru_2layer_bidirectional``, ... see :func:`reference_names`) the inputs, the module's
state_dict, its outputs and the gradients of a fixed loss. Shapes use the course's letters
(N, T, D, H) with K = num_layers * directions::

    x (N, T, D), h0 (K, N, H), c0 (K, N, H) LSTM only     inputs, PyTorch's layout
    weight_ih_l0, ..., bias_hh_l1_reverse                  module.state_dict()
    output (N, T, directions * H), h_n (K, N, H), c_n      what the module returns
    G_output, G_h_n, grad_x, grad_h0, grad_weight_ih_l0..  the loss and its gradients

:func:`load_reference` returns one configuration. If torch can be imported it runs
``rnncourse._torch_reference.generate`` (same seeds, so the same numbers as the files);
otherwise it reads the stored file. ``Reference.source`` says which, so a notebook can say
what it compared against. This module imports numpy only; torch is imported only in the live
case.
"""

import importlib
import importlib.util
from pathlib import Path
from typing import NamedTuple

import numpy as np

#: Where the stored files live: the package's data (rnncourse/data/torch_reference/).
REFERENCE_DIR = Path(__file__).resolve().parent / "data" / "torch_reference"


class Reference(NamedTuple):
    """One configuration's arrays and where they came from."""

    name: str  # e.g. "lstm_2layer_bidirectional"
    arrays: dict  # key -> numpy array, the keys listed in this module's docstring
    source: str  # "live" (computed now with torch) or "stored" (read from the .npz file)
    torch_version: str  # the torch that computed the numbers, e.g. "2.13.0+cpu"

    @property
    def cell(self):
        """The cell: "rnn", "lstm" or "gru"."""
        return str(self.arrays["cell"])

    @property
    def num_layers(self):
        return int(self.arrays["num_layers"])

    @property
    def bidirectional(self):
        return bool(self.arrays["bidirectional"])

    @property
    def state_dict(self):
        """The module's state_dict as numpy arrays under PyTorch's names, in its order."""
        return {k: v for k, v in self.arrays.items() if k.startswith(("weight_", "bias_"))}

    def describe(self):
        """One line saying where the numbers came from."""
        if self.source == "live":
            return f"PyTorch: computed live with torch {self.torch_version}"
        return f"PyTorch: stored reference files made with torch {self.torch_version}"


def _require_dir():
    if not any(REFERENCE_DIR.glob("*.npz")):
        raise FileNotFoundError(
            f"The PyTorch reference files are not in {REFERENCE_DIR}: they ship with the "
            "course repository and with the rnncourse package (package data, "
            "rnncourse/data/torch_reference/), so this installation is incomplete. "
            "Reinstall rnncourse (pip install --force-reinstall rnncourse, or pip install -e . "
            "from a clone)."
        )


def reference_names():
    """The names of the stored configurations, sorted, e.g. ["gru", "gru_2layer_...", ...]."""
    _require_dir()
    return sorted(path.stem for path in REFERENCE_DIR.glob("*.npz"))


def reference_file(name):
    """The path of one stored configuration's ``.npz`` file, from the package's data.

    Inputs:
    - name: a configuration, one of :func:`reference_names`, e.g. "lstm_2layer_bidirectional"

    Returns a :class:`pathlib.Path` that exists; read it with
    ``np.load(path, allow_pickle=False)``. Raises TypeError for a name that is not a string
    and ValueError, listing the stored names, for an unknown one.
    """
    if not isinstance(name, str):
        raise TypeError(
            f"name must be a str such as 'lstm_2layer_bidirectional', got {type(name).__name__}"
        )
    names = reference_names()
    if name not in names:  # also keeps "../x" from reaching outside the folder
        raise ValueError(
            f"no reference configuration {name!r}; the stored ones are: {', '.join(names)}."
        )
    return REFERENCE_DIR / f"{name}.npz"


def torch_installed():
    """True if ``import torch`` would find a package (nothing is imported)."""
    try:
        return importlib.util.find_spec("torch") is not None
    except (ImportError, ValueError):  # a broken or half-removed installation
        return False


def _stored(name):
    with np.load(reference_file(name), allow_pickle=False) as f:
        return {key: f[key] for key in f.files}


# The module that computes the numbers (rnncourse._torch_reference), imported on first use.
_script_module = None


def _live(name):
    """Run rnncourse._torch_reference.generate(name) (imports torch); returns the arrays."""
    global _script_module
    if _script_module is None:
        _script_module = importlib.import_module("rnncourse._torch_reference")  # imports torch
    if name not in _script_module.CONFIGS:
        raise ValueError(
            f"no reference configuration {name!r}; rnncourse._torch_reference knows: "
            f"{', '.join(_script_module.CONFIGS)}."
        )
    return _script_module.generate(name)


def load_reference(name, live=None):
    """One configuration's PyTorch numbers, as a :class:`Reference`.

    Inputs:
    - name: a configuration, one of :func:`reference_names`
    - live: None (default) computes live if torch is installed and reads the stored file
      otherwise; True always computes live (ImportError without torch); False always reads
      the stored file

    The live numbers come from the same code and seeds as the stored ones, so they agree
    with them to rounding (about 1e-15).
    """
    _require_dir()
    if live is None:
        live = torch_installed()
    if live and not torch_installed():
        raise ImportError(
            "load_reference(live=True) needs PyTorch, which rnncourse does not install: "
            "use live=False (the stored files), or install a CPU build of torch in a "
            "separate environment (pip install 'rnncourse[torch]' there)."
        )
    arrays = _live(name) if live else _stored(name)
    source = "live" if live else "stored"
    return Reference(name, arrays, source, str(arrays["torch_version"]))
