"""Shared pytest configuration of the test suite."""


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "rerun: executes every notebook twice in one kernel (slow: minutes); deselect with -m 'not rerun'")
    config.addinivalue_line(
        "markers", "course_browser: every live cell of the course in a real browser (minutes); make browser-course")
