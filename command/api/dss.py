"""Decision support (DSS-1..3, issue #25, var/dss-contract.md): the consequence models and the
substance table, the weather station's latest reading, model runs with their zones on the park map
(re-runnable), and the incident's consultation room."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, File, Form, Query, UploadFile
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from command.api.deps import get_db, get_state, require
from command.api.openapi import file_answer, follow
from command.api.routing import api_router
from command.db.models.users import User
from command.domain.roles import OPERATORS, READERS, Role
from command.dss import registry
from command.dss import substances as subst
from command.services import consult, simulations, weather_feed
from command.services.auth import AuthError
from command.state import ServiceState
from watchpost.fields import Id, Text

router = api_router(prefix="/api", tags=["decision support"])

RUNNERS = (*OPERATORS, Role.drill_organizer)  # drill organisers: exercise incidents only
TOXIC = (("AEGL-1 (60 min)", "aegl1_60min"), ("AEGL-2 (60 min)", "aegl2_60min"), ("AEGL-3 (60 min)", "aegl3_60min"),
         ("ERPG-1", "erpg1"), ("ERPG-2", "erpg2"), ("ERPG-3", "erpg3"), ("IDLH", "idlh"))


def _exercise_only(user: User, exercise: bool, what: str) -> None:
    if user.role == Role.drill_organizer and not exercise:
        raise AuthError(f"drill organisers may only {what} for exercise incidents", 403)


# --------------------------------------------------------------------------------------------- models

@router.get("/dss/models")
def list_models(_: User = Depends(require(*READERS))) -> list[dict]:
    """Every registered model: what it computes, its sources, and its inputs (JSON Schema with units and ranges)."""
    return [{"name": m.name, "summary": m.summary, "sources": list(m.sources), "inputs": m.inputs.model_json_schema(),
             "weather_inputs": simulations.WIND_INPUTS.get(m.name, {}),
             "draws_zones": m.name in simulations.ZONE_MODELS}
            for m in registry.load_all().values()]


@router.get("/dss/substances")
def list_substances(_: User = Depends(require(*READERS))) -> list[dict]:
    """The bundled substance table: names, CAS, molar mass, toxic thresholds (ppm) and flammability limits,
    every value with its unit and source."""
    out = []
    for s in subst.all_substances().values():
        out.append({"key": s.key, "name_zh": s.name_zh, "name_en": s.name_en, "cas": s.cas, "aliases": s.aliases,
                    "mw": s.value("molecular_weight"),
                    "thresholds": [{"name": n, "value": s.value(p), "unit": "ppm"} for n, p in TOXIC if s.value(p)],
                    "lfl_vol_pct": s.value("lfl"), "ufl_vol_pct": s.value("ufl"), "note": s.note,
                    "values": {k: v.model_dump() for k, v in s.values.items()}})
    return out


@router.get("/weather/now")
def weather_now(st: ServiceState = Depends(get_state), _: User = Depends(require(*READERS))) -> dict:
    """The configured station's latest reading with its age (``stale`` past dss.weather.max_age_s);
    404 without a station, 503 when it has not answered yet."""
    return weather_feed.now_json(st)


# --------------------------------------------------------------------------------------------- simulations

def _warm_weather(st: ServiceState, body: simulations.SimulationIn) -> None:
    # Ask the station before the transaction starts, so no database lock is held while it answers.
    wants_station = (body.weather is not None and body.weather.source == "station") or \
        (body.weather is None and body.model in simulations.WIND_INPUTS)
    f = weather_feed.feed(st) if wants_station else None
    if f is not None:
        f.refresh()


@router.post("/simulations", status_code=201, responses=follow(
    201, "simulation_id", "GET /api/simulations/{simulation_id}", "POST /api/simulations/{simulation_id}/rerun"))
def run_simulation(body: simulations.SimulationIn, db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
                   user: User = Depends(require(*RUNNERS))) -> dict:
    """Run a model, for an incident or on its own. The release point is params lon/lat, else the
    incident's location; the weather fills the wind inputs (by hand, or the station's latest reading)
    and the values used are stored with their source and time. Zones come back with the people,
    enterprises, residents' areas, cameras, sensors and resources inside each."""
    _warm_weather(st, body)
    incident = simulations.incident_of(db, body.incident_id)
    _exercise_only(user, bool(incident and incident.exercise), "run models")
    s = simulations.run(db, st, user.username, body)
    db.commit()
    return simulations.to_json(s)


@router.get("/simulations")
def list_simulations(incident_id: Id | None = None, limit: int = Query(50, ge=1, le=500),
                     db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> list[dict]:
    """Runs, newest first (an incident's, with incident_id)."""
    return [simulations.to_json(s) for s in simulations.search(db, incident_id, limit)]


@router.get("/simulations/{simulation_id}")
def get_simulation(simulation_id: Id, db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> dict:
    return simulations.to_json(simulations.get(db, simulation_id))


@router.post("/simulations/{simulation_id}/rerun", status_code=201, responses=follow(
    201, "simulation_id", "GET /api/simulations/{simulation_id}"))
def rerun_simulation(simulation_id: Id, db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
                     user: User = Depends(require(*RUNNERS))) -> dict:
    """Run the model again on the stored inputs and weather; ``reproduced`` says whether the result is
    identical, ``of`` names the original. Zones are counted again against the park as it is now."""
    old = simulations.get(db, simulation_id)
    _exercise_only(user, old.exercise, "re-run models")
    s = simulations.rerun(db, st, user.username, simulation_id)
    db.commit()
    return simulations.to_json(s)


# --------------------------------------------------------------------------------------------- consultation

@router.get("/incidents/{incident_id}/consult")
def list_consult(incident_id: Id, after_id: Id | None = None, limit: int = Query(500, ge=1, le=5000),
                 db: Session = Depends(get_db), _: User = Depends(require(*READERS))) -> list[dict]:
    """The incident's consultation messages, oldest first (``after_id``: only newer ones)."""
    return [consult.to_json(m) for m in consult.messages(db, incident_id, after_id, limit)]


@router.post("/incidents/{incident_id}/consult", status_code=201)
async def post_consult(incident_id: Id, body: Annotated[Text, Form(max_length=20000)] = "",
                       file: UploadFile | None = File(None, description="an optional file (dss.consult_max_file_mb)"),
                       db: Session = Depends(get_db), st: ServiceState = Depends(get_state),
                       user: User = Depends(require(*RUNNERS))) -> dict:
    """Post a message, a file, or both; it goes on the incident's timeline and out on push topic "consult"."""
    data = await file.read() if file is not None else None
    name = (file.filename or "file") if file is not None else None

    def write() -> dict:
        incident = simulations.incident_of(db, incident_id)
        _exercise_only(user, bool(incident and incident.exercise), "post")
        m = consult.post(db, st, user.username, user.role, incident_id, body, name, data)
        db.commit()
        return consult.to_json(m)

    return await run_in_threadpool(write)


@router.get("/incidents/{incident_id}/consult/{message_id}/file", responses=file_answer("application/octet-stream"))
def consult_file(incident_id: Id, message_id: Id, db: Session = Depends(get_db),
                 _: User = Depends(require(*READERS))) -> FileResponse:
    m, path, media = consult.get_file(db, incident_id, message_id)
    return FileResponse(path, media_type=media, filename=m.file_name or "file")
