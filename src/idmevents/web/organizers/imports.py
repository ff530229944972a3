"""Importing registrations on the desk: upload a file, check the columns on a preview, run a job."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from idmevents.errors import InvalidInput
from idmevents.i18n import gettext
from idmevents.registrations import desk, imports
from idmevents.settings import make_private_dir
from idmevents.web.guards import OrganizerPages

# An upload is named by a random token; the mapping form sends it back, nothing else.
_TOKEN_LENGTH = 32


def field_labels() -> dict[str, str]:
    return {
        "honorific": gettext("Honorific"),
        "given_name": gettext("Given name"),
        "family_name": gettext("Family name"),
        "email": gettext("Email"),
        "organization": gettext("Organization"),
        "position": gettext("Position"),
        "category": gettext("Category"),
        "country": gettext("Country"),
        "language": gettext("Language"),
        "accessibility_needs": gettext("Accessibility needs"),
    }


def _upload_path(token: str, suffix: str):
    return imports.uploads_dir() / f"{token}{suffix}"


def _suffix(filename: str) -> str:
    return ".xlsx" if filename.lower().endswith(".xlsx") else ".csv"


def _valid_token(token: str) -> bool:
    return len(token) == _TOKEN_LENGTH and all(ch in "0123456789abcdef" for ch in token)


async def _mapping_page(
    meeting: dict,
    token: str,
    filename: str,
    header: list[str],
    rows: list[list[str]],
    mapping: dict[str, int | None],
    *,
    errors: dict[str, str] | None = None,
    notice: str = "",
    send_emails: bool = False,
    status_code: int = 200,
) -> Template:
    preview = [
        {name: (row[index] if index is not None else "") for name, index in mapping.items()}
        for row in rows[: imports.PREVIEW_ROWS]
    ]
    context: dict[str, Any] = {
        "meeting": meeting,
        "token": token,
        "filename": filename,
        "header": header,
        "row_count": len(rows),
        "mapping": mapping,
        "labels": field_labels(),
        "preview": preview,
        "errors": errors or {},
        "notice": notice,
        "send_emails": send_emails,
    }
    return Template(
        "registrations/import_mapping.html.jinja2", context=context, status_code=status_code
    )


class ImportController(OrganizerPages):
    path = "/admin/meetings/{slug:str}/registrations/import"

    @get("/", name="admin_registrations_import")
    async def form(self, slug: FromPath[str]) -> Template:
        """Choose a CSV or XLSX file of people to register."""
        meeting = await desk.get_meeting(slug)
        return Template(
            "registrations/import.html.jinja2",
            context={"meeting": meeting, "notice": "", "max_rows": imports.MAX_ROWS},
        )

    @post("/", name="admin_registrations_import_upload", status_code=200)
    async def upload(
        self,
        slug: FromPath[str],
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> Template:
        """Read the file and show its columns mapped to the form's fields, with a preview."""
        meeting = await desk.get_meeting(slug)
        upload = data.get("file")
        try:
            if not isinstance(upload, UploadFile) or not upload.filename:
                message = gettext("Choose a file to import.")
                raise InvalidInput(message, fields={"file": message})
            content = await upload.read()
            header, rows = imports.read_table(upload.filename, content)
        except InvalidInput as exc:
            return Template(
                "registrations/import.html.jinja2",
                context={"meeting": meeting, "notice": exc.message, "max_rows": imports.MAX_ROWS},
                status_code=422,
            )
        token = secrets.token_hex(_TOKEN_LENGTH // 2)
        path = _upload_path(token, _suffix(upload.filename))
        await asyncio.to_thread(make_private_dir, path.parent)
        await asyncio.to_thread(path.write_bytes, content)
        return await _mapping_page(
            meeting, token, upload.filename, header, rows, imports.guess_mapping(header)
        )

    @post("/run", name="admin_registrations_import_run")
    async def run(self, request: Request, slug: FromPath[str]) -> Redirect | Template:
        """Queue the import with the columns chosen; its page follows the rows as they go in."""
        meeting = await desk.get_meeting(slug)
        form = await request.form()
        token = str(form.get("token", ""))
        filename = str(form.get("filename", ""))[:200] or "import.csv"
        path = _upload_path(token, _suffix(filename)) if _valid_token(token) else None
        if path is None or not await asyncio.to_thread(path.is_file):
            return Template(
                "registrations/import.html.jinja2",
                context={
                    "meeting": meeting,
                    "notice": gettext("This upload is no longer here: choose the file again."),
                    "max_rows": imports.MAX_ROWS,
                },
                status_code=422,
            )
        header, rows = imports.read_table(filename, await asyncio.to_thread(path.read_bytes))
        mapping: dict[str, int | None] = {}
        for name in imports.FIELDS:
            value = str(form.get(f"map_{name}", ""))
            mapping[name] = int(value) if value.isdigit() and len(value) < 6 else None
        send_emails = form.get("send_emails") == "1"
        try:
            mapping = imports.check_mapping(mapping, len(header))
        except InvalidInput as exc:
            return await _mapping_page(
                meeting,
                token,
                filename,
                header,
                rows,
                mapping,
                errors=exc.fields,
                notice=exc.message,
                send_emails=send_emails,
                status_code=422,
            )
        user = request.user
        job_id = await imports.queue_import_job(
            meeting,
            path,
            filename,
            mapping,
            send_emails=send_emails,
            now=datetime.now(UTC),
            by_user=(user.id, user.email) if user else None,
        )
        return Redirect(
            request.app.route_reverse("admin_job", slug=slug, job_id=job_id), status_code=303
        )
