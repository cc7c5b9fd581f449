import os

import django
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "perpdesk.settings")

# Settings are checked before the handler loads its middleware: a bad configuration
# then stops with its own lines only, not whatever a middleware says about it first.
django.setup(set_prefix=False)

from lookup.checks import exit_on_bad_settings  # noqa: E402  (needs the app registry)

exit_on_bad_settings()

application = get_wsgi_application()
