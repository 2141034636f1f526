"""The preview server: the built site over HTTP with the CDN's headers (``deckgen serve``)."""

from __future__ import annotations

import functools
import os
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from deckgen.deploy import LOCAL_ONLY, content_type
from deckgen.errors import BadInputError, ConfigError

# the CDN's policy (infra/site.yaml) but for upgrade-insecure-requests, which would send the
# plain-http preview's requests to https
CSP = ("default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'none'")


class _SiteHandler(SimpleHTTPRequestHandler):
    """Static files as the CDN serves them: its CSP, deploy's content types, 404.html for
    misses, and no folder listings or local-only files (neither is in the bucket)."""

    csp = CSP
    prefix = "/"  # the path of [site] base_url: the site answers there too, as deployed

    def guess_type(self, path: str | os.PathLike) -> str:
        return content_type(str(path))

    def list_directory(self, path: str | os.PathLike) -> None:
        self.send_error(404)  # S3 has no folders: only the root has an index (DefaultRootObject)

    def send_head(self) -> Any:
        if self.prefix != "/" and self.path.startswith(self.prefix):
            self.path = "/" + self.path[len(self.prefix):]  # 404.html links from the prefix
        # the file as the handler resolves it ("/.deckgen-site/." is the marker too)
        parts = Path(self.translate_path(self.path)).relative_to(self.directory).parts
        if any(LOCAL_ONLY.fullmatch(part) for part in parts):  # the build's marker, temporary
            self.send_error(404)  # files: never deployed
            return None
        try:
            return super().send_head()
        except UnicodeEncodeError:  # a name an ASCII locale cannot spell (LC_ALL=C): no such
            self.send_error(404)  # file, as under UTF-8, not a dropped connection
            return None

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", self.csp)
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if logs_requests():
            super().log_message(format, *args)


# DECKGEN_SERVE_LOG's values that mean off (any case): "0" once turned the log on (QA-81)
_OFF = ("", "0", "false", "no", "off")


def logs_requests() -> bool:
    """Whether DECKGEN_SERVE_LOG asks `deckgen serve` for a line per request."""
    return os.environ.get("DECKGEN_SERVE_LOG", "").strip().lower() not in _OFF


def make_server(site_dir: Path, host: str = "127.0.0.1", port: int = 8000,
                csp: str = CSP, prefix: str = "/") -> ThreadingHTTPServer:
    """An HTTP server for ``site_dir`` (port 0 picks a free port; see ``server_address``),
    at / and under ``prefix`` (the path of base_url, which 404.html's links start with)."""
    site_dir = Path(site_dir)
    if not (site_dir / "index.html").is_file():
        raise BadInputError(f"no site in {site_dir}: run `deckgen build` first")
    handler = functools.partial(
        type("SiteHandler", (_SiteHandler,), {"csp": csp, "prefix": prefix}),
        directory=str(site_dir))
    try:
        return ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port} ({exc.strerror}): try --port") from exc
    except (OverflowError, ValueError) as exc:  # a port out of 0-65535, a malformed host
        raise ConfigError(f"cannot listen on {host}:{port} ({exc}): give a port from 0 to "
                          "65535") from exc


def serve(site_dir: Path, host: str = "127.0.0.1", port: int = 8000, prefix: str = "/") -> None:
    """Serve the built site until Ctrl+C, with the same CSP the CDN sends."""
    with make_server(site_dir, host, port, prefix=prefix) as server:
        bound_host, bound_port = server.server_address[:2]
        also = f" and under {prefix}" if prefix != "/" else ""
        print(f"Serving {site_dir} at http://{bound_host}:{bound_port}/{also} (Ctrl+C stops)",
              flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
