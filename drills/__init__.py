"""Drills: scenarios, replay against the live system, scoring, report drafting.

Not built yet: no issue has asked for it. The `exercise` flag already runs through the
contracts (``watchpost.events.AlarmEvent.exercise``) and comms' drill sink.
"""
