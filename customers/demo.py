"""This app's part of `manage.py demo_data`."""


def build(ctx: dict) -> None:
    """Create demo rows; put what later apps need into ctx."""
