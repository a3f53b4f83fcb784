"""Every relative link to a notebook resolves: the file exists and, where the link has an
anchor, one of that notebook's headings makes it (JupyterLab's anchors, tools/relink.py's
:func:`anchors`).

Checked: the Markdown cells and the Markdown/HTML outputs of notebooks/, solutions/ and
exercises/, and README.md; Markdown links ``[words](target)`` and HTML ``href="target"``.
A link that breaks after a chapter is split is fixed by ``python tools/relink.py``.
"""

import importlib.util
import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("relink", ROOT / "tools" / "relink.py")
relink = importlib.util.module_from_spec(spec)
spec.loader.exec_module(relink)

TARGET = re.compile(r"\]\((?P<md>[^)\s]+)(?:\s+\"[^\"]*\")?\)|href=\"(?P<html>[^\"]+)\"")
FILES = [
    *sorted((ROOT / "notebooks").glob("*.ipynb")),
    *sorted((ROOT / "solutions").glob("*.ipynb")),
    *sorted((ROOT / "exercises").glob("*.ipynb")),
    ROOT / "README.md",
]


def texts(path):
    """``[(where, text), ...]``: the Markdown a learner reads in one file."""
    if path.suffix != ".ipynb":
        return [(path.name, path.read_text(encoding="utf-8"))]
    nb = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for number, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "markdown":
            out.append((f"cell {number}", "".join(cell["source"])))
        for output in cell.get("outputs", []):
            for kind in ("text/markdown", "text/html"):
                if kind in output.get("data", {}):
                    out.append((f"cell {number} output", "".join(output["data"][kind])))
    return out


def links(text):
    for match in TARGET.finditer(relink.FENCE.sub("", text)):
        target = match["md"] or match["html"]
        if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("/"):
            continue  # a URL (https:, mailto:) or an absolute path: not ours to check
        yield target


_ANCHORS = {}


def anchors_of(path):
    if path not in _ANCHORS:
        _ANCHORS[path] = {unquote(a) for a in relink.anchors(path)}
    return _ANCHORS[path]


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_notebook_link_resolves(path):
    broken = []
    for where, text in texts(path):
        for target in links(text):
            file, _, anchor = target.partition("#")
            if file and not file.endswith(".ipynb"):
                continue
            resolved = (path.parent / unquote(file)).resolve() if file else path
            if not resolved.exists():
                broken.append(f"{where}: {target} (no such file)")
            elif anchor and unquote(anchor) not in anchors_of(resolved):
                broken.append(f"{where}: {target} (no heading makes #{anchor})")
    assert not broken, "run python tools/relink.py; broken links:\n" + "\n".join(broken)


def test_anchors_are_jupyterlabs():
    assert relink.heading_anchor("5. Sums, with and without `keepdims`") == (
        "5.-Sums,-with-and-without-keepdims"
    )
    assert relink.heading_anchor("One entry of $dW_{hh}$, **index** by index") == (
        "One-entry-of-$dW_{hh}$,-index-by-index"
    )
    assert relink.heading_anchor("See [chapter 4](04a_lstm_gates.ipynb)") == "See-chapter-4"
    assert relink.markdown_anchors('# A\n```\n# not a heading\n```\n<a id="here"></a>') == [
        "A",
        "here",
    ]


def test_relink_moves_links_to_the_part_that_holds_the_heading(tmp_path, monkeypatch):
    import nbformat

    folder = tmp_path / "notebooks"
    folder.mkdir()

    def notebook(name, *sources):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_markdown_cell(s) for s in sources]
        nbformat.write(nb, folder / name)

    notebook("07a_optimisers.ipynb", "# Chapter 7a\n## 1. A toy task\n## 2. Optimisers")
    notebook("07b_regularisation_and_initialisation.ipynb", "## 3. L2 weight decay\n## 4. Dropout")
    notebook("07c_the_training_loop.ipynb", "## 6. Truncated BPTT\n## 9. Saving it")
    r = relink.Relinker(folder)
    text = (
        "[a](07_training_toolbox.ipynb#4.-Dropout) [b](../notebooks/07_training_toolbox.ipynb) "
        "[c](07_training_toolbox.ipynb#8.-Saving-it) [d](../exercises/07_training_toolbox.ipynb) "
        "[e](#2.-Optimisers) [f](#3.-L2-weight-decay)"
    )
    new, changes = r.rewrite(text, "t", folder, own="07b_regularisation_and_initialisation.ipynb")
    assert new == (
        "[a](07b_regularisation_and_initialisation.ipynb#4.-Dropout) "
        "[b](../notebooks/07a_optimisers.ipynb) [c](07c_the_training_loop.ipynb#9.-Saving-it) "
        "[d](../exercises/07_training_toolbox.ipynb) [e](07a_optimisers.ipynb#2.-Optimisers) "
        "[f](#3.-L2-weight-decay)"
    )
    assert len(changes) == 4 and not r.unplaced
    r.rewrite("[g](07_training_toolbox.ipynb#5.-Nowhere)", "t", folder)
    assert r.unplaced == [("t", "07_training_toolbox.ipynb#5.-Nowhere", "no part holds it")]
