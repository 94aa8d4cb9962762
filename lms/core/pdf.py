"""HTML → PDF with xhtml2pdf, for every document the site draws (certificates, transcripts).

``html_to_pdf(html, what, meta=None, resources=None) -> bytes``
    One document at a time per process (``render_lock``: xhtml2pdf and ReportLab keep module-level
    state), streams written binary (``binary_streams``), fonts only from ``static/fonts``, named
    ``resources`` (``{"resource/logo": "data:…"}``) and ``data:`` URIs, nothing else: no file
    outside the fonts folder, nothing from the network. Raises ``RenderError`` naming ``what``.
"""

import io
import logging
import threading
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

FONTS_DIR = Path(settings.BASE_DIR) / "static" / "fonts"
render_lock = threading.Lock()


class RenderError(Exception):
    """xhtml2pdf could not draw the document."""


def link_callback(uri, rel, resources=None):
    """Fonts by their file name in static/fonts; our images by name; data: URIs as they are;
    nothing else."""
    if uri.startswith("data:"):
        return uri
    if resources and uri in resources:
        return resources[uri]
    if uri.startswith("fonts/"):
        path = (FONTS_DIR / uri.removeprefix("fonts/")).resolve()
        if path.parent == FONTS_DIR.resolve() and path.is_file():
            return str(path)
    logger.warning("A document asked for a resource it may not load: %.120s", uri)
    return ""


@contextmanager
def binary_streams():
    """ReportLab writes its streams without the ASCII85 layer meanwhile: its encoder is pure Python
    (a third of a certificate's render) and the PDF comes out a sixth smaller."""
    from reportlab import rl_config

    saved = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = saved


def resource_policy():
    from xhtml2pdf.config.resources import ResourceAccessPolicy

    return ResourceAccessPolicy(allow_remote=False, base_dir=FONTS_DIR, max_document_bytes=20 * 1024 * 1024)


def html_to_pdf(html, what, meta=None, resources=None):
    """``html`` as PDF bytes through xhtml2pdf, one document at a time, with our fonts and the
    named ``resources`` and nothing from outside (``link_callback``). ``what`` names the
    document in the ``RenderError`` raised when xhtml2pdf fails."""
    from xhtml2pdf import pisa

    output = io.BytesIO()
    try:
        with render_lock, binary_streams():
            status = pisa.CreatePDF(
                html,
                dest=output,
                encoding="utf-8",
                link_callback=lambda uri, rel: link_callback(uri, rel, resources),
                resource_policy=resource_policy(),
                context_meta=meta or {},
            )
    except Exception as error:  # xhtml2pdf raises what its parsers raise
        raise RenderError(f"Cannot render {what}: {error}") from error
    if status.err:
        raise RenderError(f"Cannot render {what}: {status.err} error(s)")
    return output.getvalue()
