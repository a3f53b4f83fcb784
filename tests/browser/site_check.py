"""The static site in a real browser: built for one chapter, opened from disk, no network.

Called by ``run_browser.py`` with its browser context. Every http(s) request is blocked and
recorded, so a page that still needs a CDN fails. On the chapter page, every saved widget view
must be drawn by the local html-manager, the plotly figures of the FigureWidgets must have an
SVG, the equations must be typeset by the local MathJax, and the quiz must grade an answer
without a kernel.
"""

import importlib.util
import re
import time

import nbformat
import quiz_check
from run_browser import ROOT, SCREENSHOTS, WIDGET_VIEW

#: What the last run saw, for the summary line.
LAST_NOTES = []

PAGE_STATE = """() => {
  const views = Array.from(document.querySelectorAll('.jupyter-widgets.jp-OutputArea-output'));
  return {
    views: views.length,
    drawn: views.filter(v => v.querySelector('.lm-Widget, .widget-box, .jupyter-widgets')).length,
    plots: document.querySelectorAll('.js-plotly-plot').length,
    plotSvgs: document.querySelectorAll('.js-plotly-plot svg.main-svg').length,
    sliders: document.querySelectorAll('.widget-slider').length,
    math: document.querySelectorAll('.MathJax, .MathJax_Display, .MathJax_CHTML').length,
    mathErrors: document.querySelectorAll('.MathJax_Error, merror').length,
  };
}"""


def _build_site():
    spec = importlib.util.spec_from_file_location("build_site", ROOT / "tools" / "build_site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pick_chapter(notebooks):
    """The first chapter that displays two widgets or more (an explorer and a quiz)."""
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        views = sum(
            WIDGET_VIEW in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
            for o in c.outputs
        )  # fmt: skip
        if views >= 2:
            return path
    return notebooks[0]


def figure_count(page_html):
    """How many plotly FigureWidgets (anywidget models) the page's saved widget state holds."""
    return len(re.findall(r'"_model_module":\s*"anywidget"', page_html))


def run(context, out, notebooks, timeout=90):
    """Build and open the site for one chapter; return a list of problems (empty: all good)."""
    LAST_NOTES.clear()
    chapter = pick_chapter(notebooks)
    number = chapter.name.split("_")[0]
    start = time.monotonic()
    entries = _build_site().build(out, only=[number], log=lambda _: None)
    LAST_NOTES.append(f"built {chapter.stem} in {time.monotonic() - start:.0f} s")
    problems = []
    blocked = []
    page = context.new_page()
    page.route(re.compile(r"^https?://"), lambda route: (
        blocked.append(route.request.url), route.abort()))  # fmt: skip
    try:
        page.goto((out / "index.html").as_uri())
        links = page.locator("ol.chapters a")
        titles = links.all_inner_texts()
        if titles != [entries[0]["title"]]:
            problems.append(f"index lists {titles}, expected {[entries[0]['title']]}")
        links.first.click()
        page.wait_for_load_state("load")
        # Each FigureWidget is an anywidget model in the saved state and becomes one plotly
        # div once anywidget has loaded plotly.js, which can come after the widget boxes are
        # drawn: wait for all of them, not only for the divs that already exist.
        figures = figure_count(page.content())
        waited = time.monotonic()
        deadline = waited + timeout
        while True:
            state = page.evaluate(PAGE_STATE)
            done = (
                state["drawn"] == state["views"]
                and state["plots"] >= figures
                and state["plotSvgs"] >= state["plots"]
            )
            if (done and state["math"]) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        LAST_NOTES.append(
            f"{state['drawn']}/{state['views']} widget views drawn, {state['plots']}/{figures} "
            f"plotly figures ({state['plotSvgs']} SVGs), {state['sliders']} sliders, "
            f"{state['math']} typeset equations, offline, drawn after "
            f"{time.monotonic() - waited:.1f} s"
        )
        if state["views"] == 0 or state["drawn"] < state["views"]:
            problems.append(f"{state['drawn']} of {state['views']} widget views drawn")
        if state["plots"] < figures or state["plotSvgs"] < state["plots"]:
            problems.append(
                f"{state['plots']} of {figures} FigureWidgets became plotly figures and "
                f"{state['plotSvgs']} SVGs were drawn, after {timeout} s"
            )
        if state["math"] == 0 or state["mathErrors"]:
            problems.append(f"MathJax: {state['math']} equations, {state['mathErrors']} errors")
        if blocked:
            problems.append("the page asked the network for " + ", ".join(sorted(set(blocked))))
        # The quiz grades in the page, so it must work here too, with no kernel at all.
        quiz_problems, quiz_note = quiz_check.check_quiz(page, number, scope="")
        problems += [f"quiz: {p}" for p in quiz_problems]
        if quiz_note:
            LAST_NOTES.append(quiz_note)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shown = page.locator(".js-plotly-plot, .jupyter-widgets.jp-OutputArea-output")
        if shown.count():
            shown.first.scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / f"site_{chapter.stem}.png"))
    except Exception as exc:
        problems.append(f"{type(exc).__name__}: {exc}")
    finally:
        page.close()
    return problems


def check_pages(context, out, axe):
    """Every chapter's static page (stored outputs, no execution) judged by axe-core offline.

    Returns ``(problems, notes)``. Widgets have no saved state here, so this judges the HTML,
    figures, quizzes and text the course writes into its outputs, images with their alt text.
    """
    import a11y_check

    entries = _build_site().build(out, run=False, log=lambda _: None)
    problems, checked = [], 0
    page = context.new_page()
    page.route(re.compile(r"^https?://"), lambda route: route.abort())
    try:
        for entry in entries:
            page.goto((out / entry["page"]).as_uri())
            page.wait_for_load_state("load")
            found, _ = a11y_check.run_axe(page, a11y_check.SITE_SCOPE, axe)
            problems += [f"{entry['page']}: {p}" for p in found]
            checked += 1
    finally:
        page.close()
    return problems, [f"axe on {checked} static chapter pages: {len(problems)} serious or critical"]
