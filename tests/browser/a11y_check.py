"""Accessibility and dark-theme readability of the course's own content, checked with axe-core.

axe-core (Deque's rules engine, from the npm registry, pinned and cached in artifacts/vendor/
like the static site's scripts) runs inside the page. Only what the course puts on the page is
judged: the output areas of the notebook cells (our HTML, figures, widgets, quizzes) in
JupyterLab, and the cell outputs of the static site's pages. JupyterLab's and nbconvert's own
chrome are theirs, not ours. A violation of impact "serious" or "critical" fails: images
without alternative text, unlabelled controls, text with too little contrast (which is how a
figure or box that ignores the dark theme shows up: dark text on JupyterLab Dark's background).
"""

import importlib.util
import json
import re

from run_browser import ROOT

AXE = "axe-core@4.10.3"
FAILING = ("serious", "critical")
#: JupyterLab: every cell's output area. Static site: nbconvert's output areas.
LAB_SCOPE = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output"
SITE_SCOPE = ".jp-OutputArea-output"
#: Parts of the outputs that are the widget library's DOM, not ours: ipywidgets 8's slider
#: handles (noUiSlider) carry no accessible name whatever the slider's description says
#: (noUiSlider issues #1019 and #1223); every slider of the course has a visible description.
EXCLUDE = [".noUi-handle"]
#: Rules not judged in JupyterLab, with the reason. JupyterLab 4 renders an image output without
#: the ``alt`` its metadata carries (jupyter/enhancement-proposals#120); every figure of the
#: course has one (rnncourse.notebook.figure_alt, checked by tests/test_notebook_style.py), and
#: the static site, where nbconvert writes it into the page, is judged with this rule on.
LAB_RULES_OFF = {"image-alt": "JupyterLab 4 ignores an image output's alt metadata"}


def axe_source():
    spec = importlib.util.spec_from_file_location("build_site", ROOT / "tools" / "build_site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return (module.npm_pack(AXE) / "axe.min.js").read_text(encoding="utf-8")


RUN = """async ([source, scope, exclude, off]) => {
  if (!window.axe) { (0, eval)(source); }
  const targets = Array.from(document.querySelectorAll(scope));
  if (!targets.length) return {checked: 0, violations: []};
  const rules = Object.fromEntries(off.map(id => [id, {enabled: false}]));
  const result = await axe.run({include: targets, exclude: exclude.map(s => [s])},
                               {resultTypes: ['violations'], rules: rules});
  return {checked: targets.length, violations: result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => ({target: n.target.join(' '),
                                          html: n.html.slice(0, 160),
                                          summary: (n.failureSummary || '').slice(0, 200)}))
  }))};
}"""


def run_axe(page, scope, source, rules_off=()):
    """``(problems, note)``: one problem per serious or critical rule violated in ``scope``."""
    result = page.evaluate(RUN, [source, scope, EXCLUDE, list(rules_off)])
    problems = [
        f"axe {v['id']} ({v['impact']}): {v['help']}: " + json.dumps(v["nodes"], ensure_ascii=False)
        for v in result["violations"]
        if v["impact"] in FAILING
    ]
    minor = sorted({v["id"] for v in result["violations"] if v["impact"] not in FAILING})
    note = f"axe: {result['checked']} output areas, {len(problems)} serious or critical"
    if minor:
        note += f" (minor: {', '.join(minor)})"
    return problems, note


def set_theme(page, name):
    """Switch JupyterLab's theme through its menu: "JupyterLab Dark" or "JupyterLab Light"."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Settings$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Theme$")).hover()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{name}$")).click()
    page.wait_for_function(
        "dark => document.body.dataset.jpThemeLight === (dark ? 'false' : 'true')",
        arg=name.endswith("Dark"),
        timeout=30_000,
    )
