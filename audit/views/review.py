"""Pages of management reviews (9.3): the list, a review (its inputs as sections, each with
the review's notes; its decisions and actions; the workflow, where top management signs off;
the frozen inputs once signed), the forms, and the workflow steps."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from aims.choices import ApprovalStatus
from aims.permissions import Policy
from aims.registry import registry
from aims.roles import Capability, has_capability
from aims.scope import CHANGE, permitted
from aims.views.approval import ApprovalStepView, approval_context
from aims.views.base import EditPageView, ListPageView, PageView, StepView
from audit.forms.review import AnnotationForm, ManagementReviewForm, ReviewActionForm
from audit.models import ManagementReview, ReviewAction
from audit.review_inputs import review_inputs
from audit.selectors import review as selectors
from audit.services import review as services

READ = Policy(read=Capability.SEE_RECORDS)
MANAGE = Policy(read=Capability.CHANGE_ALL_RECORDS, write=Capability.CHANGE_ALL_RECORDS)
SIGN_OFF = Policy(
    read=Capability.SIGN_OFF_MANAGEMENT_REVIEWS, write=Capability.SIGN_OFF_MANAGEMENT_REVIEWS
)


class ManagementReviewListView(ListPageView):
    policy = READ
    model = ManagementReview
    selector = staticmethod(selectors.management_reviews)
    template_name = "audit/review_list.html"

    def get_context_data(self, **context: Any) -> dict[str, Any]:
        context["can_create"] = has_capability(self.request.user, Capability.CHANGE_ALL_RECORDS)
        return context


def review_context(request: HttpRequest, review: ManagementReview) -> dict[str, Any]:
    user = request.user
    inputs = review_inputs(review)
    notes = review.annotations or {}
    editable = permitted(user, CHANGE, review)
    draft = review.status == ApprovalStatus.DRAFT
    urls = {
        "submit": reverse("management_review_submit", args=[review.pk]),
        "approve": reverse("management_review_sign_off", args=[review.pk]),
        "return": reverse("management_review_return", args=[review.pk]),
        "new_version": reverse("management_review_new_version", args=[review.pk]),
    }
    can_edit = editable and draft
    sections = [
        {
            **section,
            "note": notes.get(section["code"], ""),
            "form": AnnotationForm(
                initial={"section": section["code"], "text": notes.get(section["code"], "")}
            )
            if can_edit
            else None,
        }
        for section in inputs.get("sections", [])
    ]
    kinds = [k for k in registry.all_report_kinds() if k.code == "management_review"]
    return {
        "review": review,
        "inputs": inputs,
        "sections": sections,
        "attendees": list(review.attendees.order_by("username")),
        "actions": list(review.actions.select_related("owner").order_by("due_on", "id")),
        "can_edit": can_edit,
        "can_track": editable and review.is_frozen,
        "action_form": ReviewActionForm(initial=ReviewActionForm.initial_for(None))
        if can_edit
        else None,
        "top_management_present": services.top_management_present(review),
        "versions": list(review.versions().select_related("approved_by")),
        "report_kinds": kinds if has_capability(user, Capability.EXPORT) else [],
        **approval_context(request, review, editable=editable, urls=urls),
    }


class ManagementReviewView(PageView):
    policy = READ
    model = ManagementReview
    selector = staticmethod(selectors.management_review_details)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        review = self.get_object(pk)
        return render(request, "audit/review.html", review_context(request, review))


class ManagementReviewEditView(EditPageView):
    """Prepare a review (no ``pk``) or change a draft one."""

    policy = MANAGE
    model = ManagementReview
    selector = staticmethod(selectors.management_review_details)
    template_name = "audit/review_form.html"
    object_name = "review"

    def get_form(self, obj: Any, data: Any = None, files: Any = None) -> ManagementReviewForm:
        initial = ManagementReviewForm.initial_for(obj) if data is None else None
        return ManagementReviewForm(data, initial=initial)

    def save(self, form: ManagementReviewForm, obj: Any) -> Any:
        data = dict(form.cleaned_data)
        if obj is None:
            return services.management_review_create(actor=self.request.user, **data)
        return services.management_review_update(actor=self.request.user, review=obj, **data)

    def success_url(self, obj: Any) -> str:
        return str(obj.get_absolute_url())


class ManagementReviewAnnotateView(PageView):
    """Write the review's note on one input section (a draft)."""

    policy = MANAGE
    model = ManagementReview
    selector = staticmethod(selectors.management_review_details)
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        review = self.get_object(pk)
        form = AnnotationForm(request.POST)
        back = redirect(review.get_absolute_url())
        if not form.is_valid():
            for problems in form.errors.values():
                for problem in problems:
                    messages.error(request, problem)
            return back
        try:
            services.management_review_annotate(
                actor=request.user, review=review, **form.cleaned_data
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return back
        messages.success(request, _("The note was saved."))
        return back


class ReviewActionCreateView(EditPageView):
    """Record a decision of a draft review and its action."""

    policy = MANAGE
    model = ManagementReview
    selector = staticmethod(selectors.management_review_details)
    template_name = "audit/review_action_form.html"

    def review(self) -> ManagementReview:
        return self.get_object(self.kwargs["pk"])

    def get_object_or_none(self, pk: Any) -> Any:
        return None

    def get_form(self, obj: Any, data: Any = None, files: Any = None) -> ReviewActionForm:
        return ReviewActionForm(data, initial=ReviewActionForm.initial_for(None))

    def get_context_data(self, form: Any, obj: Any) -> dict[str, Any]:
        return {"form": form, "review": self.review(), "action": None}

    def save(self, form: ReviewActionForm, obj: Any) -> Any:
        return services.review_action_create(
            actor=self.request.user, review=self.review(), **form.cleaned_data
        )

    def get_success_message(self, obj: Any) -> str:
        return _("The decision and its action were recorded.")

    def success_url(self, obj: Any) -> str:
        return str(obj.get_absolute_url())


class ReviewActionEditView(EditPageView):
    """Change a decision and its action (a draft review), or track the action (a signed
    one: owner, due date, status, completion)."""

    policy = MANAGE
    model = ReviewAction
    selector = staticmethod(selectors.review_actions)
    template_name = "audit/review_action_form.html"
    object_name = "action"

    def get_form(self, obj: Any, data: Any = None, files: Any = None) -> ReviewActionForm:
        initial = ReviewActionForm.initial_for(obj) if data is None else None
        return ReviewActionForm(data, initial=initial, tracking_only=obj.review.is_frozen)

    def get_context_data(self, form: Any, obj: Any) -> dict[str, Any]:
        return {"form": form, "review": obj.review, "action": obj}

    def save(self, form: ReviewActionForm, obj: Any) -> Any:
        return services.review_action_update(
            actor=self.request.user, action=obj, **form.cleaned_data
        )

    def get_success_message(self, obj: Any) -> str:
        return _("The action was saved.")

    def success_url(self, obj: Any) -> str:
        return str(obj.get_absolute_url())

    def post(self, request: HttpRequest, pk: Any = None, **kwargs: Any) -> HttpResponse:
        if not request.POST.get("remove"):
            return super().post(request, pk, **kwargs)
        action = self.get_object(pk)
        try:
            services.review_action_delete(actor=request.user, action=action)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(action.get_absolute_url())
        messages.success(request, _("The decision and its action were removed."))
        return redirect(action.review.get_absolute_url())


class ReviewActionCompleteView(StepView):
    policy = MANAGE
    model = ReviewAction
    selector = staticmethod(selectors.review_actions)
    done_message = _("The action is done.")

    def run(self, obj: Any) -> Any:
        return services.review_action_complete(actor=self.request.user, action=obj)


class ManagementReviewStepView(ApprovalStepView):
    model = ManagementReview
    selector = staticmethod(selectors.management_review_details)

    def run(self, obj: Any) -> Any:
        actor = self.request.user
        if self.step == "submit":
            self.done_message = _("Submitted to top management for sign-off.")
            return services.management_review_submit(actor=actor, review=obj)
        if self.step == "sign_off":
            self.done_message = _("Signed off: the review and its inputs are frozen.")
            return services.management_review_sign_off(actor=actor, review=obj)
        if self.step == "return":
            self.done_message = _("Returned to the author.")
            return services.management_review_return(actor=actor, review=obj, comment=self.comment)
        self.done_message = _("A correction was started as a new version.")
        return services.management_review_new_version(actor=actor, review=obj)


class ManagementReviewSubmitView(ManagementReviewStepView):
    policy = MANAGE
    step = "submit"


class ManagementReviewNewVersionView(ManagementReviewStepView):
    policy = MANAGE
    step = "new_version"


class ManagementReviewSignOffView(ManagementReviewStepView):
    policy = SIGN_OFF
    step = "sign_off"


class ManagementReviewReturnView(ManagementReviewStepView):
    policy = SIGN_OFF
    step = "return"


urlpatterns = [
    path("management-reviews/", ManagementReviewListView.as_view(), name="management_reviews"),
    path(
        "management-reviews/new/",
        ManagementReviewEditView.as_view(),
        name="management_review_create",
    ),
    path("management-reviews/<int:pk>/", ManagementReviewView.as_view(), name="management_review"),
    path(
        "management-reviews/<int:pk>/edit/",
        ManagementReviewEditView.as_view(),
        name="management_review_edit",
    ),
    path(
        "management-reviews/<int:pk>/notes/",
        ManagementReviewAnnotateView.as_view(),
        name="management_review_annotate",
    ),
    path(
        "management-reviews/<int:pk>/actions/new/",
        ReviewActionCreateView.as_view(),
        name="review_action_create",
    ),
    path(
        "management-reviews/actions/<int:pk>/",
        ReviewActionEditView.as_view(),
        name="review_action",
    ),
    path(
        "management-reviews/actions/<int:pk>/complete/",
        ReviewActionCompleteView.as_view(),
        name="review_action_complete",
    ),
    path(
        "management-reviews/<int:pk>/submit/",
        ManagementReviewSubmitView.as_view(),
        name="management_review_submit",
    ),
    path(
        "management-reviews/<int:pk>/sign-off/",
        ManagementReviewSignOffView.as_view(),
        name="management_review_sign_off",
    ),
    path(
        "management-reviews/<int:pk>/return/",
        ManagementReviewReturnView.as_view(),
        name="management_review_return",
    ),
    path(
        "management-reviews/<int:pk>/new-version/",
        ManagementReviewNewVersionView.as_view(),
        name="management_review_new_version",
    ),
]
