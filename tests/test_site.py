"""The static site (tools/build_site.py, ``make html``): one chapter built into a temporary
folder, without the JavaScript assets (those come from npm; ``make test-browser`` builds them
and opens the pages in Chromium with the network blocked)."""

import importlib.util
import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _load_tool():
    spec = importlib.util.spec_from_file_location("build_site", ROOT / "tools/build_site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


site = _load_tool()


def _first_explorer_chapter():
    """The first chapter that shows two widgets or more: an explorer (a plotly FigureWidget
    in a box of controls) and a quiz. Chapter 1 today: its run takes a few seconds."""
    for path in site.chapters():
        nb = nbformat.read(path, as_version=4)
        views = [
            o for c in nb.cells if c.cell_type == "code" for o in c.outputs
            if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
        ]  # fmt: skip
        if len(views) >= 2:
            return path
    raise AssertionError("no chapter shows two widgets")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    chapter = _first_explorer_chapter()
    entries = site.build(out, only=[chapter.name.split("_")[0]], assets=False, log=lambda _: None)
    return out, chapter, entries


def test_chapters_in_course_order():
    names = [p.name for p in site.chapters()]
    numbers = [n.split("_")[0] for n in names]
    assert names == sorted(names) and numbers[0] == "00"
    digits = [n for n in numbers if n[0].isdigit()]  # 00, 01a, 01b, ..., 12b
    assert numbers == digits + [n for n in numbers if not n[0].isdigit()]  # then A1a, ..., A2
    entries = [
        {"number": n.split("_")[0], "title": f"T{k}", "page": n.replace(".ipynb", ".html")}
        for k, n in enumerate(names)
    ]
    page = site.index_page(entries)
    assert re.findall(r'href="([^"]+)"', page) == [e["page"] for e in entries]
    assert "need a running Python kernel" in page


def test_title_is_the_first_heading():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("intro\n# Chapter 9: Time\n## part")]
    assert site.title_of(nb, "x") == "Chapter 9: Time"
    assert site.title_of(nbformat.v4.new_notebook(), "fallback") == "fallback"


def test_index_links_the_built_chapter(built):
    out, chapter, entries = built
    index = (out / "index.html").read_text()
    title = site.title_of(nbformat.read(chapter, as_version=4), "")
    assert f'<a href="{chapter.stem}.html">{title}</a>' in index
    assert [e["page"] for e in entries] == [f"{chapter.stem}.html"]


def test_chapter_page_has_outputs_and_no_cdn(built):
    out, chapter, _ = built
    page = (out / f"{chapter.stem}.html").read_text()
    assert len(re.findall(r'class="[^"]*\bjp-OutputArea-output\b', page)) >= 5  # text, images
    assert "data:image/png;base64," in page  # matplotlib figures are inlined
    assert "application/vnd.jupyter.widget-view+json" in page
    assert "need a running Python kernel" in page
    scripts = re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", page)
    assert scripts and all(src.startswith(f"{site.STATIC}/") for src in scripts), scripts
    assert re.search(r"<(script|link)[^>]*(src|href)=\"https?:", page) is None
    # The small inline scripts (widget loader, MathJax and requirejs config) name no server;
    # big ones are plotly.js and saved widget state, which mention URLs they never load here.
    small = [s for s in re.findall(r"<script[^>]*>(.*?)</script>", page, re.S) if len(s) < 5000]
    assert len(small) >= 3 and not any(re.search(r"https?://", s) for s in small)
    markup = re.sub(r"(<script[^>]*>).*?(</script>)", r"\1\2", page, flags=re.S)
    for cdn in ("unpkg.com", "jsdelivr", "cdnjs", "mathjax.org"):
        assert cdn not in markup, cdn
    assert site.URLS["widget_renderer_url"] in page
    assert 'anywidget: "_static/anywidget/index"' in page


def test_figure_widgets_are_saved_with_their_data(built):
    out, chapter, _ = built
    page = (out / f"{chapter.stem}.html").read_text()
    match = re.search(rf'<script type="{re.escape(WIDGET_STATE)}">\s*(.*?)\s*</script>', page, re.S)
    state = json.loads(match.group(1))["state"]
    figures = [m for m in state.values() if m["state"].get("_model_module") == "anywidget"]
    assert figures
    for model in figures:
        assert model["state"]["_widget_data"], "a FigureWidget saved without its traces"
        for buffer in model.get("buffers", []):  # every saved buffer has a place to go
            node = model["state"]
            for key in buffer["path"][:-1]:
                node = node[key]
            assert isinstance(node, dict | list)


def test_chapter_links_point_to_pages():
    page = '<a href="02_bptt_step_by_step.ipynb#x">2</a> <a href="../notebooks/00_welcome.ipynb">'
    names = ["00_welcome.ipynb", "02_bptt_step_by_step.ipynb"]
    assert site.rewrite_links(page, names) == (
        '<a href="02_bptt_step_by_step.html#x">2</a> <a href="00_welcome.html">'
    )


def test_assets_come_from_installed_packages():
    import jupyter_server_mathjax

    assert (Path(sys.prefix) / "share/jupyter/nbextensions/anywidget/index.js").exists()
    assert (Path(jupyter_server_mathjax.__file__).parent / "static/MathJax.js").exists()
    assert all(url.startswith(f"{site.STATIC}/") for url in site.URLS.values())
