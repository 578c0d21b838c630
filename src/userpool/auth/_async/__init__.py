"""The client's drivers; ``_async`` is the source, ``_sync`` is written from it.

``scripts/unasync.py`` writes ``userpool/auth/_sync/`` from ``userpool/auth/_async/``
(``async def`` -> ``def``, ``await`` dropped, ``AsyncAuthClient`` -> ``AuthClient`` ...);
``--check`` fails when the written files are stale. Edit ``_async``, never ``_sync``.
"""
