"""Start and stop a private JupyterLab server for the browser test.

The server runs from the course's own venv on 127.0.0.1, on a free port, with a token made by
:mod:`secrets`, in a temporary folder that holds a copy of the notebooks. Its settings, workspaces
and runtime files live in that folder too, so the learner's own JupyterLab setup is neither read
nor changed. ``lab_settings.json`` (beside this file) holds the settings the test needs: no news
toast, no autosave (the run must not rewrite notebooks) and every cell attached to the page
(windowing off, so cells below the fold can be counted). It runs with the configuration that
``make lab`` gives learners (``tools/learner_lab/``: nbgrader's menu, buttons and server
extensions off).
"""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
SETTINGS = HERE / "lab_settings.json"
#: The configuration ``make lab`` adds for learners (nbgrader's tools hidden).
LEARNER_LAB = HERE.parents[1] / "tools" / "learner_lab"


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_user_settings(settings_dir, overrides=SETTINGS):
    """Write ``{"package:plugin": {...}}`` as JupyterLab user-settings files."""
    for plugin_id, values in json.loads(Path(overrides).read_text()).items():
        package, plugin = plugin_id.split(":")
        target = Path(settings_dir) / package / f"{plugin}.jupyterlab-settings"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values, indent=2))


def learner_env(env):
    """``env`` with the learner's configuration first on JUPYTER_CONFIG_PATH, as in make lab."""
    paths = [str(LEARNER_LAB)] + [
        p for p in env.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep) if p
    ]
    return {**env, "JUPYTER_CONFIG_PATH": os.pathsep.join(paths)}


class LabServer:
    """``with LabServer(root) as lab:`` starts JupyterLab in ``root`` and stops it afterwards.

    ``lab.url(path)`` gives an address with the token; ``lab.api(path)`` calls the REST API.
    """

    def __init__(self, root, jupyter=None, startup_timeout=60):
        self.root = Path(root)
        self.jupyter = Path(jupyter or Path(sys.executable).with_name("jupyter"))
        self.startup_timeout = startup_timeout
        self.token = secrets.token_hex(24)
        self.port = None
        self.process = None
        self.log_path = self.root / "jupyterlab.log"

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def url(self, path):
        sep = "&" if "?" in path else "?"
        return f"{self.base}/{path.lstrip('/')}{sep}token={self.token}"

    def api(self, path, method="GET"):
        request = urllib.request.Request(
            f"{self.base}/api/{path.lstrip('/')}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def start(self):
        home = self.root / ".jupyter-home"
        settings = home / "user-settings"
        write_user_settings(settings)
        env = dict(
            learner_env(os.environ),
            JUPYTERLAB_SETTINGS_DIR=str(settings),
            JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
            JUPYTER_CONFIG_DIR=str(home / "config"),
            JUPYTER_RUNTIME_DIR=str(home / "runtime"),
            PYTHONUNBUFFERED="1",
        )
        self.port = free_port()
        command = [
            str(self.jupyter),
            "lab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={self.root}",
            f"--IdentityProvider.token={self.token}",
        ]
        if os.geteuid() == 0:
            command.append("--allow-root")
        log = open(self.log_path, "wb")  # closed in stop()
        self._log = log
        self.process = subprocess.Popen(
            command,
            cwd=self.root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, so kernels can be stopped too
        )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited at start:\n{self.log_tail()}")
            try:
                self.api("status")
                return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.25)
        self.stop(force=True)
        raise RuntimeError(f"JupyterLab did not answer within {self.startup_timeout} s")

    def log_tail(self, lines=40):
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])

    def shutdown_kernels(self):
        """Stop every kernel the server runs (between notebooks, to free memory and CPU)."""
        for session in self.api("sessions"):
            self.api(f"sessions/{session['id']}", method="DELETE")
        for kernel in self.api("kernels"):
            self.api(f"kernels/{kernel['id']}", method="DELETE")

    def stop(self, force=False):
        """Stop the server by its pid (SIGTERM, then SIGKILL); ``force`` kills its group."""
        process, self.process = self.process, None
        if process is None:
            return
        if force:
            _kill_group(process.pid)
        elif process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                _kill_group(process.pid)
        process.wait(timeout=10)
        self._log.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        self.stop(force=exc_type is not None)


def _kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)  # the server's own group (start_new_session)
    except ProcessLookupError:
        pass
