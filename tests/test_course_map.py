"""The course map (rnncourse.course_map) is the single source for chapter 0 and the README.

A chapter longer than an hour of reading is split into parts (07a, 07b, 07c), one notebook
each; the chapter keeps one exercise notebook, whose functions its parts share out.
"""

import importlib.util
import json
import re
from pathlib import Path

import pytest

from rnncourse import check, course_map

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = list(dict.fromkeys(c.chapter for c in course_map.CHAPTERS))


def test_every_notebook_exists_and_is_mapped():
    mapped = [c.file for c in course_map.CHAPTERS]
    on_disk = {p.name for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert len(set(mapped)) == len(mapped)
    assert set(mapped) == on_disk


def test_numbers_and_files_agree():
    for c in course_map.CHAPTERS:
        assert re.fullmatch(r"[0-9A-Z][0-9][a-h]?", c.number), c.number
        assert c.file.startswith(f"{c.number}_") and c.file.endswith(".ipynb"), c.file
        parts = course_map.parts_of(c.chapter)
        if len(parts) > 1:  # a split chapter's parts are a, b, c, ... in order
            assert [p.number for p in parts] == [c.chapter + x for x in "abcdefgh"[: len(parts)]]
        else:
            assert c.number == c.chapter, c.number


def test_exercise_notebooks_are_exactly_the_chapters_ones():
    books = {chapter: book for chapter, (_, book) in course_map.EXERCISE_NOTEBOOKS.items()}
    for folder in ("exercises", "solutions"):
        on_disk = {p.name for p in (ROOT / folder).glob("*.ipynb")}
        assert set(books.values()) == on_disk, folder
    for chapter, book in books.items():
        assert book.startswith(f"{chapter}_"), book
        for c in course_map.parts_of(chapter):
            assert course_map.exercise_notebook(c.number) == book
    assert course_map.exercise_notebook("A1b") is None
    with pytest.raises(ValueError, match="chapter must be one of"):
        course_map.parts_of("99")
    with pytest.raises(TypeError, match="chapter must be a chapter or part number"):
        course_map.exercise_notebook(7)


def checked_functions(chapter):
    """The checkers a chapter's solution notebook calls (``check.NAME(``), in order."""
    book = course_map.exercise_notebook(chapter)
    text = (ROOT / "solutions" / book).read_text(encoding="utf-8")
    return list(dict.fromkeys(re.findall(r"\bcheck\.(\w+)\(", text)))


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_each_exercise_function_is_taught_by_exactly_one_part(chapter):
    taught = [name for c in course_map.parts_of(chapter) for name in c.exercises]
    assert len(set(taught)) == len(taught), f"a function taught twice: {taught}"
    for name in taught:
        assert callable(getattr(check, name, None)), (chapter, name)
    if course_map.exercise_notebook(chapter) is None:
        assert not taught, f"chapter {chapter} has no exercise notebook but teaches {taught}"
        return
    assert set(taught) == set(checked_functions(chapter))


def test_parts_with_exercises_link_their_chapters_exercise_notebook():
    for c in course_map.CHAPTERS:
        text = (ROOT / "notebooks" / c.file).read_text(encoding="utf-8")
        if c.exercises:
            assert f"../exercises/{course_map.exercise_notebook(c.number)}" in text, c.file


def test_every_part_of_a_split_chapter_links_its_siblings():
    for c in course_map.CHAPTERS:
        siblings = [p for p in course_map.parts_of(c.chapter) if p is not c]
        text = (ROOT / "notebooks" / c.file).read_text(encoding="utf-8")
        for sibling in siblings:
            assert f"({sibling.file}" in text, f"{c.file} does not link {sibling.file}"


def test_prerequisites_come_earlier():
    order = [c.number for c in course_map.CHAPTERS]
    for chapter in course_map.CHAPTERS:
        for needed in chapter.prerequisites:
            assert order.index(needed) < order.index(chapter.number), chapter.number


def test_paths_name_real_parts():
    numbers = [c.number for c in course_map.CHAPTERS]
    for _, _, parts in course_map.PATHS:
        assert set(parts) <= set(numbers)
        assert list(parts) == sorted(parts, key=numbers.index)
    core = course_map.PATHS[0][2]
    chapters = ("00", "01", "02", "03", "04", "05", "10")
    assert core == tuple(c.number for c in course_map.CHAPTERS if c.chapter in chapters)
    assert course_map.PATHS[1][2] == tuple(numbers)


def test_chapter_times_add_up_their_parts():
    reading, exercise = course_map.chapter_times("07")
    parts = course_map.parts_of("07")
    assert reading == sum(course_map.TIMES[c.number][0] for c in parts)
    assert exercise == sum(course_map.TIMES[c.number][1] for c in parts)


def test_table_has_a_row_per_part_and_links_the_exercise_notebook():
    table = course_map.table_markdown("notebooks/", "exercises/")
    rows = table.splitlines()[2:]
    assert len(rows) == len(course_map.CHAPTERS)
    for c, row in zip(course_map.CHAPTERS, rows, strict=True):
        of = f" ({course_map._siblings(c)})" if course_map._siblings(c) else ""
        # the part's position is inside the link: text beside a link would tell it apart by
        # colour only (axe's link-in-text-block on the static site)
        assert row.startswith(f"| {c.number} | [{c.title}{of}](notebooks/{c.file})"), row
        book = course_map.exercise_notebook(c.number)
        assert (f"(exercises/{book})" in row) == bool(c.exercises), row


def load_tool(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def test_readme_map_is_up_to_date():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert load_tool("update_readme").rendered(text) == text, "run: python tools/update_readme.py"


def test_start_notebook_renders_the_map():
    nb = json.loads((ROOT / "notebooks" / "00_welcome.ipynb").read_text())
    code = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert "course_map.table_markdown(" in code and "course_map.paths_markdown(" in code


def test_every_chapter_ends_with_navigation():
    assert load_tool("update_navigation").main(["--check"]) == 0, (
        "run: python tools/update_navigation.py"
    )
