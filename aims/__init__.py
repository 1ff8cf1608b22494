"""AIMS platform: project package and core domain."""

from aims.celery import app as celery_app

__all__ = ["celery_app"]
