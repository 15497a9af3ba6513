"""Every printed page goes through one function that loads nothing from outside."""

import logging

from makerlab.pdf import html_to_pdf


def test_a_printed_page_fetches_nothing_from_outside(caplog):
    page = '<p>Hello</p><img src="http://example.com/x.png"><img src="file:///etc/passwd">'
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = html_to_pdf(page, what="a test page")
    assert pdf.startswith(b"%PDF")
    refused = [record.getMessage() for record in caplog.records if "Refused to fetch" in record.getMessage()]
    assert any("http://example.com/x.png" in message for message in refused)
    assert any("file:///etc/passwd" in message for message in refused)
    assert all("while printing a test page" in message for message in refused)
