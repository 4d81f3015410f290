#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "luhuituo.settings")
    if sys.argv[1:2] == ["runserver"]:
        # A web process: its database statements get the web timeout (DB_STATEMENT_TIMEOUT_MS).
        os.environ.setdefault("LUHUITUO_WEB", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
