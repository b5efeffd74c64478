"""Redis lock store with an atomic lock (runs in .venv-rasa).

Rasa 3.6's RedisLockStore hands out "tickets" with a read-modify-write of one Redis key; two replicas
taking the same sender's messages at the same moment can both end up holding the lock (measured in
tests/e2e/scale/test_scale.py: a duplicated session start and a message missing from the current session).
This store uses one Redis lock per conversation instead: SET NX PX to take it, a token-checked Lua
release (redis-py's Lock), polled every 20 ms without blocking the event loop, with an expiry so a
crashed replica cannot hold a conversation forever. A Redis restart does not cost the turns that meet it: taking
the lock retries a lost connection for up to RECONNECT_SECONDS (Rasa would otherwise drop the message and answer
nothing), and a release that cannot reach Redis leaves the lock to expire."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any, Optional

import redis
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

POLL_SECONDS = 0.02
MAX_WAIT_SECONDS = 120.0
RECONNECT_SECONDS = 20.0
_LOST = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


class AtomicRedisLockStore(LockStore):
    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        config = dict(endpoint_config.kwargs) if endpoint_config else {}
        config.update(kwargs)
        host = (endpoint_config.url if endpoint_config else None) or config.get("host", "localhost")
        self.key_prefix = f"{config.get('key_prefix') or 'wegwijzer'}:lock:"
        self.red = redis.StrictRedis(
            host=host,
            port=int(config.get("port", 6379)),
            db=int(config.get("db", 0)),
            password=config.get("password"),
            ssl=bool(config.get("use_ssl", False)),
            socket_timeout=float(config.get("socket_timeout", 10)),
        )
        super().__init__()

    @asynccontextmanager
    async def lock(  # type: ignore[override]
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = 1
    ) -> AsyncGenerator[None, None]:
        lock = self.red.lock(self.key_prefix + conversation_id, timeout=lock_lifetime, blocking=False)
        deadline = time.monotonic() + max(MAX_WAIT_SECONDS, lock_lifetime)
        reconnect_deadline: Optional[float] = None
        while True:
            try:
                if lock.acquire(blocking=False):
                    break
                reconnect_deadline = None
                pause = POLL_SECONDS
            except _LOST as error:  # Redis restarting: wait for it rather than drop the message
                now = time.monotonic()
                reconnect_deadline = reconnect_deadline or now + RECONNECT_SECONDS
                if now > reconnect_deadline:
                    raise LockError(f"lock store unreachable for {RECONNECT_SECONDS:.0f}s") from error
                pause = 0.25
            if time.monotonic() > deadline:
                raise LockError(f"could not lock conversation {conversation_id} within {MAX_WAIT_SECONDS:.0f}s")
            await asyncio.sleep(pause)
        try:
            yield None
        finally:
            try:
                lock.release()
            except redis.exceptions.LockError:  # expired meanwhile: another replica may own it now
                pass
            except _LOST:  # Redis went away during the turn: the lock expires on its own (lock_lifetime)
                pass

    # The ticket API of the base class is not used by this store.
    def get_lock(self, conversation_id: str):  # pragma: no cover
        return None

    def delete_lock(self, conversation_id: str) -> None:  # pragma: no cover
        self.red.delete(self.key_prefix + conversation_id)

    def save_lock(self, lock) -> None:  # pragma: no cover
        raise NotImplementedError("AtomicRedisLockStore does not use tickets")
