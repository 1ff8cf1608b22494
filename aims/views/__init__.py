"""Pages of the core, one module per area; the shared base classes are in ``base``."""
