"""One error root: every error the hub and its loaders raise is a HubError."""

import importlib
import inspect
import pkgutil

import hub
import loaders
from hub.errors import HubError

# Control flow, not errors: a load stopped by a signal, a row shape the fast read path hands
# back to the resolvers.
NOT_ERRORS = {"LoadStopped", "Stopped", "_Unshaped"}


def _modules() -> list[str]:
    names = []
    for package in (hub, loaders):
        prefix = package.__name__ + "."
        names += [m.name for m in pkgutil.walk_packages(package.__path__, prefix)]
    return [n for n in names if not n.endswith("__main__")]


def test_every_exception_the_hub_defines_derives_from_hub_error() -> None:
    defined = {
        f"{module}.{name}": kind
        for module in _modules()
        for name, kind in inspect.getmembers(importlib.import_module(module), inspect.isclass)
        if issubclass(kind, BaseException) and kind.__module__ == module
    }
    assert len(defined) > 20
    outside = sorted(
        name
        for name, kind in defined.items()
        if not issubclass(kind, HubError) and name.rsplit(".", 1)[1] not in NOT_ERRORS
    )
    assert outside == []
