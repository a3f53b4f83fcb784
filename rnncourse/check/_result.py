"""The answer of an exercise check: truthy when right, with a message and a hint.

A :class:`CheckResult` shows itself as one or two lines of plain text (``repr``, which nbval
compares, so it holds no addresses, timings or random numbers) and, in JupyterLab, as a
coloured box: green when the answer is right, amber with the likely mistake when it is not.

Autograding: when nbgrader runs a notebook (``nbgrader autograde``, or ``nbgrader validate``
and the Validate button), it sets the environment variable ``NBGRADER_EXECUTION``. Then a
failed result raises :class:`AssertionError` with its message as soon as it is made, so the
check cell shows an error and loses its points. Learners, who run without that variable, only
ever see the friendly result; a checker never raises for them.
"""

import html
import os
import re

_PASS_MARK = "✓"
_FAIL_MARK = "✗"

_BOX = (
    "<div style='border-left:5px solid {edge};background:{fill};color:#1f2328;"
    "padding:6px 12px;margin:4px 0;border-radius:3px;line-height:1.45'>{body}</div>"
)
_PASS_COLOURS = {"edge": "#1a7f37", "fill": "#e8f5ec"}
_FAIL_COLOURS = {"edge": "#b35900", "fill": "#fff4e0"}


def _to_html(text):
    """Escape ``text`` (it may quote the learner's error messages), then show `code` as code."""
    escaped = html.escape(text, quote=True)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)


class CheckResult:
    """What a checker found.

    Attributes:
    - passed: True when the learner's function gave the right answer
    - name: the name of the function that was checked, e.g. ``"rnn_step_forward"``
    - message: what was found, in one sentence or two
    - hint: the likely mistake or what to try next (``None`` when there is nothing to add)

    ``bool(result)`` is ``passed``, so ``assert check.rnn_step_forward(fn)`` works in autograding.
    Under nbgrader (``NBGRADER_EXECUTION`` set) a failed result raises AssertionError instead
    of being returned, so a plain ``check.rnn_step_forward(fn)`` cell is an autograded test.
    """

    __slots__ = ("passed", "name", "message", "hint")

    def __init__(self, passed, name, message, hint=None):
        self.passed = bool(passed)
        self.name = str(name)
        self.message = str(message)
        self.hint = None if hint is None else str(hint)
        if not self.passed and os.environ.get("NBGRADER_EXECUTION"):
            raise AssertionError(repr(self))

    def __bool__(self):
        return self.passed

    def __repr__(self):
        mark = _PASS_MARK if self.passed else _FAIL_MARK
        lines = [f"{mark} {self.name}: {self.message}"]
        if self.hint:
            lines.append(f"  Hint: {self.hint}")
        return "\n".join(lines)

    __str__ = __repr__

    def _repr_html_(self):
        if self.passed:
            body = f"<b>{_PASS_MARK} {_to_html(self.name)}</b>: {_to_html(self.message)}"
            return _BOX.format(body=body, **_PASS_COLOURS)
        body = f"<b>{_FAIL_MARK} {_to_html(self.name)}</b>: {_to_html(self.message)}"
        if self.hint:
            body += f"<br><b>Hint:</b> {_to_html(self.hint)}"
        return _BOX.format(body=body, **_FAIL_COLOURS)
