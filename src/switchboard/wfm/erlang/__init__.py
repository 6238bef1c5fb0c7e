"""Queueing maths for staffing: Erlang B, Erlang C, Erlang A (M/M/n+M), the inverse problems, shrinkage.

Pure functions on plain values: rates per second, times in seconds. Each formula cites its source
beside the code. The names below are the contract the rest of `switchboard.wfm`, the CLI and the
pages code against.
"""

from switchboard.wfm.erlang.batch import erlang_c_agents_many
from switchboard.wfm.erlang.erlang_b_c import erlang_b, erlang_c
from switchboard.wfm.erlang.errors import InvalidQueueInput
from switchboard.wfm.erlang.metrics import erlang_a_metrics, erlang_c_metrics
from switchboard.wfm.erlang.results import QueueMetrics, ServiceLevelDefinition, StaffingResult, StaffingTargets
from switchboard.wfm.erlang.shrinkage import scheduled_agents
from switchboard.wfm.erlang.staffing import LARGE_ABANDON_RATE, required_agents

__all__ = [
    "LARGE_ABANDON_RATE",
    "InvalidQueueInput",
    "QueueMetrics",
    "ServiceLevelDefinition",
    "StaffingResult",
    "StaffingTargets",
    "erlang_a_metrics",
    "erlang_b",
    "erlang_c",
    "erlang_c_agents_many",
    "erlang_c_metrics",
    "required_agents",
    "scheduled_agents",
]
