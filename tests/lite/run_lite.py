"""The JupyterLite site, tested offline (``make test-lite``): what can be checked on this machine.

    .venv/bin/python tests/lite/run_lite.py          # build with make lite's builder, then test

1. ``tools/build_lite.py`` builds the site (artifacts/lite/site) as ``make lite`` does.
2. A copy of it (artifacts/lite/test-site) gets a local Pyodide: the core from the npm
   registry's ``pyodide`` package plus PyPI's pure-Python wheels of what the kernel loads at
   start (micropip, IPython, jedi and their dependencies) and of tqdm, typing-extensions and
   narwhals (plotly's), with the lock file's hashes rewritten to those wheels; PyPI fallback
   is switched off. Pyodide's own builds
   (numpy, matplotlib, ...) are only on Pyodide's download site, so they are not there.
3. The copy is served on 127.0.0.1 and headless Chromium (Debian's /usr/bin/chromium, driven
   by Playwright) opens it with every request to another host blocked and recorded:

   - a chapter opens in JupyterLite's lab and its Pyodide kernel becomes idle;
   - in JupyterLite's REPL, piplite installs ipywidgets, anywidget and plotly from the site's
     ``pypi/`` folder and tqdm from the local Pyodide, and the course wheel with deps=False
     (its numpy is not obtainable here); an ipywidgets slider and a plotly FigureWidget
     (through anywidget) are displayed and must draw; the course's files (the PyTorch
     reference numbers among them) must be installed; ``import rnncourse`` must fail only
     for want of numpy.

Exit status 1 on any failure. Screenshots go to artifacts/lite/screenshots/.
"""

import argparse
import functools
import http.server
import json
import shutil
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import build_lite  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run"]
TEST_SITE = build_lite.LITE / "test-site"
SHOTS = build_lite.LITE / "screenshots"
KERNEL = "@jupyterlite/pyodide-kernel-extension:kernel"
#: what the kernel loads from Pyodide at start (the worker's initPackageManager/initKernel),
#: and the pure-Python packages Pyodide ships that the widget packages and the course need
KERNEL_START = ["micropip", "ipython", "jedi", "packaging"]
LOCAL_PYODIDE = [*KERNEL_START, "tqdm", "typing-extensions", "narwhals"]
CHAPTER = "00_welcome.ipynb"
MARK = "LITE-CHECK"

#: the REPL's cells, run one after another (JupyterLite's REPL takes them as ?code=)
REPL_CODE = [
    f"import sys, piplite; print('{MARK} python', sys.version.split()[0])",
    "await piplite.install(['ipywidgets', 'anywidget', 'plotly', 'tqdm'])\n"
    "await piplite.install('rnncourse', deps=False)\n"
    f"print('{MARK} installed')",
    "import importlib.metadata as md\n"
    "versions = {n: md.version(n) for n in "
    "('rnncourse', 'ipywidgets', 'anywidget', 'plotly', 'tqdm')}\n"
    "files = [str(f) for f in md.files('rnncourse')]\n"
    "npz = sorted(f.split('/')[-1] for f in files if 'data/torch_reference/' in f"
    " and f.endswith('.npz'))\n"
    f"print('{MARK} versions', versions)\n"
    f"print('{MARK} reference files', len(npz), npz[:2])",
    "try:\n    import rnncourse\n    print('" + MARK + " import ok')\n"
    "except ModuleNotFoundError as err:\n    print('" + MARK + " import needs', err.name)",
    "import ipywidgets\nipywidgets.IntSlider(value=3, description='lite')",
    "import plotly.graph_objects as go\n"
    "go.FigureWidget(data=[go.Scatter(x=[0, 1, 2], y=[0, 2, 1])])",
    f"print('{MARK} done')",
]


class Handler(http.server.SimpleHTTPRequestHandler):
    """A static file server with the MIME types Pyodide's module workers require."""

    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".mjs": "text/javascript",
        ".js": "text/javascript",
        ".wasm": "application/wasm",
        ".json": "application/json",
        ".whl": "application/octet-stream",
    }

    def log_message(self, *args):  # quiet
        pass


def serve(folder):
    """Serve ``folder`` on 127.0.0.1 (a free port) in a thread; returns (server, base URL)."""
    handler = functools.partial(Handler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def make_test_site(site, dest=TEST_SITE):
    """A copy of the site with the local Pyodide and PyPI fallback off; returns its wheels."""
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(site, dest)
    wheels = build_lite.local_pyodide(dest / "static" / "pyodide", LOCAL_PYODIDE)
    config_path = dest / "jupyter-lite.json"
    config = json.loads(config_path.read_text())
    settings = config["jupyter-config-data"].setdefault("litePluginSettings", {})
    kernel = settings.setdefault(KERNEL, {})
    kernel["pyodideUrl"] = "./static/pyodide/pyodide.mjs"
    kernel["disablePyPIFallback"] = True
    config_path.write_text(json.dumps(config, indent=2))
    return wheels


def check_site(base, problems, timings):
    """Drive the served test site; append what is wrong to ``problems``."""
    blocked = []
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})

        def route(r):
            host = urllib.parse.urlparse(r.request.url).hostname
            if host in ("127.0.0.1", "localhost") or r.request.url.startswith(("data:", "blob:")):
                r.continue_()
            else:
                blocked.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))

        # a chapter in the lab: the kernel must start from the local Pyodide
        start = time.perf_counter()
        page.goto(f"{base}lab/index.html?path={CHAPTER}")
        try:
            # the indicator says idle before a kernel exists: wait for the kernel's name too
            page.wait_for_function(
                """() => {
                  const name = document.querySelector('.jp-NotebookPanel-toolbar .jp-KernelName');
                  const el = document.querySelector('.jp-Notebook-ExecutionIndicator');
                  return name && name.innerText.includes('Pyodide')
                    && el && el.getAttribute('data-status') === 'idle'
                    && document.body.innerText.includes('Python (Pyodide) | Idle');
                }""",
                timeout=120_000,
            )
            timings["chapter kernel idle"] = time.perf_counter() - start
        except Exception as err:  # noqa: BLE001 - reported below
            problems.append(f"{CHAPTER}: the kernel did not become idle: {err}")
        page.screenshot(path=str(SHOTS / "lite_chapter.png"))

        # the REPL: installs and widgets
        query = "&".join("code=" + urllib.parse.quote(c) for c in REPL_CODE)
        start = time.perf_counter()
        repl = context.new_page()
        repl.on("pageerror", lambda e: errors.append(str(e)))
        repl.goto(f"{base}repl/index.html?kernel=python&{query}")
        try:
            repl.wait_for_function(
                """(mark) => [...document.querySelectorAll('.jp-OutputArea-output')].some(
                     (el) => el.innerText.includes(mark + ' done')
                             || el.innerText.includes('Traceback'))""",
                arg=MARK,
                timeout=240_000,
            )
        except Exception as err:  # noqa: BLE001 - reported below
            problems.append(f"REPL: did not finish: {err}")
        timings["REPL cells"] = time.perf_counter() - start
        repl.wait_for_timeout(3000)  # let the widgets draw
        outputs = repl.locator(".jp-CodeConsole .jp-OutputArea-output").all_inner_texts()
        text = "\n".join(outputs)
        repl.screenshot(path=str(SHOTS / "lite_repl.png"), full_page=True)
        lines = [line for line in text.splitlines() if MARK in line]
        print("\n".join(lines))
        if f"{MARK} done" not in text:
            problems.append("REPL: the last cell did not run; outputs:\n" + text[-3000:])
        for needed in (f"{MARK} installed", f"{MARK} import needs numpy"):
            if needed not in text:
                problems.append(f"REPL: missing {needed!r}")
        if "reference files 8" not in text:
            problems.append("REPL: the course wheel's PyTorch reference files are not all there")
        if repl.locator(".widget-slider").count() == 0:
            problems.append("REPL: the ipywidgets slider did not draw")
        if repl.locator(".js-plotly-plot").count() == 0:
            problems.append("REPL: the plotly FigureWidget did not draw")
        browser.close()
    if errors:
        problems.append(f"page errors: {errors[:5]}")
    print(f"requests to other hosts, blocked: {len(blocked)}")
    for url in sorted(set(blocked))[:20]:
        print("   ", url)
    return blocked


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-build", action="store_true", help="reuse artifacts/lite/site")
    args = parser.parse_args(argv)
    timings, problems = {}, []
    start = time.perf_counter()
    if not args.no_build or not (build_lite.SITE / "index.html").exists():
        summary = build_lite.build()
        print(f"built {summary['site']}: {len(summary['chapters'])} chapters, wheels:")
        print("   ", summary["course_wheel"], *summary["dependency_wheels"])
    timings["build"] = time.perf_counter() - start
    start = time.perf_counter()
    wheels = make_test_site(build_lite.SITE)
    timings["local Pyodide"] = time.perf_counter() - start
    print(f"local Pyodide {build_lite.PYODIDE_VERSION}: core + {len(wheels)} PyPI wheels")
    server, base = serve(TEST_SITE)
    try:
        check_site(base, problems, timings)
    finally:
        server.shutdown()
    print("timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    for problem in problems:
        print("FAIL:", problem)
    print(f"lite: {1 - bool(problems)} passed, {int(bool(problems))} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
