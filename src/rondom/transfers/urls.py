urlpatterns: list = []

app_name = "transfers"
