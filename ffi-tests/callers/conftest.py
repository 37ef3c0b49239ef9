"""The caller replays use the interop layer's fixtures (test PKI, peers that
are always stopped, time-outs): interop_support.py in ../interop."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "interop"))

from interop_support import *  # noqa: E402,F401,F403
