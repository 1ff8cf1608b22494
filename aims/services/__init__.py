"""Every write of the core app, one module per sub-domain. No re-exports: import from the
module, e.g. ``from aims.services.inventory import ai_system_create``."""
