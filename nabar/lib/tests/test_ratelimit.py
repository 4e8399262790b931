"""The public rate limit: in one process, between the processes of one machine, and between
web servers through Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime

import pytest
from django.core.cache import caches

from nabar.lib.ratelimit import over_limit

REDIS_URL = os.environ.get("NABAR_TEST_REDIS_URL", "")


@pytest.fixture(autouse=True)
def _mid_window(time_machine) -> None:  # type: ignore[no-untyped-def]
    """The clock stands still half a minute into a window: a new window starting between two
    hits of a test (the count starts again) would make it fail now and then."""
    time_machine.move_to(datetime(2026, 12, 7, 12, 0, 30, tzinfo=UTC), tick=False)


def test_the_limit_lets_through_exactly_the_allowed_number():
    scope = f"test-{uuid.uuid4().hex}"

    results = [over_limit(scope, "10.0.0.1", limit=3, window_seconds=60) for _ in range(5)]

    assert results == [False, False, False, True, True]


def test_each_client_address_has_its_own_count():
    scope = f"test-{uuid.uuid4().hex}"
    for _ in range(3):
        over_limit(scope, "10.0.0.1", limit=3, window_seconds=60)

    assert over_limit(scope, "10.0.0.2", limit=3, window_seconds=60) is False


@pytest.mark.skipif(
    not REDIS_URL, reason="NABAR_TEST_REDIS_URL is not set (./nabarctl test sets it)"
)
def test_two_web_servers_share_one_limit_through_redis(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    scope = f"test-{uuid.uuid4().hex}"
    first_server = over_limit(scope, "10.0.0.9", limit=2, window_seconds=60)
    caches["default"].close()  # the second server has its own connection
    second_server = over_limit(scope, "10.0.0.9", limit=2, window_seconds=60)
    third = over_limit(scope, "10.0.0.9", limit=2, window_seconds=60)

    assert (first_server, second_server, third) == (False, False, True)


def test_web_processes_on_one_machine_share_their_counts(tmp_path) -> None:
    """Without Redis the default cache lives in the data directory, so each web process adds
    to the same count instead of allowing the limit once per process."""
    env = {
        **os.environ,
        "NABAR_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "nabar.settings",
    }
    env.pop("NABAR_CACHE", None)
    env.pop("NABAR_REDIS_URL", None)
    setup = "import django; django.setup(); from nabar.lib import ratelimit as r; "

    def in_another_process(code: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", setup + code],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    for _ in range(2):
        in_another_process("r.over_limit('contact', '203.0.113.7', limit=5, window_seconds=3600)")

    assert in_another_process("print(r.hits('contact', '203.0.113.7', window_seconds=3600))") == "2"
