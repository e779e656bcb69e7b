"""A local Ray head for one machine's runs, without the daemons such a head never uses.

`start_local_ray` starts Ray in this process (``address="local"``) with its dashboard off and worker
output kept out of the driver, then stops three helper processes Ray starts anyway:

* the **log monitor**, which looks for new lines in every worker log file ten times a second, to
  forward them to drivers that asked for them (``log_to_driver``; none here);
* the **dashboard API server**, which Ray starts even with ``include_dashboard=False`` (for Ray Jobs
  and the state API, which glueworks does not use: it tracks runs in its own database);
* the **autoscaler monitor**: a single node has nothing to scale.

An idle 2-CPU head with two task workers used 0.13-0.16 CPU s every 3 s with them and 0.10-0.12 s
without (three 30 s windows each): ~1 % of a core, which a run that keeps every core busy pays out of
its workers' time. The raylet, the GCS and the dashboard agent stay: the raylet exits when its agent does.

Stopping them goes through Ray's own `Node` handle (``kill_log_monitor`` and friends, as Ray's tests
do). Ray is pinned to a minor version in ``pyproject.toml``; where a release lacks a method, that
daemon is left running and a debug line says so. A cluster started elsewhere (``ray start``, KubeRay)
is never touched: this only runs on the head it has just started.
"""

from __future__ import annotations

import logging
from typing import Any

_log = logging.getLogger(__name__)

#: `ray._private.node.Node` methods that stop the daemons named in the module docstring.
UNUSED_DAEMONS = ("kill_log_monitor", "kill_dashboard", "kill_monitor")


def start_local_ray(num_cpus: int | None = None, **init_options: Any) -> list[str]:
    """Start a local Ray head in this process and stop its unused daemons; the methods that stopped them.

    Args:
        num_cpus: CPUs the head offers (None: Ray counts the machine's).
        init_options: more ``ray.init`` keywords (``namespace``, ``object_store_memory``, ...). Neither
            ``address`` nor ``include_dashboard`` nor ``log_to_driver`` may be given: they are what makes
            stopping the daemons safe.
    """
    import ray

    fixed = {"address", "include_dashboard", "log_to_driver"} & init_options.keys()
    if fixed:
        raise ValueError(f"start_local_ray: {', '.join(sorted(fixed))} cannot be set here")
    ray.init(address="local", num_cpus=num_cpus, include_dashboard=False, log_to_driver=False, **init_options)
    return stop_unused_daemons(getattr(ray._private.worker, "_global_node", None))


def stop_unused_daemons(node: Any) -> list[str]:
    """Stop the log monitor, dashboard API server and autoscaler monitor of head `node`; what was stopped."""
    stopped = []
    for name in UNUSED_DAEMONS:
        kill = getattr(node, name, None)
        if kill is None:
            _log.debug("Ray's node has no %s: that daemon keeps running", name)
            continue
        # check_alive=False: a daemon that already exited (or never started) is not an error here.
        kill(check_alive=False)
        stopped.append(name)
    return stopped
