"""Files on an S3-compatible object store: a real S3-protocol server (moto's server mode,
started here on a free port, not a mock of boto3) behind Django's ``STORAGES``. An evidence
upload lands in the bucket, its download passes the permission check and then redirects to a
short-lived presigned URL the server answers, the bytes match the SHA-256, and a user without
access gets 404. Documents take the same path."""

from __future__ import annotations

import hashlib
import socket
import urllib.request

import boto3
import pytest
from django.urls import reverse
from moto.server import ThreadedMotoServer

from aims.choices import Role
from controls.models import EvidenceVersion
from tests.conftest import logged_in_client
from tests.factories import AISystemFactory, DocumentFactory, UserFactory
from tests.factories.evidence import PDF_BYTES, pdf_upload

pytestmark = pytest.mark.django_db
BUCKET = "aims-evidence"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **CREDENTIALS).create_bucket(
        Bucket=BUCKET
    )
    yield endpoint
    server.stop()


@pytest.fixture
def s3_storage(settings, s3_endpoint):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "access_key": CREDENTIALS["aws_access_key_id"],
                "secret_key": CREDENTIALS["aws_secret_access_key"],
                "addressing_style": "path",
                "default_acl": None,
                "file_overwrite": False,
                "querystring_auth": True,
                "signature_version": "s3v4",
                "querystring_expire": 60,
            },
        },
    }
    return boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **CREDENTIALS)


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 (the test's own server)
        return answer.read()


def test_evidence_upload_download_and_hash_through_s3(s3_storage, settings, operator):
    system = AISystemFactory(granted_to=[operator])
    client = logged_in_client(operator)
    response = client.post(
        reverse("evidence_create"),
        {
            "title": "S3 に置く評価報告書",
            "ai_systems": [system.pk],
            "file": pdf_upload("eval.pdf"),
            "effective_from": "2026-05-01",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    version = EvidenceVersion.objects.get()
    keys = [o["Key"] for o in s3_storage.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert keys == [version.file.name]
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))

    download = client.get(reverse("evidence_download", args=[version.pk]))
    assert download.status_code == 302
    location = download["Location"]
    assert location.startswith(f"{settings.STORAGES['default']['OPTIONS']['endpoint_url']}/")
    assert "X-Amz-Signature=" in location and "X-Amz-Expires=60" in location
    body = _fetch(location)
    assert body == PDF_BYTES
    assert hashlib.sha256(body).hexdigest() == version.file_sha256

    outsider = UserFactory(roles=[Role.OPERATIONAL_MEMBER])
    denied = logged_in_client(outsider).get(reverse("evidence_download", args=[version.pk]))
    assert denied.status_code == 404


def test_the_api_download_redirects_after_the_check(s3_storage, operator):
    from tests.conftest import logged_in_api_client

    system = AISystemFactory(granted_to=[operator])
    api = logged_in_api_client(operator)
    created = api.post(
        reverse("api:evidence-list"),
        {
            "title": "x",
            "ai_systems": [system.pk],
            "file": pdf_upload(),
            "effective_from": "2026-05-01",
        },
        format="multipart",
    )
    assert created.status_code == 201
    version_id = created.json()["version"]["id"]
    answer = api.get(reverse("api:evidence-version-download", args=[version_id]))
    assert answer.status_code == 302
    assert _fetch(answer["Location"]) == PDF_BYTES
    hidden = logged_in_api_client(UserFactory(roles=[Role.OPERATIONAL_MEMBER]))
    assert (
        hidden.get(reverse("api:evidence-version-download", args=[version_id])).status_code == 404
    )


def test_documents_use_the_same_storage(s3_storage, officer):
    document = DocumentFactory(file=pdf_upload("policy.pdf"))
    version = document.versions.get()
    keys = [o["Key"] for o in s3_storage.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert version.file.name in keys
    download = logged_in_client(officer).get(reverse("document_file", args=[version.pk]))
    assert download.status_code == 302
    body = _fetch(download["Location"])
    assert hashlib.sha256(body).hexdigest() == version.file_sha256
