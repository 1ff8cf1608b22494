"""The one approval workflow (``aims.models.approval.Approvable``): submit, approve, return,
start the next version, compare two versions.

Every step locks the version, checks where it stands and who acts, and writes its change
record in the same transaction. The approver holds the model's approval capability, is not the
version's author and changed none of its content (``review_bar``); approving supersedes the
version in force; an approved version is never changed: the next version carries its content
forward. Each step tells the people it concerns, in their language (in the app and by
e-mail), never the one who took it: a submission everyone who may approve it, an approval or a
return the author and the owner. ``reviewable_by`` is the review rule for many versions at
once (the personal inbox, ``aims.inbox``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aims.changelog import change_record, logged_update
from aims.choices import Action, ApprovalStatus
from aims.models.approval import Approvable
from aims.models.changelog import ChangeRecord
from aims.roles import has_capability, roles_with
from aims.scope import VIEW, permitted, restrict
from aims.services.accounts import Actor, notify_people

V = TypeVar("V", bound=Approvable)


def _person(actor: Actor) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


def _name(version: Approvable) -> str:
    return str(version._meta.verbose_name)


def _locked(version: V) -> V:
    return type(version)._default_manager.select_for_update().get(pk=version.pk)


def approval_editable(version: Approvable) -> None:
    """Refuse a change of a version that is frozen (approved or superseded) or in review."""
    if version.status == ApprovalStatus.APPROVED:
        raise ValidationError(
            _(
                "This %(record)s is approved and frozen. Start a new version to change it; "
                "the approved one stays as it is."
            )
            % {"record": _name(version)}
        )
    if version.status == ApprovalStatus.SUPERSEDED:
        raise ValidationError(_("This version is superseded and frozen."))
    if version.status == ApprovalStatus.IN_REVIEW:
        raise ValidationError(
            _("This %(record)s is in review. It can be changed again once the reviewer returns it.")
            % {"record": _name(version)}
        )


#: Change records that change a version's content. The workflow's own steps (submit, return,
#: approve) are not changes of content: the reviewer who returned a version may approve it later.
CONTENT_ACTIONS = (Action.CREATE, Action.UPDATE, Action.DELETE)


def changed_content(user: Any, version: Approvable) -> bool:
    """Whether ``user`` wrote a change of ``version``'s content: a change record of the row
    itself or of its child rows (``approval_child_changes``: an impact assessment's entries).
    Read from the change log, which every service writes in the same transaction as the
    change, through its index on (record type, record id)."""
    person = _person(user)
    if person is None or version.pk is None:
        return False
    kind = ContentType.objects.get_for_model(version, for_concrete_model=False)
    edits = Q(content_type=kind, object_id=str(version.pk))
    children = version.approval_child_changes()
    if children is not None:
        edits |= children
    return ChangeRecord.objects.filter(
        edits, actor_id=person.pk, action__in=CONTENT_ACTIONS
    ).exists()


def review_bar(user: Any, version: Approvable) -> str | None:
    """Why ``user``, an approver, may not approve ``version`` (None when they may): they are
    its author, or they changed its content (four eyes: the approver is someone who did not
    write what they approve)."""
    person = _person(user)
    if person is None:
        return None
    if version.author_id == person.pk:
        return _("Nobody approves their own work: another approver is needed.")
    if changed_content(person, version):
        return _(
            "You changed the content of this version, so another approver reviews it: "
            "nobody approves their own work."
        )
    return None


def can_review(user: Any, version: Approvable) -> bool:
    """Whether ``user`` may approve or return ``version`` now: an approver who is not its
    author and changed none of its content."""
    return (
        version.status == ApprovalStatus.IN_REVIEW
        and has_capability(user, version.APPROVAL_CAPABILITY)
        and review_bar(user, version) is None
    )


def reviewable_by(queryset: QuerySet[V], user: Any) -> QuerySet[V]:
    """The versions of ``queryset`` that ``user`` may approve or return now, as one query:
    ``can_review`` for many versions (in review, the user holds the approval right, sees the
    record, is not its author and changed none of its content, its child rows included)."""
    model = queryset.model
    person = _person(user)
    if person is None or not has_capability(person, model.APPROVAL_CAPABILITY):
        return queryset.none()
    kind = ContentType.objects.get_for_model(model, for_concrete_model=False)
    changes = ChangeRecord.objects.filter(actor_id=person.pk, action__in=CONTENT_ACTIONS)
    own_edits = changes.filter(content_type=kind, object_id=Cast(OuterRef("pk"), CharField()))
    rows = (
        restrict(queryset, person, VIEW)
        .filter(status=ApprovalStatus.IN_REVIEW)
        .exclude(author_id=person.pk)
        .exclude(Exists(own_edits))
    )
    children = model.approval_child_edits(changes)
    return rows.exclude(children) if children is not None else rows


def approval_approvers(version: Approvable) -> list[Any]:
    """Everyone who may approve ``version`` once it is in review: active holders of its
    approval right who may see it and are not barred by ``review_bar``."""
    User = get_user_model()
    candidates = User.objects.filter(
        is_active=True, groups__name__in=roles_with(version.APPROVAL_CAPABILITY)
    ).distinct()
    return [
        user
        for user in candidates.order_by("pk")
        if permitted(user, VIEW, version) and review_bar(user, version) is None
    ]


def _notify(
    people: Any,
    *,
    actor: Actor,
    version: Approvable,
    subject: str,
    body: str,
    key: str,
    **values: Any,
) -> None:
    """Tell each of ``people`` (once each, never the actor) about a step on ``version``, in
    their language, in the app and by e-mail."""
    notify_people(
        people,
        actor=actor,
        subject=subject,
        body=body,
        url=version.get_absolute_url(),  # type: ignore[attr-defined]  # every version has one
        key=key,
        record=version._meta.verbose_name,
        name=str(version),
        **values,
    )


def _step_key(step: str, version: Approvable) -> str:
    """One notification per step of a version: a version submitted again after a return is a
    new step (its submission time differs)."""
    stamp = version.submitted_at.isoformat() if version.submitted_at else ""
    return f"approval-{step}:{version._meta.label_lower}:{version.pk}:{stamp}"[:200]


def _check_reviewer(actor: Actor, version: Approvable, *, approving: bool) -> None:
    if not has_capability(actor, version.APPROVAL_CAPABILITY):
        raise ValidationError(
            _("Your role cannot approve this %(record)s.") % {"record": _name(version)}
            if approving
            else _("Your role cannot review this %(record)s.") % {"record": _name(version)}
        )
    bar = review_bar(actor, version) if approving else None
    if bar is not None:
        raise ValidationError(bar)


@transaction.atomic
def approval_submit(*, actor: Actor, version: V) -> V:
    """Send a draft for review; it is locked until approved or returned."""
    version = _locked(version)
    if version.status != ApprovalStatus.DRAFT:
        raise ValidationError(_("Only a draft can be submitted for review."))
    version.approval_check_submit()
    logged_update(
        version,
        actor=actor,
        action=Action.SUBMIT,
        status=ApprovalStatus.IN_REVIEW,
        submitted_at=timezone.now(),
        review_comment="",
    )
    _notify(
        approval_approvers(version),
        actor=actor,
        version=version,
        subject=gettext_noop("Approval requested: %(name)s"),
        body=gettext_noop(
            "%(actor)s submitted the %(record)s “%(name)s” for approval. You may approve it "
            "or return it with a comment."
        ),
        key=_step_key("submit", version),
    )
    return version


@transaction.atomic
def approval_approve(*, actor: Actor, version: V) -> V:
    """Approve a version in review (by a holder of the approval right who is not its
    author). The version in force before it becomes superseded."""
    version = _locked(version)
    if version.status != ApprovalStatus.IN_REVIEW:
        raise ValidationError(_("Only a version in review can be approved."))
    _check_reviewer(actor, version, approving=True)
    version.approval_check_approve()
    in_force = version.versions().select_for_update().filter(status=ApprovalStatus.APPROVED)
    for older in in_force.exclude(pk=version.pk):
        logged_update(older, actor=actor, status=ApprovalStatus.SUPERSEDED)
    logged_update(
        version,
        actor=actor,
        action=Action.APPROVE,
        status=ApprovalStatus.APPROVED,
        approved_by=_person(actor),
        approved_at=timezone.now(),
        **version.approval_changes_on_approve(),
    )
    version.approval_on_approve()
    _notify(
        version.approval_people(),
        actor=actor,
        version=version,
        subject=gettext_noop("Approved: %(name)s"),
        body=gettext_noop("%(actor)s approved the %(record)s “%(name)s”. It is now in force."),
        key=_step_key("approve", version),
    )
    return version


@transaction.atomic
def approval_return(*, actor: Actor, version: V, comment: str) -> V:
    """Send a version in review back to its author as a draft, with the reason."""
    version = _locked(version)
    if version.status != ApprovalStatus.IN_REVIEW:
        raise ValidationError(_("Only a version in review can be returned."))
    _check_reviewer(actor, version, approving=False)
    if not (comment or "").strip():
        raise ValidationError({"comment": [_("Say what needs to change.")]})
    logged_update(
        version,
        actor=actor,
        action=Action.RETURN,
        status=ApprovalStatus.DRAFT,
        review_comment=comment.strip(),
    )
    _notify(
        version.approval_people(),
        actor=actor,
        version=version,
        subject=gettext_noop("Returned: %(name)s"),
        body=gettext_noop("%(actor)s returned the %(record)s “%(name)s” for changes:\n%(comment)s"),
        key=_step_key("return", version),
        comment=comment.strip(),
    )
    return version


@transaction.atomic
def approval_new_version(
    *, actor: Actor, version: V, prepare: Callable[[V], None] | None = None
) -> V:
    """Start the next version of the approved ``version``: a draft carrying its content
    forward (``prepare`` changes the draft before it is saved). The approved version stays in
    force until the new one is approved."""
    version = _locked(version)
    if version.status != ApprovalStatus.APPROVED:
        raise ValidationError(_("A new version starts from the approved version."))
    if version.versions().filter(number__gt=version.number).exists():
        raise ValidationError(_("A newer version exists already."))
    new = version.carry_forward()
    new.number = version.number + 1
    new.status = ApprovalStatus.DRAFT
    new.author = _person(actor)
    new.submitted_at = new.approved_by = new.approved_at = None
    new.review_comment = ""
    if prepare is not None:
        prepare(new)
    new.full_clean()
    new.save()
    version.carry_forward_relations(new)
    change_record(actor=actor, action=Action.CREATE, obj=new)
    return new


class CompareRow(NamedTuple):
    label: str
    left: str
    right: str
    changed: bool


def compare_row(label: Any, left: str, right: str) -> CompareRow:
    return CompareRow(str(label), left, right, left != right)


def shown(obj: models.Model, name: str) -> str:
    """A field's value as a reader sees it: the label of a choice, yes/no, a list joined."""
    display = getattr(obj, f"get_{name}_display", None)
    if display is not None:
        return str(display())
    value = getattr(obj, name)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return "" if value is None else str(value)


def _label(version: Approvable, name: str) -> str:
    return str(getattr(version._meta.get_field(name), "verbose_name", name))


def approval_compare(
    left: Approvable,
    right: Approvable,
    *,
    show: Callable[[Approvable, str], str] = shown,
    extra: Callable[[Approvable, Approvable], list[CompareRow]] | None = None,
) -> list[CompareRow]:
    """Two versions side by side, field by field (the model's ``COMPARE_FIELDS``), then
    what ``extra`` adds (child rows, structured fields)."""
    rows = [
        compare_row(_label(left, name), show(left, name), show(right, name))
        for name in left.COMPARE_FIELDS
    ]
    if extra is not None:
        rows.extend(extra(left, right))
    return rows
