"""nbgrader's settings for the course's three assignments: this folder is the course folder.

Run nbgrader from here (make assignments does): source/ holds each assignment with its solutions
and checks, release/ the student editions that `nbgrader generate_assignment` makes from them.
The gradebook and the folders of downloads, submissions, grades and feedback stay here too (git
ignores them). Tested with nbgrader 0.9.6 (requirements.txt pins it).
"""

import os
import time
import warnings

from nbclient.exceptions import DeadKernelError
from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    Execute,
    IgnorePattern,
    LimitOutput,
    SaveAutoGrades,
)
from sqlalchemy.exc import SAWarning

# nbgrader 0.9.6's gradebook, on SQLAlchemy 2, warns of an autoflush when it first meets a student ("Object of
# type <SubmittedAssignment> not in session"): harmless, and it would drown a real warning in the autograde log.
warnings.filterwarnings("ignore", message="Object of type <Submitted", category=SAWarning)

c = get_config()  # noqa: F821 (nbgrader provides get_config when it reads this file)
here = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.root = here
c.CourseDirectory.course_id = "mnistnn"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(here, "gradebook.db")
c.Exchange.root = os.path.join(here, "exchange")  # for nbgrader release_assignment / collect on a shared server
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# A check cell deleted from a submission is put back from source/ and graded.
c.OverwriteCells.add_missing_cells = True

# nbgrader zip_collect: one folder per student in downloaded/<assignment>/archive/, named by the student's id,
# holding the notebook (unzipped). A browser's " (1)" or "-2" after the notebook's name is dropped.
c.ZipCollectApp.archive_directory = "archive"
c.FileNameCollectorPlugin.named_regexp = (
    r".*/(?P<student_id>[^/]+)/(?P<file_id>a[0-9]_[a-z_]+?)( ?\(\d+\)|-\d+)?\.ipynb$"
)

# nbgrader validate run here prints the checks' whole messages (its default width, 90, cuts the hints).
c.Validator.width = 10000

# Time limits when autograding, in seconds. Each check cell stops itself (mnistnn.grading.TIME_LIMITS, 20 to
# 120 s); nbgrader stops any cell at CELL_LIMITS (or the default), at least 14 times the solution's time on a
# 2-core machine (search 29 s, final training 43 s), about the slowdown measured on a loaded one. Once a cell
# has run out of time (a function that never returns), every later cell gets at most AFTER_A_HANG: the same
# function would hang again.
# the kernel's own log stays out of the autograde log (ipykernel warns there about its transport)
c.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:", "--IPKernelApp.log_level=ERROR"]
c.Execute.timeout = 60  # the solution's other cells take at most 2 s
CELL_LIMITS = {"settings": 120, "search": 450, "final": 650, "test_early_stopping": 180, "test_train_network": 120}
AFTER_A_HANG = 30


class ExecuteWithLimits(Execute):
    """nbgrader's Execute, with a time limit per cell and a kernel that dies (out of memory) graded for what ran:
    the cells after it get an error that says why, so each of their points is 0 and the feedback is written."""

    def preprocess(self, nb, resources=None, km=None):
        self._dead, self._hung = None, False
        return super().preprocess(nb, resources, km)

    def _get_timeout(self, cell):
        if cell is None:  # the kernel's first reply
            return self.timeout
        limit = CELL_LIMITS.get(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id"), self.timeout)
        return min(limit, AFTER_A_HANG) if self._hung else limit

    def _not_run(self, cell, why):
        cell.outputs = [NotebookNode(output_type="error", ename="NotRun", evalue=why, traceback=[f"NotRun: {why}"])]

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        if self._dead is not None:
            self._not_run(cell, f"not run: the kernel died in cell {self._dead} (out of memory?)")
            return cell, resources
        limit, start = self._get_timeout(cell), time.monotonic()
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._dead = index
            self._not_run(
                cell, "the kernel died while running this cell (out of memory?): the cells after it did not run"
            )
            return cell, resources
        if limit is not None and time.monotonic() - start >= limit:  # interrupted at its limit
            self._hung = True
        return cell, resources


c.Autograde.autograde_preprocessors = [
    ExecuteWithLimits,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]
