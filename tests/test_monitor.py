"""The Stats page's reads: server facts, and our keys listed with type and size, bounded."""

from __future__ import annotations

from django_resque.monitoring import server as monitor


def test_server_info_reports_version_memory_clients_and_persistence(redis):
    info = monitor.server_info()
    assert info["Server"]["redis_version"]
    assert "used_memory_human" in info["Memory"]
    assert info["Clients"]["connected_clients"] >= 1
    assert "aof_enabled" in info["Persistence"]
    assert "appendonly" in info["Persistence settings"]


def test_namespace_keys_lists_only_our_keys_with_type_and_size(redis):
    redis.rpush("resque:queue:default", "a", "b")
    redis.sadd("resque:queues", "default")
    redis.hset("resque:workers:heartbeat", "w", "t")
    redis.set("other:key", "x")
    keys, complete = monitor.namespace_keys()
    assert complete
    assert [(k.name, k.type, k.size) for k in keys] == [
        ("resque:queue:default", "list", 2),
        ("resque:queues", "set", 1),
        ("resque:workers:heartbeat", "hash", 1),
    ]


def test_namespace_keys_stops_at_the_limit_and_says_so(redis):
    redis.mset({f"resque:k:{i}": i for i in range(300)})
    keys, complete = monitor.namespace_keys(limit=50)
    assert len(keys) == 50
    assert not complete
