import pytest

from competitions.models import AuthorityRole
from offers.models import RepresentationRole

from .factories import (
    AuthorityFactory,
    CompetitionFactory,
    OrganizationFactory,
    UserFactory,
    representative,
    staff,
)


@pytest.fixture
def authority(db):
    return AuthorityFactory()


@pytest.fixture
def officer(authority):
    return staff(authority, AuthorityRole.OFFICER)


@pytest.fixture
def approver(authority):
    return staff(authority, AuthorityRole.APPROVER)


@pytest.fixture
def finance(authority):
    return staff(authority, AuthorityRole.FINANCE)


@pytest.fixture
def published(authority):
    return CompetitionFactory(authority=authority, published=True)


@pytest.fixture
def organization(db):
    return OrganizationFactory()


@pytest.fixture
def ngo_admin(organization):
    return representative(organization, RepresentationRole.ADMIN)


@pytest.fixture
def ngo_editor(organization):
    return representative(organization, RepresentationRole.EDITOR)


@pytest.fixture
def other_ngo_user(db):
    return representative(OrganizationFactory(), RepresentationRole.ADMIN)


@pytest.fixture
def stranger(db):
    return UserFactory()


def pytest_collection_modifyitems(config, items):
    """A test of a PostgreSQL feature (row locks, the audit trigger) is not collected on SQLite:
    it is deselected, not skipped, and runs on the PostgreSQL pass that CI makes of the suite."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    keep, dropped = [], []
    for item in items:
        (dropped if "postgres_only" in getattr(item, "fixturenames", ()) else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
