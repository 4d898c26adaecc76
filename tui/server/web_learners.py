"""A class's learners in the browser: the list with add, rename, new token, remove and restore; one learner's page.

A learner keeps one id through every change, so their takes, answers and
assignments stay theirs; a new token is shown once, on the page that answers
the form (never in an address). The learner's page lists every take over
time (filtered by pack, phrase, days and state), a score chart per phrase,
sub-scores and players, and exports what it shows as CSV.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from tui.server import exports, roster
from tui.server.accounts import Identity
from tui.server.api import service_of, streamed
from tui.server.api_classwork import seen_learner
from tui.server.chart import scores_svg
from tui.server.errors import ApiError
from tui.server.learner_view import learner_view
from tui.server.pages import ClassViewer, class_viewer, page, page_number, posted, to_sign_in, viewer
from tui.server.params import day_param
from tui.server.records import STATES, Filters
from tui.server.roster import LearnerInfo

VIEW_FIELDS = ("pack", "phrase", "from", "to", "show")


def learner_filters(values: Any) -> tuple[Filters, dict[str, str]]:
    """The learner page's filters from its query (or its export form), and the values to show back in the form."""
    shown = {name: str(values.get(name) or "")[:200] for name in VIEW_FIELDS}
    start, end = day_param(shown["from"], "from"), day_param(shown["to"], "to")
    state = shown["show"] if shown["show"] in STATES else None
    shown["show"] = state or ""
    return Filters(pack=shown["pack"] or None, phrase=shown["phrase"] or None,
                   recorded_from=datetime.combine(start, time(), UTC) if start else None,
                   recorded_before=datetime.combine(end + timedelta(days=1), time(), UTC) if end else None,
                   state=state), shown


async def _learner(request: Request, who: Identity) -> LearnerInfo:
    return await seen_learner(service_of(request), who, request.path_params["learner_id"])


async def learners_page(request: Request) -> Response:
    """``GET /classes/{id}/learners``: the class's learners and what a teacher can do with each."""
    seen = await class_viewer(request)
    return to_sign_in() if seen is None else await _roster(request, seen)


async def _roster(request: Request, seen: ClassViewer, *, token: tuple[LearnerInfo, str] | None = None,
                  status: int = 200) -> Response:
    """The learners page of a class, with a token just made shown once."""
    number = page_number(request.query_params.get("page"))
    listed, number, pages = await run_in_threadpool(roster.roster_page, service_of(request).db, seen.class_id, number)
    return page(request, "learners.html", {"learners": listed, "class_id": seen.class_id, "class_name": seen.class_name,
                                           "csrf": seen.csrf, "page": number, "pages": pages,
                                           "signed_in": True, "token": token, "server_url": str(request.base_url).rstrip("/")},
                status=status)


async def add_learner(request: Request) -> Response:
    """``POST /classes/{id}/learners``: add a learner (``name``); the answer shows their token once."""
    _, _, form = await posted(request)
    seen = await class_viewer(request)
    assert seen is not None  # posted() refused a browser nobody is signed in in
    db = service_of(request).db
    learner_id, token = await run_in_threadpool(roster.add, db, seen.class_id, form.get("name"))
    added = await run_in_threadpool(roster.learner, db, learner_id)
    assert added is not None  # learners are never deleted
    return await _roster(request, seen, token=(added, token), status=201)


async def learner_action(request: Request) -> Response:
    """``POST /learners/{id}/{action}``: rename (``name``), token (a new one), remove, restore."""
    who, csrf, form = await posted(request)
    found = await _learner(request, who)
    db = service_of(request).db
    action = request.path_params["action"]
    token = None
    if action == "rename":
        await run_in_threadpool(roster.rename, db, found.id, form.get("name"))
    elif action == "token":
        token = await run_in_threadpool(roster.reissue, db, found.id)
    elif action == "restore":
        token = await run_in_threadpool(roster.restore, db, found.id)
    elif action == "remove":
        await run_in_threadpool(roster.remove, db, found.id)
    else:
        raise ApiError(404, "there is no such action", hint="use the page's buttons")
    if token is None:
        return RedirectResponse(f"/classes/{found.class_id}/learners", status_code=303)
    current = await run_in_threadpool(roster.learner, db, found.id)
    assert current is not None  # learners are never deleted
    return await _roster(request, ClassViewer(who, csrf, found.class_id, found.class_name), token=(current, token))


async def learner_page(request: Request) -> Response:
    """``GET /learners/{id}``: every take of one learner over time, filtered, with charts and players."""
    signed = await viewer(request)
    if signed is None:
        return to_sign_in()
    who, csrf = signed
    found = await _learner(request, who)
    filters, shown = learner_filters(request.query_params)
    number = page_number(request.query_params.get("page"))
    view = await run_in_threadpool(lambda: learner_view(service_of(request).db, found.id, filters, page=number))
    charts = [(series, scores_svg(series.points, label=f"{series.text}: scores over time")) for series in view.series]
    return page(request, "learner.html", {"learner": found, "view": view, "charts": charts, "shown": shown, "csrf": csrf,
                                          "signed_in": True, "states": list(STATES),
                                          "query": {name: value for name, value in shown.items() if value}})


async def export_learner(request: Request) -> Response:
    """``POST /learners/{id}/export``: the learner page's takes (its filters) as CSV, with the browser session."""
    who, _, form = await posted(request)
    found = await _learner(request, who)
    filters, _ = learner_filters(form)
    chosen = Filters(class_ids=who.class_ids, learner_id=found.id, pack=filters.pack, phrase=filters.phrase,
                     recorded_from=filters.recorded_from, recorded_before=filters.recorded_before, state=filters.state)
    return await streamed(exports.csv_chunks(service_of(request).db, chosen), "text/csv; charset=utf-8",
                           {"content-disposition": f'attachment; filename="learner-{found.id}-takes.csv"'})


ROUTES = [
    Route("/classes/{class_id:int}/learners", learners_page, methods=["GET"]),
    Route("/classes/{class_id:int}/learners", add_learner, methods=["POST"]),
    Route("/learners/{learner_id:int}", learner_page, methods=["GET"]),
    Route("/learners/{learner_id:int}/export", export_learner, methods=["POST"]),
    Route("/learners/{learner_id:int}/{action:str}", learner_action, methods=["POST"]),
]
