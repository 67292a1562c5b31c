#!/usr/bin/env python3
"""A real SMTP server (aiosmtpd) that catches every message in a directory.

Used by the server's e-mail tests and by scripts/demo.sh. Each accepted message is
written as NAME.eml (the bytes as received) and NAME.json (decoded: envelope, headers,
subject, plain text and HTML), each atomically (written, then renamed).

  python3 scripts/lib/smtp_catcher.py --dir DIR --port PORT [--user U --password P] [--delay-ms N]

Prints "listening 127.0.0.1:PORT" once it accepts connections; stops on SIGTERM/SIGINT.
With --user, AUTH (PLAIN/LOGIN) is required, also without TLS (loopback only).
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


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--delay-ms", type=int, default=0, help="answer each message this much later (a slow server)")
    a = p.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    kwargs = {}
    if a.user:
        def authenticate(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.login == a.user.encode() and auth_data.password == (a.password or "").encode()
            return AuthResult(success=ok)
        kwargs = dict(authenticator=authenticate, auth_required=True, auth_require_tls=False)
    controller = Controller(Catch(a.dir, a.delay_ms / 1000.0), hostname=a.host, port=a.port, **kwargs)
    controller.start()
    print("listening %s:%d" % (a.host, a.port), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
