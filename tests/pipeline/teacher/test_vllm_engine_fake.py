"""The in-process vLLM backend's request/response mapping, against a FAKE engine: vLLM needs a
GPU and is not installable here. The fake mimics `LLM.chat` and `RequestOutput` shapes."""

import asyncio
from dataclasses import dataclass, field

from pipeline.teacher.profiles import SamplingProfile
from pipeline.teacher.sampling import plan, sample
from pipeline.teacher.store import TrajectoryStore
from pipeline.teacher.vllm_engine import VLLMEngineBackend
from tests.factories import DOUBLE

EXTRA = {"top_k": 20, "min_p": 0.05, "repetition_penalty": 1.1, "skip_special_tokens": False}
PROFILE = SamplingProfile(name="long", model="Qwen/QwQ-32B", system_prompt="", instructions="Think.", temperature=0.6,
                          top_p=0.9, max_tokens=128, n=2, seed=7, extra=EXTRA)  # fmt: skip


@dataclass
class FakeSamplingParams:
    n: int
    temperature: float
    top_p: float
    max_tokens: int
    seed: int
    top_k: int = -1
    min_p: float = 0.0
    repetition_penalty: float = 1.0
    skip_special_tokens: bool = True


@dataclass
class FakeSample:
    index: int
    text: str
    token_ids: list
    finish_reason: str


@dataclass
class FakeOutput:
    prompt_token_ids: list
    outputs: list = field(default_factory=list)


class FakeLLM:
    def __init__(self):
        self.calls = []

    def chat(self, conversations, params, use_tqdm=False):
        self.calls.append((conversations, params))
        return [
            FakeOutput(
                [1, 2, 3],
                [FakeSample(i, f"```python\nprint({i})\n```", [0] * (5 + i), "stop") for i in reversed(range(p.n))],
            )
            for p in params
        ]


def test_vllm_engine_mapping_with_fake_engine_no_gpu_here(tmp_path):
    engine = FakeLLM()
    backend = VLLMEngineBackend("Qwen/QwQ-32B", chunk_size=1, engine=engine, sampling_params_cls=FakeSamplingParams)
    store = TrajectoryStore(tmp_path / "t.jsonl")
    report = asyncio.run(sample(plan([DOUBLE], [PROFILE], store), backend, store, log=lambda _: None))
    assert report.stored == 2
    ((conversations, params),) = engine.calls
    assert conversations[0][-1]["role"] == "user" and "Think." in conversations[0][-1]["content"]
    assert params[0] == FakeSamplingParams(
        n=2,
        temperature=0.6,
        top_p=0.9,
        max_tokens=128,
        seed=7,
        top_k=20,
        min_p=0.05,
        repetition_penalty=1.1,
        skip_special_tokens=False,
    )
    rows = sorted(store.trajectories(), key=lambda t: t.sample_index)
    assert [(t.sample_index, t.code, t.completion_tokens, t.prompt_tokens) for t in rows] == [
        (0, "print(0)", 5, 3),
        (1, "print(1)", 6, 3),
    ]
    assert rows[0].server_url == "vllm://in-process"
