"""Install what the classroom test needs, the way an instructor sets up a hub machine.

- A venv under ``/opt/rnnc-classroom/venv`` made from Debian's ``/usr/bin/python3``: every
  account can run it (a venv of ``/root/.pyenv`` cannot be run by other users, since ``/root``
  is closed to them). The course goes in with ``pip install REPO[classroom]`` (not editable, so
  students' servers never read the repository folder, which may be closed to them too); the
  ``classroom`` extra adds JupyterHub, JupyterLab and nbgrader. The course is reinstalled when
  its files change.
- ``configurable-http-proxy`` from the npm registry into ``artifacts/classroom/node/`` (only
  the hub, running as root, starts it).

Each step is skipped when its result is already there, so a second run starts in seconds.
"""

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PREFIX = Path(os.environ.get("RNNC_CLASSROOM_PREFIX", "/opt/rnnc-classroom"))
VENV = PREFIX / "venv"
BIN = VENV / "bin"
BASE_PYTHON = "/usr/bin/python3"
NODE_DIR = ROOT / "artifacts" / "classroom" / "node"
PROXY = NODE_DIR / "node_modules" / ".bin" / "configurable-http-proxy"


def _run(command):
    """Run ``command``; its output is shown only when it fails."""
    print("  $", " ".join(str(c) for c in command), flush=True)
    out = subprocess.run([str(c) for c in command], capture_output=True, text=True)
    if out.returncode != 0:
        print(out.stdout[-3000:] + out.stderr[-3000:])
        raise subprocess.CalledProcessError(out.returncode, command)


def _course_hash():
    """A hash of what ``pip install`` puts in the venv: pyproject.toml and the package."""
    digest = hashlib.sha256()
    files = [ROOT / "pyproject.toml", *sorted((ROOT / "rnncourse").rglob("*"))]
    for path in files:
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _apt_install(*packages):
    _run(["apt-get", "update", "-qq"])
    _run(["apt-get", "install", "-y", "-qq", *packages])


def install_venv():
    stamp = VENV / ".rnnc-course"
    wanted = _course_hash()
    if stamp.exists() and stamp.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        if not Path(BASE_PYTHON).exists():
            _apt_install("python3", "python3-venv")
        PREFIX.mkdir(parents=True, exist_ok=True)
        PREFIX.chmod(0o755)
        try:
            _run([BASE_PYTHON, "-m", "venv", VENV])
        except subprocess.CalledProcessError:
            _apt_install("python3-venv")  # Debian's python3 has no ensurepip without it
            shutil.rmtree(VENV, ignore_errors=True)
            _run([BASE_PYTHON, "-m", "venv", VENV])
        _run([BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    # Dependencies first (kept on later runs), then the course itself, always from this tree.
    _run([BIN / "python", "-m", "pip", "install", "--quiet", f"{ROOT}[classroom]"])
    _run([BIN / "python", "-m", "pip", "install", "--quiet", "--no-deps", "--force-reinstall",
          str(ROOT)])  # fmt: skip
    stamp.write_text(wanted)


def install_proxy():
    if PROXY.exists():
        return
    if shutil.which("npm") is None:
        _apt_install("npm")
    NODE_DIR.mkdir(parents=True, exist_ok=True)
    _run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", NODE_DIR,
          "configurable-http-proxy"])  # fmt: skip


def main():
    if os.geteuid() != 0:
        print("the classroom test creates Unix accounts: run it as root (CI does)")
        return 1
    os.umask(0o022)  # what pip writes into the venv must be readable by every account
    print(f"installing into {VENV} and {NODE_DIR.relative_to(ROOT)}", flush=True)
    install_venv()
    install_proxy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
