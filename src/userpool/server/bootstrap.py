"""Opening a server's state: data directory, master key, database (migrated), admin credentials."""

from __future__ import annotations

import configparser
import logging
import os
import secrets
import string
from pathlib import Path

from userpool.server.config import ServerConfig
from userpool.server.context import ServerState
from userpool.server.db import Database, sqlite_url
from userpool.server.delivery import build_sender, load_webhook_secret
from userpool.server.keys import KeyRing
from userpool.server.sealing import Sealer, load_master_key

log = logging.getLogger("userpool.server")
ACCESS_KEY_ENV = "USERPOOL_ADMIN_ACCESS_KEY_ID"
SECRET_KEY_ENV = "USERPOOL_ADMIN_SECRET_ACCESS_KEY"
CREDENTIALS_FILE = "admin-credentials"


def admin_credentials(data_dir: Path) -> dict[str, str]:
    """The access key admin calls must be signed with: from the environment, else the
    shared-credentials file in the data dir (generated 0600 on first start), so that
    ``AWS_SHARED_CREDENTIALS_FILE=DATA_DIR/admin-credentials`` works for boto3 and the AWS CLI."""
    key_id, secret = os.environ.get(ACCESS_KEY_ENV), os.environ.get(SECRET_KEY_ENV)
    if key_id and secret:
        return {key_id: secret}
    path = data_dir / CREDENTIALS_FILE
    parser = configparser.ConfigParser()
    if path.exists():
        parser.read(path)
        section = parser["default"]
        return {section["aws_access_key_id"]: section["aws_secret_access_key"]}
    key_id = "AKIA" + "".join(secrets.choice(string.ascii_uppercase + "234567") for _ in range(16))
    secret = "".join(secrets.choice(string.ascii_letters + string.digits + "+/") for _ in range(40))
    parser["default"] = {"aws_access_key_id": key_id, "aws_secret_access_key": secret}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        parser.write(f)
    log.info("generated admin credentials in %s", path)
    return {key_id: secret}


def prepare(config: ServerConfig) -> None:
    """Once per deployment, before any worker starts: data dir, key, credentials, schema."""
    config.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    load_master_key(config.data_dir)
    admin_credentials(config.data_dir)
    load_webhook_secret(config.data_dir)
    Database(config.database_url or sqlite_url(config.data_dir)).upgrade()


def open_state(config: ServerConfig, migrate: bool = True) -> ServerState:
    config.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    sealer = Sealer(load_master_key(config.data_dir))
    database = Database(config.database_url or sqlite_url(config.data_dir))
    if migrate:
        database.upgrade()
    webhook_secret = load_webhook_secret(config.data_dir)
    return ServerState(
        config=config,
        database=database,
        sealer=sealer,
        keys=KeyRing(sealer),
        sender=build_sender(config, webhook_secret),
        admin_credentials=admin_credentials(config.data_dir),
        webhook_secret=webhook_secret,
    )
