"""The inputs of a management review (ISO/IEC 42001 9.3.2), assembled from live data as of the
review's date (``held_on``).

One section per ``ReviewInput`` code, each a JSON-serialisable dict of one shape::

    {"code", "title", "text", "figures": [{"label", "value", "tone"}],
     "items": [{"label", "detail", "url"}], "history": bool}

Records created after the end of ``held_on`` are left out; what has a date (raised, closed,
approved, measured, accepted, changed in the change log) is read as of that date. What keeps
no history (a risk's current level, an action's current status) is read as it stands:
``history`` is then False and the page and the pack say "as read at sign-off" (at sign-off the
sections are stored on the review and never read again: ``audit.services.review``).

The period a section covers runs from ``period_start`` (else the date of the previous signed
review, else twelve months before ``held_on``) to ``held_on``. The review is the
organisation's: every record counts, whoever reads the review. Each section runs a constant
number of queries, whatever the number of records (a guard test holds it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aims.choices import Action, ApprovalStatus
from audit.choices import (
    NONCONFORMITY_KINDS,
    ActionStatus,
    FindingKind,
    NonconformityStatus,
    ReviewInput,
)

#: How many records a section lists by name (the figures count them all).
MAX_ITEMS = 50
OPEN_ACTIONS = (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)


def _end(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.max))


def _start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _url(name: str, *args: Any) -> str:
    """The page of a record, "" where its part is not installed."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _page(obj: Any) -> str:
    try:
        return str(obj.get_absolute_url())
    except (AttributeError, NoReverseMatch):
        return ""


def _figure(label: Any, value: Any, tone: str = "") -> dict[str, Any]:
    return {"label": str(label), "value": value, "tone": tone}


def _item(label: Any, detail: Any = "", url: str = "") -> dict[str, Any]:
    return {"label": str(label), "detail": str(detail), "url": url}


def _person(user: Any) -> str:
    from aims.people import person_name

    return person_name(user) if user is not None else ""


class Period:
    """The review's date and the start of the period its inputs cover."""

    def __init__(self, held_on: date, start: date) -> None:
        self.held_on, self.start = held_on, start
        self.end_at, self.start_at = _end(held_on), _start(start)

    def created(self, field: str = "created_at") -> Q:
        return Q(**{f"{field}__lte": self.end_at})

    def within(self, field: str) -> Q:
        """A date or time ``field`` within the period."""
        return Q(**{f"{field}__gte": self.start_at, f"{field}__lte": self.end_at})

    def within_dates(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.start, f"{field}__lte": self.held_on})


def review_period(review: Any) -> Period:
    """The period ``review`` covers: ``period_start``, else the date of the previous signed
    review (of another series, held earlier), else twelve months before ``held_on``."""
    from audit.models import ManagementReview

    start = review.period_start
    if start is None:
        previous = (
            ManagementReview.objects.filter(
                status__in=(ApprovalStatus.APPROVED, ApprovalStatus.SUPERSEDED),
                held_on__lt=review.held_on,
            )
            .exclude(code=review.code)
            .order_by("-held_on")
            .values_list("held_on", flat=True)
            .first()
        )
        start = previous or review.held_on - timedelta(days=365)
    return Period(review.held_on, start)


def _section(code: str, text: str, figures: list, items: list, *, history: bool) -> dict:
    return {
        "code": code,
        "title": str(ReviewInput(code).label),
        "text": text,
        "figures": figures,
        "items": items[:MAX_ITEMS],
        "more": max(0, len(items) - MAX_ITEMS),
        "history": history,
    }


# --- 9.3.2 a) status of actions from previous management reviews ------------------------------
def previous_actions(review: Any, period: Period) -> dict[str, Any]:
    from audit.models import ReviewAction

    rows = list(
        ReviewAction.objects.filter(
            review__status=ApprovalStatus.APPROVED, review__held_on__lt=period.held_on
        )
        .exclude(review__code=review.code)
        .filter(period.created())
        .select_related("review", "owner")
        .order_by("due_on", "id")
    )
    statuses = Counter(row.status for row in rows)
    overdue = [
        r for r in rows if r.status in OPEN_ACTIONS and r.due_on and r.due_on < period.held_on
    ]
    figures = [_figure(label, statuses.get(code, 0)) for code, label in ActionStatus.choices]
    figures.append(_figure(_("Overdue"), len(overdue), "warn" if overdue else ""))
    items = [
        _item(
            f"{row.review.code}: {row.title}",
            " · ".join(
                part
                for part in (
                    row.get_status_display(),
                    _person(row.owner),
                    _("due %(date)s") % {"date": row.due_on} if row.due_on else "",
                )
                if part
            ),
            _page(row.review),
        )
        for row in rows
    ]
    text = (
        _("%(count)s action(s) from previous reviews, %(done)s done, %(overdue)s overdue.")
        % {"count": len(rows), "done": statuses.get(ActionStatus.DONE, 0), "overdue": len(overdue)}
        if rows
        else _("No previous management review has actions.")
    )
    return _section(ReviewInput.PREVIOUS_ACTIONS, text, figures, items, history=False)


# --- 9.3.2 b) changes in issues and in interested parties' needs -----------------------------
def _changes(model: Any, period: Period, name: Callable[[Any], str]) -> dict[str, Any]:
    """Records of ``model`` added, changed and removed within the period, read from the
    change log (two queries)."""
    from aims.models.changelog import ChangeRecord

    kind = ContentType.objects.get_for_model(model)
    log = ChangeRecord.objects.filter(
        content_type=kind, timestamp__gte=period.start_at, timestamp__lte=period.end_at
    ).values_list("object_id", "action", "object_repr")
    added: dict[str, str] = {}
    changed: dict[str, str] = {}
    removed: dict[str, str] = {}
    for object_id, action, label in log.order_by("timestamp", "id"):
        if action == Action.CREATE:
            added[object_id] = label
        elif action == Action.DELETE:
            removed[object_id] = label
            added.pop(object_id, None)
            changed.pop(object_id, None)
        elif object_id not in added:
            changed[object_id] = label
    ids = [int(i) for i in (*added, *changed) if i.isdigit()]
    current = model.objects.filter(period.created()).count()
    live = model.objects.in_bulk(ids)
    items = []
    for group, label in ((added, _("added")), (changed, _("changed")), (removed, _("removed"))):
        for object_id, shown in group.items():
            obj = live.get(int(object_id)) if object_id.isdigit() else None
            items.append(_item(name(obj) if obj is not None else shown, label, _page(obj)))
    figures = [
        _figure(_("In the register on the review date"), current),
        _figure(_("Added in the period"), len(added)),
        _figure(_("Changed in the period"), len(changed)),
        _figure(_("Removed in the period"), len(removed)),
    ]
    return {"figures": figures, "items": items, "count": len(added) + len(changed) + len(removed)}


def issues(review: Any, period: Period) -> dict[str, Any]:
    from aims.models import ContextIssue

    found = _changes(ContextIssue, period, lambda o: f"{o.get_kind_display()}: {o.title}")
    text = _(
        "%(count)s change(s) of the internal and external issues (4.1) from %(start)s to "
        "%(end)s, read from the change log."
    ) % {"count": found["count"], "start": period.start, "end": period.held_on}
    return _section(
        ReviewInput.EXTERNAL_INTERNAL_ISSUES, text, found["figures"], found["items"], history=True
    )


def interested_parties(review: Any, period: Period) -> dict[str, Any]:
    from aims.models import InterestedParty

    found = _changes(InterestedParty, period, lambda o: o.name)
    text = _(
        "%(count)s change(s) of the interested parties and their needs and expectations "
        "(4.2) from %(start)s to %(end)s, read from the change log."
    ) % {"count": found["count"], "start": period.start, "end": period.held_on}
    return _section(
        ReviewInput.INTERESTED_PARTIES, text, found["figures"], found["items"], history=True
    )


# --- 9.3.2 c) 1) nonconformities and corrective actions --------------------------------------
def nonconformities(review: Any, period: Period) -> dict[str, Any]:
    from audit.models import CorrectiveAction, Nonconformity

    known = Nonconformity.objects.filter(period.created(), raised_on__lte=period.held_on)
    closed_by_then = Q(status=NonconformityStatus.CLOSED, closed_at__lte=period.end_at)
    counts = known.aggregate(
        open=Count("pk", filter=~closed_by_then),
        closed=Count("pk", filter=closed_by_then & period.within("closed_at")),
        overdue=Count("pk", filter=~closed_by_then & Q(due_on__lt=period.held_on)),
        raised=Count("pk", filter=period.within_dates("raised_on")),
    )
    trend = (
        known.filter(period.within_dates("raised_on"))
        .annotate(month=TruncMonth("raised_on"))
        .order_by("month")
        .values("month")
        .annotate(n=Count("pk"))
    )
    actions = CorrectiveAction.objects.filter(period.created()).aggregate(
        total=Count("pk"),
        open=Count("pk", filter=Q(status__in=OPEN_ACTIONS)),
        overdue=Count("pk", filter=Q(status__in=OPEN_ACTIONS, due_on__lt=period.held_on)),
        done=Count("pk", filter=Q(status=ActionStatus.DONE, completed_on__lte=period.held_on)),
    )
    shown = known.filter(period.within_dates("raised_on") | ~closed_by_then).order_by(
        "raised_on", "id"
    )
    items = [
        _item(
            f"{nc.reference} {nc.title}",
            " · ".join(
                (
                    nc.get_severity_display(),
                    _("Closed") if nc.closed_at and nc.closed_at <= period.end_at else _("Open"),
                    _("raised %(date)s") % {"date": nc.raised_on},
                )
            ),
            _page(nc),
        )
        for nc in shown
    ]
    figures = [
        _figure(_("Raised in the period"), counts["raised"]),
        _figure(_("Open on the review date"), counts["open"], "warn" if counts["open"] else ""),
        _figure(_("Closed in the period"), counts["closed"]),
        _figure(
            _("Past their response date"), counts["overdue"], "warn" if counts["overdue"] else ""
        ),
        _figure(_("Corrective actions open"), actions["open"]),
        _figure(
            _("Corrective actions overdue"),
            actions["overdue"],
            "warn" if actions["overdue"] else "",
        ),
        _figure(_("Corrective actions done"), actions["done"]),
    ]
    trend_rows = [{"month": f"{row['month']:%Y-%m}", "count": row["n"]} for row in trend]
    text = (
        _(
            "%(raised)s nonconformity(ies) raised in the period; %(open)s open and "
            "%(overdue)s past their response date on the review date. The corrective actions' "
            "status is read as at sign-off."
        )
        % counts
    )
    section = _section(ReviewInput.NONCONFORMITIES, text, figures, items, history=False)
    section["trend"] = trend_rows
    return section


# --- 9.3.2 c) 2) monitoring and measurement results ------------------------------------------
def monitoring(review: Any, period: Period) -> dict[str, Any]:
    from django.db.models import Prefetch

    from aims.models import Objective, ObjectiveResult

    results = ObjectiveResult.objects.filter(measured_on__lte=period.held_on).filter(
        period.created()
    )
    objectives = list(
        Objective.objects.filter(period.created())
        .prefetch_related(Prefetch("results", queryset=results.order_by("-measured_on", "-id")))
        .order_by("due_on", "title")
    )
    statuses = Counter(o.get_status_display() for o in objectives)
    measured = 0
    items = []
    for objective in objectives:
        latest = next(iter(objective.results.all()), None)
        in_period = [r for r in objective.results.all() if r.measured_on >= period.start]
        measured += bool(in_period)
        detail = _("target: %(target)s") % {"target": objective.target}
        if latest is not None:
            detail += " · " + _("latest result %(value)s (%(date)s)") % {
                "value": latest.value,
                "date": latest.measured_on,
            }
        else:
            detail += " · " + _("no result yet")
        items.append(_item(objective.title, detail, _page(objective)))
    figures = [_figure(_("Objectives"), len(objectives))]
    figures += [_figure(label, n) for label, n in sorted(statuses.items())]
    figures.append(_figure(_("Measured in the period"), measured))
    text = _(
        "%(count)s objective(s); %(measured)s with a result measured in the period. An "
        "objective's status is read as at sign-off."
    ) % {"count": len(objectives), "measured": measured}
    return _section(ReviewInput.MONITORING, text, figures, items, history=False)


# --- 9.3.2 c) 3) audit results ------------------------------------------------------------------
def audits(review: Any, period: Period) -> dict[str, Any]:
    from audit.models import Audit, Finding

    found = Finding.objects.filter(period.created())
    in_period = (Q(fieldwork_start__isnull=False) & period.within_dates("fieldwork_start")) | (
        Q(fieldwork_start__isnull=True) & period.within_dates("period_end")
    )
    rows = list(
        Audit.objects.filter(period.created())
        .filter(in_period)
        .annotate(
            findings_count=Count("findings", filter=Q(findings__created_at__lte=period.end_at)),
            nc_count=Count(
                "findings",
                filter=Q(
                    findings__created_at__lte=period.end_at,
                    findings__kind__in=NONCONFORMITY_KINDS,
                ),
            ),
        )
        .order_by("fieldwork_start", "id")
    )
    kinds = dict(
        found.filter(audit__in=[a.pk for a in rows])
        .values_list("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    figures = [_figure(_("Audits"), len(rows))]
    figures += [_figure(label, kinds.get(code, 0)) for code, label in FindingKind.choices]
    items = [
        _item(
            audit.title,
            _("%(status)s · %(findings)s finding(s), %(ncs)s nonconformity(ies)")
            % {
                "status": audit.get_status_display(),
                "findings": audit.findings_count,
                "ncs": audit.nc_count,
            },
            _page(audit),
        )
        for audit in rows
    ]
    text = _(
        "%(count)s audit(s) with fieldwork in the period and %(findings)s finding(s). An "
        "audit's status is read as at sign-off."
    ) % {"count": len(rows), "findings": sum(kinds.values())}
    return _section(ReviewInput.AUDITS, text, figures, items, history=False)


# --- 9.3.2 c) risk register and treatment --------------------------------------------------------
def _heatmap(heatmaps: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The residual heat map of the default matrix (else the most used) as plain data."""
    shown = next((m for m in heatmaps if m["matrix"].is_default), None) or (
        heatmaps[0] if heatmaps else None
    )
    if shown is None:
        return None
    matrix = shown["matrix"]
    return {
        "matrix": str(matrix),
        "impacts": [str(label) for label in shown["impacts"]],
        "rows": [
            {
                "label": str(row["label"]),
                "cells": [
                    {
                        "count": c["count"],
                        "level": matrix.level_label(c["level"]),
                        "colour": c["colour"],
                    }
                    for c in row["cells"]
                ],
            }
            for row in shown["residual"]
        ],
    }


def risks(review: Any, period: Period) -> dict[str, Any]:
    from risk.choices import RiskStatus, TreatmentOption
    from risk.models import Risk, RiskAcceptance, RiskMatrix
    from risk.selectors import above_criteria, risk_heatmaps

    live_statuses = [RiskStatus.OPEN, RiskStatus.IN_TREATMENT, RiskStatus.ACCEPTED]
    known = Risk.objects.filter(period.created())
    live = known.filter(status__in=live_statuses)
    counts = known.aggregate(
        total=Count("pk"),
        live=Count("pk", filter=Q(status__in=live_statuses)),
        above=Count("pk", filter=Q(status__in=live_statuses) & above_criteria()),
        not_decided=Count(
            "pk",
            filter=Q(status__in=live_statuses[:2], treatment_option=TreatmentOption.NOT_DECIDED),
        ),
        added=Count("pk", filter=period.within("created_at")),
        **{f"status_{code}": Count("pk", filter=Q(status=code)) for code in RiskStatus.values},
    )
    by_level = dict(
        live.order_by()
        .values_list("residual_level")
        .annotate(n=Count("pk"))
        .values_list("residual_level", "n")
    )
    default = RiskMatrix.objects.filter(is_default=True).first()
    acceptances = RiskAcceptance.objects.filter(accepted_at__lte=period.end_at)
    accepted = acceptances.aggregate(
        in_period=Count("pk", filter=period.within("accepted_at")),
        in_force=Count(
            "pk",
            filter=(Q(ended_at__isnull=True) | Q(ended_at__gt=period.end_at))
            & Q(expires_on__gte=period.held_on),
        ),
        above=Count("pk", filter=period.within("accepted_at") & Q(within_criteria=False)),
    )
    heatmap = _heatmap(risk_heatmaps(live))
    figures = [_figure(_("Risks in the register"), counts["live"])]
    figures += [_figure(label, counts[f"status_{code}"]) for code, label in RiskStatus.choices]
    figures += [
        _figure(
            _("Residual level: %(level)s")
            % {"level": default.level_label(code) if default else code},
            n,
        )
        for code, n in sorted(by_level.items())
    ]
    figures += [
        _figure(_("Above the risk criteria"), counts["above"], "warn" if counts["above"] else ""),
        _figure(
            _("Treatment not decided"),
            counts["not_decided"],
            "warn" if counts["not_decided"] else "",
        ),
        _figure(_("Added in the period"), counts["added"]),
        _figure(_("Acceptances in the period"), accepted["in_period"]),
        _figure(_("Of them above the criteria (top management)"), accepted["above"]),
        _figure(_("Acceptances in force"), accepted["in_force"]),
    ]
    text = (
        _(
            "%(live)s risk(s) in the register, %(above)s above the risk criteria, treatment not "
            "decided for %(not_decided)s. Levels and treatment are read as at sign-off; "
            "acceptances by their dates."
        )
        % counts
    )
    section = _section(ReviewInput.RISKS, text, figures, [], history=False)
    section["heatmap"] = heatmap
    return section


# --- 9.3.2 c) impact assessments -----------------------------------------------------------------
def impact(review: Any, period: Period) -> dict[str, Any]:
    from impact.models import ImpactAssessment

    known = ImpactAssessment.objects.filter(period.created())
    approved_by_then = Q(
        status__in=(ApprovalStatus.APPROVED, ApprovalStatus.SUPERSEDED),
        approved_at__lte=period.end_at,
    )
    counts = known.aggregate(
        approved=Count("pk", filter=approved_by_then & period.within("approved_at")),
        in_force=Count(
            "pk", filter=Q(status=ApprovalStatus.APPROVED, approved_at__lte=period.end_at)
        ),
        in_review=Count("pk", filter=Q(status=ApprovalStatus.IN_REVIEW)),
        drafts=Count("pk", filter=Q(status=ApprovalStatus.DRAFT)),
        due=Count(
            "pk",
            filter=Q(status=ApprovalStatus.APPROVED)
            & (Q(reassessment_due=True) | Q(next_review_on__lte=period.held_on)),
        ),
    )
    shown = (
        known.filter(approved_by_then & period.within("approved_at"))
        .select_related("ai_system")
        .order_by("approved_at", "id")
    )
    items = [
        _item(
            f"{a.ai_system} v{a.number}",
            _("approved %(date)s") % {"date": timezone.localdate(a.approved_at)},
            _page(a),
        )
        for a in shown
    ]
    figures = [
        _figure(_("Approved in the period"), counts["approved"]),
        _figure(_("In force"), counts["in_force"]),
        _figure(_("In review"), counts["in_review"]),
        _figure(_("Drafts"), counts["drafts"]),
        _figure(_("Due for reassessment"), counts["due"], "warn" if counts["due"] else ""),
    ]
    text = (
        _(
            "%(approved)s impact assessment(s) approved in the period; %(due)s due for "
            "reassessment (read as at sign-off)."
        )
        % counts
    )
    return _section(ReviewInput.IMPACT, text, figures, items, history=False)


# --- 9.3.2 c) SoA status and evidence freshness ----------------------------------------------
def soa(review: Any, period: Period) -> dict[str, Any]:
    from controls.models import Evidence
    from controls.selectors.evidence import EXPIRING_DAYS
    from controls.selectors.soa import soa_in_effect, soa_working
    from controls.services.soa import soa_checks

    in_effect = soa_in_effect(period.held_on)
    working = soa_working(None)
    failing = (
        len({c.requirement_id for c in soa_checks(working) if not c.waived})
        if working is not None and not working.is_frozen
        else 0
    )
    day = period.held_on
    evidence = Evidence.objects.filter(period.created()).aggregate(
        total=Count("pk"),
        expired=Count("pk", filter=Q(valid_until__lt=day)),
        expiring=Count(
            "pk",
            filter=Q(valid_until__gte=day, valid_until__lte=day + timedelta(days=EXPIRING_DAYS)),
        ),
        no_version=Count("pk", filter=Q(current_version__isnull=True)),
    )
    items = []
    if in_effect is not None:
        items.append(
            _item(
                _("Statement of Applicability v%(number)s") % {"number": in_effect.number},
                _("approved %(date)s by %(person)s")
                % {
                    "date": timezone.localdate(in_effect.approved_at),
                    "person": _person(in_effect.approved_by),
                },
                _url("soa_version", in_effect.pk),
            )
        )
    if working is not None and (in_effect is None or working.pk != in_effect.pk):
        items.append(
            _item(
                _("Statement of Applicability v%(number)s") % {"number": working.number},
                working.get_status_display(),
                _url("soa_version", working.pk),
            )
        )
    figures = [
        _figure(
            _("SoA version in effect"),
            in_effect.number if in_effect is not None else "—",
            "" if in_effect is not None else "warn",
        ),
        _figure(
            _("Rows of the working version with a check failing"),
            failing,
            "warn" if failing else "",
        ),
        _figure(_("Evidence"), evidence["total"]),
        _figure(_("Evidence expired"), evidence["expired"], "warn" if evidence["expired"] else ""),
        _figure(
            _("Evidence expiring within %(days)s days") % {"days": EXPIRING_DAYS},
            evidence["expiring"],
        ),
        _figure(_("Evidence without a version"), evidence["no_version"]),
    ]
    text = (
        _("Statement of Applicability v%(number)s was in effect on the review date.")
        % {"number": in_effect.number}
        if in_effect is not None
        else _("No approved Statement of Applicability was in effect on the review date.")
    )
    text += (
        " "
        + _(
            "%(expired)s evidence item(s) expired and %(expiring)s expiring on the review "
            "date; the working version's checks are read as at sign-off."
        )
        % evidence
    )
    return _section(ReviewInput.SOA, text, figures, items, history=False)


# --- 9.3.2 d) opportunities for continual improvement ----------------------------------------
def improvement(review: Any, period: Period) -> dict[str, Any]:
    from audit.models import Finding

    rows = list(
        Finding.objects.filter(
            period.created(),
            period.within("created_at"),
            kind__in=(FindingKind.OPPORTUNITY, FindingKind.OBSERVATION),
        )
        .select_related("audit")
        .order_by("created_at", "id")
    )
    kinds = Counter(row.kind for row in rows)
    figures = [
        _figure(FindingKind.OPPORTUNITY.label, kinds.get(FindingKind.OPPORTUNITY, 0)),
        _figure(FindingKind.OBSERVATION.label, kinds.get(FindingKind.OBSERVATION, 0)),
    ]
    items = [
        _item(
            row.title,
            f"{row.get_kind_display()} · {row.audit.title}",
            _url("audit_finding", row.pk),
        )
        for row in rows
    ]
    text = _(
        "%(count)s opportunity(ies) for improvement and observation(s) recorded in the period."
    ) % {"count": len(rows)}
    return _section(ReviewInput.IMPROVEMENT, text, figures, items, history=True)


SECTIONS: dict[str, Callable[[Any, Period], dict[str, Any]]] = {
    ReviewInput.PREVIOUS_ACTIONS: previous_actions,
    ReviewInput.EXTERNAL_INTERNAL_ISSUES: issues,
    ReviewInput.INTERESTED_PARTIES: interested_parties,
    ReviewInput.NONCONFORMITIES: nonconformities,
    ReviewInput.MONITORING: monitoring,
    ReviewInput.AUDITS: audits,
    ReviewInput.RISKS: risks,
    ReviewInput.IMPACT: impact,
    ReviewInput.SOA: soa,
    ReviewInput.IMPROVEMENT: improvement,
}


def assemble_inputs(review: Any) -> dict[str, Any]:
    """Every 9.3.2 input of ``review`` as of its ``held_on``, in the current language:
    ``{"held_on", "period_start", "sections": [section, …]}`` (JSON-serialisable)."""
    period = review_period(review)
    return {
        "held_on": period.held_on.isoformat(),
        "period_start": period.start.isoformat(),
        "sections": [SECTIONS[code](review, period) for code in ReviewInput.values],
    }


def review_inputs(review: Any) -> dict[str, Any]:
    """The inputs as the review shows them: frozen at sign-off, else assembled now."""
    if review.is_frozen and review.inputs:
        return dict(review.inputs)
    return assemble_inputs(review)
