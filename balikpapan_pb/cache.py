"""Django's Redis cache, with one Redis client per connection pool instead of one per command,
and values read ahead for a request in one round trip.

django.core.cache.backends.redis builds a new `redis.Redis` for every cache call, and each
build fills a table of some 200 response callbacks: with the session, the user, the unread
count and the shared pages' versions read from Redis on every signed-in request, that was a
large part of the request's CPU (profiled in issue 16). A client is safe to share between
threads (its pool hands each command its own connection).

Each command is still a round trip, some 0.1 ms of CPU on this stack (redis-py and the loopback
socket), whatever it carries. A request that knows which keys it will read asks for them at
once (`preload`, one MGET: balikpapan_pb.preload); each later `get` or `get_many` of such a key
is answered from what came back, once (a value used twice is read again, so nobody shares a
mutable one), and any write of the key through this cache drops what was read ahead. Read-ahead
values live for one request (`preloading()`), as a value read at its start would.
"""

from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

# full cache key -> the value read ahead (_ABSENT: Redis had none); None outside a request
_READ_AHEAD: ContextVar[dict | None] = ContextVar("cache_read_ahead", default=None)
_ABSENT = object()


@contextmanager
def preloading():
    """The scope of read-ahead values: one request."""
    token = _READ_AHEAD.set({})
    try:
        yield
    finally:
        _READ_AHEAD.reset(token)


class _ReusingClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(index))
        return client


    def mget_send(self, keys: list[str]):
        """Sends MGET on a pooled connection directly, without the client's layers per command
        (retries, response callbacks, metrics: a third of its CPU), and returns without waiting
        for the reply: `mget_receive` reads it and gives the connection back."""
        pool = self.get_client(None).connection_pool
        connection = pool.get_connection()
        try:
            connection.send_command("MGET", *keys)
        except BaseException:
            connection.disconnect()
            pool.release(connection)
            raise
        return pool, connection

    def mget_receive(self, sent) -> list:
        pool, connection = sent
        try:
            return connection.read_response()
        except BaseException:
            connection.disconnect()  # a reply not read must not be read by the next command
            raise
        finally:
            pool.release(connection)


@dataclass
class PendingRead:
    """An MGET sent and not yet read (SharedRedisCache.preload_send)."""

    keys: list[str]
    full_keys: list[str]
    sent: tuple | None  # None: sending failed, the keys are read again when received


class SharedRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusingClient

    def validate_key(self, key):
        """Redis takes any key: no need to look for what memcached refuses (a dozen keys a request)."""

    def preload(self, keys: Iterable[str], version=None) -> dict:
        """Reads these keys in one round trip, for the rest of the request (inside `preloading()`;
        outside, it is a get_many). Returns what was found, as get_many."""
        return self.preload_receive(self.preload_send(keys, version))

    def preload_send(self, keys: Iterable[str], version=None) -> PendingRead:
        """The first half of `preload`: asks, and returns at once. Whoever sends must receive
        (balikpapan_pb.preload does, in a finally): the connection is held until then."""
        keys = list(keys)
        full_keys = [self.make_and_validate_key(key, version=version) for key in keys]
        try:
            sent = self._cache.mget_send(full_keys)
        except RedisError:
            sent = None
        return PendingRead(keys, full_keys, sent)

    def preload_receive(self, pending: PendingRead) -> dict:
        """The second half of `preload`: the reply, read ahead for the rest of the request."""
        values = None
        if pending.sent is not None:
            sent, pending.sent = pending.sent, None
            try:
                values = self._cache.mget_receive(sent)
            except RedisError:
                values = None
        if values is None:  # asked again through the client, which retries
            values = self._cache.get_client(None).mget(pending.full_keys)
        loads = self._cache._serializer.loads
        found = {key: loads(value) for key, value in zip(pending.keys, values, strict=True) if value is not None}
        read_ahead = _READ_AHEAD.get()
        if read_ahead is not None:
            for key, full_key in zip(pending.keys, pending.full_keys, strict=True):
                read_ahead[full_key] = found.get(key, _ABSENT)
        return found

    def _forget(self, keys: Iterable[str], version=None) -> None:
        read_ahead = _READ_AHEAD.get()
        if read_ahead:
            for key in keys:
                read_ahead.pop(self.make_and_validate_key(key, version=version), None)

    def get(self, key, default=None, version=None):
        read_ahead = _READ_AHEAD.get()
        if read_ahead:
            value = read_ahead.pop(self.make_and_validate_key(key, version=version), None)
            if value is not None:
                return default if value is _ABSENT else value
        return super().get(key, default, version)

    def get_many(self, keys, version=None):
        read_ahead = _READ_AHEAD.get()
        if not read_ahead:
            return super().get_many(keys, version)
        found, missing = {}, []
        for key in keys:
            value = read_ahead.pop(self.make_and_validate_key(key, version=version), None)
            if value is None:
                missing.append(key)
            elif value is not _ABSENT:
                found[key] = value
        if missing:
            found.update(super().get_many(missing, version))
        return found

    def has_key(self, key, version=None):
        self._forget([key], version)
        return super().has_key(key, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._forget([key], version)
        return super().add(key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._forget([key], version)
        super().set(key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        self._forget([key], version)
        return super().touch(key, timeout, version)

    def delete(self, key, version=None):
        self._forget([key], version)
        return super().delete(key, version)

    def incr(self, key, delta=1, version=None):
        self._forget([key], version)
        return super().incr(key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        self._forget(data, version)
        return super().set_many(data, timeout, version)

    def delete_many(self, keys, version=None):
        keys = list(keys)
        self._forget(keys, version)
        super().delete_many(keys, version)

    def clear(self):
        read_ahead = _READ_AHEAD.get()
        if read_ahead:
            read_ahead.clear()
        return super().clear()
