"""The classroom hub's configuration, checked without a hub (make test runs this file).

``make test-classroom`` (run_classroom.py) checks the same things on a real JupyterHub; these
checks catch, in seconds, an nbgrader release that renames what the configuration names, and a
collect that stops skipping submissions made in a classmate's name.
"""

import getpass
import json
import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
STUDENT = HERE / "student"
INSTRUCTOR = HERE / "instructor"
INSTRUCTOR_TOOLS = {
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:course-list",
}
nbgrader = pytest.importorskip("nbgrader")


def _lab_extension_source():
    folder = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "@jupyter" / "nbgrader"
    return "".join(p.read_text(errors="replace") for p in folder.glob("static/*.js"))


def test_students_lose_exactly_the_instructor_plugins():
    page = json.loads((STUDENT / "labconfig" / "page_config.json").read_text())
    disabled = {name for name, off in page["disabledExtensions"].items() if off}
    assert disabled == INSTRUCTOR_TOOLS
    source = _lab_extension_source()
    for plugin in INSTRUCTOR_TOOLS | {"@jupyter/nbgrader:assignment-list"}:
        assert f'"{plugin}"' in source, f"nbgrader's JupyterLab extension has no {plugin}"


def test_students_servers_serve_the_assignment_list_only():
    installed = Path(sys.prefix) / "etc" / "jupyter" / "jupyter_server_config.d" / "nbgrader.json"
    names = set(json.loads(installed.read_text())["ServerApp"]["jpserver_extensions"])
    ours = json.loads((STUDENT / "jupyter_server_config.json").read_text())
    ours = ours["ServerApp"]["jpserver_extensions"]
    assert set(ours) == names, "every nbgrader server extension is set one way or the other"
    assert {name for name, on in ours.items() if on} == {
        "nbgrader.server_extensions.assignment_list",
        "nbgrader.server_extensions.validate_assignment",
    }


def _collect_class():
    namespace = {"get_config": lambda: __import__("traitlets.config").config.Config()}
    exec(compile((INSTRUCTOR / "nbgrader_config.py").read_text(), "nbgrader_config", "exec"),
         namespace)  # fmt: skip
    return namespace["OwnerCheckedCollect"], namespace["c"]


def test_collect_skips_submissions_made_in_a_classmates_name(tmp_path, monkeypatch):
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory

    cls, config = _collect_class()
    assert config.ExchangeFactory.collect is cls
    # nbgrader makes its gradebook with the `alembic` command of its own environment.
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    me = getpass.getuser()  # owns every folder made here
    inbound = tmp_path / "exchange" / "course" / "inbound"
    # My submission, then a newer one that I made in a classmate's name.
    for name, hour in [(me, 10), ("classmate", 11)]:
        (inbound / f"{name}+a1+2026-01-01 {hour}:00:00.000000 UTC+xyz").mkdir(parents=True)
    coursedir = CourseDirectory(root=str(tmp_path / "course"))
    Path(coursedir.root).mkdir()
    coursedir.course_id, coursedir.assignment_id = "course", "a1"
    collect = cls(coursedir=coursedir, authenticator=Authenticator(),
                  root=str(tmp_path / "exchange"))  # fmt: skip
    collect.init_src()
    assert [(r["username"], r["owner"]) for r in collect.src_records] == [(me, me)]

    # A student's own submission wins over a newer one made in their name by someone else.
    records = [
        {"username": me, "owner": me, "timestamp": 1},
        {"username": me, "owner": "classmate", "timestamp": 2},
    ]
    assert cls._sort_by_timestamp(collect, records)[0]["owner"] == me
