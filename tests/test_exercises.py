"""Exercises are generated from solutions, and a fresh learner sees only friendly failures.

Solution notebooks are executed by nbval (outputs compared). Exercise notebooks are committed
without outputs, so here each one is run with nbclient: every error must be the intended
NotImplementedError of an unfinished exercise, and every checker must say "not implemented".
"""

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
CHECK_CALL = re.compile(r"(?<![\w.])check\.\w+\(")
EXERCISES = sorted((ROOT / "exercises").glob("[0-9]*.ipynb"))


def _load_tool():
    spec = importlib.util.spec_from_file_location(
        "make_exercises", ROOT / "tools/make_exercises.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_exercises = _load_tool()


def test_exercises_are_up_to_date():
    stale = make_exercises.generate(check=True)
    assert stale == [], f"run `make exercises`; out of date: {stale}"


def test_every_solution_has_an_exercise():
    solutions = {p.name for p in (ROOT / "solutions").glob("[0-9]*.ipynb")}
    assert solutions and solutions == {p.name for p in EXERCISES}


def test_strip_solutions_keeps_hints_and_indentation():
    source = (
        "def f(x):\n    # Hint: use np.tanh\n    ### BEGIN SOLUTION\n    y = np.tanh(x)\n"
        "    return y\n    ### END SOLUTION\n\n\nprint(f)"
    )
    out = make_exercises.strip_solutions(source)
    assert out == (
        "def f(x):\n    # Hint: use np.tanh\n    # YOUR CODE HERE\n"
        "    raise NotImplementedError()\n\n\nprint(f)"
    )
    md = make_exercises.strip_solutions("Q?\n### BEGIN SOLUTION\nA.\n### END SOLUTION\n", True)
    assert md == "Q?\n*Your answer here.*\n"
    with pytest.raises(ValueError, match="unbalanced"):
        make_exercises.strip_solutions("### BEGIN SOLUTION\nx = 1\n")


def test_solution_only_cells_are_dropped():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("keep"),
        nbformat.v4.new_code_cell("secret = 1", metadata={"tags": ["solution-only"]}),
        nbformat.v4.new_code_cell("x = 1", execution_count=3, outputs=[]),
    ]
    out = make_exercises.exercise_from_solution(nb)
    assert [c.source for c in out.cells] == ["keep", "x = 1"]
    assert out.cells[1].execution_count is None


def test_exercises_contain_no_solutions():
    for path in EXERCISES:
        text = path.read_text()
        assert "BEGIN SOLUTION" not in text and "raise NotImplementedError()" in text, path.name
        nb = nbformat.read(path, as_version=4)
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), path.name


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.name)
def test_fresh_exercise_fails_only_where_intended(path):
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, timeout=120, kernel_name="python3", allow_errors=True,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()  # fmt: skip
    checks = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.outputs:
            if output.output_type == "error":
                assert output.ename == "NotImplementedError", (path.name, cell.source)
        if CHECK_CALL.search(cell.source):
            checks += 1
            text = "".join(
                o.get("data", {}).get("text/plain", "") + o.get("text", "") for o in cell.outputs
            )
            assert "not implemented" in text.lower(), (path.name, cell.source, text)
            assert not any(o.output_type == "error" for o in cell.outputs), cell.source
    assert checks >= 1, f"{path.name} has no check cell"
