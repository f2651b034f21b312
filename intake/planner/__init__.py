"""Planners turn a request plus the repository index into a proposed plan. They only
propose: every plan goes through `intake.validation` and the tracker's own gates."""
