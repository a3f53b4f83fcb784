"""Give the solution notebooks nbgrader's cell metadata, so a class can grade with nbgrader.

    python tools/nbgrader_metadata.py                # update solutions/*.ipynb (make exercises)
    python tools/nbgrader_metadata.py --check        # exit 1 if a solution is not up to date
    python tools/nbgrader_metadata.py --course DIR   # write an nbgrader course folder

The metadata is derived from the cells, so running this again changes nothing, and a new
chapter gets it from ``make exercises``. Grade ids are the chapter number plus a name:

- a code cell with a ``### BEGIN SOLUTION`` region is an answer cell, named after the first
  function it defines: ``{"solution": true, "grade": false, "locked": false,
  "grade_id": "ch01_rnn_step_forward", "schema_version": 3}``;
- a Markdown cell with a solution region is a written answer, graded by hand:
  ``{"solution": true, "grade": true, "points": 1, "grade_id": "ch07_written_1", ...}``;
- a code cell that calls ``check.NAME(...)`` is an autograded test cell, locked:
  ``{"grade": true, "solution": false, "locked": true, "points": 1,
  "grade_id": "ch01_check_NAME", ...}``. It earns its points when it runs without error:
  under nbgrader a failed check raises AssertionError (see ``rnncourse/check/_result.py``);
- cells tagged ``solution-only`` (dropped from the exercises) and all other cells get no
  nbgrader metadata; metadata on them is removed.

``points`` already set on a cell are kept, so an instructor can weight a check. A repeated
name gets ``_2``, ``_3``, ... in cell order.

``--course DIR`` writes ``DIR/source/<chapter>/<chapter>.ipynb`` for every solution (without its
``solution-only`` cells and outputs) and, if missing, a ``DIR/nbgrader_config.py`` whose
Markdown stub matches the course's exercises. Then, in DIR: ``nbgrader generate_assignment
<chapter>``, and later ``nbgrader autograde <chapter>``.
"""

import argparse
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
BEGIN = "### BEGIN SOLUTION"
CHECK_CALL = re.compile(r"(?<![\w.])check\.(\w+)\(")
DEF = re.compile(r"^def (\w+)\(", re.MULTILINE)
ONLY_SOLUTION = "solution-only"
CONFIG = '''"""nbgrader configuration for the rnncourse exercises.

Written by tools/nbgrader_metadata.py; edit as you like (it is not overwritten).
"""

c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "rnncourse"
# The course's own exercises write this under a written answer; keep nbgrader's the same.
c.ClearSolutions.text_stub = "*Your answer here.*"
c.Execute.timeout = 120
'''


def chapter_of(path):
    """``01_sequences_and_the_rnn_cell.ipynb`` -> ``ch01``."""
    return "ch" + Path(path).name.split("_")[0]


def _meta(grade_id, solution, grade, locked, points=None):
    meta = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": 3,
        "solution": solution,
    }
    if grade:
        meta["points"] = points
    return meta


def cell_metadata(nb, chapter):
    """The nbgrader metadata each cell should have (``None`` for none), in cell order."""
    used = {}

    def unique(name):
        used[name] = used.get(name, 0) + 1
        return name if used[name] == 1 else f"{name}_{used[name]}"

    result = []
    written = 0
    for cell in nb.cells:
        old = cell.metadata.get("nbgrader", {})
        points = old.get("points", 1)
        meta = None
        if ONLY_SOLUTION in cell.metadata.get("tags", []):
            meta = None
        elif BEGIN in cell.source and cell.cell_type == "code":
            names = DEF.findall(cell.source)
            name = names[0] if names else "answer"
            meta = _meta(unique(f"{chapter}_{name}"), True, False, False)
        elif BEGIN in cell.source and cell.cell_type == "markdown":
            written += 1
            meta = _meta(unique(f"{chapter}_written_{written}"), True, True, False, points)
        elif cell.cell_type == "code" and CHECK_CALL.search(cell.source):
            name = CHECK_CALL.search(cell.source).group(1)
            meta = _meta(unique(f"{chapter}_check_{name}"), False, True, True, points)
        result.append(meta)
    return result


def add_metadata(nb, chapter):
    """Set (or remove) every cell's nbgrader metadata in place; return ``nb``."""
    for cell, meta in zip(nb.cells, cell_metadata(nb, chapter), strict=True):
        if meta is None:
            cell.metadata.pop("nbgrader", None)
        else:
            cell.metadata["nbgrader"] = meta
    return nb


def render(nb):
    return nbformat.writes(nb) + "\n"


def update(solutions=SOLUTIONS, check=False):
    """Add the metadata to every solution notebook; return those that were (or would be)
    changed. Files already up to date are not rewritten."""
    changed = []
    for path in sorted(Path(solutions).glob("[0-9]*.ipynb")):
        text = path.read_text(encoding="utf-8")
        nb = nbformat.reads(text, as_version=4)
        new = render(add_metadata(nb, chapter_of(path)))
        if nbformat.reads(new, as_version=4) != nbformat.reads(text, as_version=4):
            changed.append(path)
            if not check:
                path.write_text(new, encoding="utf-8")
    return changed


def source_notebook(path):
    """A solution as nbgrader's source version: no solution-only cells, no outputs."""
    nb = add_metadata(nbformat.read(path, as_version=4), chapter_of(path))
    nb.metadata.pop("widgets", None)
    nb.cells = [c for c in nb.cells if ONLY_SOLUTION not in c.metadata.get("tags", [])]
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def write_course(course, solutions=SOLUTIONS, only=()):
    """Write an nbgrader course folder; return the assignment names (one per chapter)."""
    course = Path(course)
    names = []
    for path in sorted(Path(solutions).glob("[0-9]*.ipynb")):
        if only and not path.name.startswith(tuple(only)):
            continue
        target = course / "source" / path.stem / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(source_notebook(path), target)
        names.append(path.stem)
    config = course / "nbgrader_config.py"
    if not config.exists():
        config.write_text(CONFIG, encoding="utf-8")
    return names


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale solutions")
    parser.add_argument("--course", type=Path, help="write an nbgrader course folder here")
    args = parser.parse_args(argv)
    if args.course:
        names = write_course(args.course)
        print(f"wrote {len(names)} assignments to {args.course / 'source'}")
        return 0
    changed = update(check=args.check)
    if args.check and changed:
        print("nbgrader metadata out of date (run `make exercises`):", *changed, sep="\n  ")
        return 1
    print(
        "nbgrader metadata up to date"
        if args.check
        else f"nbgrader metadata: updated {len(changed)} solution notebook(s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
