"""Forms of the core's pages, one module per area (like ``aims/views/``)."""
