"""The documented rules of the API, each module holding the faults that break it."""
