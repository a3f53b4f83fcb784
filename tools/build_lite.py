"""Build the course as a JupyterLite site (``make lite``): artifacts/lite/site/.

    .venv/bin/python tools/build_lite.py            # build artifacts/lite/site
    .venv/bin/python tools/build_lite.py --serve    # build, then serve it on 127.0.0.1:8000

JupyterLite is JupyterLab running in the browser with no server; its Pyodide kernel is Python
compiled to WebAssembly. The site holds:

- the chapters (``notebooks/*.ipynb``), each with one cell added at the top that installs the
  course into that tab's Python (``%pip install rnncourse``: every tab has its own Pyodide);
- ``pypi/``: the course wheel and pure-Python wheels of its dependencies that Pyodide does
  not ship (plotly, anywidget, ipywidgets, ...), which piplite installs from the site itself;
- the widget front ends (ipywidgets' and anywidget's JupyterLab extensions).

With JupyterLite's normal settings the learner's browser fetches Pyodide itself, and the
packages Pyodide builds (numpy, matplotlib, IPython, ...), from Pyodide's CDN at run time; the
site does not copy them. The build tools (jupyterlite-core, jupyterlite-pyodide-kernel and the
widget extensions, the ``lite`` extra of pyproject.toml) go into their own venv,
artifacts/lite/venv, so the course's .venv JupyterLab never loads JupyterLite's extensions.
Pyodide's release comes from the npm registry (``npm pack pyodide@VERSION``, cached in
artifacts/lite/cache/): its lock file says which packages Pyodide ships, and
tests/lite/run_lite.py serves its core locally to test the site offline.
"""

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

import nbformat

ROOT = Path(__file__).resolve().parents[1]
LITE = ROOT / "artifacts" / "lite"
VENV = LITE / "venv"
CACHE = LITE / "cache"
SITE = LITE / "site"
#: the Pyodide release jupyterlite-pyodide-kernel 0.8.6 is made for (its constants.py)
PYODIDE_VERSION = "314.0.6"
#: Pyodide's Python, for choosing wheels
PYODIDE_PYTHON = "3.14"
#: packages the Pyodide kernel brings in its own wheels (stubs and the kernel itself)
KERNEL_SHIPS = {"ipykernel", "widgetsnbextension", "pyodide-kernel", "piplite"}
#: what the first cell of each chapter runs in the browser
INSTALL_CELL = (
    "# Browser edition (JupyterLite): install the course into this tab's Python first.\n"
    "%pip install -q rnncourse"
)


def normalize(name):
    """A distribution name as indexes compare them: 'Typing_Extensions' -> 'typing-extensions'."""
    return name.lower().replace("_", "-").replace(".", "-")


def requirement_name(requirement):
    """The normalized name of a requirement: 'numpy>=1.24' -> 'numpy'."""
    return normalize(re.match(r"[A-Za-z0-9_.\-]+", requirement).group())


def wheel_name(filename):
    """The normalized distribution name of a wheel file name."""
    return normalize(Path(filename).name.split("-")[0])


def lite_requirements():
    """The ``lite`` extra of pyproject.toml: what the build needs."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return list(project["optional-dependencies"]["lite"])


def run(cmd, **kwargs):
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run([str(c) for c in cmd], check=True, **kwargs)


def ensure_tools():
    """artifacts/lite/venv with the lite extra installed; returns its ``jupyter`` command."""
    stamp = VENV / ".requirements"
    wanted = "\n".join(lite_requirements())
    if not (stamp.exists() and stamp.read_text() == wanted):
        if not (VENV / "bin" / "python").exists():
            run([sys.executable, "-m", "venv", VENV])
        run([VENV / "bin" / "python", "-m", "pip", "install", "--quiet", *lite_requirements()])
        stamp.write_text(wanted)
    return VENV / "bin" / "jupyter"


def pyodide_package(version=PYODIDE_VERSION):
    """The npm registry's ``pyodide`` package (the core and its lock file), unpacked."""
    folder = CACHE / f"pyodide-{version}"
    if not (folder / "package" / "pyodide-lock.json").exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        run(["npm", "pack", f"pyodide@{version}", "--silent"], cwd=CACHE, capture_output=True)
        with tarfile.open(CACHE / f"pyodide-{version}.tgz") as tar:
            tar.extractall(folder, filter="data")
    return folder / "package"


def pyodide_lock(version=PYODIDE_VERSION):
    return json.loads((pyodide_package(version) / "pyodide-lock.json").read_text())


def course_wheel(dest):
    """Build rnncourse's wheel from a copy of the package into ``dest``; returns its path."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp)
        for name in ("pyproject.toml", "README.md"):
            shutil.copy(ROOT / name, src / name)
        ignore = shutil.ignore_patterns("__pycache__")
        shutil.copytree(ROOT / "rnncourse", src / "rnncourse", ignore=ignore)
        run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", src, "-w", dest])
    (path,) = Path(dest).glob("rnncourse-*.whl")
    return path


def download_pure_wheels(requirements, dest, deps=True):
    """Pure-Python wheels for Pyodide's Python (py3-none-any), with their dependencies."""
    cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:"]
    cmd += ["--python-version", PYODIDE_PYTHON, "--implementation", "py", "--abi", "none"]
    cmd += ["--platform", "any", "-d", dest, *([] if deps else ["--no-deps"]), *requirements]
    run(cmd)


#: the environment markers of Pyodide's Python, to read wheels' Requires-Dist with
PYODIDE_MARKERS = {
    "sys_platform": "emscripten",
    "platform_system": "Emscripten",
    "os_name": "posix",
    "python_version": PYODIDE_PYTHON,
    "python_full_version": f"{PYODIDE_PYTHON}.0",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "extra": "",
}


def wheel_requires(path):
    """The normalized names a wheel requires in Pyodide (its markers evaluated there)."""
    from packaging.requirements import Requirement

    with zipfile.ZipFile(path) as whl:
        (meta,) = [n for n in whl.namelist() if n.endswith(".dist-info/METADATA")]
        lines = whl.read(meta).decode().splitlines()
    names = set()
    for line in lines:
        if line.startswith("Requires-Dist:"):
            req = Requirement(line.split(":", 1)[1].strip())
            if req.marker is None or req.marker.evaluate(PYODIDE_MARKERS):
                names.add(normalize(req.name))
    return names


def needed_wheels(roots, wheels, shipped):
    """The wheels reachable from ``roots`` through packages that are not ``shipped``.

    pip resolves for this machine's platform, so it also downloads what a package needs
    only outside the browser (pexpect for IPython); a package Pyodide ships brings its own
    dependencies, so the walk stops there.
    """
    by_name = {wheel_name(p.name): p for p in wheels}
    seen, stack = set(), [normalize(r) for r in roots]
    while stack:
        name = stack.pop()
        if name in seen or name in shipped or name not in by_name:
            continue
        seen.add(name)
        stack += sorted(wheel_requires(by_name[name]))
    return [by_name[name] for name in sorted(seen)]


def dependency_wheels(dest, lock_packages):
    """The course's dependencies (and theirs) that neither Pyodide nor the kernel ships."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    shipped = {normalize(name) for name in lock_packages} | KERNEL_SHIPS
    wanted = [r for r in project["dependencies"] if requirement_name(r) not in shipped]
    with tempfile.TemporaryDirectory() as tmp:
        download_pure_wheels(wanted, tmp)
        wheels = sorted(Path(tmp).glob("*.whl"))
        roots = [requirement_name(r) for r in wanted]
        return [Path(shutil.copy(p, dest)) for p in needed_wheels(roots, wheels, shipped)]


def chapter_for_lite(source, dest):
    """A copy of a chapter with the install cell first (the chapter itself is unchanged)."""
    nb = nbformat.read(source, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(INSTALL_CELL))
    nb.metadata["kernelspec"] = {"name": "python", "display_name": "Python (Pyodide)"}
    nbformat.write(nb, dest)


def build(out=SITE):
    """Build the site into ``out``; returns a summary dict."""
    jupyter = ensure_tools()
    lock = pyodide_lock()
    staging = LITE / "build"
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "pypi").mkdir(parents=True)
    (staging / "files").mkdir()
    wheel = course_wheel(staging / "pypi")
    deps = dependency_wheels(staging / "pypi", lock["packages"])
    chapters = sorted(ROOT.glob("notebooks/[0-9A]*.ipynb"))
    for chapter in chapters:
        chapter_for_lite(chapter, staging / "files" / chapter.name)
    shutil.rmtree(out, ignore_errors=True)
    cmd = [jupyter, "lite", "build", "--lite-dir", staging, "--contents", staging / "files"]
    run([*cmd, "--output-dir", out], cwd=staging)
    return {
        "site": str(out),
        "course_wheel": wheel.name,
        "dependency_wheels": sorted(p.name for p in deps),
        "chapters": [c.name for c in chapters],
        "pyodide": PYODIDE_VERSION,
    }


# ---------------------------------------------------------------- a local Pyodide (tests)


def lock_closure(packages, names):
    """The names of ``names`` and everything they depend on in Pyodide's lock."""
    seen, stack = set(), [normalize(n) for n in names]
    by_name = {normalize(k): v for k, v in packages.items()}
    while stack:
        name = stack.pop()
        if name in seen or name not in by_name:
            continue
        seen.add(name)
        stack += [normalize(d) for d in by_name[name]["depends"]]
    return seen


def relock(lock, wheels):
    """Point lock entries at the given wheels: file name, version and sha256 from the files.

    Pyodide checks each package's sha256 against its lock file, and its own builds of pure
    Python packages are not byte-identical to PyPI's wheels; so a Pyodide served from local
    files with PyPI's wheels needs their hashes. Returns a new lock; ``lock`` is unchanged.
    """
    new = json.loads(json.dumps(lock))
    by_name = {normalize(k): k for k in new["packages"]}
    for path in wheels:
        key = by_name.get(wheel_name(path.name))
        if key is None:
            raise ValueError(f"{path.name} is not a package of the Pyodide lock file")
        entry = new["packages"][key]
        entry["file_name"] = path.name
        entry["version"] = path.name.split("-")[1]
        entry["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return new


def local_pyodide(dest, names):
    """Pyodide's core from npm plus PyPI's wheels of ``names`` (and their lock dependencies)
    for those packages that are pure Python, with the lock file rewritten to their hashes.
    Returns the list of wheel names. Compiled packages (numpy, matplotlib) are not obtainable
    from PyPI for Pyodide and are left out."""
    core = pyodide_package()
    lock = pyodide_lock()
    shutil.copytree(core, dest, dirs_exist_ok=True)
    packages = {normalize(k): v for k, v in lock["packages"].items()}
    pure = sorted(
        name
        for name in lock_closure(lock["packages"], names)
        if packages[name]["file_name"].endswith("-none-any.whl")
    )
    specs = [f"{name}=={packages[name]['version']}" for name in pure]
    download_pure_wheels(specs, dest, deps=False)
    wheels = sorted(Path(dest).glob("*-none-any.whl"))
    (Path(dest) / "pyodide-lock.json").write_text(json.dumps(relock(lock, wheels)))
    return [p.name for p in wheels]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SITE, help="output folder")
    parser.add_argument("--serve", action="store_true", help="serve on 127.0.0.1:8000 after")
    args = parser.parse_args(argv)
    summary = build(args.out)
    print(json.dumps(summary, indent=1))
    if args.serve:
        run([sys.executable, "-m", "http.server", "8000", "--bind", "127.0.0.1"], cwd=args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
