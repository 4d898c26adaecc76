"""Classwork in the browser: which phrases are hard, assignments and their completion, published packs, CSV exports.

Exports are POST forms carrying the session's CSRF token and the view's
filters, answered with a CSV download streamed from the database: the browser
session does the export (the JSON API keeps to bearer tokens), and another
site can neither start one nor read it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from tui.server import assignments, difficulty, exports, packs, roster
from tui.server.accounts import now
from tui.server.api import service_of, streamed
from tui.server.api_classwork import MAX_PACK_UPLOAD, publish_pack
from tui.server.assignments import Assignment
from tui.server.errors import ApiError
from tui.server.forms import Spec, receive_form
from tui.server.pages import (
    check_csrf,
    check_origin,
    class_viewer,
    page,
    page_number,
    posted,
    seen_class,
    signed_in,
    to_sign_in,
    viewer,
)
from tui.server.params import day_param, id_param, int_param
from tui.server.records import Filters

PACK_FORM = Spec(texts={"csrf": 128}, files={"pack": MAX_PACK_UPLOAD}, max_parts=4)
ASSIGNMENT_FORM_BYTES = 64 * 1024
ASSIGNMENT_FORM_FIELDS = 5000
COMPLETION_PAGE = 50
"""Learners per page of an assignment's completion."""


def _csv(rows: list[list[object]]) -> Iterator[str]:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    yield out.getvalue()


# ---- difficulty and exports -----------------------------------------------------------


async def phrases_page(request: Request) -> Response:
    """``GET /classes/{id}/phrases``: per phrase, the class mean, share below 60 and the words most often weak; sortable."""
    seen = await class_viewer(request)
    if seen is None:
        return to_sign_in()
    query = request.query_params
    pack, sort = query.get("pack") or None, difficulty.check_sort(query.get("sort"))
    rows = await run_in_threadpool(lambda: difficulty.difficulty(service_of(request).db, seen.class_id, pack=pack, sort=sort))
    return page(request, "phrases.html", {"rows": rows, "class_id": seen.class_id, "class_name": seen.class_name, "sort": sort,
                                          "pack": pack or "", "csrf": seen.csrf, "signed_in": True})


async def export_phrases(request: Request) -> Response:
    """``POST /classes/{id}/phrases/export``: the difficulty table as CSV."""
    who, _, form = await posted(request)
    class_id = request.path_params["class_id"]
    seen_class(who, class_id)
    pack = form.get("pack") or None
    rows = await run_in_threadpool(lambda: difficulty.difficulty(service_of(request).db, class_id, pack=pack,
                                                                 sort=form.get("sort")))
    table: list[list[object]] = [["pack", "phrase_id", "text", "learners", "mean", "below_60", "weak_words", "weak_sounds"]]
    table += [[r.column.pack, r.column.phrase_id, exports.csv_text(r.column.text), r.learners, round(r.mean, 1),
               round(r.below, 3), "; ".join(f"{exports.csv_text(w)}:{n}" for w, n in r.weak),
               "; ".join(f"{exports.csv_text(w)}:{n}" for w, n in r.sounds)] for r in rows]
    return await streamed(_csv(table), "text/csv; charset=utf-8",
                          {"content-disposition": f'attachment; filename="class-{class_id}-phrases.csv"'})


async def export_class(request: Request) -> Response:
    """``POST /classes/{id}/export``: the class's takes (of the page's pack) as CSV, with the browser session."""
    who, _, form = await posted(request)
    class_id = request.path_params["class_id"]
    seen_class(who, class_id)
    chosen = Filters(class_ids=who.class_ids, class_id=class_id, pack=form.get("pack") or None)
    return await streamed(exports.csv_chunks(service_of(request).db, chosen), "text/csv; charset=utf-8",
                          {"content-disposition": f'attachment; filename="class-{class_id}-takes.csv"'})


# ---- assignments -------------------------------------------------------------------


async def assignments_page(request: Request) -> Response:
    """``GET /classes/{id}/assignments``: the class's assignments with completion, and the form to set one (``pack``)."""
    seen = await class_viewer(request)
    if seen is None:
        return to_sign_in()
    class_id, db = seen.class_id, service_of(request).db
    published = await run_in_threadpool(packs.listing, db)
    chosen = request.query_params.get("pack") or (published[0].id if published else "")
    if chosen not in {p.id for p in published}:
        chosen = published[0].id if published else ""

    def load() -> tuple[list[tuple[Assignment, int, int]], list[tuple[str, str]], list[tuple[int, str]]]:
        listed = []
        for item in assignments.for_class(db, class_id):
            listed.append((item, *assignments.counts(db, item)))
        return listed, packs.phrase_list(db, chosen) if chosen else [], roster.active(db, class_id)

    listed, phrases, learners = await run_in_threadpool(load)
    return page(request, "assignments.html", {"assignments": listed, "class_id": class_id, "class_name": seen.class_name,
                                              "packs": published, "pack": chosen, "phrases": phrases, "learners": learners,
                                              "csrf": seen.csrf, "signed_in": True, "today": now().date()})


async def add_assignment(request: Request) -> Response:
    """``POST /classes/{id}/assignments``: set work (pack, phrase…, learner…, due, target) and show its page."""
    who, _, form = await posted(request, max_bytes=ASSIGNMENT_FORM_BYTES, max_fields=ASSIGNMENT_FORM_FIELDS)
    class_id = request.path_params["class_id"]
    seen_class(who, class_id)
    due_on = day_param(form.get("due"), "due")
    if due_on is None:
        raise ApiError(422, "choose a due day", hint="go back and pick the day the work is due")
    target = int_param(form.get("target"), "target", low=1, high=100) or assignments.DEFAULT_TARGET
    learner_ids = [id_param(value, "learner") or 0 for value in form.all("learner")]
    db = service_of(request).db
    made = await run_in_threadpool(lambda: assignments.create(db, who, class_id=class_id, pack_id=form.get("pack")[:200],
                                                              phrase_ids=form.all("phrase"), learner_ids=learner_ids,
                                                              due_on=due_on, target=target))
    return RedirectResponse(f"/assignments/{made.id}", status_code=303)


async def _assignment(request: Request) -> tuple[Assignment, str]:
    who, csrf = await signed_in(request)
    found = await run_in_threadpool(assignments.get, service_of(request).db, request.path_params["assignment_id"])
    if found is None or not who.sees_class(found.class_id):
        raise ApiError(404, "there is no such assignment", hint="go back to the class's assignments")
    return found, csrf


async def assignment_page(request: Request) -> Response:
    """``GET /assignments/{id}``: each assigned learner's best score per phrase since it was set, and who is done."""
    if await viewer(request) is None:
        return to_sign_in()
    found, csrf = await _assignment(request)
    db = service_of(request).db
    done, assigned = await run_in_threadpool(assignments.counts, db, found)
    pages = max(1, -(-assigned // COMPLETION_PAGE))
    number = min(page_number(request.query_params.get("page")), pages)
    shown = await run_in_threadpool(lambda: assignments.completion(db, found, offset=(number - 1) * COMPLETION_PAGE,
                                                                   limit=COMPLETION_PAGE))
    return page(request, "assignment.html", {"a": found, "completion": shown, "learners": assigned, "done": done,
                                             "page": number, "pages": pages, "csrf": csrf, "signed_in": True})


async def delete_assignment(request: Request) -> Response:
    """``POST /assignments/{id}/delete``: withdraw it."""
    await posted(request)
    found, _ = await _assignment(request)
    await run_in_threadpool(assignments.remove, service_of(request).db, found.id)
    return RedirectResponse(f"/classes/{found.class_id}/assignments", status_code=303)


# ---- packs ---------------------------------------------------------------------------


async def packs_page(request: Request) -> Response:
    """``GET /packs``: the published packs, and a form to publish a new one or a new version."""
    signed = await viewer(request)
    if signed is None:
        return to_sign_in()
    _, csrf = signed
    published = await run_in_threadpool(packs.listing, service_of(request).db)
    just = request.query_params.get("published", "")
    return page(request, "packs.html", {"packs": published, "just": next((p for p in published if p.id == just), None),
                                        "csrf": csrf, "signed_in": True})


async def publish(request: Request) -> Response:
    """``POST /packs``: publish an uploaded pack zip (multipart: csrf, pack) as the pack's new version."""
    check_origin(request)
    _, csrf = await signed_in(request)
    service = service_of(request)
    try:
        got = await receive_form(request, PACK_FORM, incoming=service.db.incoming_dir,
                              prefix=service.incoming_prefix)
    except ClientDisconnect:
        return Response(status_code=400)
    try:
        check_csrf(csrf, got.text("csrf"))
        received = got.files.pop("pack", None)
        if received is None:
            raise ApiError(422, "choose a pack's .zip to publish", hint="`pronounce pack export PACK` makes one")
        published = await publish_pack(service, received.rename(received.with_suffix(".zip")))
    finally:
        got.discard()
    return RedirectResponse(f"/packs?published={published.id}", status_code=303)


ROUTES = [
    Route("/classes/{class_id:int}/phrases", phrases_page, methods=["GET"]),
    Route("/classes/{class_id:int}/phrases/export", export_phrases, methods=["POST"]),
    Route("/classes/{class_id:int}/export", export_class, methods=["POST"]),
    Route("/classes/{class_id:int}/assignments", assignments_page, methods=["GET"]),
    Route("/classes/{class_id:int}/assignments", add_assignment, methods=["POST"]),
    Route("/assignments/{assignment_id:int}", assignment_page, methods=["GET"]),
    Route("/assignments/{assignment_id:int}/delete", delete_assignment, methods=["POST"]),
    Route("/packs", packs_page, methods=["GET"]),
    Route("/packs", publish, methods=["POST"]),
]
