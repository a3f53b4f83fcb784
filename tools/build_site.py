"""Build the course as a static website that reads offline (``make html``).

    python tools/build_site.py                        # every chapter -> artifacts/site/
    python tools/build_site.py --only 01 04 --out /tmp/site
    python tools/build_site.py --no-assets            # pages only, no JavaScript copied

Every ``notebooks/*.ipynb``, one per part (in course order: 00, 01a, 01b ... 12b, then A1a
... A2), is run in a fresh kernel with nbclient, keeping the widgets' state, and exported to
HTML with nbconvert's lab template.
``PLOTLY_RENDERER=notebook`` makes plotly put its figures and plotly.js into the page itself.
``index.html`` lists the chapters with their titles; links between chapters point to the pages.

Everything a page loads is in ``_static/`` beside it, so the site works from disk with no
network:

- ``require.js`` and ``html-manager/embed-amd.js`` (the @jupyter-widgets/html-manager bundle that
  draws widgets from their saved state) come from the npm registry through ``npm pack``, pinned,
  and are cached in ``artifacts/vendor/`` (so only the first build needs npm and the network);
- ``anywidget/index.js`` (plotly's FigureWidget is an anywidget) is copied from the venv;
- ``mathjax/`` (MathJax 2, for the equations) is copied from the jupyter-server-mathjax package.

Widgets show the state they had when the chapter ran. Their Python callbacks need a kernel, so
moving a slider on a page changes nothing else: every page says so at the top.
"""

import argparse
import html
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import jinja2
import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
DEFAULT_OUT = ROOT / "artifacts" / "site"
VENDOR_CACHE = ROOT / "artifacts" / "vendor"
STATIC = "_static"

#: npm packages, pinned.
REQUIREJS = "requirejs@2.3.8"
HTML_MANAGER = "@jupyter-widgets/html-manager@1.0.15"
URLS = {
    "require_js_url": f"{STATIC}/require.js",
    "widget_renderer_url": f"{STATIC}/html-manager/embed-amd.js",
    "mathjax_url": f"{STATIC}/mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe",
    "jupyter_widgets_base_url": f"{STATIC}/",
}

STATIC_NOTE = (
    "This is a static copy of {what}: code, printed output and figures are as they were "
    "when the site was built. Plotly figures still zoom and show values on hover, and the "
    "quiz at the end grades your answers right here. The explorers' sliders, buttons and "
    "text boxes need a running Python kernel: here they show their first state and moving "
    "them changes nothing else. To use them, open the notebook in JupyterLab "
    "(<code>make lab</code>, or your class's JupyterHub)."
)

PAGE_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_js_mathjax -%}
<script type="text/x-mathjax-config">
MathJax.Hub.Config({
  tex2jax: {inlineMath: [["$", "$"], ["\\\\(", "\\\\)"]],
            displayMath: [["$$", "$$"], ["\\\\[", "\\\\]"]],
            processEscapes: true, processEnvironments: true},
  TeX: {equationNumbers: {autoNumber: "AMS", useLabelIds: true}},
  "HTML-CSS": {availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null},
  displayAlign: "center",
  messageStyle: "none",
});
</script>
<script src="{{ resources.mathjax_url }}"></script>
{%- endblock html_head_js_mathjax -%}
{% block jupyter_widgets %}
<script>
requirejs.config({paths: {anywidget: "{{ resources.site.static }}/anywidget/index"}});
</script>
{{ super() }}
{% endblock jupyter_widgets %}
{%- block body_header -%}
{{ super() }}
<nav class="site-nav">{{ resources.site.nav }}</nav>
<p class="site-note">{{ resources.site.note }}</p>
<style>
.site-nav { max-width: 1100px; margin: 12px auto 0; font: 14px sans-serif; }
.site-nav a { margin-right: 1.5em; }
.site-note { max-width: 1100px; margin: 8px auto 16px; padding: 8px 12px; font: 14px sans-serif;
  background: #f3f6fb; border-left: 4px solid #4a78c2; }
</style>
{%- endblock body_header -%}
"""

INDEX_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>rnncourse: recurrent neural networks, really</title>
<style>
body {{ font: 16px/1.5 sans-serif; max-width: 46em; margin: 2em auto; padding: 0 1em;
  color: #1f2328; }}
ol {{ padding-left: 0; list-style: none; }}
li {{ margin: 0.4em 0; }}
.number {{ display: inline-block; width: 2.5em; color: #57606a; }}
.note {{ background: #f3f6fb; border-left: 4px solid #4a78c2; padding: 8px 12px; }}
</style>
</head>
<body>
<h1>rnncourse: recurrent neural networks, really</h1>
<p>Vanilla RNN, LSTM and GRU cells and backpropagation through time, built up step by step in
numpy, with widgets that show hidden states, gates and gradients.</p>
<p class="note">{note}</p>
<ol class="chapters">
{items}
</ol>
</body>
</html>
"""


def chapters(folder=NOTEBOOKS):
    """The notebooks (one per part) in course order: 00, 01a ... 12b, then A1a ... A2."""
    return sorted(Path(folder).glob("*.ipynb"))


def title_of(nb, fallback):
    """The notebook's first level-1 Markdown heading, e.g. ``Chapter 1: Sequences ...``."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


#: Run after the chapter, then removed. A FigureWidget syncs only changes (add these traces,
#: restyle that one), so its saved state holds no traces; this copies its whole figure into the
#: state, so the page can draw it without a kernel.
SYNC_FIGURES = """import sys

_basewidget = sys.modules.get("plotly.basewidget")
if _basewidget is not None:
    from ipywidgets.widgets.widget import _instances

    for _widget in list(_instances.values()):
        if isinstance(_widget, _basewidget.BaseFigureWidget):
            _widget._widget_layout = _widget._layout
            _widget._widget_data = _widget._data
"""


def execute(nb, folder, timeout=600):
    """Run ``nb`` in a fresh kernel in ``folder``, keeping widget state; return it."""
    previous = os.environ.get("PLOTLY_RENDERER")
    os.environ["PLOTLY_RENDERER"] = "notebook"  # the kernel inherits it: plotly inlines figures
    nb.cells.append(nbformat.v4.new_code_cell(SYNC_FIGURES))
    try:
        NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            store_widget_state=True,
            resources={"metadata": {"path": str(folder)}},
        ).execute()
    finally:
        nb.cells.pop()
        if previous is None:
            os.environ.pop("PLOTLY_RENDERER", None)
        else:
            os.environ["PLOTLY_RENDERER"] = previous
    return nb


def prune_stale_buffers(nb):
    """Drop saved binary buffers whose place in the widget state no longer exists.

    nbclient keeps the buffers of every update message, also after a later update set the
    field that held them to ``None`` (a FigureWidget's ``_py2js_addTraces``), and the page's
    widget manager then stops at the first such path.
    """
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    for model in state.get("state", {}).values():
        kept = []
        for buffer in model.get("buffers", []):
            node = model["state"]
            for key in buffer["path"][:-1]:
                if isinstance(node, list) and isinstance(key, int) and key < len(node):
                    node = node[key]
                else:
                    node = node.get(key) if isinstance(node, dict) else None
            if isinstance(node, dict | list):
                kept.append(buffer)
        if "buffers" in model:
            model["buffers"] = kept
    return nb


def make_exporter():
    exporter = HTMLExporter(
        template_name="lab",
        template_file="rnncourse_page.html.j2",
        extra_loaders=[jinja2.DictLoader({"rnncourse_page.html.j2": PAGE_TEMPLATE})],
    )
    for name, url in URLS.items():
        setattr(exporter, name, url)
    return exporter


def rewrite_links(page, names):
    """Point links to other chapters' notebooks at their pages (``x.ipynb`` -> ``x.html``)."""
    stems = "|".join(re.escape(Path(n).stem) for n in names)
    pattern = re.compile(rf'href="(?:\.\./notebooks/|\./)?({stems})\.ipynb(#[^"]*)?"')
    return pattern.sub(lambda m: f'href="{m.group(1)}.html{m.group(2) or ""}"', page)


def nav_links(entries, k):
    links = ['<a href="index.html">Course index</a>']
    if k > 0:
        links.append(f'<a href="{entries[k - 1]["page"]}">&larr; {entries[k - 1]["title"]}</a>')
    if k + 1 < len(entries):
        links.append(f'<a href="{entries[k + 1]["page"]}">{entries[k + 1]["title"]} &rarr;</a>')
    return " ".join(links)


def index_page(entries):
    items = "\n".join(
        f'<li><span class="number">{html.escape(e["number"])}</span>'
        f'<a href="{e["page"]}">{html.escape(e["title"])}</a></li>'
        for e in entries
    )
    return INDEX_TEMPLATE.format(items=items, note=STATIC_NOTE.format(what="the chapters"))


def npm_pack(spec, cache=VENDOR_CACHE):
    """Unpack the npm package ``spec`` into ``cache`` (once) and return its folder."""
    folder = cache / re.sub(r"[^\w.@-]+", "_", spec)
    if (folder / "package.json").exists():
        return folder
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit(
            f"npm is needed once to fetch {spec} for the site's widgets (then it is cached in "
            f"{cache}). Install Node.js (e.g. apt-get install -y npm), or build with --no-assets."
        )
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [npm, "pack", spec, "--silent", "--pack-destination", tmp],
            capture_output=True, text=True, check=True, timeout=300,
        )  # fmt: skip
        tarball = Path(tmp) / out.stdout.strip().splitlines()[-1]
        with tarfile.open(tarball) as tar:
            try:
                tar.extractall(tmp, filter="data")
            except TypeError:  # Python < 3.10.12 has no extraction filters
                tar.extractall(tmp)  # noqa: S202 (a registry tarball, unpacked in a temp dir)
        folder.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(Path(tmp) / "package", folder)
    return folder


def copy_assets(out, cache=VENDOR_CACHE):
    """Put every script the pages load into ``out/_static``."""
    static = out / STATIC
    shutil.rmtree(static, ignore_errors=True)
    static.mkdir(parents=True)
    shutil.copy2(npm_pack(REQUIREJS, cache) / "require.js", static / "require.js")
    package = npm_pack(HTML_MANAGER, cache)
    # embed-amd.js and the icon fonts it loads; not the other bundles, maps or typings.
    skip = shutil.ignore_patterns("*.map", "*.d.ts", "embed.js", "libembed-amd.js")
    shutil.copytree(package / "dist", static / "html-manager", ignore=skip)
    anywidget = Path(sys.prefix) / "share" / "jupyter" / "nbextensions" / "anywidget"
    (static / "anywidget").mkdir()
    shutil.copy2(anywidget / "index.js", static / "anywidget" / "index.js")
    import jupyter_server_mathjax

    mathjax = Path(jupyter_server_mathjax.__file__).parent / "static"
    shutil.copytree(mathjax, static / "mathjax")


def build(out=DEFAULT_OUT, only=(), run=True, assets=True, timeout=600, log=print):
    """Write the site into ``out``; return one entry per chapter (number, title, page)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = chapters()
    if only:
        paths = [p for p in paths if p.name.startswith(tuple(only))]
    notebooks = {p: nbformat.read(p, as_version=4) for p in paths}
    entries = [
        {"number": p.name.split("_")[0], "title": title_of(nb, p.stem), "page": f"{p.stem}.html"}
        for p, nb in notebooks.items()
    ]
    exporter = make_exporter()
    names = [p.name for p in chapters()]
    for k, (path, nb) in enumerate(notebooks.items()):
        start = time.perf_counter()
        if run:
            nb.metadata.pop("widgets", None)
            execute(nb, path.parent, timeout)
            prune_stale_buffers(nb)
        note = STATIC_NOTE.format(what="the chapter")
        site = {"static": STATIC, "nav": nav_links(entries, k), "note": note}
        body, _ = exporter.from_notebook_node(
            nb, resources={"metadata": {"name": entries[k]["title"]}, "site": site}
        )
        (out / entries[k]["page"]).write_text(rewrite_links(body, names), encoding="utf-8")
        size = len(body) / 1e6
        log(f"{time.perf_counter() - start:6.1f} s  {size:5.1f} MB  {entries[k]['page']}")
    (out / "index.html").write_text(index_page(entries), encoding="utf-8")
    if assets:
        copy_assets(out)
    return entries


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--only", nargs="*", default=[], help="chapter name prefixes, e.g. 01")
    parser.add_argument("--no-execute", action="store_true", help="use the stored outputs")
    parser.add_argument("--no-assets", action="store_true", help="do not copy JavaScript")
    args = parser.parse_args(argv)
    entries = build(args.out, args.only, not args.no_execute, not args.no_assets)
    where = args.out.resolve()
    shown = where.relative_to(ROOT) if where.is_relative_to(ROOT) else where
    print(f"{len(entries)} chapters; open {shown / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
