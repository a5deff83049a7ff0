"""`rnn-tui serve`: the playground in a web browser (textual-serve), one app process per page."""

from __future__ import annotations

import argparse
import errno
import os
import shlex
import socket
import sys
from typing import Any

from rnn_tui.cli.flags import add_app_flags
from rnn_tui.engine.errors import UserError
from rnn_tui.run.orphans import SERVER_PID
from rnn_tui.run.spec import MODEL_FLAGS, TRAIN_FLAGS, spec_from_args

APP_FLAGS = ("text", "preset", *MODEL_FLAGS, *TRAIN_FLAGS, "device", "threads", "checkpoint", "paused")


def add_parser(sub: Any) -> None:
    serve = sub.add_parser("serve", help="serve the app in a web browser (textual-serve)")
    add_app_flags(serve)
    serve.add_argument("--host", default="localhost",
                       help="address to listen on (default localhost: this machine only; see the README "
                            "before binding another)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")


def run(args: argparse.Namespace) -> int:
    """Each browser that connects gets its own app process, started with the app flags given here."""
    try:
        from textual_serve.server import Server
    except ImportError:
        raise UserError("serving needs textual-serve: python3 -m pip install -e '.[serve]'") from None
    if not 0 < args.port < 65536:
        raise UserError(f"port must be from 1 to 65535, not {args.port}")
    spec_from_args(args, checkpoint=args.checkpoint)  # a bad text or setting is refused before serving
    check_can_listen(args.host, args.port)
    argv = []
    for name in APP_FLAGS:
        value = getattr(args, name, None)
        if value is None or value is False:
            continue
        argv += [f"--{name.replace('_', '-')}"] + ([] if value is True else [str(value)])
    os.environ[SERVER_PID] = str(os.getpid())  # the apps end with the server, even one killed with -9
    command = shlex.join([sys.executable, "-m", "rnn_tui", *argv])
    print(f"serving rnn-tui on http://{args.host}:{args.port} (Ctrl+C stops)", file=sys.stderr, flush=True)
    Server(command, host=args.host, port=args.port, title="rnn-tui").serve()
    return 0


def check_can_listen(host: str, port: int) -> None:
    """Bind every address `host` names as the server will (asyncio's options: SO_REUSEADDR, IPv6 only
    on IPv6, a family the machine lacks skipped), and let go: a port in use is one line before
    anything is announced."""
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise UserError(f"cannot serve on {host}: {exc.strerror}") from None
    for family, kind, proto, _, address in addresses:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                probe.bind(address)
            except OSError as exc:
                if exc.errno == errno.EADDRNOTAVAIL:
                    continue
                if exc.errno == errno.EADDRINUSE:
                    raise UserError(f"port {port} on {host} is in use: choose another with --port") from None
                raise UserError(f"cannot serve on {host}:{port}: {exc.strerror}") from None
