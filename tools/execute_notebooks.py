"""Execute notebooks in place, so their stored outputs are what nbval compares against.

    python tools/execute_notebooks.py notebooks/01_*.ipynb solutions/01_*.ipynb

Each notebook runs in a fresh kernel from its own folder. Afterwards the saved widget state
(several MB of plotly.js per notebook) and per-cell timing metadata are stripped, so the files
stay small and a re-run changes only what really changed. Prints each notebook's run time.
"""

import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def strip_volatile_metadata(nb):
    """Remove saved widget state and execution timings (they change on every run)."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("ExecuteTime", None)
    return nb


def execute(path, timeout=120):
    """Run one notebook in place; return the wall time in seconds."""
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    elapsed = time.perf_counter() - start
    nbformat.write(strip_volatile_metadata(nb), path)
    return elapsed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    for path in args.notebooks:
        print(f"{execute(path):6.1f} s  {path}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
