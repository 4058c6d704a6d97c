"""A bad REDIS_URL in a process that ran no system checks names the setting."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests import jobs as test_jobs


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://localhost", r"RESQUE\['REDIS_URL'\] is not a Redis URL \(Redis URL must"),
        ("redis://localhost:port/0", r"RESQUE\['REDIS_URL'\] is not a Redis URL \(Port"),
        (1234, r"RESQUE\['REDIS_URL'\] must be a string, not 1234"),
    ],
)
def test_delay_with_a_bad_redis_url_raises_improperly_configured(settings, url, message):
    settings.RESQUE = {**settings.RESQUE, "REDIS_URL": url}
    with pytest.raises(ImproperlyConfigured, match=message):
        test_jobs.add.delay(1, 2)
