"""Encrypted delivery for real: aiosmtpd with a certificate made for this test, STARTTLS and TLS.

The client trusts the test's own CA through ``SSL_CERT_FILE`` — the standard OpenSSL variable a
city with an internal mail CA uses too (README) — so verification stays on, as in production.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from smtp_sink import SmtpServer, smtp_server

from foerderradar.notifier import smtp
from foerderradar.notifier.message import build_message
from foerderradar.notifier.render import RenderedDigest

USER, PASSWORD = "radar", "geheim-äöü"
TO = "digital@kommune.example"


@dataclass
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """Self-signed, valid for 127.0.0.1 only (an IP SAN), one day."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Förderradar Test-Mailserver")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    paths = Certificate(folder / "cert.pem", folder / "key.pem")
    paths.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths.key.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ))
    return paths


class Logins:
    def __init__(self) -> None:
        self.seen: list[tuple[str, bool]] = []  # (user, over TLS?)

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)
        user, password = data.login.decode(), data.password.decode()
        encrypted = session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None
        self.seen.append((user, encrypted))
        return AuthResult(success=(user, password) == (USER, PASSWORD))


def message() -> Any:
    rendered = RenderedDigest("Förderradar – 2026-W49", "<p>Grüße aus Schloß Holte</p>", "Grüße\n")
    return build_message(rendered, "radar@kommune.example", TO, "<tls@kommune.example>")


@pytest.fixture
def trusted(certificate: Certificate, monkeypatch: pytest.MonkeyPatch) -> Certificate:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate.cert))
    return certificate


@pytest.fixture
def starttls_server(trusted: Certificate) -> Iterator[tuple[SmtpServer, Logins]]:
    logins = Logins()
    with smtp_server(
        tls_context=trusted.server_context(), require_starttls=True, authenticator=logins, auth_require_tls=True,
    ) as server:
        yield server, logins


def test_starttls_then_login_delivers(starttls_server: tuple[SmtpServer, Logins]) -> None:
    server, logins = starttls_server
    smtp.send_sync(message(), server.mail(starttls=True, user=USER, password=PASSWORD))
    assert [m["To"] for m in server.inbox.messages] == [TO]
    assert logins.seen == [(USER, True)]  # the password only ever crossed the encrypted channel


def test_server_requiring_starttls_refuses_a_plain_client(starttls_server: tuple[SmtpServer, Logins]) -> None:
    server, logins = starttls_server
    with pytest.raises(smtp.DeliveryError, match=rf"127\.0\.0\.1:{server.port}") as caught:
        smtp.send_sync(message(), server.mail(user=USER, password=PASSWORD))
    assert "FOERDERRADAR_SMTP" in str(caught.value)
    assert server.inbox.messages == [] and logins.seen == []


def test_implicit_tls_delivers(trusted: Certificate) -> None:
    logins = Logins()
    with smtp_server(ssl_context=trusted.server_context(), authenticator=logins,
                     auth_require_tls=False) as server:
        smtp.send_sync(message(), server.mail(tls=True, user=USER, password=PASSWORD))
        assert [m["To"] for m in server.inbox.messages] == [TO]
    assert logins.seen == [(USER, True)]


def test_an_untrusted_certificate_is_refused_naming_the_server(certificate: Certificate,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    with smtp_server(tls_context=certificate.server_context(), require_starttls=True) as server:
        with pytest.raises(smtp.DeliveryError) as caught:
            smtp.send_sync(message(), server.mail(starttls=True))
        assert server.inbox.messages == []
    text = str(caught.value)
    assert text.startswith(f"TLS-Verbindung zum SMTP-Server 127.0.0.1:{server.port} fehlgeschlagen")
    assert "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text.lower()
