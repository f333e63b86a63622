"""Access to the graph database: driver, dialect, embedded server and migrations."""

from hub.store.dialect import Dialect, Product
from hub.store.store import Statement, Store, Transaction, one_statement

__all__ = ["Dialect", "Product", "Statement", "Store", "Transaction", "one_statement"]
