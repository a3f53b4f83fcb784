"""Where you are: passed checks recorded locally, shown, reset; never while nbgrader grades."""

import json

import pytest

from rnncourse import check, progress, rnn
from rnncourse.course_map import CHAPTERS


@pytest.fixture
def store(tmp_path, monkeypatch):
    path = tmp_path / "progress.json"
    monkeypatch.setenv(progress.ENV, str(path))
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    return path


def test_a_passing_check_is_recorded_and_shown(store):
    assert check.rnn_step_forward(rnn.rnn_step_forward)
    assert "rnn_step_forward" in json.loads(store.read_text())["passed"]
    assert "1 of 2 exercise checks passed; still to do: rnn_forward." in repr(progress.line("01"))
    assert "✓ rnn_step_forward" in repr(progress.table())


def test_a_failing_check_is_not_recorded(store):
    assert not check.rnn_step_forward(lambda *args: None)
    assert progress.load() == {}


def test_reset_forgets(store):
    progress.record("rnn_forward")
    assert progress.reset() == 1
    assert progress.load() == {}
    assert "0 of 2" in repr(progress.line("01"))


def test_nothing_is_written_while_nbgrader_grades(store, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert progress.record("rnn_forward") is False
    assert not store.exists()


def test_off_records_nothing(monkeypatch):
    monkeypatch.setenv(progress.ENV, "off")
    assert progress.progress_file() is None
    assert progress.record("rnn_forward") is False
    assert "not recorded" in repr(progress.table())


def test_course_folder_is_found_from_a_notebook_folder(tmp_path, monkeypatch):
    monkeypatch.delenv(progress.ENV, raising=False)
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "00_welcome.ipynb").write_text("{}")
    (tmp_path / "exercises").mkdir()
    expected = tmp_path.resolve() / ".rnncourse" / "progress.json"
    assert progress.progress_file(tmp_path / "exercises") == expected


def test_a_broken_file_reads_as_empty(store):
    store.write_text("not json")
    assert progress.load() == {}
    assert progress.record("rnn_forward")
    assert list(progress.load()) == ["rnn_forward"]


def test_unknown_chapter_is_named():
    with pytest.raises(ValueError, match="chapter must be"):
        progress.line("99")


def test_every_exercise_of_the_map_has_a_checker():
    names = {name for c in CHAPTERS for name in c.exercises}
    missing = sorted(n for n in names if not callable(getattr(check, n, None)))
    assert not missing, f"course map exercises without a check.<name>: {missing}"
