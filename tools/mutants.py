"""Mutation testing of the exercise checkers: does each checker reject every wrong answer?

    python tools/mutants.py                    # chapters 01-11 (every solution notebook)
    python tools/mutants.py --chapters 01 04   # some chapters
    python tools/mutants.py --exercise ch04_lstm_forward --show killed
    make mutants CHAPTERS="01 02"

For every answer cell of a solution notebook (a code cell with ``### BEGIN SOLUTION``, whose
nbgrader ``grade_id`` names the exercise), the tool builds a temporary module: the notebook's
imports, then every answer cell up to this one (a sequence exercise may call the learner's
step). cosmic-ray's mutation operators (every core operator that takes no arguments) change
one spot at a time *between the markers of this cell*, the code a learner writes. Each mutant
module is executed and its function is given to the checker that the exercise's check cell
calls (``check.NAME(fn)``): the mutant is killed when the checker's result is falsy (or it
raises, fails to compile, or runs past the timeout).

A surviving mutant is either equivalent (it computes the same answer; listed with its reason in
tools/mutants_equivalent.toml) or a hole in the checker. The tool prints a table per exercise
(generated, killed, equivalent, surviving), then every surviving mutant as a diff line, and
exits 1 when a surviving mutant is not listed as equivalent.

Why cosmic-ray: it exposes its operators and ``mutate_code`` as a library, so each mutant is
judged in this process by the checker itself (a few milliseconds each, thousands of mutants in
minutes); mutmut 3 runs a pytest suite through its own trampolines and test selection, which
does not fit a judge that is a function call.
"""

import argparse
import ast
import os
import re
import signal
import sys
import textwrap
import warnings
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
EQUIVALENT = Path(__file__).with_name("mutants_equivalent.toml")
BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
CHECK_CALL = re.compile(r"check\.(\w+)\((\w+)\)")
DEF = re.compile(r"^def (\w+)\(", re.MULTILINE)


@dataclass
class Exercise:
    """One answer cell: the module to mutate and how to judge it."""

    name: str  # the cell's grade_id, e.g. "ch04_lstm_forward"
    function: str  # the function the checker is given
    checker: str  # the name in rnncourse.check
    source: str  # imports + answer cells up to this one
    region: tuple  # (first, last) line numbers (1-based, inclusive) a mutant may change


@dataclass
class Mutant:
    operator: str
    occurrence: int
    line: int  # 1-based, in the exercise's source
    original: str  # that line before and after (stripped)
    mutated: str
    code: str = field(repr=False)


# ---------------------------------------------------------------- exercises from notebooks


def _imports(cells):
    """The top-level import statements of the code cells, in order, without duplicates."""
    lines = []
    for source in cells:
        try:
            tree = ast.parse(source)
        except SyntaxError:  # a cell with IPython magics
            continue
        for node in tree.body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                text = ast.get_source_segment(source, node)
                if text not in lines:
                    lines.append(text)
    return lines


def exercises_from_cells(cells, chapter=""):
    """Exercises of one notebook, given its code cells as ``(source, metadata)`` pairs."""
    sources = [s for s, _ in cells]
    header = "\n".join(_imports(sources)) + "\n"
    out, answers = [], []
    for k, (source, meta) in enumerate(cells):
        if BEGIN not in source:
            continue
        answers.append(source)
        defs = DEF.findall(source)
        grade_id = meta.get("nbgrader", {}).get("grade_id") or f"ch{chapter}_{defs[0]}"
        check = next(
            (m for s in sources[k + 1 :] for m in CHECK_CALL.finditer(s) if m.group(2) in defs),
            None,
        )
        if check is None:
            continue
        prefix = header + "\n\n".join(answers[:-1]) + ("\n\n" if len(answers) > 1 else "")
        start = prefix.count("\n") + 1  # the cell's first line
        lines = source.split("\n")
        first = next(i for i, text in enumerate(lines) if BEGIN in text)
        last = max(i for i, text in enumerate(lines) if END in text)
        out.append(
            Exercise(
                grade_id,
                check.group(2),
                check.group(1),
                prefix + source + "\n",
                (start + first, start + last),
            )
        )
    return out


def notebook_exercises(path):
    import nbformat

    nb = nbformat.read(path, as_version=4)
    cells = [(c.source, c.metadata) for c in nb.cells if c.cell_type == "code"]
    return exercises_from_cells(cells, path.name[:2])


# ---------------------------------------------------------------- mutants (cosmic-ray)


def operators():
    """``(name, instance)`` for every cosmic-ray core operator that takes no arguments."""
    import cosmic_ray.plugins

    out = []
    for name in cosmic_ray.plugins.operator_names():
        if not name.startswith("core/"):
            continue
        cls = cosmic_ray.plugins.get_operator(name)
        if not cls.arguments():
            out.append((name, cls()))
    return out


def mutants(source, region):
    """Every single-spot mutant of ``source`` whose change starts on a line in ``region``."""
    from cosmic_ray.ast import ast_nodes, get_ast
    from cosmic_ray.mutating import mutate_code

    lines = source.split("\n")
    out = []
    for name, operator in operators():
        positions = [
            start
            for node in ast_nodes(get_ast(source))
            for start, _ in operator.mutation_positions(node)
        ]
        for occurrence, (row, _) in enumerate(positions):
            if not region[0] <= row <= region[1]:
                continue
            code = mutate_code(source, operator, occurrence)
            if code is None or code == source:
                continue
            new_lines = code.split("\n")
            changed = next(
                (i for i, (a, b) in enumerate(zip(lines, new_lines, strict=False)) if a != b),
                row - 1,
            )
            mutated = new_lines[changed].strip() if changed < len(new_lines) else ""
            out.append(Mutant(name, occurrence, changed + 1, lines[changed].strip(), mutated, code))
    return out


# ---------------------------------------------------------------- judging


class Timeout(BaseException):  # not an Exception: the checkers' own handlers let it through
    pass


def _alarm(signum, frame):
    raise Timeout()


def judge(code, function, checker, timeout=10.0):
    """``"killed"`` or ``"survived"``, and the checker's message (or why it was killed)."""
    if callable(checker):
        run_check = checker
    else:
        from rnncourse import check

        run_check = getattr(check, checker)
    namespace = {"__name__": "_mutant"}
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        with warnings.catch_warnings():  # e.g. `is` with a literal: the mutant's, not ours
            warnings.simplefilter("ignore", SyntaxWarning)
            compiled = compile(code, "<mutant>", "exec")
        exec(compiled, namespace)  # noqa: S102 (our own solutions, mutated)
        result = run_check(namespace[function])
    except Timeout:
        return "killed", f"ran past the timeout ({timeout:g} s)"
    except BaseException as exc:  # a mutant that does not compile or import
        return "killed", f"{type(exc).__name__}: {exc}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    return ("survived" if result else "killed"), repr(result)


# ---------------------------------------------------------------- the equivalent list


def load_equivalent(path=EQUIVALENT):
    """``{(exercise, operator, original line, mutated line): reason}`` from the TOML list."""
    if not path.exists():
        return {}
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {
        (e["exercise"], e["operator"], e["line"], e["mutant"]): e["reason"]
        for e in data.get("equivalent", [])
    }


def key(exercise, mutant):
    return (exercise.name, mutant.operator, mutant.original, mutant.mutated)


# ---------------------------------------------------------------- main


def run(exercises, equivalent, timeout=10.0, show=(), out=sys.stdout):
    """Judge every mutant of every exercise; return the table rows and the holes."""
    rows, holes, used = [], [], set()
    for exercise in exercises:
        base, message = judge(exercise.source, exercise.function, exercise.checker, timeout)
        if base != "survived":
            print(f"{exercise.name}: the solution itself fails its checker: {message}", file=out)
            holes.append((exercise, None, message))
            continue
        counts = {"generated": 0, "killed": 0, "equivalent": 0, "surviving": 0}
        for mutant in mutants(exercise.source, exercise.region):
            counts["generated"] += 1
            verdict, message = judge(mutant.code, exercise.function, exercise.checker, timeout)
            k = key(exercise, mutant)
            if verdict == "killed":
                counts["killed"] += 1
                if "killed" in show:
                    print(f"  killed {exercise.name} {_describe(mutant)}", file=out)
                    print(textwrap.indent(message, "      "), file=out)
            elif k in equivalent:
                counts["equivalent"] += 1
                used.add(k)
            else:
                counts["surviving"] += 1
                holes.append((exercise, mutant, message))
        rows.append((exercise.name, counts))
    stale = [k for k in equivalent if k not in used and k[0] in {e.name for e in exercises}]
    return rows, holes, stale


def _describe(mutant):
    return (
        f"line {mutant.line} [{mutant.operator.removeprefix('core/')}]: "
        f"{mutant.original!r} -> {mutant.mutated!r}"
    )


def table(rows):
    width = max([len("exercise")] + [len(name) for name, _ in rows])
    cols = ("generated", "killed", "equivalent", "surviving")
    lines = [f"| {'exercise':{width}} | " + " | ".join(cols) + " |"]
    lines.append(f"| {'-' * width} | " + " | ".join("-" * len(c) for c in cols) + " |")
    for name, counts in rows:
        lines.append(
            f"| {name:{width}} | " + " | ".join(f"{counts[c]:>{len(c)}}" for c in cols) + " |"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chapters", nargs="*", default=[], help="two-digit chapter numbers")
    parser.add_argument(
        "--exercise", nargs="*", default=[], help="grade_ids, e.g. ch01_rnn_forward"
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per mutant")
    parser.add_argument("--show", nargs="*", default=[], choices=["killed"])
    args = parser.parse_args(argv)
    os.environ.pop("NBGRADER_EXECUTION", None)  # failed checks must return, not raise
    chapters = {c.zfill(2) for c in " ".join(args.chapters).replace(",", " ").split()}
    paths = sorted(SOLUTIONS.glob("[0-9][0-9]_*.ipynb"))
    paths = [p for p in paths if not chapters or p.name[:2] in chapters]
    exercises = [e for p in paths for e in notebook_exercises(p)]
    if args.exercise:
        exercises = [e for e in exercises if e.name in args.exercise]
    if not exercises:
        print("no exercise matches", file=sys.stderr)
        return 2
    import numpy as np

    np.seterr(all="ignore")
    rows, holes, stale = run(exercises, load_equivalent(), args.timeout, args.show)
    print(table(rows))
    for exercise, mutant, message in holes:
        if mutant is not None:
            print(f"\nSURVIVED {exercise.name} {_describe(mutant)}")
            print(textwrap.indent(message, "    "))
    for k in stale:
        print(f"\nnote: listed as equivalent but not generated any more: {k}")
    return 1 if holes else 0


if __name__ == "__main__":
    sys.exit(main())
