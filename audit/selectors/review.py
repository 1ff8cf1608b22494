"""Reads of management reviews and their actions (restricted by the base views and viewsets
through ``aims.scope.restrict``)."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from audit.models import ManagementReview, ReviewAction


def management_reviews() -> QuerySet[ManagementReview]:
    """Every version of every review, with who signed it and how many actions it has."""
    return (
        ManagementReview.objects.select_related("author", "approved_by", "owner")
        .annotate(actions_count=Count("actions", distinct=True))
        .order_by("-held_on", "code", "-number")
    )


def management_review_details() -> QuerySet[ManagementReview]:
    return ManagementReview.objects.select_related("author", "approved_by", "owner")


def review_actions() -> QuerySet[ReviewAction]:
    return ReviewAction.objects.select_related("review", "owner").order_by("due_on", "id")
