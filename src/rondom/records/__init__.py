"""The guarded operations on a child's record kept by `registry` (basic details, notes) and `consent` (consent
given and withdrawn): each asks the access policy and writes its access-log row in the same transaction.

They live here, not in those apps, because the access policy reads registry's and consent's data: `registry` and
`consent` sit below `access`, these services above it (docs/architecture.md, the layers). A plain package, not a
Django app: it has no models.
"""
