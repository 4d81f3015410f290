"""PDF documents (docs/architecture.md#documents): a Django template rendered to HTML, then to PDF
by WeasyPrint.

Documents may only load the project's own static files. ``StaticFilesFetcher`` serves
``{% static %}`` URLs from the static folders and refuses every other URL — any http(s) host,
any file:// path — so neither a template nor user data rendered into one can make the server
fetch a remote address or read a local file. data: URLs are allowed (QR codes are inlined so).
"""

import mimetypes
import posixpath
from pathlib import Path
from urllib.parse import quote, unquote, urljoin, urlsplit

import segno
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# Base URL when SITE_URL is not set: relative URLs need one to resolve against, and the
# reserved .invalid domain can never resolve to a real host.
FALLBACK_BASE_URL = "https://luhuituo.invalid/"


class RefusedURL(ValueError):
    """A document asked for something other than one of the project's static files."""


class StaticFilesFetcher(URLFetcher):
    """WeasyPrint URL fetcher that only serves the project's static files and data: URLs.

    A URL is served when it starts with ``STATIC_URL`` resolved against the document's base
    URL; the file is looked up with the staticfiles finders, then in ``STATIC_ROOT`` (where
    the hashed names of the manifest storage live). It is read from disk: nothing is fetched
    over the network, even when the base URL is the public site.
    """

    def __init__(self, base_url: str):
        # The parent's urllib handlers are only ever used for data: URLs.
        super().__init__(allowed_protocols={"data"})
        self.static_prefix = urljoin(base_url, settings.STATIC_URL)

    def fetch(self, url, headers=None):
        if urlsplit(url).scheme.lower() == "data":
            return super().fetch(url, headers)
        path = self.static_file(url)
        if path is None:
            raise RefusedURL(f"PDF documents only load the project's static files, not {url}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

    def static_file(self, url: str) -> Path | None:
        """The static file ``url`` names, or None if it names none."""
        if not url.startswith(self.static_prefix):
            return None
        name = unquote(url[len(self.static_prefix) :].split("#")[0].split("?")[0])
        normalised = posixpath.normpath(name)
        if (
            not name
            or name.startswith("/")
            or "\\" in name
            or "\0" in name
            or normalised == "."
            or normalised.startswith("..")
        ):
            return None
        try:
            found = finders.find(normalised)
        except SuspiciousFileOperation:
            return None
        if found and Path(found).is_file():
            return Path(found)
        root = Path(settings.STATIC_ROOT).resolve()
        candidate = (root / normalised).resolve()
        if candidate.is_relative_to(root) and candidate.is_file():
            return candidate
        return None


def default_base_url() -> str:
    """SITE_URL, so that relative links in a document point at the platform."""
    return f"{settings.SITE_URL}/" if settings.SITE_URL else FALLBACK_BASE_URL


def html_to_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """The PDF of ``html``; it can load nothing but static files and data: URLs."""
    base_url = base_url or default_base_url()
    document = HTML(string=html, base_url=base_url, url_fetcher=StaticFilesFetcher(base_url))
    return document.write_pdf()


def render_pdf(template_name: str, context: dict, *, base_url: str | None = None) -> bytes:
    """Render a template (usually extending ``pdf/base.html``) to PDF bytes.

    Documents are official Chinese texts: they are rendered in the platform's language
    (LANGUAGE_CODE) whatever language the user who triggered them reads the site in.
    """
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string(template_name, context)
    return html_to_pdf(html, base_url=base_url)


def qr_svg_data_uri(url: str) -> str:
    """An SVG QR code of ``url`` as a data: URI for ``<img src>``.

    Error correction level M (not boosted), a quiet zone of 2 modules, 1 mm per module with a
    viewBox, so CSS may scale it (``img.qr`` in pdf.css).
    """
    qr = segno.make_qr(url, error="m", boost_error=False)
    return qr.svg_data_uri(border=2, scale=1, unit="mm")


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    """A PDF download named ``filename`` (Chinese names survive: RFC 5987 encoding)."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
