"""The message layer end to end: a full HTTP/1.1 GET through our client from
nginx (started by the test with a generated certificate and a config in
the test's directory), with nginx's own log of the connection."""

import os
import re

import pytest

from interop_support import free_port, tool

VERSIONS = {"tls12": ("TLSv1.2", "TLS 1.2"), "tls13": ("TLSv1.3", "TLS 1.3")}

CONF = """
daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{ worker_connections 64; }}
http {{
    log_format sspi '$request|$status|$ssl_protocol|$ssl_cipher|$ssl_session_reused|$ssl_server_name|$ssl_alpn_protocol';
    access_log {d}/access.log sspi;
    client_body_temp_path {d}/tmp/body;
    proxy_temp_path {d}/tmp/proxy;
    fastcgi_temp_path {d}/tmp/fastcgi;
    uwsgi_temp_path {d}/tmp/uwsgi;
    scgi_temp_path {d}/tmp/scgi;
    server {{
        listen 127.0.0.1:{port} ssl http2;
        server_name localhost;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_protocols {protocol};
        ssl_session_cache shared:SSL:1m;
        ssl_session_tickets on;
        root {d}/www;
        location = /hello {{ return 200 "hello from nginx\\n"; }}
    }}
}}
"""


@pytest.fixture
def nginx(procs, pki, tmp_path):
    def start(protocol, cert="server-rsa"):
        d = tmp_path / "nginx"
        (d / "tmp").mkdir(parents=True)
        (d / "www").mkdir()
        body = os.urandom(300_000)
        (d / "www" / "big.bin").write_bytes(body)
        port = free_port()
        (d / "nginx.conf").write_text(
            CONF.format(d=d, port=port, cert=pki[f"{cert}-fullchain.pem"], key=pki[f"{cert}.key"], protocol=protocol)
        )
        p = procs([tool("nginx"), "-p", d, "-c", d / "nginx.conf", "-e", d / "error.log"], name="nginx")
        p.wait_listening(port)
        p.port, p.dir, p.body = port, d, body
        return p

    return start


def responses(raw):
    """Splits the concatenated HTTP/1.1 responses (Content-Length framed)."""
    out = []
    while raw:
        head, sep, rest = raw.partition(b"\r\n\r\n")
        assert sep, raw[:200]
        length = int(re.search(rb"(?im)^content-length: (\d+)\r?$", head).group(1))
        out.append((head.decode(), rest[:length]))
        raw = rest[length:]
    return out


@pytest.mark.parametrize("version", VERSIONS)
def test_http_get_from_nginx(client, nginx, iana_names, version):
    theirs, ours = VERSIONS[version]
    srv = nginx(theirs)
    r = client("--alpn", "http/1.1", "--get", "/big.bin", "--reconnect", 1, "localhost", srv.port)
    assert r.returncode == 0, r
    got = responses(r.stdout)
    assert len(got) == 2
    for head, body in got:
        assert head.startswith("HTTP/1.1 200 OK"), head
        assert body == srv.body
    assert [c["protocol"] for c in r.connections] == [ours, ours]
    assert [c["alpn"] for c in r.connections] == ["http/1.1", "http/1.1"]
    assert [c["session"] for c in r.connections] == ["new", "resumed"]
    # nginx's view of the same two connections.
    log = [line.split("|") for line in (srv.dir / "access.log").read_text().splitlines()]
    assert [entry[:3] for entry in log] == [["GET /big.bin HTTP/1.1", "200", theirs]] * 2
    assert [entry[4] for entry in log] == [".", "r"]
    assert [entry[5:] for entry in log] == [["localhost", "http/1.1"]] * 2
    assert iana_names[log[0][3]] == r.info["cipher suite"].split()[0]
    # nginx ends each response with close_notify; we answer it.
    assert r.stderr.count("peer sent close_notify") == 2


def test_alpn_h2_chosen_by_nginx(client, nginx):
    """nginx prefers h2 when offered; the HTTP/1.1 request then fails at the
    HTTP layer, not at TLS: the handshake reports h2."""
    srv = nginx("TLSv1.3")
    r = client("--alpn", "h2,http/1.1", "localhost", srv.port)
    assert r.returncode == 0, r
    assert r.info["alpn"] == "h2"


def test_small_response_and_ecdsa(client, nginx):
    srv = nginx("TLSv1.2 TLSv1.3", cert="server-ecdsa")
    r = client("--get", "/hello", "localhost", srv.port)
    assert r.returncode == 0, r
    (head, body), = responses(r.stdout)
    assert body == b"hello from nginx\n"
    assert "O=ECDSA server" in r.info["peer certificate"]
