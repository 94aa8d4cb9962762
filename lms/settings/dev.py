"""The demo and a developer's machine (`make demo`): the embedded defaults of base."""

from .base import *  # noqa: F403
from .base import env_bool

# The demo looks like the product: its own Vietnamese error pages, not Django's debug pages
# (DJANGO_DEBUG=1 shows those).
DEBUG = env_bool("DJANGO_DEBUG", False)
# With no web server in front, the one process serves the static files (WhiteNoise, straight from
# the source folders) and the uploads (lms/urls.py).
WHITENOISE_USE_FINDERS = True
SERVE_MEDIA = True
