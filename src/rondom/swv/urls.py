from . import views_loket, views_school

app_name = "swv"
urlpatterns = [*views_school.urlpatterns, *views_loket.urlpatterns]
