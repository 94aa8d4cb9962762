"""Drawing a certificate as a PDF (xhtml2pdf, A4 landscape, embedded DejaVu fonts).

API
---
``render_pdf(certificate, template) -> bytes``
    The unsigned PDF of ``certificate`` (a saved or unsaved ``Certificate`` whose snapshot fields,
    serial, dates and verification code are set) worded by ``template`` (a ``CertificateTemplate``,
    saved or built-in). Always rendered in ``settings.LANGUAGE_CODE``, whatever the request's, and
    always on one page: a long name, title or body is re-rendered smaller (``FIT_SCALES``).
    About 30 ms, 55 ms with a logo, a seal and a background picture (``docs/BENCHMARKS.md``);
    raises ``RenderError`` if xhtml2pdf fails.
``verify_path(code)`` / ``verify_url(certificate)``
    Where anyone checks a certificate: ``{WAGTAILADMIN_BASE_URL}/verify/<code>/`` (the route
    ``certificates:verify``). The QR code on the certificate encodes this URL.
``render_html(certificate, template)``
    The HTML that is drawn (for a preview in a browser or a test).
``render_body(text, values) -> list[BodyLine]``
    A template body with its placeholders filled: plain text, escaped, one entry per line.

Fonts and images are loaded from disk only (``lms.core.pdf.html_to_pdf``: a link callback maps
``fonts/<file>`` to ``static/fonts`` and a resource policy confines reads to that folder and
refuses the network; xhtml2pdf would otherwise silently fall back to Helvetica, which has no
Vietnamese glyphs). Images (QR code, logo, seal, background) are read through the storage and handed to xhtml2pdf as
``data:`` URIs by the link callback: the HTML names them ``resource/<name>``, so the HTML parser
never scans their base64 (``render_html`` alone inlines them, for a browser).

Per-process caches (what a render spent most of its time on, measured with cProfile; see
``bench/certificates.py --profile``):

- the logo and seal renditions, keyed on the image (id, file name, SHA-1 of the file, focal
  point) and the rendition spec, so a replaced image or a changed focal point is read again;
- the background, faded to ``BACKGROUND_OPACITY`` and drawn once on an A4 landscape page as a
  one-page PDF that xhtml2pdf lays under the certificate. xhtml2pdf did the same on every render
  (decode the picture, fade it, encode it as PNG, decode that again, compress and encode it:
  two thirds of a 240 ms render with a 1600×1200 picture), with the same geometry
  (``WaterMarks.get_size_location``): the page looks the same, pixel for pixel;
- both in a small LRU (``IMAGE_CACHE_SIZE`` entries); ``reset_caches()`` empties it.

Streams are written binary (Flate) rather than ASCII85 + Flate (ReportLab's default,
``rl_config.useA85``): the ASCII85 encoder is pure Python without ReportLab's optional C
accelerator and took a third of a render with pictures; the PDF is also a sixth smaller. The
visible content, the embedded font subsets and the text are the same. Fonts themselves are parsed
once per process by ReportLab; Django's cached template loader compiles the template once.
xhtml2pdf renders one document at a time per process (a module-level lock; ``lms.core.pdf.render_lock``
as well, held while the ASCII85 switch, a ReportLab global, is off).
"""

import base64
import io
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import pgettext

from lms.core.mail import absolute_url
from lms.core.pdf import binary_streams, html_to_pdf, render_lock

from .models import parse_body

logger = logging.getLogger(__name__)

TEMPLATE_NAME = "certificates/certificate.html"
LOGO_SPEC = "max-400x400"
SEAL_SPEC = "max-500x500"
BACKGROUND_SPEC = "max-1600x1200"
# How faint the background picture is printed (0: invisible, 1: as it is).
BACKGROUND_OPACITY = 0.18
# The certificate's page, as the template's ``@page { size: a4 landscape }`` says.
PAGE_SIZE = (841.8897637795277, 595.2755905511812)
RESOURCE_PREFIX = "resource/"
IMAGE_CACHE_SIZE = 16


def verify_path(code):
    """The path of the public verification page of ``code``."""
    return reverse("certificates:verify", kwargs={"code": code})


def verify_url(certificate):
    """The absolute address printed (and QR-encoded) on ``certificate``."""
    return absolute_url(verify_path(certificate.verification_code))


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


def _read_rendition(image, spec):
    """(bytes, mime) of a rendition of a Wagtail image, or None when its file cannot be read."""
    try:
        rendition = image.get_rendition(spec)
        with rendition.file.open("rb") as handle:
            content = handle.read()
    except (OSError, ValueError) as error:
        logger.warning("Certificate image %s (%s) cannot be read: %s", image.pk, spec, error)
        return None
    mime = "image/jpeg" if rendition.file.name.lower().endswith((".jpg", ".jpeg")) else "image/png"
    return content, mime


def _image_data_uri(image, spec):
    """A rendition of a Wagtail image as a data: URI, or None when its file cannot be read."""
    if image is None:
        return None
    read = _read_rendition(image, spec)
    return _data_uri(*read) if read else None


_image_cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_image_cache_lock = threading.Lock()
# Held while ReportLab writes a PDF here (with the ASCII85 switch off).


def reset_caches():
    """Forget the cached images (the caches also notice a replaced image by themselves)."""
    with _image_cache_lock:
        _image_cache.clear()


def _image_key(kind, image, spec):
    """What a cached image depends on: its file (name and content hash), focal point and spec."""
    try:
        # Uploads through the admin have their hash; Wagtail fills in a missing one, once.
        digest = image.get_file_hash()
    except (OSError, ValueError):  # unreadable: drawn without it, and nothing is cached
        digest = None
    focal = (image.focal_point_x, image.focal_point_y, image.focal_point_width, image.focal_point_height)
    return (kind, image.pk, image.file.name, digest, focal, spec)


def _cached_image(kind, image, spec, make):
    """``make()`` once per (image, spec) and process, in a small LRU; None results are not kept."""
    key = _image_key(kind, image, spec)
    with _image_cache_lock:
        if key in _image_cache:
            _image_cache.move_to_end(key)
            return _image_cache[key]
    value = make()
    if value is not None:
        with _image_cache_lock:
            _image_cache[key] = value
            while len(_image_cache) > IMAGE_CACHE_SIZE:
                _image_cache.popitem(last=False)
    return value


def _picture(image, spec):
    """The data: URI of a logo or seal rendition (cached), or None."""
    if image is None:
        return None
    return _cached_image("picture", image, spec, lambda: _image_data_uri(image, spec))


@dataclass(frozen=True)
class Background:
    uri: str  # a data: URI: a one-page PDF with the picture already faded, or the picture itself
    opacity: float | None  # for xhtml2pdf to apply (the picture itself), None for the PDF


def _background_pdf(content):
    """A one-page A4 landscape PDF of the picture ``content`` faded to BACKGROUND_OPACITY, drawn
    where and how xhtml2pdf draws a page background image (its own geometry function)."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas
    from xhtml2pdf.builders.watermarks import WaterMarks

    picture = Image.open(io.BytesIO(content))
    picture = picture.convert("RGBA")
    # Scale the alpha that is there (a cut-out PNG stays cut out), as xhtml2pdf does.
    picture.putalpha(picture.getchannel("A").point(lambda alpha: int(alpha * BACKGROUND_OPACITY)))
    reader = ImageReader(picture)
    x, y, width, height = WaterMarks.get_size_location(reader, {}, PAGE_SIZE, is_portrait=False)
    output = io.BytesIO()
    with render_lock, binary_streams():
        canvas = Canvas(output, pagesize=PAGE_SIZE)
        canvas.drawImage(reader, x, y, width, height, mask="auto")
        canvas.save()
    return output.getvalue()


def _make_background(image):
    read = _read_rendition(image, BACKGROUND_SPEC)
    if read is None:
        return None
    try:
        return Background(_data_uri(_background_pdf(read[0]), "application/pdf"), None)
    except Exception as error:  # Pillow or ReportLab on an odd picture: let xhtml2pdf fade it
        logger.warning("Certificate background %s could not be prepared, drawn as it is: %s", image.pk, error)
        return Background(_data_uri(*read), BACKGROUND_OPACITY)


def _background(image):
    if image is None:
        return None
    return _cached_image("background", image, BACKGROUND_SPEC, lambda: _make_background(image))


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


def certificate_context(certificate, template, inline=True):
    """What the template is rendered with. With ``inline`` the images are ``data:`` URIs in the
    HTML (for a browser); without, ``resource/<name>`` references resolved from ``resources``
    by the link callback (for xhtml2pdf, whose HTML and CSS parsers are slow on long attributes)."""
    url = verify_url(certificate)
    values = placeholder_values(certificate)
    background = None
    if template.background_id and inline:  # a browser has no use for a PDF background
        picture = _image_data_uri(template.background, BACKGROUND_SPEC)
        background = Background(picture, BACKGROUND_OPACITY) if picture else None
    elif template.background_id:
        background = _background(template.background)
    images = {
        "qr": _data_uri(qr_png(url)),
        "logo": _picture(template.logo, LOGO_SPEC) if template.logo_id else None,
        "seal": _picture(template.seal, SEAL_SPEC) if template.seal_id else None,
        "background": background.uri if background else None,
    }
    resources = {f"{RESOURCE_PREFIX}{name}": uri for name, uri in images.items() if uri}
    references = images if inline else {name: RESOURCE_PREFIX + name if uri else None for name, uri in images.items()}
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
        **references,
        # A string: the template must never print a localised "0,18".
        "background_opacity": f"{background.opacity:.2f}" if background and background.opacity else None,
        "resources": resources,
    }


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
        context = certificate_context(certificate, template, inline=False)
    for scale in FIT_SCALES:
        pdf = _render(certificate, template, render_html(certificate, template, scale, context), context["resources"])
        if _page_count(pdf) == 1:
            return pdf
    logger.warning("Certificate %s does not fit on one page even at %s", certificate.serial, FIT_SCALES[-1])
    return pdf


def _render(certificate, template, html, resources):
    return html_to_pdf(
        html,
        f"certificate {certificate.serial}",
        meta={
            "title": f"{template.title} {certificate.serial}",
            "author": certificate.issuer_name,
            "subject": certificate.course_title,
        },
        resources=resources,
    )
