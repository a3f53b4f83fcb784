"""The package as a wheel: its data files, and an install with no Jupyter in a fresh venv."""

from pathlib import Path

import numpy as np
import pytest

from rnncourse import framework_reference
from rnncourse.framework_reference import reference_file, reference_names

ROOT = Path(__file__).resolve().parents[1]


def test_reference_file_is_package_data():
    path = reference_file("lstm_2layer_bidirectional")
    assert path == ROOT / "rnncourse" / "data" / "torch_reference" / "lstm_2layer_bidirectional.npz"
    with np.load(path, allow_pickle=False) as f:
        assert str(f["cell"]) == "lstm" and int(f["num_layers"]) == 2
    assert {"rnn_tanh", "lstm", "gru", "lstm_3layer"} <= set(reference_names())


def test_reference_file_bad_names():
    with pytest.raises(TypeError, match="name must be a str.*got int"):
        reference_file(3)
    with pytest.raises(ValueError, match=r"no reference configuration 'lstm9'.*gru_2layer"):
        reference_file("lstm9")


def test_live_path_needs_no_test_script():
    # the module that recomputes the numbers with torch is part of the package
    assert (ROOT / "rnncourse" / "_torch_reference.py").is_file()
    assert "tests" not in framework_reference.REFERENCE_DIR.parts
