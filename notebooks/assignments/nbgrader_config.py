"""nbgrader's settings for the course's three assignments: this folder is the course folder.

Run nbgrader from here (make assignments does): source/ holds each assignment with its solutions
and tests, release/ the student editions that `nbgrader generate_assignment` makes from them.
The gradebook and the folders of submissions, grades and feedback stay here too (git ignores them).
"""

import os

c = get_config()  # noqa: F821 (nbgrader provides get_config when it reads this file)
here = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.root = here
c.CourseDirectory.course_id = "mnistnn"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(here, "gradebook.db")
c.Exchange.root = os.path.join(here, "exchange")  # for nbgrader release_assignment / collect on a shared server
c.Execute.timeout = 120  # seconds per cell when autograding; the slowest solution cell takes well under 30
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
