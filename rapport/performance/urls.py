"""Pages of the performance app; each views module lists its own routes."""

from rapport.performance.views import goals, qa, recognition, scorecards, success

app_name = "performance"

urlpatterns = [
    *scorecards.urls,
    *success.urls,
    *goals.urls,
    *qa.urls,
    *recognition.urls,
]
