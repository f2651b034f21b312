"""Local HTTP servers that speak the OpenAI chat-completions and Anthropic messages formats.

    with OpenAIServer(api_key="sk-test-key-0123") as server:
        server.script(RateLimited(retry_after="1"), Answer({"title": "x"}))
        client = make_client("openai", server.base_url, "sk-test-key-0123", "gpt-test")
        assert server.requests[-1].body["response_format"]["json_schema"]["strict"] is True

One scripted behaviour per request; once the script runs out, `default`, else a 400 so a
test that sends more requests than it planned fails at once instead of retrying.
"""

from __future__ import annotations

import functools
import json
import re
import sys
import threading
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Literal, Self

# --- behaviours: one per request, in script order -----------------------------------------


@dataclass(frozen=True)
class Answer:  # the structured answer: OpenAI content string, Anthropic tool_use input
    obj: Mapping[str, Any]


@dataclass(frozen=True)
class RawContent:  # model text instead of the answer: OpenAI content, an Anthropic text block
    text: str
    # "length": cut off by the token limit; "refusal": message.refusal / stop_reason refusal
    stop: Literal["stop", "length", "refusal"] = "stop"


@dataclass(frozen=True)
class Status:  # the provider's error body; `code` is OpenAI's error.code, Anthropic's type
    status: int
    message: str | None = None
    code: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RateLimited:  # 429 with the provider's body and, unless None, a Retry-After header
    retry_after: str | None = "1"


@dataclass(frozen=True)
class Hangup:  # close the connection without answering
    pass


@dataclass(frozen=True)
class Sleep:  # wait, then behave like `then`; a read timeout when longer than the client's
    seconds: float
    then: Behaviour = field(default_factory=lambda: Answer({}))


Behaviour = Answer | RawContent | Status | RateLimited | Hangup | Sleep
_BEHAVIOURS = (Answer, RawContent, Status, RateLimited, Hangup, Sleep)
_Success = Answer | RawContent
# Called with the request's JSON body; a mapping is shorthand for `Answer(mapping)`.
Dynamic = Callable[[dict[str, Any]], "Behaviour | Mapping[str, Any]"]
Script = Behaviour | Dynamic


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased, credentials masked
    body: Any  # parsed JSON, or None when the body was not JSON

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body["messages"])


@dataclass(frozen=True)
class _Reply:
    status: int = 200
    payload: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    hangup: bool = False


_SECRET_HEADERS = ("authorization", "x-api-key", "api-key")


def _mask(headers: Mapping[str, str]) -> dict[str, str]:
    # "Bearer sk-…" keeps its scheme so a test can still see how the key was sent.
    return {k: re.sub(r"\S+$", "***", v) if k in _SECRET_HEADERS else v for k, v in headers.items()}


# --- server plumbing ------------------------------------------------------------------------


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # idle keep-alive connections must not hold up stop()
    request_queue_size = 128  # parallel clients connect in bursts

    def __init__(self, stub: _StubServer) -> None:
        self.stub = stub
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out and hung up is the point of some tests, not a failure.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as httpx's connection pool expects
    timeout = 10  # reap idle keep-alive connections
    # Headers and body go out in separate writes; with Nagle each answer stalls ~40 ms.
    disable_nagle_algorithm = True
    server: _HTTPServer

    def do_GET(self) -> None:
        # The model listing both providers serve; `foreman doctor` probes it.
        headers = {name.lower(): value for name, value in self.headers.items()}
        self._send(self.server.stub.models(self.path, headers))

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        self._send(self.server.stub.handle(self.path, headers, raw))

    def _send(self, reply: _Reply) -> None:
        if reply.hangup:
            self.close_connection = True
            return
        data = json.dumps(reply.payload).encode()
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.close_connection = True  # the client gave up waiting

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _StubServer(ABC):
    endpoint: ClassVar[str]
    key_header: ClassVar[str]
    key_prefix: ClassVar[str] = ""

    def __init__(self, *, api_key: str | None = None, default: Script | None = None) -> None:
        self.api_key = api_key
        self.default = default
        self._lock = threading.Lock()
        self._script: deque[Script] = deque()
        self._requests: list[RecordedRequest] = []
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def script(self, *behaviours: Script) -> Self:
        with self._lock:
            self._script.extend(behaviours)
        return self

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._script)

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("server is not running")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def base_url(self) -> str:
        return self.url

    def start(self) -> Self:
        self._stopping.clear()
        self._httpd = _HTTPServer(self)
        serve = functools.partial(self._httpd.serve_forever, poll_interval=0.02)
        self._thread = threading.Thread(target=serve, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None or self._thread is None:
            return
        self._stopping.set()  # wakes every Sleep
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # request handling, on the server's threads

    def models(self, path: str, headers: dict[str, str]) -> _Reply:
        listing = "/v1/models"
        if path.partition("?")[0] != listing:
            return self._fail(Status(404, f"Invalid URL (GET {path})", ""), None, 0)
        presented = headers.get(self.key_header, "").removeprefix(self.key_prefix)
        if self.api_key is not None and presented != self.api_key:
            return self._fail(Status(401), None, 0)
        return _Reply(200, {"data": [{"id": "stub-model"}]}, {})

    def handle(self, path: str, headers: dict[str, str], raw: bytes) -> _Reply:
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = None
        with self._lock:
            n = len(self._requests) + 1
            self._requests.append(RecordedRequest("POST", path, _mask(headers), body))
        if path.partition("?")[0] != self.endpoint:
            return self._fail(Status(404, f"Invalid URL (POST {path})", ""), body, n)
        if not isinstance(body, dict):
            return self._fail(Status(400, "the body must be a JSON object"), body, n)
        presented = headers.get(self.key_header, "").removeprefix(self.key_prefix)
        if self.api_key is not None and presented != self.api_key:
            return self._fail(Status(401), body, n)
        problem = self.check(headers, body)
        if problem is not None:
            return self._fail(Status(400, problem), body, n)
        return self._render(self._next(n), body, n)

    def _next(self, n: int) -> Script:
        with self._lock:
            if self._script:
                return self._script.popleft()
        return self.default or Status(400, f"stub: nothing scripted for request #{n}")

    def _render(self, behaviour: Script, body: dict[str, Any], n: int) -> _Reply:
        if callable(behaviour):
            try:
                produced = behaviour(body)
            except Exception as exc:
                return self._fail(Status(500, f"stub callable failed: {exc!r}"), body, n)
            behaviour = produced if isinstance(produced, _BEHAVIOURS) else Answer(produced)
        match behaviour:
            case Sleep(seconds=seconds, then=then):
                self._stopping.wait(seconds)
                return self._render(then, body, n)
            case Status():
                return self._fail(behaviour, body, n)
            case RateLimited(retry_after=after):
                extra = {"retry-after": after} if after is not None else {}
                return self._fail(Status(429, headers=extra), body, n)
            case Hangup():
                return _Reply(hangup=True)
            case _:
                return _Reply(200, self.success(behaviour, body, n))

    def _fail(self, error: Status, body: Any, n: int) -> _Reply:
        model = str(body.get("model", "")) if isinstance(body, dict) else ""
        payload = self.error_body(error.status, error.message, error.code, model, n)
        return _Reply(error.status, payload, error.headers)

    # provider specifics; for error_body `code` None means the status's usual code, "" none

    @abstractmethod
    def check(self, headers: Mapping[str, str], body: dict[str, Any]) -> str | None: ...

    @abstractmethod
    def success(self, answer: _Success, body: dict[str, Any], n: int) -> dict[str, Any]: ...

    @abstractmethod
    def error_body(
        self, status: int, message: str | None, code: str | None, model: str, n: int
    ) -> dict[str, Any]: ...


def _tokens(value: Any) -> int:
    # Roughly four characters per token; enough for a plausible usage block.
    return max(1, len(json.dumps(value)) // 4)


# --- providers -----------------------------------------------------------------------------

# status: (type, code, message) as api.openai.com sends them; {model} is filled in.
_OPENAI_ERRORS: dict[int, tuple[str, str | None, str]] = {
    400: ("invalid_request_error", None, "Invalid request."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided: sk-***."),
    403: ("invalid_request_error", "unsupported_country_region_territory", "Not supported."),
    404: ("invalid_request_error", "model_not_found", "The model `{model}` does not exist."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached for {model}. Try again in 1s."),
    500: ("server_error", None, "The server had an error while processing your request."),
    503: ("server_error", None, "The engine is currently overloaded, please try again later."),
}


class OpenAIServer(_StubServer):
    """`POST /v1/chat/completions`; `base_url` ends in /v1 like api.openai.com's."""

    endpoint = "/v1/chat/completions"
    key_header, key_prefix = "authorization", "Bearer "

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def check(self, headers: Mapping[str, str], body: dict[str, Any]) -> str | None:
        missing = [key for key in ("model", "messages") if key not in body]
        return f"Missing required parameter: '{missing[0]}'." if missing else None

    def success(self, answer: _Success, body: dict[str, Any], n: int) -> dict[str, Any]:
        text = answer.text if isinstance(answer, RawContent) else json.dumps(answer.obj)
        stop = answer.stop if isinstance(answer, RawContent) else "stop"
        content, refusal = (None, text) if stop == "refusal" else (text, None)
        finish = "length" if stop == "length" else "stop"
        message = {"role": "assistant", "content": content, "refusal": refusal}
        choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": finish}
        prompt, completion = _tokens(body["messages"]), _tokens(content or refusal)
        usage = {"prompt_tokens": prompt, "completion_tokens": completion}
        return {
            "id": f"chatcmpl-stub{n}",
            "object": "chat.completion",
            "created": 1_700_000_000 + n,
            "model": body["model"],
            "choices": [choice],
            "usage": usage | {"total_tokens": prompt + completion},
        }

    def error_body(
        self, status: int, message: str | None, code: str | None, model: str, n: int
    ) -> dict[str, Any]:
        fallback = ("server_error" if status >= 500 else "invalid_request_error", None, "Error.")
        kind, usual_code, usual_message = _OPENAI_ERRORS.get(status, fallback)
        text = message or usual_message.format(model=model)
        code = usual_code if code is None else code or None
        return {"error": {"message": text, "type": kind, "param": None, "code": code}}


# status: (type, message) as api.anthropic.com sends them; {model} is filled in.
_ANTHROPIC_ERRORS: dict[int, tuple[str, str]] = {
    400: ("invalid_request_error", "Invalid request."),
    401: ("authentication_error", "invalid x-api-key"),
    403: ("permission_error", "Your API key does not have permission to use the resource."),
    404: ("not_found_error", "model: {model}"),
    413: ("request_too_large", "Request exceeds the maximum allowed number of bytes."),
    429: ("rate_limit_error", "This request would exceed your organization's rate limit."),
    500: ("api_error", "Internal server error"),
    529: ("overloaded_error", "Overloaded"),
}


class AnthropicServer(_StubServer):
    """`POST /v1/messages`; `base_url` is the root, like https://api.anthropic.com."""

    endpoint = "/v1/messages"
    key_header = "x-api-key"

    def check(self, headers: Mapping[str, str], body: dict[str, Any]) -> str | None:
        if "anthropic-version" not in headers:
            return "anthropic-version: header is required"
        missing = [key for key in ("model", "max_tokens", "messages") if key not in body]
        return f"{missing[0]}: Field required" if missing else None

    def success(self, answer: _Success, body: dict[str, Any], n: int) -> dict[str, Any]:
        if isinstance(answer, Answer):
            tool = body.get("tool_choice", {}).get("name") or body["tools"][0]["name"]
            block = {"type": "tool_use", "id": f"toolu_stub{n}", "name": tool, "input": answer.obj}
            content, stop = [block], "tool_use"
        else:
            content = [{"type": "text", "text": answer.text}]
            stop = {"stop": "end_turn", "length": "max_tokens"}.get(answer.stop, answer.stop)
        usage = {"input_tokens": _tokens(body["messages"]), "output_tokens": _tokens(content)}
        return {
            "id": f"msg_stub{n}",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": content,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": usage,
        }

    def error_body(
        self, status: int, message: str | None, code: str | None, model: str, n: int
    ) -> dict[str, Any]:
        if status == 404 and code == "":
            message = "Not Found"  # an unknown path, not an unknown model
        fallback = ("api_error" if status >= 500 else "invalid_request_error", "Error.")
        kind, usual_message = _ANTHROPIC_ERRORS.get(status, fallback)
        error = {"type": code or kind, "message": message or usual_message.format(model=model)}
        return {"type": "error", "error": error, "request_id": f"req_stub{n}"}
