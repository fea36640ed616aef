"""The reader between an e-mail and its attachments: "Attached to: <subject>" with an
"Open message" link on an attachment, "Attachments: …" links on the message; each link
opens that document (a real message with docx and PDF attachments, tests/data/email)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from windows import new_window, settings_in

from cellsight.core.library import Library
from cellsight.core.model import SearchRequest
from cellsight.ui.widgets.mail_links_label import MailLinksLabel

SWIFT = Path(__file__).resolve().parents[1] / "data" / "email" / "php_docx_pdf_odt_png.eml"
WAIT = 60_000  # ms; the signals come as soon as the document is loaded


@pytest.fixture
def lib(tmp_path: Path):  # type: ignore[no-untyped-def]
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(SWIFT, src / SWIFT.name)
    library = Library(tmp_path / "lib")
    assert not library.update([src]).failed
    yield library
    library.close()


def hrefs(label: MailLinksLabel) -> list[tuple[str, str]]:
    return re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', label.text())


def test_attachment_links_to_its_message_and_back(qtbot, lib, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ids = {h.member: h.id for h in lib.search(SearchRequest(limit=50)).hits}
    docx_id, message_id = ids["Hello from SwiftMailer.docx"], ids[None]
    window = new_window(qtbot, lib, settings_in(tmp_path))
    links = window.reader.mail_links
    with qtbot.waitSignal(window.documents.shown, timeout=WAIT,
                          check_params_cb=lambda doc_id: doc_id == docx_id):  # fmt: skip
        window.open_doc_id(docx_id)
    assert links.isVisible()
    assert "Attached to:" in links.text() and "test-localhost" in links.text()
    ((href, text),) = hrefs(links)
    assert text == "Open message"
    # The link opens the message, which lists its attachments as links.
    with qtbot.waitSignal(window.documents.shown, timeout=WAIT,
                          check_params_cb=lambda doc_id: doc_id == message_id):  # fmt: skip
        links.linkActivated.emit(href)
    doc = window.reader.document()
    assert doc is not None and doc.id == message_id and doc.parsed.member is None
    assert links.text().count("Attachments:") == 1
    assert [t for _h, t in hrefs(links)] == ["Hello from SwiftMailer.docx",
                                             "Hello from SwiftMailer.pdf", "test-localhost.eml"]
    pdf_href = hrefs(links)[1][0]
    pdf_id = ids["Hello from SwiftMailer.pdf"]
    with qtbot.waitSignal(window.documents.shown, timeout=WAIT,
                          check_params_cb=lambda doc_id: doc_id == pdf_id):  # fmt: skip
        links.linkActivated.emit(pdf_href)
    assert window.reader.document().parsed.member == "Hello from SwiftMailer.pdf"


def test_the_mail_line_follows_the_open_document(qtbot, lib, tmp_path) -> None:  # type: ignore[no-untyped-def]
    window = new_window(qtbot, lib, settings_in(tmp_path))
    nested = next(h.id for h in lib.search(SearchRequest(limit=50)).hits
                  if h.member == "test-localhost.eml › Hello from SwiftMailer.docx")
    with qtbot.waitSignal(window.documents.shown, timeout=WAIT,
                          check_params_cb=lambda doc_id: doc_id == nested):  # fmt: skip
        window.open_doc_id(nested)
    assert window.reader.mail_links.isVisible()  # attached to the attached message
    window.reader.clear()
    assert not window.reader.mail_links.isVisible()
