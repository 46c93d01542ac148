"""Test profile: the embedded default (or DATABASE_URL), fast hashing, local mail outbox."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
PRIVATE_STORAGE_ROOT = Path(tempfile.mkdtemp(prefix="pozytek-test-private-"))
STORAGES = {**STORAGES, "default": {**STORAGES["default"], "OPTIONS": {"location": str(PRIVATE_STORAGE_ROOT)}}}
DEBUG = False
# Tests assert English source strings; tests/test_translations.py checks the Polish default
# explicitly (with settings.LANGUAGE_CODE = "pl").
LANGUAGE_CODE = "en"
