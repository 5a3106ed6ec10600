"""`python -m boardplans`: the command line."""
import sys

from boardplans.pipeline.cli import main

sys.exit(main())
