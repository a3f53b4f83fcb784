"""How long a chapter takes: the course's time model, applied to the notebooks themselves.

    python tools/estimate_times.py            # print the estimate of every chapter
    python tools/estimate_times.py --write    # put the numbers into rnncourse/course_map.py
    python tools/estimate_times.py --check    # exit 1 if the course map's numbers are stale

    python tools/estimate_times.py --calibrate OLD.ipynb ...   # the model on other versions

The model (its parameters are below) was set against the times a careful reader needed in
the course's review: chapter 02 75-90 min, 03 60-80, 07 100-120, on the versions of commit
d61b7aa; on those versions it gives 72, 83 and 99 min (``--calibrate``), each within 5 min
of the range, none inside it. The model:

- reading: the words of the Markdown cells at READING_WPM words per minute (technical prose
  read carefully, with pauses to think), each inline formula as INLINE_MATH_WORDS words and
  each displayed equation DISPLAY_MATH_MIN minutes (code in the prose counts as words, and an
  escaped ``\\$`` is a dollar, not a formula);
- working through the cells: CODE_CELL_MIN per code cell (read it, run it, read what it
  prints), FIGURE_MIN per figure, WIDGET_MIN per interactive widget a cell returns (explore
  it; a live training curve a cell displays while it runs is part of that cell), QUIZ_MIN per
  quiz question;
- the exercise notebook, separately: EXERCISE_MIN per function to write and WRITTEN_MIN per
  written answer (the solution regions of solutions/NN_*.ipynb).

Estimates are rounded up to 5 minutes. The course map (rnncourse/course_map.py, TIMES) holds
them, so README, chapter 0 and the navigation show the same numbers; a test runs ``--check``.
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
    """The model's inputs for one chapter notebook, and its estimate in minutes (unrounded)."""
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


def exercise_minutes(path):
    """The exercise notebook's time: its functions to write and written answers."""
    if path is None or not Path(path).exists():
        return 0
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    functions = written = 0
    for cell in nb["cells"]:
        regions = "".join(cell["source"]).count("### BEGIN SOLUTION")
        if cell["cell_type"] == "code":
            functions += regions
        else:
            written += regions
    return _round5(EXERCISE_MIN * functions + WRITTEN_MIN * written) if functions + written else 0


def estimates():
    """``{chapter: (reading minutes, exercise minutes)}`` for every chapter notebook."""
    out = {}
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        number = path.name.split("_")[0]
        solution = next(iter(sorted((ROOT / "solutions").glob(f"{number}_*.ipynb"))), None)
        out[number] = (_round5(reading_parts(path)[1]), exercise_minutes(solution))
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
        "#: Minutes per chapter from the course's time model: (reading, exercise notebook).\n"
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
