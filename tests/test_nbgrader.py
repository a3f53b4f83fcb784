"""A class can grade the course with nbgrader.

The solution notebooks carry nbgrader's metadata (tools/nbgrader_metadata.py, run by
``make exercises``); under nbgrader a failed check raises, so its cell loses its points; and
a real nbgrader run on one chapter gives the solution full marks and a fresh exercise zero.
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from rnncourse import check
from rnncourse.check import CheckResult

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _load_tool():
    spec = importlib.util.spec_from_file_location(
        "nbgrader_metadata", ROOT / "tools/nbgrader_metadata.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tool = _load_tool()


def _not_implemented(*args, **kwargs):
    raise NotImplementedError()


# ---------------------------------------------------------------- checkers under nbgrader


def test_failed_check_raises_only_under_nbgrader(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    result = check.rnn_step_forward(_not_implemented)  # a learner: friendly, no exception
    assert not result and "not implemented" in repr(result)

    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    with pytest.raises(AssertionError, match="rnn_step_forward: not implemented yet"):
        check.rnn_step_forward(_not_implemented)
    with pytest.raises(AssertionError, match=r"✗ f: wrong\n  Hint: look"):
        CheckResult(False, "f", "wrong", "look")
    assert CheckResult(True, "f", "right")  # a passing check never raises

    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")  # nbgrader validate / Validate button
    with pytest.raises(AssertionError):
        CheckResult(False, "f", "wrong")


def test_passing_checker_returns_under_nbgrader(monkeypatch):
    from rnncourse import rnn

    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert check.rnn_step_forward(rnn.rnn_step_forward)


# ---------------------------------------------------------------- the metadata tool


def test_solutions_carry_current_metadata():
    stale = tool.update(check=True)
    assert stale == [], f"run `make exercises`; nbgrader metadata out of date: {stale}"


def test_metadata_rules_and_idempotence():
    code, md = nbformat.v4.new_code_cell, nbformat.v4.new_markdown_cell
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        md("# Exercises"),
        code("def f(x):\n    # Hint: square it\n    ### BEGIN SOLUTION\n    return x * x\n"
             "    ### END SOLUTION"),
        code("check.f(f)"),
        code("check.f(f, extra=True)"),
        md("Why?\n### BEGIN SOLUTION\nBecause.\n### END SOLUTION"),
        code("assert check.f(f)", metadata={"tags": ["solution-only"]}),
        code("x = 1", metadata={"nbgrader": {"grade": True, "points": 3}}),
    ]  # fmt: skip
    nb.cells[2].metadata["nbgrader"] = {"points": 4}  # an instructor's weight is kept
    tool.add_metadata(nb, "ch07")
    meta = [c.metadata.get("nbgrader") for c in nb.cells]
    assert meta[0] is None and meta[5] is None and meta[6] is None
    assert meta[1] == {
        "grade": False, "grade_id": "ch07_f", "locked": False, "schema_version": 3,
        "solution": True,
    }  # fmt: skip
    assert meta[2]["grade_id"] == "ch07_check_f" and meta[2]["points"] == 4
    assert meta[2]["grade"] and meta[2]["locked"] and not meta[2]["solution"]
    assert meta[3]["grade_id"] == "ch07_check_f_2" and meta[3]["points"] == 1
    assert meta[4]["grade_id"] == "ch07_written_1"
    assert meta[4]["grade"] and meta[4]["solution"] and meta[4]["points"] == 1
    again = tool.add_metadata(nbformat.from_dict(nb), "ch07")
    assert again == nb


def test_every_check_cell_is_graded():
    for path in sorted((ROOT / "solutions").glob("[0-9]*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if "solution-only" in cell.metadata.get("tags", []):
                continue
            if cell.cell_type == "code" and tool.CHECK_CALL.search(cell.source):
                assert cell.metadata["nbgrader"]["grade"], (path.name, cell.source)
            if "### BEGIN SOLUTION" in cell.source:
                assert cell.metadata["nbgrader"]["solution"], (path.name, cell.source)


# ---------------------------------------------------------------- nbgrader itself


def _nbgrader(course, *args):
    env = dict(
        os.environ,
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",  # nbgrader calls `alembic`
        JUPYTER_CONFIG_DIR=str(course / ".jupyter"),  # not the user's own nbgrader config
    )
    env.pop("NBGRADER_EXECUTION", None)
    out = subprocess.run(
        [str(BIN / "nbgrader"), *args], cwd=course, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    return out


def test_nbgrader_grades_one_chapter(tmp_path):
    from nbgrader.api import Gradebook

    first = sorted((ROOT / "solutions").glob("[0-9]*.ipynb"))[0]
    [name] = tool.write_course(tmp_path, only=[first.name.split("_")[0]])
    _nbgrader(tmp_path, "generate_assignment", name)

    # nbgrader's release version is the course's own exercise, cell for cell.
    release = nbformat.read(tmp_path / "release" / name / first.name, as_version=4)
    exercise = nbformat.read(ROOT / "exercises" / first.name, as_version=4)
    assert [c.source for c in release.cells] == [c.source for c in exercise.cells]

    submissions = {
        "solved": tmp_path / "source" / name / first.name,
        "fresh": ROOT / "exercises" / first.name,
    }
    for student, notebook in submissions.items():
        target = tmp_path / "submitted" / student / name / first.name
        target.parent.mkdir(parents=True)
        target.write_bytes(notebook.read_bytes())
    _nbgrader(tmp_path, "autograde", name)

    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gradebook:
        solved = gradebook.find_submission(name, "solved")
        fresh = gradebook.find_submission(name, "fresh")
        assert solved.max_score >= 1
        assert solved.score == solved.max_score
        assert fresh.score == 0 and fresh.max_score == solved.max_score
