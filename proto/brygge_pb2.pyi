from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StorageCall(_message.Message):
    __slots__ = ("space", "op", "payload", "request_id")
    SPACE_FIELD_NUMBER: _ClassVar[int]
    OP_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    space: str
    op: str
    payload: bytes
    request_id: str
    def __init__(self, space: _Optional[str] = ..., op: _Optional[str] = ..., payload: _Optional[bytes] = ..., request_id: _Optional[str] = ...) -> None: ...

class StorageReply(_message.Message):
    __slots__ = ("payload", "error", "error_name")
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    ERROR_NAME_FIELD_NUMBER: _ClassVar[int]
    payload: bytes
    error: str
    error_name: str
    def __init__(self, payload: _Optional[bytes] = ..., error: _Optional[str] = ..., error_name: _Optional[str] = ...) -> None: ...

class Header(_message.Message):
    __slots__ = ("name", "value")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    name: str
    value: str
    def __init__(self, name: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class HttpRequest(_message.Message):
    __slots__ = ("method", "path", "api_path", "original_url", "query", "headers", "hostname", "ip", "authed", "auth_error", "body", "body_follows")
    METHOD_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    API_PATH_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_URL_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    HOSTNAME_FIELD_NUMBER: _ClassVar[int]
    IP_FIELD_NUMBER: _ClassVar[int]
    AUTHED_FIELD_NUMBER: _ClassVar[int]
    AUTH_ERROR_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    BODY_FOLLOWS_FIELD_NUMBER: _ClassVar[int]
    method: str
    path: str
    api_path: str
    original_url: str
    query: str
    headers: _containers.RepeatedCompositeFieldContainer[Header]
    hostname: str
    ip: str
    authed: bool
    auth_error: str
    body: bytes
    body_follows: bool
    def __init__(self, method: _Optional[str] = ..., path: _Optional[str] = ..., api_path: _Optional[str] = ..., original_url: _Optional[str] = ..., query: _Optional[str] = ..., headers: _Optional[_Iterable[_Union[Header, _Mapping]]] = ..., hostname: _Optional[str] = ..., ip: _Optional[str] = ..., authed: _Optional[bool] = ..., auth_error: _Optional[str] = ..., body: _Optional[bytes] = ..., body_follows: _Optional[bool] = ...) -> None: ...

class Invocation(_message.Message):
    __slots__ = ("request_id", "space_id", "deployment", "deadline_s", "env_json", "http")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SPACE_ID_FIELD_NUMBER: _ClassVar[int]
    DEPLOYMENT_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_S_FIELD_NUMBER: _ClassVar[int]
    ENV_JSON_FIELD_NUMBER: _ClassVar[int]
    HTTP_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    space_id: str
    deployment: str
    deadline_s: float
    env_json: str
    http: HttpRequest
    def __init__(self, request_id: _Optional[str] = ..., space_id: _Optional[str] = ..., deployment: _Optional[str] = ..., deadline_s: _Optional[float] = ..., env_json: _Optional[str] = ..., http: _Optional[_Union[HttpRequest, _Mapping]] = ...) -> None: ...

class InvokeIn(_message.Message):
    __slots__ = ("start", "body_chunk", "body_end", "body_error")
    START_FIELD_NUMBER: _ClassVar[int]
    BODY_CHUNK_FIELD_NUMBER: _ClassVar[int]
    BODY_END_FIELD_NUMBER: _ClassVar[int]
    BODY_ERROR_FIELD_NUMBER: _ClassVar[int]
    start: Invocation
    body_chunk: bytes
    body_end: bool
    body_error: str
    def __init__(self, start: _Optional[_Union[Invocation, _Mapping]] = ..., body_chunk: _Optional[bytes] = ..., body_end: _Optional[bool] = ..., body_error: _Optional[str] = ...) -> None: ...

class ResponseHead(_message.Message):
    __slots__ = ("status", "headers")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    status: int
    headers: _containers.RepeatedCompositeFieldContainer[Header]
    def __init__(self, status: _Optional[int] = ..., headers: _Optional[_Iterable[_Union[Header, _Mapping]]] = ...) -> None: ...

class InvokeEnd(_message.Message):
    __slots__ = ("error", "host_calls", "duration_ms")
    ERROR_FIELD_NUMBER: _ClassVar[int]
    HOST_CALLS_FIELD_NUMBER: _ClassVar[int]
    DURATION_MS_FIELD_NUMBER: _ClassVar[int]
    error: str
    host_calls: int
    duration_ms: float
    def __init__(self, error: _Optional[str] = ..., host_calls: _Optional[int] = ..., duration_ms: _Optional[float] = ...) -> None: ...

class InvokeOut(_message.Message):
    __slots__ = ("head", "body_chunk", "end", "body_end")
    HEAD_FIELD_NUMBER: _ClassVar[int]
    BODY_CHUNK_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    BODY_END_FIELD_NUMBER: _ClassVar[int]
    head: ResponseHead
    body_chunk: bytes
    end: InvokeEnd
    body_end: bool
    def __init__(self, head: _Optional[_Union[ResponseHead, _Mapping]] = ..., body_chunk: _Optional[bytes] = ..., end: _Optional[_Union[InvokeEnd, _Mapping]] = ..., body_end: _Optional[bool] = ...) -> None: ...

class ValidateRequest(_message.Message):
    __slots__ = ("space_id", "deployment", "run_startup", "env_json")
    SPACE_ID_FIELD_NUMBER: _ClassVar[int]
    DEPLOYMENT_FIELD_NUMBER: _ClassVar[int]
    RUN_STARTUP_FIELD_NUMBER: _ClassVar[int]
    ENV_JSON_FIELD_NUMBER: _ClassVar[int]
    space_id: str
    deployment: str
    run_startup: bool
    env_json: str
    def __init__(self, space_id: _Optional[str] = ..., deployment: _Optional[str] = ..., run_startup: _Optional[bool] = ..., env_json: _Optional[str] = ...) -> None: ...

class ValidateReply(_message.Message):
    __slots__ = ("ok", "error", "manifest", "startup_error", "eval_ms")
    OK_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    MANIFEST_FIELD_NUMBER: _ClassVar[int]
    STARTUP_ERROR_FIELD_NUMBER: _ClassVar[int]
    EVAL_MS_FIELD_NUMBER: _ClassVar[int]
    ok: bool
    error: str
    manifest: str
    startup_error: str
    eval_ms: float
    def __init__(self, ok: _Optional[bool] = ..., error: _Optional[str] = ..., manifest: _Optional[str] = ..., startup_error: _Optional[str] = ..., eval_ms: _Optional[float] = ...) -> None: ...

class HealthRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class HealthReply(_message.Message):
    __slots__ = ("component", "pid", "version")
    COMPONENT_FIELD_NUMBER: _ClassVar[int]
    PID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    component: str
    pid: int
    version: str
    def __init__(self, component: _Optional[str] = ..., pid: _Optional[int] = ..., version: _Optional[str] = ...) -> None: ...
