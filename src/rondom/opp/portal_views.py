urlpatterns: list = []  # the family portal pages of the OPP (reading the handelingsdeel, instemming)
