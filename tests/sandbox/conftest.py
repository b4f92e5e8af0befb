import pytest


@pytest.fixture(scope="module", params=["runc", "runsc"])
def pool(request, docker_pool):
    """Every test that asks for it runs under both runtimes: runc, and gVisor's runsc (a second kernel)."""
    if request.param == "runc":
        yield docker_pool
        return
    from tests.conftest import runsc_pool

    with runsc_pool() as gvisor:
        yield gvisor
