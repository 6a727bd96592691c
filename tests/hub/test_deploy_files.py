"""The deployment's files say what docs/jupyterhub.md says they do (fast; no root, no servers)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml
from traitlets.config.loader import PyFileConfigLoader

from autograder.config import ROOT

DEPLOY = ROOT / "deploy" / "jupyterhub"


def _hub_config(monkeypatch, **env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return PyFileConfigLoader("jupyterhub_config.py", path=str(DEPLOY)).load_config()


def test_hub_config_roles_and_services(monkeypatch, tmp_path):
    c = _hub_config(monkeypatch, DL_COURSE_ROOT=str(tmp_path / "grader" / "dl-course"), DL_SPAWNER="local")
    assert c.PAMAuthenticator.allowed_groups == {"dl-students", "dl-instructors"}
    assert "formgrade-dl-course" in c.JupyterHub.load_groups
    services = {s["name"]: s for s in c.JupyterHub.services}
    formgrader = services["dl-course"]  # nbgrader finds the formgrader by the course id
    assert formgrader["user"] == "grader-dl-course"
    assert formgrader["url"].startswith("http://127.0.0.1:")
    assert formgrader["timeout"] >= 120  # JupyterHub exits when a managed service is not up in time
    assert formgrader["cwd"] == str(tmp_path / "grader")  # holds the course root, is not the clone
    assert formgrader["environment"]["JUPYTER_CONFIG_PATH"].split(":")[0].endswith("config/grader")
    assert c.Spawner.environment["JUPYTER_CONFIG_PATH"].split(":")[0].endswith("config/student")
    roles = {r["name"]: r for r in c.JupyterHub.load_roles}
    assert roles["formgrade-dl-course"]["groups"] == ["formgrade-dl-course"]
    assert "access:services!service=dl-course" in roles["formgrade-dl-course"]["scopes"]
    assert "jupyterhub_idle_culler" in services["idle-culler"]["command"]
    assert set(roles["idle-culler"]["scopes"]) == {"list:users", "read:users:activity", "read:servers",
                                                   "delete:servers"}
    assert Path(c.Spawner.cmd[0]) == ROOT / ".venv" / "bin" / "jupyterhub-singleuser"
    assert c.JupyterHub.spawner_class == "jupyterhub.spawner.LocalProcessSpawner"
    assert c.JupyterHub.bind_url == "http://127.0.0.1:8000"


def test_hub_config_limits_with_systemd(monkeypatch):
    c = _hub_config(monkeypatch, DL_SPAWNER="systemd", DL_MEM_LIMIT="3G")
    assert c.JupyterHub.spawner_class == "systemdspawner.SystemdSpawner"
    assert c.Spawner.mem_limit == "3G" and c.Spawner.cpu_limit == 2.0
    assert c.SystemdSpawner.isolate_tmp is True


def test_student_servers_have_no_instructor_tools():
    server = json.loads((DEPLOY / "config" / "student" / "jupyter_server_config.json").read_text())
    extensions = server["ServerApp"]["jpserver_extensions"]
    assert extensions["nbgrader.server_extensions.formgrader"] is False
    assert extensions["nbgrader.server_extensions.course_list"] is False
    lab = json.loads((DEPLOY / "config" / "student" / "labconfig" / "page_config.json").read_text())
    disabled = {name for name, off in lab["disabledExtensions"].items() if off}
    assert disabled == {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                        "@jupyter/nbgrader:course-list"}


def test_grader_nbgrader_config_uses_the_course_folders(monkeypatch, tmp_path):
    monkeypatch.setenv("DL_COURSE_ROOT", str(tmp_path))
    monkeypatch.setenv("DL_EXCHANGE_ROOT", "/srv/x/exchange")
    grader = PyFileConfigLoader("nbgrader_config.py", path=str(DEPLOY / "config" / "grader")).load_config()
    course = PyFileConfigLoader("nbgrader_config.py", path=str(DEPLOY / "config" / "course")).load_config()
    assert grader.CourseDirectory.root == str(tmp_path)
    assert grader.CourseDirectory.db_url == f"sqlite:///{tmp_path / 'grading' / 'gradebook.db'}"
    assert Path(grader.CourseDirectory.submitted_directory) == tmp_path / "grading" / "submitted"
    assert grader.CourseDirectory.course_id == course.CourseDirectory.course_id == "dl-course"
    assert course.Exchange.root == "/srv/x/exchange"


@pytest.fixture(scope="module")
def values():
    return yaml.safe_load((DEPLOY / "z2jh-values.yaml").read_text())


def test_helm_values_structure(values):
    """What docs/jupyterhub.md describes; the keys were checked against the chart's values.schema.yaml
    (not available offline, so not here)."""
    assert set(values) <= {"hub", "singleuser", "cull", "proxy"}
    mounts = {m["name"]: m["mountPath"] for m in values["singleuser"]["storage"]["extraVolumeMounts"]}
    volumes = {v["name"]: v for v in values["singleuser"]["storage"]["extraVolumes"]}
    assert mounts["exchange"] == values["singleuser"]["extraEnv"]["DL_EXCHANGE_ROOT"]
    assert volumes["exchange"]["persistentVolumeClaim"]["claimName"] == "nbgrader-exchange"
    assert values["singleuser"]["memory"]["limit"] and values["singleuser"]["cpu"]["limit"]
    assert values["cull"]["enabled"] is True and values["cull"]["timeout"] == 3600
    assert "formgrade-dl-course" in values["hub"]["config"]["JupyterHub"]["load_groups"]
    assert values["proxy"]["https"]["enabled"] is True
    for name, code in values["hub"]["extraConfig"].items():
        compile(code, f"hub.extraConfig.{name}", "exec")  # valid Python before it reaches the hub pod


def test_setup_script_is_valid_bash():
    subprocess.run(["bash", "-n", str(DEPLOY / "setup.sh")], check=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="setup.sh checks for root before it reads its input")
@pytest.mark.parametrize(
    "csv_text, message",
    [
        ("id,name\nada,Ada\n", "has no student_id column (first line must be a header)"),
        ("student_id,name\n", "lists no student ids"),
        ("student_id\nada\nAda+Lovelace\n", "invalid student id 'Ada+Lovelace'"),
    ],
)
def test_setup_script_refuses_bad_class_lists(tmp_path, csv_text, message):
    """Bad input stops setup.sh before it changes anything: its first change, apt-get, is a stub here
    that fails loudly if reached."""
    (tmp_path / "apt-get").write_text("#!/bin/sh\necho 'apt-get reached'\nexit 99\n")
    (tmp_path / "apt-get").chmod(0o755)
    (tmp_path / "students.csv").write_text(csv_text)
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"}
    done = subprocess.run(["bash", str(DEPLOY / "setup.sh"), "--students", str(tmp_path / "students.csv")],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 1 and "apt-get reached" not in done.stdout
    assert message in done.stderr
