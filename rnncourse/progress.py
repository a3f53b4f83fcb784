"""Where you are: which exercise checks you have passed, kept privately on your own machine.

Each time an exercise check passes (``check.rnn_step_forward(rnn_step_forward)`` showing a green
box), the name of the function and the date are written to a small JSON file; nothing is sent
anywhere. Chapter 0 shows the whole table (:func:`table`, one row per exercise notebook: a
chapter split into parts keeps one), each part ends with one line about the functions it
teaches (:func:`line`), and :func:`reset` forgets everything.

The file is ``.rnncourse/progress.json`` in the course folder (the first folder above the
notebook that holds ``notebooks/00_welcome.ipynb``), or in your home folder when the course is
not found or its folder is not yours to write (a shared read-only copy on a hub). The
environment variable ``RNNCOURSE_PROGRESS`` overrides it: a file path, or ``off`` to record
nothing (the test suite sets ``off``). Nothing is written while nbgrader grades
(``NBGRADER_EXECUTION`` set), so grading never changes a learner's record.

Recording never breaks a learner's check: a folder that cannot be written, or a file that
cannot be read, only means nothing is recorded (:func:`record` returns False). Two notebooks
passing checks at the same moment both land: each update holds a lock on
``progress.json.lock`` while it reads and rewrites the file (where the system has ``fcntl``),
and the file is replaced whole, never left half written. A file that is not the course's JSON
is kept as ``progress.json.bad`` and a new one started.
"""

import datetime
import html
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no lock; the file is still replaced whole
    fcntl = None

from . import course_map
from .course_map import CHAPTERS, EXERCISE_NOTEBOOKS

ENV = "RNNCOURSE_PROGRESS"


def progress_file(start=None):
    """The file progress is kept in, or ``None`` when recording is off."""
    setting = os.environ.get(ENV, "").strip()
    if setting.lower() == "off":
        return None
    if setting:
        return Path(setting).expanduser()
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "notebooks" / "00_welcome.ipynb").exists():
            kept = folder / ".rnncourse"
            # a course folder the learner cannot write (a shared, read-only copy): the home one
            if os.access(kept if kept.exists() else folder, os.W_OK):
                return kept / "progress.json"
            break
    return Path.home() / ".rnncourse" / "progress.json"


class _Unreadable(Exception):
    """The file is there but cannot be read (permissions, a folder in its place)."""


def _read(path):
    """``{name: date}`` from the file; {} when there is none; ValueError when it is not ours."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise _Unreadable(str(exc)) from exc
    data = json.loads(text)  # ValueError (UnicodeDecodeError too) when not JSON
    passed = data.get("passed") if isinstance(data, dict) else None
    if not isinstance(passed, dict):
        raise ValueError(f"{path} holds no 'passed' table")
    return {str(k): str(v) for k, v in passed.items()}


def load(path=None):
    """``{function name: date passed}``; empty when nothing is recorded or readable."""
    path = progress_file() if path is None else Path(path)
    if path is None:
        return {}
    try:
        return _read(path)
    except (_Unreadable, ValueError):
        return {}


@contextmanager
def _locked(path):
    """Hold an exclusive lock on ``path``'s lock file while the file is read and rewritten."""
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield  # closing the file releases the lock


def _write(path, passed):
    """Replace the file whole: write a temporary file next to it, then rename it."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"passed": passed}, out, indent=1, sort_keys=True)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _grading():
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def record(name, path=None, today=None):
    """Note that the check of ``name`` passed, keeping the date it first passed.

    Returns True when it is recorded, False when nothing was written: recording is off,
    nbgrader is grading, or the file or its folder cannot be read or written.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be an exercise function's name (a str), got {name!r}")
    if _grading():
        return False
    path = progress_file() if path is None else Path(path)
    if path is None:
        return False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _locked(path):
            try:
                passed = _read(path)
            except ValueError:  # not our JSON: keep it aside, start a new record
                os.replace(path, path.with_name(path.name + ".bad"))
                passed = {}
            if name in passed:
                return True
            passed[name] = (today or datetime.date.today()).isoformat()
            _write(path, passed)
    except (OSError, _Unreadable):  # read-only or unreadable: never break a learner's check
        return False
    return True


def reset(path=None):
    """Forget every passed check. Returns how many were forgotten (0 while nbgrader grades)."""
    path = progress_file() if path is None else Path(path)
    if path is None or _grading():
        return 0
    count = len(load(path))
    path.unlink(missing_ok=True)
    return count


def summary(passed=None):
    """``[(chapter, title, exercise notebook, [(function, part, date or None), ...]), ...]``:
    one entry per exercise notebook, in course order, each function with the part that
    teaches it."""
    passed = load() if passed is None else passed
    rows = []
    for chapter, (title, book) in EXERCISE_NOTEBOOKS.items():
        taught = course_map.chapter_exercises(chapter)
        rows.append((chapter, title, book, [(n, part, passed.get(n)) for n, part in taught]))
    return rows


class _Html:
    def __init__(self, text, markup):
        self.text, self.markup = text, markup

    def __repr__(self):
        return self.text

    def _repr_html_(self):
        return self.markup


def _off_note():
    return "Progress is not recorded in this run (RNNCOURSE_PROGRESS=off)."


def table():
    """Chapter 0's table: one row per exercise notebook, its functions (each with the part that
    teaches it) and whether (and when) each check passed."""
    if progress_file() is None:
        return _Html(_off_note(), f"<p>{_off_note()}</p>")
    rows, lines, done, total = [], [], 0, 0
    for chapter, title, book, exercises in summary():
        marks = []
        for name, part, date in exercises:
            total += 1
            done += date is not None
            marks.append(f"{'✓' if date else '·'} {name} ({part}" + (f", {date})" if date else ")"))
        lines.append(f"{chapter} {title} (exercises/{book}): " + ", ".join(marks))
        cells = "<br>".join(html.escape(m) for m in marks)
        rows.append(
            f"<tr><td>{chapter}</td><td>{html.escape(title)}</td>"
            f'<td><a href="../exercises/{book}">{html.escape(book)}</a></td>'
            f"<td>{cells}</td></tr>"
        )
    head = f"{done} of {total} exercise checks passed."
    markup = (
        f"<p><b>{head}</b> Kept in <code>{html.escape(str(progress_file()))}</code>; "
        "<code>progress.reset()</code> starts over.</p>"
        "<table><thead><tr><th>#</th><th>chapter</th><th>exercise notebook</th>"
        "<th>functions (part that teaches it; ✓ passed)</th></tr>"
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
    )
    return _Html("\n".join([head, *lines]), markup)


def _names(numbers):
    """ "07a" -> "part 07a"; ["07a", "07b"] -> "parts 07a and 07b"."""
    if len(numbers) == 1:
        return f"part {numbers[0]}"
    return f"parts {', '.join(numbers[:-1])} and {numbers[-1]}"


def line(chapter):
    """One line for the end of ``chapter`` (a part "07b", or a chapter of one part "00"): the
    exercise checks of the functions it teaches passed so far."""
    if not isinstance(chapter, str) or chapter not in {c.number for c in CHAPTERS}:
        numbers = ", ".join(c.number for c in CHAPTERS)
        raise ValueError(
            f"chapter must be one of the course map's numbers ({numbers}), got {chapter!r}"
        )
    if progress_file() is None:
        return _Html(_off_note(), f"<p>{_off_note()}</p>")
    entry = course_map.part(chapter)
    book = course_map.exercise_notebook(chapter)
    whole = entry.chapter.lstrip("0") or "0"
    split = len(course_map.parts_of(entry.chapter)) > 1
    where = f"Part {chapter}" if split else f"Chapter {chapter}"
    if book is None:
        text = f"{where} has no exercise notebook" + (
            f": chapter {whole} has none." if split else "."
        )
        return _Html(text, f"<p>{text}</p>")
    passed = load()
    names = entry.exercises
    if not names:
        taught = course_map.chapter_exercises(entry.chapter)
        teachers = list(dict.fromkeys(part for _, part in taught))
        done = sum(name in passed for name, _ in taught)
        text = (
            f"{where} practises nothing of its own: chapter {whole}'s exercise notebook is "
            f"exercises/{book}, for the functions taught in {_names(teachers)} "
            f"({done} of {len(taught)} checks passed)."
        )
        return _Html(text, f"<p>{html.escape(text)}</p>")
    done = [n for n in names if n in passed]
    todo = [n for n in names if n not in passed]
    text = (
        f"Your progress in {where.lower()} (exercises/{book}): {len(done)} of {len(names)} "
        "exercise checks passed"
    )
    text += f"; still to do: {', '.join(todo)}." if todo else ". All done."
    return _Html(text, f"<p>{html.escape(text)}</p>")
