"""Hostile feed documents, generated: entity bombs, external entities, deep nesting, huge
fields, control characters, broken and mislabelled encodings, script payloads everywhere."""

from __future__ import annotations

from collections.abc import Iterator

SECRET = "SOAK-SECRET-5d1e"  # written to a file an external entity points at
MARKER = "ENTX"  # the text internal entities expand to; seen in any output = expanded
MRSS = "http://search.yahoo.com/mrss/"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
PAYLOADS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt&#58;alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    "<svg onload=alert(1)></svg>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<body onload=alert(1)>",
    '<object data="javascript:alert(1)"></object>',
    '<math><a xlink:href="javascript:alert(1)">x</a></math>',
    "<scr<script>ipt>alert(1)</script>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>x</button></form>',
)


def rss(
    items: str, *, head: str = "", decl: str = '<?xml version="1.0" encoding="utf-8"?>'
) -> bytes:
    """An RSS 2.0 document around `items`, with an optional DOCTYPE/head before <rss>."""
    return (
        f'{decl}{head}<rss version="2.0"><channel><title>t</title>'
        f"<link>https://h.example/</link><description>d</description>{items}</channel></rss>"
    ).encode()


def item(
    title: str = "a title",
    desc: str = "a summary",
    link: str = "https://h.example/a",
    extra: str = "",
) -> str:
    """One RSS item; the caller escapes what needs escaping."""
    return (
        f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
        f"<description>{desc}</description>{extra}</item>"
    )


def _entities() -> Iterator[tuple[str, bytes]]:
    lol = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    yield (
        "billion-laughs",
        rss(item(title="&l9;"), head=f'<!DOCTYPE rss [<!ENTITY l0 "{MARKER}">{lol}]>'),
    )
    big = MARKER * 12_500
    yield (
        "quadratic-blowup",
        rss(item(desc="&a;" * 20_000), head=f'<!DOCTYPE rss [<!ENTITY a "{big}">]>'),
    )
    yield "internal-entity", rss(item(title="&e;"), head=f'<!DOCTYPE rss [<!ENTITY e "{MARKER}">]>')


def _externals(secret_path: str, port: int) -> Iterator[tuple[str, bytes]]:
    url = f"http://127.0.0.1:{port}"
    yield (
        "xxe-file",
        rss(
            item(title="&x;", desc="&x;"),
            head=f'<!DOCTYPE rss [<!ENTITY x SYSTEM "file://{secret_path}">]>',
        ),
    )
    yield (
        "xxe-file-plain-path",
        rss(item(title="&x;"), head=f'<!DOCTYPE rss [<!ENTITY x SYSTEM "{secret_path}">]>'),
    )
    yield (
        "xxe-network",
        rss(item(title="&x;"), head=f'<!DOCTYPE rss [<!ENTITY x SYSTEM "{url}/entity">]>'),
    )
    yield "external-dtd", rss(item(title="&x;"), head=f'<!DOCTYPE rss SYSTEM "{url}/evil.dtd">')
    yield (
        "parameter-entity",
        rss(item(), head=f'<!DOCTYPE rss [<!ENTITY % p SYSTEM "{url}/p.dtd"> %p;]>'),
    )
    yield (
        "xinclude",
        rss(
            item(extra=f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{url}/xi"/>')
        ),
    )
    yield (
        "xxe-in-content",
        rss(item(desc=f"&lt;!DOCTYPE x [&lt;!ENTITY y SYSTEM '{url}/c'&gt;]&gt;&amp;y;")),
    )


def _nesting() -> Iterator[tuple[str, bytes]]:
    deep = 50_000
    yield "xml-nesting-50k", rss(item(extra="<x>" * deep + "</x>" * deep))
    html = "&lt;div&gt;" * deep + "deep" + "&lt;/div&gt;" * deep
    yield "html-nesting-50k", rss(item(desc=html))
    yield "html-nesting-unclosed-50k", rss(item(desc="&lt;b&gt;" * deep))
    yield "cdata-nesting-50k", rss(item(desc="<![CDATA[" + "<i>" * deep + "x]]>"))


def _sizes_and_bytes() -> Iterator[tuple[str, bytes]]:
    yield "title-1mb", rss(item(title="T" * 1_000_000))
    yield "title-1mb-words", rss(item(title="word " * 200_000))
    yield "summary-1mb", rss(item(desc="S " * 500_000))
    yield "many-items-10k", rss("".join(item(link=f"https://h.example/{i}") for i in range(10_000)))
    yield (
        "nul-and-controls",
        rss(item(title="a\x00b\x01c\x08d\x0b\x0c\x1b[31m", desc="x\x00\x7f\x85y")),
    )
    yield "nul-in-body-raw", rss(item()).replace(b"<channel>", b"<channel>\x00")
    yield "invalid-utf8", rss(item(title="caf\xe9 \xff\xfe")).replace(b"\xc3\xa9", b"\xe9")
    bad = rss(item(title="ok")).replace(b"ok", b"\xed\xa0\x80\xc0\xaf\xf8\x88\x80\x80\x80")
    yield "invalid-utf8-sequences", bad
    yield (
        "latin1-labelled-utf8",
        rss(item(title="café ünïcode"), decl='<?xml version="1.0" encoding="iso-8859-1"?>'),
    )
    yield (
        "utf8-labelled-cp1252",
        rss(item(title="x")).replace(b"<title>x", "<title>\u201csmart\u201d".encode("cp1252")),
    )
    yield (
        "utf16-labelled-utf8",
        b'<?xml version="1.0" encoding="utf-8"?>'
        + rss(item(), decl="").decode().encode("utf-16-le"),
    )
    yield (
        "utf16-bom-labelled-ascii",
        b"\xff\xfe"
        + rss(item(title="\u4e2d\u6587"), decl='<?xml version="1.0" encoding="us-ascii"?>')
        .decode()
        .encode("utf-16-le"),
    )
    yield "unknown-encoding", rss(item(), decl='<?xml version="1.0" encoding="x-no-such-charset"?>')
    yield "lone-surrogate-ref", rss(item(title="&#xD800;&#xDFFF;&#0;&#x1;"))


def _scripts() -> Iterator[tuple[str, bytes]]:
    from xml.sax.saxutils import escape

    for n, p in enumerate(PAYLOADS):
        e = escape(p)
        link = "javascript:alert(1)" if n % 2 else "https://h.example/p"
        extra = (
            f"<author>{e}</author><category>{e}</category>"
            f'<enclosure url="javascript:alert({n})" type="image/png" length="1"/>'
            f'<media:content xmlns:media="{MRSS}" url="javascript:x" medium="image"/>'
            f'<content:encoded xmlns:content="{CONTENT}"><![CDATA[{p}]]></content:encoded>'
        )
        yield f"payload-{n}", rss(item(title=e, desc=e, link=link, extra=extra))
        xhtml = p if p.count("<") == p.count(">") and "&" not in p else e  # well-formed ones raw
        atom = (
            '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title type="html">'
            f"{e}</title><id>urn:x</id><updated>2026-03-01T00:00:00Z</updated><entry>"
            f'<title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">{xhtml}</div></title>'
            f'<link href="https://h.example/{n}"/><id>urn:{n}</id><updated>2026-03-01T00:00:00Z</updated>'
            f'<summary type="html">{e}</summary>'
            f'<content type="html" xml:base="javascript:alert(1)//">{e}</content>'
            f"<author><name>{e}</name></author></entry></feed>"
        )
        yield f"payload-atom-{n}", atom.encode()


def generated(secret_path: str, port: int) -> Iterator[tuple[str, bytes]]:
    """Every generated hostile input as (name, bytes)."""
    yield from _entities()
    yield from _externals(secret_path, port)
    yield from _nesting()
    yield from _sizes_and_bytes()
    yield from _scripts()
