"""channel.py: per-job calls on connections kept from get_redis()'s pool, on a real Redis."""

import os
import threading

import pytest
import redis as redis_py
from redis.exceptions import NoScriptError

from django_resque.storage import channel, connection, scripts
from tests.helpers import wait_until


def client_id() -> int:
    return int(channel.call("CLIENT", "ID"))


def test_calls_reuse_one_kept_connection_that_the_pool_no_longer_offers(redis):
    first = client_id()
    assert client_id() == first
    pool = connection.get_redis().connection_pool
    assert all(c.client_id != first for c in pool._available_connections if c._sock)
    assert connection.get_redis().client_id() != first  # the client's own calls go elsewhere


def test_a_connection_the_server_closed_is_reconnected_before_the_next_call(redis):
    first = client_id()
    redis.client_kill_filter(_id=first)
    assert channel.call("ECHO", "after") == b"after"
    assert client_id() != first


def test_a_reply_nobody_read_never_reaches_the_next_caller(redis):
    kept = channel.get_channel()
    assert kept is not None
    conn = kept._take()
    conn.send_command("ECHO", "stale")  # sent, never read
    assert conn.can_read(timeout=5)  # the reply is waiting in the socket
    kept._idle.append(conn)
    assert channel.call("ECHO", "fresh") == b"fresh"


def test_a_call_cut_short_leaves_no_reply_behind_for_the_next(redis, redis_server):
    kept = channel.Channel(redis_py.Redis.from_url(redis_server.url, socket_timeout=0.2))
    with pytest.raises(redis_py.TimeoutError):
        kept.call("BLPOP", "later", 2)  # the reply would come after the socket timeout
    redis.rpush("later", "item")  # kept on that socket, BLPOP's reply would come first
    assert kept.call("ECHO", "fresh") == b"fresh"


def test_an_error_reply_is_raised_and_the_connection_stays_in_step(redis):
    first = client_id()
    with pytest.raises(NoScriptError):
        channel.call("EVALSHA", "0" * 40, 0)
    assert channel.call("ECHO", "next") == b"next"
    assert client_id() == first


def test_call_many_sends_in_order_and_returns_error_replies(redis):
    replies = channel.call_many([("SET", "k", "v"), ("LPUSH", "k", "x"), ("GET", "k")])
    assert replies[0] is True or replies[0] == b"OK"
    assert isinstance(replies[1], redis_py.ResponseError)  # WRONGTYPE, returned not raised
    assert replies[2] == b"v"


def test_threads_calling_at_once_each_get_their_own_connection(redis):
    ids: list[int] = []

    def block() -> None:
        ids.append(int(channel.call_many([("CLIENT", "ID"), ("BLPOP", "never", 30)])[0]))

    thread = threading.Thread(target=block)
    thread.start()
    wait_until(lambda: any(c["cmd"] == "blpop" for c in redis.client_list()))
    assert channel.call("ECHO", "meanwhile") == b"meanwhile"  # not stuck behind the BLPOP
    mine = client_id()
    redis.rpush("never", "wake")
    thread.join(10)
    assert ids and ids[0] != mine


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded")  # the child only writes
def test_a_forked_child_connects_afresh_and_leaves_the_parents_connection_alone(redis):
    parent = client_id()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover  (the child)
        try:
            os.write(write_end, str(client_id()).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    child = int(os.read(read_end, 64))
    os.close(read_end)
    os.waitpid(pid, 0)
    assert child != parent
    assert client_id() == parent  # the child did not shut the parent's socket down


def test_a_single_connection_client_is_used_as_it_is(redis):
    single = connection.build_client(single_connection=True)
    connection.use_in_this_process(single)
    try:
        assert channel.get_channel() is None
        assert channel.call("CLIENT", "ID") == single.client_id()
    finally:
        single.close()
        connection.reset()


def test_scripts_load_on_noscript_through_the_channel(redis):
    redis.script_flush()
    keys = ["resque:queues", "resque:queue:fresh", "resque:dj:wake:fresh"]
    assert scripts.run("enqueue", keys, ["fresh", 5, "", "", "", "", "", "{}"]) == 1
    assert redis.lrange("resque:queue:fresh", 0, -1) == [b"{}"]


def test_redis_down_is_a_clear_connection_error(settings):
    from django_resque import conf

    settings.RESQUE = {**settings.RESQUE, "REDIS_URL": "redis://127.0.0.1:1/0"}
    conf._config.cache_clear()
    connection.reset()
    try:
        with pytest.raises(redis_py.ConnectionError):
            channel.call("PING")
    finally:
        conf._config.cache_clear()
        connection.reset()
