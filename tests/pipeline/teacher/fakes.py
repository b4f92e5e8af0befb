"""Test doubles at boundaries this machine cannot reach (named as fakes on purpose)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ScriptedOpenAIServer:
    """A loopback HTTP server answering /v1/chat/completions from a script of (status, body)
    replies, used only to inject faults (429, 5xx, ignored `n`) the real server won't produce
    on demand. Records every request body it receives."""

    def __init__(self, replies):
        self.replies, self.requests = list(replies), []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server naming
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append(body)
                status, reply = outer.replies.pop(0) if outer.replies else (200, completion("default"))
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def completion(*contents, reasoning=None, finish_reason="stop", prompt_tokens=11, completion_tokens=7):
    choices = []
    for index, content in enumerate(contents):
        message = {"role": "assistant", "content": content}
        if reasoning is not None:
            message["reasoning_content"] = reasoning
        choices.append({"index": index, "message": message, "finish_reason": finish_reason})
    return {
        "id": "x",
        "object": "chat.completion",
        "choices": choices,
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens},
    }
