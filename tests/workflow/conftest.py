import pytest
from django.db import connection


@pytest.fixture
def postgres_only(db):
    """For a test of a feature that is PostgreSQL's own (row locks, the audit trigger).
    CI runs the suite on both databases, so these run on the PostgreSQL pass."""
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL feature; runs on the PostgreSQL pass of the suite")
