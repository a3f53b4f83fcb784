"""Generate the exercise notebooks from the solution notebooks (never edit exercises by hand).

    python tools/make_exercises.py           # write exercises/NN_*.ipynb from solutions/
    python tools/make_exercises.py --check   # exit 1 if exercises/ is out of date

In a solution notebook (nbgrader's markers):
- in a code cell, the lines from ``### BEGIN SOLUTION`` to ``### END SOLUTION`` (inclusive)
  become ``# YOUR CODE HERE`` and ``raise NotImplementedError()`` at the marker's
  indentation (what nbgrader's ClearSolutions writes); hints written as
  comments above the marker stay;
- in a Markdown cell, the same region becomes ``*Your answer here.*``;
- a cell tagged ``solution-only`` is dropped from the exercise;
- every output, execution count and saved widget state is cleared.
"""

import argparse
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
_REGION = re.compile(
    rf"^(?P<indent>[ \t]*){re.escape(BEGIN)}[^\n]*\n.*?^[ \t]*{re.escape(END)}[^\n]*(\n|$)",
    re.MULTILINE | re.DOTALL,
)


def strip_solutions(source, markdown=False):
    """Replace every solution region in one cell's source."""
    if source.count(BEGIN) != source.count(END):
        raise ValueError(f"unbalanced solution markers in cell:\n{source}")

    def replace(match):
        indent = match.group("indent")
        tail = "\n" if match.group(0).endswith("\n") else ""
        if markdown:
            return f"{indent}*Your answer here.*{tail}"
        return f"{indent}# YOUR CODE HERE\n{indent}raise NotImplementedError(){tail}"

    return _REGION.sub(replace, source)


def exercise_from_solution(nb):
    """Return a new exercise notebook made from a solution notebook."""
    out = nbformat.v4.new_notebook(
        metadata={k: v for k, v in nb.metadata.items() if k != "widgets"}
    )
    for cell in nb.cells:
        if "solution-only" in cell.metadata.get("tags", []):
            continue
        new = nbformat.from_dict(dict(cell))
        new.metadata = {k: v for k, v in cell.metadata.items() if k not in ("execution",)}
        if cell.cell_type == "code":
            new.source = strip_solutions(cell.source)
            new.outputs = []
            new.execution_count = None
        elif cell.cell_type == "markdown":
            new.source = strip_solutions(cell.source, markdown=True)
        out.cells.append(new)
    return out


def render(nb):
    return nbformat.writes(nb) + "\n"


def generate(solutions=ROOT / "solutions", exercises=ROOT / "exercises", check=False):
    """Write (or with ``check``, compare) every exercise; return the list of stale files."""
    stale = []
    for solution in sorted(solutions.glob("[0-9]*.ipynb")):
        target = exercises / solution.name
        text = render(exercise_from_solution(nbformat.read(solution, as_version=4)))
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            stale.append(target)
            if not check:
                target.write_text(text, encoding="utf-8")
    names = {p.name for p in solutions.glob("[0-9]*.ipynb")}
    stale += [p for p in sorted(exercises.glob("[0-9]*.ipynb")) if p.name not in names]
    return stale


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale exercises")
    args = parser.parse_args(argv)
    stale = generate(check=args.check)
    if args.check and stale:
        print("Out of date (run `make exercises`):", *stale, sep="\n  ")
        return 1
    print("exercises up to date" if args.check else f"wrote {len(stale)} exercise notebook(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
