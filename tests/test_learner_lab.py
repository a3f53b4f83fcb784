"""The JupyterLab of ``make lab`` is the learner's: nbgrader's tools are hidden there.

The dev install brings nbgrader (tests/test_nbgrader.py grades a chapter with it), and
nbgrader enables its server extensions and its JupyterLab extension (a "Nbgrader" menu, a
Validate button on every notebook, a Create Assignment panel) for every lab of the venv.
``make lab`` points JUPYTER_CONFIG_PATH at ``tools/learner_lab/``, which turns them off;
``make lab-instructor`` does not. The browser test runs the same configuration and checks
that no nbgrader menu is shown (tests/browser/run_browser.py).
"""

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LEARNER_LAB = ROOT / "tools" / "learner_lab"
sys.path.insert(0, str(ROOT / "tests" / "browser"))

import lab_server  # noqa: E402


def _installed_nbgrader_server_extensions():
    """The nbgrader server extensions that the venv's own config enables."""
    config = Path(sys.prefix) / "etc" / "jupyter" / "jupyter_server_config.d" / "nbgrader.json"
    enabled = json.loads(config.read_text())["ServerApp"]["jpserver_extensions"]
    return {name for name, on in enabled.items() if on}


def test_every_nbgrader_server_extension_is_turned_off():
    installed = _installed_nbgrader_server_extensions()
    assert installed, "nbgrader enables no server extension: was it installed?"
    ours = json.loads((LEARNER_LAB / "jupyter_server_config.json").read_text())
    turned_off = {k for k, on in ours["ServerApp"]["jpserver_extensions"].items() if not on}
    assert installed <= turned_off, f"not turned off for learners: {installed - turned_off}"


def test_nbgrader_lab_extension_is_disabled():
    labextensions = Path(sys.prefix) / "share" / "jupyter" / "labextensions"
    names = {
        json.loads(p.read_text())["name"]
        for p in labextensions.glob("**/package.json")
        if "nbgrader" in json.loads(p.read_text())["name"]
    }
    assert names, "nbgrader's JupyterLab extension is not installed: was nbgrader?"
    page = json.loads((LEARNER_LAB / "labconfig" / "page_config.json").read_text())
    disabled = {name for name, off in page["disabledExtensions"].items() if off}
    assert names <= disabled


def test_jupyter_reads_the_learner_config():
    """What JupyterLab itself makes of the folder (not only what the files say)."""
    env = lab_server.learner_env({})
    listing = subprocess.run(
        [str(Path(sys.executable).with_name("jupyter")), "labextension", "list"],
        capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    text = re.sub(r"\x1b\[[0-9;]*m", "", listing.stdout + listing.stderr)
    line = next(row for row in text.splitlines() if "@jupyter/nbgrader v" in row)
    assert "disabled" in line


def test_make_lab_and_the_browser_test_use_it():
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^lab:.*\n((?:\t.*\n)+)", makefile, re.M).group(1)
    opens = [line.strip() for line in recipe.splitlines() if "$(LAB)" in line]
    assert len(opens) == 1 and opens[0].startswith("$(LEARNER_LAB) $(LAB)")
    assert re.search(
        r'^LEARNER_LAB := JUPYTER_CONFIG_PATH="\$\(CURDIR\)/tools/learner_lab', makefile, re.M
    )
    instructor = re.search(r"^lab-instructor:.*\n\t(.*)", makefile, re.M).group(1)
    assert "LEARNER_LAB" not in instructor
    assert lab_server.LEARNER_LAB == LEARNER_LAB
    env = lab_server.learner_env({"JUPYTER_CONFIG_PATH": "/elsewhere"})
    assert env["JUPYTER_CONFIG_PATH"] == f"{LEARNER_LAB}:/elsewhere"
