"""A real nginx on 127.0.0.1 serving a docroot with the config `newsfeeds nginx-config` makes.

Needs Debian's nginx (`apt-get install -y nginx libnginx-mod-http-brotli-static`; .ci/run
does it). Without the binary the tests are skipped with that reason, except under CI=true,
where the issue's "done when" requires them: there it is a failure.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from http_support import eventually

NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
)
BROTLI = Path("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so")

WRAPPER = """
{modules}
daemon off;
master_process off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {server};
}}
"""


def require() -> str:
    """The nginx binary; skip (fail under CI=true) without one."""
    if NGINX is None:
        reason = "no nginx binary (Debian: apt-get install -y nginx)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true requires nginx: {reason}", pytrace=False)
        pytest.skip(reason)
    return NGINX


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


@contextmanager
def running_nginx(prefix: Path, server_conf: str, port: int) -> Iterator[int]:
    """Run nginx with this server block (it must listen on `port`) until the block ends."""
    binary = require()
    prefix.mkdir(parents=True, exist_ok=True)
    (prefix / "server.conf").write_text(server_conf, encoding="utf-8")
    modules = f"load_module {BROTLI};" if BROTLI.exists() else ""
    conf = prefix / "nginx.conf"
    conf.write_text(
        WRAPPER.format(modules=modules, prefix=prefix, server=prefix / "server.conf"),
        encoding="utf-8",
    )
    check = subprocess.run(
        [binary, "-t", "-q", "-c", str(conf), "-p", str(prefix)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen([binary, "-c", str(conf), "-p", str(prefix)])
    try:
        eventually(lambda: _answers(port), timeout=10)
        yield port
    finally:
        proc.send_signal(signal.SIGQUIT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def has_brotli() -> bool:
    """Is Debian's brotli_static module installed (libnginx-mod-http-brotli-static)?"""
    return BROTLI.exists()
