"""Writes ``var/dev.env`` once: development mode, a random secret key, a random key for the
change log's HMACs and a random demo password, so ``make run`` and every ``manage.py`` command
of the checkout agree. Existing values are kept, so restarts keep sessions, logins and a change
log that still verifies."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

from aims.env import read_env_file


def main(path: str) -> int:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    values = read_env_file(target)
    values.setdefault("AIMS_MODE", "development")
    values.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    values.setdefault("CHANGE_LOG_HMAC_KEY", secrets.token_urlsafe(48))
    values.setdefault("DEMO_PASSWORD", secrets.token_urlsafe(12))
    lines = [
        "# Written by `make`: development settings of this checkout. Never used in production."
    ]
    lines += [f"{key}={value}" for key, value in values.items()]
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    target.chmod(0o600)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "var/dev.env"))
