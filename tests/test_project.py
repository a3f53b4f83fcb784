"""The project's promises about itself: dependencies, light imports, notation, commands."""

import re
import subprocess
import sys
from pathlib import Path

import yaml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

import rnncourse
from rnncourse import gru, lstm, notation, rnn

ROOT = Path(__file__).resolve().parents[1]


def _split(requirement):
    name, spec = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", requirement).groups()
    return name.lower().replace("_", "-"), spec.replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = dict(_split(d) for d in env["dependencies"] if isinstance(d, str))
    python = conda.pop("python")
    conda.pop("pip", None)
    assert python == project["requires-python"]
    # the learner's environment: the dependencies and the lab extra (JupyterLab, a kernel)
    wanted = project["dependencies"] + project["optional-dependencies"]["lab"]
    assert conda == dict(_split(d) for d in wanted)
    assert "conda-forge" in env["channels"]


def test_core_import_is_numpy_only():
    code = (
        "import sys, rnncourse, rnncourse.check, rnncourse.interop; "
        "heavy = [m for m in ('matplotlib', 'plotly', 'ipywidgets', 'IPython', 'torch') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_core_does_not_depend_on_torch():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not any(_split(d)[0] == "torch" for d in project["dependencies"])


def test_notation_table_matches_the_code():
    shapes = {code: shape for _, code, shape, _ in notation.SYMBOLS}
    for key, dims in rnn.PARAM_SHAPES.items():
        assert shapes[key] == dims, key
    gated = {code: shape for _, code, shape, _ in notation.GATED_SYMBOLS}
    assert lstm.PARAM_SHAPES["W_x"] in gated["W_x"] and gru.PARAM_SHAPES["W_x"] in gated["W_x"]
    assert lstm.PARAM_SHAPES["W_h"] in gated["W_h"] and gru.PARAM_SHAPES["W_h"] in gated["W_h"]
    assert gated["b"] == lstm.PARAM_SHAPES["b"] and gated["b_x, b_h"] == gru.PARAM_SHAPES["b_x"]
    assert "".join(lstm.GATES) == "ifgo" and "".join(gru.GATES) == "rzn"
    assert "h_{t-1} W_hh" in notation.ROW_VECTOR_FORM
    table = notation.table_markdown()
    assert "`W_xh` | (D, H)" in table and "`h` | (N, T, H)" in table


def test_two_commands_are_documented_and_used():
    readme = (ROOT / "README.md").read_text()
    assert "make lab" in readme and "make test" in readme
    assert "conda env create -f environment.yml" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^lab:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    # JupyterLab's token authentication must stay on for learners.
    assert "token=''" not in makefile and "--IdentityProvider.token" not in makefile


def test_version_is_single():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["version"] == rnncourse.__version__
