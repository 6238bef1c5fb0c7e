"""Demo workspace and bulk ticket generation.

`loader.load_demo` creates a realistic help desk (staff in several time zones, teams,
inboxes, customers, eight weeks of tickets) and, for benchmarks, adds generated
tickets in bulk. Set-up rows go through the named actions; ticket histories are
planned in memory by the same rules as `tickets.actions` and written in bulk.
"""
