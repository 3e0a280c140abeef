import pytest
from django.db import connection


@pytest.fixture(autouse=True)
def feed_generation_per_statement(request):
    """On PostgreSQL the feed generation is written when a transaction commits, and a test in
    the `db` fixture never commits: make the trigger fire at the end of each statement instead,
    so a test sees its own writes change the ETag. Transactional tests keep the real thing."""
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction")
    )
    if transactional or (marker is None and "db" not in request.fixturenames):
        yield
        return
    request.getfixturevalue("db")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS order_calendar_feed_bump IMMEDIATE")
    yield
