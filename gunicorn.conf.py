"""Gunicorn settings of ``make run``, ``make serve`` and the benchmarks (``-c gunicorn.conf.py``).

The garbage collector: a search page allocates tens of thousands of short-lived objects,
and a worker holds hundreds of thousands of long-lived ones (the app, open index readers,
caches of postings, documents and pages). With Python's default thresholds (700, 10, 10)
the collector ran dozens of times per request and re-examined the long-lived objects again
and again: 0.7 ms of a 3.5 ms cold search page at 100,000 sellers. Once the app is loaded,
its objects are moved out of the collector's sight (``gc.freeze``) and young collections
run every 10,000 allocations. Cycles are still collected, only in fewer, larger passes.

Long addresses: gunicorn reads a request line of at most ``limit_request_line`` bytes and
answers a longer one itself, before the app sees it. Its default, 4094, turned away a search
of some 450 Chinese characters (nine bytes each, percent-encoded) with an English page. 8190
is the most gunicorn bounds: a larger value is taken as 8190, and 0 reads a line of any
length into memory (its Python parser keeps reading until the line ends). With 8190, every
search the site's own forms can send reaches the app, which refuses one that is too long
with a page in the reader's language; a longer line still gets gunicorn's refusal, in
Chinese and English (``TOO_LONG``), since its headers, the reader's language among them,
were never read.

Forwarded headers: gunicorn believes none of them (not even from 127.0.0.1, its default); the
app's ProxyFix does, for as many proxies as the ``PROXY_FIX_*`` settings say (README).

The access log writes request lines and Referers with the values of ``token`` arguments
replaced, so an old private link (``?token=``) leaves no secret in the log.
"""

from __future__ import annotations

import gc
import re

from gunicorn.glogging import Logger

#: gc.set_threshold() of each worker
GC_THRESHOLDS = (10_000, 10, 10)
#: the longest request line read, in bytes (gunicorn bounds none longer: see above)
limit_request_line = 8190

_TOO_LONG_HTML = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>414 网址太长 · Address too long</title></head>
<body>
<h1>414</h1>
<p>网址太长。请用更短的内容查询：卖家名称、网店网址、域名或信用代码。</p>
<p lang="en">The address is too long. Search with a shorter text: a seller’s name, a shop URL,
a domain or a credit code.</p>
<p><a href="/search">查询卖家 · Search sellers</a></p>
</body></html>
""".encode()
#: the whole answer to a request line over limit_request_line
TOO_LONG = (
    b"HTTP/1.1 414 URI Too Long\r\n"
    b"Connection: close\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n"
    b"Content-Length: %d\r\n"
    b"\r\n" % len(_TOO_LONG_HTML)
) + _TOO_LONG_HTML


def post_worker_init(worker) -> None:
    """Freeze what the app's import and set-up made; make young collections rarer."""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def post_fork(server, worker) -> None:
    """Answer a request line over the limit with TOO_LONG instead of gunicorn's own page."""
    from gunicorn import util
    from gunicorn.http.errors import LimitRequestLine

    handle_error = worker.handle_error

    def answer(req, client, addr, exc) -> None:
        if not isinstance(exc, LimitRequestLine):
            handle_error(req, client, addr, exc)
            return
        worker.log.warning("request line too long from ip=%s: %s", (addr or ("",))[0], exc)
        try:
            util.write_nonblock(client, TOO_LONG)
        except Exception:  # the client is gone: nothing to tell it
            worker.log.debug("could not send the 414 page")

    worker.handle_error = answer


secure_scheme_headers: dict[str, str] = {}
forwarder_headers = ""

_SECRET_ARGUMENT = re.compile(r"(?i)([?&;]token=)[^&;#\s\"]*")


class AccessLog(Logger):
    """gunicorn's logger, with secrets in query strings replaced in access-log lines."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "q", "f"):
            value = atoms.get(key)
            if value and "token=" in value.lower():
                # "q" has no leading "?": match it as if it had one.
                atoms[key] = _SECRET_ARGUMENT.sub(r"\1[redacted]", "?" + value)[1:]
        return atoms


logger_class = AccessLog
