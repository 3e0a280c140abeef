"""PDF documents: a print template rendered to PDF bytes with WeasyPrint.

WeasyPrint is imported only when a PDF is asked for, so the app runs without it (or without
the Pango/HarfBuzz libraries it loads): the PDF link then answers a page that says what to
install, and the HTML print views keep working. Stylesheets and images under STATIC_URL are
read from the static files on disk (the finders, or STATIC_ROOT after collectstatic); any other
URL is refused, so rendering a document never touches the network.
"""

from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

# What a Debian host needs for WeasyPrint (README "PDF documents", .ci/run).
DEBIAN_PACKAGES = (
    "libpango-1.0-0",
    "libpangoft2-1.0-0",
    "libharfbuzz0b",
    "libharfbuzz-subset0",
    "fonts-dejavu-core",
)
UNAVAILABLE_TEMPLATE = "core/pdf_unavailable.html"
MIME_TYPES = {".css": "text/css", ".png": "image/png", ".svg": "image/svg+xml"}


class PdfUnavailableError(Exception):
    """WeasyPrint or a library it loads is missing; the message says which."""


def _weasyprint():
    try:
        import weasyprint
    except ImportError as error:  # the package is not installed
        raise PdfUnavailableError(f"The Python package WeasyPrint is missing ({error}).") from error
    except OSError as error:  # installed, but Pango or HarfBuzz cannot be loaded
        raise PdfUnavailableError(f"A library WeasyPrint needs is missing ({error}).") from error
    return weasyprint


def pdf_available() -> bool:
    """Whether PDFs can be made here (WeasyPrint and its libraries load)."""
    try:
        _weasyprint()
    except PdfUnavailableError:
        return False
    return True


def static_file(url: str) -> Path | None:
    """The file on disk behind a URL under STATIC_URL, or None."""
    path = unquote(urlsplit(url).path)
    prefix = urlsplit(settings.STATIC_URL).path
    if not path.startswith(prefix):
        return None
    name = path[len(prefix) :]
    if not name or ".." in Path(name).parts:
        return None
    found = finders.find(name)
    if found:
        return Path(found)
    try:  # a hashed name from the manifest storage, after collectstatic
        stored = Path(staticfiles_storage.path(name))
    except NotImplementedError:
        return None
    return stored if stored.is_file() else None


def fetched_static(url: str) -> tuple[bytes, str]:
    """(content, MIME type) of a static file for WeasyPrint; ValueError for any other URL."""
    file = static_file(url)
    if file is None:
        raise ValueError(f"Not fetched while rendering a PDF (only static files are): {url}")
    return file.read_bytes(), MIME_TYPES.get(file.suffix, "application/octet-stream")


def _url_fetcher(weasyprint):
    """WeasyPrint's fetcher serving only static files: a URLFetcher subclass (WeasyPrint 67
    and later), or the function returning a dict that older versions call."""
    base = getattr(weasyprint, "URLFetcher", None)
    if base is None:

        def fetch(url: str, *args, **kwargs) -> dict:
            content, mime_type = fetched_static(url)
            return {"string": content, "mime_type": mime_type, "redirected_url": url}

        return fetch

    class StaticOnlyFetcher(base):
        def fetch(self, url, headers=None):
            content, mime_type = fetched_static(url)
            return weasyprint.urls.URLFetcherResponse(url, content, {"Content-Type": mime_type})

    return StaticOnlyFetcher()


def render_pdf(
    template_name: str, context: dict, *, request: HttpRequest | None = None, **options
) -> bytes:
    """The template rendered to PDF bytes (print media); `options` go to WeasyPrint's
    write_pdf. Raises PdfUnavailableError when WeasyPrint cannot be loaded."""
    weasyprint = _weasyprint()
    html = render_to_string(template_name, context, request=request)
    base_url = request.build_absolute_uri("/") if request is not None else settings.SITE_URL
    document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=_url_fetcher(weasyprint))
    return document.write_pdf(**options)


def pdf_response(
    request: HttpRequest, template_name: str, context: dict, *, filename: str, print_url: str = ""
) -> HttpResponse:
    """The PDF inline under `filename`; without WeasyPrint a 503 page naming what to install,
    with a link to the HTML print view (`print_url`)."""
    try:
        content = render_pdf(template_name, context, request=request)
    except PdfUnavailableError as error:
        return render(
            request,
            UNAVAILABLE_TEMPLATE,
            {"reason": str(error), "packages": DEBIAN_PACKAGES, "print_url": print_url},
            status=503,
        )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
