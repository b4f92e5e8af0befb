"""Dagster resources: where the pipeline keeps its files."""

import os
from contextlib import contextmanager

import dagster as dg
from pydantic import Field

from pipeline.common.layout import DataLayout, default_data_root


class TrajforgeStorage(dg.ConfigurableResource):
    """The folder every stage writes under; `layout` names every path in it."""

    root: str = Field(
        default_factory=lambda: str(default_data_root()),
        description="Data folder; defaults to $TRAJFORGE_DATA or <repo>/data.",
    )

    @property
    def layout(self) -> DataLayout:
        return DataLayout(self.root)


class SandboxResource(dg.ConfigurableResource):
    """Where verification runs: warm Docker containers (default) or the UNSAFE local processes."""

    backend: str = Field(default="docker", description="docker (isolated) or process (UNSAFE, development only)")
    workers: int | None = Field(
        default=None,
        description="Sandbox runners per Docker host; default: one per "
        "core of each host (the engine reports its cores).",
    )
    docker_hosts: list[str] = Field(
        default_factory=lambda: [
            h.strip() for h in os.environ.get("TRAJFORGE_DOCKER_HOSTS", "").split(",") if h.strip()
        ],
        description="Several Docker engines (ssh://host, tcp://host:2376): one pool each, requests go to "
        "whichever has a free runner. Default: $TRAJFORGE_DOCKER_HOSTS, else the local engine.",
    )

    runtime: str = Field(
        default_factory=lambda: os.environ.get("TRAJFORGE_SANDBOX_RUNTIME", "runc"),
        description="Container runtime: runc (default) or runsc (gVisor: a user-space kernel between untrusted "
        "code and the host's; register it with TRAJFORGE_RUNSC=1 scripts/docker.sh).",
    )

    @contextmanager
    def executor(self, log):
        from sandbox.executors import open_executor

        with open_executor(
            self.backend, self.workers, log=log, docker_hosts=self.docker_hosts, runtime=self.runtime
        ) as executor:
            yield executor


class TeacherResource(dg.ConfigurableResource):
    """The teacher as deployed: overrides of the recipe's `teacher:` section (empty = the recipe's).

    Point the pipeline at running vLLM replicas without editing a recipe:
    `TRAJFORGE_TEACHER_URLS=http://gpu-1:8000/v1,http://gpu-2:8000/v1`.
    """

    base_urls: list[str] = Field(
        default_factory=lambda: [u for u in os.environ.get("TRAJFORGE_TEACHER_URLS", "").split(",") if u.strip()],
        description="Running OpenAI-compatible servers (vLLM replicas); when set, the backend becomes `openai`.",
    )
    model_urls: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Models served by other servers than base_urls "
        "(one vLLM server serves one model): model name -> its replicas. Added to the recipe's.",
    )
    concurrency: int | None = Field(default=None, description="Requests in flight over all replicas.")

    def configure(self, recipe):
        from dataclasses import replace

        if self.base_urls:
            recipe = replace(recipe, backend="openai", base_urls=tuple(u.strip() for u in self.base_urls))
        if self.model_urls:
            routes = {model: tuple(u.strip() for u in urls) for model, urls in self.model_urls.items()}
            if recipe.backend != "openai":
                raise ValueError(
                    "teacher resource: model_urls route models to running servers; set base_urls "
                    f"too (the recipe's backend is {recipe.backend!r}, which starts its own)"
                )
            recipe = replace(recipe, model_urls={**recipe.model_urls, **routes})
        if self.concurrency:
            recipe = replace(recipe, concurrency=self.concurrency)
        return recipe
