"""Documented information: versions, approval by someone else, frozen approved versions,
files with limits served only through a permission-checked view."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aims.models import ChangeRecord, Document
from aims.services.documents import (
    document_approve,
    document_create,
    document_edit,
    document_return,
    document_submit,
)

PDF = b"%PDF-1.4 AI policy"


def policy(officer, **kwargs) -> Document:
    return document_create(
        actor=officer,
        title="AI policy",
        kind="ai_policy",
        content="We use AI responsibly.",
        **kwargs,
    )


def test_the_workflow_through_the_api(officer, executive, api_client_for):
    created = api_client_for(officer).post(
        reverse("api:document-list"),
        {"title": "AI policy", "kind": "ai_policy", "content": "Our AI principles"},
    )
    assert created.status_code == 201, created.content
    doc_id = created.json()["id"]
    filed = api_client_for(officer).post(
        reverse("api:document-file", args=[doc_id]),
        {"file": SimpleUploadedFile("policy.pdf", PDF)},
        format="multipart",
    )
    assert filed.status_code == 200, filed.content
    version = filed.json()["versions"][0]
    assert (version["number"], version["status"]) == (1, "draft")
    assert version["file_sha256"] == hashlib.sha256(PDF).hexdigest()
    submitted = api_client_for(officer).post(reverse("api:document-submit", args=[doc_id]))
    assert submitted.json()["versions"][0]["status"] == "in_review"
    own = api_client_for(officer).post(reverse("api:document-approve", args=[doc_id]))
    assert own.status_code == 400  # the author does not approve their own work
    approved = api_client_for(executive).post(reverse("api:document-approve", args=[doc_id]))
    assert approved.status_code == 200
    assert approved.json()["versions"][0]["approved_by"] == executive.username
    actions = set(ChangeRecord.objects.values_list("action", flat=True))
    assert {"create", "submit", "approve"} <= actions


def test_an_approved_version_is_frozen_and_edits_start_a_new_draft(
    officer, executive, api_client_for
):
    document = policy(officer)
    document_submit(actor=officer, document=document)
    document_approve(actor=executive, document=document)
    response = api_client_for(officer).patch(
        reverse("api:document-detail", args=[document.pk]),
        {"content": "Revised principles", "change_summary": "Added fairness"},
    )
    assert response.status_code == 200, response.content
    versions = {v["number"]: v for v in response.json()["versions"]}
    assert (
        versions[1]["status"] == "approved" and versions[1]["content"] == "We use AI responsibly."
    )
    assert versions[2]["status"] == "draft" and versions[2]["content"] == "Revised principles"
    document_submit(actor=officer, document=document)
    document_approve(actor=executive, document=document)
    statuses = dict(document.versions.values_list("number", "status"))
    assert statuses == {1: "superseded", 2: "approved"}


def test_in_review_cannot_change_and_can_be_returned(officer, executive):
    document = policy(officer)
    document_submit(actor=officer, document=document)
    with pytest.raises(ValidationError, match="in review"):
        document_edit(actor=officer, document=document, content="sneaky")
    with pytest.raises(ValidationError):
        document_return(actor=executive, document=document, comment="  ")
    document_return(actor=executive, document=document, comment="Add the scope")
    version = document.versions.get()
    assert (version.status, version.review_comment) == ("draft", "Add the scope")
    assert version.content == "We use AI responsibly."


@pytest.mark.parametrize("role_fixture", ["operator", "auditor", "viewer"])
def test_roles_without_approval_cannot_approve(officer, request, role_fixture, api_client_for):
    document = policy(officer)
    document_submit(actor=officer, document=document)
    user = request.getfixturevalue(role_fixture)
    response = api_client_for(user).post(reverse("api:document-approve", args=[document.pk]))
    assert response.status_code == 403
    assert document.versions.get().status == "in_review"


@pytest.mark.parametrize(
    ("name", "content", "size_limit", "message"),
    [
        ("tool.exe", b"MZ", None, "not accepted"),
        ("big.pdf", b"%PDF" + b"x" * 2000, 1000, "too large"),
    ],
)
def test_file_limits(officer, settings, name, content, size_limit, message):
    if size_limit:
        settings.DOCUMENT_MAX_BYTES = size_limit
    with pytest.raises(ValidationError, match=message):
        policy(officer, file=SimpleUploadedFile(name, content))
    assert not Document.objects.exists()


def test_files_are_served_only_to_those_who_may_see_them(
    officer, external_auditor, viewer, client_for, client
):
    document = policy(officer, file=SimpleUploadedFile("policy.pdf", PDF))
    url = reverse("document_file", args=[document.versions.get().pk])
    response = client_for(viewer).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment")
    assert client_for(external_auditor).get(url).status_code == 404
    assert client.get(url).status_code == 302  # anonymous: to the login page


def test_ui_workflow(officer, executive, client_for):
    client = client_for(officer)
    response = client.post(
        reverse("document_create"),
        {"title": "Risk procedure", "kind": "procedure", "content": "Steps"},
    )
    assert response.status_code == 302
    document = Document.objects.get()
    client.post(reverse("document_submit", args=[document.pk]))
    client_for(executive).post(reverse("document_approve", args=[document.pk]))
    assert document.versions.get().status == "approved"
    page = client.get(reverse("document", args=[document.pk])).content.decode()
    assert "Steps" in page


def test_whoever_changed_the_version_under_review_does_not_approve_it(
    officer, executive, make_user, api_client_for, client_for
):
    """Four eyes: top management rewrote the officer's draft, so neither of them approves
    it; a second approver who wrote nothing does. Service, API and page all refuse."""
    document = policy(officer)
    document_edit(actor=executive, document=document, content="Rewritten by the approver.")
    document_submit(actor=officer, document=document)
    with pytest.raises(ValidationError, match="You changed the content of this version"):
        document_approve(actor=executive, document=document)
    refused = api_client_for(executive).post(
        reverse("api:document-approve", args=[document.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert refused.status_code == 400
    assert "You changed the content of this version" in refused.content.decode()
    page = client_for(executive).get(
        reverse("document", args=[document.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    page = page.content.decode()
    assert "You changed the content of this version" in page
    assert reverse("document_approve", args=[document.pk]) not in page
    assert document.versions.get().status == "in_review"
    second = make_user("top_management", username="t_second_executive")
    assert document_approve(actor=second, document=document).approved_by == second


def test_returning_a_version_does_not_bar_the_reviewer_from_approving_it(officer, executive):
    """The workflow's own steps are not changes of content."""
    document = policy(officer)
    document_submit(actor=officer, document=document)
    document_return(actor=executive, document=document, comment="Name the owner.")
    document_edit(actor=officer, document=document, content="Owner: the officer.")
    document_submit(actor=officer, document=document)
    assert document_approve(actor=executive, document=document).approved_by == executive
