"""nbgrader's exchange collect, without trusting the student id a submission claims.

A submission's name in the exchange's inbound/ starts with the student id that `nbgrader submit` was
given, and `nbgrader submit --student someone-else` is available to every student: stock nbgrader only
warns ("cheating attempt?") and then collects it as that other student's latest submission, replacing
their work. On a server where each student is a Unix user (deploy/jupyterhub/), the folder's owner is who
really submitted it; this collector skips, with an error in the log, every submission whose owner is
not the student it claims to be. Selected by ``c.ExchangeFactory.collect`` in the grading account's
nbgrader configuration.
"""

from __future__ import annotations

import os
import pwd

from nbgrader.exchange.default.collect import ExchangeCollect


class OwnerCheckedCollect(ExchangeCollect):
    def _path_to_record(self, path):
        record = super()._path_to_record(path)
        try:
            owner = pwd.getpwuid(os.lstat(os.path.join(self.inbound_path, record["filename"])).st_uid).pw_name
        except (KeyError, FileNotFoundError):
            owner = None
        if owner != record["username"]:
            self.log.error(
                "Skipping %s: it claims to be from %s but was submitted by %s",
                record["filename"], record["username"], owner or "an unknown user",
            )
            record["username"] = None  # grouped apart and dropped in init_src
        return record

    def init_src(self):
        super().init_src()
        self.src_records = [r for r in self.src_records if r["username"] is not None]
