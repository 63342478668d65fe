# nbmake runs the assignments' sources (with their solutions); the student editions in release/ stop at
# their first unwritten function by design (tests/test_assignments.py checks that), and nbgrader's own
# folders hold copies of submissions.
collect_ignore_glob = ["release/*", "submitted/*", "autograded/*", "feedback/*", "downloaded/*", "nbgrader_config.py"]
