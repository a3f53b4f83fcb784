"""Execute notebooks in place, so their stored outputs are what nbval compares against.

    python tools/execute_notebooks.py notebooks/01_*.ipynb solutions/01_*.ipynb

Each notebook runs in a fresh kernel from its own folder. Afterwards the saved widget state
(several MB of plotly.js per notebook) and per-cell timing metadata are stripped, and the
random ids in the outputs (widget model ids, plotly trace uids: new on every run) are replaced
by ids derived from the notebook's name, and printed text split over several stream outputs is
joined, so the files stay small and a re-run changes only what really changed (figures drawn
from timings, such as chapter 10's speed chart, still change). Prints each notebook's run time.
"""

import argparse
import hashlib
import os
import re
import sys
import time
import uuid
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


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
#: A random uuid4 as text ("1b4e28ba-2fa1-4d2b-a3c8-...") or bare hex (a widget model id).
RANDOM_ID = re.compile(
    r"\b[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\b"
    r"|\b[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}\b"
)


def coalesce_streams(nb):
    """Join consecutive outputs of the same stream (stdout, stderr) into one: how the kernel
    splits printed text between messages changes from run to run, the text does not."""
    for cell in nb.cells:
        merged = []
        for out in cell.get("outputs", []):
            last = merged[-1] if merged else None
            if (
                out.output_type == "stream"
                and last is not None
                and last.output_type == "stream"
                and last.name == out.name
            ):
                last.text = "".join(last.text) + "".join(out.text)
            else:
                merged.append(out)
        if "outputs" in cell:
            cell.outputs = merged
    return nb


def stable_ids(nb, name):
    """Replace every random id in the outputs by one derived from ``name`` and its order of
    first appearance, in the same form (dashed or bare hex). The same id gets the same
    replacement everywhere, so a widget view and its text still agree."""
    replacements = {}

    def replace(match):
        old = match.group(0)
        if old not in replacements:
            digest = hashlib.sha256(f"{name}:{len(replacements)}".encode()).hexdigest()[:32]
            new = uuid.UUID(hex=digest, version=4)
            replacements[old] = str(new) if "-" in old else new.hex
        return replacements[old]

    def walk(value):
        if isinstance(value, str):
            return RANDOM_ID.sub(replace, value)
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        return value

    for cell in nb.cells:
        if cell.get("outputs"):
            cell.outputs = nbformat.from_dict(walk(cell.outputs))
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
    nb = coalesce_streams(strip_volatile_metadata(nb))
    nbformat.write(stable_ids(nb, path.name), path)
    return elapsed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    # The stored outputs must not depend on (or change) the developer's own exercise record.
    os.environ["RNNCOURSE_PROGRESS"] = "off"
    for path in args.notebooks:
        print(f"{execute(path):6.1f} s  {path}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
