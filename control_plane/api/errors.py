"""The admin API's one error type and the one handler that answers it: every refusal is
JSON `{"error": "<what is wrong>"}` with the status the error carries."""

from __future__ import annotations

import secrets

import grpc.aio
from fastapi import FastAPI, Request

from control_plane.api.json_response import JSONResponse
from storage.catalog import CatalogError
from storage.errors import QuotaExceeded, StorageError


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None
                 ) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers  # e.g. Retry-After of a 429


async def error_response(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, QuotaExceeded):  # 507/429 {error, quota, used, limit, requestId}
        rid = request.headers.get("x-request-id") or secrets.token_hex(8)
        return JSONResponse(exc.body(rid[:64]), status_code=exc.status)
    if isinstance(exc, grpc.aio.AioRpcError):
        return JSONResponse({"error": f"a platform component is unavailable: "
                                      f"{exc.code().name}"}, status_code=503)
    # ApiError and CatalogError carry their status; a storage refusal is the request's
    status = exc.status if isinstance(exc, (ApiError, CatalogError)) else 400
    return JSONResponse({"error": str(exc)}, status_code=status,
                        headers=exc.headers if isinstance(exc, ApiError) else None)


def install(app: FastAPI) -> None:
    for cls in (ApiError, CatalogError, StorageError, grpc.aio.AioRpcError):
        app.add_exception_handler(cls, error_response)
