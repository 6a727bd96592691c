"""How the course is configured for its clients, without a browser: nbgrader's course root from the
repository root, the two labs' Jupyter settings, the install stamp, the names in the guides, the launch
links and the site's kernels (issue 10, points 1, 5, 7, 8 and 9)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import nbformat
import pytest
from traitlets.config.loader import PyFileConfigLoader

from autograder import launch
from autograder.course import COURSE, ROOT, assignments

JUPYTER = ROOT / "autograder" / "jupyter"

# ---------------------------------------------------------------- points 1 and 5: nbgrader and the labs


def test_root_config_puts_the_course_root_at_the_repository_root():
    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    assert Path(config.CourseDirectory.root) == ROOT
    assert config.CourseDirectory.db_url == f"sqlite:///{ROOT / 'grading' / 'gradebook.db'}"


def test_formgrader_sees_the_course_inside_the_instructor_labs_root(tmp_path):
    """formgrader refuses a course root outside the server root (`make lab` serves course/)."""
    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    assert not os.path.relpath(config.CourseDirectory.root, ROOT).startswith("..")  # make lab-instructor
    assert os.path.relpath(config.CourseDirectory.root, ROOT / "course").startswith("..")  # make lab


def _page_config(who: str) -> dict:
    return json.loads((JUPYTER / who / "labconfig" / "page_config.json").read_text())["disabledExtensions"]


def _server_extensions(who: str) -> dict:
    config = json.loads((JUPYTER / who / "jupyter_server_config.json").read_text())
    return config["ServerApp"]["jpserver_extensions"]


def test_the_students_lab_offers_only_validate():
    disabled = {k for k, v in _page_config("student").items() if v}
    assert {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
            "@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:course-list",
            "@jupyter/nbgrader:menu"} <= disabled
    assert "@jupyter/nbgrader:validate-assignment" not in disabled
    server = _server_extensions("student")
    assert server["nbgrader.server_extensions.formgrader"] is False
    assert server["nbgrader.server_extensions.validate_assignment"] is True


def test_the_instructors_lab_offers_formgrader_behind_the_guard():
    disabled = {k for k, v in _page_config("instructor").items() if v}
    assert "@jupyter/nbgrader:formgrader" not in disabled and "@jupyter/nbgrader:menu" not in disabled
    server = _server_extensions("instructor")
    assert server["autograder.instructor_lab"] is True and server["nbgrader.server_extensions.formgrader"]
    # the guard's handlers must be registered first: jupyter_server loads extensions in name order
    assert "autograder.instructor_lab" < "nbgrader.server_extensions.formgrader"


def test_the_make_targets_use_those_settings():
    out = subprocess.run(["make", "-n", "-o", "install", "lab", "lab-instructor"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    student, instructor = out.split("mkdir -p grading")
    assert "autograder/jupyter/student" in student and "--ServerApp.root_dir=course" in student
    assert "autograder/jupyter/instructor" in instructor and "--ServerApp.root_dir=." in instructor


def test_formgraders_page_template_loads_mathjax_from_this_server():
    from nbconvert.exporters import HTMLExporter
    from nbgrader.server_extensions.formgrader import handlers
    from traitlets.config import Config

    from autograder.instructor_lab import TEMPLATES

    config = Config()
    config.HTMLExporter.template_name = "formgrade_offline"
    config.HTMLExporter.extra_template_basedirs = [handlers.template_path, str(TEMPLATES)]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("$x^2$")])
    resources = {"base_url": "/b", "index": 0, "total": 1}
    body, _ = HTMLExporter(config=config).from_notebook_node(nb, resources=resources)
    assert "/course-mathjax/MathJax.js" in body
    assert "cdnjs" not in body and "https://" not in re.sub(r'xmlns="[^"]*"', "", body).split("<body")[0]


# ---------------------------------------------------------------- point 8: install stamp and guide names


def test_touching_requirements_does_not_reinstall(tmp_path):
    for name in ("Makefile", "requirements.txt", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    digest = hashlib.sha256((tmp_path / "requirements.txt").read_bytes()
                            + (tmp_path / "pyproject.toml").read_bytes()).hexdigest()[:16]
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / f".installed-{digest}").touch()
    dry = subprocess.run(["make", "-n", "system-deps"], cwd=tmp_path, capture_output=True, text=True).stdout
    (tmp_path / ".venv" / re.search(r"touch \.venv/(\.system-packages-\w+)", dry).group(1)).touch()
    os.utime(tmp_path / "requirements.txt", (2e9, 2e9))  # newer than the stamp
    dry = subprocess.run(["make", "-n", "install"], cwd=tmp_path, capture_output=True, text=True).stdout
    assert "pip install" not in dry, dry
    with open(tmp_path / "requirements.txt", "a") as f:
        f.write("# edited\n")
    dry = subprocess.run(["make", "-n", "install"], cwd=tmp_path, capture_output=True, text=True).stdout
    assert "pip install" in dry


ASSIGNMENT_NAME = re.compile(r"(?<![\w/.-])(\d\d-[a-z][a-z-]*[a-z])(?![\w-])")


def test_every_assignment_named_in_the_guides_exists():
    known = set(assignments())
    texts = [ROOT / "README.md", ROOT / "ARCHITECTURE.md", *sorted((ROOT / "docs").glob("*.md"))]
    named = {(p.relative_to(ROOT).as_posix(), m)
             for p in texts for m in ASSIGNMENT_NAME.findall(p.read_text())}
    assert {name for _, name in named} & known, "the guides name no assignment at all"
    assert sorted(f"{where}: {name}" for where, name in named if name not in known) == []


# ---------------------------------------------------------------- point 9: launch links, one URL


def test_the_repository_is_configured_once_in_pyproject(tmp_path):
    repo = launch.repository()
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", repo.url)
    assert repo.clone_command == f"git clone {repo.url}.git && cd {repo.name}"
    bad = tmp_path / "pyproject.toml"
    bad.write_text('[project]\nname = "x"\n[project.urls]\nRepository = "<this repository>"\n')
    with pytest.raises(ValueError, match="Repository must be https://github.com/<owner>/<name>"):
        launch.repository(bad)


def test_launch_urls_point_at_the_released_notebook():
    repo = launch.repository()
    path = "course/03-autodiff/03-autodiff.ipynb"
    binder = urlparse(repo.binder_url(path))
    assert (binder.scheme, binder.netloc) == ("https", "mybinder.org")
    assert binder.path == f"/v2/gh/{repo.owner}/{repo.name}/{repo.branch}"
    assert parse_qs(binder.query) == {"urlpath": [f"lab/tree/{path}"]}
    assert repo.colab_url(path) == (f"https://colab.research.google.com/github/{repo.owner}/{repo.name}"
                                    f"/blob/{repo.branch}/{path}")
    assert repo.pip_spec() == f"dl-course @ git+{repo.url}.git@{repo.branch}"


def test_binder_builds_the_courses_own_environment():
    env = (ROOT / "environment.yml").read_text()
    assert "-r requirements.txt" in env
    post = ROOT / "postBuild"
    assert post.stat().st_mode & stat.S_IXUSR
    assert "pip install --no-deps --no-build-isolation -e ." in post.read_text()
    assert "autograder/jupyter/student" in post.read_text()


@pytest.mark.parametrize("name", assignments())
def test_the_release_carries_the_colab_install_cell_where_colab_can_run_it(name):
    nb = nbformat.read(str(COURSE / name / f"{name}.ipynb"), as_version=4)
    cells = [c for c in nb.cells if launch.COLAB_CELL_MARK in c.source]
    if launch.colab_ready(ROOT / "solutions" / name / f"{name}.ipynb"):
        assert len(cells) == 1 and nb.cells[1] is cells[0]
        assert cells[0].source == launch.colab_install_source(launch.repository())
        assert cells[0].id == "course-colab-install"  # a fixed id: releasing again changes nothing
    else:
        assert cells == []


def test_colab_is_not_offered_for_notebooks_with_data_files(tmp_path):
    (tmp_path / "nb.ipynb").write_text(json.dumps(nbformat.v4.new_notebook()))
    assert launch.colab_ready(tmp_path / "nb.ipynb")
    (tmp_path / "data.csv").write_text("1,2\n")
    assert not launch.colab_ready(tmp_path / "nb.ipynb")


def test_the_colab_cell_installs_on_colab_only():
    from IPython.core.inputtransformer2 import TransformerManager

    repo = launch.repository()
    code = TransformerManager().transform_cell(launch.colab_install_source(repo))
    calls = []

    class FakeIPython:
        def run_line_magic(self, name, line):
            calls.append((name, line))

    exec(compile(code, "cell", "exec"), {"get_ipython": FakeIPython})  # not on Colab: nothing
    assert calls == []
    sys.modules["google.colab"] = type(sys)("google.colab")
    try:
        exec(compile(code, "cell", "exec"), {"get_ipython": FakeIPython})
    finally:
        del sys.modules["google.colab"]
    assert calls == [("pip", f'install --quiet "{repo.pip_spec()}"')]


def test_site_pages_link_binder_colab_and_a_real_clone_url():
    sys.path.insert(0, str(ROOT / "site"))
    from sitebuild.notebook_pages import download_cell
    from sitebuild.pages import index_page

    repo = launch.repository()
    home = index_page([], instructor=False, guides=[])
    assert repo.clone_command in home and "<this repository>" not in home
    cell = download_cell("03-autodiff", instructor=False, course=COURSE).source
    assert repo.binder_url("course/03-autodiff/03-autodiff.ipynb").replace("&", "&amp;") in cell or \
        repo.binder_url("course/03-autodiff/03-autodiff.ipynb") in cell
    assert repo.colab_url("course/03-autodiff/03-autodiff.ipynb") in cell
    assert "Binder" not in download_cell("03-autodiff", instructor=True).source


# ---------------------------------------------------------------- point 7: the site's kernels


@pytest.mark.slow
def test_site_kernels_use_ipc_not_tcp_ports(tmp_path):
    sys.path.insert(0, str(ROOT / "site"))
    from sitebuild.execute import _execute

    folder = tmp_path / "nb"
    folder.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import json\nfrom ipykernel.connect import get_connection_file\n"
        "print(json.load(open(get_connection_file()))['transport'])")])
    nbformat.write(nb, str(folder / "nb.ipynb"))
    text, error, _ = _execute("nb", str(folder), str(tmp_path / "nb-work" / "nb"), 120)
    assert error is None, error
    assert nbformat.reads(text, as_version=4).cells[0].outputs[0]["text"].strip() == "ipc"


@pytest.mark.slow
def test_a_kernel_that_fails_to_start_reports_its_real_cause(tmp_path, monkeypatch):
    """The cause is on the kernel's stderr, under TensorFlow's start-up lines: the error shows it."""
    sys.path.insert(0, str(ROOT / "site"))
    from sitebuild.execute import _execute

    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import os, sys\n"
        "if os.environ.get('SITE_TEST_KERNEL_DIES'):\n"
        "    sys.stderr.write('I0000 cpu_feature_guard.cc:227] This TensorFlow binary is optimized\\n')\n"
        "    sys.stderr.write('zmq.error.ZMQError: Address already in use (the real cause)\\n')\n"
        "    sys.stderr.flush()\n"
        "    os._exit(1)\n")
    monkeypatch.setenv("PYTHONPATH", str(hook))
    monkeypatch.setenv("SITE_TEST_KERNEL_DIES", "1")
    folder = tmp_path / "nb"
    folder.mkdir()
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]), str(folder / "nb.ipynb"))
    _, error, _ = _execute("nb", str(folder), str(tmp_path / "nb-work" / "nb"), 60)
    assert error and "Address already in use (the real cause)" in error, error
    assert "cpu_feature_guard" not in error


# ---------------------------------------------------------------- point 4: TensorFlow's start-up noise


def _makefile_exports() -> dict[str, str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return dict(re.findall(r"^export (\w+) :?= (\S+)", text, flags=re.M))


@pytest.mark.slow
def test_kernels_of_make_lab_show_no_tensorflow_start_up_lines(tmp_path):
    """`make lab`'s kernels inherit the Makefile's exports; with them, importing TensorFlow prints none of
    the absl / cpu_feature_guard / oneDNN lines that ipykernel would forward into every notebook."""
    from jupyter_client.manager import start_new_kernel

    exports = _makefile_exports()
    assert {"TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS"} <= set(exports), exports
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    env.update(exports)
    km, kc = start_new_kernel(kernel_name="python3", env=env, cwd=str(tmp_path))
    seen = []
    try:
        reply = kc.execute_interactive("import tensorflow as tf\nprint(float(tf.constant(1.0) + 1))",
                                       timeout=120, output_hook=seen.append)
        assert reply["content"]["status"] == "ok"
        text = "".join(m["content"].get("text", "") for m in seen if m["msg_type"] == "stream")
        assert "2.0" in text
        for noise in ("absl::InitializeLog", "cpu_feature_guard", "oneDNN", "rebuild TensorFlow"):
            assert noise not in text, text
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
