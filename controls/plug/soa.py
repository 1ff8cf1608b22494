"""What the soa part of the controls app adds to the core (called from
``ControlsConfig.ready``)."""


def register() -> None:
    """Navigation, tabs, report kinds, reviewable models, inbox sources, demo loaders, hooks."""
