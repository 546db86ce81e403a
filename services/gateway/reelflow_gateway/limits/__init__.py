"""Abuse limits: rates per client address, account and user, caps on what one user holds open.

`rates` and `decisions` are pure (no I/O); `counters` keeps the windows in MongoDB (shared by every
gateway instance); `held` counts this instance's open streams and held GETs; `limiter` ties them
to the settings and answers 429 with `Retry-After`.
"""
