"""Django's Redis cache, with one Redis client per connection pool instead of one per command.

django.core.cache.backends.redis builds a new `redis.Redis` for every cache call, and each
build fills a table of some 200 response callbacks: with the session, the user, the unread
count and the shared pages' versions read from Redis on every signed-in request, that was a
large part of the request's CPU (profiled in issue 16). A client is safe to share between
threads (its pool hands each command its own connection).
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


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


class SharedRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusingClient
