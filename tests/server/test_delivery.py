"""Real delivery: e-mail through a real SMTP server on loopback (aiosmtpd, STARTTLS with a
private CA, AUTH), SMS through a signed webhook, failures that roll the request back, and an
SMTP password that never reaches the server's log."""

from __future__ import annotations

import datetime
import email
import email.policy
import hashlib
import hmac
import ipaddress
import json
import re
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.conftest import PASSWORD, RunningServer, create_pool, free_port
from tests.server.helpers import changed_tables, state, unique

SMTP_USER = "mailer"
SMTP_PASSWORD = "S3cret-smtp-Pa55word"
FROM = "no-reply@userpool.test"


def _certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 / localhost (the private CA the server is told to trust)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "smtp.pem", directory / "smtp.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class Mailbox:
    """aiosmtpd handler: keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.logins: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == SMTP_USER.encode() \
            and auth_data.password == SMTP_PASSWORD.encode()
        if isinstance(auth_data, LoginPassword):
            self.logins.append(auth_data.login)
        return AuthResult(success=ok)

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


class SmsHook:
    """The SMS provider's webhook: checks the signature, keeps what it got, or fails on demand."""

    def __init__(self) -> None:
        self.secret = b""
        self.received: list[dict[str, Any]] = []
        self.fail = False
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                expected = "sha256=" + hmac.new(hook.secret, body, hashlib.sha256).hexdigest()
                signed = hmac.compare_digest(self.headers.get("X-Userpool-Signature", ""), expected)
                if signed and not hook.fail:
                    hook.received.append(json.loads(body))
                self.send_response(200 if signed and not hook.fail else 503)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/sms"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def mailbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Mailbox, int, Path]]:
    cert, key = _certificate(tmp_path_factory.mktemp("smtp-tls"))
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    box = Mailbox()
    port = free_port()
    controller = Controller(
        box, hostname="127.0.0.1", port=port, tls_context=tls, require_starttls=True,
        authenticator=box.authenticate, auth_required=True,
    )
    controller.start()
    yield box, port, cert
    controller.stop()


@pytest.fixture(scope="module")
def sms_hook() -> Iterator[SmsHook]:
    hook = SmsHook()
    yield hook
    hook.close()


def _smtp_url(port: int, cert: Path, password: str = SMTP_PASSWORD) -> str:
    # aiosmtpd answers a failed AUTH only after a long delay: a short timeout keeps the test quick
    return f"smtp://{SMTP_USER}:{password}@127.0.0.1:{port}?starttls=true&cafile={cert}&from={FROM}&timeout=3"


@pytest.fixture(scope="module")
def mailing_server(
    tmp_path_factory: pytest.TempPathFactory, mailbox: tuple[Mailbox, int, Path], sms_hook: SmsHook
) -> Iterator[RunningServer]:
    _, port, cert = mailbox
    srv = RunningServer(
        tmp_path_factory.mktemp("mailing"), "--email-sender", "smtp", "--smtp-url", _smtp_url(port, cert),
        "--sms-webhook", sms_hook.url,
    )
    srv.start()
    sms_hook.secret = (srv.data_dir / "webhook-secret").read_text().strip().encode()
    yield srv
    srv.stop()


def test_sign_up_code_arrives_by_smtp_over_starttls(mailing_server, mailbox):
    box, _, _ = mailbox
    pool = create_pool(mailing_server)
    username = unique()
    address = f"{username}@example.com"
    out = mailing_server.public.sign_up(
        ClientId=pool["client_id"], Username=username, Password=PASSWORD, UserAttributes=[{"Name": "email", "Value": address}]
    )
    assert out["CodeDeliveryDetails"] == {"Destination": f"{username[0]}***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    [mail] = box.to(address)
    assert mail["From"] == FROM and mail["Subject"] == "Your verification code"
    code = re.search(r"\b(\d{6})\b", mail.get_body(("plain",)).get_content()).group(1)  # type: ignore[union-attr]
    assert mailing_server.outbox() == []  # e-mail went by SMTP only
    mailing_server.public.confirm_sign_up(ClientId=pool["client_id"], Username=username, ConfirmationCode=code)
    assert box.logins and set(box.logins) == {SMTP_USER.encode()}
    log = mailing_server.log_path.read_text()
    assert SMTP_PASSWORD not in log and "smtp:" in log


def test_sms_mfa_code_goes_to_the_signed_webhook(mailing_server, sms_hook):
    pool = create_pool(mailing_server)
    mailing_server.admin.set_user_pool_mfa_config(
        UserPoolId=pool["pool_id"], MfaConfiguration="ON",
        SmsMfaConfiguration={"SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::123456789012:role/sns"}},
    )
    username = unique()
    mailing_server.admin.admin_create_user(
        UserPoolId=pool["pool_id"], Username=username, MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "phone_number", "Value": "+15555550142"}],
    )
    mailing_server.admin.admin_set_user_password(UserPoolId=pool["pool_id"], Username=username, Password=PASSWORD, Permanent=True)
    step = mailing_server.public.initiate_auth(
        ClientId=pool["client_id"], AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD}
    )
    assert step["ChallengeName"] == "SMS_MFA"  # a phone number is enough when MFA is required
    [sms] = [m for m in sms_hook.received if m["username"] == username]
    assert sms["to"] == "+15555550142" and sms["kind"] == "MFA_SMS" and sms["userPoolId"] == pool["pool_id"]
    code = re.search(r"\d{6}", sms["message"]).group(0)  # type: ignore[union-attr]
    done = mailing_server.public.respond_to_auth_challenge(
        ClientId=pool["client_id"], ChallengeName="SMS_MFA", Session=step["Session"],
        ChallengeResponses={"USERNAME": username, "SMS_MFA_CODE": code},
    )
    assert "AccessToken" in done["AuthenticationResult"]
    sms_hook.fail = True
    try:
        before = state(mailing_server)
        with pytest.raises(ClientError) as exc:
            mailing_server.public.initiate_auth(
                ClientId=pool["client_id"], AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
            )
        assert exc.value.response["Error"]["Code"] == "CodeDeliveryFailureException"
        assert changed_tables(before, state(mailing_server)) == set()
    finally:
        sms_hook.fail = False


def test_smtp_refusal_is_a_delivery_failure_with_no_change_and_no_password_in_the_log(tmp_path, mailbox):
    box, port, cert = mailbox
    wrong = "Wr0ng-smtp-Pa55word"
    srv = RunningServer(tmp_path / "bad-smtp", "--email-sender", "smtp", "--smtp-url", _smtp_url(port, cert, wrong))
    srv.start()
    try:
        pool = create_pool(srv)
        before = state(srv)
        username = unique()
        with pytest.raises(ClientError) as exc:
            srv.public.sign_up(
                ClientId=pool["client_id"], Username=username, Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}],
            )
        assert exc.value.response["Error"]["Code"] == "CodeDeliveryFailureException"
        assert changed_tables(before, state(srv)) == set()
        assert box.to(f"{username}@example.com") == []
        log = srv.log_path.read_text()
        assert "not delivered" in log and wrong not in log
    finally:
        srv.stop()
