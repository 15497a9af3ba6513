"""Printing an HTML page to PDF with WeasyPrint, loading nothing from outside.

Every printed page (the board's report, seed labels, a community involvement record, a posted procedure, a poster)
carries its own styles, fonts from the system and pictures inline (drawn SVG, or a photo as a data: address), so a
page that asks for any other address gets nothing: WeasyPrint logs the refusal and prints the rest.
"""

from django.conf import settings


def _fetching_nothing(what: str):
    from weasyprint.urls import URLFetcher

    class FetchingNothing(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):  # the picture is in the page itself: nothing is fetched
                return super().fetch(url, headers)
            raise ValueError(f"Refused to fetch {url!r} while printing {what}.")

    return FetchingNothing(allowed_protocols=("data",))


def html_to_pdf(html: str, *, what: str, pdf_variant: str | None = None) -> bytes:
    """``html`` as PDF bytes; ``what`` names the document in the warning a fetch leaves in the log."""
    import weasyprint  # imported here: loading Pango takes a moment that other pages need not pay

    document = weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=_fetching_nothing(what))
    return document.write_pdf(pdf_variant=pdf_variant) if pdf_variant else document.write_pdf()
