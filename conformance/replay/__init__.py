"""`plane-conformance replay`: a recorded exchange sent again, in a fresh scratch project.

`plan` reads what the exchange needs from its record, `recreate` makes it with the suite's own
project setup and minimal create bodies, `command` finds the target, sends, compares and cleans
up.
"""
