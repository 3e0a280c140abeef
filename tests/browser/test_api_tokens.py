import requests
from playwright.sync_api import expect

from tests.browser.conftest import log_in


def test_a_user_creates_a_token_uses_it_and_revokes_it(page, live_server, sales_user):
    """From the user menu a person opens API tokens, creates one (shown once), another system
    reads customers with it, and after Revoke the token no longer works."""
    log_in(page, sales_user)
    page.get_by_test_id("user-menu").click()
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens")).to_be_visible()
    expect(page.get_by_text("No tokens yet.")).to_be_visible()

    page.get_by_role("button", name="Create Token").click()
    expect(page.get_by_text("Copy it now: it is not shown again.")).to_be_visible()
    token = page.get_by_test_id("new-token").inner_text().strip()
    url = f"{live_server.url}/api/v2.0/customers"
    headers = {"Authorization": f"Token {token}"}
    assert requests.get(url, headers=headers, timeout=10).status_code == 200

    page.reload()
    expect(page.get_by_test_id("new-token")).to_have_count(0)
    expect(page.get_by_test_id("token-row")).to_have_count(1)
    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("revoked.")).to_be_visible()
    expect(page.get_by_text("No tokens yet.")).to_be_visible()
    assert requests.get(url, headers=headers, timeout=10).status_code == 401
