"""The package as a wheel: its data files, and an install with no Jupyter in a fresh venv.

The fresh-venv tests build the wheel, install it with pip (its dependencies come from the
package index, as for a learner; pip's cache makes the second run quick) into a new venv of
the oldest supported Python and of the newest one on the machine, check that no Jupyter came
with it, add only ipykernel and nbclient, and run two chapters through nbclient from a folder
outside the repository: part 01b (the core, plotly and ipywidgets widgets) and part 12a
(reads the PyTorch reference numbers from the package's data). Each prints its timings.
"""

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from rnncourse import course_map, framework_reference
from rnncourse.framework_reference import reference_file, reference_names

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
#: Part 01b (the hidden-state explorer) and part 12a (PyTorch's stored numbers), by the map.
CHAPTERS = [course_map.part(n).file.removesuffix(".ipynb") for n in ("01b", "12a")]
#: What must not come with `pip install rnncourse`: Jupyter's servers and front ends, grading,
#: browsers, torch. (ipykernel and nbclient are added afterwards, on purpose.)
NOT_INSTALLED = ["jupyterlab", "notebook", "jupyter_server", "nbgrader", "playwright", "torch"]
#: stderr a chapter may print with the newest releases, each with why it is not a failure yet.
#: (none today: part 01b takes the real part of its triangular matrix's eigenvalues, which
#: numpy 2.5's np.linalg.eig returns as complex numbers)
KNOWN_STDERR = {}


def _name(requirement):
    return re.match(r"[A-Za-z0-9_.\-]+", requirement).group().lower().replace("_", "-")


# ---------------------------------------------------------------- dependencies and data


def test_runtime_dependencies_hold_no_jupyter():
    names = {_name(r) for r in PROJECT["dependencies"]}
    assert names == {"numpy", "matplotlib", "plotly", "anywidget", "ipywidgets", "tqdm"}
    extras = PROJECT["optional-dependencies"]
    assert {_name(r) for r in extras["lab"]} == {"jupyterlab", "ipykernel"}
    assert {_name(r) for r in extras["nbgrader"]} == {"nbgrader"}
    assert "rnncourse[lab,nbgrader]" in extras["dev"]
    assert {_name(r) for r in extras["browser"]} == {"playwright"}


#: import name -> the distribution that provides it, for every third-party import in the
#: package; None: imported lazily inside a function that says what to install.
_PROVIDERS = {
    "numpy": "numpy",
    "matplotlib": "matplotlib",
    "cycler": "matplotlib",  # matplotlib depends on cycler
    "plotly": "plotly",
    "ipywidgets": "ipywidgets",
    "IPython": "ipywidgets",  # ipywidgets depends on ipython
    "tqdm": "tqdm",
    "torch": None,  # rnncourse.interop, rnncourse._torch_reference: the torch extra
    "nbformat": None,  # rnncourse.bench's notebook timings only
    "nbclient": None,
}


def test_every_import_of_the_package_is_a_dependency():
    stdlib = set(sys.stdlib_module_names)
    found = {}
    for path in sorted((ROOT / "rnncourse").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                tops = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                tops = [node.module.split(".")[0]]
            else:
                continue
            for top in tops:
                if top not in stdlib and top != "rnncourse":
                    found.setdefault(top, path.relative_to(ROOT).as_posix())
    unknown = {top: where for top, where in found.items() if top not in _PROVIDERS}
    assert not unknown, f"imports with no dependency behind them: {unknown}"
    deps = {_name(r) for r in PROJECT["dependencies"]}
    for top, dist in _PROVIDERS.items():
        assert dist is None or dist in deps, (top, dist)


def test_reference_file_is_package_data():
    path = reference_file("lstm_2layer_bidirectional")
    expected = ROOT / "rnncourse" / "data" / "torch_reference" / "lstm_2layer_bidirectional.npz"
    assert path == expected
    with np.load(path, allow_pickle=False) as f:
        assert str(f["cell"]) == "lstm" and int(f["num_layers"]) == 2
    assert {"rnn_tanh", "lstm", "gru", "lstm_3layer"} <= set(reference_names())
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "data/torch_reference/*.npz" in globs["package-data"]["rnncourse"]


def test_reference_file_bad_names():
    with pytest.raises(TypeError, match="name must be a str.*got int"):
        reference_file(3)
    with pytest.raises(ValueError, match=r"no reference configuration 'lstm9'.*gru_2layer"):
        reference_file("lstm9")
    with pytest.raises(ValueError, match="no reference configuration '../weights/dates_luong'"):
        reference_file("../weights/dates_luong")


def test_live_path_needs_no_test_script():
    # the module that recomputes the numbers with torch is part of the package
    assert (ROOT / "rnncourse" / "_torch_reference.py").is_file()
    assert "tests" not in framework_reference.REFERENCE_DIR.parts


# ---------------------------------------------------------------- a fresh venv


def _interpreters():
    """{(3, minor): path} for the Pythons on this machine from the supported minimum up."""
    low = tuple(int(p) for p in re.search(r"(\d+)\.(\d+)", PROJECT["requires-python"]).groups())
    found = {}
    roots = [Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"]
    for minor in range(low[1], 30):
        candidates = [shutil.which(f"python3.{minor}")]
        for root in roots:
            candidates += sorted(root.glob(f"3.{minor}.*/bin/python3.{minor}"))
        for candidate in candidates:
            if not candidate:
                continue
            out = subprocess.run(
                [str(candidate), "-c", "import sys, venv; print(sys.version_info[:2])"],
                capture_output=True,
                text=True,
            )
            if out.returncode == 0 and out.stdout.strip() == f"(3, {minor})":
                found[(3, minor)] = str(candidate)
                break
    return low, found


LOW, FOUND = _interpreters()
#: the oldest supported Python and the newest one installed here
ENDS = sorted({v for v in (LOW, max(FOUND, default=None)) if v in FOUND})


def _clean_env(home):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.pop("JUPYTER_PATH", None)
    env.pop("JUPYTER_CONFIG_PATH", None)
    env.update(JUPYTER_DATA_DIR=str(home / "data"), JUPYTER_CONFIG_DIR=str(home / "config"))
    env.update(JUPYTER_RUNTIME_DIR=str(home / "runtime"), PYDEVD_DISABLE_FILE_VALIDATION="1")
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The course's wheel, built from a copy of the package (the tree is left untouched)."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(
        ROOT / "rnncourse", src / "rnncourse", ignore=shutil.ignore_patterns("__pycache__")
    )
    out = tmp_path_factory.mktemp("wheel")
    start = time.perf_counter()
    cmd = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", str(src), "-w", str(out)]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    (path,) = out.glob("rnncourse-*.whl")
    seconds = time.perf_counter() - start
    print(f"wheel: {path.name}, {path.stat().st_size / 1e6:.2f} MB, built in {seconds:.1f} s")
    return path


_RUN_CHAPTERS = r"""
import json, sys, time
import nbformat
from nbclient import NotebookClient

report = {}
for path in sys.argv[1:]:
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        "import sys, rnncourse\nprint(sys.executable)\nprint(rnncourse.__file__)"))
    start = time.perf_counter()
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    stderr = [o.get("text", "") for c in nb.cells if c.cell_type == "code"
              for o in c.outputs if o.get("name") == "stderr"]
    report[path] = {"seconds": time.perf_counter() - start, "stderr": stderr,
                    "where": nb.cells[-1].outputs[0]["text"].split()}
print(json.dumps(report))
"""


def _missing(python, modules, env):
    code = f"import importlib.util as u; print([m for m in {modules!r} if u.find_spec(m)])"
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, env=env)
    return ast.literal_eval(out.stdout.strip())


def _fresh_venv_runs_chapters(version, wheel, tmp):
    """Install the wheel into a new venv of Python ``version``, run CHAPTERS; a summary line."""
    times = {}
    env = _clean_env(tmp / "home")
    venv = tmp / "venv"
    py = str(venv / "bin" / "python")

    def step(label, cmd, **kwargs):
        start = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, **kwargs)
        times[label] = time.perf_counter() - start
        assert out.returncode == 0, f"{label} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
        return out

    # The venv gets no pip of its own (ensurepip takes longer than the install); this pip
    # installs into it with --python. --no-compile: pip would byte-compile every file of
    # plotly, matplotlib, IPython... (a minute on a busy machine); the kernel compiles what
    # it imports.
    step("venv", [FOUND[version], "-m", "venv", "--without-pip", str(venv)])
    pip = [sys.executable, "-m", "pip", "--python", py, "install", "--quiet", "--no-compile"]
    step("pip install the wheel", [*pip, str(wheel)])
    assert _missing(py, NOT_INSTALLED + ["ipykernel", "nbclient"], env) == []
    step("pip install ipykernel nbclient", [*pip, "ipykernel", "nbclient"])
    assert _missing(py, NOT_INSTALLED, env) == []

    work = tmp / "course"  # outside the repository: only the chapters, nothing beside them
    work.mkdir()
    for name in CHAPTERS:
        shutil.copy(ROOT / "notebooks" / f"{name}.ipynb", work / f"{name}.ipynb")
    script = tmp / "run_chapters.py"
    script.write_text(_RUN_CHAPTERS)
    out = step("run chapters", [py, str(script), *(f"{n}.ipynb" for n in CHAPTERS)], cwd=work)
    report = json.loads(out.stdout.strip().splitlines()[-1])
    for name, entry in report.items():
        executable, package = entry["where"]
        assert Path(executable).parent == venv / "bin", (name, executable)
        assert Path(package).is_relative_to(venv), (name, package)  # the wheel, not the tree
        known = [t for t in entry["stderr"] if name in KNOWN_STDERR and KNOWN_STDERR[name] in t]
        assert [t for t in entry["stderr"] if t not in known] == [], (name, entry["stderr"])
        entry["note"] = " (known warning: see KNOWN_STDERR)" if known else ""
    chapters = ", ".join(
        f"{n.split('_')[0]} {e['seconds']:.1f} s{e['note']}" for n, e in report.items()
    )
    steps = ", ".join(f"{label} {t:.1f} s" for label, t in times.items())
    return f"Python {version[0]}.{version[1]}: {steps} (chapters: {chapters})"


@pytest.mark.skipif(not ENDS, reason=f"no Python {LOW[0]}.{LOW[1]} or newer found")
def test_wheel_runs_chapters_in_fresh_venvs_without_jupyter(wheel, tmp_path):
    """Both ends of the supported range at once, one thread each (mostly waiting on pip)."""
    start = time.perf_counter()
    with ThreadPoolExecutor(len(ENDS)) as pool:
        futures = []
        for version in ENDS:
            tmp = tmp_path / f"py{version[0]}.{version[1]}"
            tmp.mkdir()
            futures.append(pool.submit(_fresh_venv_runs_chapters, version, wheel, tmp))
        lines = [future.result() for future in futures]
    print("\n".join(lines), f"\nboth: {time.perf_counter() - start:.1f} s")
