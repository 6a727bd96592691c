"""nbgrader settings every server of the hub shares: the course id and the exchange directory."""

import os

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = os.environ.get("DL_COURSE_ID", "dl-course")
c.Exchange.root = os.environ.get("DL_EXCHANGE_ROOT", "/srv/nbgrader/exchange")
