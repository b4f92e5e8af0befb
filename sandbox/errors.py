"""Errors shared by the sandbox backends."""


class SandboxFault(RuntimeError):
    """The sandbox, not the solution, failed; the request should be retried on a fresh runner."""


class JudgeFault(SandboxFault):
    """The problem's own checker or interactor failed (did not compile, crashed, did not decide): no
    verdict on the solution, and running it again would fail the same way."""


class SandboxUnavailable(RuntimeError):
    """No sandbox backend can run here (e.g. no Docker engine answers, or a runtime is not registered)."""
