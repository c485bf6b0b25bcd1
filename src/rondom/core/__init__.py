"""The kernel: what several apps share and that reads no app (docs/architecture.md).

`schoolyear.SchoolYear`; `categories` (the data categories of a child's record and the actions on them); `grounds`
(the grounds on which someone may see a record); `access_types` (`Decision`, `Basis`: the access policy's answer
as plain values); `roles` (organisation kinds, roles, which role fits which kind). A plain package, not a Django
app: it has no models, and it imports no app at run time (tests/test_import_graph.py).
"""
