"""A small Hub: Amplify's publish/subscribe bus for auth events.

``hub.listen("auth", callback)`` returns a function that unsubscribes, as Amplify v6's
``Hub.listen`` does. Callbacks run synchronously in the thread that dispatched; an exception
in one listener is logged and does not reach the caller or the other listeners.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HubPayload:
    event: str
    data: Any = None
    message: str | None = None


@dataclass(frozen=True)
class HubCapsule:
    """What a listener receives: ``capsule.payload.event`` is e.g. ``"signedIn"``."""

    channel: str
    payload: HubPayload
    source: str = "Auth"


HubCallback = Callable[[HubCapsule], Any]


class Hub:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: dict[str, list[HubCallback]] = {}

    def listen(self, channel: str, callback: HubCallback) -> Callable[[], None]:
        """Subscribe ``callback`` to ``channel``; call the returned function to unsubscribe."""
        with self._lock:
            self._listeners.setdefault(channel, []).append(callback)

        def unsubscribe() -> None:
            with self._lock:
                listeners = self._listeners.get(channel, [])
                if callback in listeners:
                    listeners.remove(callback)

        return unsubscribe

    def dispatch(self, channel: str, payload: HubPayload, source: str = "Auth") -> None:
        with self._lock:
            listeners = list(self._listeners.get(channel, ()))
        capsule = HubCapsule(channel, payload, source)
        for callback in listeners:
            try:
                callback(capsule)
            except Exception:  # a listener's bug must not break sign-in
                log.exception("Hub listener %r failed on %s", callback, payload.event)


#: The process-wide Hub, like Amplify's ``Hub`` singleton.
hub = Hub()
