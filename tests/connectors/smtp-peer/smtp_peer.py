#!/usr/bin/python3
"""A real SMTP server for the MSSanté connector's tests (Debian's python3-aiosmtpd).

It listens on 127.0.0.1, on a free port, with STARTTLS required (--tls starttls, the submission
port's way) or implicit TLS (--tls implicit), a server certificate from the test PKI, and it
requires and verifies a client certificate signed by the test CA: a client without one, or with
one from another CA, fails the TLS handshake and never reaches MAIL FROM. With --user and
--password-file it also requires SMTP AUTH (PLAIN or LOGIN) over TLS.

Prints "listening <port>" on stdout once ready and exits when its stdin closes.

Files in --dir:
  control.json   read at every RCPT and DATA, so a test can change the answers while it runs:
                 {"rcpt": "550 5.1.1 ...", "data": "451 4.3.0 ..."} (absent: accept);
                 {"acceptDelayMs": 300} keeps each accepted message that long before answering
  messages/N.eml each accepted message as received (written atomically), N = 1, 2, ...
  messages/N.json its envelope: {"from": ..., "to": [...], "tls": true, "clientCert": "CN"}
  events.jsonl   one line per connection, per refused command, per accepted message and per QUIT
                 (with the client certificate's CN when the session was in TLS with one)
"""
import argparse
import asyncio
import json
import logging
import os
import ssl
import sys
import threading

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--pki", required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--tls", choices=["starttls", "implicit"], default="starttls")
    p.add_argument("--user")
    p.add_argument("--password-file")
    args = p.parse_args()
    # aiosmtpd warns that a required client certificate "might cause problems": it is the point.
    logging.getLogger("mail.log").setLevel(logging.ERROR)

    os.makedirs(os.path.join(args.dir, "messages"), exist_ok=True)
    lock = threading.Lock()
    counter = [0]

    def event(**fields):
        with lock, open(os.path.join(args.dir, "events.jsonl"), "a") as f:
            f.write(json.dumps(fields) + "\n")

    def control():
        try:
            with open(os.path.join(args.dir, "control.json")) as f:
                return json.load(f)
        except FileNotFoundError:
            return {}

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(os.path.join(args.pki, "server.pem"), os.path.join(args.pki, "server.key"))
    ctx.load_verify_locations(os.path.join(args.pki, "ca.pem"))
    ctx.verify_mode = ssl.CERT_REQUIRED

    password = None
    if args.password_file:
        with open(args.password_file) as f:
            password = f.read().strip()

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and args.user is not None
              and auth_data.login.decode() == args.user
              and auth_data.password.decode() == password)
        if not ok:
            event(event="auth-refused")
        return AuthResult(success=ok, handled=False)

    def peer_cn(session):
        ssl_info = getattr(session, "ssl", None) or {}
        obj = ssl_info.get("ssl_object") if isinstance(ssl_info, dict) else None
        cert = obj.getpeercert() if obj is not None else None
        if not cert:
            return None
        for rdn in cert.get("subject", ()):
            for key, value in rdn:
                if key == "commonName":
                    return value
        return None

    class Handler:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            answer = control().get("rcpt")
            if answer:
                event(event="rcpt-refused", reply=answer[:3])
                return answer
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            answer = control().get("data")
            if answer:
                event(event="data-refused", reply=answer[:3])
                return answer
            with lock:
                counter[0] += 1
                n = counter[0]
            base = os.path.join(args.dir, "messages", str(n))
            for suffix, payload in ((".eml", envelope.original_content),
                                    (".json", json.dumps({
                                        "from": envelope.mail_from,
                                        "to": envelope.rcpt_tos,
                                        "clientCert": peer_cn(session),
                                    }).encode())):
                with open(base + suffix + ".tmp", "wb") as f:
                    f.write(payload)
                    f.flush()
                    os.fsync(f.fileno())
                os.rename(base + suffix + ".tmp", base + suffix)
            event(event="accepted", n=n)
            # A slow answer after the message is kept: a client killed meanwhile sends it again.
            delay = control().get("acceptDelayMs")
            if delay:
                await asyncio.sleep(delay / 1000)
            return "250 2.0.0 Accepted"

    auth = dict(authenticator=authenticate, auth_required=True) if args.user else {}

    class CountingSMTP(SMTP):
        def connection_made(self, transport):
            if self._original_transport is None:
                event(event="connect")
            super().connection_made(transport)

        async def smtp_QUIT(self, arg):
            event(event="quit", clientCert=peer_cn(self.session))
            await super().smtp_QUIT(arg)

    def factory():
        if args.tls == "starttls":
            return CountingSMTP(Handler(), tls_context=ctx, require_starttls=True,
                                hostname="localhost", **auth)
        # Implicit TLS: the transport is TLS from the start, which aiosmtpd cannot see.
        return CountingSMTP(Handler(), hostname="localhost", auth_require_tls=False, **auth)

    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(
        factory, host="127.0.0.1", port=0, ssl=ctx if args.tls == "implicit" else None))
    port = server.sockets[0].getsockname()[1]
    print(f"listening {port}", flush=True)

    def wait_stdin():
        sys.stdin.read()
        loop.call_soon_threadsafe(loop.stop)

    threading.Thread(target=wait_stdin, daemon=True).start()
    loop.run_forever()


if __name__ == "__main__":
    main()
