"""The performance API under /api/v1/; each module lists its own routes."""

from rapport.performance.api import goals, qa, recognition, scorecards, success

urlpatterns = [
    *scorecards.urls,
    *success.urls,
    *goals.urls,
    *qa.urls,
    *recognition.urls,
]
