import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "madoguchi.settings")
application = get_wsgi_application()

# Load every URL's views now (the LINE SDK alone takes ~2 s to import), so a worker's
# first requests — a webhook burst, say — are not the ones that pay for it.
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018

# With gunicorn --preload this ran before forking: no worker may inherit a database connection.
from django.db import connections  # noqa: E402

connections.close_all()

# Everything loaded so far lives as long as the process: move it out of the garbage collector's
# reach, so full collections stay short (no long pauses under a webhook burst) and forked workers
# keep sharing those pages instead of copying them when the collector touches them.
import gc  # noqa: E402

gc.freeze()
