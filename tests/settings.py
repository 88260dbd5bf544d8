"""Test settings: the production settings with a test database and fast hashing.

``MADOGUCHI_TEST_DATABASE_URL`` runs the suite on PostgreSQL (CI does both).
"""

import os

os.environ.setdefault("MADOGUCHI_TESTING", "1")
if os.environ.get("MADOGUCHI_TEST_DATABASE_URL"):
    os.environ["DATABASE_URL"] = os.environ["MADOGUCHI_TEST_DATABASE_URL"]
os.environ.setdefault("MADOGUCHI_DEMO", "0")

from madoguchi.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MADOGUCHI_REQUIRE_OTP = True
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default", "messaging"]}}
SECURE = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STATIC_ROOT = None  # static files come from the app folders (whitenoise finders)
