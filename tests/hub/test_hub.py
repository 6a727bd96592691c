"""A class on one JupyterHub (deploy/jupyterhub/), end to end with real processes and real Unix users.

JupyterHub and configurable-http-proxy run on 127.0.0.1 with the deployment's own configuration; a grading
account runs the formgrader service, one instructor opens it through the hub, two students work in their
own single-user servers. Everything a user does goes through the hub's proxy with that user's token:
nbgrader's assignment list (fetch, submit, fetch feedback) in the students' servers, formgrader's API
(release, collect, release feedback) in the service. Grading is this project's sandboxed grader, run as
root. The users, groups and every folder (homes, exchange, course, hub state) are created for the test
and removed afterwards.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from autograder.config import ROOT

requests = pytest.importorskip("requests")

DEPLOY = ROOT / "deploy" / "jupyterhub"
PROXY = ROOT / ".venv" / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
JUPYTERHUB = Path(sys.executable).parent / "jupyterhub"
ASSIGNMENT = "00-welcome"
COURSE_ID = "dl-course"
PORT = 18900  # the hub's public port; the next ones: hub API, proxy API, formgrader, students' servers
URL = f"http://127.0.0.1:{PORT}"

RIGHT_STANDARDIZE = (
    "def standardize(x):\n    mu = x.mean(axis=0)\n    sigma = x.std(axis=0)\n"
    "    return (x - mu) / np.where(sigma == 0, 1.0, sigma)\n"
)
# torch's sample standard deviation: one of the plausible wrong answers of tests/wrong_answers/00_welcome.py
WRONG_STANDARDIZE = "def standardize(x):\n    return (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)\n"
DTYPES = (
    'default_float_dtypes = {"numpy": "float64", "pytorch": "float32", "tensorflow": "float32"}\n'
    'default_int_dtypes = {"numpy": "int64", "pytorch": "int64", "tensorflow": "int32"}\n'
)

WARMUP = """
import sys
from pathlib import Path
from autograder.config import Course
from autograder.grading import expectations
from autograder.sandbox import Limits
root, assignment = Path(sys.argv[1]), sys.argv[2]
course = Course(solutions=root / "solutions", release=root / "course", grading=root / "grading")
expectations(course, assignment, Limits())
"""


def _missing() -> str | None:
    if os.geteuid() != 0:
        return "needs root: it creates Unix users and runs JupyterHub's LocalProcessSpawner and the grader"
    for tool in ("bwrap", "useradd", "userdel", "runuser", "unshare", "nsenter", "mount"):
        if shutil.which(tool) is None:
            return f"{tool} not found (install bubblewrap and util-linux: make system-deps)"
    if not PROXY.exists():
        return f"configurable-http-proxy not found at {PROXY}: run `make install` (needs npm)"
    if shutil.which("node") is None:
        return "node not found: configurable-http-proxy needs Node.js (make system-deps)"
    if not JUPYTERHUB.exists():
        return "jupyterhub is not installed in the environment: run `make install`"
    return None


pytestmark = [pytest.mark.slow, pytest.mark.skipif(_missing() is not None, reason=_missing() or "")]


def sh(*cmd: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def as_user(user: str, *cmd: str) -> subprocess.CompletedProcess:
    """``cmd`` run as the Unix user ``user`` (not checked: the caller asserts on the outcome)."""
    return subprocess.run(["runuser", "-u", user, "--", *cmd], capture_output=True, text=True)


class Hub:
    """The users, folders and JupyterHub process of one test run; ``close()`` removes all of them."""

    def __init__(self):
        self.tag = secrets.token_hex(3)
        self.base = Path(tempfile.mkdtemp(prefix="dl-hub-"))
        self.base.chmod(0o755)
        self.grader = f"hubgrader-{self.tag}"
        self.instructor = f"hubprof-{self.tag}"
        self.students = [f"hubstu1-{self.tag}", f"hubstu2-{self.tag}"]
        self.students_group = f"hubstudents-{self.tag}"
        self.instructors_group = f"hubprofs-{self.tag}"
        self.users: list[str] = []
        self.groups: list[str] = []
        self.process: subprocess.Popen | None = None
        self.children: list[subprocess.Popen] = []  # other processes the test started
        self.course = self.base / "course"  # the grading account's course root
        self.exchange = self.base / "exchange"
        self.state = self.base / "state"
        self.admin_token = secrets.token_hex(32)
        self.tokens: dict[str, str] = {}

    # --- Unix users, as setup.sh makes them ---------------------------------------------------------
    def add_group(self, name: str) -> None:
        sh("groupadd", name)
        self.groups.append(name)

    def add_user(self, name: str, group: str | None) -> None:
        home = self.base / "home" / name
        home.parent.mkdir(exist_ok=True)
        cmd = ["useradd", "--no-create-home", "--home-dir", str(home), "--shell", "/bin/bash", "--user-group"]
        sh(*cmd, *(["--groups", group] if group else []), name)
        self.users.append(name)
        home.mkdir(mode=0o700)
        os.chown(home, pwd.getpwnam(name).pw_uid, pwd.getpwnam(name).pw_gid)

    def home(self, user: str) -> Path:
        return self.base / "home" / user

    # --- the hub process -----------------------------------------------------------------------------
    def _mounts(self) -> list[str]:
        """Shell commands run in the hub's private mount namespace before it starts.

        Users must be able to run the environment's Python. Where the interpreter sits under a folder
        they cannot enter (pyenv under /root on the build machine; on a Debian server it is /usr/bin),
        only the interpreter's folder is made reachable, in the hub's namespace only. The checkout's
        solutions/ and grading/ are hidden from the servers, as setup.sh's chmod 700 does on a server.
        """
        cmds = []
        real = Path(os.path.realpath(sys.executable))
        for parent in list(real.parents)[::-1]:
            if not parent.stat().st_mode & 0o001:
                child = real.relative_to(parent).parts[0]
                shim = self.base / "interpreter"
                (shim / child).mkdir(parents=True)
                shim.chmod(0o711)
                cmds.append(f"mount --bind '{parent / child}' '{shim / child}'")
                cmds.append(f"mount --rbind '{shim}' '{parent}'")
                break
        for private in ("solutions", "grading"):
            if (ROOT / private).is_dir():
                cmds.append(f"mount -t tmpfs -o size=1m,mode=700 tmpfs '{ROOT / private}'")
        return cmds

    def start(self) -> None:
        self.state.mkdir(mode=0o700)
        ports = {name: PORT + 10 + i for i, name in enumerate([self.instructor, *self.students])}
        overlay = self.state / "test_config.py"
        overlay.write_text(
            f"""c = get_config()  # noqa
load_subconfig({str(DEPLOY / "jupyterhub_config.py")!r})
# the test's driver: an admin service that creates the users' tokens and starts their servers
c.JupyterHub.services.append({{"name": "test-driver", "api_token": {self.admin_token!r}}})
c.JupyterHub.load_roles.append({{"name": "admin", "services": ["test-driver"]}})
PORTS = {ports!r}  # single-user servers on the test's own ports


def _port(spawner):
    spawner.port = PORTS[spawner.user.name]


c.Spawner.pre_spawn_hook = _port
"""
        )
        env = {
            **os.environ,
            "DL_COURSE_ID": COURSE_ID,
            "DL_COURSE_ROOT": str(self.course),
            "DL_EXCHANGE_ROOT": str(self.exchange),
            "DL_HUB_STATE": str(self.state),
            "DL_GRADER_USER": self.grader,
            "DL_STUDENTS_GROUP": self.students_group,
            "DL_INSTRUCTORS_GROUP": self.instructors_group,
            "DL_HUB_PORT": str(PORT),
            "DL_HUB_API_PORT": str(PORT + 1),
            "DL_PROXY_API_PORT": str(PORT + 2),
            "DL_FORMGRADER_PORT": str(PORT + 3),
            "DL_SPAWNER": "local",
        }
        script = " && ".join([*self._mounts(), 'exec "$@"'])
        log = open(self.state / "hub.log", "w")
        self.process = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script, "sh",
             str(JUPYTERHUB), "-f", str(overlay)],
            cwd=self.state, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        # the hub routes its API only once the formgrader service is up (up to the service's timeout)
        self.wait(lambda: self.get("/hub/api/", self.admin_token).status_code == 200, 240, "the hub to start")

    def log(self) -> str:
        path = self.state / "hub.log"
        lines = path.read_text(errors="replace").splitlines() if path.exists() else []
        # the hub's errors first, then the end, without the proxy's 404s while the test waits for routes
        errors = [line for line in lines if line.startswith(("[E ", "[C "))][:20]
        tail = [line for line in lines if "/hub/api/" not in line][-60:]
        return "\n".join([*errors, "...", *tail])

    def wait(self, ready, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"the hub exited while waiting for {what}:\n{self.log()}")
            try:
                if ready():
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}:\n{self.log()}")

    # --- HTTP through the proxy, as a given token's owner --------------------------------------------
    def get(self, path: str, token: str, follow: bool = False):
        return requests.get(URL + path, headers={"Authorization": f"token {token}"}, timeout=120,
                            allow_redirects=follow)

    def post(self, path: str, token: str, **kw):
        return requests.post(URL + path, headers={"Authorization": f"token {token}"}, timeout=300,
                             allow_redirects=False, **kw)

    def put(self, path: str, token: str, **kw):
        return requests.put(URL + path, headers={"Authorization": f"token {token}"}, timeout=120,
                            allow_redirects=False, **kw)

    def api(self, method: str, path: str, **kw):
        response = getattr(self, method)("/hub/api" + path, self.admin_token, **kw)
        assert response.status_code < 300, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.text else None

    def token_for(self, user: str) -> str:
        if user not in self.tokens:
            self.tokens[user] = self.api("post", f"/users/{user}/tokens", json={"note": "test"})["token"]
        return self.tokens[user]

    def spawn(self, users: list[str]) -> None:
        for user in users:
            self.api("post", f"/users/{user}/server")
        for user in users:
            self.wait(lambda u=user: self.api("get", f"/users/{u}")["servers"].get("", {}).get("ready"),
                      180, f"{user}'s server")

    # --- nbgrader's assignment list (students) and formgrader (instructors) ---------------------------
    def assignment_action(self, student: str, action: str) -> list:
        response = self.post(f"/user/{student}/assignments/{action}", self.token_for(student),
                             json={"assignment_id": ASSIGNMENT, "course_id": COURSE_ID})
        assert response.status_code == 200, f"{action} as {student}: {response.status_code} {response.text}"
        result = response.json()
        assert result["success"], f"{action} as {student} failed: {result}\n{self.log()}"
        return result["value"]

    def formgrader(self, action: str) -> dict:
        path = f"/services/{COURSE_ID}/formgrader/api/assignment/{ASSIGNMENT}/{action}"
        response = self.post(path, self.token_for(self.instructor))
        assert response.status_code == 200, f"formgrader {action}: {response.status_code} {response.text}"
        result = response.json()
        assert result["success"], f"formgrader {action} failed: {result}"
        return result

    def notebook(self, user: str, path: str) -> dict:
        response = self.get(f"/user/{user}/api/contents/{path}", self.token_for(user))
        assert response.status_code == 200, f"{user} reading {path}: {response.status_code}"
        return response.json()

    def in_users_shell(self, user: str, *cmd: str) -> subprocess.CompletedProcess:
        """``cmd`` run as ``user`` in their home folder with their server's environment, as in their
        JupyterLab terminal (inside the hub's mount namespace, where the interpreter is reachable)."""
        env = [f"HOME={self.home(user)}", f"PATH={Path(sys.executable).parent}:/usr/bin:/bin",
               f"JUPYTER_CONFIG_PATH={DEPLOY / 'config' / 'student'}:{DEPLOY / 'config' / 'course'}",
               f"DL_COURSE_ID={COURSE_ID}", f"DL_EXCHANGE_ROOT={self.exchange}"]
        return subprocess.run(
            ["nsenter", f"--target={self.process.pid}", "--mount", "runuser", "-u", user, "--",
             "env", "-i", *env, "sh", "-c", 'cd "$HOME" && exec "$@"', "sh", *cmd],
            capture_output=True, text=True,
        )

    # --- teardown ------------------------------------------------------------------------------------
    def close(self) -> None:
        for child in self.children:
            if child.poll() is None:
                child.kill()
                child.wait()
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # the hub stops its servers, services and proxy
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        proxy_pid = self.state / "jupyterhub-proxy.pid"  # the hub leaves its proxy running if it crashed
        if proxy_pid.exists():
            try:
                os.kill(int(proxy_pid.read_text().strip()), signal.SIGTERM)
            except (ValueError, ProcessLookupError):
                pass
        for user in self.users:  # anything the test users still run was started by this test
            uid = pwd.getpwnam(user).pw_uid
            for entry in os.listdir("/proc"):
                if entry.isdigit():
                    try:
                        if os.stat(f"/proc/{entry}").st_uid == uid:
                            os.kill(int(entry), signal.SIGKILL)
                    except (FileNotFoundError, ProcessLookupError):
                        pass
        for user in reversed(self.users):
            subprocess.run(["userdel", user], capture_output=True)
        for group in self.groups:
            subprocess.run(["groupdel", group], capture_output=True)
        shutil.rmtree(self.base, ignore_errors=True)


def _answer(notebook: dict, answers: dict[str, str]) -> dict:
    """The fetched notebook with the answer cells of ``answers`` (grade_id -> source) filled in."""
    for cell in notebook["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell["source"] = answers[grade_id]
    return notebook


@pytest.fixture
def hub():
    h = Hub()
    try:
        yield h
    finally:
        h.close()


def test_a_class_on_jupyterhub(hub):
    timings = {}
    clock = time.monotonic()

    def lap(name):
        nonlocal clock
        now = time.monotonic()
        timings[name] = now - clock
        clock = now

    # The server as setup.sh leaves it: groups, users with private homes, the exchange, the course root.
    hub.add_group(hub.students_group)
    hub.add_group(hub.instructors_group)
    hub.add_user(hub.grader, None)
    hub.add_user(hub.instructor, hub.instructors_group)
    for student in hub.students:
        hub.add_user(student, hub.students_group)
    hub.exchange.mkdir(mode=0o755)
    hub.exchange.chmod(0o1777)  # nbgrader: writable by everyone (sticky: nobody renames another's files)
    (hub.course / "solutions").mkdir(parents=True)
    shutil.copytree(ROOT / "solutions" / ASSIGNMENT, hub.course / "solutions" / ASSIGNMENT)
    sh("chown", "-R", f"{hub.grader}:{hub.grader}", str(hub.course))
    hub.course.chmod(0o700)
    grader_cli = [sys.executable, "-m", "autograder", "--solutions", str(hub.course / "solutions"),
                  "--release-dir", str(hub.course / "course"), "--grading", str(hub.course / "grading")]
    lap("setup: users")

    # The instructor's `autograder release` and the solution's run (cached in grading/cache, as after an
    # earlier grading run) overlap the hub's start-up, so the test's time is not the sum of all three.
    commands = {
        "release": [*grader_cli, "release", ASSIGNMENT],
        "solution-run": [sys.executable, "-c", WARMUP, str(hub.course), ASSIGNMENT],
    }
    background = {}
    for name, cmd in commands.items():
        with open(hub.base / f"{name}.log", "w") as log:
            background[name] = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        hub.children.append(background[name])
    hub.start()
    lap("hub start")
    for name, process in background.items():
        assert process.wait() == 0, f"{name} failed:\n{(hub.base / f'{name}.log').read_text()}"
    sh("chown", "-R", f"{hub.grader}:{hub.grader}", str(hub.course))
    lap("course release, solution run (rest)")
    prof, (alice, bob) = hub.instructor, hub.students
    groups = hub.api("get", f"/groups/formgrade-{COURSE_ID}")
    assert groups["users"] == [prof], "the instructors' Unix group becomes the formgrader group"
    hub.api("post", "/users", json={"usernames": [prof, alice, bob]})
    hub.spawn([alice, bob])
    hub.wait(lambda: hub.get(f"/services/{COURSE_ID}/formgrader/api/assignments",
                             hub.token_for(prof)).status_code == 200, 120, "the formgrader service")
    lap("servers start")

    # Formgrader: the instructor reaches it through the hub; a student neither there nor in their own server.
    page = hub.get(f"/services/{COURSE_ID}/formgrader", hub.token_for(prof), follow=True)
    assert page.status_code == 200 and "Manage Assignments" in page.text, page.text[:500]
    for student in (alice, bob):
        denied = hub.get(f"/services/{COURSE_ID}/formgrader/api/assignments", hub.token_for(student))
        assert denied.status_code == 403, f"{student} reached the formgrader service: {denied.status_code}"
        own = hub.get(f"/user/{student}/formgrader/api/assignments", hub.token_for(student))
        assert own.status_code == 404, f"formgrader is enabled in {student}'s server: {own.status_code}"
    assert hub.get(f"/user/{bob}/api/contents", hub.token_for(alice)).status_code == 403

    # Release through the exchange; students fetch, answer (alice right, bob wrong) and submit.
    hub.formgrader("release")
    for student in (alice, bob):
        listed = hub.assignment_action(student, "fetch")
        assert [a["status"] for a in listed if a["assignment_id"] == ASSIGNMENT] == ["fetched"]
    path = f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
    for student, standardize in ((alice, RIGHT_STANDARDIZE), (bob, WRONG_STANDARDIZE)):
        notebook = _answer(hub.notebook(student, path)["content"],
                           {"ex-standardize": standardize, "ex-default_dtypes": DTYPES})
        saved = hub.put(f"/user/{student}/api/contents/{path}", hub.token_for(student),
                        json={"type": "notebook", "format": "json", "content": notebook})
        assert saved.status_code == 200, saved.text
        hub.assignment_action(student, "submit")
    # bob submits his notebook claiming to be alice: stock nbgrader would collect it as alice's latest
    forged = hub.in_users_shell(bob, "python", "-m", "nbgrader", "submit", ASSIGNMENT, "--course", COURSE_ID,
                                "--student", alice)
    assert forged.returncode == 0, forged.stdout + forged.stderr
    # and writes a newer "submission" by hand whose notebook links to the instructors' source
    planted = hub.exchange / COURSE_ID / "inbound" / f"{bob}+{ASSIGNMENT}+2099-01-01 00:00:00.000000 UTC+x"
    source = hub.course / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    made = as_user(bob, "sh", "-c", 'mkdir "$1" && ln -s "$2" "$1/$3"', "sh", str(planted), str(source),
                   f"{ASSIGNMENT}.ipynb")
    assert made.returncode == 0, made.stderr
    lap("release, fetch, submit")

    # What a student cannot read, tried as bob in a shell (his kernel could do the same).
    inbound = hub.exchange / COURSE_ID / "inbound"
    assert as_user(alice, "cat", str(hub.home(alice) / path)).returncode == 0  # the probe works
    for target in (inbound, hub.exchange / COURSE_ID / "feedback"):
        assert as_user(bob, "ls", str(target)).returncode != 0, f"bob can list {target}"
    for target in (hub.home(alice) / path, hub.course / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
                   hub.course / "grading" / "gradebook.db"):
        assert as_user(bob, "cat", str(target)).returncode != 0, f"bob can read {target}"

    # Collect, grade with this project's sandboxed grader, write and release feedback.
    hub.formgrader("collect")
    submitted = hub.course / "grading" / "submitted"
    assert sorted(p.name for p in submitted.iterdir()) == sorted([alice, bob])
    for student in (alice, bob):
        collected = submitted / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        assert collected.is_file() and as_user(bob, "cat", str(collected)).returncode != 0
    alices = json.loads((submitted / alice / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
    assert RIGHT_STANDARDIZE in ["".join(cell["source"]) for cell in alices["cells"]]
    bobs = json.loads((submitted / bob / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
    assert WRONG_STANDARDIZE in ["".join(cell["source"]) for cell in bobs["cells"]]
    log = (hub.state / "hub.log").read_text()
    assert f"claims to be from {alice} but was submitted by {bob}" in log
    assert f"{ASSIGNMENT}.ipynb is a link" in log
    lap("collect")
    graded = subprocess.run(
        [*grader_cli, "grade", "--assignment", ASSIGNMENT, "--workers", "2", "--no-progress"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert graded.returncode == 0, graded.stdout + graded.stderr
    lap("grade")
    sh(*grader_cli, "feedback", "--assignment", ASSIGNMENT, cwd=ROOT)
    sh("chown", "-R", f"{hub.grader}:{hub.grader}", str(hub.course / "grading"))
    scores = {}
    for student in (alice, bob):
        result = json.loads((hub.course / "grading" / "results" / student / f"{ASSIGNMENT}.json").read_text())
        cells = result["notebooks"][ASSIGNMENT]["cells"]
        scores[student] = {gid: cell["score"] for gid, cell in cells.items() if cell["kind"] == "auto"}
    assert scores[alice] == {"test-standardize": 2, "test-default_dtypes": 1}
    assert scores[bob] == {"test-standardize": 0, "test-default_dtypes": 1}
    hub.formgrader("release_feedback")

    # Each student fetches feedback and gets exactly their own.
    pages = {}
    for student in (alice, bob):
        hub.assignment_action(student, "fetch_feedback")
        folders = hub.notebook(student, f"{ASSIGNMENT}/feedback")["content"]
        assert len(folders) == 1, f"{student} got {len(folders)} feedback folders"
        files = hub.notebook(student, folders[0]["path"])["content"]
        assert [f["name"] for f in files] == [f"{ASSIGNMENT}.html"]
        pages[student] = hub.notebook(student, files[0]["path"])["content"]
    assert "x.std(axis=0, ddof=1)" in pages[bob] and "x.std(axis=0, ddof=1)" not in pages[alice]
    assert "np.where(sigma == 0" in pages[alice] and "np.where(sigma == 0" not in pages[bob]
    assert as_user(bob, "cat", str(hub.home(alice) / ASSIGNMENT / "feedback")).returncode != 0
    lap("feedback")

    total = sum(timings.values())
    print(f"\nJupyterHub class flow: {total:.0f} s in all; "
          + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in timings.items()))
