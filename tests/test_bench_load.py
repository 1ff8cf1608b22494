"""``bench/load.py`` against a live server: users sign in, browse, and the report counts what
the server answered (the real figures come from ``make load`` against ``make run``)."""

from __future__ import annotations

import pytest

from aims.choices import Role
from bench import load
from tests.factories import PASSWORD, UserFactory
from tests.factories.inventory import AISystemFactory


@pytest.fixture
def demo_users(transactional_db):
    roles = [
        Role.GOVERNANCE_OFFICER,
        Role.TOP_MANAGEMENT,
        Role.OPERATIONAL_MEMBER,
        Role.INTERNAL_AUDITOR,
        Role.EXTERNAL_AUDITOR,
        Role.VIEWER,
    ]
    return [
        UserFactory(username=name, roles=[role])
        for name, role in zip(load.DEMO_USERS, roles, strict=True)
    ]


def test_users_sign_in_browse_and_the_report_counts(live_server, demo_users, tmp_path, capsys):
    AISystemFactory.create_batch(3)
    output = tmp_path / "load.md"
    code = load.main(
        [
            "--url",
            live_server.url,
            "--users",
            "3",
            "--duration",
            "10",  # time to ask the API lists (thirteen) and then browse
            "--spawn-rate",
            "20",
            "--think",
            "0.1",
            "--password",
            PASSWORD,
            "--output",
            str(output),
        ]
    )
    report = output.read_text()
    assert code == 0, report
    assert "- 5xx: 0" in report
    assert "- sign-ins failed: 0" in report
    assert "- afterwards: /health/ 200, /accounts/login/ 200" in report
    assert "| POST /accounts/login/ | 3 | 0 |" in report
    assert "| /ai-systems/{id}/ |" in report  # details found through the API
    assert report in capsys.readouterr().out


def test_a_wrong_password_fails_the_run(live_server, demo_users, tmp_path):
    output = tmp_path / "load.md"
    code = load.main(
        ["--url", live_server.url, "--users", "1", "--duration", "1", "--password", "wrong"]
        + ["--output", str(output)]
    )
    assert code == 1
    assert "- sign-ins failed: 1" in output.read_text()


@pytest.mark.parametrize("url", ["http://192.0.2.1:8000", "https://127.0.0.1:8000", "127.0.0.1"])
def test_only_servers_on_this_machine_are_targets(url):
    with pytest.raises(SystemExit):
        load.main(["--url", url, "--password", "x", "--duration", "1"])


def test_percentiles():
    values = [i / 100 for i in range(1, 101)]
    assert load._percentile(values, 0.50) == pytest.approx(0.505)
    assert load._percentile(values, 0.95) == pytest.approx(0.9505)
    assert load._percentile([0.2], 0.95) == 0.2
