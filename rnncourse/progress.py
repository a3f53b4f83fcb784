"""Where you are: which exercise checks you have passed, kept privately on your own machine.

Each time an exercise check passes (``check.rnn_step_forward(rnn_step_forward)`` showing a green
box), the name of the function and the date are written to a small JSON file; nothing is sent
anywhere. Chapter 0 shows the whole table (:func:`table`), each chapter ends with one line
(:func:`line`), and :func:`reset` forgets everything.

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

from .course_map import CHAPTERS

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
    """``[(chapter, title, [(function, date or None), ...]), ...]`` for chapters with exercises."""
    passed = load() if passed is None else passed
    return [
        (c.number, c.title, [(name, passed.get(name)) for name in c.exercises])
        for c in CHAPTERS
        if c.exercises
    ]


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
    """Chapter 0's table: every exercise and whether (and when) its check passed."""
    if progress_file() is None:
        return _Html(_off_note(), f"<p>{_off_note()}</p>")
    rows, lines, done, total = [], [], 0, 0
    for number, title, exercises in summary():
        marks = []
        for name, date in exercises:
            total += 1
            done += date is not None
            marks.append(f"{'✓' if date else '·'} {name}" + (f" ({date})" if date else ""))
        lines.append(f"{number} {title}: " + ", ".join(marks))
        cells = "<br>".join(html.escape(m) for m in marks)
        rows.append(f"<tr><td>{number}</td><td>{html.escape(title)}</td><td>{cells}</td></tr>")
    head = f"{done} of {total} exercise checks passed."
    markup = (
        f"<p><b>{head}</b> Kept in <code>{html.escape(str(progress_file()))}</code>; "
        "<code>progress.reset()</code> starts over.</p>"
        "<table><thead><tr><th>#</th><th>chapter</th><th>exercises (✓ passed)</th></tr>"
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
    )
    return _Html("\n".join([head, *lines]), markup)


def line(chapter):
    """One line for the end of ``chapter``: its exercise checks passed so far."""
    match = [c for c in CHAPTERS if c.number == chapter]
    if not match:
        numbers = ", ".join(c.number for c in CHAPTERS)
        raise ValueError(
            f"chapter must be one of the course map's numbers ({numbers}), got {chapter!r}"
        )
    if progress_file() is None:
        return _Html(_off_note(), f"<p>{_off_note()}</p>")
    names = match[0].exercises
    if not names:
        text = f"Chapter {chapter} has no exercise notebook."
        return _Html(text, f"<p>{text}</p>")
    passed = load()
    done = [n for n in names if n in passed]
    todo = [n for n in names if n not in passed]
    text = f"Your progress in chapter {chapter}: {len(done)} of {len(names)} exercise checks passed"
    text += f"; still to do: {', '.join(todo)}." if todo else ". All done."
    return _Html(text, f"<p>{html.escape(text)}</p>")
