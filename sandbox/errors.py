"""Errors shared by the sandbox backends."""


class SandboxFault(RuntimeError):
    """The sandbox, not the solution, failed; the request should be retried on a fresh runner."""
