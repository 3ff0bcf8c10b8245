"""Browser steps of the layout other tests share: answering the confirmation dialog that
base.html's ui.js opens before any destructive button's form is sent."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def confirm(page: Page) -> None:
    """Say yes in the open confirmation dialog (its button repeats the action's name)."""
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.locator("#confirm-yes").click()
