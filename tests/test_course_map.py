"""The course map (rnncourse.course_map) is the single source for chapter 0 and the README."""

import importlib.util
import json
from pathlib import Path

from rnncourse import check, course_map

ROOT = Path(__file__).resolve().parents[1]


def test_every_chapter_notebook_exists_and_is_mapped():
    mapped = {c.file for c in course_map.CHAPTERS}
    on_disk = {p.name for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert mapped == on_disk


def test_exercises_exist_and_have_checkers():
    for chapter in course_map.CHAPTERS:
        for name in chapter.exercises:
            assert callable(getattr(check, name, None)), (chapter.number, name)
        has_exercise = (ROOT / "exercises" / chapter.file).exists()
        assert has_exercise == bool(chapter.exercises), chapter.file
        if chapter.exercises:
            exercise_text = (ROOT / "solutions" / chapter.file).read_text()
            for name in chapter.exercises:
                assert f"check.{name}(" in exercise_text, (chapter.file, name)


def test_chapters_link_their_exercise():
    for chapter in course_map.CHAPTERS:
        text = (ROOT / "notebooks" / chapter.file).read_text()
        if chapter.exercises:
            assert f"../exercises/{chapter.file}" in text, chapter.file


def test_prerequisites_come_earlier():
    order = [c.number for c in course_map.CHAPTERS]
    for chapter in course_map.CHAPTERS:
        for needed in chapter.prerequisites:
            assert order.index(needed) < order.index(chapter.number), chapter.number


def test_paths_name_real_chapters():
    numbers = {c.number for c in course_map.CHAPTERS}
    for _, _, chapters in course_map.PATHS:
        assert set(chapters) <= numbers


def test_readme_map_is_up_to_date():
    spec = importlib.util.spec_from_file_location("update_readme", ROOT / "tools/update_readme.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert tool.rendered(text) == text, "run: python tools/update_readme.py"


def test_start_notebook_renders_the_map():
    nb = json.loads((ROOT / "notebooks" / "00_welcome.ipynb").read_text())
    code = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert "course_map.table_markdown(" in code and "course_map.paths_markdown(" in code


def test_every_chapter_ends_with_navigation():
    spec = importlib.util.spec_from_file_location("nav", ROOT / "tools/update_navigation.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.main(["--check"]) == 0, "run: python tools/update_navigation.py"
