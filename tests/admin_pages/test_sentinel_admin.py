"""The admin over Redis behind Sentinel: its pages read the primary, or say no primary is known."""

from __future__ import annotations

import pytest
from django.test import override_settings

from tests.helpers import RedisServer
from tests.sentinel_set import SentinelSet, sentinel_supported

_unsupported = sentinel_supported()


@pytest.mark.skipif(bool(_unsupported), reason=_unsupported or "supported")
def test_the_overview_reads_the_primary_the_sentinels_name(operator, settings):
    sentinels = SentinelSet(replicas=1).start()
    try:
        with override_settings(RESQUE={**settings.RESQUE, "REDIS_URL": sentinels.url}):
            response = operator.get("/admin/django_resque/overview/")
    finally:
        sentinels.stop()
    assert response.status_code == 200


def test_with_no_sentinel_answering_every_page_says_so_with_a_503_and_no_password(
    operator, settings
):
    down = [RedisServer().port, RedisServer().port]  # never started: connections are refused
    resque = {
        **settings.RESQUE,
        "SENTINELS": [("127.0.0.1", port) for port in down],
        "SENTINEL_MASTER": "mymaster",
        "SENTINEL_PASSWORD": "s3cret",
        "REDIS_URL": "redis://:data-s3cret@unused/0",
        "SOCKET_CONNECT_TIMEOUT": 1,
    }
    with override_settings(RESQUE=resque):
        response = operator.get("/admin/django_resque/queue/")
    assert response.status_code == 503
    html = response.content.decode()
    assert "Redis is unreachable" in html
    assert f"the primary &#x27;mymaster&#x27; (db 0) of the Sentinels 127.0.0.1:{down[0]}" in html
    assert "s3cret" not in html
