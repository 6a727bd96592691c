"""nbgrader's exchange collect, trusting neither the student id a submission claims nor its links.

A submission's name in the exchange's inbound/ starts with the student id that `nbgrader submit` was
given, and `nbgrader submit --student someone-else` is available to every student: stock nbgrader only
warns ("cheating attempt?") and then collects it as that other student's latest submission, replacing
their work. And a student can write a folder into inbound/ by hand holding a symbolic link, which
nbgrader's collect, running as the grading account, follows: the link's target (a solution notebook, the
gradebook) would be collected, graded and shown back in the student's feedback.

On a server where each student is a Unix user (deploy/jupyterhub/), this collector skips, with an error in
the log, every submission that is not entirely the claimed student's: the folder and everything in it
must be owned by that student, and nothing in it may be a link. Selected by ``c.ExchangeFactory.collect``
in the grading account's nbgrader configuration.
"""

from __future__ import annotations

import os
import pwd
import stat

from nbgrader.exchange.default.collect import ExchangeCollect


def _problem(folder: str, student: str) -> str | None:
    """Why the submission folder is not entirely ``student``'s, or None."""
    try:
        uid = pwd.getpwnam(student).pw_uid
    except KeyError:
        return f"{student} is not a user of this machine"
    for root, dirs, files in os.walk(folder, followlinks=False):
        for path in [root, *(os.path.join(root, name) for name in dirs + files)]:
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                return f"{path} is a link"
            if info.st_uid != uid:
                try:
                    owner = pwd.getpwuid(info.st_uid).pw_name
                except KeyError:
                    owner = f"uid {info.st_uid}"
                return f"it claims to be from {student} but was submitted by {owner}"
    return None


class OwnerCheckedCollect(ExchangeCollect):
    def _path_to_record(self, path):
        record = super()._path_to_record(path)
        problem = _problem(os.path.join(self.inbound_path, record["filename"]), record["username"])
        if problem:
            self.log.error("Skipping %s: %s", record["filename"], problem)
            record["username"] = None  # grouped apart and dropped in init_src
        return record

    def init_src(self):
        super().init_src()
        self.src_records = [r for r in self.src_records if r["username"] is not None]
