"""A Jupyter server extension for the instructor's lab (`make lab-instructor`), on top of nbgrader's
formgrader:

* formgrader's "Autograde" button would run nbgrader's stock autograder, which executes student code
  unsandboxed with the instructor's rights. Its API answers 403 here (pointing to `python -m autograder
  grade`), and the button is replaced by that hint in the submissions table.
* formgrader's grading page loads MathJax 2 from a CDN; here it is served from Debian's libjs-mathjax
  (the formgrade_offline template in autograder/formgrader_templates), so math renders offline.

Enabled only by autograder/jupyter/instructor/jupyter_server_config.json (the make target puts that
folder on JUPYTER_CONFIG_PATH). Its name sorts before nbgrader's, so its handlers are found first.
"""

from __future__ import annotations

import json
from pathlib import Path

from jupyter_server.base.handlers import JupyterHandler
from tornado import web

MATHJAX_DIR = Path("/usr/share/javascript/mathjax")  # Debian's libjs-mathjax (MathJax 2)
TEMPLATES = Path(__file__).resolve().parent / "formgrader_templates"
GRADE_COMMAND = "python -m autograder grade"
AUTOGRADE_REFUSED = (
    f"formgrader's Autograde runs student code unsandboxed and is disabled in this course; "
    f"run `{GRADE_COMMAND}` (sandboxed) instead"
)
# Appended to formgrader's manage_submissions.js: after each row is drawn, its Autograde link becomes
# a hint to use the course's sandboxed grader.
_SUBMISSIONS_PATCH = """
;(function () {
    var render = SubmissionUI.prototype.render;
    SubmissionUI.prototype.render = function () {
        render.apply(this, arguments);
        this.$autograde.empty().append($("<span/>").addClass("course-autograde-disabled")
            .attr("title", %(title)s).text("sandboxed: make grade"));
    };
    SubmissionUI.prototype.autograde = function () { return false; };
})();
"""


def _formgrader_static() -> Path:
    from nbgrader.server_extensions.formgrader import handlers

    return Path(handlers.static_path)


class RefuseAutograde(JupyterHandler):
    @web.authenticated
    def post(self, *args):
        self.set_status(403)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"success": False, "error": AUTOGRADE_REFUSED}))


class SubmissionsScript(JupyterHandler):
    @web.authenticated
    def get(self):
        source = (_formgrader_static() / "js" / "manage_submissions.js").read_text(encoding="utf-8")
        self.set_header("Content-Type", "application/javascript; charset=UTF-8")
        self.set_header("Cache-Control", "no-cache")
        self.finish(source + _SUBMISSIONS_PATCH % {"title": json.dumps(AUTOGRADE_REFUSED)})


def _jupyter_server_extension_points():
    return [{"module": "autograder.instructor_lab"}]


def _load_jupyter_server_extension(serverapp):
    from jupyter_server.utils import url_path_join

    webapp = serverapp.web_app
    base = webapp.settings["base_url"]
    handlers = [
        (url_path_join(base, r"/formgrader/api/submission/([^/]+)/([^/]+)/autograde"), RefuseAutograde),
        (url_path_join(base, r"/formgrader/static/js/manage_submissions.js"), SubmissionsScript),
    ]
    if MATHJAX_DIR.is_dir():
        handlers.append(
            (url_path_join(base, r"/formgrader/course-mathjax/(.*)"), web.StaticFileHandler,
             {"path": str(MATHJAX_DIR)})
        )
    else:
        serverapp.log.warning("%s is missing (apt-get install libjs-mathjax): formgrader's math will not "
                              "render offline", MATHJAX_DIR)
    webapp.add_handlers(".*$", handlers)
    serverapp.log.info("course instructor lab: formgrader's Autograde disabled, MathJax served locally")


async def _start_jupyter_server_extension(serverapp):
    """After every extension is loaded: formgrader's notebook pages use the offline-MathJax template."""
    from nbconvert.exporters import HTMLExporter
    from traitlets.config import Config

    settings = serverapp.web_app.settings
    formgrader = settings.get("nbgrader_formgrader")
    if formgrader is None:
        return
    config = Config(formgrader.config)
    config.HTMLExporter.template_name = "formgrade_offline"
    config.HTMLExporter.extra_template_basedirs = [
        *list(formgrader.config.HTMLExporter.get("extra_template_basedirs", [])),
        str(TEMPLATES),
    ]
    settings["nbgrader_exporter"] = HTMLExporter(config=config)
