"""`--dist loadgroup` as pytest-xdist documents it, on the pytest this project pins.

xdist 3.8 sends the tests marked `xdist_group("name")` to one worker by appending "@name" to
each test's id, which it writes to `item._nodeid`. pytest 9.2 keeps the id in `item._id`
instead, so the write is lost and every group is spread over the workers in silence
(pytest-dev/pytest-xdist#1386): fixtures built once per group are built on each worker, and
tests meant to run one after another (the DDP launches, which share the cores) run beside each
other. This plugin appends the suffix where pytest 9.2 reads it. Without `--dist loadgroup`,
or on a pytest whose ids xdist can still write, it does nothing.
"""

import pytest


def group_of(item) -> str | None:
    """The item's xdist_group names joined as xdist joins them, or None when it has none."""
    names = {
        str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
        for mark in item.iter_markers("xdist_group")
    }
    return "_".join(sorted(names)) or None


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    if not getattr(config.option, "loadgroup", False):
        return  # not a worker of `--dist loadgroup`
    try:
        from _pytest.nodeid import NodeId  # pytest >= 9.2
    except ImportError:
        return  # an older pytest reads the `_nodeid` xdist wrote

    for item in items:
        group = group_of(item)
        if group and not item.nodeid.endswith(f"@{group}"):
            item._id = NodeId.parse(f"{item.nodeid}@{group}")
