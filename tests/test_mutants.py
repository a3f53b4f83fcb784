"""tools/mutants.py (make mutants) on one small function: extraction, mutation and judging.

The full run over the solutions takes minutes and is `make mutants`; this checks the machinery
in a second: answer cells become a module, mutants change only the lines between the markers,
a checker that rejects a mutant kills it, and the equivalent list and the table work.
"""

import importlib.util
import sys
from pathlib import Path

import pytest

pytest.importorskip("cosmic_ray")

ROOT = Path(__file__).resolve().parents[1]


def _load_tool():
    spec = importlib.util.spec_from_file_location("mutants", ROOT / "tools/mutants.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["mutants"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


mutants = _load_tool()

CELLS = [
    ("import numpy as np\nfrom math import sqrt", {}),
    (
        "def scale(x, k):\n"
        '    """x times k, plus one."""\n'
        "    y = x  # outside the markers: never mutated\n"
        "    ### BEGIN SOLUTION\n"
        "    return y * k + 1\n"
        "    ### END SOLUTION",
        {"nbgrader": {"grade_id": "ch99_scale"}},
    ),
    ("check.scale(scale)", {}),
]


def check_scale(fn):
    """A small checker: the right answer on three cases."""
    return all(fn(x, k) == x * k + 1 for x, k in ((1, 3), (2, 5), (-4, 0)))


def test_an_answer_cell_becomes_an_exercise():
    (ex,) = mutants.exercises_from_cells(CELLS, "99")
    assert (ex.name, ex.function, ex.checker) == ("ch99_scale", "scale", "scale")
    lines = ex.source.split("\n")
    assert lines[0] == "import numpy as np" and lines[1] == "from math import sqrt"
    first, last = ex.region
    assert "BEGIN SOLUTION" in lines[first - 1] and "END SOLUTION" in lines[last - 1]


def test_mutants_change_only_the_answer_and_a_good_checker_kills_them():
    (ex,) = mutants.exercises_from_cells(CELLS, "99")
    found = mutants.mutants(ex.source, ex.region)
    assert found, "cosmic-ray made no mutant"
    assert {m.original for m in found} == {"return y * k + 1"}
    assert "return y * k - 1" in {m.mutated for m in found}
    assert mutants.judge(ex.source, ex.function, check_scale)[0] == "survived"
    verdicts = {m.mutated: mutants.judge(m.code, ex.function, check_scale)[0] for m in found}
    assert verdicts["return y * k - 1"] == "killed"
    # a weak checker lets a mutant through: one that only tries k = 1 (y ** 1 == y * 1)
    weak = mutants.judge(
        next(m for m in found if m.mutated == "return y ** k + 1").code,
        ex.function,
        lambda fn: fn(2, 1) == 3,
    )
    assert weak[0] == "survived"


def test_run_counts_and_equivalents(capsys):
    (ex,) = mutants.exercises_from_cells(CELLS, "99")
    found = mutants.mutants(ex.source, ex.region)
    pow_mutant = next(m for m in found if m.mutated == "return y ** k + 1")

    def weak(fn):
        return fn(2, 1) == 3

    ex.checker = weak
    equivalent = {mutants.key(ex, pow_mutant): "y ** 1 == y * 1 (for this test only)"}
    rows, holes, stale = mutants.run([ex], equivalent, timeout=5)
    ((name, counts),) = rows
    assert name == "ch99_scale" and counts["generated"] == len(found)
    assert counts["equivalent"] == 1 and stale == []
    assert counts["killed"] + counts["equivalent"] + counts["surviving"] == counts["generated"]
    assert all(m is not None for _, m, _ in holes) and len(holes) == counts["surviving"]
    assert "| ch99_scale" in mutants.table(rows)


def test_a_mutant_that_never_returns_is_killed_by_the_timeout():
    code = "def forever(x):\n    while True:\n        pass\n"
    verdict, message = mutants.judge(code, "forever", lambda fn: fn(1), timeout=0.2)
    assert verdict == "killed" and "timeout" in message


def test_the_equivalent_list_parses():
    listed = mutants.load_equivalent()
    assert listed and all(reason.strip() for reason in listed.values())
