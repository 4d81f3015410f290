import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "luhuituo.settings")
# A web process: its database statements get the web timeout (DB_STATEMENT_TIMEOUT_MS).
os.environ.setdefault("LUHUITUO_WEB", "1")
application = get_asgi_application()
