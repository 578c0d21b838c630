"""PostgreSQL: the same migrations and the same server, and several server processes sharing it."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config

from tests.conftest import REGION, RunningServer, create_pool
from userpool import srp

pytestmark = pytest.mark.postgres


def _public(url: str) -> Any:
    return boto3.client(
        "cognito-idp", region_name=REGION, endpoint_url=url, config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1})
    )


@pytest.fixture
def two_servers(tmp_path, pg_database):
    """Two `userpool serve` processes on one database, sharing one master key and admin key."""
    env = {
        "USERPOOL_MASTER_KEY": "m" * 43,
        "USERPOOL_ADMIN_ACCESS_KEY_ID": "AKIAUSERPOOLTEST0001",
        "USERPOOL_ADMIN_SECRET_ACCESS_KEY": "s" * 40,
    }
    a = RunningServer(tmp_path / "a", "--database", pg_database, env=env)
    b = RunningServer(tmp_path / "b", "--database", pg_database, env=env)
    a.start()
    b.start()
    a.credentials = b.credentials = lambda: (env["USERPOOL_ADMIN_ACCESS_KEY_ID"], env["USERPOOL_ADMIN_SECRET_ACCESS_KEY"])  # type: ignore[method-assign]
    yield a, b
    a.stop()
    b.stop()


def _srp_sign_in(first: Any, second: Any, pool: dict[str, Any], username: str, password: str) -> dict[str, Any]:
    """USER_SRP_AUTH on one server, PASSWORD_VERIFIER on the other."""
    eph = srp.client_ephemeral()
    challenge = first.initiate_auth(
        ClientId=pool["client_id"], AuthFlow="USER_SRP_AUTH", AuthParameters={"USERNAME": username, "SRP_A": eph.srp_a}
    )
    params = challenge["ChallengeParameters"]
    signature, timestamp = srp.password_claim(
        eph, pool["pool_id"], params["USER_ID_FOR_SRP"], password, params["SALT"], params["SRP_B"], params["SECRET_BLOCK"]
    )
    answer = second.respond_to_auth_challenge(
        ClientId=pool["client_id"],
        ChallengeName="PASSWORD_VERIFIER",
        ChallengeResponses={
            "USERNAME": params["USER_ID_FOR_SRP"],
            "PASSWORD_CLAIM_SECRET_BLOCK": params["SECRET_BLOCK"],
            "PASSWORD_CLAIM_SIGNATURE": signature,
            "TIMESTAMP": timestamp,
        },
    )
    return dict(answer["AuthenticationResult"])


def test_two_processes_share_every_piece_of_state(two_servers):
    a, b = two_servers
    pool = create_pool(a)
    a.admin.admin_create_user(UserPoolId=pool["pool_id"], Username="pat", MessageAction="SUPPRESS")
    b.admin.admin_set_user_password(UserPoolId=pool["pool_id"], Username="pat", Password="Passw0rd!", Permanent=True)
    pub_a, pub_b = _public(a.url), _public(b.url)

    # SRP steps split across the two processes
    tokens = _srp_sign_in(pub_a, pub_b, pool, "pat", "Passw0rd!")
    # sign in on A, refresh on B
    refreshed = pub_b.get_tokens_from_refresh_token(ClientId=pool["client_id"], RefreshToken=tokens["RefreshToken"])
    assert pub_b.get_user(AccessToken=refreshed["AuthenticationResult"]["AccessToken"])["Username"] == "pat"
    # global sign-out on A: B refuses the old tokens
    pub_a.global_sign_out(AccessToken=tokens["AccessToken"])
    with pytest.raises(pub_b.exceptions.NotAuthorizedException):
        pub_b.get_user(AccessToken=tokens["AccessToken"])
    with pytest.raises(pub_b.exceptions.NotAuthorizedException):
        pub_b.get_tokens_from_refresh_token(ClientId=pool["client_id"], RefreshToken=tokens["RefreshToken"])


def test_failed_attempts_are_counted_across_processes(two_servers):
    a, b = two_servers
    pool = create_pool(a)
    a.admin.admin_create_user(UserPoolId=pool["pool_id"], Username="lee", MessageAction="SUPPRESS")
    a.admin.admin_set_user_password(UserPoolId=pool["pool_id"], Username="lee", Password="Passw0rd!", Permanent=True)
    clients = [_public(a.url), _public(b.url)]
    for i in range(5):
        with pytest.raises(clients[i % 2].exceptions.NotAuthorizedException, match="Incorrect username or password"):
            clients[i % 2].initiate_auth(
                ClientId=pool["client_id"], AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "lee", "PASSWORD": "nope"}
            )
    with pytest.raises(clients[1].exceptions.NotAuthorizedException, match="Password attempts exceeded"):
        clients[1].initiate_auth(
            ClientId=pool["client_id"], AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "lee", "PASSWORD": "Passw0rd!"}
        )
