"""``frameworks/``, ``requirements/``, ``mappings/``: the reference library, read by every
signed-in user. Rows are loaded from library files (``frameworks/import/`` for officers), so
the endpoints offer no write."""

from __future__ import annotations

from aims.models import Framework, Mapping, Requirement
from tests.api_cases import APIViewTestCase
from tests.factories import FrameworkFactory, MappingFactory, RequirementFactory


class TestFrameworks(APIViewTestCase):
    basename = "framework"
    model = Framework
    factory = FrameworkFactory
    fields = (
        "id",
        "urn",
        "ref_id",
        "version",
        "category",
        "name_en",
        "name_ja",
        "shipped",
        "requirement_count",
        "assessable_count",
    )
    can_create = can_update = False


class TestRequirements(APIViewTestCase):
    basename = "requirement"
    model = Requirement
    factory = RequirementFactory
    fields = (
        "id",
        "urn",
        "framework",
        "framework_urn",
        "ref_id",
        "parent",
        "assessable",
        "name_en",
        "name_ja",
        "withdrawn",
    )
    can_create = can_update = False


class TestMappings(APIViewTestCase):
    basename = "mapping"
    model = Mapping
    factory = MappingFactory
    fields = ("id", "mapping_set", "source", "target", "relationship", "rationale_en")
    can_create = can_update = False
