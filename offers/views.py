"""Web pages (thin: they call services and selectors)."""
