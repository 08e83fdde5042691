"""The worker-command queue is pruned without ever renumbering it under the workers (VID-9 linkage and drill
clips reach a worker however long the site has been quiet)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from command.services import worker_commands
from watchpost.db import make_engine, make_sessionmaker
from watchpost.events import WorkerCommand


def test_pruning_keeps_the_newest_so_a_worker_sees_the_next_command(db_url):
    sessions = make_sessionmaker(make_engine(db_url))
    now = datetime.now(timezone.utc)
    cmd = WorkerCommand(command="pin_recording", camera_ids=["cam-1"], reason="linkage test")
    with sessions() as db:
        ids = [worker_commands.queue(db, cmd, now - timedelta(days=10 - i)) for i in range(3)]
        db.commit()
        held_by_worker = worker_commands.last_id(db)  # what a running worker passes as `after`
        assert held_by_worker == ids[-1]

        # A quiet site: every command is older than a week. All but the newest go.
        assert worker_commands.prune(db, now) == 2
        db.commit()
        assert worker_commands.last_id(db) == ids[-1]

        new_id = worker_commands.queue(db, cmd, now)
        db.commit()
        assert new_id > held_by_worker
        assert [i for i, _ in worker_commands.after(db, "vision-1", held_by_worker)] == [new_id]

        # Young commands stay.
        assert worker_commands.prune(db, now) == 1  # only the old newest, now that a newer one exists
        db.commit()
        assert [i for i, _ in worker_commands.after(db, "vision-1", 0)] == [new_id]
