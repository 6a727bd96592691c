"""One scratch course root per test session, shared by the student and the instructor browser tests
(they run in one pytest-xdist group, one after the other)."""

from __future__ import annotations

import pytest

from . import lab


@pytest.fixture(scope="session")
def course_root(tmp_path_factory):
    if lab.chromium_missing():
        pytest.skip(lab.chromium_missing())
    return lab.scratch_root(tmp_path_factory.mktemp("lab"))
