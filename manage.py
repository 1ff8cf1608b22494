#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aims.settings")
    from django.core.management import execute_from_command_line

    from aims import embedded

    # Development without DATABASE_URL / REDIS_URL: the embedded servers, before any command
    # connects (the settings only say where they are).
    embedded.start()
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
