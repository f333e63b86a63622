"""The master-data hub: one GraphQL API over a graph of partners, vehicles and contracts."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("master-data-hub")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+local"
