"""One cache for the process's cached work, bounded in bytes (st.cache_data bounds only the entries).

A distinct big run kept about 28 MB for an hour in st.cache_data: 64 entries were 1.8 GB per process whatever
each entry's size. :func:`byte_cache` keeps values as st.cache_data does (pickled: every caller gets its own
copy) in one store shared by every cached function of the process, least recently used first out when the
total passes MAX_CACHE_BYTES; a value larger than MAX_ENTRY_BYTES is returned but not kept. ``shared=True``
keeps the value itself, for values nobody changes (the figures: unpickling a copy on every rerun cost more
than the rest of an unchanged rerun), counted by its pickled size, measured once. A shared value is handed to
every visitor who asks with the same arguments, so it may hold only what those arguments determine (a figure
of this config, table and names: nothing of a session, never changed after it is built; tests/test_cache.py).
"""
from __future__ import annotations

import functools
import hashlib
import pickle
import threading
import time
from collections import OrderedDict
from typing import Any, Callable

import numpy as np
import streamlit as st

MAX_CACHE_BYTES = 300 << 20
MAX_ENTRY_BYTES = 100 << 20  # a third of the store: one huge value cannot push out everything else
TTL_SECONDS = 3600


class ByteStore:
    """Values (pickled, or shared objects with their pickled size) by key, least recently used first, at most
    ``max_bytes`` in all."""

    def __init__(self, max_bytes: int, max_entry: int):
        self.max_bytes, self.max_entry = max_bytes, max_entry
        self.entries: OrderedDict[tuple, tuple[Any, float, int]] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key: tuple, ttl: float) -> Any:
        with self.lock:
            found = self.entries.get(key)
            if found is None:
                return None
            if time.monotonic() - found[1] > ttl:
                self._drop(key)
                return None
            self.entries.move_to_end(key)
            return found[0]

    def put(self, key: tuple, data: Any, size: int | None = None) -> None:
        size = len(data) if size is None else size
        if size > self.max_entry:
            return
        with self.lock:
            if key in self.entries:
                self._drop(key)
            self.entries[key] = (data, time.monotonic(), size)
            self.size += size
            while self.size > self.max_bytes:
                self._drop(next(iter(self.entries)))

    def _drop(self, key: tuple) -> None:
        _, _, size = self.entries.pop(key)
        self.size -= size

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.size = 0


STORE = ByteStore(MAX_CACHE_BYTES, MAX_ENTRY_BYTES)


def feed(digest, value: Any) -> None:
    """Hash ``value`` by content: arrays by dtype, shape and bytes; containers item by item."""
    if isinstance(value, np.ndarray):
        digest.update(b"a" + value.dtype.str.encode() + repr(value.shape).encode())
        digest.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, (tuple, list)):
        digest.update(b"(" if isinstance(value, tuple) else b"[")
        for item in value:
            feed(digest, item)
        digest.update(b")")
    elif isinstance(value, (str, bytes, int, float, bool, type(None))):
        digest.update(type(value).__name__.encode() + b":" + repr(value).encode() + b";")
    else:
        digest.update(b"p" + pickle.dumps(value))


def key_of(function: Callable, args: tuple, kwargs: dict) -> tuple:
    digest = hashlib.blake2b(digest_size=20)
    feed(digest, args)
    feed(digest, sorted(kwargs.items()))
    return function.__module__, function.__qualname__, digest.digest()


def byte_cache(show_spinner: str | bool = False, ttl: float = TTL_SECONDS, store: ByteStore | None = None,
               shared: bool = False):
    """Like ``st.cache_data(ttl=...)`` (``shared``: every visitor gets the one object, not a copy: it must hold
    nothing per visitor and never be changed), in the process's byte-bounded :data:`STORE`."""
    def decorate(function: Callable) -> Callable:
        @functools.wraps(function)
        def cached(*args, **kwargs):
            where = store or STORE
            key = key_of(function, args, kwargs)
            data = where.get(key, ttl)
            if data is not None:
                return data if shared else pickle.loads(data)
            if isinstance(show_spinner, str):
                with st.spinner(show_spinner):
                    value = function(*args, **kwargs)
            else:
                value = function(*args, **kwargs)
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            where.put(key, value, len(data)) if shared else where.put(key, data)
            return value
        cached.clear = (store or STORE).clear
        return cached
    return decorate
