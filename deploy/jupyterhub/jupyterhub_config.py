"""JupyterHub for the course on one Linux server (see docs/jupyterhub.md).

Students and instructors are local Unix users (PAM login). Members of the Unix group DL_STUDENTS_GROUP or
DL_INSTRUCTORS_GROUP may log in; the instructors are also put in the JupyterHub group
``formgrade-<course id>``, which may open the formgrader service. The formgrader runs as one grading
account (DL_GRADER_USER) over the course repository (DL_COURSE_ROOT), as nbgrader documents for "one
class, multiple graders". Assignments and feedback travel through nbgrader's exchange (DL_EXCHANGE_ROOT).

Every setting below can be changed with an environment variable of the same name (the systemd unit that
setup.sh installs reads them from /etc/dl-course/hub.env); the defaults are those setup.sh uses.
"""

import grp
import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821 (provided by traitlets when JupyterHub loads this file)

HERE = Path(__file__).resolve().parent
REPO = Path(os.environ.get("DL_REPO", HERE.parent.parent))  # the course repository and its .venv


def setting(name: str, default) -> str:
    return os.environ.get(name) or str(default)


COURSE_ID = setting("DL_COURSE_ID", "dl-course")
COURSE_ROOT = setting("DL_COURSE_ROOT", REPO)  # solutions/, course/, grading/ of the grading account
EXCHANGE_ROOT = setting("DL_EXCHANGE_ROOT", "/srv/nbgrader/exchange")
STATE = Path(setting("DL_HUB_STATE", "/srv/jupyterhub"))  # the hub's database and cookie secret
GRADER = setting("DL_GRADER_USER", f"grader-{COURSE_ID}")
STUDENTS_GROUP = setting("DL_STUDENTS_GROUP", "dl-students")
INSTRUCTORS_GROUP = setting("DL_INSTRUCTORS_GROUP", "dl-instructors")
HUB_IP = setting("DL_HUB_IP", "127.0.0.1")  # HTTPS is terminated by a reverse proxy in front of it
HUB_PORT = int(setting("DL_HUB_PORT", 8000))
HUB_API_PORT = int(setting("DL_HUB_API_PORT", 8081))
PROXY_API_PORT = int(setting("DL_PROXY_API_PORT", 8001))
FORMGRADER_PORT = int(setting("DL_FORMGRADER_PORT", 9999))
MEM_LIMIT = setting("DL_MEM_LIMIT", "4G")  # per student server, all its kernels included
CPU_LIMIT = float(setting("DL_CPU_LIMIT", 2))
IDLE_TIMEOUT = int(setting("DL_IDLE_TIMEOUT", 3600))  # seconds without activity before a server stops
# SystemdSpawner enforces the memory and CPU limits (cgroups); without systemd (a container, the test
# suite) servers are plain processes and the limits are not enforced.
SPAWNER = setting("DL_SPAWNER", "systemd" if Path("/run/systemd/system").is_dir() else "local")
VENV_BIN = REPO / ".venv" / "bin"
PROXY = setting("DL_PROXY", REPO / ".venv" / "node" / "node_modules" / ".bin" / "configurable-http-proxy")
PATH = f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin"
CONFIG = HERE / "config"  # Jupyter configuration directories: course (both), student, grader


def unix_group_members(name: str) -> list[str]:
    try:
        return sorted(grp.getgrnam(name).gr_mem)
    except KeyError:
        return []


FORMGRADE_GROUP = f"formgrade-{COURSE_ID}"  # nbgrader's naming: formgrade-<course id>
instructors = unix_group_members(INSTRUCTORS_GROUP)

# --- network: the public proxy, the hub's API and the proxy's API on the loopback interface --------------
c.JupyterHub.bind_url = f"http://{HUB_IP}:{HUB_PORT}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{HUB_API_PORT}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PROXY_API_PORT}"
c.ConfigurableHTTPProxy.command = [PROXY]
c.ConfigurableHTTPProxy.pid_file = str(STATE / "jupyterhub-proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")

# --- who may log in ---------------------------------------------------------------------------------
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.allowed_groups = {STUDENTS_GROUP, INSTRUCTORS_GROUP}
# Group membership is read from Unix when the hub starts (restart it after adding an instructor;
# load_groups only adds, see docs/jupyterhub.md for removing one).
c.JupyterHub.load_groups = {FORMGRADE_GROUP: {"users": instructors}}

# --- each user's server: the course environment, JupyterLab, the assignment list ---------------------
c.Spawner.cmd = [str(VENV_BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.environment = {
    "PATH": PATH,
    # student/: nbgrader's assignment list only; course/: the course id and the exchange
    "JUPYTER_CONFIG_PATH": f"{CONFIG / 'student'}:{CONFIG / 'course'}",
    "DL_COURSE_ID": COURSE_ID,
    "DL_EXCHANGE_ROOT": EXCHANGE_ROOT,
}
c.Spawner.mem_limit = MEM_LIMIT
c.Spawner.cpu_limit = CPU_LIMIT
c.Spawner.start_timeout = 120  # TensorFlow and PyTorch make the first start slow on a busy server
c.Spawner.http_timeout = 120
if SPAWNER == "systemd":
    c.JupyterHub.spawner_class = "systemdspawner.SystemdSpawner"
    c.SystemdSpawner.isolate_tmp = True  # a private /tmp per user
    c.SystemdSpawner.isolate_devices = True
    c.SystemdSpawner.disable_user_sudo = True
else:
    c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"

# --- services: the formgrader (instructors only) and idle culling -----------------------------------
c.JupyterHub.services = [
    {
        # The service's name is the course id: nbgrader's course list finds the formgrader by it.
        "name": COURSE_ID,
        "url": f"http://127.0.0.1:{FORMGRADER_PORT}",
        "command": [str(VENV_BIN / "jupyterhub-singleuser")],
        "user": GRADER,
        "timeout": 180,  # the hub gives up (and exits) if the service is not up by then; 30 s by default
        # The server's root holds the course root (formgrader requires it) but is not the clone itself,
        # whose own nbgrader_config.py (for `make lab`) would take precedence over config/grader/.
        "cwd": str(Path(COURSE_ROOT).parent),
        "environment": {
            "PATH": PATH,
            "JUPYTER_CONFIG_PATH": f"{CONFIG / 'grader'}:{CONFIG / 'course'}",
            "DL_COURSE_ID": COURSE_ID,
            "DL_COURSE_ROOT": COURSE_ROOT,
            "DL_EXCHANGE_ROOT": EXCHANGE_ROOT,
            # Formgrader in its own browser tab: JupyterHub >= 4.1 forbids the iframe JupyterLab would
            # embed it in (nbgrader#1948), and allowing frames would let any user's page frame it.
            "JUPYTERHUB_DEFAULT_URL": "/formgrader",
        },
    },
    {
        "name": "idle-culler",
        "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={IDLE_TIMEOUT}"],
    },
]
c.JupyterHub.load_roles = [
    {
        "name": FORMGRADE_GROUP,
        "groups": [FORMGRADE_GROUP],
        "scopes": [
            f"access:services!service={COURSE_ID}",
            "list:services",
            f"read:services!service={COURSE_ID}",
        ],
    },
    {
        "name": "idle-culler",
        "services": ["idle-culler"],
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    },
]
