"""What several apps share and no app owns (issue 13, point 4): plain types with no Django app of their own."""
