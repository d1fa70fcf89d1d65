"""``python -m site_builder`` is the ``site-builder`` command."""

from .cli import run

run()
