"""nbgrader settings of a student's server: the course and its exchange (make test-classroom).

The test copies this folder beside the exchange and appends ``c.Exchange.root``.
"""

c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "rnncourse"
