"""The file storage comes from the environment, typed and fail-loud: the local filesystem
unless a bucket is named; half a set of credentials or a malformed endpoint stops the
process."""

from __future__ import annotations

from tests.aims.test_settings import PRODUCTION, run_manage

SHOW = (
    "from django.conf import settings; "
    "d = settings.STORAGES['default']; "
    "print(d['BACKEND'], d.get('OPTIONS', {}).get('endpoint_url'), "
    "d.get('OPTIONS', {}).get('querystring_expire'))"
)
S3 = {
    "AWS_STORAGE_BUCKET_NAME": "aims",
    "AWS_S3_ENDPOINT_URL": "http://minio:9000",
    "AWS_ACCESS_KEY_ID": "key",
    "AWS_SECRET_ACCESS_KEY": "secret",
}


def test_local_files_by_default(tmp_path):
    result = run_manage(["shell", "-c", SHOW], PRODUCTION, tmp_path)
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.splitlines()[-1].split()[0] == "django.core.files.storage.FileSystemStorage"
    )


def test_a_bucket_switches_to_the_object_store(tmp_path):
    result = run_manage(["shell", "-c", SHOW], {**PRODUCTION, **S3}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == [
        "storages.backends.s3.S3Storage",
        "http://minio:9000",
        "60",
    ]


def test_half_the_credentials_fail_loudly(tmp_path):
    env = {**PRODUCTION, **S3}
    del env["AWS_SECRET_ACCESS_KEY"]
    result = run_manage(["check"], env, tmp_path)
    assert result.returncode != 0
    assert "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" in result.stderr


def test_a_malformed_endpoint_fails_loudly(tmp_path):
    result = run_manage(
        ["check"], {**PRODUCTION, **S3, "AWS_S3_ENDPOINT_URL": "minio:9000"}, tmp_path
    )
    assert result.returncode != 0
    assert "AWS_S3_ENDPOINT_URL must be an http(s) URL" in result.stderr
