"""The load generator, run in its own process: `python -m soak.loadclient '<json args>'`.

Many keep-alive connections over raw asyncio streams, each request bounded by a timeout;
every 200 is checked: its ETag must be the hash of its (decoded) bytes, and each distinct
document must be complete (well-formed XML or JSON). Prints one JSON object of figures.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import random
import sys
import time
from dataclasses import dataclass, field

import brotli
from lxml import etree

REQUEST_TIMEOUT = 10.0


@dataclass
class Tally:
    """Counts and latencies across every connection."""

    statuses: dict[str, int] = field(default_factory=dict)
    kinds: dict[str, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    bad_docs: list[str] = field(default_factory=list)
    verified: set[str] = field(default_factory=set)  # ETags whose document was parsed whole
    etags: dict[str, str] = field(default_factory=dict)  # path -> last identity ETag seen

    def error(self, why: str) -> None:
        self.errors[why] = self.errors.get(why, 0) + 1


def complete(path: str, body: bytes) -> bool:
    """True when the bytes are a whole document of the path's format."""
    try:
        if path.endswith(".json"):
            doc = json.loads(body)
            return isinstance(doc, dict) and "items" in doc
        root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
        return root.tag in ("rss", "{http://www.w3.org/2005/Atom}feed")
    except (ValueError, etree.XMLSyntaxError):
        return False


def check_document(t: Tally, path: str, coding: str, etag: str, body: bytes) -> None:
    """ETag = '"' + sha256(identity bytes)[:32] + suffix '"'; the document complete."""
    try:
        plain = {"gzip": gzip.decompress, "br": brotli.decompress}.get(coding, bytes)(body)
    except Exception:
        t.bad_docs.append(f"{path}: {coding} body does not decode")
        return
    suffix = {"gzip": "-gz", "br": "-br"}.get(coding, "")
    want = '"' + hashlib.sha256(plain).hexdigest()[:32] + suffix + '"'
    if etag != want:
        t.bad_docs.append(f"{path}: ETag {etag} but bytes hash to {want}")
        return
    if want not in t.verified:
        if not complete(path, plain):
            t.bad_docs.append(f"{path}: {len(plain)} bytes are not a complete document")
            return
        t.verified.add(want)
    t.etags[path] = '"' + want.strip('"').removesuffix(suffix) + '"'


async def read_response(
    reader: asyncio.StreamReader, head: bool
) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of one HTTP/1.1 response (Content-Length framed)."""
    raw = await reader.readuntil(b"\r\n\r\n")
    lines = raw.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    if head or status in (204, 304):
        return status, headers, b""
    if "content-length" not in headers:
        raise ValueError("response without Content-Length")
    return status, headers, await reader.readexactly(int(headers["content-length"]))


def pick(rng: random.Random, paths: list[str], t: Tally) -> tuple[str, str, str, dict[str, str]]:
    """(kind, method, path, headers): the realistic mix of a poller population."""
    roll = rng.random()
    path = rng.choice(paths)
    if roll < 0.30:
        return "identity", "GET", path, {"accept-encoding": "identity"}
    if roll < 0.50:
        return "gzip", "GET", path, {"accept-encoding": "gzip, deflate"}
    if roll < 0.58:
        return "br", "GET", path, {"accept-encoding": "br, gzip"}
    if roll < 0.83:
        etag = t.etags.get(path, '"0000"')
        return "conditional", "GET", path, {"if-none-match": etag, "accept-encoding": "identity"}
    if roll < 0.90:
        return "head", "HEAD", path, {"accept-encoding": "gzip"}
    unknown = rng.choice(["/feeds/section/nosuch.rss", "/feeds/country/zz.atom", "/feeds/x.json"])
    return "unknown", "GET", unknown, {}


async def connection(
    host: str, port: int, paths: list[str], t: Tally, deadline: float, seed: int
) -> None:
    """One poller: keep-alive requests until the deadline, reconnecting after any failure."""
    rng = random.Random(seed)
    while time.monotonic() < deadline:
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(host, port), REQUEST_TIMEOUT
            )
        except (OSError, TimeoutError):
            t.error("connect")
            await asyncio.sleep(0.05)
            continue
        try:
            while time.monotonic() < deadline:
                await asyncio.wait_for(one(reader, writer, rng, paths, t), REQUEST_TIMEOUT)
        except TimeoutError:
            t.error("timeout")
        except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
            t.error(type(exc).__name__)
        finally:
            writer.close()


async def one(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    rng: random.Random,
    paths: list[str],
    t: Tally,
) -> None:
    """Send one request on the connection and check its answer."""
    kind, method, path, headers = pick(rng, paths, t)
    lines = [f"{method} {path} HTTP/1.1", "host: 127.0.0.1", "user-agent: soak/1"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    began = time.monotonic()
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    await writer.drain()
    status, got, body = await read_response(reader, method == "HEAD")
    t.latencies.append(time.monotonic() - began)
    t.statuses[str(status)] = t.statuses.get(str(status), 0) + 1
    t.kinds[kind] = t.kinds.get(kind, 0) + 1
    # a never-configured section may be 404 or 410 (gone): both are refusals, not errors
    expected = {404, 410} if kind == "unknown" else ({200, 304} if kind == "conditional" else {200})
    if status not in expected:
        t.error(f"status {status} for {kind}")
    if status == 200 and method == "GET":
        check_document(t, path, got.get("content-encoding", "identity"), got.get("etag", ""), body)


async def main(args: dict[str, object]) -> dict[str, object]:
    """Run `connections` pollers for `seconds`; the figures as a dict."""
    t = Tally()
    deadline = time.monotonic() + float(args["seconds"])  # type: ignore[arg-type]
    paths = list(args["paths"])  # type: ignore[call-overload]
    host, port, n = str(args["host"]), int(args["port"]), int(args["connections"])  # type: ignore[call-overload]
    began = time.monotonic()
    await asyncio.gather(*(connection(host, port, paths, t, deadline, i) for i in range(n)))
    lat = sorted(t.latencies) or [0.0]
    return {
        "requests": len(t.latencies),
        "seconds": time.monotonic() - began,
        "statuses": t.statuses,
        "kinds": t.kinds,
        "errors": t.errors,
        "bad_documents": len(t.bad_docs),
        "bad_examples": t.bad_docs[:5],
        "distinct_documents": len(t.verified),
        "p50_ms": lat[len(lat) // 2] * 1000,
        "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000,
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(json.loads(sys.argv[1])))))
