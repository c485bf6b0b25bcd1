urlpatterns: list = []  # the staff pages of the OPP (plan page section, PDF, yearly evaluation, paper signature)
