import threading
import time

import pytest

from pipeline.problems.sources import humaneval
from pipeline.verification.files import verify_references
from sandbox.executors import open_executor
from sandbox.spread import SpreadPool


class _Recorder:
    """An executor that records how many requests it holds at once."""

    def __init__(self, delay_s: float):
        self.delay_s, self.in_flight, self.most, self.lock = delay_s, 0, 0, threading.Lock()

    def run(self, payload: dict, timeout_s: float) -> dict:
        with self.lock:
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
        time.sleep(self.delay_s)
        with self.lock:
            self.in_flight -= 1
        return {"pool": id(self)}


def test_requests_never_exceed_a_pools_runners_and_the_faster_pool_takes_more():
    fast, slow = _Recorder(0.005), _Recorder(0.05)
    spread = SpreadPool([fast, slow], [2, 1])
    threads = [threading.Thread(target=lambda: [spread.run({}, 1) for _ in range(10)]) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(spread.served) == 60
    assert fast.most <= 2 and slow.most <= 1
    assert spread.served[0] > spread.served[1]


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError):
        SpreadPool([_Recorder(0)], [0])
    with pytest.raises(ValueError):
        SpreadPool([_Recorder(0)], [1, 1])


@pytest.mark.slow
@pytest.mark.docker
def test_two_docker_hosts_share_the_work_and_judge_correctly():
    # The same engine named twice stands for two hosts: two independent pools, one SpreadPool.
    host = "unix:///var/run/docker.sock"
    problems = [humaneval.normalize(r) for r in humaneval.package_rows()[:20]]
    said = []
    with open_executor("docker", 1, log=said.append, docker_hosts=[host, host]) as spread:
        results = verify_references(problems, spread, workers=2, log=lambda _: None)
    assert isinstance(spread, SpreadPool) and all(n > 0 for n in spread.served)
    assert [v.verdict.value for v in results] == ["accepted"] * 20
    assert any("2 Docker hosts" in line for line in said)


def test_unreachable_docker_host_names_the_host():
    from sandbox.executors import SandboxUnavailable

    with pytest.raises(SandboxUnavailable, match="tcp://127.0.0.1:9"):
        with open_executor("docker", 1, log=lambda _: None, docker_hosts=["tcp://127.0.0.1:9"]):
            pass


def test_docker_host_options_tls_and_ssh(tmp_path):
    from sandbox.executors import docker_client_options

    for name in ("ca.pem", "cert.pem", "key.pem"):
        (tmp_path / name).write_text("not a real certificate")
    tls = docker_client_options("tcp://sandbox-1.example:2376", str(tmp_path))
    assert tls["base_url"] == "https://sandbox-1.example:2376" and tls["tls"].verify
    assert docker_client_options("tcp://sandbox-1.example:2375", None) == {
        "base_url": "tcp://sandbox-1.example:2375",
        "use_ssh_client": False,
    }
    assert docker_client_options("ssh://me@sandbox-2", None)["use_ssh_client"] is True
