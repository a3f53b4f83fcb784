"""Give every notebook the same last cell: links to the previous and next one and the map.

    python tools/update_navigation.py           # add or refresh the navigation cells
    python tools/update_navigation.py --check   # exit 1 if any chapter's cell is stale

The cell is tagged ``course-nav`` and built from :mod:`rnncourse.course_map`, one entry per
notebook: a chapter split into parts links part to part ("Previous: [07a Optimisers]
(07a_optimisers.ipynb)"), so adding a part there and running this keeps every link right.
"""

import argparse
import sys
from pathlib import Path

import nbformat

from rnncourse import course_map

ROOT = Path(__file__).resolve().parents[1]
TAG = "course-nav"


def navigation(index):
    """The Markdown of the navigation cell of entry number ``index`` of the map."""
    chapters = course_map.CHAPTERS
    parts = []
    if index > 0:
        prev = chapters[index - 1]
        parts.append(f"Previous: [{prev.number} {prev.title}]({prev.file})")
    parts.append("[Course map](00_welcome.ipynb#Course-map)")
    if index + 1 < len(chapters):
        nxt = chapters[index + 1]
        parts.append(f"Next: [{nxt.number} {nxt.title}]({nxt.file})")
    return "---\n\n" + " · ".join(parts)


def updated(nb, index):
    """Return the notebook with its navigation cell added or refreshed (a new object)."""
    nb = nbformat.from_dict(nb)
    cells = [c for c in nb.cells if TAG not in c.metadata.get("tags", [])]
    cells.append(nbformat.v4.new_markdown_cell(navigation(index), metadata={"tags": [TAG]}))
    old = [c for c in nb.cells if TAG in c.metadata.get("tags", [])]
    if old and old[0].source == cells[-1].source and nb.cells[-1] is old[0]:
        return nb
    if old:  # keep the cell id stable
        cells[-1]["id"] = old[0].get("id", cells[-1]["id"])
    nb.cells = cells
    return nb


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    stale = []
    for index, chapter in enumerate(course_map.CHAPTERS):
        path = ROOT / "notebooks" / chapter.file
        nb = nbformat.read(path, as_version=4)
        new = updated(nb, index)
        if nbformat.writes(new) != nbformat.writes(nb):
            stale.append(path.name)
            if not args.check:
                nbformat.write(new, path)
    if args.check and stale:
        print("stale navigation (run python tools/update_navigation.py):", *stale)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
