"""Plan-target monitoring (pure core): plans and targets from cited YAML, decomposition checks and
roll-up, progress, projection, status, early warning and the 通报 (circular) table.

Nothing here touches the database or the web; the CLI and the web read observations from the store
and hand plain frames in.
"""
