"""The read path: Cypher for lookups, filtered lists and batched relations.

Builders return ``(cypher, params)``; values always travel as parameters. A GraphQL request
sends one statement per list or relation *level*, never one per node.
"""
