"""Typed reading of environment variables that fails loudly.

Settings call these helpers instead of ``os.environ.get`` so that a malformed value
(``DEBUG=maybe``, ``PORT=eighty``) stops the process with a message naming the variable,
rather than being silently read as a default.
"""

from __future__ import annotations

import builtins
import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_MISSING = object()


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a ``KEY=value`` file (comments and blank lines ignored)."""
    values: dict[str, str] = {}
    if not path.exists():
        return values
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ImproperlyConfigured(f"{path}:{number}: expected KEY=value, got {raw!r}")
        values[key.strip()] = value.strip().strip('"').strip("'")
    return values


class Env:
    """A view of the environment with typed getters.

    ``required`` marks a variable that must be set; ``default`` is used only when the
    variable is absent (an empty value counts as set for strings).
    """

    def __init__(self, environ: Mapping[builtins.str, builtins.str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ

    def _raw(
        self, name: builtins.str, default: object, required: builtins.bool
    ) -> builtins.str | object:
        if name in self.environ:
            return self.environ[name]
        if required:
            raise ImproperlyConfigured(f"The environment variable {name} is required.")
        return default

    def str(
        self,
        name: builtins.str,
        default: builtins.str | None = None,
        *,
        required: builtins.bool = False,
    ) -> builtins.str:
        value = self._raw(name, default, required)
        if value is None:
            raise ImproperlyConfigured(f"The environment variable {name} is required.")
        return str(value)

    def optional_str(self, name: builtins.str) -> builtins.str | None:
        value = self.environ.get(name)
        return value if value else None

    def bool(self, name: builtins.str, default: builtins.bool = False) -> builtins.bool:
        value = self._raw(name, _MISSING, False)
        if value is _MISSING:
            return default
        lowered = str(value).strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ImproperlyConfigured(
            f"The environment variable {name} must be a boolean (true/false), got {value!r}."
        )

    def int(
        self, name: builtins.str, default: builtins.int, *, minimum: builtins.int | None = None
    ) -> builtins.int:
        value = self._raw(name, _MISSING, False)
        if value is _MISSING:
            return default
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ImproperlyConfigured(
                f"The environment variable {name} must be an integer, got {value!r}."
            ) from None
        if minimum is not None and number < minimum:
            raise ImproperlyConfigured(f"The environment variable {name} must be ≥ {minimum}.")
        return number

    def list(
        self,
        name: builtins.str,
        default: builtins.list[builtins.str] | None = None,
        *,
        required: builtins.bool = False,
    ) -> builtins.list[builtins.str]:
        value = self._raw(name, _MISSING, required)
        if value is _MISSING:
            return list(default or [])
        items = [item.strip() for item in str(value).split(",") if item.strip()]
        if required and not items:
            raise ImproperlyConfigured(f"The environment variable {name} must not be empty.")
        return items

    def choice(
        self, name: builtins.str, choices: tuple[builtins.str, ...], default: builtins.str
    ) -> builtins.str:
        value = self.str(name, default).strip().lower()
        if value not in choices:
            raise ImproperlyConfigured(
                f"The environment variable {name} must be one of {', '.join(choices)}, "
                f"got {value!r}."
            )
        return value


def database_from_url(url: str) -> dict[str, object]:
    """Turn ``postgres://user:pass@host:port/name?host=/socket/dir`` into a Django DATABASES entry.

    Only PostgreSQL is accepted: the platform never runs on another database.
    """
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL must be a PostgreSQL URL (postgres://…), got scheme {parts.scheme!r}."
        )
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise ImproperlyConfigured("DATABASE_URL must name a database (postgres://…/NAME).")
    query = dict(pair.split("=", 1) for pair in parts.query.split("&") if "=" in pair)
    host = unquote(query.pop("host", "")) or (parts.hostname or "")
    options = {key: unquote(value) for key, value in query.items()}
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": host,
        "PORT": str(parts.port or ""),
        "OPTIONS": options,
    }
