#!/usr/bin/env python3
"""A real SMTP server for the tests: stores each message it accepts as a file, one per recipient.

Usage: smtp_sink.py DIRECTORY [--host 127.0.0.1] [--port 0]

Listens on loopback (port 0: a free port), prints "PORT <n>" on one line when it is ready, and
serves until SIGTERM/SIGINT or until its standard input closes (so it never outlives the test that
started it). Each accepted message is written atomically to DIRECTORY/<n>.eml, with the envelope
recipient in a first line "X-Envelope-To: <address>".

Recipients whose address contains "reject" get 550 (a permanent failure); those containing
"tempfail" get 451 the first time they are tried and are accepted after (a temporary failure).
"""
import argparse
import asyncio
import itertools
import os
import signal
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.counter = itertools.count(1)
        self.deferred = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if "reject" in address:
            return "550 5.1.1 mailbox unavailable"
        if "tempfail" in address and address not in self.deferred:
            self.deferred.add(address)
            return "451 4.2.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        for rcpt in envelope.rcpt_tos:
            n = next(self.counter)
            final = os.path.join(self.directory, f"{n:07d}.eml")
            temporary = os.path.join(self.directory, f".{n:07d}.tmp")
            content = envelope.original_content or envelope.content
            if isinstance(content, str):
                content = content.encode("utf-8")
            with open(temporary, "wb") as f:
                f.write(f"X-Envelope-To: {rcpt}\r\n".encode("utf-8"))
                f.write(content)
            os.rename(temporary, final)
        return "250 Message accepted for delivery"


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("directory")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.directory, exist_ok=True)
    handler = Sink(args.directory)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="sink.test", data_size_limit=10 * 1024 * 1024),
        host=args.host, port=args.port)
    port = server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)

    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    # Stop when the parent closes our standard input (it died or is done).
    def stdin_closed():
        if not sys.stdin.buffer.read1(4096) if hasattr(sys.stdin.buffer, "read1") else True:
            stop.set()
    try:
        loop.add_reader(sys.stdin.fileno(), stdin_closed)
    except (ValueError, OSError, PermissionError):
        pass
    await stop.wait()
    server.close()
    await server.wait_closed()


if __name__ == "__main__":
    asyncio.run(main())
