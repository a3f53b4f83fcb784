"""Extract the corpus rnncourse/data/stdlib_docstrings.txt from Python's standard library.

Run once, by a maintainer, with the Python the snapshot names (the text of the docstrings
differs between Python versions, and the chapters' stored outputs depend on it)::

    python scripts/extract_docstrings.py

It parses (never imports) the source files of the modules listed in MODULES, takes the
docstring of each module, class and function in the order they appear, keeps the ones that
read as prose, and writes them separated by blank lines. The library is not read at run
time: the package ships the snapshot. The docstrings are part of Python, copyright the
Python Software Foundation, under the PSF License Agreement; the script copies that licence
next to the snapshot (stdlib_docstrings.LICENSE.txt).
"""

import ast
import sys
import sysconfig
import textwrap
from pathlib import Path

#: Modules whose docstrings are mostly plain English prose, in the order they are written.
MODULES = (
    "abc", "argparse", "bisect", "calendar", "collections/__init__", "contextlib", "copy",
    "csv", "dataclasses", "difflib", "enum", "fractions", "functools", "glob", "heapq",
    "inspect", "json/__init__", "json/decoder", "json/encoder", "logging/__init__",
    "pathlib", "pprint", "queue", "random", "shutil", "statistics", "string",
    "subprocess", "tempfile", "textwrap", "threading", "timeit", "typing", "warnings",
    "zipfile", "ast", "codecs", "configparser", "datetime", "email/message", "logging/handlers",
    "os", "tarfile", "unittest/case", "urllib/parse",
)  # fmt: skip

#: At most this many characters in the snapshot.
MAX_CHARS = 250_000

_OUT = Path(__file__).resolve().parent.parent / "rnncourse" / "data"


def _prose(doc):
    """True when a cleaned docstring reads as prose: ASCII, long enough, no code in it.

    Code (doctests, indented examples, tables) is left out: it is what a small model imitates
    worst, and it spends the model's capacity on spaces.
    """
    lines = doc.splitlines()
    return (
        doc.isascii()
        and len(doc) >= 80
        and ">>>" not in doc
        and "``" not in doc
        and not any(line.startswith((" ", "\t")) for line in lines)
    )


def docstrings(source):
    """The docstrings of a module's source text, module first, then in source order."""
    tree = ast.parse(source)
    nodes = [tree] + [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    nodes.sort(key=lambda node: getattr(node, "lineno", 0))
    found = []
    for node in nodes:
        doc = ast.get_docstring(node, clean=True)
        if doc and _prose(doc):
            found.append("\n".join(line.rstrip() for line in doc.splitlines()))
    return found


def main():
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    parts, size = [], 0
    for name in MODULES:
        for doc in docstrings((stdlib / f"{name}.py").read_text(encoding="utf-8")):
            if size + len(doc) + 2 > MAX_CHARS:
                break
            parts.append(doc)
            size += len(doc) + 2
    text = "\n\n".join(parts) + "\n"
    (_OUT / "stdlib_docstrings.txt").write_text(text, encoding="utf-8")
    licence = (stdlib / "LICENSE.txt").read_text(encoding="utf-8")
    version = ".".join(map(str, sys.version_info[:3]))
    note = (
        "stdlib_docstrings.txt: docstrings of Python's standard library, extracted from the\n"
        f"source of Python {version} by scripts/extract_docstrings.py, from the modules\n"
        + textwrap.fill(", ".join(m.replace("/__init__", "") for m in MODULES) + ".", 88)
        + "\n\n"
        "Copyright (c) Python Software Foundation; All Rights Reserved (the full notice\n"
        "is in the licence below). Used under the PSF License Agreement, reproduced below\n"
        "from the same Python installation (LICENSE.txt).\n\n" + "=" * 72 + "\n\n" + licence
    )
    (_OUT / "stdlib_docstrings.LICENSE.txt").write_text(note, encoding="utf-8")
    print(f"{len(parts)} docstrings, {len(text):,} characters, Python {version}")


if __name__ == "__main__":
    main()
