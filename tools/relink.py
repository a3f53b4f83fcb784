"""Point every link at the notebook (part) that now holds what it links to.

    python tools/relink.py            # rewrite the links, print each change
    python tools/relink.py --check    # print what would change; exit 1 if anything would

When a chapter is split into parts (07_training_toolbox.ipynb -> 07a_optimisers.ipynb,
07b_..., 07c_...), links to the old notebook no longer resolve. This rewrites:

- every relative link to a notebook in notebooks/ that does not exist, or whose anchor is not
  a heading of it (``07_training_toolbox.ipynb#4.-Dropout``, ``../notebooks/07_...``), to the
  part of the same chapter whose heading makes that anchor; a link without an anchor goes to
  the chapter's first part. An anchor whose heading was renumbered (chapter 10's section 8
  became 10) is found by its words when only one part has a heading with those words;
- every in-notebook link ``(#anchor)`` whose heading moved to a sibling part, to that part;

in notebooks/*.ipynb (Markdown and code cells), solutions/*.ipynb, README.md and
rnncourse/**/*.py (hint strings naming chapter files; course_map.py, whose names are the
exercise notebooks', is left alone). Names after ``exercises/`` or ``solutions/`` are those
folders' notebooks (one per chapter, not renamed) and are left alone. A link it cannot place
is printed and left as it is (exit 1), so a person decides. After it changes solutions/, run
``make exercises`` (never edit exercises/ by hand); after it changes a code cell, re-execute
that notebook.

Anchors are JupyterLab's: a heading's text as rendered (code marks and emphasis dropped, a
link's words kept, math as written) with each space replaced by ``-``; an HTML ``id`` or
``name`` in a Markdown cell is an anchor too. :func:`anchors` is shared with tests/test_links.py.
"""

import argparse
import json
import re
import sys
from pathlib import Path
from urllib.parse import unquote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rnncourse import course_map  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
HTML_ID = re.compile(r"<[^>]*\b(?:id|name)\s*=\s*[\"']([^\"']+)[\"']")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.DOTALL | re.MULTILINE)
#: A notebook file name (``07b_regularisation_and_initialisation.ipynb``) with what may come
#: before it (``../notebooks/``, ``notebooks/``, ``./``) and its anchor; not when it follows
#: another folder (``../exercises/07_training_toolbox.ipynb``) or is part of a longer name.
LINK = re.compile(
    r"(?<![\w/.-])(?P<prefix>(?:\.\./notebooks/|notebooks/|\./)?)"
    r"(?P<name>[0-9A][0-9][a-h]?_[A-Za-z0-9_-]+\.ipynb)"
    r"(?P<anchor>#[^\s)\"\]>`]*)?"
)
#: An in-notebook Markdown link: ``](#anchor)``.
LOCAL = re.compile(r"\]\(#(?P<anchor>[^\s)]+)\)")


def heading_anchor(text):
    """JupyterLab's anchor of a heading's Markdown text: ``"5. Sums, `keepdims`"`` ->
    ``"5.-Sums,-keepdims"``."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link: its words
    text = re.sub(r"<[^>]+>", "", text)  # HTML tags
    pieces = re.split(r"((?<!\\)\$\$?.+?\$\$?)", text)  # math stays as written
    for i in range(0, len(pieces), 2):
        piece = pieces[i].replace("`", "")
        pieces[i] = re.sub(r"(\*\*|__|\*|(?<!\w)_(?=\S)|(?<=\S)_(?!\w))", "", piece)
    return "".join(pieces).strip().replace(" ", "-")


def markdown_anchors(source):
    """The anchors the headings (and HTML ids) of one Markdown cell make."""
    source = FENCE.sub("", source)
    found = [heading_anchor(m.group(2)) for m in HEADING.finditer(source)]
    return found + HTML_ID.findall(source)


def anchors(path):
    """Every anchor of a notebook's Markdown cells, in order (duplicates kept once)."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    out = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            out += markdown_anchors("".join(cell["source"]))
    return list(dict.fromkeys(out))


def _without_number(anchor):
    """``"8.-Saving-and-loading"`` -> ``"Saving-and-loading"``: a heading's words."""
    return re.sub(r"^[0-9A-Z]{1,2}(?:\.[0-9]+)*\.?-", "", anchor)


class Relinker:
    """Finds the part that holds an anchor, with each notebook's anchors read once."""

    def __init__(self, notebooks=NOTEBOOKS):
        self.notebooks = Path(notebooks)
        self._anchors = {}
        self.unplaced = []  # (file, link, why)

    def anchors_of(self, name):
        if name not in self._anchors:
            path = self.notebooks / name
            self._anchors[name] = set(anchors(path)) if path.exists() else set()
        return self._anchors[name]

    def has(self, name, anchor):
        """Whether a heading of notebook ``name`` makes ``anchor`` (percent-escapes read)."""
        return unquote(anchor) in {unquote(a) for a in self.anchors_of(name)}

    def parts(self, name):
        """The existing notebooks of the chapter ``name`` belongs to, in course order."""
        chapter = name.split("_")[0].rstrip("abcdefgh")
        try:
            parts = course_map.parts_of(chapter)
        except ValueError:
            return []
        return [c.file for c in parts if (self.notebooks / c.file).exists()]

    def holder(self, anchor, candidates):
        """``(notebook, anchor)``: the candidate whose headings make ``anchor`` (or, when none
        does, the one heading with the same words under another number), or None."""
        wanted = unquote(anchor)
        exact = [n for n in candidates if wanted in {unquote(a) for a in self.anchors_of(n)}]
        if len(exact) == 1:
            return exact[0], anchor
        words = _without_number(wanted)
        by_words = [
            (n, a)
            for n in candidates
            for a in self.anchors_of(n)
            if _without_number(unquote(a)) == words and words
        ]
        if len(by_words) == 1 and not exact:
            return by_words[0]
        return None

    def target(self, name, anchor):
        """``(name, anchor)`` a link should point to, or None when it cannot be placed;
        ``anchor`` without its ``#``, or None."""
        path = self.notebooks / name
        if path.exists() and (anchor is None or self.has(name, anchor)):
            return name, anchor
        candidates = self.parts(name)
        if not candidates:
            return None
        if anchor is None:
            return candidates[0], None
        return self.holder(anchor, candidates)

    def rewrite(self, text, where, base, own=None):
        """``text`` with its links rewritten, and the list of ``(old, new)`` changes.

        ``base``: the folder links in ``text`` are relative to (None: a .py file, whose names
        are notebooks/ files). ``own``: the notebook the text is in (for ``(#anchor)`` links).
        """
        changes = []

        def one(match):
            prefix, name, anchor = match["prefix"], match["name"], match["anchor"]
            if base is None:
                folder = self.notebooks
            else:
                folder = (base / (prefix or "./")).resolve()
            if folder != self.notebooks.resolve():
                return match.group(0)
            new = self.target(name, anchor[1:] if anchor else None)
            if new is None:
                self.unplaced.append((where, match.group(0), "no part holds it"))
                return match.group(0)
            link = prefix + new[0] + (f"#{new[1]}" if new[1] else "")
            if link != match.group(0):
                changes.append((match.group(0), link))
            return link

        text = LINK.sub(one, text)
        if own is not None:

            def local(match):
                anchor = match["anchor"]
                if self.has(own, anchor):
                    return match.group(0)
                siblings = [n for n in self.parts(own) if n != own]
                found = self.holder(anchor, siblings)
                if found is None:
                    self.unplaced.append((where, match.group(0), "no heading makes it"))
                    return match.group(0)
                link = f"]({found[0]}#{found[1]})"
                changes.append((match.group(0), link))
                return link

            text = LOCAL.sub(local, text)
        return text, changes


def _notebook(path, relinker, base, own, write):
    nb = json.loads(path.read_text(encoding="utf-8"))
    changes, code = [], False
    for number, cell in enumerate(nb["cells"]):
        if cell["cell_type"] not in ("markdown", "code"):
            continue
        source = "".join(cell["source"])
        where = f"{path.relative_to(ROOT)} cell {number}"
        new, done = relinker.rewrite(
            source, where, base, own if cell["cell_type"] == "markdown" else None
        )
        if done:
            changes += [(where, *d) for d in done]
            code = code or cell["cell_type"] == "code"
            lines = new.splitlines(keepends=True)
            cell["source"] = lines if isinstance(cell["source"], list) else new
    if changes and write:
        path.write_text(
            json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
        )
    return changes, code


def files():
    """``[(path, base folder or None, own notebook name or None), ...]`` to relink."""
    out = [(p, NOTEBOOKS, p.name) for p in sorted(NOTEBOOKS.glob("*.ipynb"))]
    out += [(p, ROOT / "solutions", None) for p in sorted((ROOT / "solutions").glob("*.ipynb"))]
    out.append((ROOT / "README.md", ROOT, None))
    skip = {ROOT / "rnncourse" / "course_map.py"}
    out += [(p, None, None) for p in sorted((ROOT / "rnncourse").rglob("*.py")) if p not in skip]
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    relinker = Relinker()
    changed, rerun = [], []
    for path, base, own in files():
        if path.suffix == ".ipynb":
            done, code = _notebook(path, relinker, base, own, not args.check)
            if code:
                rerun.append(path.relative_to(ROOT))
        else:
            text = path.read_text(encoding="utf-8")
            new, pairs = relinker.rewrite(text, str(path.relative_to(ROOT)), base)
            done = [(str(path.relative_to(ROOT)), *p) for p in pairs]
            if done and not args.check:
                path.write_text(new, encoding="utf-8")
        changed += done
    for where, old, new in changed:
        print(f"{where}: {old} -> {new}")
    for where, link, why in relinker.unplaced:
        print(f"NOT PLACED {where}: {link} ({why})")
    if rerun:
        print("code cells changed, re-execute:", *rerun)
    if any(p.startswith("solutions/") for p, *_ in changed):
        print("solutions changed: run make exercises")
    print(
        f"{len(changed)} link(s) {'to change' if args.check else 'changed'}, "
        f"{len(relinker.unplaced)} not placed"
    )
    return 1 if relinker.unplaced or (args.check and changed) else 0


if __name__ == "__main__":
    sys.exit(main())
