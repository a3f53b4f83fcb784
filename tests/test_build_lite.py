"""tools/build_lite.py's pure parts (make lite), without building anything or the network."""

import hashlib
import json
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import build_lite  # noqa: E402


def test_names_are_normalized():
    assert build_lite.normalize("Typing_Extensions") == "typing-extensions"
    assert build_lite.requirement_name("numpy>=1.24") == "numpy"
    assert build_lite.requirement_name("tomli>=2; python_version < '3.11'") == "tomli"
    assert build_lite.wheel_name("typing_extensions-4.15.0-py3-none-any.whl") == "typing-extensions"


def test_lite_extra_pins_the_kernel_the_pyodide_version_belongs_to():
    reqs = build_lite.lite_requirements()
    assert "jupyterlite-pyodide-kernel==0.8.6" in reqs  # its constants.py: Pyodide 314.0.6
    assert build_lite.PYODIDE_VERSION == "314.0.6"
    names = {build_lite.requirement_name(r) for r in reqs}
    assert {"jupyterlite-core", "jupyter-server", "jupyterlab-widgets", "anywidget"} <= names


LOCK = {
    "info": {"python": "3.14.2"},
    "packages": {
        "ipython": {"depends": ["traitlets", "prompt_toolkit"], "file_name": "ipython-9-x.whl"},
        "traitlets": {
            "depends": [],
            "file_name": "traitlets-5.14.3-py3-none-any.whl",
            "version": "5.14.3",
            "sha256": "pyodide's",
        },  # fmt: skip
        "prompt-toolkit": {"depends": ["wcwidth"], "file_name": "p.whl"},
        "wcwidth": {"depends": [], "file_name": "w.whl"},
        "numpy": {"depends": [], "file_name": "numpy.whl"},
    },
}


def test_lock_closure_follows_dependencies_across_spellings():
    assert build_lite.lock_closure(LOCK["packages"], ["IPython"]) == {
        "ipython", "traitlets", "prompt-toolkit", "wcwidth",
    }  # fmt: skip
    assert build_lite.lock_closure(LOCK["packages"], ["not-in-lock"]) == set()


def test_relock_uses_the_wheels_hash_and_leaves_the_lock_alone(tmp_path):
    wheel = tmp_path / "traitlets-5.14.3-py3-none-any.whl"
    wheel.write_bytes(b"a wheel from PyPI")
    before = json.dumps(LOCK)
    new = build_lite.relock(LOCK, [wheel])
    entry = new["packages"]["traitlets"]
    assert entry["sha256"] == hashlib.sha256(b"a wheel from PyPI").hexdigest()
    assert entry["file_name"] == wheel.name and entry["version"] == "5.14.3"
    assert json.dumps(LOCK) == before
    stray = tmp_path / "plotly-7.1.0-py3-none-any.whl"
    stray.write_bytes(b"")
    with pytest.raises(ValueError, match="plotly-7.1.0-py3-none-any.whl is not a package"):
        build_lite.relock(LOCK, [stray])


def test_chapter_for_lite_adds_the_install_cell_to_a_copy(tmp_path):
    source = ROOT / "notebooks" / "00_welcome.ipynb"
    before = source.read_bytes()
    build_lite.chapter_for_lite(source, tmp_path / "00.ipynb")
    nb = nbformat.read(tmp_path / "00.ipynb", as_version=4)
    original = nbformat.read(source, as_version=4)
    assert nb.cells[0].source == build_lite.INSTALL_CELL
    assert "%pip install -q rnncourse" in nb.cells[0].source
    assert [c.source for c in nb.cells[1:]] == [c.source for c in original.cells]
    assert nb.metadata["kernelspec"]["name"] == "python"  # the Pyodide kernel's name
    assert source.read_bytes() == before


def _fake_wheel(folder, name, requires):
    path = folder / f"{name}-1.0-py3-none-any.whl"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n"
    meta += "".join(f"Requires-Dist: {r}\n" for r in requires)
    with zipfile.ZipFile(path, "w") as whl:
        whl.writestr(f"{name}-1.0.dist-info/METADATA", meta)
    return path


def test_needed_wheels_follow_pyodides_markers_and_stop_at_shipped_packages(tmp_path):
    wheels = [
        _fake_wheel(tmp_path, "ipywidgets", ["comm>=0.1.3", "ipython>=6.1.0"]),
        _fake_wheel(tmp_path, "comm", ["traitlets>=4"]),
        _fake_wheel(tmp_path, "ipython", ["pexpect>4.3; sys_platform != 'emscripten'"]),
        _fake_wheel(tmp_path, "pexpect", []),
        _fake_wheel(tmp_path, "psygnal", ["typing_extensions; python_version < '3.8'"]),
    ]
    assert build_lite.wheel_requires(wheels[2]) == set()  # the marker is false in Pyodide
    needed = build_lite.needed_wheels(["ipywidgets", "psygnal"], wheels, shipped={"ipython"})
    assert [p.name.split("-")[0] for p in needed] == ["comm", "ipywidgets", "psygnal"]
