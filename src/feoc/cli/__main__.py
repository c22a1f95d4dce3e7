"""`python -m feoc.cli`: the same command line as `feoc`."""

from __future__ import annotations

from feoc.cli import main

if __name__ == "__main__":
    main()
