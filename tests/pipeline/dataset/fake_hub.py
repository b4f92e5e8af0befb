"""A FAKE Hugging Face Hub at the HTTP boundary (the real one is unreachable from here): a loopback
server answering the endpoints `HfApi.create_repo`, `HfApi.create_commit` and `HfApi.dataset_info`
call, recording every committed file's bytes and the Authorization header. The real `huggingface_hub`
client talks to it."""

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeHub:
    def __init__(self):
        self.repos, self.commits, self.authorizations = [], [], set()
        self.revisions: dict[str, str] = {}  # "owner/name" or "owner/name@revision" -> commit sha
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self, payload, status=200):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):  # noqa: N802 - http.server naming
                path = self.path.split("?")[0].removeprefix("/api/datasets/")
                repo, _, revision = path.partition("/revision/")
                sha = outer.revisions.get(f"{repo}@{revision}" if revision else repo)
                if sha is None:
                    return self._reply({"error": "Repository not found"}, 404)
                return self._reply({"id": repo, "sha": sha, "private": False, "siblings": [], "tags": []})

            def do_POST(self):  # noqa: N802 - http.server naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.authorizations.add(self.headers.get("Authorization"))
                if self.path == "/api/repos/create":
                    outer.repos.append(json.loads(body))
                    return self._reply({"url": f"{outer.url}/datasets/{self._repo(json.loads(body))}"})
                if self.path == "/api/validate-yaml":
                    return self._reply({"errors": [], "warnings": []})
                if "/preupload/" in self.path:  # every file goes inline ("regular"), never to LFS storage
                    files = json.loads(body)["files"]
                    return self._reply({"files": [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False}
                                                  for f in files]})  # fmt: skip
                if "/commit/" in self.path:
                    lines = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
                    files = {v["value"]["path"]: base64.b64decode(v["value"]["content"]) for v in lines
                             if v["key"] == "file"}  # fmt: skip
                    outer.commits.append({"message": lines[0]["value"]["summary"], "files": files})
                    repo = self.path.split("/api/datasets/")[1].split("/commit/")[0]
                    return self._reply({"commitUrl": f"{outer.url}/datasets/{repo}/commit/{'a' * 40}",
                                        "commitOid": "a" * 40})  # fmt: skip
                return self._reply({"error": f"not faked: {self.path}"}, 404)

            @staticmethod
            def _repo(request: dict) -> str:
                return f"{request.get('organization')}/{request['name']}"

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def files(self) -> dict[str, bytes]:
        return {path: data for commit in self.commits for path, data in commit["files"].items()}

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
