"""What the audits part of the audit app adds to the core (called from
``AuditConfig.ready``)."""


def register() -> None:
    """Navigation, tabs, report kinds, reviewable models, inbox sources, demo loaders, hooks."""
