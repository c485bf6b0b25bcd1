urlpatterns: list = []  # the samenwerkingsverband side: queue, meeting, advice, decision
