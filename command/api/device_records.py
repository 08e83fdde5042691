"""The recordings a GB/T 28181 camera's own device holds (VID-5 "playback, query"), asked through the vision
worker whose platform the device registered to; one of them played back through that worker's relay; and the
workers' answers to such commands."""

from __future__ import annotations

from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from command.api.deps import get_db, get_state, require
from command.api.live import WATCHERS, CameraId, camera_for
from command.api.polling import poll
from command.api.routing import api_router
from command.db.models.users import User
from command.domain.roles import Role
from command.errors import ErrorAnswer, Invalid, TimedOut, Unavailable
from command.services import device_records, worker_results
from command.state import ServiceState
from watchpost.events import DeviceRecord, WorkerCommandResult
from watchpost.fields import Instant

router = api_router(tags=["live"])
POLL_EVERY_S = 0.25
SLACK_S = 3.0  # the worker's long poll picks the command up within POLL_EVERY_S; the rest is its POST back


class DeviceRecords(BaseModel):
    camera_id: str
    worker_id: str
    records: list[DeviceRecord]


class PlaybackSpan(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: Instant
    end: Instant


class DevicePlayback(BaseModel):
    camera_id: str
    worker_id: str
    session: str  # POST /api/live/{camera_id}/offer?playback=<session> shows it
    relay_path: str


class ResultStored(BaseModel):
    stored: bool


def wait_s(st: ServiceState) -> float:
    """How long a query may take: RecordInfo is a MESSAGE the device acknowledges (up to request_timeout_s)
    and then answers in MESSAGEs of its own (up to request_timeout_s again), plus the worker's round trips."""
    return 2 * st.config.vision.gb28181.request_timeout_s + SLACK_S


@router.get("/api/cameras/{camera_id}/device-records", response_model=DeviceRecords,
            responses={504: {"model": ErrorAnswer, "description": "the worker running the camera did not answer"}})
async def device_recordings(camera_id: CameraId, start: Instant, end: Instant, request: Request,
                            st: ServiceState = Depends(get_state),
                            user: User = Depends(require(*WATCHERS))) -> DeviceRecords:
    """The recordings a GB/T 28181 camera's device (its card, its NVR) holds between ``start`` and ``end``
    (at most 24 h), oldest first, asked of the worker whose platform the device registered to. 422 for a
    camera that is not a GB/T 28181 channel or a span refused; 503 with the worker's reason when the device
    does not answer; 504 when no worker answers in time."""
    cam = camera_for(st, camera_id, user)
    why = device_records.refusal(cam, start, end)
    if why:
        raise Invalid(why)

    def ask() -> str:
        with st.sessions() as db:
            return device_records.ask(db, cam, start, end, st.clock.now())

    result = await _answer(st, request, await run_in_threadpool(ask), cam.worker, camera_id)
    return DeviceRecords(camera_id=camera_id, worker_id=result.worker_id, records=result.records)


@router.post("/api/cameras/{camera_id}/device-playback", response_model=DevicePlayback,
             responses={504: {"model": ErrorAnswer, "description": "the worker running the camera did not answer"}})
async def device_playback(camera_id: CameraId, body: PlaybackSpan, request: Request,
                          st: ServiceState = Depends(get_state),
                          user: User = Depends(require(*WATCHERS))) -> DevicePlayback:
    """Have a GB/T 28181 camera's device play ``start``..``end`` of its recordings back, through the worker whose
    platform it registered to; the session to show with ``POST /api/live/{camera_id}/offer?playback=<session>``.
    The worker ends it when the file ends or nobody has watched it for a few seconds; the console pauses and
    seeks by asking again from that point (a new session). Refusals and answers as ``device-records``."""
    cam = camera_for(st, camera_id, user)
    why = device_records.refusal(cam, body.start, body.end)
    if why:
        raise Invalid(why)

    def ask() -> str:
        with st.sessions() as db:
            return device_records.ask(db, cam, body.start, body.end, st.clock.now(), command="gb_playback")

    result = await _answer(st, request, await run_in_threadpool(ask), cam.worker, camera_id)
    if not result.relay_path:  # a worker of an older release: it answered but serves nothing
        raise Unavailable(f"camera {camera_id}: worker {result.worker_id} does not play recordings back")
    return DevicePlayback(camera_id=camera_id, worker_id=result.worker_id, session=result.request_id,
                          relay_path=result.relay_path)


async def _answer(st: ServiceState, request: Request, request_id: str, worker: str | None,
                  camera_id: str) -> WorkerCommandResult:
    """The worker's answer to ``request_id``, polled through the database (it may post to another replica);
    504 when none comes within ``wait_s``, 503 with the worker's reason when it could not."""
    def read() -> WorkerCommandResult | None:
        with st.sessions() as db:
            db.connection(execution_options={"readonly": True})
            return worker_results.get(db, request_id)

    budget = wait_s(st)
    result = await poll(read, lambda r: r is not None, budget, request, POLL_EVERY_S)
    if result is None:
        if await request.is_disconnected():
            raise TimedOut("the caller left")
        raise TimedOut(f"no vision worker answered for camera {camera_id} in {budget:g} s (worker "
                       f"{worker or 'any'}: is it running, with vision.gb28181 enabled?)")
    if not result.ok:
        raise Unavailable(f"camera {camera_id}'s device: {result.error}")
    return result


@router.post("/api/workers/command-results", status_code=201, response_model=ResultStored)
def command_result(result: WorkerCommandResult, db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
                   _: User = Depends(require(Role.service, Role.admin))) -> ResultStored:
    """A worker's answer to a command an API call waits for (``gb_record_query``, ``gb_playback``), stored before
    the answer; a resend (or a second worker's) is not stored again (``stored: false``)."""
    return ResultStored(stored=worker_results.store(db, result, st.clock.now()))
