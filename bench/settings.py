"""Settings of a benchmark run: the application's own settings, on a PostgreSQL database that the
run created (DATABASE_URL, always a pozytek_bench_* database), with the production-like switches
that matter for speed (DEBUG off, persistent connections) and nothing that prints."""

import os

import dj_database_url

from config.settings.base import *  # noqa: F403

_url = os.environ.get("DATABASE_URL", "")
DATABASES = {"default": dj_database_url.parse(_url, conn_max_age=60)} if _url else {}
if not DATABASES or not DATABASES["default"]["NAME"].startswith("pozytek_bench_"):
    raise RuntimeError("bench.settings runs only on a database the benchmark made (pozytek_bench_*)")

DEBUG = False
ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
# The receipts of the rush are written and "sent" (in process, as the embedded default does);
# the mail itself goes nowhere.
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
# A large protocol would otherwise go to a Celery job; the benchmark times the writer itself.
POZYTEK_EXPORT_ASYNC_OFFERS = 10**9
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "ERROR"},
}
