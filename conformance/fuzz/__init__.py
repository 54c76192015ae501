"""Schemathesis, driven through the suite's one target client: the schema area's fuzz campaign.

One concern per module, from the bottom up:

* `requirements` — which catalogue requirement each schemathesis check stands for;
* `transport` — the schema bound to the target client (every case goes through it);
* `findings` — `Finding` and `Campaign`, what a campaign found and did;
* `judging` — the checks run on one response; the one place a `Finding` is made;
* `fuzzing` — one operation, many generated cases; the enum probe; budgets per profile;
* `stateful` — create -> read -> update -> delete lifecycles along the spec's links;
* `project` — the campaign's own scratch project and path parameters inside it;
* `campaign` — which operations, in which order and in which part: `run_campaign`.

The checks of the schema area (`conformance/checks/test_schema.py`) run the campaign and judge
one requirement each on what it found.
"""
