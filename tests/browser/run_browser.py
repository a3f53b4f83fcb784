"""Run every chapter in a real browser, the way a learner meets it (``make test-browser``).

    .venv/bin/python tests/browser/run_browser.py            # every notebooks/*.ipynb
    .venv/bin/python tests/browser/run_browser.py --only 01 04b   # chapter 01's parts, part 04b

Every notebook is one part of a chapter (07a, 07b, ...) or a chapter of one part (00), and each
is opened, run and checked on its own, with its own quiz and screenshot (``07b_....png``).

A private JupyterLab (see ``lab_server.py``) serves a temporary copy of ``notebooks/`` with its
outputs cleared; headless Chromium (Debian's ``/usr/bin/chromium``, driven by Playwright) opens
each chapter, waits for the kernel, runs Run > Run All Cells and waits until the last code cell
has run. Then it checks, from what the page shows:

- no cell shows an error: an error output or a stderr output that holds a traceback or a Python
  warning fails. Other stderr text (progress bars, log lines) is allowed;
- every widget the stored notebook displays is rendered again (no "Error displaying widget"),
  and every plotly figure has an SVG with data;
- the lab is the learner's (``make lab``'s configuration): no nbgrader menu, button or panel;
- the chapter's main widget reacts: the first cell whose output has a control (a plotly figure
  next to it preferred) gets its control moved (slider: focus + ArrowRight; dropdown: another
  option; toggle buttons, radio buttons + "Check", a text box, a button), and what the cell
  draws (plotly SVG paths, heatmap images, figure data, widget HTML, images) must change;
- the chapter's quiz grades in the page: one question answered wrong shows "Not quite." and that
  option's own feedback, then answered right shows "Correct." and its feedback (quiz_check.py);
- axe-core finds no serious or critical violation in the cell outputs (a11y_check.py); the
  chapters of DARK_CHAPTERS run in JupyterLab's dark theme, so too little contrast there fails.

One screenshot per chapter goes to ``artifacts/screenshots/``. Before the chapters, a small
self-check notebook proves the checks can fail (its division by zero must be reported); after
them, one chapter is exported with ``tools/build_site.py`` and opened from disk with all network
requests blocked, to check the static site renders offline. Exit status 1 on any failure, with
the notebook, the cell, the cell's text and what the page showed.
"""

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

import a11y_check  # noqa: E402
import page_js as js  # noqa: E402
import quiz_check  # noqa: E402
from lab_server import LabServer  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1400, "height": 1000}
#: Parts run in JupyterLab's dark theme (their screenshots end in -dark.png): the ones whose
#: explorers, diagrams and HTML boxes have colours of their own (02b's BPTT stepper, 03b's
#: gradient-flow explorer, 04b's gate explorer, 05b's GRU gate trace, 11b's attention map).
DARK_CHAPTERS = ("02b", "03b", "04b", "05b", "11b")
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
STDERR = "application/vnd.jupyter.stderr"
#: Error outputs (IPython tracebacks, syntax errors) and Python warnings in stderr text.
ERROR_TEXT = re.compile(
    r"Traceback \(most recent call last\)|^\s*Cell In\[\d+\]|"
    r"^[A-Za-z_][\w.]*(Error|Exception)\b|\b\w+Warning: ",
    re.MULTILINE,
)
WIDGET_FAILED = ("Error displaying widget", "Loading widget...")


class Report:
    """What one notebook run found."""

    def __init__(self, name):
        self.name = name
        self.problems = []
        self.notes = []
        self.seconds = 0.0

    def fail(self, what, cell=None, shown=""):
        lines = [what]
        if cell is not None:
            lines.append(f"  cell {cell['index']} ({cell['prompt'] or cell['type']}):")
            lines += [f"    | {line}" for line in cell["source"].splitlines()[:25]]
        if shown:
            lines.append("  on screen:")
            lines += [f"    > {line}" for line in shown.strip().splitlines()[:40]]
        self.problems.append("\n".join(lines))


def prepare_root(tmp, notebooks):
    """Copy the notebooks, outputs cleared, into ``tmp/notebooks``; link the other folders.

    The chapters link to other folders by relative path (``../exercises/``, ``../solutions/``;
    the files they read come from the package), so the repository's other top-level folders
    are linked beside the copy, read-only in effect.
    """
    target = tmp / "notebooks"
    target.mkdir(parents=True)
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        nb.metadata.pop("widgets", None)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
        nbformat.write(nb, target / path.name)
    for child in ROOT.iterdir():
        if child.is_dir() and not child.name.startswith(".") and child.name not in (
            "notebooks", "artifacts"
        ):  # fmt: skip
            (tmp / child.name).symlink_to(child, target_is_directory=True)
    return target


def expected_views(path):
    """The cells whose stored result (their last expression) is a widget.

    Widgets shown with ``display()`` are not counted: some close themselves when done (a tqdm
    progress bar), so the page no longer shows them although the file still lists them.
    """
    nb = nbformat.read(path, as_version=4)
    return [
        index
        for index, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        and any(
            o.output_type == "execute_result" and WIDGET_VIEW in o.get("data", {})
            for o in cell.outputs
        )
    ]


def wait_until(condition, timeout, what, interval=0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


def kernel_ready(page):
    state = page.evaluate(js.KERNEL_STATE)
    return state["name"] not in ("", "No Kernel", "Kernel") and state["status"] == "idle"


def run_all_cells(page):
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()


def wait_finished(page, timeout):
    """Wait until no cell is queued or running and the kernel is idle, three polls in a row.

    Returns True when the last code cell has an execution count (Run All stops at an error).
    """
    deadline = time.monotonic() + timeout
    quiet = 0
    while time.monotonic() < deadline:
        prompts = page.evaluate(js.PROMPTS)
        if not prompts:
            return True  # no code cells
        idle = page.evaluate(js.KERNEL_STATE)["status"] == "idle"
        counted = [bool(re.search(r"\[\d+\]", p)) for p in prompts]
        busy = any("*" in p for p in prompts)
        quiet = quiet + 1 if (idle and not busy and any(counted)) else 0
        if quiet >= (3 if counted[-1] else 12):
            return counted[-1]
        time.sleep(0.5)
    raise TimeoutError(f"cells still running after {timeout:.0f} s")


def check_outputs(cells, report):
    for cell in cells:
        for output in cell["outputs"]:
            if output["mime"] == STDERR and ERROR_TEXT.search(output["text"]):
                report.fail("error output", cell, output["text"])


def check_widgets(cells, expected, report):
    views = [view for cell in cells for view in cell["views"]]
    plots = [plot for cell in cells for plot in cell["plots"]]
    for index in expected:
        if index >= len(cells) or not cells[index]["views"]:
            report.fail("the stored notebook shows a widget here, the page does not",
                        cells[index] if index < len(cells) else None)  # fmt: skip
    for cell in cells:
        for view in cell["views"]:
            if not view["rendered"] or any(text in view["text"] for text in WIDGET_FAILED):
                report.fail("widget not rendered", cell, view["text"])
        for plot in cell["plots"]:
            if not (plot["svg"] and plot["traces"]):
                report.fail("plotly figure drawn without SVG or data", cell)
    sliders = sum(cell["sliders"] for cell in cells)
    buttons = sum(cell["buttons"] for cell in cells)
    report.notes.append(
        f"{len(views)} widget views, {len(plots)} plotly figures, {sliders} sliders, "
        f"{buttons} buttons"
    )


def pick_control(controls):
    """The main widget's cell: the first with a control beside a plotly figure, else the first
    with any control."""
    with_plot = [i for i, c in enumerate(controls) if c and c["plot"]]
    any_control = [i for i, c in enumerate(controls) if c]
    return (with_plot or any_control or [None])[0]


def move_control(page, index, control, attempt=0):
    """Move the control in cell ``index``; return a description of what was done.

    ``attempt`` 1, 2, ... tries another value when the first left the drawing as it was
    (e.g. a dropdown of examples whose first entry is the example already shown).
    """
    cell = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell").nth(index)
    kind = control["kind"]
    targets = cell.locator(control["selector"])
    target = targets.first
    if kind == "slider":
        state = page.evaluate(js.SLIDER_STATE, [index, 0])
        key = "ArrowRight" if state["now"] < state["max"] else "ArrowLeft"
        target.focus()
        page.keyboard.press(key)
        return f"slider {key} from {state['now']:g}"
    if kind == "dropdown":
        current = target.input_value()
        values = target.locator("option").evaluate_all("os => os.map(o => o.value)")
        others = [v for v in values if v != current]
        target.select_option(others[(attempt + len(others) - 1) % len(others)])
        return "dropdown: another option"
    if kind == "radio":
        targets.nth(attempt % targets.count()).check()
        cell.locator("button.jupyter-button").first.click()
        return "radio button chosen and button clicked"
    if kind == "text":
        target.fill(("gate", "state", "a")[attempt % 3])
        target.press("Enter")
        return "text typed"
    targets.nth(attempt % targets.count()).click()
    return f"{kind} clicked"


def check_interaction(page, report):
    controls = page.evaluate(js.CONTROLS)
    index = pick_control(controls)
    if index is None:
        report.notes.append("no widget control to move")
        return None
    before = page.evaluate(js.DRAWN, index)
    tried = []
    for attempt in range(3):
        tried.append(move_control(page, index, controls[index], attempt))
        try:
            wait_until(lambda: page.evaluate(js.DRAWN, index) != before, 10, "a change")
            report.notes.append(f"cell {index}: {tried[-1]} changed the drawing")
            return index
        except TimeoutError:
            continue
    cells = page.evaluate(js.CELLS)
    report.fail(f"moving the main widget's control changed nothing ({tried})", cells[index])
    return index


#: What nbgrader adds to JupyterLab: a menu, a notebook toolbar button, a side panel.
NBGRADER_UI = re.compile(r"nbgrader|Validate Assignment|Create Assignment", re.I)
LAB_UI = """() => Array.from(document.querySelectorAll(
  '.lm-MenuBar-itemLabel, .jp-Toolbar-item, .jp-ToolbarButtonComponent, .lm-TabBar-tab'
)).map(e => [e.innerText, e.title, e.getAttribute('data-jp-item-name')].join(' '))"""


def check_learner_lab(page, report):
    """The lab is the one ``make lab`` opens for learners: no nbgrader menu or buttons."""
    shown = sorted({t.strip() for t in page.evaluate(LAB_UI) if NBGRADER_UI.search(t)})
    if shown:
        report.fail("the learner's JupyterLab shows nbgrader's tools", shown="\n".join(shown))


def run_notebook(context, lab, rel, expected, timeout, screenshot=None, axe=None):
    """Open ``rel`` (relative to the server root) in a new page, run it, check it."""
    report = Report(rel)
    dark = False
    start = time.monotonic()
    page = context.new_page()
    page_errors = []
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    try:
        page.goto(lab.url(f"lab/tree/{rel}?reset"))
        page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=60_000)
        wait_until(lambda: kernel_ready(page), 60, "the kernel")
        chapter = Path(rel).name.split("_")[0]
        dark = chapter in DARK_CHAPTERS
        if dark:
            a11y_check.set_theme(page, "JupyterLab Dark")
            if screenshot:
                screenshot = screenshot.with_name(f"{screenshot.stem}-dark.png")
        run_all_cells(page)
        completed = wait_finished(page, timeout)
        # Widgets render asynchronously after the last execution reply.
        try:
            wait_until(lambda: _views_settled(page), 15, "widgets to render")
        except TimeoutError:
            pass  # reported by check_widgets below
        cells = page.evaluate(js.CELLS)
        check_outputs(cells, report)
        if not completed:
            ran = [c for c in cells if c["type"] == "code" and re.search(r"\d", c["prompt"])]
            report.fail(
                "Run All stopped before the last code cell", ran[-1] if ran else None,
                "\n".join(o["text"] for o in (ran[-1]["outputs"] if ran else [])),
            )  # fmt: skip
        check_widgets(cells, expected, report)
        check_learner_lab(page, report)
        index = check_interaction(page, report)
        if axe:  # our outputs: labelled, with alternative text, readable in this theme
            problems, note = a11y_check.run_axe(
                page, a11y_check.LAB_SCOPE, axe, a11y_check.LAB_RULES_OFF
            )
            for problem in problems:
                report.fail(("dark theme: " if dark else "") + problem)
            report.notes.append(note + (" (dark theme)" if dark else ""))
        is_chapter = re.fullmatch(r"[0-9A-Z][0-9][a-h]?", chapter) is not None  # not self_check
        problems, note = quiz_check.check_quiz(page, chapter) if is_chapter else ([], "")
        for problem in problems:
            report.fail(problem)
        if note:
            report.notes.append(note)
            if screenshot:  # the quiz after its right answer, as a learner sees it
                page.screenshot(path=str(screenshot.with_name(f"{screenshot.stem}-quiz.png")))
        dialog = page.evaluate(js.DIALOG)
        if dialog:
            report.fail("a dialog is open", shown=dialog)
        for error in page_errors:
            report.notes.append(f"page error (not fatal): {error[:200]}")
        if screenshot:
            _screenshot(page, index, screenshot)
    except Exception as exc:  # a timeout or a crash: say where, keep going
        report.fail(f"{type(exc).__name__}: {exc}")
        if screenshot:
            page.screenshot(path=str(screenshot))
    finally:
        if dark:
            try:  # the theme is a user setting: later chapters must open in the light one
                a11y_check.set_theme(page, "JupyterLab Light")
            except Exception as exc:
                report.fail(f"could not switch back to the light theme: {exc}")
        page.close()
        lab.shutdown_kernels()
    report.seconds = time.monotonic() - start
    return report


def _views_settled(page):
    views = [v for c in page.evaluate(js.CELLS) for v in c["views"]]
    return all(v["rendered"] for v in views)


def _screenshot(page, index, path):
    if index is not None:
        cell = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")
        cell.nth(index).evaluate("el => el.scrollIntoView({block: 'start'})")
        time.sleep(0.3)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))


SELF_CHECK = [
    "import sys\n\nimport ipywidgets as widgets\nimport plotly.graph_objects as go",
    "slider = widgets.IntSlider(value=1, min=1, max=5, description='k')\n"
    "fig = go.FigureWidget(go.Scatter(y=[0, 1, 2]))\n\n\n"
    "def redraw(change):\n    fig.data[0].y = [i * change['new'] for i in range(3)]\n\n\n"
    "slider.observe(redraw, names='value')\nwidgets.VBox([slider, fig])",
    "print('progress 3/3', file=sys.stderr)  # plain stderr is allowed",
    "1 / 0",
]


def self_check(context, lab, root, timeout):
    """Run a notebook with one widget and one error; the checks must see both."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(source) for source in SELF_CHECK]
    nbformat.write(nb, root / "self_check.ipynb")
    report = run_notebook(context, lab, "self_check.ipynb", [1], timeout)
    errors = [p for p in report.problems if p.startswith("error output")]
    changed = any("changed the drawing" in note for note in report.notes)
    ok = len(report.problems) == 1 and len(errors) == 1 and "ZeroDivisionError" in errors[0]
    return ok and changed, report


def print_report(report):
    status = "FAIL" if report.problems else "ok  "
    print(f"{status} {report.seconds:5.1f} s  {report.name}: {'; '.join(report.notes)}")
    for problem in report.problems:
        print("     " + problem.replace("\n", "\n     "))
    sys.stdout.flush()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=[], help="notebook name prefixes")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per notebook")
    parser.add_argument("--no-self-check", action="store_true")
    parser.add_argument("--no-site", action="store_true", help="skip the static-site check")
    args = parser.parse_args(argv)

    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    if args.only:
        notebooks = [p for p in notebooks if p.name.startswith(tuple(args.only))]
    if not notebooks:
        print("no notebooks matched")
        return 1
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: apt-get install -y chromium (make test-browser does)")
        return 1

    started = time.monotonic()
    failed = []
    axe = a11y_check.axe_source()
    with tempfile.TemporaryDirectory(prefix="rnncourse-browser-") as tmp:
        tmp = Path(tmp)
        prepare_root(tmp, notebooks)
        with LabServer(tmp) as lab, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            context = browser.new_context(viewport=VIEWPORT)
            print(f"JupyterLab on 127.0.0.1:{lab.port}, {len(notebooks)} notebooks", flush=True)
            if not args.no_self_check:
                ok, report = self_check(context, lab, tmp, args.timeout)
                print(f"self-check {'ok' if ok else 'FAILED'}: the checks "
                      f"{'do' if ok else 'do NOT'} catch a broken notebook")  # fmt: skip
                if not ok:
                    print_report(report)
                    failed.append("self-check")
            for path in notebooks:
                report = run_notebook(
                    context, lab, f"notebooks/{path.name}", expected_views(path),
                    args.timeout, SCREENSHOTS / f"{path.stem}.png", axe,
                )  # fmt: skip
                print_report(report)
                if report.problems:
                    failed.append(path.name)
            if not args.no_site:
                import site_check

                chapters = sorted((ROOT / "notebooks").glob("*.ipynb"))  # whatever --only says
                problems = site_check.run(context, tmp / "site", chapters)
                print(f"{'FAIL' if problems else 'ok  '} static site: " + "; ".join(
                    problems or site_check.LAST_NOTES))  # fmt: skip
                if problems:
                    failed.append("static site")
                problems, notes = site_check.check_pages(context, tmp / "site-all", axe)
                print(f"{'FAIL' if problems else 'ok  '} static pages: " + "; ".join(notes))
                for problem in problems:
                    print("     " + problem[:600])
                if problems:
                    failed.append("static pages (axe)")
            browser.close()
    checked = len(notebooks) + (not args.no_self_check) + 2 * (not args.no_site)
    print(
        f"screenshots in {SCREENSHOTS.relative_to(ROOT)}/; took {time.monotonic() - started:.0f} s"
    )
    if failed:
        print("failed:", ", ".join(failed))
    print(f"browser: {checked - len(failed)} passed, {len(failed)} failed")  # CI reads this line
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
