"""How the battery-shaped files in this folder were made, from real public text, with
real tools (see SOURCES.md). Not run by the tests; kept so the files can be remade.

    python make_fixtures.py mhtml GOLEM.html URL golem_quantumscape.mhtml
    python make_fixtures.py warc GOLEM.html ZH.txt battery_crawl.warc.gz
    python make_fixtures.py zip golem_quantumscape.mhtml ZH_DIR battery_clippings.zip

``mhtml`` needs chromium-headless-shell (Debian package): the page is loaded offline,
its bytes served for its real address through the DevTools Fetch domain (every other
request fails, scripts are off), and saved with Page.captureSnapshot — the code
behind Chrome's "Save as… Webpage, single file".
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# A 30×30 red PNG (Chromium's third_party/blink/web_tests/mhtml/resources/red_square.png,
# as embedded in page_with_css_and_js_ie.mht there): the archive's one image capture.
RED_SQUARE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAB4AAAAeCAYAAAA7MK6iAAAAAXNSR0IArs4c6QAAAARnQU1BAACx"
    "jwv8YQUAAAAJcEhZcwAADsQAAA7EAZUrDhsAAACESURBVEhL7ZYxDoAwCEXB2LGTo46ewXj/zXgV"
    "PQKgexP/Ai6l889/6Stp4HtZjYKOiRCpEpfSEIYgJqxNMFTkFUjVXiZhT6qGirwCqdrLJOxJ1VCR"
    "V6A/1XxNc9jqQ6JkpjTU2rwQR+5c4769YCM5zn/BX4PY33Dljb0+JtiTqqEir8ADWEIY6dz7d1cA"
    "AAAASUVORK5CYII="
)
GOLEM_URL = ("https://www.golem.de/news/akkutechnik-hat-quantumscape-genug-akkus-fuer-"
             "ein-motorrad-gebaut-2509-199920.html")
ZH_URL = "https://archive.example/zh/doc_0039"  # the corpus does not record the address


def snapshot(html: bytes, url: str) -> str:
    r_in, w_in = os.pipe()
    r_out, w_out = os.pipe()
    os.dup2(r_in, 103)
    os.dup2(w_out, 104)
    proc = subprocess.Popen(
        ["bash", "-c", 'exec "$0" "$@" 3<&103 4>&104 103<&- 104>&-',
         "chromium-headless-shell", "--remote-debugging-pipe", "--no-sandbox",
         "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--host-resolver-rules=MAP * ~NOTFOUND", "about:blank"],
        pass_fds=(103, 104), stderr=subprocess.DEVNULL,
    )
    for fd in (r_in, w_out, 103, 104):
        os.close(fd)
    out, inp = os.fdopen(w_in, "wb", buffering=0), os.fdopen(r_out, "rb", buffering=0)
    state: dict[str, Any] = {"id": 0, "session": None, "buf": b""}

    def send(method: str, params: dict[str, Any] | None = None) -> int:
        state["id"] += 1
        msg = {"id": state["id"], "method": method, "params": params or {}}
        if state["session"]:
            msg["sessionId"] = state["session"]
        out.write(json.dumps(msg).encode() + b"\0")
        return int(state["id"])

    def messages() -> Iterator[dict[str, Any]]:
        while True:
            while b"\0" in state["buf"]:
                raw, state["buf"] = state["buf"].split(b"\0", 1)
                yield json.loads(raw)
            chunk = inp.read(1 << 20)
            if not chunk:
                raise SystemExit("the browser closed the pipe")
            state["buf"] += chunk

    stream = messages()

    def serve(m: dict[str, Any]) -> None:
        p = m["params"]
        if p["request"]["url"] == url:
            send("Fetch.fulfillRequest", {
                "requestId": p["requestId"], "responseCode": 200, "responseHeaders": [
                    {"name": "Content-Type", "value": "text/html; charset=utf-8"}],
                "body": base64.b64encode(html).decode()})
        else:
            send("Fetch.failRequest", {"requestId": p["requestId"], "errorReason": "Failed"})

    def call(method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        want = send(method, params)
        for m in stream:
            if m.get("method") == "Fetch.requestPaused":
                serve(m)
            elif m.get("id") == want:
                return dict(m["result"])
        raise AssertionError

    target = call("Target.createTarget", {"url": "about:blank"})["targetId"]
    state["session"] = call("Target.attachToTarget", {"targetId": target,
                                                      "flatten": True})["sessionId"]
    call("Page.enable")
    call("Emulation.setScriptExecutionDisabled", {"value": True})
    call("Fetch.enable", {"patterns": [{"urlPattern": "*"}]})
    call("Page.navigate", {"url": url})
    for m in stream:
        if m.get("method") == "Fetch.requestPaused":
            serve(m)
        elif m.get("method") == "Page.loadEventFired":
            break
    data = str(call("Page.captureSnapshot", {"format": "mhtml"})["data"])
    state["session"] = None
    send("Browser.close")
    proc.wait(timeout=30)
    return data


def crawl(golem: bytes, zh_text: str, out: Path) -> None:
    """A small crawl as warcio writes one: the article (gzip-encoded, as served), a
    Chinese page served as GBK with the charset only in the HTTP header, an image, a
    404 page, a deduplicated revisit of the article and the requests."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    headline, body = zh_text.split("\n\n", 1)
    paras = "".join(f"<p>{p}</p>" for p in body.split("\n\n") if p.strip())
    zh_page = f"<html><head><title>{headline}</title></head><body><h1>{headline}</h1>{paras}"
    zh_page += "</body></html>"
    with out.open("wb") as fh:
        w = WARCWriter(fh, gzip=True)
        w.write_record(w.create_warcinfo_record(out.name, {
            "software": "warcio 1.8.1", "format": "WARC File Format 1.1"}))

        def response(uri: str, status: str, ctype: str, payload: bytes, date: str,
                     extra: list[tuple[str, str]] = ()) -> Any:  # type: ignore[assignment]
            http = StatusAndHeaders(status, [("Content-Type", ctype), *extra],
                                    protocol="HTTP/1.1")
            rec = w.create_warc_record(uri, "response", payload=io.BytesIO(payload),
                                       http_headers=http, warc_headers_dict={"WARC-Date": date})
            req = w.create_warc_record(uri, "request", payload=io.BytesIO(
                f"GET {uri} HTTP/1.1\r\nUser-Agent: warcio\r\n\r\n".encode()),
                warc_headers_dict={"WARC-Date": date})
            w.write_record(req)
            w.write_record(rec)
            return rec

        first = response(GOLEM_URL, "200 OK", "text/html; charset=utf-8",
                         gzip.compress(golem, mtime=0), "2025-09-10T08:00:00Z",
                         [("Content-Encoding", "gzip")])
        response(ZH_URL, "200 OK", "text/html; charset=gbk", zh_page.encode("gbk"),
                 "2025-09-10T08:01:00Z")
        response("https://www.golem.de/img/red.png", "200 OK", "image/png", RED_SQUARE,
                 "2025-09-10T08:02:00Z")
        response("https://www.golem.de/news/missing.html", "404 Not Found", "text/html",
                 b"<html><head><title>404</title></head><body><p>Not found</p></body></html>",
                 "2025-09-10T08:03:00Z")
        digest = first.rec_headers.get_header("WARC-Payload-Digest")
        w.write_record(w.create_revisit_record(
            GOLEM_URL, digest, GOLEM_URL, "2025-09-10T08:00:00Z",
            http_headers=first.http_headers, warc_headers_dict={
                "WARC-Date": "2025-09-11T08:00:00Z"}))


def clippings(mhtml: Path, zh_dir: Path, out: Path) -> None:
    """An analyst's ZIP of clippings: a saved page, Chinese articles in a folder, an
    archive inside the archive, and the junk macOS adds."""
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(zh_dir / "doc_0022.txt", "doc_0022.txt")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(mhtml, "Golem/quantumscape.mhtml")
        z.write(zh_dir / "doc_0039.txt", "中文/doc_0039.txt")
        z.writestr("older/inner.zip", inner.getvalue())
        # What Finder's "Compress" adds: AppleDouble resource forks and .DS_Store.
        z.writestr("__MACOSX/Golem/._quantumscape.mhtml", b"\x00\x05\x16\x07\x00\x02\x00\x00"
                   + b"Mac OS X        " + bytes(60))
        z.writestr(".DS_Store", b"\x00\x00\x00\x01Bud1" + bytes(40))


if __name__ == "__main__":
    cmd, *args = sys.argv[1:]
    if cmd == "mhtml":
        Path(args[2]).write_text(snapshot(Path(args[0]).read_bytes(), args[1]),
                                 encoding="utf-8", newline="")
    elif cmd == "warc":
        crawl(Path(args[0]).read_bytes(), Path(args[1]).read_text("utf-8"), Path(args[2]))
    elif cmd == "zip":
        clippings(Path(args[0]), Path(args[1]), Path(args[2]))
    else:
        raise SystemExit(__doc__)
