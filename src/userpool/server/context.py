"""What every operation receives: the server's shared parts and this request's facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from userpool.server.config import ServerConfig
from userpool.server.db import Database
from userpool.server.keys import KeyRing
from userpool.server.sealing import Sealer

if TYPE_CHECKING:
    from userpool.server.delivery import Sender


@dataclass
class ServerState:
    config: ServerConfig
    database: Database
    sealer: Sealer
    keys: KeyRing
    sender: Sender
    admin_credentials: dict[str, str] = field(default_factory=dict)  # access key id -> secret key
    webhook_secret: bytes = b""  # signs trigger and SMS webhook requests (delivery.SIGNATURE_HEADER)


@dataclass
class Context:
    state: ServerState
    db: Session
    now: float
    source_ip: str = "127.0.0.1"
    region: str = "us-east-1"  # from the SigV4 scope when signed, else the server's
    # the region a signed wire call was signed for: as at Cognito's regional endpoints, ListUserPools
    # lists that region's pools only; None in-process (console, hosted pages), which see every region
    endpoint_region: str | None = None
    client_metadata: dict[str, str] = field(default_factory=dict)  # the request's ClientMetadata, for triggers
    device_key: str | None = None  # the DEVICE_KEY a sign-in presents (signin/pipeline.py carries it across challenges)
    read_only: bool = False  # a read unit of work: what must write raises db.WriteNeeded first (app.execute)
    # What an earlier attempt of this same request computed (app.execute and oauth2/http.run_sync
    # run it again after WriteNeeded): pure results only, keyed by everything they depend on (an
    # argon2id verdict by hash and password, a new password's hash and SRP verifier by pool, user
    # name and password), so that a re-run that reads the same rows reuses them and one that
    # reads others computes afresh.
    carry: dict[Any, Any] = field(default_factory=dict)
    # A user's groups and attributes as this unit read them with a refresh token (by user id:
    # tokens.find_refresh_token, in a read unit), for the claims of the tokens it issues
    claim_sources: dict[int, tuple[list[Any], dict[str, str]]] = field(default_factory=dict)

    @property
    def config(self) -> ServerConfig:
        return self.state.config

    @property
    def sealer(self) -> Sealer:
        return self.state.sealer
