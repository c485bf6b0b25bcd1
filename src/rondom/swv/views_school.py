urlpatterns: list = []  # the school side: the request form and the child's requests
