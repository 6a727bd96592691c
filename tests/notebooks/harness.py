"""Run notebook code in one live kernel, cell by cell, to try wrong answers against test cells."""

from __future__ import annotations

import os
import queue
from pathlib import Path

from jupyter_client.manager import start_new_kernel


class Kernel:
    """A python3 kernel started in ``cwd``; ``run(code)`` returns None on success or the error text."""

    def __init__(self, cwd: Path, timeout: float = 120):
        self.cwd, self.timeout = cwd, timeout

    def __enter__(self):
        env = dict(os.environ, PYTHONHASHSEED="0", MPLBACKEND="Agg")
        env.pop("AUTOGRADER_RECORD", None)
        self.km, self.kc = start_new_kernel(kernel_name="python3", cwd=str(self.cwd), env=env)
        return self

    def __exit__(self, *exc):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)

    def run(self, code: str) -> str | None:
        msg_id = self.kc.execute(code, store_history=False)
        error = None
        while True:
            try:
                msg = self.kc.get_iopub_msg(timeout=self.timeout)
            except queue.Empty:
                raise TimeoutError(f"cell did not finish in {self.timeout}s:\n{code[:300]}") from None
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "error":
                error = f"{msg['content']['ename']}: {msg['content']['evalue']}"
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return error
