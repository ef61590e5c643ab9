"""``dlfs-grade data``: list, fetch and verify the course's data sets."""

from __future__ import annotations

import click


@click.group()
def data() -> None:
    """List, download and verify the course's data sets."""
