"""plane-conformance: the contract and conformance test suite for the Plane REST API (v1)."""

__version__ = "0.1.0"
