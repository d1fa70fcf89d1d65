"""site-builder: a static fact-check site generator.

The pipeline runs one way: load -> validate/resolve -> routes -> render ->
output. See docs/ARCHITECTURE.md.
"""

__version__ = "0.1.0"
