from playwright.sync_api import expect

from tests.browser.conftest import log_in


def test_staff_logs_in_and_sees_the_dashboard(page, sales_user):
    """A person opens the app, is sent to the login page, logs in and lands on the dashboard."""
    page.goto("/")
    expect(page).to_have_url("/accounts/login/?next=/")
    log_in(page, sales_user)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_text("Open orders")).to_be_visible()


def test_wrong_password_shows_an_error_on_the_login_page(page, sales_user):
    """A mistyped password keeps the person on the login page with a message."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(sales_user.username)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Please enter a correct username and password")).to_be_visible()


def test_menus_and_log_out_work_without_javascript(browser, live_server, sales_user):
    """With JavaScript off, a person on a phone-sized screen still reaches every menu entry
    and can log out."""
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, viewport={"width": 390, "height": 800}
    )
    page = context.new_page()
    try:
        log_in(page, sales_user)
        page.get_by_role("button", name="Sell").click()
        page.locator("#main-nav").get_by_role("link", name="Sales Orders").click()
        expect(page.get_by_role("heading", name="Sales Orders")).to_be_visible()
        page.get_by_test_id("user-menu").click()
        page.get_by_role("button", name="Log out").click()
        page.goto("/")
        expect(page).to_have_url("/accounts/login/?next=/")
    finally:
        context.close()
