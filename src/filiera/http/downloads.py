"""CSV downloads of the API and the web pages: the response, its headers, its documentation."""

from __future__ import annotations

from fastapi import Response

from filiera.registry.spreadsheet import CREDIT_HEADER, CSV_MEDIA_TYPE, CsvExport

CSV_DOC = (
    "CSV (UTF-8, comma-separated, header row); cells starting with `=`, `+`, `-`, `@`, tab "
    "or CR are prefixed with `'`. The credit lines of the data's sources are in the "
    f"`{CREDIT_HEADER}` header, never in the rows."
)


def csv_response(body: str, export: CsvExport, filename: str) -> Response:
    """A CSV attachment with the sources' credits in `X-Data-Credit`; never cached."""
    headers = {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
    }
    credit = export.credit_header()
    if credit:
        headers[CREDIT_HEADER] = credit
    return Response(body, media_type=CSV_MEDIA_TYPE, headers=headers)


def csv_openapi(description: str) -> dict[int | str, dict]:
    """OpenAPI `responses` entry of a CSV download (200, text/csv, the credit header)."""
    return {
        200: {
            "description": f"{description}. {CSV_DOC}",
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "headers": {
                CREDIT_HEADER: {
                    "description": "Credit lines of the sources, joined by ` | `",
                    "schema": {"type": "string"},
                }
            },
        }
    }
