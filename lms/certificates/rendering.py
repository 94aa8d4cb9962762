"""Drawing a certificate as a PDF (xhtml2pdf, A4 landscape, embedded DejaVu fonts).

API
---
``render_pdf(certificate, template) -> bytes``
    The unsigned PDF of ``certificate`` (a saved or unsaved ``Certificate`` whose snapshot fields,
    serial, dates and verification code are set) worded by ``template`` (a ``CertificateTemplate``,
    saved or built-in). Always rendered in ``settings.LANGUAGE_CODE``, whatever the request's, and
    always on one page: a long name, title or body is re-rendered smaller (``FIT_SCALES``).
    About 0.1 s; raises ``RenderError`` if xhtml2pdf fails.
``verify_path(code)`` / ``verify_url(certificate)``
    Where anyone checks a certificate: ``{WAGTAILADMIN_BASE_URL}/verify/<code>/`` (the route
    ``certificates:verify``). The QR code on the certificate encodes this URL.
``render_html(certificate, template)``
    The HTML that is drawn (for a preview in a browser or a test).
``render_body(text, values) -> list[BodyLine]``
    A template body with its placeholders filled: plain text, escaped, one entry per line.

Fonts and images are loaded from disk only: a link callback maps ``fonts/<file>`` to
``static/fonts`` and a resource policy confines reads to that folder and refuses the network
(xhtml2pdf would otherwise silently fall back to Helvetica, which has no Vietnamese glyphs).
Images (QR code, logo, seal, background) are inlined as ``data:`` URIs, read through the storage.
xhtml2pdf renders one document at a time per process (a module-level lock).
"""

import base64
import io
import logging
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import pgettext

from .models import parse_body

logger = logging.getLogger(__name__)

FONTS_DIR = Path(settings.BASE_DIR) / "static" / "fonts"
TEMPLATE_NAME = "certificates/certificate.html"
LOGO_SPEC = "max-400x400"
SEAL_SPEC = "max-500x500"
BACKGROUND_SPEC = "max-1600x1200"


class RenderError(Exception):
    """xhtml2pdf could not draw the certificate."""


def verify_path(code):
    """The path of the public verification page of ``code``."""
    return reverse("certificates:verify", kwargs={"code": code})


def verify_url(certificate):
    """The absolute address printed (and QR-encoded) on ``certificate``."""
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + verify_path(certificate.verification_code)


def format_date(day):
    return day.strftime("%d/%m/%Y") if day else ""


def _data_uri(content, mime="image/png"):
    return f"data:{mime};base64,{base64.b64encode(content).decode('ascii')}"


def qr_png(text):
    """A QR code of ``text`` as PNG bytes (error correction M, quiet zone of 4 modules)."""
    import qrcode
    from qrcode.image.pil import PilImage

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=4, border=4)
    code.add_data(text)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(image_factory=PilImage).save(buffer, format="PNG")
    return buffer.getvalue()


def _image_data_uri(image, spec):
    """A rendition of a Wagtail image as a data: URI, or None when its file cannot be read."""
    if image is None:
        return None
    try:
        rendition = image.get_rendition(spec)
        with rendition.file.open("rb") as handle:
            content = handle.read()
    except (OSError, ValueError) as error:
        logger.warning("Certificate image %s (%s) cannot be read: %s", image.pk, spec, error)
        return None
    mime = "image/jpeg" if rendition.file.name.lower().endswith((".jpg", ".jpeg")) else "image/png"
    return _data_uri(content, mime)


@dataclass(frozen=True)
class BodyLine:
    html: str  # safe HTML
    css: str


def render_body(text, values):
    """Fill the placeholders of a plain-text body; every line becomes one escaped paragraph."""
    lines = []
    for raw_line in (text or "").replace("\r\n", "\n").split("\n"):
        parts = parse_body(raw_line)
        html = []
        placeholders = [field for literal, field in parts if field]
        for literal, field in parts:
            html.append(escape(literal))
            if field:
                html.append(format_html('<span class="ph-{}">{}</span>', field, values.get(field, "")))
        only = "".join(literal for literal, _field in parts).strip() == "" and len(placeholders) == 1
        lines.append(BodyLine(html=mark_safe("".join(html)), css=f"only-{placeholders[0]}" if only else "line"))
    return lines


def _lines_html(text):
    return mark_safe("<br>".join(escape(line) for line in (text or "").splitlines()))


def placeholder_values(certificate):
    expires = format_date(certificate.expires_on) or pgettext("certificate", "no expiry date")
    return {
        "name": certificate.holder_name,
        "course": certificate.course_title,
        "date": format_date(certificate.issued_on),
        "serial": certificate.serial,
        "unit": certificate.unit_name,
        "expires": expires,
    }


def certificate_context(certificate, template):
    url = verify_url(certificate)
    values = placeholder_values(certificate)
    return {
        "certificate": certificate,
        "template": template,
        "title": template.title,
        "issuer_html": _lines_html(certificate.issuer_name),
        "signer_title_html": _lines_html(certificate.signer_title),
        "signer_name": certificate.signer_name,
        "body_lines": render_body(template.body, values),
        "issued_on": values["date"],
        "expires_on": values["expires"],
        "verify_url": url,
        "qr": _data_uri(qr_png(url)),
        "logo": _image_data_uri(template.logo, LOGO_SPEC) if template.logo_id else None,
        "seal": _image_data_uri(template.seal, SEAL_SPEC) if template.seal_id else None,
        "background": _image_data_uri(template.background, BACKGROUND_SPEC) if template.background_id else None,
    }


def _link_callback(uri, rel):
    """Fonts by their file name in static/fonts; data: URIs as they are; nothing else."""
    if uri.startswith("data:"):
        return uri
    if uri.startswith("fonts/"):
        path = (FONTS_DIR / uri.removeprefix("fonts/")).resolve()
        if path.parent == FONTS_DIR.resolve() and path.is_file():
            return str(path)
    logger.warning("Certificate template asked for a resource it may not load: %.120s", uri)
    return ""


def _resource_policy():
    from xhtml2pdf.config.resources import ResourceAccessPolicy

    return ResourceAccessPolicy(allow_remote=False, base_dir=FONTS_DIR, max_document_bytes=20 * 1024 * 1024)


# Scales tried in turn until the certificate fits on one page (long names, titles or bodies).
FIT_SCALES = (1.0, 0.85, 0.72, 0.6)


def fit(template, scale=1.0):
    """Font sizes (pt) and spacing (mm) of the title and body, as strings the CSS can use as they are."""
    length = len(template.title)
    title = 30 if length <= 24 else 24 if length <= 40 else 19
    sizes = {
        "title": title,
        "title_top": 13,
        "title_bottom": 6,
        "body": 14,
        "name": 25,
        "course": 17,
        "footer_top": 14,
    }
    return {key: f"{value * scale:.1f}" for key, value in sizes.items()}  # never "25,5": no localisation


def render_html(certificate, template, scale=1.0, context=None):
    context = dict(context or certificate_context(certificate, template), fit=fit(template, scale))
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(TEMPLATE_NAME, context)


def _page_count(pdf_bytes):
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf_bytes)).pages)


def render_pdf(certificate, template):
    """The unsigned PDF of ``certificate`` as bytes, on one page (shrunk to fit if need be)."""
    with translation.override(settings.LANGUAGE_CODE):
        context = certificate_context(certificate, template)
    for scale in FIT_SCALES:
        pdf = _render(certificate, template, render_html(certificate, template, scale, context))
        if _page_count(pdf) == 1:
            return pdf
    logger.warning("Certificate %s does not fit on one page even at %s", certificate.serial, FIT_SCALES[-1])
    return pdf


def _render(certificate, template, html):
    from xhtml2pdf import pisa

    output = io.BytesIO()
    try:
        status = pisa.CreatePDF(
            html,
            dest=output,
            encoding="utf-8",
            link_callback=_link_callback,
            resource_policy=_resource_policy(),
            context_meta={
                "title": f"{template.title} {certificate.serial}",
                "author": certificate.issuer_name,
                "subject": certificate.course_title,
            },
        )
    except Exception as error:  # xhtml2pdf raises what its parsers raise
        raise RenderError(f"Cannot render certificate {certificate.serial}: {error}") from error
    if status.err:
        raise RenderError(f"Cannot render certificate {certificate.serial}: {status.err} error(s)")
    return output.getvalue()
