"""A folder of every awkward real-world shape, indexed together with the seeds.

Each file ends up indexed or reported with a clear reason; entries that are not
regular files (a FIFO, a socket, a dangling link, a symlink loop) are passed over
without hanging; the seeds all stay searchable.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
from pathlib import Path

import pytest
from harness import REPO, SEEDS, limits

from cellsight.core.library import Library
from cellsight.core.progress import Progress

BAD = REPO / "tests" / "data" / "bad"
PARA = "Lithium refiners in Chile raised output again this quarter, officials said."


def _story(paragraph_content: str) -> list[object]:
    """A one-story devalue payload; ``paragraph_content`` is the JSON of entry 11."""
    return json.loads(
        '[{"story": 1}, {"name": 2, "slug": 3, "content": 4}, "Payload story", '
        '"news/payload-story", {"component": 5, "body": 6}, "article", {"type": 7, '
        '"content": 8}, "doc", [9], {"type": 10, "content": 11}, "paragraph", '
        + paragraph_content + ', {"type": 13, "text": 14}, "text", "' + PARA + '"]'
    )


def build(src: Path) -> dict[str, str]:
    """Write the corpus; returns name -> "indexed" or the expected failure reason."""
    expect: dict[str, str] = {}
    shutil.copytree(SEEDS, src / "seeds")
    expect.update({f"seeds/{p.name}": "indexed" for p in SEEDS.iterdir()})
    shutil.copytree(BAD, src / "bad", ignore=shutil.ignore_patterns("README.md"))
    for p in (src / "bad").iterdir():
        expect[f"bad/{p.name}"] = "?"  # covered one by one in tests/core/test_bad_inputs.py

    def put(name: str, data: bytes | str, outcome: str) -> Path:
        path = src / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        expect[name] = outcome
        return path

    zh = "宁德时代与多家车企签署电池供应协议，锂价回升。" * 4
    put("enc/gbk_no_charset.html", f"<html><body><p>{zh}</p></body></html>".encode("gbk"),
        "indexed")
    put("enc/gbk_declared_utf8.html",
        f'<html><head><meta charset="utf-8"></head><body><p>{zh}</p></body></html>'
        .encode("gbk"), "indexed")
    put("enc/cp1252_declared_utf8.html",
        '<html><head><meta charset="utf-8"></head><body><p>The miner’s “record” – '
        f'{PARA}</p></body></html>'.encode("cp1252"), "indexed")
    put("enc/latin1.txt", f"Genève négociants\n\n{PARA} Café.".encode("latin-1"), "indexed")
    put("enc/utf16.txt", f"UTF-16 note\n\n{PARA}".encode("utf-16"), "indexed")
    put("enc/numeric_refs.html",
        f"<html><body><p>&#8220;Patchy&#8221; &#x2014; {PARA} &#0; &#xD800; &#1114112;</p>"
        "</body></html>", "indexed")
    put("huge/over_limit.txt", ("Cobalt traders said prices were flat. " * 45_000), "too large")
    sparse = put("huge/sparse_5gb.txt", b"", "too large")
    os.truncate(sparse, 5 * 1024**3)  # never read: the size check comes first
    put("deep/nested_100k.html", "<html><body>" + "<div>" * 100_000 + f"<p>{PARA}</p>"
        + "</div>" * 100_000 + "</body></html>", "indexed")
    cyclic = _story("[12, 9]")  # the paragraph contains itself
    put("payload/cyclic.json", json.dumps(cyclic), "indexed")
    put("payload/dangling.json", json.dumps(_story("[12, 999]")), "payload")
    put("payload/negative_ref.json", json.dumps(_story("[12, -50]")), "payload")
    put("payload/deep_json.json", "[" * 100_000 + "]" * 100_000, "?")
    put("payload/not_a_payload.json", json.dumps({"articles": [1, 2, 3]}), "unsupported")
    put("payload/numbers.txt", "[1, 2, 3]", "?")
    put("odd/zero.txt", b"", "empty file")
    put("odd/random.bin", os.urandom(4096), "unsupported")
    put("odd/png_named.html", b"\x89PNG\r\n\x1a\n" + os.urandom(2048), "?")
    put("odd/nul_text.txt", b"Lithium\x00" * 500, "binary")
    put("names/dir with spaces/ñame – 电池 report.txt", f"Spaced name\n\n{PARA}", "indexed")
    put("names/.hidden.txt", f"Hidden\n\n{PARA}", "skipped")
    put("names/with sidecar.txt", f"Sidecar story\n\n{PARA}", "indexed")
    put("names/with sidecar.txt.meta.json",
        json.dumps({"url": "../../../../etc/cron.d/x", "title": "../../x"}), "skipped")
    bad_name = os.path.join(os.fsencode(src / "names"), b"latin1-\xe9t\xe9.txt")
    with open(bad_name, "wb") as fh:
        fh.write(f"Bad name\n\n{PARA}".encode())
    expect["names/latin1-\ufffdt\ufffd.txt"] = "not valid UTF-8"

    special = src / "special"
    special.mkdir()
    os.mkfifo(special / "pipe.txt")  # reading it would block forever
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(special / "socket.txt"))
    sock.close()
    (special / "folder.txt").mkdir()  # a directory named like a file
    (special / "dangling.txt").symlink_to(special / "gone.txt")
    (special / "loop").symlink_to(special)  # a symlink loop
    (special / "to_seed.txt").symlink_to(next((src / "seeds").glob("000_*.txt")))
    expect["special/to_seed.txt"] = "indexed"
    return expect


def test_awkward_corpus_indexes_or_reports_every_file(tmp_path: Path) -> None:
    src = tmp_path / "src"
    expect = build(src)
    vanished = src / "vanishes.txt"
    vanished.write_text(f"Gone soon\n\n{PARA}")
    expect["vanishes.txt"] = "cannot read"

    def delete_before_read(p: Progress) -> None:
        # Deleted between the scan and the read: the real-world "file went away".
        if p.current and p.current.endswith("vanishes.txt"):
            vanished.unlink(missing_ok=True)

    with Library(tmp_path / "lib", max_bytes=1_500_000) as lib, limits(seconds=120):
        report = lib.update([src], progress=delete_before_read)
        failed = {f.path: f.reason for f in report.failed}
        indexed = {d.parsed.path for d in lib.store.documents()}
        for name, outcome in expect.items():
            path = str(src / name)
            if outcome == "skipped":
                assert path not in failed and path not in indexed, name
            elif outcome == "indexed":
                assert path in indexed, f"{name}: {failed.get(path)}"
            elif outcome == "?":
                assert (path in indexed) != (path in failed), name
                assert path in indexed or failed[path].strip()
            else:
                assert outcome in failed.get(path, ""), f"{name}: {failed.get(path)}"
        for reason in failed.values():
            assert reason.strip() and "Traceback" not in reason
        special = {str(p) for p in (src / "special").iterdir() if p.name != "to_seed.txt"}
        assert not special & (set(failed) | indexed)
        assert {f.path for f in lib.failures()} == set(failed)
        assert lib.search('"volume production of sodium-ion"').total >= 1  # spaced non-ASCII
        for word, at_least in (("licensing", 2), ("sodium-ion", 1), ("Genève", 1),
                               ('"miner’s record"', 1), ("Patchy", 1)):
            assert lib.search(word).total >= at_least, word
        by_path = {d.parsed.path: d for d in lib.store.documents()}
        for name in ("enc/gbk_no_charset.html", "enc/gbk_declared_utf8.html"):
            assert "宁德时代与多家车企" in by_path[str(src / name)].parsed.text, name
        assert PARA in by_path[str(src / "payload/cyclic.json")].parsed.text
        for seed in SEEDS.iterdir():
            title = next(d for d in lib.store.documents()
                         if d.parsed.path == str(src / "seeds" / seed.name)).parsed.title
            words = " ".join(title.replace('"', " ").split(":")[0].split()[:5])
            hits = lib.search(f'title:"{words}"').hits
            assert any(h.title == title for h in hits), title
        # A second run reads nothing again and reports nothing new.
        again = lib.update([src])
        assert again.added == again.updated == 0 and not again.failed


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads chmod 000 files; the vanishing "
                    "file and the FIFO cover unreadable files when running as root")
def test_permission_denied_is_a_reason(tmp_path: Path) -> None:  # pragma: no cover - non-root
    src = tmp_path / "src"
    src.mkdir()
    locked = src / "locked.txt"
    locked.write_text(f"Locked\n\n{PARA}")
    locked.chmod(0)
    (src / "ok.txt").write_text(f"Open\n\n{PARA}")
    with Library(tmp_path / "lib") as lib:
        report = lib.update([src])
    assert report.added == 1
    assert "Permission denied" in report.failed[0].reason


def test_unreadable_sidecar_fails_one_file_not_the_run(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Root ignores chmod, so the sidecar's read is made to fail as EACCES would.
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text(f"First\n\n{PARA}")
    (src / "a.txt.meta.json").write_text("{}")
    (src / "b.txt").write_text(f"Second\n\n{PARA}")
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name.endswith(".meta.json"):
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    with Library(tmp_path / "lib") as lib:
        report = lib.update([src])
    assert report.added == 1
    assert [f.reason for f in report.failed] == ["cannot read: Permission denied"]
