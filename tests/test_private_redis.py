"""scripts/private_redis.py: every redis-server of the suite, the example and the bench."""

from __future__ import annotations

import redis as redis_py

from tests.helpers import RedisServer


def test_a_chosen_port_another_server_took_first_is_chosen_again_and_not_mistaken_for_ours():
    other = RedisServer().start()
    ours = RedisServer()
    ours.port = other.port  # as if the other server bound it between free_port() and our start
    try:
        ours.start()
        assert ours.port != other.port
        info = redis_py.Redis(port=ours.port).info("server")
        assert info["process_id"] == ours.pid
        assert other.process is not None and other.process.poll() is None  # left alone
    finally:
        ours.stop()
        other.stop()
