"""How long each notebook takes: the course's time model, applied to the notebooks themselves.

    python tools/estimate_times.py            # print the estimate of every notebook (part)
    python tools/estimate_times.py --write    # put the numbers into rnncourse/course_map.py
    python tools/estimate_times.py --check    # exit 1 if the course map's numbers are stale

    python tools/estimate_times.py --calibrate OLD.ipynb ...   # the model on other versions

The model (its parameters are below) was set against the times a careful reader needed in
the course's review: chapter 02 75-90 min, 03 60-80, 07 100-120, on the versions of commit
d61b7aa; on those versions it gives 72, 83 and 99 min (``--calibrate``), each within 5 min
of the range, none inside it. The model:

- reading (everything a learner does in the notebook itself): the words of the Markdown
  cells at READING_WPM words per minute (technical prose read carefully, with pauses to
  think), each inline formula as INLINE_MATH_WORDS words and each displayed equation
  DISPLAY_MATH_MIN minutes (code in the prose counts as words, and an escaped ``\\$`` is a
  dollar, not a formula); and working through the cells: CODE_CELL_MIN per code cell (read
  it, run it, read what it prints), FIGURE_MIN per figure, WIDGET_MIN per interactive widget
  a cell returns (explore it; a live training curve a cell displays while it runs is part of
  that cell), QUIZ_MIN per quiz question;
- the exercise notebook, separately: EXERCISE_MIN per solution region in a code cell (a
  function to write) and WRITTEN_MIN per solution region in a Markdown cell (a written
  answer), read from solutions/NN_*.ipynb.

Estimates are rounded up to 5 minutes, per notebook. A chapter longer than an hour of reading
is split into parts (notebooks 07a, 07b, 07c), so the estimate is one per part; the chapter
keeps one exercise notebook, whose minutes go to its parts: a function's minutes go to the
part whose ``exercises`` in the course map name the checker that tests it (the solution's
``check.NAME(function)`` call), and written answers and functions no checker of the map tests
go to the chapter's last part with exercises. A part's exercise time is its share, rounded up
to 5 minutes. The course map (rnncourse/course_map.py, TIMES) holds the numbers, so README,
chapter 0 and the navigation show the same ones; a test runs ``--check``.
"""

import argparse
import json
import math
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
READING_WPM = 100
INLINE_MATH_WORDS = 3
DISPLAY_MATH_MIN = 0.75
CODE_CELL_MIN = 1.5
FIGURE_MIN = 1.0
WIDGET_MIN = 5.0
QUIZ_MIN = 1.0
EXERCISE_MIN = 15.0
WRITTEN_MIN = 5.0
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
CODE = re.compile(r"^(```|~~~).*?^\1|`[^`\n]+`", re.DOTALL | re.MULTILINE)
DISPLAY_MATH = re.compile(r"(?<!\\)\$\$.*?\$\$", re.DOTALL)
#: $...$ not opened or closed by an escaped \$; it may run over a line break, not a paragraph.
INLINE_MATH = re.compile(r"(?<!\\)\$(?:[^$\\\n]|\\.|\n(?![ \t]*\n))+?(?<!\\)\$")
WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'-]*")
START, END = "# times:start", "# times:end"


def _round5(minutes):
    return int(5 * math.ceil(minutes / 5 - 1e-9))


def markdown_parts(source):
    """``(words, inline formulas, displayed equations)`` of one Markdown cell's source."""
    words = sum(len(WORD.findall(m.group(0))) for m in CODE.finditer(source))
    prose = CODE.sub(" ", source)
    display = len(DISPLAY_MATH.findall(prose))
    prose = DISPLAY_MATH.sub(" ", prose)
    inline = len(INLINE_MATH.findall(prose))
    words += len(WORD.findall(INLINE_MATH.sub(" ", prose)))
    return words, inline, display


def reading_parts(path):
    """The model's inputs for one notebook (a part), and its reading estimate in minutes
    (unrounded)."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    parts = dict(words=0, inline=0, display=0, code=0, figures=0, widgets=0, quiz=0)
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            words, inline, display = markdown_parts(source)
            parts["words"] += words
            parts["inline"] += inline
            parts["display"] += display
            continue
        if cell["cell_type"] != "code":
            continue
        parts["code"] += 1
        match = re.search(r'show_quiz\("(\w\w[a-h]?)"\)', source)
        if match:
            from rnncourse.quiz import load_bank

            parts["quiz"] += len(load_bank(match.group(1)))
        elif re.search(r"^quiz\(", source, re.MULTILINE):  # the older in-cell quizzes
            parts["quiz"] += source.count('"question":')
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            parts["figures"] += "image/png" in data
            parts["widgets"] += WIDGET_VIEW in data and output["output_type"] == "execute_result"
    minutes = (
        (parts["words"] + INLINE_MATH_WORDS * parts["inline"]) / READING_WPM
        + DISPLAY_MATH_MIN * parts["display"]
        + CODE_CELL_MIN * parts["code"]
        + FIGURE_MIN * parts["figures"]
        + WIDGET_MIN * parts["widgets"]
        + QUIZ_MIN * parts["quiz"]
    )
    return parts, minutes


def exercise_shares(path, names=()):
    """``{checker name or None: minutes}`` of one exercise notebook (a solution notebook).

    A code cell's solution regions count EXERCISE_MIN each, under the checker of ``names``
    whose ``check.NAME(...)`` call passes a function the cell defines; a Markdown cell's
    count WRITTEN_MIN each. What no checker of ``names`` claims (written answers, a function
    without a checker in the course map) is under ``None``. Unrounded minutes.
    """
    if path is None or not Path(path).exists():
        return {}
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    sources = ["".join(cell["source"]) for cell in nb["cells"]]
    checked = {}  # defined function -> the checker that tests it
    for source in sources:
        for name, args in re.findall(r"\bcheck\.(\w+)\(([^)]*)\)", source):
            if name in names:
                for function in re.findall(r"\w+", args):
                    checked.setdefault(function, name)
    shares = {}
    for cell, source in zip(nb["cells"], sources, strict=True):
        regions = source.count("### BEGIN SOLUTION")
        if not regions:
            continue
        if cell["cell_type"] != "code":
            shares[None] = shares.get(None, 0) + WRITTEN_MIN * regions
            continue
        owners = [checked[f] for f in re.findall(r"^def (\w+)\(", source, re.M) if f in checked]
        owner = owners[0] if owners else None
        shares[owner] = shares.get(owner, 0) + EXERCISE_MIN * regions
    return shares


def exercise_minutes(path):
    """The whole exercise notebook's time: its functions to write and written answers."""
    return _round5(sum(exercise_shares(path).values()))


def part_exercise_minutes(parts, path):
    """``{part number: exercise minutes}`` for the parts of one chapter (course map entries, in
    order) sharing the exercise notebook ``path`` (see the module's docstring)."""
    names = [name for part in parts for name in part.exercises]
    shares = exercise_shares(path, names)
    with_exercises = [part.number for part in parts if part.exercises]
    rest = with_exercises[-1] if with_exercises else None
    out = {}
    for part in parts:
        minutes = sum(shares.get(name, 0) for name in part.exercises)
        if part.number == rest:
            minutes += shares.get(None, 0)
        out[part.number] = _round5(minutes)
    return out


def solution_of(chapter):
    """The chapter's solution notebook (solutions/07_*.ipynb), or None when it has none."""
    return next(iter(sorted((ROOT / "solutions").glob(f"{chapter}_*.ipynb"))), None)


def estimates():
    """``{part: (reading minutes, exercise minutes)}`` for every notebook in notebooks/.

    A notebook the course map does not list (an old whole chapter, while a split is under
    way) gets its chapter's whole exercise notebook."""
    from rnncourse.course_map import CHAPTERS

    out = {}
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        number = path.name.split("_")[0]
        chapter = number.rstrip("abcdefgh")
        parts = [c for c in CHAPTERS if c.chapter == chapter]
        solution = solution_of(chapter)
        if any(c.number == number for c in parts):
            exercise = part_exercise_minutes(parts, solution)[number]
        else:
            exercise = exercise_minutes(solution)
        out[number] = (_round5(reading_parts(path)[1]), exercise)
    return out


def calibration(paths):
    """The model's estimate for each notebook given (e.g. old versions the review timed)."""
    return {Path(p).name: round(reading_parts(p)[1]) for p in paths}


def rendered(text, times):
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    rows = "".join(f'    "{k}": ({r}, {e}),\n' for k, (r, e) in times.items())
    block = (
        f"{START} (written by tools/estimate_times.py --write; do not edit by hand)\n"
        "#: Minutes per notebook (a part, or a chapter in one part) from the course's time model:\n"
        "#: (reading, its share of the chapter's exercise notebook).\n"
        f"TIMES = {{\n{rows}}}\n{END}"
    )
    return head + block + tail


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--calibrate", nargs="*", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.calibrate is not None:
        for name, minutes in calibration(args.calibrate).items():
            print(f"{minutes:4d} min  {name}")
        return 0
    times = estimates()
    target = ROOT / "rnncourse" / "course_map.py"
    text = target.read_text(encoding="utf-8")
    new = rendered(text, times)
    if args.check:
        if new != text:
            print("the course map's times are stale: run python tools/estimate_times.py --write")
            return 1
        return 0
    if args.write:
        target.write_text(new, encoding="utf-8")
    for number, (reading, exercise) in times.items():
        print(f"{number}: reading {reading:3d} min, exercise {exercise:3d} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
