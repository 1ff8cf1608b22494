"""Every write of the core app. Keyword-only, typed, atomic, actor passed in explicitly.

Split by sub-domain; everything is importable from ``aims.services``.
"""

from aims.services.accounts import (
    Actor,
    in_recipient_language,
    notification_create,
    notification_send_email,
    notifications_mark_read,
    profile_for,
    profile_update,
    token_create,
    token_digest,
    token_revoke,
    token_touch,
    user_create,
    user_set_password,
    user_update,
)
from aims.services.conformance import clause_assessment_update, clause_assessments_ensure
from aims.services.documents import (
    document_approve,
    document_create,
    document_edit,
    document_return,
    document_submit,
)
from aims.services.inventory import (
    ai_system_create,
    ai_system_grant,
    ai_system_import,
    ai_system_retire,
    ai_system_revoke,
    ai_system_update,
)
from aims.services.library import LibraryOutcome, library_import, library_load
from aims.services.records import (
    objective_result_record,
    record_create,
    record_delete,
    record_update,
)
from aims.services.reminders import (
    ReviewReminderOutcome,
    reminder_sources,
    review_digest_send,
    review_reminders_send,
    reviewable_models,
)
from aims.services.reports import report_job_create, report_job_render, report_jobs_expire

__all__ = [
    "Actor",
    "LibraryOutcome",
    "ai_system_create",
    "clause_assessment_update",
    "clause_assessments_ensure",
    "document_approve",
    "document_create",
    "document_edit",
    "document_return",
    "document_submit",
    "ai_system_grant",
    "ai_system_import",
    "ai_system_retire",
    "ai_system_revoke",
    "ai_system_update",
    "library_import",
    "library_load",
    "in_recipient_language",
    "notification_create",
    "notification_send_email",
    "notifications_mark_read",
    "objective_result_record",
    "profile_for",
    "record_create",
    "record_delete",
    "record_update",
    "report_job_create",
    "report_job_render",
    "report_jobs_expire",
    "ReviewReminderOutcome",
    "reminder_sources",
    "review_digest_send",
    "review_reminders_send",
    "reviewable_models",
    "profile_update",
    "token_create",
    "token_digest",
    "token_revoke",
    "token_touch",
    "user_create",
    "user_set_password",
    "user_update",
]
