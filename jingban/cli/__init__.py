"""The `jingban` command."""
