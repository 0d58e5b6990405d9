from services.results.migrations import SCHEMA
from shared.platform.migrations import main

raise SystemExit(main(SCHEMA))
