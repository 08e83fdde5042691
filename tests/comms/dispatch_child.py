"""A dispatcher in its own process (the crash test SIGKILLs it mid-batch).

python -m tests.comms.dispatch_child CONFIG_JSON
"""

from __future__ import annotations

import json
import sys
import time

from comms.dispatcher import Dispatcher
from watchpost.clock import Clock
from watchpost.config import parse_config
from watchpost.db import make_engine, make_sessionmaker


def main() -> None:
    cfg = parse_config(json.loads(open(sys.argv[1]).read()), environ={})
    engine = make_engine(cfg.storage.url)
    d = Dispatcher(make_sessionmaker(engine), cfg, Clock())
    print("ready", flush=True)
    while True:
        if d.run_once() == 0:
            time.sleep(0.05)


if __name__ == "__main__":
    main()
