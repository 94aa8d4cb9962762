"""HR's pages for training plans (``urls_plans``) and their progress (``urls_progress``)."""

from .urls_plans import urlpatterns as plan_patterns
from .urls_progress import urlpatterns as progress_patterns

app_name = "training"

urlpatterns = [*plan_patterns, *progress_patterns]
