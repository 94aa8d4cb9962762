"""Illustrative pictures drawn with Pillow: course covers and typical software screens.

They are labelled as illustrations; they never claim to show one vendor's exact menus.
"""

import io
import textwrap
from pathlib import Path

from django.conf import settings
from PIL import Image, ImageDraw, ImageFont

FONT_DIR = Path(settings.BASE_DIR) / "static" / "fonts"
PALETTE = ["#a3141b", "#0b5cad", "#136f3a", "#7a4b00", "#5b2a86", "#00626f"]


def _font(size, bold=False):
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(FONT_DIR / name), size)


def _png(image):
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def cover(title, category, colour_index):
    """A 960×540 course cover: category, title and a stylised document-and-seal motif."""
    colour = PALETTE[colour_index % len(PALETTE)]
    image = Image.new("RGB", (960, 540), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((640, 90, 880, 430), fill="#ffffff", outline="#ffffff")
    for y in range(140, 380, 36):
        draw.rectangle((670, y, 850, y + 12), fill="#d5dbe1")
    draw.ellipse((760, 340, 900, 480), outline="#ffbf47", width=10)
    draw.text((60, 70), category.upper(), font=_font(26, bold=True), fill="#ffe9a8")
    y = 130
    for line in textwrap.wrap(title, width=20)[:5]:
        draw.text((60, y), line, font=_font(40, bold=True), fill="#ffffff")
        y += 56
    draw.text((60, 470), "Công chức số", font=_font(24), fill="#ffffff")
    return _png(image)


def screen(window, lines, button):
    """A 720×420 mock application window with some fields and the button to press."""
    image = Image.new("RGB", (720, 420), "#ffffff")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 719, 419), outline="#8a96a3", width=2)
    draw.rectangle((2, 2, 717, 44), fill="#0b5cad")
    draw.text((16, 12), window[:60], font=_font(18, bold=True), fill="#ffffff")
    draw.rectangle((2, 44, 160, 417), fill="#eef2f6")
    for index in range(6):
        draw.rectangle((16, 64 + index * 40, 144, 80 + index * 40), fill="#d5dbe1")
    y = 70
    for line in lines[:6]:
        label, _, value = line.partition(":")
        draw.text(
            (180, y), label.strip()[:40] + (":" if value else ""), font=_font(16, bold=bool(value)), fill="#1b1f24"
        )
        if value:
            draw.rectangle((180, y + 24, 690, y + 52), outline="#8a96a3", fill="#fbfcfd")
            draw.text((188, y + 29), value.strip()[:52], font=_font(15), fill="#1b1f24")
            y += 66
        else:
            y += 34
    if button:
        width = int(draw.textlength(button, font=_font(17, bold=True))) + 40
        draw.rounded_rectangle((690 - width, 350, 690, 396), radius=6, fill="#a3141b")
        draw.text((710 - width, 362), button, font=_font(17, bold=True), fill="#ffffff")
        draw.rounded_rectangle((686 - width, 346, 694, 400), radius=8, outline="#ffbf47", width=3)
    draw.text((180, 390), "Hình minh họa", font=_font(13), fill="#4a5560")
    return _png(image)
