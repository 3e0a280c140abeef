"""Dark mode follows the system setting (Bootstrap 5.3 colour modes)."""

import pytest


@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_the_page_takes_the_systems_colour_scheme(browser, live_server, scheme):
    context = browser.new_context(base_url=live_server.url, color_scheme=scheme)
    page = context.new_page()
    try:
        page.goto("/accounts/login/")
        assert page.evaluate("document.documentElement.dataset.bsTheme") == scheme
        page.emulate_media(color_scheme="light" if scheme == "dark" else "dark")
        flipped = "light" if scheme == "dark" else "dark"
        page.wait_for_function(f"document.documentElement.dataset.bsTheme === '{flipped}'")
    finally:
        context.close()
