"""autograder.exchange: which inbound submissions are collected (the two-user cases run in test_hub.py)."""

from __future__ import annotations

import getpass
import os

from autograder.exchange import _problem


def test_own_plain_submission_is_accepted(tmp_path):
    (tmp_path / "sub" / "data").mkdir(parents=True)
    (tmp_path / "sub" / "nb.ipynb").write_text("{}")
    assert _problem(str(tmp_path / "sub"), getpass.getuser()) is None


def test_links_are_refused(tmp_path):
    (tmp_path / "sub").mkdir()
    os.symlink("/etc/passwd", tmp_path / "sub" / "nb.ipynb")
    assert _problem(str(tmp_path / "sub"), getpass.getuser()) == f"{tmp_path / 'sub' / 'nb.ipynb'} is a link"
    os.symlink(tmp_path / "sub", tmp_path / "linked")
    assert "is a link" in _problem(str(tmp_path / "linked"), getpass.getuser())


def test_unknown_or_other_student_is_refused(tmp_path):
    (tmp_path / "sub").mkdir()
    unknown = _problem(str(tmp_path / "sub"), "no-such-user-x9")
    assert unknown == "no-such-user-x9 is not a user of this machine"
    other = "nobody" if getpass.getuser() != "nobody" else "root"
    assert _problem(str(tmp_path / "sub"), other).startswith(f"it claims to be from {other}")
