"""Teacher sampling: OpenAI-compatible client (vLLM, transformers serve), managed servers,
the in-process vLLM engine, sampling profiles and the resumable trajectory store."""
