"""``manage.py upgrade`` (the compose file's one-shot migrate service): migrations, then the
shipped library, so a release's new library versions reach an existing installation."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command

from aims.models import ChangeRecord, Framework


@pytest.mark.django_db
def test_upgrade_loads_the_shipped_library_once():
    shipped = {
        yaml.safe_load(path.read_text(encoding="utf-8"))["framework"]["urn"]
        for path in (Path(settings.BASE_DIR) / "library").rglob("*.yaml")
        if yaml.safe_load(path.read_text(encoding="utf-8")).get("kind") == "framework"
    }
    assert not Framework.objects.exists()
    call_command("upgrade", stdout=StringIO(), verbosity=0)
    assert set(Framework.objects.values_list("urn", flat=True)) == shipped
    records = ChangeRecord.objects.count()
    call_command("upgrade", stdout=StringIO(), verbosity=0)  # nothing new: nothing written
    assert ChangeRecord.objects.count() == records


def test_the_compose_migrate_service_upgrades():
    compose = yaml.safe_load((Path(settings.BASE_DIR) / "docker-compose.yml").read_text())
    assert compose["services"]["migrate"]["command"] == ["python", "manage.py", "upgrade"]
