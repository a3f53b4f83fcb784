"""A class on a real JupyterHub, end to end (``make test-classroom``; needs root).

    .venv/bin/python tests/classroom/run_classroom.py

On 127.0.0.1 only, from the project's own files:

1. Installs (``install.py``) a venv every account can run, under ``/opt/rnnc-classroom``, with
   the course (``pip install .[classroom]``: JupyterHub, JupyterLab, nbgrader), and
   configurable-http-proxy from npm into ``artifacts/classroom/``.
2. Creates throwaway Unix accounts (prefix ``rnnc_``): an instructor and three students, each
   with a random password and a home only its owner can open, and removes them at the end
   (``userdel -r``, also on failure or interrupt). Each student gets a copy of ``notebooks/``
   in ``~/rnncourse/``, as an nbgitpuller link would give.
3. Starts JupyterHub (``jupyterhub_config.py``: PAM logins, LocalProcessSpawner, so each server
   runs as its student's account) and nbgrader's exchange (a folder every account may write,
   as nbgrader documents), and times the hub's start and each server's spawn.
4. In headless Chromium, each student logs in with their password, opens a chapter, runs every
   cell (no error may show) and sees no instructor tools: no formgrader, Create Assignment or
   course list, in the menu, the toolbar or as server pages. Students do see nbgrader's
   Assignments list and Validate button. The memory of each student's processes (server and
   kernel) is read from /proc with the chapter open.
5. The instructor writes the course folder (``tools/nbgrader_metadata.py --course``) and, as
   their own account with nbgrader's command line, generates and releases chapter 1. Each
   student fetches it in the Assignments list; their answers are written through their
   server's contents API (one answers both exercises from ``solutions/01``, one the first
   only, one nothing); each submits with the Submit button. One student also submits in a
   classmate's name (``nbgrader submit --student``), which must not replace the classmate's
   work. The instructor collects and autogrades, and nbgrader's gradebook must give each
   check cell exactly the points its submission deserves.
6. As each student's Unix account, reading or changing a classmate's home, listing the
   exchange's inbox, overwriting a submission, and reading the instructor's course folder
   must all fail.

Every process started is stopped by its pid (the hub stops the servers and the proxy; any
process left to a throwaway account is killed before the account is removed). Exit status 1
on any failure; the last line is "N passed, M failed".
"""

import argparse
import atexit
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests" / "browser"))

import install  # noqa: E402
import lab_server  # noqa: E402
import page_js as js  # noqa: E402
import run_browser  # noqa: E402  (brings Playwright: make test-classroom installs it)
from playwright.sync_api import sync_playwright  # noqa: E402

PREFIX = "rnnc_"
INSTRUCTOR = PREFIX + "teacher"
#: Student account -> how much of chapter 1's assignment they answer, and the part they open.
STUDENTS = {
    PREFIX + "full": ("full", "01b"),  # the parts with the explorers: 01b hidden states,
    PREFIX + "part": ("part", "04b"),  # 04b the gate explorer,
    PREFIX + "none": ("none", "10b"),  # 10b the temperature sampler
}
ASSIGNMENT = "01_sequences_and_the_rnn_cell"
COURSE = "rnncourse"
#: The answer cells the partial student fills in (the full one fills every answer cell).
PARTIAL_ANSWERS = {"ch01_rnn_step_forward"}
#: What each check cell needs answered to pass (rnn_forward loops over rnn_step_forward).
CHECK_NEEDS = {
    "ch01_check_rnn_step_forward": {"ch01_rnn_step_forward"},
    "ch01_check_rnn_forward": {"ch01_rnn_step_forward", "ch01_rnn_forward"},
}
CHROMIUM = "/usr/bin/chromium"
#: Instructor tools, as nbgrader labels them in JupyterLab.
INSTRUCTOR_UI = re.compile(r"formgrader|create assignment|course list|courses", re.I)


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = []

    def check(self, what, ok, detail=""):
        ok = bool(ok)
        print(f"{'ok  ' if ok else 'FAIL'} {what}" + (f": {detail}" if detail and not ok else ""),
              flush=True)  # fmt: skip
        if ok:
            self.passed += 1
        else:
            self.failed.append(what)
        return ok


# ------------------------------------------------------------------------------ accounts


class Accounts:
    """Throwaway Unix accounts, removed by ``remove_all`` (also at exit)."""

    def __init__(self):
        self.created = []
        self.passwords = {}
        atexit.register(self.remove_all)

    @staticmethod
    def stale():
        return [p.pw_name for p in pwd.getpwall() if p.pw_name.startswith(PREFIX)]

    def create(self, name):
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", name], check=True)
        self.created.append(name)
        home = Path(pwd.getpwnam(name).pw_dir)
        home.chmod(0o700)  # only its owner may open it (what a hub's admin sets)
        password = secrets.token_urlsafe(18)
        subprocess.run(["chpasswd"], input=f"{name}:{password}\n", text=True, check=True)
        self.passwords[name] = password
        return home

    def remove_all(self):
        for name in list(self.created) + [n for n in self.stale() if n not in self.created]:
            kill_user_processes(name)
            subprocess.run(["userdel", "--remove", name], capture_output=True)
        self.created.clear()


def user_pids(name):
    """Pids of the processes whose real uid is ``name``'s."""
    uid = pwd.getpwnam(name).pw_uid
    pids = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        match = re.search(r"^Uid:\s+(\d+)", text, re.M)
        if match and int(match.group(1)) == uid:
            pids.append(int(status.parent.name))
    return pids


def kill_user_processes(name):
    try:
        pids = user_pids(name)
    except KeyError:
        return []
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return pids


def rss_mb(pids):
    total = 0
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"^VmRSS:\s+(\d+) kB", text, re.M)
        total += int(match.group(1)) if match else 0
    return total / 1024


def as_user(name, *command, cwd=None, env=None):
    """Run ``command`` as Unix user ``name`` (runuser), with the classroom venv on PATH."""
    home = pwd.getpwnam(name).pw_dir
    full_env = {"PATH": f"{install.BIN}:/usr/bin:/bin", "LANG": "C.UTF-8", **(env or {})}
    return subprocess.run(
        ["runuser", "-u", name, "--", "env", *(f"{k}={v}" for k, v in full_env.items()),
         *map(str, command)],
        cwd=cwd or home, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


# ------------------------------------------------------------------------------ the hub


class Hub:
    def __init__(self, run_dir, token, config_paths):
        self.state = run_dir / "hub"
        self.state.mkdir(mode=0o700)
        self.token = token
        self.port = lab_server.free_port()
        self.settings = {
            "port": self.port,
            "hub_port": lab_server.free_port(),
            "proxy_api_port": lab_server.free_port(),
            "proxy": str(install.PROXY),
            "singleuser": str(install.BIN / "jupyterhub-singleuser"),
            "path": f"{install.BIN}:/usr/local/bin:/usr/bin:/bin",
            "state": str(self.state),
            "students": list(STUDENTS),
            "instructor": INSTRUCTOR,
            "token": token,
            "config": config_paths,
        }
        self.process = None
        self.tokens = {}
        self.log_path = self.state / "jupyterhub.log"

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=60):
        settings_file = self.state / "settings.json"
        settings_file.write_text(json.dumps(self.settings))
        env = {
            "PATH": self.settings["path"],
            "LANG": "C.UTF-8",
            "RNNC_CLASSROOM_SETTINGS": str(settings_file),
        }
        self._log = open(self.log_path, "wb")
        started = time.monotonic()
        self.process = subprocess.Popen(
            [str(install.BIN / "jupyterhub"), "-f", str(HERE / "jupyterhub_config.py")],
            cwd=self.state, env=env, stdout=self._log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        deadline = started + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterHub exited at start:\n{self.log_tail()}")
            try:
                self.api("")  # through the proxy: both are up
                return time.monotonic() - started
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise RuntimeError(f"JupyterHub did not answer within {timeout} s:\n{self.log_tail()}")

    def log_tail(self, lines=40):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no hub log)"

    def request(self, url, method="GET", body=None, token=None, timeout=30):
        data = None if body is None else json.dumps(body).encode()
        headers = {"Authorization": f"token {token or self.token}"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read()
        return json.loads(text) if text else None

    def api(self, path, method="GET", body=None):
        return self.request(f"{self.base}/hub/api/{path}", method, body)

    def spawn(self, name, timeout=120):
        """Start ``name``'s server through the REST API; seconds until the hub says ready."""
        started = time.monotonic()
        self.api(f"users/{name}/server", "POST")
        while time.monotonic() - started < timeout:
            server = self.api(f"users/{name}")["servers"].get("")
            if server and server.get("ready"):
                return time.monotonic() - started
            time.sleep(0.2)
        raise TimeoutError(f"{name}'s server not ready within {timeout} s:\n{self.log_tail()}")

    def user_token(self, name):
        """A token of ``name``'s own, made once (the browser's login carries a cookie)."""
        if name not in self.tokens:
            reply = self.api(f"users/{name}/tokens", "POST", {"note": "classroom test"})
            self.tokens[name] = reply["token"]
        return self.tokens[name]

    def stop(self):
        """SIGTERM to the hub's pid: it stops every server and the proxy; then check."""
        process, self.process = self.process, None
        if process is None:
            return
        proxy_pid = _read_pid(self.state / "proxy.pid")
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        self._log.close()
        proxy_left = bool(proxy_pid and _alive(proxy_pid))
        if proxy_left:
            os.kill(proxy_pid, signal.SIGTERM)
            time.sleep(0.5)
            if _alive(proxy_pid):
                os.kill(proxy_pid, signal.SIGKILL)
        return {"hub": process.returncode, "proxy pid": proxy_pid, "proxy left": proxy_left}


def _read_pid(path):
    try:
        return int(Path(path).read_text().strip())
    except (OSError, ValueError):
        return None


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return (
        Path(f"/proc/{pid}").exists() and "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    )


# ------------------------------------------------------------------------------ set-up


def write_config(run_dir, exchange):
    """The student and instructor configuration folders, readable by every account."""
    paths = {}
    for role in ("student", "instructor"):
        target = run_dir / "config" / role
        shutil.copytree(HERE / role, target)
        with open(target / "nbgrader_config.py", "a") as config:
            config.write(f"c.Exchange.root = {str(exchange)!r}\n")
        paths[role] = str(target)
    for path in [run_dir / "config", *(run_dir / "config").rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return paths


def give_notebooks(name, home):
    """A copy of notebooks/ with outputs cleared in ``~/rnncourse/notebooks``, the browser
    test's lab settings, all owned by the student."""
    target = home / "rnncourse" / "notebooks"
    target.mkdir(parents=True)
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        nb.metadata.pop("widgets", None)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
        nbformat.write(nb, target / path.name)
    lab_server.write_user_settings(home / ".jupyter" / "lab" / "user-settings")
    subprocess.run(["chown", "-R", f"{name}:{name}", str(home)], check=True)


# ------------------------------------------------------------------------------ the browser


def login(context, hub, name, password):
    """Log in on the hub's login page; the page, in ``name``'s lab."""
    page = context.new_page()
    page.goto(f"{hub.base}/hub/login")
    page.fill("#username_input", name)
    page.fill("#password_input", password)
    page.click("#login_submit")
    page.wait_for_url(re.compile(rf"/user/{name}/lab"), timeout=60_000)
    return page


def login_refused(context, hub, name, password):
    """True when the hub refuses ``password`` for ``name`` (its login page says so)."""
    page = context.new_page()
    try:
        page.goto(f"{hub.base}/hub/login")
        page.fill("#username_input", name)
        page.fill("#password_input", password)
        page.click("#login_submit")
        page.wait_for_load_state("load")
        return "/hub/login" in page.url and "Invalid username or password" in page.content()
    finally:
        page.close()


def open_and_run(page, hub, name, chapter, timeout=180):
    """Open ``chapter`` in ``name``'s lab and run all cells; the cells as the page shows them."""
    path = next((ROOT / "notebooks").glob(f"{chapter}_*.ipynb")).name
    page.goto(f"{hub.base}/user/{name}/lab/tree/rnncourse/notebooks/{path}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=60_000)
    run_browser.wait_until(lambda: run_browser.kernel_ready(page), 60, "the kernel")
    run_browser.run_all_cells(page)
    completed = run_browser.wait_finished(page, timeout)
    cells = page.evaluate(js.CELLS)
    report = run_browser.Report(path)
    run_browser.check_outputs(cells, report)
    if not completed:
        report.fail("Run All stopped before the last code cell")
    return path, report


NBGRADER_MENU = """() => Array.from(document.querySelectorAll('.lm-Menu .lm-Menu-item'))
  .filter(e => !e.classList.contains('lm-mod-hidden') && e.offsetParent !== null)
  .map(e => e.innerText.trim()).filter(t => t)"""


def nbgrader_menu(page):
    """The items of the Nbgrader menu (None if there is no such menu)."""
    menu = page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Nbgrader$"))
    if menu.count() == 0:
        return None
    menu.click()
    page.wait_for_selector(".lm-Menu .lm-Menu-item", timeout=5_000)
    items = page.evaluate(NBGRADER_MENU)
    page.keyboard.press("Escape")
    return items


def open_assignment_list(page):
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Nbgrader$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Assignment List$")).click()
    page.wait_for_selector("#released_assignments_list", timeout=30_000)


def click_in_list(page, list_id, label, wait_list, timeout=60):
    """Click ``label`` on the assignment's row in ``list_id``; wait for it in ``wait_list``."""
    row = page.locator(f"#{list_id} .list_item", has_text=ASSIGNMENT)
    row.first.wait_for(timeout=timeout * 1000)
    row.first.locator("button", has_text=label).click()
    page.locator(f"#{wait_list} .list_item", has_text=ASSIGNMENT).first.wait_for(
        timeout=timeout * 1000
    )


# ------------------------------------------------------------------------------ answers


def answered(notebook, solution, grade_ids):
    """``notebook`` with the answer cells ``grade_ids`` replaced by the solution's."""
    answers = {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in solution.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in grade_ids:
            cell.source = answers[grade_id]
    return notebook


def expected_scores(solution, answered_ids):
    """Points each check cell deserves when ``answered_ids`` are answered."""
    points = {
        c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"]
        for c in solution.cells
        if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"
    }
    assert set(points) == set(CHECK_NEEDS), f"chapter 1's check cells changed: {sorted(points)}"
    return {g: (p if CHECK_NEEDS[g] <= answered_ids else 0) for g, p in points.items()}


GRADES = """
import json, sys
from nbgrader.api import Gradebook
with Gradebook(sys.argv[1], "rnncourse") as gb:
    out = {}
    for sub in gb.assignment_submissions(sys.argv[2]):
        nb = sub.notebooks[0]
        out[sub.student.id] = {
            "score": sub.score, "max_score": sub.max_score,
            "cells": {g.name: g.score for g in nb.grades if g.cell.cell_type == "code"},
        }
print(json.dumps(out))
"""


# ------------------------------------------------------------------------------ the test


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the run folder (debugging)")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("run as root: the test creates and removes Unix accounts")
        print("0 passed, 1 failed")
        return 1
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: apt-get install -y chromium (make test-classroom does)")
        print("0 passed, 1 failed")
        return 1

    # A CI time-out or Ctrl-C: unwind through the finally below (accounts, hub, proxy).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped by SIGTERM"))
    results = Results()
    started = time.monotonic()
    try:
        install.main()
    except (OSError, subprocess.CalledProcessError) as error:
        results.check("the classroom venv and the proxy install", False, str(error))
        print(f"classroom: {results.passed} passed, {len(results.failed)} failed")
        return 1
    print(f"installed in {time.monotonic() - started:.0f} s", flush=True)
    imported = subprocess.run(
        [str(install.BIN / "python"), "-c", "import rnncourse.check, rnncourse.viz"],
        capture_output=True, text=True, cwd="/",
    )  # fmt: skip
    results.check("the course imports in the classroom venv", imported.returncode == 0,
                  imported.stderr[-2000:])  # fmt: skip

    accounts = Accounts()
    for name in Accounts.stale():  # left by an interrupted run
        print(f"removing stale account {name}")
        kill_user_processes(name)
        subprocess.run(["userdel", "--remove", name], capture_output=True)

    run_dir = Path(tempfile.mkdtemp(prefix="rnnc-classroom-"))
    run_dir.chmod(0o755)
    hub = None
    figures = {}
    try:
        exchange = run_dir / "exchange"
        exchange.mkdir()
        exchange.chmod(0o777)  # nbgrader: the exchange must be writable by every account
        config_paths = write_config(run_dir, exchange)
        homes = {name: accounts.create(name) for name in [INSTRUCTOR, *STUDENTS]}
        for name in STUDENTS:
            give_notebooks(name, homes[name])

        hub = Hub(run_dir, secrets.token_hex(32), config_paths)
        figures["hub start"] = hub.start()
        print(f"JupyterHub {hub.api('')['version']} on {hub.base} "
              f"(up in {figures['hub start']:.1f} s)", flush=True)  # fmt: skip
        spawn = {name: hub.spawn(name) for name in STUDENTS}
        figures["spawn"] = spawn
        figures["memory idle"] = {name: rss_mb(user_pids(name)) for name in STUDENTS}
        results.check("every student's server spawned through the REST API", len(spawn) == 3)
        for name in STUDENTS:
            owners = {pwd.getpwuid(os.stat(f"/proc/{p}").st_uid).pw_name for p in user_pids(name)}
            results.check(f"{name}'s server runs as {name}", owners == {name} and user_pids(name))

        run_students(hub, accounts, homes, exchange, results, figures)
    except Exception:
        traceback.print_exc()
        results.check("the run completed", False, "an exception stopped it (above)")
        if hub is not None:
            print("--- hub log ---\n" + hub.log_tail(60))
    finally:
        if hub is not None:
            stopped = hub.stop()
            results.check("the hub exits on SIGTERM and its proxy with it",
                          stopped and stopped["proxy pid"] and not stopped["proxy left"],
                          str(stopped))  # fmt: skip
            left = {name: user_pids(name) for name in [INSTRUCTOR, *STUDENTS]}
            results.check("stopping the hub stopped every server and kernel",
                          not any(left.values()), str(left))  # fmt: skip
        accounts.remove_all()
        results.check("the throwaway accounts are removed", not Accounts.stale(),
                      str(Accounts.stale()))  # fmt: skip
        if args.keep:
            print(f"kept {run_dir}")
        else:
            shutil.rmtree(run_dir, ignore_errors=True)

    print_figures(figures)
    print(f"took {time.monotonic() - started:.0f} s")
    if results.failed:
        print("failed:", "; ".join(results.failed))
    print(f"classroom: {results.passed} passed, {len(results.failed)} failed")
    return 1 if results.failed else 0


def run_students(hub, accounts, homes, exchange, results, figures):
    solution = nbformat.read(ROOT / "solutions" / f"{ASSIGNMENT}.ipynb", as_version=4)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=run_browser.CHROMIUM_ARGS
        )
        contexts, pages = {}, {}
        figures["memory"] = {}
        # --- each student: log in, run a chapter, no instructor tools
        names = list(STUDENTS)
        for name, (_, chapter) in STUDENTS.items():
            contexts[name] = browser.new_context(viewport=run_browser.VIEWPORT)
            classmate = names[(names.index(name) + 1) % len(names)]
            refused = login_refused(contexts[name], hub, name, accounts.passwords[classmate])
            results.check(f"the hub refuses {name} with a classmate's password", refused)
            page = pages[name] = login(contexts[name], hub, name, accounts.passwords[name])
            results.check(f"{name} logs in with their password and lands in their lab", True)
            admin = page.request.get(f"{hub.base}/hub/admin").status
            results.check(f"{name} cannot open the hub's admin page", admin == 403, str(admin))
            path, report = open_and_run(page, hub, name, chapter)
            results.check(f"{name} runs {path} without errors", not report.problems,
                          "\n".join(report.problems))  # fmt: skip
            figures["memory"][name] = (path, rss_mb(user_pids(name)))
            check_student_tools(page, hub, name, results)
            page.screenshot(path=str(_screenshot_dir() / f"{name}_{chapter}.png"))
            for session in hub.request(f"{hub.base}/user/{name}/api/sessions",
                                       token=hub.user_token(name)):  # fmt: skip
                hub.request(f"{hub.base}/user/{name}/api/sessions/{session['id']}",
                            "DELETE", token=hub.user_token(name))  # fmt: skip

        # --- the instructor releases chapter 1
        spawn_teacher = hub.spawn(INSTRUCTOR)
        figures["spawn"][INSTRUCTOR] = spawn_teacher
        teacher_token = hub.user_token(INSTRUCTOR)
        status = _status(hub, f"/user/{INSTRUCTOR}/formgrader", teacher_token)
        results.check("the instructor's server has the formgrader", status == 200, str(status))
        course = homes[INSTRUCTOR] / "rnncourse-grading"
        subprocess.run([sys.executable, str(ROOT / "tools" / "nbgrader_metadata.py"),
                        "--course", str(course)], check=True, capture_output=True)  # fmt: skip
        subprocess.run(["chown", "-R", f"{INSTRUCTOR}:{INSTRUCTOR}", str(course)], check=True)
        teacher_env = {"JUPYTER_CONFIG_PATH": hub.settings["config"]["instructor"]}
        for step in ("generate_assignment", "release_assignment"):
            out = as_user(INSTRUCTOR, "nbgrader", step, ASSIGNMENT, cwd=course, env=teacher_env)
            results.check(f"the instructor runs nbgrader {step}", out.returncode == 0,
                          out.stdout + out.stderr)  # fmt: skip

        # --- students fetch, answer, submit
        for name, (amount, _) in STUDENTS.items():
            page = pages[name]
            page.goto(f"{hub.base}/user/{name}/lab")
            page.wait_for_selector(".lm-MenuBar-itemLabel", timeout=60_000)
            open_assignment_list(page)
            click_in_list(page, "released_assignments_list", "Fetch", "fetched_assignments_list")
            rel = f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
            fetched = homes[name] / rel
            results.check(f"{name} fetches the assignment into their home", fetched.exists()
                          and fetched.stat().st_uid == pwd.getpwnam(name).pw_uid)  # fmt: skip
            ids = {"full": set(CHECK_NEEDS["ch01_check_rnn_forward"]), "part": PARTIAL_ANSWERS,
                   "none": set()}[amount]  # fmt: skip
            token = hub.user_token(name)
            model = hub.request(f"{hub.base}/user/{name}/api/contents/{rel}", token=token)
            nb = answered(nbformat.from_dict(model["content"]), solution, ids)
            hub.request(
                f"{hub.base}/user/{name}/api/contents/{rel}",
                "PUT",
                {"type": "notebook", "format": "json", "content": nb},
                token=token,
            )
            click_in_list(page, "fetched_assignments_list", "Submit",
                          "submitted_assignments_list")  # fmt: skip
            results.check(f"{name} submits with the Submit button ({amount} answer)", True)

        # --- one student submits in a classmate's name
        impostor, victim = PREFIX + "none", PREFIX + "full"
        out = as_user(
            impostor,
            "nbgrader",
            "submit",
            ASSIGNMENT,
            "--student",
            victim,
            cwd=homes[impostor],
            env={"JUPYTER_CONFIG_PATH": hub.settings["config"]["student"]},
        )
        results.check(
            f"nbgrader lets {impostor} submit in {victim}'s name (the threat collect must stop)",
            out.returncode == 0 and len(list((exchange / COURSE / "inbound").iterdir())) == 4,
            out.stdout + out.stderr,
        )

        check_isolation(homes, exchange, results)

        # --- the instructor collects and autogrades
        for step in ("collect", "autograde"):
            out = as_user(INSTRUCTOR, "nbgrader", step, ASSIGNMENT, cwd=course, env=teacher_env)
            log = out.stdout[-1500:] + out.stderr[-2500:]
            results.check(f"the instructor runs nbgrader {step}", out.returncode == 0,
                          out.stdout[-2000:] + out.stderr[-3000:])  # fmt: skip
            if step == "collect":
                results.check(
                    "collect skips the submission made in a classmate's name",
                    "but rnnc_none submitted it" in out.stderr,
                    out.stderr[-2000:],
                )
        grades = json.loads(subprocess.run(
            [str(install.BIN / "python"), "-c", GRADES, f"sqlite:///{course}/gradebook.db",
             ASSIGNMENT], check=True, capture_output=True, text=True).stdout)  # fmt: skip
        for name, (amount, _) in STUDENTS.items():
            ids = {"full": set(CHECK_NEEDS["ch01_check_rnn_forward"]), "part": PARTIAL_ANSWERS,
                   "none": set()}[amount]  # fmt: skip
            want = expected_scores(solution, ids)
            got = grades.get(name, {}).get("cells")
            detail = f"{grades.get(name)}\nautograde's log ends:\n{log}"
            results.check(
                f"{name} ({amount} answer) scores {sum(want.values())}/"
                f"{len(want)} cell by cell: {want}",
                got == want,
                detail,
            )
        figures["scores"] = {n: (g["score"], g["max_score"]) for n, g in grades.items()}
        browser.close()


def _status(hub, path, token):
    """The HTTP status of GET ``path`` with ``token`` (redirects followed)."""
    request = urllib.request.Request(
        f"{hub.base}{path}", headers={"Authorization": f"token {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _screenshot_dir():
    path = ROOT / "artifacts" / "screenshots" / "classroom"
    path.mkdir(parents=True, exist_ok=True)
    return path


def check_student_tools(page, hub, name, results):
    texts = sorted({t.strip() for t in page.evaluate(run_browser.LAB_UI) if t.strip()})
    shown = [t for t in texts if INSTRUCTOR_UI.search(t)]
    results.check(f"{name} sees no instructor tool in the menus, toolbar or tabs", not shown,
                  str(shown))  # fmt: skip
    validate = [t for t in texts if "Validate" in t]
    results.check(f"{name} sees the Validate button", validate, str(texts))
    items = nbgrader_menu(page)
    results.check(f"{name}'s Nbgrader menu holds only the Assignment List",
                  items == ["Assignment List"], str(items))  # fmt: skip
    token = hub.user_token(name)
    for path in ("formgrader", "formgrader/api/assignments", "formgraders"):
        status = _status(hub, f"/user/{name}/{path}", token)
        results.check(f"{name}'s server does not serve /{path}", status == 404, str(status))
    status = _status(hub, f"/user/{name}/assignments?course_id={COURSE}", token)
    results.check(f"{name}'s server serves the Assignments list's API", status == 200, str(status))


def check_isolation(homes, exchange, results):
    """As each student's account: a classmate's files can be neither read nor changed."""
    names = list(STUDENTS)
    inbound = exchange / COURSE / "inbound"
    submissions = sorted(p for p in inbound.iterdir())
    for name in names:
        other = names[(names.index(name) + 1) % len(names)]
        theirs = homes[other] / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        their_uid = pwd.getpwnam(other).pw_uid
        their_sub = next(p for p in submissions if p.stat().st_uid == their_uid)
        their_sub_nb = their_sub / f"{ASSIGNMENT}.ipynb"
        released = exchange / COURSE / "outbound" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        attempts = {
            f"read {other}'s notebook": ["cat", theirs],
            f"list {other}'s home": ["ls", homes[other]],
            f"overwrite {other}'s notebook": ["sh", "-c", f"echo x > '{theirs}'"],
            f"write into {other}'s home": ["touch", homes[other] / "planted"],
            "list the exchange's inbox": ["ls", inbound],
            f"overwrite {other}'s submitted notebook": ["sh", "-c", f"echo x > '{their_sub_nb}'"],
            "read the instructor's course folder": ["ls", homes[INSTRUCTOR] / "rnncourse-grading"],
            "overwrite the released assignment": ["sh", "-c", f"echo x > '{released}'"],
        }  # fmt: skip
        for what, command in attempts.items():
            out = as_user(name, *command)
            results.check(f"{name} cannot {what}", out.returncode != 0,
                          f"exit {out.returncode}: {out.stdout[:200]}")  # fmt: skip


def print_figures(figures):
    if not figures:
        return
    print("\nmeasured:")
    if "hub start" in figures:
        print(f"  hub and proxy start: {figures['hub start']:.1f} s")
    for name, seconds in figures.get("spawn", {}).items():
        print(f"  spawn {name}'s server: {seconds:.1f} s")
    for name, (path, mb) in figures.get("memory", {}).items():
        idle = figures["memory idle"][name]
        print(
            f"  memory of {name}'s processes (RSS): {idle:.0f} MB for the server alone, "
            f"{mb:.0f} MB with {path} run"
        )
    for name, (score, max_score) in figures.get("scores", {}).items():
        print(f"  score {name}: {score:g}/{max_score:g}")


if __name__ == "__main__":
    sys.exit(main())
