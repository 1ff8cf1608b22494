"""``inbox/``: the signed-in user's inbox ("My work") for integrations, the same items as the
page (``aims.inbox``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aims.choices import InboxKind
from aims.inbox import inbox
from aims.permissions import AUTHENTICATED, Policy


class InboxItemSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=InboxKind.choices, help_text="The group of the item.")
    source = serializers.CharField(
        help_text="Where the item comes from, e.g. `approval:impact.impactassessment`."
    )
    record_type = serializers.CharField(help_text="The record's type, in the caller's language.")
    title = serializers.CharField()
    url = serializers.CharField(help_text="The record's page in the web application.")
    state = serializers.CharField(help_text="Where the item stands, in the caller's language.")
    since = serializers.DateTimeField(
        allow_null=True, help_text="When it was submitted, requested or decided."
    )
    due = serializers.DateField(allow_null=True, help_text="When a review or action is due.")
    overdue = serializers.BooleanField()
    comment = serializers.CharField(
        allow_blank=True, help_text="The reviewer's comment on a returned version."
    )


class InboxCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Items that ask for action (the badge).")
    approval = serializers.IntegerField()
    acceptance = serializers.IntegerField()
    returned = serializers.IntegerField()
    review = serializers.IntegerField()
    action = serializers.IntegerField()
    result = serializers.IntegerField(help_text="Always 0: results ask for no action.")


class InboxSerializer(serializers.Serializer):
    counts = InboxCountsSerializer()
    results = InboxItemSerializer(many=True)


class InboxView(APIView):
    """What waits for the caller: approvals, risk acceptances above the criteria, versions
    returned with a comment, reviews due or overdue, assigned actions, and recent decisions
    on their work. Only records the caller may see are listed. ``counts`` are exact; at most
    50 items of each source are listed, oldest first."""

    policy = Policy(read=AUTHENTICATED)

    @extend_schema(responses={200: InboxSerializer})
    def get(self, request: Request) -> Response:
        groups, counts = inbox(request.user)
        items = [item.__dict__ for group in groups for item in group.items]
        body = {"counts": counts, "results": items}
        return Response(InboxSerializer(body).data)
