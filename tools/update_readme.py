"""Rewrite README's course map from rnncourse.course_map (the single source of the map).

python tools/update_readme.py           # rewrite the section between the markers
python tools/update_readme.py --check   # exit 1 if README is out of date
"""

import argparse
import sys
from pathlib import Path

from rnncourse import course_map

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- course-map:start -->", "<!-- course-map:end -->"


def rendered(text):
    """README text with the course-map section filled in from the data."""
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    body = course_map.table_markdown("notebooks/", "exercises/") + "\n\nSuggested paths:\n\n"
    return f"{head}{START}\n{body}{course_map.paths_markdown()}\n{END}{tail}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    path = ROOT / "README.md"
    text = path.read_text(encoding="utf-8")
    new = rendered(text)
    if args.check:
        if new != text:
            print("README.md's course map is out of date: run python tools/update_readme.py")
            return 1
        return 0
    path.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
