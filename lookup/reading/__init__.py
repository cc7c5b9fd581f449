"""The reading layer: every PERP read goes through here (reader.py) and its cache.

keys.py builds the cache keys, store.py talks to the cache (Redis in production),
singleflight.py makes one PERP call per expired copy, breaker.py stops calling a PERP
that is down, error_memory.py remembers a failed read briefly.
"""
