import pytest
from django.conf import settings
from django.test import override_settings

from django_resque.checks import scale_out
from django_resque.checks import settings as setting_checks


def with_resque(**changes):
    return override_settings(RESQUE={**settings.RESQUE, **changes})


def ids(messages):
    return [m.id for m in messages]


SENTINELS = [("127.0.0.1", 26379), ("127.0.0.1", 26380)]


def test_the_test_settings_pass_the_scale_out_checks():
    assert scale_out.check_scale_out() == []


def test_sentinels_with_a_master_name_pass_every_settings_check():
    with with_resque(SENTINELS=SENTINELS, SENTINEL_MASTER="mymaster", ENQUEUE_REPLICAS=1):
        assert scale_out.check_scale_out() == []
        assert setting_checks.check_settings() == []


def test_a_cluster_node_url_with_enqueue_replicas_passes_every_settings_check():
    """ENQUEUE_REPLICAS works on a cluster: WAIT goes to the primary that holds the slot."""
    with with_resque(CLUSTER=True, REDIS_URL="redis://10.0.0.5:7000/0", ENQUEUE_REPLICAS=1):
        assert scale_out.check_scale_out() == []
        assert setting_checks.check_settings() == []


def test_a_redis_sentinel_url_passes_the_url_check_and_needs_no_other_setting():
    with with_resque(REDIS_URL="redis+sentinel://:pw@127.0.0.1:26379,127.0.0.1/mymaster/2"):
        assert scale_out.check_scale_out() == []
        assert setting_checks.check_settings() == []


@pytest.mark.parametrize(
    ("changes", "expected", "words"),
    [
        ({"SENTINELS": SENTINELS}, "django_resque.E090", "SENTINEL_MASTER"),
        ({"SENTINELS": "127.0.0.1:26379", "SENTINEL_MASTER": "m"}, "django_resque.E090", "pairs"),
        ({"SENTINELS": [("h", "26379")], "SENTINEL_MASTER": "m"}, "django_resque.E090", "('h',"),
        ({"SENTINEL_MASTER": "mymaster"}, "django_resque.E090", "lists no sentinel"),
        ({"REDIS_URL": "redis+sentinel://127.0.0.1:26379"}, "django_resque.E090", "/master"),
        ({"SENTINEL_PASSWORD": 1234}, "django_resque.E092", "string"),
        ({"ENQUEUE_REPLICAS": -1}, "django_resque.E093", "replicas"),
        ({"ENQUEUE_REPLICAS": True}, "django_resque.E093", "replicas"),
        ({"ENQUEUE_REPLICAS_TIMEOUT": 0}, "django_resque.E094", "milliseconds"),
        ({"ENQUEUE_REPLICAS": 1, "ENQUEUE_REPLICAS_TIMEOUT": 5000}, "django_resque.E095", "5.0"),
        ({"JOB_ID_TTL": 0}, "django_resque.E096", "seconds"),
        ({"CLUSTER": "yes"}, "django_resque.E097", "True"),
        ({"CLUSTER": 1}, "django_resque.E097", "True"),
        (
            {"CLUSTER": True, "SENTINELS": SENTINELS, "SENTINEL_MASTER": "m"},
            "django_resque.E098",
            "SENTINELS",
        ),
        (
            {"CLUSTER": True, "REDIS_URL": "redis+sentinel://127.0.0.1/mymaster"},
            "django_resque.E098",
            "SENTINELS",
        ),
        ({"CLUSTER": True, "CONNECTION": "default"}, "django_resque.E098", "CONNECTION"),
        ({"CLUSTER": True, "REDIS_URL": "redis://127.0.0.1:7000/3"}, "django_resque.E099", "0"),
        ({"CLUSTER": True, "REDIS_URL": "redis://h:7000/?db=2"}, "django_resque.E099", "0"),
    ],
)
def test_bad_scale_out_settings_are_numbered_errors_that_say_what_to_write(
    changes, expected, words
):
    with with_resque(**changes):
        (message,) = scale_out.check_scale_out()
    assert message.id == expected
    assert words in message.msg


def test_sentinels_and_a_django_redis_connection_together_are_refused():
    with with_resque(SENTINELS=SENTINELS, SENTINEL_MASTER="m", CONNECTION="default"):
        assert "django_resque.E091" in ids(scale_out.check_scale_out())
