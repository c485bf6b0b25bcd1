"""Applying a roster to one school: match, add, change, end; all-or-nothing; a dry run (issue 15).

Contract (the implementation is the roster helper's):

    apply_roster(actor, school, roster, *, today, dry_run=False, progress=None) -> RosterReport
        raises RosterRefused (row errors, nothing written), PermissionDenied (actor is not the school's
        functioneel beheerder, or the system for the demo).
    apply_parents(actor, school, parents, *, today, dry_run=False, progress=None) -> RosterReport
"""
