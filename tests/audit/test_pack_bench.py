"""``bench/pack.py`` at a small scale: the pack is built in a child process (on the test
database), its peak memory read from that process, and everything it generated removed."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from aims.models import ReportJob
from bench import pack
from controls.models import Evidence


@pytest.mark.django_db(transaction=True)
def test_the_pack_case_builds_in_a_child_and_cleans_up(settings, monkeypatch, tmp_path):
    from urllib.parse import quote

    database = connection.settings_dict
    password = f":{quote(database['PASSWORD'], safe='')}" if database["PASSWORD"] else ""
    monkeypatch.setenv(
        "DATABASE_URL",
        f"postgres://{database['USER']}{password}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}",
    )
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setenv("MEDIA_ROOT", str(settings.MEDIA_ROOT))
    result = pack.measure_pack(total_mb=4, file_mb=1)
    assert result.files == 4 and result.evidence_bytes == 4 << 20
    assert result.pack_bytes > result.evidence_bytes
    assert 10 < result.peak_rss_mb < pack.BUDGET_MB  # the child's own, not pytest's
    assert "| 4 MB | 4 |" in pack.render_result(result)
    assert not Evidence.objects.exists() and not ReportJob.objects.exists()
    assert not (Path(settings.MEDIA_ROOT) / "bench-pack").exists()
