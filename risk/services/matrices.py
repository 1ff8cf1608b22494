"""Writes of risk matrices and their risk criteria. A matrix that records were assessed with
is never changed under them: changing it makes a new version."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aims.changelog import change_record, logged, logged_update
from aims.choices import Action
from aims.services.accounts import Actor
from risk.levels import validate_matrix_data
from risk.models import RiskCriteria, RiskMatrix

MATRIX_DATA = ("likelihood_levels", "impact_levels", "levels", "grid")
MATRIX_FIELDS = (
    "code",
    "name_en",
    "name_ja",
    "description_en",
    "description_ja",
    *MATRIX_DATA,
    "is_default",
    "is_impact_default",
)
# The default flags, one per purpose: what new records preselect. Choosing a default is not
# a change of the matrix, so it never makes a new version.
DEFAULT_FLAGS = {"risk": "is_default", "impact": "is_impact_default"}


def matrix_in_use(matrix: RiskMatrix) -> bool:
    """Whether any record (a risk, and later an impact assessment) was assessed with the
    matrix. Every model with a foreign key to ``RiskMatrix`` counts, so new users of matrices
    need no change here."""
    users = [
        r
        for r in RiskMatrix._meta.related_objects
        if r.one_to_many and r.related_model is not RiskCriteria
    ]
    return any(
        r.related_model._default_manager.filter(**{r.field.name: matrix}).exists() for r in users
    )


def _make_defaults(actor: Actor, matrix: RiskMatrix) -> None:
    """Take each default flag ``matrix`` carries from the matrix that had it, logged (the
    one-default constraints hold at the save that follows; a failed write rolls this back)."""
    for flag in DEFAULT_FLAGS.values():
        if getattr(matrix, flag):
            off: dict[str, Any] = {flag: False}
            others = RiskMatrix.objects.select_for_update().filter(**{flag: True})
            for previous in others.exclude(pk=matrix.pk) if matrix.pk else others:
                logged_update(previous, actor=actor, **off)


@transaction.atomic
def risk_matrix_make_default(*, actor: Actor, matrix: RiskMatrix, purpose: str) -> RiskMatrix:
    """Make ``matrix`` the default for ``purpose`` (``risk``: new risks and the register's
    heat maps; ``impact``: new impact assessments). The matrix that was the default loses
    the flag; both steps are logged. Only a current version can be the default."""
    flag = DEFAULT_FLAGS.get(purpose)
    if flag is None:
        raise ValidationError({"purpose": [_("Unknown purpose of a default matrix.")]})
    matrix = RiskMatrix.objects.select_for_update().get(pk=matrix.pk)  # not a stale copy
    if not matrix.is_current:
        raise ValidationError(_("Only the current version of a matrix can be the default."))
    if getattr(matrix, flag):
        return matrix
    off: dict[str, Any] = {flag: False}
    on: dict[str, Any] = {flag: True}
    for previous in RiskMatrix.objects.select_for_update().filter(**on):
        logged_update(previous, actor=actor, **off)
    logged_update(matrix, actor=actor, **on)
    return matrix


@transaction.atomic
def risk_matrix_create(
    *, actor: Actor, acceptable_levels: list[str] | None = None, **data: Any
) -> RiskMatrix:
    """Define a new matrix (version 1) with its criteria."""
    unknown = set(data) - set(MATRIX_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in unknown})
    validate_matrix_data(**{name: data.get(name) for name in MATRIX_DATA})
    if RiskMatrix.objects.filter(code=data.get("code")).exists():
        raise ValidationError({"code": [_("A matrix with this code exists already.")]})
    matrix = RiskMatrix(version=1, is_current=True, **data)
    _make_defaults(actor, matrix)  # before the check of the one-default constraints
    matrix.full_clean()
    matrix.save()
    criteria = _criteria_for(matrix, acceptable_levels or [])
    change_record(actor=actor, action=Action.CREATE, obj=matrix)
    change_record(actor=actor, action=Action.CREATE, obj=criteria)
    return matrix


def _criteria_for(matrix: RiskMatrix, acceptable_levels: list[str], **extra: Any) -> RiskCriteria:
    codes = [level["code"] for level in matrix.levels]
    wrong = [code for code in acceptable_levels if code not in codes]
    if wrong:
        raise ValidationError(
            {
                "acceptable_levels": [
                    _("Not a level of this matrix: %(codes)s.") % {"codes": ", ".join(wrong)}
                ]
            }
        )
    criteria = RiskCriteria(matrix=matrix, acceptable_levels=acceptable_levels, **extra)
    criteria.full_clean()
    criteria.save()
    return criteria


@transaction.atomic
def risk_matrix_update(*, actor: Actor, matrix: RiskMatrix, **data: Any) -> RiskMatrix:
    """Change a matrix. A matrix that records were assessed with is never changed under them:
    the change makes a new version, which becomes the current one (and the default if the old
    was); the records keep the version they used. Returns the matrix now current."""
    unknown = set(data) - (set(MATRIX_FIELDS) - {"code"})
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in unknown})
    if not matrix.is_current:
        raise ValidationError(_("Only the current version of a matrix can be changed."))
    merged = {name: data.get(name, getattr(matrix, name)) for name in MATRIX_DATA}
    validate_matrix_data(**merged)
    flags = {name: data.pop(name) for name in DEFAULT_FLAGS.values() if name in data}
    changed = any(getattr(matrix, name) != value for name, value in data.items())
    if matrix_in_use(matrix) and not changed:
        # Only the default flags: the risks keep this version, no new one.
        _set_flags(actor, matrix, flags)
        matrix.refresh_from_db()
        return matrix
    data.update(flags)
    if not matrix_in_use(matrix):
        # Inside the block, so that the criteria's record stays before the matrix's.
        with logged(matrix, actor=actor, always=True):
            for name, value in data.items():
                setattr(matrix, name, value)
            _make_defaults(actor, matrix)
            matrix.full_clean()
            matrix.save()
            _criteria_keep_levels(actor, matrix)
        return matrix
    old_criteria = matrix.criteria
    with logged(matrix, actor=actor, always=True):
        matrix.is_current = False
        was = {flag: getattr(matrix, flag) for flag in DEFAULT_FLAGS.values()}
        for flag in DEFAULT_FLAGS.values():
            setattr(matrix, flag, False)
        matrix.save(update_fields=["is_current", *DEFAULT_FLAGS.values(), "updated_at"])
    fields = {name: getattr(matrix, name) for name in MATRIX_FIELDS}
    fields.update(data)
    for flag, value in was.items():
        fields[flag] = data.get(flag, value)
    successor = RiskMatrix(
        version=matrix.version + 1, is_current=True, owner=matrix.owner, **fields
    )
    _make_defaults(actor, successor)
    successor.full_clean()
    successor.save()
    codes = {level["code"] for level in successor.levels}
    criteria = _criteria_for(
        successor,
        [c for c in old_criteria.acceptable_levels if c in codes],
        above_criteria_role=old_criteria.above_criteria_role,
        statement_en=old_criteria.statement_en,
        statement_ja=old_criteria.statement_ja,
    )
    change_record(actor=actor, action=Action.CREATE, obj=successor)
    change_record(actor=actor, action=Action.CREATE, obj=criteria)
    return successor


def _set_flags(actor: Actor, matrix: RiskMatrix, flags: dict[str, bool]) -> None:
    """Apply default flags sent with a change that changes nothing else."""
    for purpose, flag in DEFAULT_FLAGS.items():
        if flag not in flags or flags[flag] == getattr(matrix, flag):
            continue
        if flags[flag]:
            risk_matrix_make_default(actor=actor, matrix=matrix, purpose=purpose)
        else:
            off: dict[str, Any] = {flag: False}
            logged_update(matrix, actor=actor, **off)


def _criteria_keep_levels(actor: Actor, matrix: RiskMatrix) -> None:
    """After the levels of an unused matrix change, drop criteria entries for levels gone."""
    criteria = matrix.criteria
    codes = {level["code"] for level in matrix.levels}
    kept = [code for code in criteria.acceptable_levels if code in codes]
    if kept != criteria.acceptable_levels:
        logged_update(criteria, actor=actor, acceptable_levels=kept)


@transaction.atomic
def risk_criteria_update(
    *,
    actor: Actor,
    criteria: RiskCriteria,
    acceptable_levels: list[str] | None = None,
    statement_en: str | None = None,
    statement_ja: str | None = None,
) -> RiskCriteria:
    """Change which levels are within the criteria and the appetite statement. Decisions
    already taken keep what they recorded (an acceptance records whether it was within)."""
    with logged(criteria, actor=actor):
        if acceptable_levels is not None:
            codes = [level["code"] for level in criteria.matrix.levels]
            wrong = [code for code in acceptable_levels if code not in codes]
            if wrong:
                raise ValidationError(
                    {
                        "acceptable_levels": [
                            _("Not a level of this matrix: %(codes)s.")
                            % {"codes": ", ".join(wrong)}
                        ]
                    }
                )
            criteria.acceptable_levels = [code for code in codes if code in acceptable_levels]
        if statement_en is not None:
            criteria.statement_en = statement_en
        if statement_ja is not None:
            criteria.statement_ja = statement_ja
        criteria.full_clean()
        criteria.save()
    return criteria
