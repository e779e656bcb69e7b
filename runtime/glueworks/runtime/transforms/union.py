"""union: every record of two frames.

No data moves: the result's parts are frame1's parts followed by frame2's, so records keep
their order and their blocks stay where they are. The frame schema is the merge of both
frames' block schemas (a Choice where a field's types differ, nullable where a field is
missing on one side). Error records of both inputs flow through: records in = records out +
error records.
"""

from __future__ import annotations

from dataclasses import replace

from glueworks.runtime.error_spool import ErrorChain
from glueworks.runtime.executors.base import Executed


def union_executed(left: Executed, right: Executed) -> Executed:
    """The parts of `left` then of `right`, renumbered, carrying the errors of both."""
    left, right = left.passed_through(), right.passed_through()
    metas = [replace(meta, index=index) for index, meta in enumerate([*left.metas, *right.metas])]
    inherited, inputs = ErrorChain([left.inherited, right.inherited]), (*left.inputs, *right.inputs)
    return Executed(metas=metas, parts=[*left.parts, *right.parts], inherited=inherited, inputs=inputs)
