"""A customer's PO on an order, in a real browser: attach it, see it, download it, delete it."""

from playwright.sync_api import expect

from core.models import Attachment
from salesorders import services
from tests.attachment_samples import SAMPLES, sample
from tests.browser.conftest import log_in
from tests.factories import CustomerFactory


def test_attach_a_customer_po_download_it_and_delete_it(page, sales_user):
    order = services.salesorder_create(customer=CustomerFactory(name="Acme Tools"), user=sales_user)
    log_in(page, sales_user)
    page.goto(order.get_absolute_url())
    section = page.get_by_test_id("attachments")
    expect(section.get_by_text("No attachments yet.")).to_be_visible()

    section.get_by_label("Category").select_option(label="Customer PO")
    section.locator("input[type=file]").set_input_files(str(SAMPLES / "sample.pdf"))
    section.get_by_role("button", name="Attach File").click()
    expect(page.get_by_role("alert")).to_contain_text("Attached sample.pdf (Customer PO).")
    row = section.get_by_role("row").filter(has_text="sample.pdf")
    expect(row).to_contain_text("Customer PO")
    expect(page.locator("#history")).to_contain_text("Attached sample.pdf (Customer PO).")

    with page.expect_download() as download_info:
        row.get_by_role("link", name="sample.pdf").click()
    download = download_info.value
    assert download.suggested_filename == "sample.pdf"
    with open(download.path(), "rb") as downloaded:
        assert downloaded.read() == sample("sample.pdf")

    row.get_by_role("link", name="Delete…").click()
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_contain_text("Delete sample.pdf?")
    dialog.get_by_role("button", name="Delete Attachment").click()
    expect(page.get_by_role("alert")).to_contain_text("Deleted sample.pdf.")
    expect(section.get_by_text("No attachments yet.")).to_be_visible()
    assert Attachment.objects.get().is_deleted
