"""Errors shared by the sandbox backends."""


class SandboxFault(RuntimeError):
    """The sandbox, not the solution, failed; the request should be retried on a fresh runner."""


class SandboxUnavailable(RuntimeError):
    """No sandbox backend can run here (e.g. no Docker engine answers, or a runtime is not registered)."""
