"""Plan-target monitoring (pure core): plans and targets from cited YAML, decomposition checks and
roll-up, progress, projection, status, early warning and the 通报 (circular) table.

Nothing here touches the database or the web; the CLI and the web read observations from the store
(`gaoxin.store.repo.observations_frame`) and hand plain frames in:

    from gaoxin.targets import load_targets, progress_table, warnings, circular_table
    prog = progress_table(load_targets(plan="xiangtan-133-2023-2025"), observations, as_of=2024)
"""
from gaoxin.targets.circular import CircularTable, circular_table
from gaoxin.targets.decomposition import check as check_decomposition
from gaoxin.targets.decomposition import rollup
from gaoxin.targets.monitor import parts_progress, progress_table, target_frame
from gaoxin.targets.plans import (Plan, PlanDataError, Target, find_target, indicator_registry, load_plans,
                                  load_targets, target_from_spec)
from gaoxin.targets.progress import evaluate
from gaoxin.targets.status import load_thresholds
from gaoxin.targets.warning import gap_text, warnings

__all__ = ["CircularTable", "circular_table", "check_decomposition", "rollup", "parts_progress",
           "progress_table", "target_frame", "Plan", "PlanDataError", "Target", "find_target",
           "indicator_registry", "load_plans", "load_targets", "target_from_spec", "evaluate",
           "load_thresholds", "gap_text", "warnings"]
