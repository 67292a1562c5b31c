#!/usr/bin/env python3
"""A real SMTP server (aiosmtpd) that catches every message in a directory.

Used by the server's e-mail tests and by scripts/demo.sh. Each accepted message is
written as NAME.eml (the bytes as received) and NAME.json (decoded: envelope, headers,
subject, plain text and HTML), each atomically (written, then renamed).

  python3 scripts/lib/smtp_catcher.py --dir DIR --port PORT [--user U --password P] [--delay-ms N]
                                      [--starttls-cert-out CERT.pem]

Prints "listening 127.0.0.1:PORT" once it accepts connections; stops on SIGTERM/SIGINT.
With --user, AUTH (PLAIN/LOGIN) is required, also without TLS (loopback only).
With --starttls-cert-out, STARTTLS is required: the server makes a self-signed
certificate for 127.0.0.1 and localhost (Python's cryptography) and writes it (the
certificate, not the key) to that file, for the client to trust.
"""
import argparse
import asyncio
import email
import email.policy
import json
import os
import signal
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Catch:
    def __init__(self, directory, delay):
        self.directory = directory
        self.delay = delay
        self.count = 0
        self.lock = threading.Lock()

    def write(self, name, data):
        tmp = os.path.join(self.directory, "." + name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(data)
        os.rename(tmp, os.path.join(self.directory, name))

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.count += 1
            name = "%020d-%06d" % (time.time_ns(), self.count)
        raw = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        plain = msg.get_body(("plain",))
        html = msg.get_body(("html",))
        decoded = {
            "envelope_from": envelope.mail_from,
            "envelope_to": list(envelope.rcpt_tos),
            "header_names": [k for k in msg.keys()],
            "headers": {k.lower(): str(v) for k, v in msg.items()},
            "raw_headers": raw.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace"),
            "subject": str(msg.get("subject", "")),
            "text": plain.get_content() if plain is not None else None,
            "html": html.get_content() if html is not None else None,
            "received_at": time.time(),
        }
        self.write(name + ".eml", raw)
        self.write(name + ".json", json.dumps(decoded, ensure_ascii=False).encode("utf-8"))
        return "250 OK: caught"


def self_signed_context(cert_out, directory):
    """A TLS context with a fresh self-signed certificate for 127.0.0.1/localhost."""
    import datetime
    import ipaddress
    import ssl
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_path = os.path.join(directory, ".tls-key.pem")
    with open(key_path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    cert_path = os.path.join(directory, ".tls-cert.pem")
    with open(cert_path, "wb") as f:
        f.write(cert_pem)
    with open(cert_out, "wb") as f:
        f.write(cert_pem)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return context


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--delay-ms", type=int, default=0, help="answer each message this much later (a slow server)")
    p.add_argument("--starttls-cert-out", help="require STARTTLS with a fresh self-signed certificate, written here")
    a = p.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    kwargs = {}
    tls = {}
    if a.starttls_cert_out:
        tls = dict(tls_context=self_signed_context(a.starttls_cert_out, a.dir), require_starttls=True)
    if a.user:
        def authenticate(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.login == a.user.encode() and auth_data.password == (a.password or "").encode()
            return AuthResult(success=ok)
        kwargs = dict(authenticator=authenticate, auth_required=True, auth_require_tls=bool(tls))
    controller = Controller(Catch(a.dir, a.delay_ms / 1000.0), hostname=a.host, port=a.port, **kwargs, **tls)
    controller.start()
    print("listening %s:%d" % (a.host, a.port), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
