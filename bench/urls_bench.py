"""The real URLconf plus one bare Django view: the baseline the benchmarks report ratios against."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


bare.serves_child_data = False  # type: ignore[attr-defined]

urlpatterns = [
    path("bench/bare/", bare),
    path("", include("rondom.config.urls")),
]
