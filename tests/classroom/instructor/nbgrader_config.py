"""nbgrader settings of the instructor's account: the course, its exchange, a strict collect.

On JUPYTER_CONFIG_PATH of the instructor's server and of nbgrader's command line
(make test-classroom appends ``c.Exchange.root``). The course folder's own nbgrader_config.py
(tools/nbgrader_metadata.py --course) adds the course's settings.

nbgrader's collect only warns when a submission's folder is owned by another account than the
student it names (``nbgrader submit --student NAME`` lets anyone name anyone), and then keeps
the newest submission per name, so a student could replace a classmate's work. This collect
takes, for each student, the newest submission that student's own account made, and skips
(with a warning) the ones made by someone else.
"""

import os
import pwd

from nbgrader.exchange.default.collect import ExchangeCollect


class OwnerCheckedCollect(ExchangeCollect):
    def _path_to_record(self, path):
        record = super()._path_to_record(path)
        record["owner"] = pwd.getpwuid(os.stat(path).st_uid).pw_name
        if record["owner"] != record["username"]:
            self.log.warning(
                "skipped %s: it names %s but %s submitted it",
                record["filename"], record["username"], record["owner"],
            )  # fmt: skip
        return record

    def _sort_by_timestamp(self, records):
        # The student's own submissions first, newest first: init_src keeps the first one.
        return sorted(
            records, key=lambda r: (r["owner"] == r["username"], r["timestamp"]), reverse=True
        )

    def init_src(self):
        super().init_src()
        self.src_records = [r for r in self.src_records if r["owner"] == r["username"]]


c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "rnncourse"
c.ExchangeFactory.collect = OwnerCheckedCollect
