"""WSGI entry point: pages and the REST API."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nabar.settings")

application = get_wsgi_application()
