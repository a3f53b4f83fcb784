"""Where you are: passed checks recorded locally, shown, reset; never while nbgrader grades."""

import datetime
import json
import threading

import pytest

from rnncourse import check, course_map, progress, rnn
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
    assert "1 of 2 exercise checks passed; still to do: rnn_forward." in repr(progress.line("01b"))
    assert "✓ rnn_step_forward (01b, " in repr(progress.table())


def test_a_failing_check_is_not_recorded(store):
    assert not check.rnn_step_forward(lambda *args: None)
    assert progress.load() == {}


def test_reset_forgets(store):
    progress.record("rnn_forward")
    assert progress.reset() == 1
    assert progress.load() == {}
    assert "0 of 2" in repr(progress.line("01b"))


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
    # a shared course folder the learner cannot write: the record goes to their home folder
    monkeypatch.setattr(progress.os, "access", lambda path, mode: False)
    home = progress.Path.home() / ".rnncourse" / "progress.json"
    assert progress.progress_file(tmp_path / "exercises") == home


def test_a_broken_file_reads_as_empty_and_is_kept_aside(store):
    store.write_text("not json")
    assert progress.load() == {}
    assert progress.record("rnn_forward")
    assert list(progress.load()) == ["rnn_forward"]
    assert (store.parent / "progress.json.bad").read_text() == "not json"


def test_unknown_chapter_is_named():
    with pytest.raises(ValueError, match=r"chapter must be one of .*00, 01a, 01b.*got '99'"):
        progress.line("99")
    with pytest.raises(ValueError, match=r"chapter must be one of .*got '07'"):
        progress.line("07")  # a split chapter's line is its parts'


def test_the_table_has_one_row_per_exercise_notebook(store):
    """A chapter split into parts keeps one exercise notebook: one row, all its functions."""
    text = repr(progress.table())
    rows = text.splitlines()[1:]
    assert len(rows) == len(course_map.EXERCISE_NOTEBOOKS)
    assert rows[6] == (
        "07 Training toolbox (exercises/07_training_toolbox.ipynb): · adam_step (07a), "
        "· variational_dropout_forward (07b), · variational_dropout_backward (07b)"
    )
    total = sum(len(c.exercises) for c in CHAPTERS)
    assert text.startswith(f"0 of {total} exercise checks passed.")


def test_a_part_line_names_its_own_functions_or_says_it_has_none(store):
    progress.record("adam_step")
    assert repr(progress.line("07a")) == (
        "Your progress in part 07a (exercises/07_training_toolbox.ipynb): 1 of 1 exercise "
        "checks passed. All done."
    )
    assert "still to do: variational_dropout_forward, variational_dropout_backward." in repr(
        progress.line("07b")
    )
    assert repr(progress.line("07c")) == (
        "Part 07c practises nothing of its own: chapter 7's exercise notebook is "
        "exercises/07_training_toolbox.ipynb, for the functions taught in parts 07a and 07b "
        "(1 of 3 checks passed)."
    )
    assert repr(progress.line("00")) == "Chapter 00 has no exercise notebook."
    assert repr(progress.line("A1b")) == "Part A1b has no exercise notebook: chapter A1 has none."


def test_every_exercise_of_the_map_has_a_checker():
    names = {name for c in CHAPTERS for name in c.exercises}
    missing = sorted(n for n in names if not callable(getattr(check, n, None)))
    assert not missing, f"course map exercises without a check.<name>: {missing}"


def test_checks_passing_at_the_same_moment_are_all_kept(store):
    """Two notebooks (here: threads) recording at once: no update is lost, no file half written."""
    names = [f"exercise_{k}" for k in range(24)]
    start = threading.Barrier(len(names))

    def record(name):
        start.wait()
        assert progress.record(name)

    threads = [threading.Thread(target=record, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(progress.load()) == sorted(names)
    assert not list(store.parent.glob("*.tmp"))


def test_a_folder_that_cannot_be_written_records_nothing(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("")
    monkeypatch.setenv(progress.ENV, str(tmp_path / "file" / "progress.json"))  # under a file
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    assert progress.record("rnn_forward") is False
    assert check.rnn_step_forward(rnn.rnn_step_forward)  # the check itself still passes
    assert progress.load() == {}


def test_an_unreadable_file_is_left_alone(store, monkeypatch):
    progress.record("rnn_forward")
    before = store.read_text()
    real = type(store).read_text

    def denied(self, *args, **kwargs):
        if self == store:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(type(store), "read_text", denied)
    assert progress.load() == {}
    assert progress.record("rnn_step_forward") is False  # not overwritten with one entry
    monkeypatch.undo()
    assert store.read_text() == before


def test_the_first_date_is_kept_and_names_are_checked(store):
    assert progress.record("rnn_forward", today=datetime.date(2026, 1, 2))
    assert progress.record("rnn_forward", today=datetime.date(2026, 3, 4))
    assert progress.load() == {"rnn_forward": "2026-01-02"}
    with pytest.raises(TypeError, match="name must be an exercise function's name"):
        progress.record(None)


def test_reset_under_nbgrader_forgets_nothing(store, monkeypatch):
    progress.record("rnn_forward")
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert progress.reset() == 0
    assert store.exists()
