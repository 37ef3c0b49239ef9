"""The interop tests' fixtures live in interop_support.py (a module name of
its own, so that the tests can import its helpers even when pytest collects
several test directories at once)."""

from interop_support import *  # noqa: F401,F403
