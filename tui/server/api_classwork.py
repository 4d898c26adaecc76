"""The API of classwork: assignments, a class's learners, which phrases are hard, publishing packs.

Teachers (and the admin) manage the classes they see; a class, learner or
assignment they do not see is answered 404. Learners read only the
assignments set for them, each with their own progress.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tui.errors import ClassroomError
from tui.server import assignments, difficulty, packs, roster
from tui.server.accounts import Identity
from tui.server.api import STAFF, bearer, service_of
from tui.server.api_feedback import read_json
from tui.server.assignments import Assignment
from tui.server.classes import class_list
from tui.server.errors import ApiError
from tui.server.params import day_param, id_param, int_param
from tui.server.roster import LearnerInfo
from tui.server.service import Service

MAX_PACK_UPLOAD = 200 * 1024 * 1024


def _own_class(who: Identity) -> int:
    """A learner's class."""
    return min(who.class_ids or {0})


def _class_id(who: Identity, raw: Any) -> int:
    class_id = id_param(raw, "class")
    if class_id is None or class_id > 2**31 or not who.sees_class(class_id):
        raise ApiError(404, "there is no such class", hint="GET /api/v1/classes lists the classes you see")
    return class_id


async def seen_learner(service: Service, who: Identity, raw: Any) -> LearnerInfo:
    """Learner ``raw`` when ``who`` teaches their class; else 404."""
    learner_id = id_param(raw, "learner")
    found = await run_in_threadpool(roster.learner, service.db, learner_id) if learner_id else None
    if found is None or not who.sees_class(found.class_id):
        raise ApiError(404, "there is no such learner", hint="GET /api/v1/classes/{id}/learners lists them")
    return found


async def seen_assignment(service: Service, who: Identity, raw: Any) -> Assignment:
    """Assignment ``raw`` when ``who`` teaches its class or it is set for ``who`` (a learner); else 404."""
    assignment_id = id_param(raw, "assignment")
    found = await run_in_threadpool(assignments.get, service.db, assignment_id) if assignment_id else None
    if found is not None:
        if who.is_staff and who.sees_class(found.class_id):
            return found
        if not who.is_staff and assignments.assigned_to(found, who.learner_id or 0, _own_class(who)):
            return found
    raise ApiError(404, "there is no such assignment", hint="GET /api/v1/assignments lists yours")


# ---- assignments -----------------------------------------------------------------


async def list_assignments(request: Request) -> Response:
    """``GET /api/v1/assignments``: a learner's, each with their progress; a teacher's classes' (``class``), with how many are done."""
    who = await bearer(request)
    db = service_of(request).db
    if not who.is_staff:
        class_id, learner_id = _own_class(who), who.learner_id or 0

        def mine() -> list[dict[str, Any]]:
            found = assignments.for_learner(db, learner_id, class_id)
            return [{**a.to_api(), **_own(assignments.completion(db, a, learner_id=learner_id), a)} for a in found]

        return JSONResponse({"assignments": await run_in_threadpool(mine)})
    raw = request.query_params.get("class")
    class_ids = [_class_id(who, raw)] if raw else sorted(who.class_ids or ()) if who.class_ids is not None else None

    def theirs() -> list[dict[str, Any]]:
        ids = class_ids if class_ids is not None else [c.id for c in class_list(db)]
        listed = []
        for class_id in ids:
            for a in assignments.for_class(db, class_id):
                done, assigned = assignments.counts(db, a)
                listed.append({**a.to_api(), "learners_done": done, "learners_assigned": assigned})
        return listed

    return JSONResponse({"assignments": await run_in_threadpool(theirs)})


def _own(completion: list[assignments.Completion], assignment: Assignment) -> dict[str, Any]:
    mine = completion[0] if completion else assignments.Completion(0, "", tuple(None for _ in assignment.phrases), assignment.target)
    own = mine.to_api(assignment)
    return {"done": own["done"], "reached": own["reached"], "best": own["best"]}


async def post_assignment(request: Request) -> Response:
    """``POST /api/v1/assignments`` (admin, teacher): ``{"class", "pack", "phrases"?, "learners"?, "due", "target"?}`` → 201."""
    who = await bearer(request, *STAFF)
    body = await read_json(request)
    class_id = _class_id(who, body.get("class"))
    pack_id, phrases, chosen = body.get("pack"), body.get("phrases") or [], body.get("learners") or []
    if not isinstance(pack_id, str) or not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
        raise ApiError(422, "pack must be a pack id and phrases a list of phrase ids", hint='e.g. {"pack": "en-basics", "phrases": ["good-morning"]}')
    if not isinstance(chosen, list) or len(chosen) > 10_000:
        raise ApiError(422, "learners must be a list of learner ids", hint="GET /api/v1/classes/{id}/learners lists them")
    learner_ids = [id_param(value, "learners") or 0 for value in chosen]
    due = body.get("due")
    due_on = day_param(due if isinstance(due, str) else None, "due")
    if due_on is None:
        raise ApiError(422, "due must be a day, YYYY-MM-DD", hint='e.g. "due": "2025-03-14"')
    target = int_param(body.get("target", assignments.DEFAULT_TARGET), "target", low=1, high=100)
    assert target is not None  # a default is given
    db = service_of(request).db
    made = await run_in_threadpool(lambda: assignments.create(db, who, class_id=class_id, pack_id=pack_id[:200], phrase_ids=phrases,
                                                              learner_ids=learner_ids, due_on=due_on, target=target))
    return JSONResponse(made.to_api(), status_code=201)


async def get_assignment(request: Request) -> Response:
    """``GET /api/v1/assignments/{id}``: a teacher sees every assigned learner's progress, a learner their own."""
    who = await bearer(request)
    service = service_of(request)
    found = await seen_assignment(service, who, request.path_params["assignment_id"])
    if not who.is_staff:
        mine = await run_in_threadpool(lambda: assignments.completion(service.db, found, learner_id=who.learner_id))
        return JSONResponse({**found.to_api(), **_own(mine, found)})
    done = await run_in_threadpool(assignments.completion, service.db, found)
    return JSONResponse({**found.to_api(), "completion": [c.to_api(found) for c in done]})


async def delete_assignment(request: Request) -> Response:
    """``DELETE /api/v1/assignments/{id}`` (admin, teacher): withdraw it."""
    who = await bearer(request, *STAFF)
    service = service_of(request)
    found = await seen_assignment(service, who, request.path_params["assignment_id"])
    await run_in_threadpool(assignments.remove, service.db, found.id)
    return Response(status_code=204)


# ---- learners ----------------------------------------------------------------------


async def class_learners(request: Request) -> Response:
    """``GET /api/v1/classes/{id}/learners`` (admin, teacher): the class's learners, removed ones too."""
    who = await bearer(request, *STAFF)
    class_id = _class_id(who, request.path_params["class_id"])
    found = await run_in_threadpool(roster.roster, service_of(request).db, class_id)
    return JSONResponse({"learners": [learner.to_api() for learner in found]})


async def add_learner(request: Request) -> Response:
    """``POST /api/v1/classes/{id}/learners`` (admin, teacher): ``{"name"}`` → 201 with the learner and their token (shown once)."""
    who = await bearer(request, *STAFF)
    class_id = _class_id(who, request.path_params["class_id"])
    name = (await read_json(request)).get("name")
    if not isinstance(name, str):
        raise ApiError(422, "name must be a string", hint='e.g. {"name": "Ana P"}')
    db = service_of(request).db
    learner_id, token = await run_in_threadpool(roster.add, db, class_id, name)
    added = await run_in_threadpool(roster.learner, db, learner_id)
    assert added is not None  # learners are never deleted
    return JSONResponse({"learner": added.to_api(), "token": token}, status_code=201)


async def get_learner(request: Request) -> Response:
    """``GET /api/v1/learners/{id}`` (admin, teacher)."""
    who = await bearer(request, *STAFF)
    return JSONResponse((await seen_learner(service_of(request), who, request.path_params["learner_id"])).to_api())


async def patch_learner(request: Request) -> Response:
    """``PATCH /api/v1/learners/{id}`` (admin, teacher): ``{"name"}``: rename; their takes follow."""
    who = await bearer(request, *STAFF)
    service = service_of(request)
    found = await seen_learner(service, who, request.path_params["learner_id"])
    name = (await read_json(request)).get("name")
    if not isinstance(name, str):
        raise ApiError(422, "name must be a string", hint='e.g. {"name": "Ana P"}')
    await run_in_threadpool(roster.rename, service.db, found.id, name)
    renamed = await run_in_threadpool(roster.learner, service.db, found.id)
    assert renamed is not None  # learners are never deleted
    return JSONResponse(renamed.to_api())


async def learner_token(request: Request) -> Response:
    """``POST /api/v1/learners/{id}/token`` (admin, teacher): a new token; the old one stops working, the history stays."""
    who = await bearer(request, *STAFF)
    service = service_of(request)
    found = await seen_learner(service, who, request.path_params["learner_id"])
    return JSONResponse({"token": await run_in_threadpool(roster.reissue, service.db, found.id)}, status_code=201)


async def delete_learner(request: Request) -> Response:
    """``DELETE /api/v1/learners/{id}`` (admin, teacher): revoke the token; takes and feedback stay."""
    who = await bearer(request, *STAFF)
    service = service_of(request)
    found = await seen_learner(service, who, request.path_params["learner_id"])
    await run_in_threadpool(roster.remove, service.db, found.id)
    return Response(status_code=204)


async def restore_learner(request: Request) -> Response:
    """``POST /api/v1/learners/{id}/restore`` (admin, teacher): a removed learner back with their history and a new token."""
    who = await bearer(request, *STAFF)
    service = service_of(request)
    found = await seen_learner(service, who, request.path_params["learner_id"])
    return JSONResponse({"token": await run_in_threadpool(roster.restore, service.db, found.id)}, status_code=201)


# ---- difficulty and packs ----------------------------------------------------------


async def class_phrases(request: Request) -> Response:
    """``GET /api/v1/classes/{id}/phrases`` (admin, teacher): per phrase, the class mean, share below 60 and weak words."""
    who = await bearer(request, *STAFF)
    class_id = _class_id(who, request.path_params["class_id"])
    query = request.query_params
    rows = await run_in_threadpool(lambda: difficulty.difficulty(service_of(request).db, class_id, pack=query.get("pack") or None,
                                                                 sort=query.get("sort", "")))
    return JSONResponse({"phrases": [{"pack": r.column.pack, "phrase_id": r.column.phrase_id, "text": r.column.text,
                                      "learners": r.learners, "mean": round(r.mean, 1), "below_60": round(r.below, 3),
                                      "weak_words": [{"word": w, "learners": n} for w, n in r.weak],
                                      "weak_sounds": [{"sound": w, "learners": n} for w, n in r.sounds]} for r in rows]})


async def receive_pack(request: Request, incoming: Path, prefix: str) -> Path:
    """A pack zip sent as the request body, streamed to ``incoming/`` (413 past :data:`MAX_PACK_UPLOAD`)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_PACK_UPLOAD:
        raise ApiError(413, f"the pack is larger than {MAX_PACK_UPLOAD // (1024 * 1024)} MB", hint="use FLAC audio")
    path, size = incoming / f"{prefix}{uuid.uuid4().hex}.zip", 0
    try:
        with open(path, "xb") as out:
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_PACK_UPLOAD:
                    raise ApiError(413, f"the pack is larger than {MAX_PACK_UPLOAD // (1024 * 1024)} MB", hint="use FLAC audio")
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


async def publish_pack(db_service: Service, source: Path) -> packs.PublishedPack:
    """Publish the pack zip at ``source`` (removed afterwards); 422 with the reason when it is not a valid pack."""
    try:
        return await run_in_threadpool(lambda: packs.publish(db_service.db, source, shown="the uploaded pack"))
    except ClassroomError as exc:
        raise ApiError(422, exc.message, hint="export the pack with `pronounce pack export`, or fix what `pronounce pack validate` says") from exc
    finally:
        source.unlink(missing_ok=True)


async def post_pack(request: Request) -> Response:
    """``POST /api/v1/packs`` (admin, teacher): a pack's zip as the body (``application/zip``) → 201, published as its new version."""
    await bearer(request, *STAFF)
    if request.headers.get("content-type", "").split(";")[0].strip() not in ("application/zip", "application/octet-stream"):
        raise ApiError(415, "send the pack as a zip", hint="Content-Type: application/zip, the body a `pronounce pack export` zip")
    service = service_of(request)
    try:
        source = await receive_pack(request, service.db.incoming_dir, service.incoming_prefix)
    except ClientDisconnect:
        return Response(status_code=400)
    published = await publish_pack(service, source)
    return JSONResponse(published.to_api(), status_code=201)


ROUTES = [
    Route("/api/v1/assignments", list_assignments, methods=["GET"]),
    Route("/api/v1/assignments", post_assignment, methods=["POST"]),
    Route("/api/v1/assignments/{assignment_id:int}", get_assignment, methods=["GET"]),
    Route("/api/v1/assignments/{assignment_id:int}", delete_assignment, methods=["DELETE"]),
    Route("/api/v1/classes/{class_id:int}/learners", class_learners, methods=["GET"]),
    Route("/api/v1/classes/{class_id:int}/learners", add_learner, methods=["POST"]),
    Route("/api/v1/classes/{class_id:int}/phrases", class_phrases, methods=["GET"]),
    Route("/api/v1/learners/{learner_id:int}", get_learner, methods=["GET"]),
    Route("/api/v1/learners/{learner_id:int}", patch_learner, methods=["PATCH"]),
    Route("/api/v1/learners/{learner_id:int}", delete_learner, methods=["DELETE"]),
    Route("/api/v1/learners/{learner_id:int}/token", learner_token, methods=["POST"]),
    Route("/api/v1/learners/{learner_id:int}/restore", restore_learner, methods=["POST"]),
    Route("/api/v1/packs", post_pack, methods=["POST"]),
]
