"""The browser tests' steps that several journeys take (Playwright's sync API, Debian's Chromium)."""

import os
from pathlib import Path

DEMO_PASSWORD = "Demo@2026"
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", "test-results"))


def log_in(page, base, username="hocvien", password=DEMO_PASSWORD):
    """Log in through the site's login page as a demo user; every role lands on *Học tập của tôi*."""
    page.goto(f"{base}/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{base}/hoc-tap/")
